/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * 64-bit division for 32-bit and real-mode code, which has neither a 64-bit DIV nor
 * libgcc's __udivdi3 here; and a * b / c with a 128-bit product, for rates (counts
 * times frequencies overflow 64 bits soon enough).
 */
#include "framework.h"

#ifndef __x86_64__
/* (hi:lo) / d for d < 2^32 with hi < d: one DIVL. */
static uint32_t div_step(uint32_t hi, uint32_t lo, uint32_t d, uint32_t *rem)
{
    uint32_t q, r;

    asm("divl %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
}
#endif

uint64_t udiv64(uint64_t n, uint64_t d)
{
#ifdef __x86_64__
    return n / d;
#else
    uint32_t rem;

    if (d == 0)
        return ~0ull;
    if (d >> 32 == 0) {
        uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n, dd = (uint32_t)d;
        uint32_t qhi = div_step(0, hi, dd, &rem);
        uint32_t qlo = div_step(rem, lo, dd, &rem);

        return ((uint64_t)qhi << 32) | qlo;
    }
    /* A divisor of more than 32 bits: the quotient fits in 32 bits; shift and
     * subtract. */
    uint64_t q = 0, r = 0;

    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    return q;
#endif
}

uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
    /* The product in two 64-bit halves, from 32-bit pieces. */
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    uint64_t lo = (mid << 32) | (uint32_t)p00;
    uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);

    if (hi == 0)
        return udiv64(lo, c);
    if (hi >= c)
        return ~0ull;                   /* the quotient does not fit */
#ifdef __x86_64__
    uint64_t q, r;

    asm("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c));
    return q;
#else
    /* 128 / 64 bits, a bit at a time: rare and small enough. */
    uint64_t q = 0, r = hi;

    for (int i = 63; i >= 0; i--) {
        bool carry = r >> 63;

        r = (r << 1) | ((lo >> i) & 1);
        if (carry || r >= c) {
            r -= c;
            q |= 1ull << i;
        }
    }
    return q;
#endif
}
