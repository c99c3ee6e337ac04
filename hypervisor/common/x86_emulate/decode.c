/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86 instruction decoding: prefixes, the opcode maps, ModRM/SIB/displacement and
 * immediates, for 16-, 32- and 64-bit code (Intel SDM vol. 2, appendix A and chapter
 * 2; AMD APM vol. 3, appendix A).
 *
 * The one-byte and 0F maps are tables with an entry per opcode: whether a ModRM byte
 * follows, the immediate kind, validity, operand-size rules, and what the emulator
 * does with it. Groups (an opcode whose ModRM.reg selects the instruction) have a
 * second table by ModRM.reg. The 0F38 and 0F3A maps and the VEX/EVEX/XOP maps have a
 * uniform shape (ModRM always; an immediate byte in 0F3A-like maps) and are described
 * by the ranges of opcodes they define.
 *
 * Decoding reads bytes one at a time through need(), which tells apart "more bytes
 * are needed" (X86_DECODE_TRUNC) from "longer than 15 bytes" (X86_DECODE_TOOLONG).
 */
#include "private.h"

#define M    D_MODRM
#define IB   D_IMM(IMM_B)
#define IW   D_IMM(IMM_W)
#define IZ   D_IMM(IMM_Z)
#define BYTE D_BYTE
#define LOCK D_LOCK

#define E(fl, ex, d, s, sb) { (fl), (ex), (u8)((d) | ((s) << 4)), (sb), 0 }
#define X(fl)               E((fl), EX_NONE, O_NONE, O_NONE, 0)
#define G(fl, grp)          E((fl) | D_GROUP, EX_NONE, O_NONE, O_NONE, (grp))

/* Groups: struct x86_opdesc.sub of a D_GROUP entry. */
enum { GRP1, GRP1A, GRP2, GRP3, GRP4, GRP5, GRP11, GRP6, GRP7, GRP8, GRP9, GRP12,
       GRP13, GRP14, GRP15, GRP16, GRP_P, NR_GROUPS };

/* 00-3F: the eight ALU operations in six forms each. */
#define ALU_ROW(base, op)                                                               \
    [(base) + 0] = E(M | BYTE | ((op) == ALU_CMP ? 0 : LOCK), EX_ALU, O_RM, O_REG, op), \
    [(base) + 1] = E(M | ((op) == ALU_CMP ? 0 : LOCK), EX_ALU, O_RM, O_REG, op),        \
    [(base) + 2] = E(M | BYTE, EX_ALU, O_REG, O_RM, op),                                \
    [(base) + 3] = E(M, EX_ALU, O_REG, O_RM, op),                                       \
    [(base) + 4] = E(IB | BYTE, EX_ALU, O_ACC, O_IMM, op),                              \
    [(base) + 5] = E(IZ, EX_ALU, O_ACC, O_IMM, op)

static const struct x86_opdesc map_onebyte[256] = {
    ALU_ROW(0x00, ALU_ADD), [0x06] = X(D_NO64), [0x07] = X(D_NO64),
    ALU_ROW(0x08, ALU_OR),  [0x0e] = X(D_NO64), [0x0f] = X(0),
    ALU_ROW(0x10, ALU_ADC), [0x16] = X(D_NO64), [0x17] = X(D_NO64),
    ALU_ROW(0x18, ALU_SBB), [0x1e] = X(D_NO64), [0x1f] = X(D_NO64),
    ALU_ROW(0x20, ALU_AND), [0x26] = X(0),      [0x27] = X(D_NO64),
    ALU_ROW(0x28, ALU_SUB), [0x2e] = X(0),      [0x2f] = X(D_NO64),
    ALU_ROW(0x30, ALU_XOR), [0x36] = X(0),      [0x37] = X(D_NO64),
    ALU_ROW(0x38, ALU_CMP), [0x3e] = X(0),      [0x3f] = X(D_NO64),
    [0x40 ... 0x4f] = X(D_NO64),                  /* INC/DEC r; REX in 64-bit mode */
    [0x50 ... 0x5f] = X(D_DEF64),                 /* PUSH/POP r */
    [0x60] = X(D_NO64), [0x61] = X(D_NO64),       /* PUSHA, POPA */
    [0x62] = X(M | D_MEM | D_NO64),               /* BOUND (EVEX otherwise) */
    [0x63] = E(M, EX_MOVSXD, O_REG, O_RM, 0),     /* ARPL; MOVSXD in 64-bit mode */
    [0x64 ... 0x67] = X(0),                       /* prefixes */
    [0x68] = X(IZ | D_DEF64), [0x69] = X(M | IZ), [0x6a] = X(IB | D_DEF64),
    [0x6b] = X(M | IB),
    [0x6c] = E(BYTE, EX_INS, O_NONE, O_DX, 0),    [0x6d] = E(0, EX_INS, O_NONE, O_DX, 0),
    [0x6e] = E(BYTE, EX_OUTS, O_DX, O_NONE, 0),   [0x6f] = E(0, EX_OUTS, O_DX, O_NONE, 0),
    [0x70 ... 0x7f] = X(IB | D_F64),              /* Jcc rel8 */
    [0x80] = G(M | IB | BYTE, GRP1), [0x81] = G(M | IZ, GRP1),
    [0x82] = G(M | IB | BYTE | D_NO64, GRP1), [0x83] = G(M | IB, GRP1),
    [0x84] = E(M | BYTE, EX_TEST, O_RM, O_REG, 0), [0x85] = E(M, EX_TEST, O_RM, O_REG, 0),
    [0x86] = E(M | BYTE | LOCK, EX_XCHG, O_RM, O_REG, 0),
    [0x87] = E(M | LOCK, EX_XCHG, O_RM, O_REG, 0),
    [0x88] = E(M | BYTE, EX_MOV, O_RM, O_REG, 0),  [0x89] = E(M, EX_MOV, O_RM, O_REG, 0),
    [0x8a] = E(M | BYTE, EX_MOV, O_REG, O_RM, 0),  [0x8b] = E(M, EX_MOV, O_REG, O_RM, 0),
    [0x8c] = E(M, EX_MOV_SREG, O_RM, O_SREG, 0),   [0x8d] = X(M | D_MEM), /* LEA */
    [0x8e] = X(M), [0x8f] = G(M | D_DEF64, GRP1A),
    [0x90] = E(0, EX_NOP, O_NONE, O_NONE, 0), [0x91 ... 0x97] = X(0),     /* XCHG */
    [0x98 ... 0x99] = X(0), [0x9a] = X(D_IMM(IMM_FAR) | D_NO64), [0x9b] = X(0),
    [0x9c ... 0x9d] = X(D_DEF64), [0x9e ... 0x9f] = X(0),
    [0xa0] = E(D_IMM(IMM_MOFFS) | BYTE, EX_MOV, O_ACC, O_MOFFS, 0),
    [0xa1] = E(D_IMM(IMM_MOFFS), EX_MOV, O_ACC, O_MOFFS, 0),
    [0xa2] = E(D_IMM(IMM_MOFFS) | BYTE, EX_MOV, O_MOFFS, O_ACC, 0),
    [0xa3] = E(D_IMM(IMM_MOFFS), EX_MOV, O_MOFFS, O_ACC, 0),
    [0xa4] = E(BYTE, EX_MOVS, O_NONE, O_NONE, 0), [0xa5] = E(0, EX_MOVS, O_NONE, O_NONE, 0),
    [0xa6] = E(BYTE, EX_CMPS, O_NONE, O_NONE, 0), [0xa7] = E(0, EX_CMPS, O_NONE, O_NONE, 0),
    [0xa8] = E(IB | BYTE, EX_TEST, O_ACC, O_IMM, 0), [0xa9] = E(IZ, EX_TEST, O_ACC, O_IMM, 0),
    [0xaa] = E(BYTE, EX_STOS, O_NONE, O_NONE, 0), [0xab] = E(0, EX_STOS, O_NONE, O_NONE, 0),
    [0xac] = E(BYTE, EX_LODS, O_NONE, O_NONE, 0), [0xad] = E(0, EX_LODS, O_NONE, O_NONE, 0),
    [0xae] = E(BYTE, EX_SCAS, O_NONE, O_NONE, 0), [0xaf] = E(0, EX_SCAS, O_NONE, O_NONE, 0),
    [0xb0 ... 0xb7] = E(IB | BYTE, EX_MOV, O_OPREG, O_IMM, 0),
    [0xb8 ... 0xbf] = E(D_IMM(IMM_V), EX_MOV, O_OPREG, O_IMM, 0),
    [0xc0] = G(M | IB | BYTE, GRP2), [0xc1] = G(M | IB, GRP2),
    [0xc2] = X(IW | D_F64), [0xc3] = X(D_F64),            /* RET */
    [0xc4 ... 0xc5] = X(M | D_MEM | D_NO64),              /* LES, LDS (VEX otherwise) */
    [0xc6] = G(M | IB | BYTE, GRP11), [0xc7] = G(M | IZ, GRP11),
    [0xc8] = X(D_IMM(IMM_ENTER) | D_DEF64), [0xc9] = X(D_DEF64),
    [0xca] = X(IW), [0xcb ... 0xcc] = X(0), [0xcd] = X(IB), [0xce] = X(D_NO64), [0xcf] = X(0),
    [0xd0] = G(M | BYTE, GRP2), [0xd1] = G(M, GRP2), [0xd2] = G(M | BYTE, GRP2),
    [0xd3] = G(M, GRP2),
    [0xd4 ... 0xd5] = X(IB | D_NO64),                     /* AAM, AAD */
    [0xd6] = X(D_NO64),                                   /* SALC (undocumented) */
    [0xd7] = X(0),                                        /* XLAT */
    [0xd8 ... 0xdf] = X(M),                               /* x87: see x87_valid() */
    [0xe0 ... 0xe3] = X(IB | D_F64),                      /* LOOPcc, JrCXZ */
    [0xe4] = E(IB | BYTE, EX_IN, O_ACC, O_IMM, 0),  [0xe5] = E(IB, EX_IN, O_ACC, O_IMM, 0),
    [0xe6] = E(IB | BYTE, EX_OUT, O_IMM, O_ACC, 0), [0xe7] = E(IB, EX_OUT, O_IMM, O_ACC, 0),
    [0xe8 ... 0xe9] = X(IZ | D_F64), [0xea] = X(D_IMM(IMM_FAR) | D_NO64),
    [0xeb] = X(IB | D_F64),
    [0xec] = E(BYTE, EX_IN, O_ACC, O_DX, 0),  [0xed] = E(0, EX_IN, O_ACC, O_DX, 0),
    [0xee] = E(BYTE, EX_OUT, O_DX, O_ACC, 0), [0xef] = E(0, EX_OUT, O_DX, O_ACC, 0),
    [0xf0] = X(0), [0xf1] = X(0), [0xf2 ... 0xf3] = X(0),  /* LOCK, INT1, REP */
    [0xf4] = E(0, EX_HLT, O_NONE, O_NONE, 0), [0xf5] = X(0),
    [0xf6] = G(M | BYTE | D_IMM(IMM_GRP3), GRP3), [0xf7] = G(M | D_IMM(IMM_GRP3), GRP3),
    [0xf8 ... 0xf9] = X(0),
    [0xfa] = E(0, EX_CLI, O_NONE, O_NONE, 0), [0xfb] = E(0, EX_STI, O_NONE, O_NONE, 0),
    [0xfc ... 0xfd] = X(0),
    [0xfe] = G(M | BYTE, GRP4), [0xff] = G(M, GRP5),
};

#define SSE     E(M, EX_SSE, O_NONE, O_NONE, 0)
#define SSE_MEM E(M | D_MEM, EX_SSE, O_NONE, O_NONE, 0)
#define BTOP(fl, op) E(M | (fl), EX_BT, O_RM, O_REG, op)

static const struct x86_opdesc map_0f[256] = {
    [0x00] = G(M, GRP6), [0x01] = G(M, GRP7), [0x02 ... 0x03] = X(M),  /* LAR, LSL */
    [0x04] = X(D_INV), [0x05 ... 0x09] = X(0),  /* SYSCALL CLTS SYSRET INVD WBINVD */
    [0x0a] = X(D_INV), [0x0b] = X(0), [0x0c] = X(D_INV),              /* UD2 */
    [0x0d] = G(M, GRP_P), [0x0e] = X(0), [0x0f] = X(M | IB),          /* 3DNow! */
    [0x10 ... 0x11] = SSE, [0x12] = X(M), [0x13] = X(M | D_MEM), [0x14 ... 0x16] = X(M),
    [0x17] = X(M | D_MEM),
    [0x18] = G(M, GRP16), [0x19 ... 0x1f] = X(M),                     /* hint NOPs */
    [0x20 ... 0x23] = X(M | D_MODREG),                                /* MOV CR/DR */
    [0x24 ... 0x27] = X(D_INV),
    [0x28 ... 0x29] = SSE, [0x2a] = X(M), [0x2b] = SSE_MEM, [0x2c ... 0x2f] = X(M),
    [0x30 ... 0x35] = X(0), [0x36] = X(D_INV), [0x37] = X(0),         /* ... GETSEC */
    [0x38] = X(0), [0x39] = X(D_INV), [0x3a] = X(0), [0x3b ... 0x3f] = X(D_INV),
    [0x40 ... 0x4f] = X(M),                                           /* CMOVcc */
    [0x50] = X(M | D_REG), [0x51 ... 0x6d] = X(M), [0x6e ... 0x6f] = SSE,
    [0x70] = X(M | IB), [0x71] = G(M | IB, GRP12), [0x72] = G(M | IB, GRP13),
    [0x73] = G(M | IB, GRP14), [0x74 ... 0x76] = X(M), [0x77] = X(0), /* EMMS */
    [0x78 ... 0x79] = X(M),                 /* VMREAD/VMWRITE; EXTRQ/INSERTQ: below */
    [0x7a ... 0x7b] = X(D_INV), [0x7c ... 0x7d] = X(M), [0x7e ... 0x7f] = SSE,
    [0x80 ... 0x8f] = X(IZ | D_F64),                                  /* Jcc rel */
    [0x90 ... 0x9f] = X(M),                                           /* SETcc */
    [0xa0 ... 0xa1] = X(D_DEF64), [0xa2] = X(0),                      /* FS, CPUID */
    [0xa3] = BTOP(0, BT_BT), [0xa4] = X(M | IB), [0xa5] = X(M),
    [0xa6 ... 0xa7] = X(M | D_REG),       /* VIA PadLock: see decode_0f() */
    [0xa8 ... 0xa9] = X(D_DEF64), [0xaa] = X(0), /* RSM */
    [0xab] = BTOP(LOCK, BT_BTS), [0xac] = X(M | IB), [0xad] = X(M),
    [0xae] = G(M, GRP15), [0xaf] = X(M),
    [0xb0] = E(M | BYTE | LOCK, EX_CMPXCHG, O_RM, O_REG, 0),
    [0xb1] = E(M | LOCK, EX_CMPXCHG, O_RM, O_REG, 0),
    [0xb2] = X(M | D_MEM), [0xb3] = BTOP(LOCK, BT_BTR), [0xb4 ... 0xb5] = X(M | D_MEM),
    [0xb6] = E(M, EX_MOVZX, O_REG, O_RM, 1), [0xb7] = E(M, EX_MOVZX, O_REG, O_RM, 2),
    [0xb8] = X(M), [0xb9] = X(M),                              /* POPCNT/JMPE, UD1 */
    [0xba] = G(M | IB, GRP8), [0xbb] = BTOP(LOCK, BT_BTC), [0xbc ... 0xbd] = X(M),
    [0xbe] = E(M, EX_MOVSX, O_REG, O_RM, 1), [0xbf] = E(M, EX_MOVSX, O_REG, O_RM, 2),
    [0xc0] = E(M | BYTE | LOCK, EX_XADD, O_RM, O_REG, 0),
    [0xc1] = E(M | LOCK, EX_XADD, O_RM, O_REG, 0),
    [0xc2] = X(M | IB), [0xc3] = E(M | D_MEM, EX_MOV, O_RM, O_REG, 0), /* MOVNTI */
    [0xc4] = X(M | IB), [0xc5] = X(M | IB | D_REG), [0xc6] = X(M | IB), [0xc7] = G(M, GRP9), [0xc8 ... 0xcf] = X(0), /* BSWAP */
    [0xd0 ... 0xd5] = X(M), [0xd6] = SSE, [0xd7] = X(M | D_REG), [0xd8 ... 0xe6] = X(M),
    [0xe7] = SSE_MEM, [0xe8 ... 0xef] = X(M), [0xf0] = X(M | D_MEM), [0xf1 ... 0xf6] = X(M),
    [0xf7] = X(M | D_REG), [0xf8 ... 0xfe] = X(M), [0xff] = X(M),                     /* UD0: see decode_0f() */
};

#define ALU_GRP(op) E((op) == ALU_CMP ? 0 : LOCK, EX_ALU, O_RM, O_IMM, op)

static const struct x86_opdesc groups[NR_GROUPS][8] = {
    [GRP1] = { ALU_GRP(0), ALU_GRP(1), ALU_GRP(2), ALU_GRP(3), ALU_GRP(4), ALU_GRP(5),
               ALU_GRP(6), ALU_GRP(7) },
    [GRP1A] = { E(0, EX_POP, O_RM, O_NONE, 0), X(D_INV), X(D_INV), X(D_INV), X(D_INV),
                X(D_INV), X(D_INV), X(D_INV) },
    [GRP2] = { X(0), X(0), X(0), X(0), X(0), X(0), X(0), X(0) },   /* shifts */
    [GRP3] = { E(0, EX_TEST, O_RM, O_IMM, 0), E(0, EX_TEST, O_RM, O_IMM, 0),
               E(LOCK, EX_NOT, O_RM, O_NONE, 0), E(LOCK, EX_NEG, O_RM, O_NONE, 0),
               X(0), X(0), X(0), X(0) },                            /* MUL ... IDIV */
    [GRP4] = { E(LOCK, EX_INC, O_RM, O_NONE, 0), E(LOCK, EX_DEC, O_RM, O_NONE, 0),
               X(D_INV), X(D_INV), X(D_INV), X(D_INV), X(D_INV), X(D_INV) },
    [GRP5] = { E(LOCK, EX_INC, O_RM, O_NONE, 0), E(LOCK, EX_DEC, O_RM, O_NONE, 0),
               X(D_F64), X(D_MEM), X(D_F64), X(D_MEM),              /* CALL, JMP */
               E(D_DEF64, EX_PUSH, O_NONE, O_RM, 0), X(D_INV) },
    [GRP11] = { E(0, EX_MOV, O_RM, O_IMM, 0), X(D_INV), X(D_INV), X(D_INV), X(D_INV),
                X(D_INV), X(D_INV), X(D_REG) },                    /* XABORT, XBEGIN */
    [GRP6] = { X(0), X(0), X(0), X(0), X(0), X(0), X(D_INV), X(D_INV) },
    [GRP7] = { X(0), X(0), X(0), X(0), X(0), X(D_INV), X(0), X(0) }, /* + grp7_reg */
    [GRP8] = { X(D_INV), X(D_INV), X(D_INV), X(D_INV), E(0, EX_BT, O_RM, O_IMM, BT_BT),
               E(LOCK, EX_BT, O_RM, O_IMM, BT_BTS), E(LOCK, EX_BT, O_RM, O_IMM, BT_BTR),
               E(LOCK, EX_BT, O_RM, O_IMM, BT_BTC) },
    [GRP9] = { X(D_INV), E(D_MEM | LOCK, EX_CMPXCHG8B, O_RM, O_NONE, 0), X(D_INV),
               X(D_MEM), X(D_MEM), X(D_MEM), X(0), X(0) },          /* XRSTORS ... */
    [GRP12] = { X(D_INV), X(D_INV), X(D_REG), X(D_INV), X(D_REG), X(D_INV), X(D_REG),
                X(D_INV) },
    [GRP13] = { X(D_INV), X(D_INV), X(D_REG), X(D_INV), X(D_REG), X(D_INV), X(D_REG),
                X(D_INV) },
    [GRP14] = { X(D_INV), X(D_INV), X(D_REG), X(D_REG), X(D_INV), X(D_INV), X(D_REG),
                X(D_REG) },
    [GRP15] = { X(0), X(0), X(0), X(0), X(0), X(0), X(0), X(0) },  /* + grp15_reg */
    [GRP16] = { X(0), X(0), X(0), X(0), X(0), X(0), X(0), X(0) },  /* PREFETCHh, NOPs */
    [GRP_P] = { X(D_MEM), X(D_MEM), X(D_MEM), X(D_MEM), X(D_MEM), X(D_MEM), X(D_MEM),
                X(D_MEM) },                                         /* PREFETCH/W */
};

/*
 * The maps of uniform shape are described by the opcode ranges they define, as
 * triples (first, last, prefixes): the mandatory prefixes (VEX/EVEX pp) with which the
 * opcodes exist, as a mask of P_NP (none), P_66, P_F3, P_F2. W and L are not checked:
 * the length does not depend on them.
 */
#define P_NP  1
#define P_66  2
#define P_F3  4
#define P_F2  8
#define P_ALL 15
#define P_MEM 0x10 /* a memory operand only */
#define P_REG 0x20 /* a register operand only */

static const u8 ranges_0f38[] = {
    0x00, 0x0b, P_NP | P_66, 0x10, 0x10, P_66, 0x14, 0x15, P_66, 0x17, 0x17, P_66,
    0x1c, 0x1e, P_NP | P_66, 0x20, 0x25, P_66, 0x28, 0x29, P_66, 0x2a, 0x2a, P_66 | P_MEM,
    0x2b, 0x2b, P_66, 0x30, 0x35, P_66, 0x37, 0x41, P_66, 0x80, 0x82, P_66 | P_MEM,
    0xc8, 0xcd, P_NP, 0xcf, 0xcf, P_66, 0xdb, 0xdf, P_66, 0xf0, 0xf1, P_NP | P_66 | P_F2,
    0xf5, 0xf5, P_66 | P_MEM, 0xf6, 0xf6, P_NP | P_66 | P_F3,
    0xf8, 0xf8, P_66 | P_F3 | P_F2 | P_MEM, 0xf9, 0xf9, P_NP | P_MEM,
};
static const u8 ranges_0f3a[] = {
    0x08, 0x0e, P_66, 0x0f, 0x0f, P_NP | P_66, 0x14, 0x17, P_66, 0x20, 0x22, P_66,
    0x40, 0x42, P_66, 0x44, 0x44, P_66, 0x60, 0x63, P_66, 0xcc, 0xcc, P_NP,
    0xce, 0xcf, P_66, 0xdf, 0xdf, P_66,
};
static const u8 ranges_vex_0f[] = {
    0x10, 0x12, P_ALL, 0x13, 0x13, P_NP | P_66 | P_MEM, 0x14, 0x15, P_NP | P_66,
    0x16, 0x16, P_NP | P_66 | P_F3, 0x17, 0x17, P_NP | P_66 | P_MEM,
    0x28, 0x29, P_NP | P_66, 0x2a, 0x2a, P_F3 | P_F2, 0x2b, 0x2b, P_NP | P_66 | P_MEM,
    0x2c, 0x2d, P_F3 | P_F2, 0x2e, 0x2f, P_NP | P_66,
    0x41, 0x42, P_NP | P_66, 0x44, 0x47, P_NP | P_66, 0x4a, 0x4b, P_NP | P_66,
    0x50, 0x50, P_NP | P_66 | P_REG, 0x51, 0x51, P_ALL, 0x52, 0x53, P_NP | P_F3,
    0x54, 0x57, P_NP | P_66, 0x58, 0x5a, P_ALL, 0x5b, 0x5b, P_NP | P_66 | P_F3,
    0x5c, 0x5f, P_ALL, 0x60, 0x6e, P_66, 0x6f, 0x6f, P_66 | P_F3,
    0x70, 0x70, P_66 | P_F3 | P_F2, 0x71, 0x76, P_66, 0x77, 0x77, P_NP,
    0x7c, 0x7d, P_66 | P_F2, 0x7e, 0x7f, P_66 | P_F3, 0x90, 0x91, P_NP | P_66,
    0x92, 0x93, P_NP | P_66 | P_F2, 0x98, 0x99, P_NP | P_66, 0xae, 0xae, P_NP | P_MEM,
    0xc2, 0xc2, P_ALL, 0xc4, 0xc4, P_66, 0xc5, 0xc5, P_66 | P_REG, 0xc6, 0xc6, P_NP | P_66,
    0xd0, 0xd0, P_66 | P_F2, 0xd1, 0xd6, P_66, 0xd7, 0xd7, P_66 | P_REG, 0xd8, 0xe5, P_66,
    0xe6, 0xe6, P_66 | P_F3 | P_F2, 0xe7, 0xe7, P_66 | P_MEM, 0xe8, 0xef, P_66,
    0xf0, 0xf0, P_F2 | P_MEM, 0xf1, 0xf6, P_66, 0xf7, 0xf7, P_66 | P_REG, 0xf8, 0xfe, P_66,
};
static const u8 ranges_vex_0f38[] = {
    0x00, 0x0f, P_66, 0x13, 0x13, P_66, 0x16, 0x19, P_66, 0x1a, 0x1a, P_66 | P_MEM,
    0x1c, 0x1e, P_66, 0x20, 0x25, P_66, 0x28, 0x29, P_66, 0x2a, 0x2a, P_66 | P_MEM,
    0x2b, 0x2b, P_66, 0x2c, 0x2f, P_66 | P_MEM, 0x30, 0x41, P_66, 0x45, 0x47, P_66,
    0x50, 0x53, P_66, 0x58, 0x59, P_66, 0x5a, 0x5a, P_66 | P_MEM, 0x78, 0x79, P_66,
    0x8c, 0x8c, P_66 | P_MEM, 0x8e, 0x8e, P_66 | P_MEM, 0x90, 0x93, P_66 | P_MEM,
    0x96, 0x9f, P_66, 0xa6, 0xaf, P_66,
    0xb6, 0xbf, P_66, 0xcf, 0xcf, P_66, 0xdb, 0xdf, P_66, 0xf2, 0xf3, P_NP,
    0xf5, 0xf5, P_NP | P_F3 | P_F2, 0xf6, 0xf6, P_F2, 0xf7, 0xf7, P_ALL,
};
static const u8 ranges_vex_0f3a[] = {
    0x00, 0x02, P_66, 0x04, 0x06, P_66, 0x08, 0x0f, P_66, 0x14, 0x19, P_66,
    0x1d, 0x1d, P_66, 0x20, 0x22, P_66, 0x30, 0x33, P_66, 0x38, 0x39, P_66,
    0x40, 0x42, P_66, 0x44, 0x44, P_66, 0x46, 0x46, P_66, 0x48, 0x4c, P_66,
    0x5c, 0x5f, P_66, 0x60, 0x63, P_66, 0x68, 0x6f, P_66, 0x78, 0x7f, P_66,
    0xce, 0xcf, P_66, 0xdf, 0xdf, P_66, 0xf0, 0xf0, P_F2,
};
static const u8 ranges_evex_0f[] = {
    0x10, 0x12, P_ALL, 0x13, 0x13, P_NP | P_66 | P_MEM, 0x14, 0x15, P_NP | P_66,
    0x16, 0x16, P_NP | P_66 | P_F3, 0x17, 0x17, P_NP | P_66 | P_MEM,
    0x28, 0x29, P_NP | P_66, 0x2a, 0x2a, P_F3 | P_F2, 0x2b, 0x2b, P_NP | P_66 | P_MEM,
    0x2c, 0x2d, P_F3 | P_F2, 0x2e, 0x2f, P_NP | P_66,
    0x51, 0x51, P_ALL, 0x54, 0x57, P_NP | P_66, 0x58, 0x5a, P_ALL,
    0x5b, 0x5b, P_NP | P_66 | P_F3, 0x5c, 0x5f, P_ALL, 0x60, 0x6e, P_66,
    0x6f, 0x6f, P_66 | P_F3 | P_F2, 0x70, 0x70, P_66 | P_F3 | P_F2, 0x71, 0x76, P_66,
    0x78, 0x79, P_ALL, 0x7a, 0x7b, P_66 | P_F3 | P_F2, 0x7e, 0x7e, P_66 | P_F3,
    0x7f, 0x7f, P_66 | P_F3 | P_F2, 0xc2, 0xc2, P_ALL, 0xc4, 0xc4, P_66,
    0xc5, 0xc5, P_66 | P_REG, 0xc6, 0xc6, P_NP | P_66, 0xd1, 0xe5, P_66,
    0xe6, 0xe6, P_66 | P_F3 | P_F2, 0xe7, 0xe7, P_66 | P_MEM, 0xe8, 0xef, P_66,
    0xf1, 0xfe, P_66,
};
static const u8 ranges_evex_0f38[] = {
    0x00, 0x0f, P_66, 0x10, 0x15, P_66 | P_F3, 0x16, 0x19, P_66, 0x1a, 0x1b, P_66 | P_MEM,
    0x1c, 0x1f, P_66, 0x20, 0x29, P_66 | P_F3, 0x2a, 0x2a, P_66 | P_F3, 0x2b, 0x2f, P_66,
    0x30, 0x35, P_66 | P_F3, 0x36, 0x37, P_66, 0x38, 0x3a, P_66 | P_F3,
    0x3b, 0x4f, P_66, 0x50, 0x51, P_66, 0x52, 0x52, P_66 | P_F3 | P_F2, 0x53, 0x53, P_66 | P_F2,
    0x54, 0x55, P_66, 0x58, 0x59, P_66, 0x5a, 0x5b, P_66 | P_MEM, 0x62, 0x66, P_66,
    0x68, 0x68, P_F2, 0x70, 0x71, P_66, 0x72, 0x72, P_66 | P_F3 | P_F2, 0x73, 0x73, P_66,
    0x75, 0x7f, P_66, 0x83, 0x83, P_66, 0x88, 0x8f, P_66, 0x90, 0x93, P_66 | P_MEM,
    0x94, 0x99, P_66, 0x9a, 0x9b, P_66 | P_F2, 0x9c, 0x9f, P_66, 0xa0, 0xa3, P_66 | P_MEM,
    0xa4, 0xa9, P_66, 0xaa, 0xab, P_66 | P_F2, 0xac, 0xbf, P_66, 0xc4, 0xc4, P_66,
    0xc6, 0xc7, P_66 | P_MEM, 0xc8, 0xc8, P_66, 0xca, 0xcd, P_66, 0xcf, 0xcf, P_66,
    0xdc, 0xdf, P_66,
};
static const u8 ranges_evex_0f3a[] = {
    0x00, 0x0b, P_66, 0x0f, 0x0f, P_66, 0x14, 0x1b, P_66, 0x1d, 0x1f, P_66,
    0x20, 0x23, P_66, 0x25, 0x27, P_66, 0x38, 0x3b, P_66, 0x3e, 0x3f, P_66,
    0x42, 0x44, P_66, 0x50, 0x51, P_66, 0x54, 0x57, P_66, 0x66, 0x67, P_66,
    0x70, 0x73, P_66, 0xce, 0xcf, P_66,
};
static const u8 ranges_xop8[] = {
    0x85, 0x87, P_NP, 0x8e, 0x8f, P_NP, 0x95, 0x97, P_NP, 0x9e, 0x9f, P_NP,
    0xa2, 0xa3, P_NP, 0xa6, 0xa6, P_NP, 0xb6, 0xb6, P_NP, 0xc0, 0xc3, P_NP,
    0xcc, 0xcf, P_NP, 0xec, 0xef, P_NP,
};
static const u8 ranges_xop9[] = {
    0x01, 0x02, P_NP, 0x12, 0x12, P_NP, 0x80, 0x83, P_NP, 0x90, 0x9b, P_NP,
    0xc1, 0xc3, P_NP, 0xc6, 0xc7, P_NP, 0xcb, 0xcb, P_NP, 0xd1, 0xd3, P_NP,
    0xd6, 0xd7, P_NP, 0xdb, 0xdb, P_NP, 0xe1, 0xe3, P_NP,
};
static const u8 ranges_xopa[] = { 0x10, 0x10, P_NP, 0x12, 0x12, P_NP };
/* 3DNow! suffix opcodes (0F 0F modrm ... suffix); any prefix. */
static const u8 ranges_3dnow[] = {
    0x0c, 0x0d, P_ALL, 0x1c, 0x1d, P_ALL, 0x8a, 0x8a, P_ALL, 0x8e, 0x8e, P_ALL,
    0x90, 0x90, P_ALL, 0x94, 0x94, P_ALL, 0x96, 0x97, P_ALL, 0x9a, 0x9a, P_ALL,
    0x9e, 0x9e, P_ALL, 0xa0, 0xa0, P_ALL, 0xa4, 0xa4, P_ALL, 0xa6, 0xa7, P_ALL,
    0xaa, 0xaa, P_ALL, 0xae, 0xae, P_ALL, 0xb0, 0xb0, P_ALL, 0xb4, 0xb4, P_ALL,
    0xb6, 0xb7, P_ALL, 0xbb, 0xbb, P_ALL, 0xbf, 0xbf, P_ALL,
};

/* The mandatory prefixes with which `op` is defined in a range table (0: undefined). */
static unsigned int range_prefixes(const u8 *r, unsigned int n, u8 op)
{
    for (unsigned int i = 0; i + 2 < n; i += 3)
        if (op >= r[i] && op <= r[i + 1])
            return r[i + 2];
    return 0;
}
#define RANGE_PFX(tab, op) range_prefixes(tab, ARRAY_SIZE(tab), op)

/* Prefix mask bit of a mandatory prefix byte (0, 66, F3, F2). */
static unsigned int pfx_bit(u8 simd_pfx)
{
    switch (simd_pfx) {
    case 0x66: return P_66;
    case 0xf3: return P_F3;
    case 0xf2: return P_F2;
    default: return P_NP;
    }
}

/*
 * Legacy encodings: an opcode with a prefix-less form ignores a prefix it does not
 * define (as hardware and assemblers treat F2 0F 28 as MOVAPS, say); one without must
 * have a prefix it defines.
 */
static bool legacy_pfx_ok(unsigned int mask, u8 simd_pfx)
{
    return (mask & P_NP) || (mask & pfx_bit(simd_pfx));
}

/* ---- the byte reader ---- */

struct dec {
    const u8 *b;
    unsigned int avail; /* min(avail, 15) */
    unsigned int pos;
    struct x86_decoded *insn;
    enum x86_vendor vendor;
    bool saw_rex;       /* a REX prefix anywhere, even one not in effect */
};

/* Make sure n more bytes exist; 0, or X86_DECODE_TRUNC/TOOLONG. */
static int need(const struct dec *d, unsigned int n)
{
    if (d->pos + n > 15)
        return X86_DECODE_TOOLONG;
    if (d->pos + n > d->avail)
        return X86_DECODE_TRUNC;
    return 0;
}

static u64 take(struct dec *d, unsigned int n)
{
    u64 v = 0;

    for (unsigned int i = 0; i < n; i++)
        v |= (u64)d->b[d->pos + i] << (8 * i);
    d->pos += n;
    return v;
}

/* ---- prefixes ---- */

static int decode_prefixes(struct dec *d)
{
    struct x86_decoded *insn = d->insn;
    int rc;

    for (;;) {
        u8 c;

        if ((rc = need(d, 1)))
            return rc;
        c = d->b[d->pos];
        switch (c) {
        case 0xf0: insn->prefixes |= X86_PFX_LOCK; break;
        case 0xf2:
            insn->prefixes = (insn->prefixes & ~X86_PFX_REP) | X86_PFX_REPNE;
            break;
        case 0xf3:
            insn->prefixes = (insn->prefixes & ~X86_PFX_REPNE) | X86_PFX_REP;
            break;
        case 0x66: insn->prefixes |= X86_PFX_OPSZ; break;
        case 0x67: insn->prefixes |= X86_PFX_ADSZ; break;
        /* In 64-bit mode ES, CS, SS and DS overrides are ignored. */
        case 0x26: insn->seg = insn->mode_bits == 64 ? x86_seg_none : x86_seg_es; break;
        case 0x2e: insn->seg = insn->mode_bits == 64 ? x86_seg_none : x86_seg_cs; break;
        case 0x36: insn->seg = insn->mode_bits == 64 ? x86_seg_none : x86_seg_ss; break;
        case 0x3e: insn->seg = insn->mode_bits == 64 ? x86_seg_none : x86_seg_ds; break;
        case 0x64: insn->seg = x86_seg_fs; break;
        case 0x65: insn->seg = x86_seg_gs; break;
        default:
            if (insn->mode_bits == 64 && (c & 0xf0) == 0x40) {
                insn->rex = c;  /* in effect only if the opcode follows */
                d->saw_rex = true;
                d->pos++;
                continue;
            }
            return 0;
        }
        insn->rex = 0;          /* a REX followed by a legacy prefix is ignored */
        d->pos++;
    }
}

/* ---- ModRM, SIB, displacement ---- */

static int decode_modrm(struct dec *d, bool force_reg)
{
    struct x86_decoded *insn = d->insn;
    u8 m;
    int rc;

    if ((rc = need(d, 1)))
        return rc;
    m = (u8)take(d, 1);
    insn->has_modrm = true;
    insn->modrm = m;
    insn->mod = force_reg ? 3 : m >> 6;
    insn->reg = ((m >> 3) & 7) | ((insn->rex & 4) << 1);
    insn->rm = (m & 7) | ((insn->rex & 1) << 3);
    if (insn->mod == 3)
        return 0;

    if (insn->addr_bytes == 2) {
        if (insn->mod == 1)
            insn->disp_bytes = 1;
        else if (insn->mod == 2 || (m & 7) == 6)
            insn->disp_bytes = 2;
    } else {
        if ((m & 7) == 4) {
            if ((rc = need(d, 1)))
                return rc;
            insn->has_sib = true;
            insn->sib = (u8)take(d, 1);
        }
        if (insn->mod == 1)
            insn->disp_bytes = 1;
        else if (insn->mod == 2)
            insn->disp_bytes = 4;
        else if ((m & 7) == 5 || (insn->has_sib && (insn->sib & 7) == 5))
            insn->disp_bytes = 4;
    }
    if (insn->disp_bytes) {
        if ((rc = need(d, insn->disp_bytes)))
            return rc;
        insn->disp_off = (u8)d->pos;
        insn->disp = (s64)x86_sext(take(d, insn->disp_bytes), insn->disp_bytes);
    }
    return 0;
}

/* ---- immediates ---- */

static unsigned int imm_size(const struct x86_decoded *insn, unsigned int kind,
                             unsigned int *second)
{
    unsigned int z = insn->op_bytes == 2 ? 2 : 4;

    *second = 0;
    switch (kind) {
    case IMM_B: return 1;
    case IMM_W: return 2;
    case IMM_Z: return z;
    case IMM_V: return insn->op_bytes;
    case IMM_ENTER: *second = 1; return 2;
    case IMM_FAR: *second = 2; return z;
    case IMM_MOFFS: return insn->addr_bytes;
    case IMM_GRP3:
        if ((insn->modrm & 0x38) > 0x08)
            return 0;
        return insn->op_bytes == 1 ? 1 : z;
    case IMM_BB: *second = 1; return 1;
    case IMM_D: return 4;
    default: return 0;
    }
}

static int decode_imm(struct dec *d, unsigned int kind)
{
    struct x86_decoded *insn = d->insn;
    unsigned int n, n2;
    int rc;

    n = imm_size(insn, kind, &n2);
    if (!n)
        return 0;
    if ((rc = need(d, n + n2)))
        return rc;
    insn->imm_off = (u8)d->pos;
    insn->imm_bytes = (u8)n;
    insn->imm2_bytes = (u8)n2;
    insn->imm = take(d, n);
    if (kind != IMM_MOFFS && kind != IMM_FAR && kind != IMM_ENTER)
        insn->imm = x86_sext(insn->imm, n);
    if (n2)
        insn->imm2 = take(d, n2);
    return 0;
}

/* ---- operand and address sizes ---- */

static void set_sizes(struct dec *d, u32 flags)
{
    struct x86_decoded *insn = d->insn;
    bool opsz = insn->prefixes & X86_PFX_OPSZ;

    if (flags & D_BYTE)
        insn->op_bytes = 1;
    else if (insn->mode_bits == 64) {
        if (insn->rex & 8)
            insn->op_bytes = 8;
        else if ((flags & D_F64) && (d->vendor == X86_VENDOR_INTEL || !opsz))
            insn->op_bytes = 8;
        else if (opsz)
            insn->op_bytes = 2;
        else
            insn->op_bytes = (flags & (D_DEF64 | D_F64)) ? 8 : 4;
    } else
        insn->op_bytes = (insn->mode_bits == 16) != opsz ? 2 : 4;
}

/* ---- validity of ModRM-dependent encodings ---- */

/* x87 escapes D8-DF with a register operand that are undefined; memory forms of
 * DB /4, /6, D9 /1 and DD /5. */
static bool x87_valid(u8 op, u8 modrm)
{
    unsigned int reg = (modrm >> 3) & 7;

    if (modrm < 0xc0) {
        if (op == 0xd9)
            return reg != 1;
        if (op == 0xdb)
            return reg != 4 && reg != 6;
        if (op == 0xdd)
            return reg != 5;
        return true;
    }
    switch (op) {
    case 0xd9:
        return !((modrm >= 0xd1 && modrm <= 0xd7) || modrm == 0xe2 || modrm == 0xe3 ||
                 modrm == 0xe6 || modrm == 0xe7 || modrm == 0xef);
    case 0xda:
        return modrm < 0xe0 || modrm == 0xe9;
    case 0xdb:
        return modrm < 0xe5 || (modrm >= 0xe8 && modrm < 0xf8);
    case 0xdd:
        return modrm < 0xf0;
    case 0xde:
        return modrm != 0xd8 && (modrm < 0xda || modrm > 0xdf);
    case 0xdf:
        return modrm == 0xe0 || (modrm < 0xe0) || (modrm >= 0xe8 && modrm < 0xf8);
    default:
        return true;
    }
}

/* 0F 01 with a register operand: the defined C0-FF encodings. */
static bool grp7_reg_valid(u8 modrm, unsigned int mode_bits)
{
    static const u8 ranges[] = {
        0xc0, 0xc4, P_ALL, /* ENCLV, VMCALL, VMLAUNCH, VMRESUME, VMXOFF */
        0xc8, 0xcb, P_ALL, /* MONITOR, MWAIT, CLAC, STAC */
        0xcf, 0xd1, P_ALL, /* ENCLS, XGETBV, XSETBV */
        0xd4, 0xd7, P_ALL, /* VMFUNC, XEND, XTEST, ENCLU */
        0xd8, 0xdf, P_ALL, /* VMRUN ... INVLPGA */
        0xe0, 0xe8, P_ALL, /* SMSW r, SERIALIZE */
        0xee, 0xf7, P_ALL, /* RDPKRU, WRPKRU, LMSW r */
        0xf9, 0xfd, P_ALL, /* RDTSCP, MONITORX, MWAITX, CLZERO, RDPRU */
    };

    if (modrm == 0xf8) /* SWAPGS */
        return mode_bits == 64;
    return RANGE_PFX(ranges, modrm) != 0;
}

/* 0F AE with a register operand. */
static bool grp15_reg_valid(const struct x86_decoded *insn)
{
    unsigned int reg = (insn->modrm >> 3) & 7;

    if (reg >= 5) /* LFENCE, MFENCE, SFENCE (and TPAUSE, UMWAIT, UMONITOR) */
        return true;
    /* RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE; PTWRITE (/4) */
    return (insn->prefixes & X86_PFX_REP) && insn->mode_bits == 64;
}

/* Apply the group entry for ModRM.reg and the ModRM-dependent rules. */
static bool finish_group(struct dec *d, const struct x86_opdesc *e, u32 *flags)
{
    struct x86_decoded *insn = d->insn;
    const struct x86_opdesc *g = &groups[e->sub][(insn->modrm >> 3) & 7];

    *flags = (e->flags & ~D_GROUP) | g->flags;
    insn->desc_exec = g->exec;
    insn->desc_opnds = g->opnds;
    insn->desc_sub = g->sub;
    insn->desc_flags = *flags;
    switch (e->sub) {
    case GRP7: /* the register forms have a table of their own */
        if (insn->mod == 3) {
            *flags &= ~D_INV;
            return grp7_reg_valid(insn->modrm, insn->mode_bits);
        }
        break;
    case GRP15:
        if (insn->mod == 3) {
            *flags &= ~D_INV;
            return grp15_reg_valid(insn);
        }
        break;
    case GRP11: /* XABORT/XBEGIN: C6 F8 / C7 F8 */
        if (((insn->modrm >> 3) & 7) == 7)
            return insn->modrm == 0xf8;
        break;
    case GRP14: /* PSRLDQ, PSLLDQ (/3, /7) exist only for XMM registers (66) */
        if ((insn->modrm & 0x18) == 0x18)
            return insn->simd_pfx == 0x66;
        break;
    }
    return true;
}

/* ---- the one-byte and 0F maps ---- */

static int decode_table(struct dec *d, const struct x86_opdesc *e)
{
    struct x86_decoded *insn = d->insn;
    u32 flags = e->flags;
    bool valid = true;
    int rc;

    insn->desc_flags = flags;
    insn->desc_exec = e->exec;
    insn->desc_opnds = e->opnds;
    insn->desc_sub = e->sub;
    if (flags & D_MODRM) {
        if ((rc = decode_modrm(d, flags & D_MODREG)))
            return rc;
        if (flags & D_GROUP)
            valid = finish_group(d, e, &flags);
    }
    set_sizes(d, flags);
    if ((rc = decode_imm(d, D_IMMKIND(flags))))
        return rc;
    if (!valid || (flags & D_INV))
        return X86_DECODE_INVALID;
    if ((flags & D_NO64) && insn->mode_bits == 64)
        return X86_DECODE_INVALID;
    if ((flags & D_ONLY64) && insn->mode_bits != 64)
        return X86_DECODE_INVALID;
    if ((flags & D_MEM) && insn->mod == 3)
        return X86_DECODE_INVALID;
    if ((flags & D_REG) && insn->mod != 3)
        return X86_DECODE_INVALID;
    return 0;
}

/* Maps whose every opcode has a ModRM byte: 0F38 and 0F3A, VEX/EVEX/XOP maps. */
static int decode_uniform(struct dec *d, bool modrm, unsigned int imm, bool valid,
                          unsigned int mask)
{
    int rc;

    if (modrm && (rc = decode_modrm(d, false)))
        return rc;
    if ((rc = decode_imm(d, imm)))
        return rc;
    if ((mask & P_MEM) && d->insn->mod == 3)
        return X86_DECODE_INVALID;
    if ((mask & P_REG) && d->insn->mod != 3)
        return X86_DECODE_INVALID;
    return valid ? 0 : X86_DECODE_INVALID;
}

static int decode_0f38(struct dec *d)
{
    struct x86_decoded *insn = d->insn;
    unsigned int mask;
    int rc;

    if ((rc = need(d, 1)))
        return rc;
    insn->map = X86_MAP_0F38;
    insn->opcode = (u8)take(d, 1);
    set_sizes(d, 0);
    mask = RANGE_PFX(ranges_0f38, insn->opcode);
    if (insn->opcode == 0x2a)   /* MOVNTDQA */
        insn->desc_exec = EX_SSE;
    rc = decode_uniform(d, true, IMM_NONE, legacy_pfx_ok(mask, insn->simd_pfx), mask);
    if (rc)
        return rc;
    /* MOVBE (no F2) takes memory only; CRC32 (F2) either. */
    if ((insn->opcode & 0xfe) == 0xf0 && insn->mod == 3 &&
        !(insn->prefixes & X86_PFX_REPNE))
        return X86_DECODE_INVALID;
    return 0;
}

static int decode_0f(struct dec *d)
{
    struct x86_decoded *insn = d->insn;
    struct x86_opdesc e;
    int rc;

    if ((rc = need(d, 1)))
        return rc;
    insn->map = X86_MAP_0F;
    insn->opcode = (u8)take(d, 1);
    switch (insn->opcode) {
    case 0x38:
        return decode_0f38(d);
    case 0x3a:
        if ((rc = need(d, 1)))
            return rc;
        insn->map = X86_MAP_0F3A;
        insn->opcode = (u8)take(d, 1);
        set_sizes(d, 0);
        return decode_uniform(d, true, IMM_B,
                              legacy_pfx_ok(RANGE_PFX(ranges_0f3a, insn->opcode),
                                            insn->simd_pfx), 0);
    case 0x0f: /* 3DNow!: 0F 0F modrm [sib] [disp] suffix */
        set_sizes(d, 0);
        if ((rc = decode_uniform(d, true, IMM_B, true, 0)))
            return rc;
        insn->map = X86_MAP_3DNOW;
        insn->opcode = (u8)insn->imm;
        return RANGE_PFX(ranges_3dnow, insn->opcode) ? 0 : X86_DECODE_INVALID;
    }
    e = map_0f[insn->opcode];
    switch (insn->opcode) {
    case 0x78: /* 66: EXTRQ xmm, ib, ib (/0); F2: INSERTQ xmm, xmm, ib, ib */
        if (insn->simd_pfx == 0x66 || insn->simd_pfx == 0xf2)
            e.flags |= D_IMM(IMM_BB) | D_REG;
        break;
    case 0x79:
        if (insn->simd_pfx == 0x66 || insn->simd_pfx == 0xf2)
            e.flags |= D_REG;
        break;
    case 0xb8: /* POPCNT needs F3 (JMPE otherwise: IA-64 only) */
        if (insn->simd_pfx != 0xf3)
            e.flags |= D_INV;
        break;
    case 0x7c: case 0x7d: case 0xd0: /* HADDPD/HADDPS..., ADDSUBPD/PS: 66 or F2 */
        if (insn->simd_pfx != 0x66 && insn->simd_pfx != 0xf2)
            e.flags |= D_INV;
        break;
    case 0x6c: case 0x6d: /* PUNPCKLQDQ, PUNPCKHQDQ: 66 */
        if (insn->simd_pfx != 0x66)
            e.flags |= D_INV;
        break;
    case 0xd6: /* MOVQ (66); MOVQ2DQ (F3), MOVDQ2Q (F2): registers only */
        if (!insn->simd_pfx)
            e.flags |= D_INV;
        else if (insn->simd_pfx != 0x66)
            e.flags |= D_REG;
        break;
    case 0xe6: /* CVTTPD2DQ, CVTDQ2PD, CVTPD2DQ: a prefix is needed */
        if (!insn->simd_pfx)
            e.flags |= D_INV;
        break;
    case 0xf0: /* LDDQU: F2 */
        if (insn->simd_pfx != 0xf2)
            e.flags |= D_INV;
        break;
    case 0xff: /* UD0: AMD defines it without ModRM, Intel with */
        if (d->vendor == X86_VENDOR_AMD)
            e.flags &= ~D_MODRM;
        break;
    }
    if ((rc = decode_table(d, &e)))
        return rc;
    if (insn->opcode == 0x78 && insn->simd_pfx == 0x66 && (insn->modrm & 0x38))
        return X86_DECODE_INVALID;
    /* VIA PadLock: MONTMUL XSHA1 XSHA256 (A6), XSTORE XCRYPTECB..OFB (A7) */
    if ((insn->opcode == 0xa6 || insn->opcode == 0xa7) &&
        ((insn->modrm & 7) || insn->modrm > (insn->opcode == 0xa6 ? 0xd0 : 0xe8)))
        return X86_DECODE_INVALID;
    return 0;
}

/* The legacy prefixes VEX, EVEX and XOP exclude: 66, F2, F3, LOCK and REX (even a
 * REX that a later prefix made ineffective). */
static bool vex_prefixes_ok(const struct dec *d)
{
    return !(d->insn->prefixes &
             (X86_PFX_OPSZ | X86_PFX_REP | X86_PFX_REPNE | X86_PFX_LOCK)) &&
           !d->saw_rex;
}

/* R, X, B (stored inverted in the prefix) and W as a REX byte. */
static void vex_rex(struct x86_decoded *insn, u8 rxb_inv, bool w)
{
    u8 rex = 0x40 | (w ? 8 : 0);

    if (insn->mode_bits == 64)
        rex |= (u8)((~rxb_inv >> 5) & 7);
    insn->rex = rex;
    insn->vex_w = w;
}

static const u8 simd_of_pp[4] = { 0, 0x66, 0xf3, 0xf2 };

/* 0F-map opcodes that take an immediate byte in VEX and EVEX encodings. */
static bool vex_0f_has_ib(u8 op)
{
    return (op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6);
}

static int decode_vex(struct dec *d, u8 c)
{
    struct x86_decoded *insn = d->insn;
    unsigned int map = 1, imm = IMM_NONE, mask = 0;
    u8 b1, b2;
    bool valid = vex_prefixes_ok(d);
    int rc;

    if ((rc = need(d, c == 0xc5 ? 2 : 3)))
        return rc;
    b1 = (u8)take(d, 1);
    if (c == 0xc5) {
        b2 = b1;
        vex_rex(insn, (b1 & 0x80) | 0x60, false);
    } else {
        b2 = (u8)take(d, 1);
        map = b1 & 0x1f;
        vex_rex(insn, b1, b2 & 0x80);
    }
    insn->enc = X86_ENC_VEX;
    insn->vex_vvvv = (~b2 >> 3) & 15;
    insn->vex_l = (b2 >> 2) & 1;
    insn->simd_pfx = simd_of_pp[b2 & 3];
    insn->op_bytes = insn->vex_w && insn->mode_bits == 64 ? 8 : 4;
    insn->opcode = (u8)take(d, 1);
    switch (map) {
    case 1:
        insn->map = X86_MAP_0F;
        if (insn->opcode == 0x77) /* VZEROUPPER/VZEROALL: no ModRM */
            return valid && !insn->simd_pfx && !insn->vex_vvvv ? 0 : X86_DECODE_INVALID;
        mask = RANGE_PFX(ranges_vex_0f, insn->opcode);
        valid &= !!(mask & pfx_bit(insn->simd_pfx));
        if (vex_0f_has_ib(insn->opcode))
            imm = IMM_B;
        break;
    case 2:
        insn->map = X86_MAP_0F38;
        mask = RANGE_PFX(ranges_vex_0f38, insn->opcode);
        valid &= !!(mask & pfx_bit(insn->simd_pfx));
        break;
    case 3:
        insn->map = X86_MAP_0F3A;
        mask = RANGE_PFX(ranges_vex_0f3a, insn->opcode);
        valid &= !!(mask & pfx_bit(insn->simd_pfx));
        imm = IMM_B;
        break;
    default:
        return X86_DECODE_INVALID; /* undefined map: the length is unknown */
    }
    return decode_uniform(d, true, imm, valid, mask);
}

static int decode_evex(struct dec *d)
{
    struct x86_decoded *insn = d->insn;
    unsigned int imm = IMM_NONE, ll, mask = 0;
    u8 p0, p1, p2;
    bool valid = vex_prefixes_ok(d);
    int rc;

    if ((rc = need(d, 4)))
        return rc;
    p0 = (u8)take(d, 1);
    p1 = (u8)take(d, 1);
    p2 = (u8)take(d, 1);
    insn->enc = X86_ENC_EVEX;
    vex_rex(insn, p0, p1 & 0x80);
    insn->vex_vvvv = (~p1 >> 3) & 15;
    insn->simd_pfx = simd_of_pp[p1 & 3];
    insn->evex_z = p2 >> 7;
    ll = (p2 >> 5) & 3;
    insn->vex_l = (u8)ll;
    insn->evex_b = (p2 >> 4) & 1;
    insn->evex_aaa = p2 & 7;
    insn->op_bytes = insn->vex_w && insn->mode_bits == 64 ? 8 : 4;
    insn->opcode = (u8)take(d, 1);
    valid &= (p1 & 4) && !(p0 & 8);   /* fixed bits */
    switch (p0 & 7) {
    case 1:
        insn->map = X86_MAP_0F;
        mask = RANGE_PFX(ranges_evex_0f, insn->opcode);
        valid &= !!(mask & pfx_bit(insn->simd_pfx));
        if (vex_0f_has_ib(insn->opcode))
            imm = IMM_B;
        break;
    case 2:
        insn->map = X86_MAP_0F38;
        mask = RANGE_PFX(ranges_evex_0f38, insn->opcode);
        valid &= !!(mask & pfx_bit(insn->simd_pfx));
        break;
    case 3:
        insn->map = X86_MAP_0F3A;
        mask = RANGE_PFX(ranges_evex_0f3a, insn->opcode);
        valid &= !!(mask & pfx_bit(insn->simd_pfx));
        imm = IMM_B;
        break;
    case 5:
        insn->map = X86_MAP_EVEX5;
        break;
    case 6:
        insn->map = X86_MAP_EVEX6;
        break;
    default:
        return X86_DECODE_INVALID;
    }
    if ((rc = decode_uniform(d, true, imm, valid, mask)))
        return rc;
    /* L'L = 3 is reserved unless it is a rounding control (register form, EVEX.b) */
    if (ll == 3 && !(insn->mod == 3 && insn->evex_b))
        return X86_DECODE_INVALID;
    return 0;
}

static int decode_xop(struct dec *d)
{
    struct x86_decoded *insn = d->insn;
    unsigned int imm;
    const u8 *r;
    unsigned int nr;
    u8 b1, b2;
    bool valid = vex_prefixes_ok(d);
    int rc;

    if ((rc = need(d, 3)))
        return rc;
    b1 = (u8)take(d, 1);
    b2 = (u8)take(d, 1);
    insn->enc = X86_ENC_XOP;
    vex_rex(insn, b1, b2 & 0x80);
    insn->vex_vvvv = (~b2 >> 3) & 15;
    insn->vex_l = (b2 >> 2) & 1;
    insn->op_bytes = insn->vex_w && insn->mode_bits == 64 ? 8 : 4;
    insn->opcode = (u8)take(d, 1);
    valid &= (b2 & 3) == 0;
    switch (b1 & 0x1f) {
    case 8: insn->map = X86_MAP_XOP8; imm = IMM_B; r = ranges_xop8; nr = sizeof(ranges_xop8); break;
    case 9: insn->map = X86_MAP_XOP9; imm = IMM_NONE; r = ranges_xop9; nr = sizeof(ranges_xop9); break;
    case 10: insn->map = X86_MAP_XOPA; imm = IMM_D; r = ranges_xopa; nr = sizeof(ranges_xopa); break;
    default: return X86_DECODE_INVALID;
    }
    valid &= range_prefixes(r, nr, insn->opcode) != 0;
    return decode_uniform(d, true, imm, valid, 0);
}

/* C4, C5 and 62 are VEX/EVEX in 64-bit mode, and elsewhere when the next byte would be
 * a register-form ModRM (LES, LDS and BOUND take memory only). 8F is XOP when the next
 * byte's reg field is not 0 (POP r/m is 8F /0). */
static bool is_vex_like(struct dec *d, u8 c)
{
    u8 next = d->b[d->pos];

    if (c == 0x8f)
        return (next & 0x38) != 0;
    return d->insn->mode_bits == 64 || (next & 0xc0) == 0xc0;
}

int x86_decode(struct x86_decoded *insn, const u8 *bytes, unsigned int avail,
               unsigned int mode_bits, enum x86_vendor vendor)
{
    struct dec d = { bytes, avail < 15 ? avail : 15, 0, insn, vendor, false };
    bool adsz;
    u8 c;
    int rc;

    memset(insn, 0, sizeof(*insn));
    if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
        return X86_DECODE_INVALID;
    insn->mode_bits = (u8)mode_bits;
    insn->seg = x86_seg_none;
    if ((rc = decode_prefixes(&d)))
        return rc;
    adsz = insn->prefixes & X86_PFX_ADSZ;
    if (mode_bits == 64)
        insn->addr_bytes = adsz ? 4 : 8;
    else
        insn->addr_bytes = (mode_bits == 16) != adsz ? 2 : 4;
    if (insn->prefixes & X86_PFX_REPNE)
        insn->simd_pfx = 0xf2;
    else if (insn->prefixes & X86_PFX_REP)
        insn->simd_pfx = 0xf3;
    else if (insn->prefixes & X86_PFX_OPSZ)
        insn->simd_pfx = 0x66;

    c = (u8)take(&d, 1);
    insn->opcode = c;
    if (c == 0x0f)
        rc = decode_0f(&d);
    else if (c == 0xc4 || c == 0xc5 || c == 0x62 || c == 0x8f) {
        if ((rc = need(&d, 1)))
            return rc;
        if (!is_vex_like(&d, c))
            rc = decode_table(&d, &map_onebyte[c]);
        else if (c == 0x62)
            rc = decode_evex(&d);
        else if (c == 0x8f)
            rc = decode_xop(&d);
        else
            rc = decode_vex(&d, c);
    } else {
        rc = decode_table(&d, &map_onebyte[c]);
        if (!rc && c >= 0xd8 && c <= 0xdf && !x87_valid(c, insn->modrm))
            rc = X86_DECODE_INVALID;
        /* MOV to/from Sreg: ES CS SS DS FS GS only, and no MOV to CS */
        if (!rc && (c == 0x8c || c == 0x8e) &&
            (insn->reg >= 6 || (c == 0x8e && insn->reg == 1)))
            rc = X86_DECODE_INVALID;
    }
    if (rc)
        return rc;
    /* LOCK: only lockable instructions with a memory destination */
    if ((insn->prefixes & X86_PFX_LOCK) &&
        (insn->enc != X86_ENC_LEGACY || !(insn->desc_flags & D_LOCK) || insn->mod == 3))
        return X86_DECODE_INVALID;
    insn->len = (u8)d.pos;
    return (int)d.pos;
}

int x86_insn_length(const u8 *bytes, unsigned int avail, unsigned int mode_bits,
                    enum x86_vendor vendor)
{
    struct x86_decoded insn;

    return x86_decode(&insn, bytes, avail, mode_bits, vendor);
}
