/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Arithmetic flags, computed as the processor does (SDM vol. 1, 3.4.3 and appendix
 * A; each instruction's "Flags Affected"). Carry and overflow come from the operands
 * and the truncated result: no wider arithmetic is needed, so 64-bit operands work
 * the same way as 8-bit ones.
 *
 * Flags the SDM leaves undefined are set as the AMD and Intel processors we checked
 * set them (the unit tests compare with the host): AF is cleared by AND, OR, XOR and
 * TEST.
 */
#include "private.h"

/* SF, ZF and PF of a result. */
static u64 flags_szp(u64 res, unsigned int bytes)
{
    u64 f = 0;
    u8 p = (u8)res;

    res = x86_trunc(res, bytes);
    if (!res)
        f |= X86_FL_ZF;
    if ((res >> (bytes * 8 - 1)) & 1)
        f |= X86_FL_SF;
    /* PF: even number of set bits in the low byte (no __builtin_parity: it may
     * need libgcc, which the hypervisor does not link) */
    p ^= p >> 4;
    p ^= p >> 2;
    p ^= p >> 1;
    if (!(p & 1))
        f |= X86_FL_PF;
    return f;
}

static void set_arith(u64 *rflags, u64 f, u64 which)
{
    *rflags = (*rflags & ~which) | (f & which);
}

u64 x86_alu(unsigned int op, u64 dst, u64 src, unsigned int bytes, u64 *rflags)
{
    u64 mask = x86_trunc(~0ULL, bytes), msb = 1ULL << (bytes * 8 - 1);
    u64 d = dst & mask, s = src & mask, r, f = 0;
    bool cf = *rflags & X86_FL_CF;

    switch (op) {
    case ALU_ADD:
    case ALU_ADC:
        r = (d + s + (op == ALU_ADC && cf)) & mask;
        if (op == ALU_ADC && cf ? r <= d : r < d)
            f |= X86_FL_CF;
        if ((d ^ r) & (s ^ r) & msb)
            f |= X86_FL_OF;
        f |= (d ^ s ^ r) & X86_FL_AF;
        break;
    case ALU_SUB:
    case ALU_SBB:
    case ALU_CMP:
        r = (d - s - (op == ALU_SBB && cf)) & mask;
        if (op == ALU_SBB && cf ? d <= s : d < s)
            f |= X86_FL_CF;
        if ((d ^ s) & (d ^ r) & msb)
            f |= X86_FL_OF;
        f |= (d ^ s ^ r) & X86_FL_AF;
        break;
    case ALU_AND:
        r = d & s;
        break;
    case ALU_OR:
        r = d | s;
        break;
    case ALU_XOR:
    default:
        r = d ^ s;
        break;
    }
    set_arith(rflags, f | flags_szp(r, bytes), X86_FL_ARITH);
    return r;
}

/* INC and DEC: like ADD/SUB of 1, but CF is kept. */
u64 x86_alu_incdec(bool dec, u64 dst, unsigned int bytes, u64 *rflags)
{
    u64 mask = x86_trunc(~0ULL, bytes), msb = 1ULL << (bytes * 8 - 1);
    u64 d = dst & mask, r = (dec ? d - 1 : d + 1) & mask, f;

    f = flags_szp(r, bytes) | ((d ^ 1 ^ r) & X86_FL_AF);
    if (dec ? d == msb : r == msb)
        f |= X86_FL_OF;
    set_arith(rflags, f, X86_FL_ARITH & ~X86_FL_CF);
    return r;
}

/* NEG: 0 - dst. */
u64 x86_alu_neg(u64 dst, unsigned int bytes, u64 *rflags)
{
    u64 mask = x86_trunc(~0ULL, bytes), msb = 1ULL << (bytes * 8 - 1);
    u64 d = dst & mask, r = (0 - d) & mask, f;

    f = flags_szp(r, bytes) | ((d ^ r) & X86_FL_AF);
    if (d)
        f |= X86_FL_CF;
    if (d == msb)
        f |= X86_FL_OF;
    set_arith(rflags, f, X86_FL_ARITH);
    return r;
}

/* Flags of a logical result (TEST): CF = OF = AF = 0. */
u64 x86_alu_logic_flags(u64 res, unsigned int bytes, u64 *rflags)
{
    set_arith(rflags, flags_szp(res, bytes), X86_FL_ARITH);
    return x86_trunc(res, bytes);
}
