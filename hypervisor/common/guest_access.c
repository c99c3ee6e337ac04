/* SPDX-License-Identifier: BSD-2-Clause */
/* Checked copies to and from guest RAM (see hv/guest_access.h). */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/mm.h>

enum copy_dir { TO_GUEST, FROM_GUEST, CLEAR_GUEST };

static int copy_guest(struct domain *d, gpa_t gpa, void *buf, size_t len, enum copy_dir dir)
{
    u64 a = gpa_x(gpa);

    if (a + len < a)
        return -EFAULT;
    while (len) {
        size_t off = a & (PAGE_SIZE - 1), n = min(len, PAGE_SIZE - off);
        enum p2m_type t;
        mfn_t mfn = p2m_lookup(&d->p2m, gpa_to_gfn(_gpa(a)), &t);
        u8 *page;

        if (t != p2m_ram_rw && !(t == p2m_ram_ro && dir == FROM_GUEST))
            return -EFAULT;
        page = __va((paddr_t)mfn << PAGE_SHIFT);
        if (dir == TO_GUEST)
            memcpy(page + off, buf, n);
        else if (dir == FROM_GUEST)
            memcpy(buf, page + off, n);
        else
            memset(page + off, 0, n);
        if (buf)
            buf = (u8 *)buf + n;
        a += n;
        len -= n;
    }
    return 0;
}

int copy_to_guest_phys(struct domain *d, gpa_t gpa, const void *src, size_t len)
{
    return copy_guest(d, gpa, (void *)src, len, TO_GUEST);
}

int copy_from_guest_phys(struct domain *d, void *dst, gpa_t gpa, size_t len)
{
    return copy_guest(d, gpa, dst, len, FROM_GUEST);
}

int clear_guest_phys(struct domain *d, gpa_t gpa, size_t len)
{
    return copy_guest(d, gpa, NULL, len, CLEAR_GUEST);
}
