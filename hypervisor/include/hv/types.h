/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Basic types. The hypervisor is freestanding: only the compiler's own headers
 * (stdint, stddef, stdbool, stdarg) are used.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
/* 64-bit types are long long, as in Linux, so that %llx fits them everywhere. */
typedef unsigned long long u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;

/* A host physical address, and a host frame number (paddr >> PAGE_SHIFT). */
typedef u64 paddr_t;
typedef u64 mfn_t;
#define INVALID_PADDR (~(paddr_t)0)
#define INVALID_MFN   (~(mfn_t)0)

/* System time: nanoseconds since the hypervisor started. */
typedef s64 s_time_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#define min(a, b)                                                                        \
    ({                                                                                   \
        __typeof__(a) a_ = (a);                                                          \
        __typeof__(b) b_ = (b);                                                          \
        a_ < b_ ? a_ : b_;                                                               \
    })
#define max(a, b)                                                                        \
    ({                                                                                   \
        __typeof__(a) a_ = (a);                                                          \
        __typeof__(b) b_ = (b);                                                          \
        a_ > b_ ? a_ : b_;                                                               \
    })

#endif /* HV_TYPES_H */
