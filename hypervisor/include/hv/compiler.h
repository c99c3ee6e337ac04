/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compiler helpers used everywhere. Nothing here depends on the architecture.
 */
#ifndef HV_COMPILER_H
#define HV_COMPILER_H

#define __packed         __attribute__((packed))
#define __aligned(n)     __attribute__((aligned(n)))
#define __section(s)     __attribute__((section(s)))
#define __used           __attribute__((used))
#define __unused         __attribute__((unused))
#define __noreturn       __attribute__((noreturn))
#define __noinline       __attribute__((noinline))
#undef __always_inline  /* a hosted build's glibc defines its own */
#define __always_inline  inline __attribute__((always_inline))
#define __printf(a, b)   __attribute__((format(printf, a, b)))
#define __must_check     __attribute__((warn_unused_result))
#define __weak           __attribute__((weak))

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Read-only after boot: written while one CPU runs the boot, never after. */
#define __ro_after_init __section(".data.ro_after_init")
/* Code and data only needed during boot (kept: the image is small). */
#define __init

#define barrier() __asm__ __volatile__("" ::: "memory")

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define BUILD_BUG_ON(cond) _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
#define ARRAY_SIZE(a)      (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                                  \
    ((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

#endif /* HV_COMPILER_H */
