/* SPDX-License-Identifier: BSD-2-Clause */
/* Error numbers: functions return 0 or a negative one of these. Values follow Linux
 * (and so the Xen public ABI, which uses the same numbers). */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#define EPERM   1
#define ENOENT  2
#define ESRCH   3
#define EINTR   4
#define EIO     5
#define ENXIO   6
#define E2BIG   7
#define ENOEXEC 8
#define EBADF   9
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENOSYS  38
#define ENOTSUP 95
#define ETIMEDOUT 110

#endif /* HV_ERRNO_H */
