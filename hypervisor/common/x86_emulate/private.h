/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals of the x86 emulator shared by its source files: the opcode-table entry
 * format (decode.c), the execution state (emulate.c, string.c, addr.c) and the ALU
 * (alu.c). Nothing here is part of the interface (hv/x86_emulate.h).
 */
#ifndef X86_EMULATE_PRIVATE_H
#define X86_EMULATE_PRIVATE_H

#include <hv/compiler.h>
#include <hv/lib.h>
#include <hv/types.h>
#include <hv/x86_emulate.h>

/* ---- opcode tables (decode.c) ---- */

/*
 * One entry per opcode of the one-byte and 0F maps, and per ModRM.reg of a group.
 * `flags` drive decoding (ModRM, immediates, validity, operand size); `exec`, `opnds`
 * and `sub` say what x86_emulate() does with it (EX_NONE: not emulated).
 */
struct x86_opdesc {
    u32 flags;
    u8 exec;   /* EX_* */
    u8 opnds;  /* destination kind (low nibble) and source kind (high nibble): O_* */
    u8 sub;    /* ALU operation, BT operation, group number, SSE row... */
    u8 pad;
};

#define D_MODRM   (1u << 0)  /* a ModRM byte follows the opcode */
#define D_IMM_SHIFT 1
#define D_IMM_MASK (0xfu << D_IMM_SHIFT)
#define D_INV64   (1u << 5)  /* undefined in 64-bit mode */
#define D_INV     (1u << 6)  /* undefined */
#define D_DEF64   (1u << 7)  /* 64-bit default operand size in 64-bit mode (PUSH/POP) */
#define D_F64     (1u << 8)  /* near branch: 64-bit operand size (66h: see vendor) */
#define D_BYTE    (1u << 9)  /* byte operands */
#define D_MEM     (1u << 10) /* memory operand only: ModRM.mod == 3 is #UD */
#define D_LOCK    (1u << 11) /* LOCK allowed (with a memory destination) */
#define D_GROUP   (1u << 12) /* the entry in group `sub` by ModRM.reg completes this one */
#define D_MODREG  (1u << 13) /* ModRM.mod ignored: always registers (MOV CR/DR) */
#define D_REG     (1u << 14) /* register operand only: ModRM.mod != 3 is #UD */
#define D_ONLY64  (1u << 15) /* defined only in 64-bit mode */
#define D_NO64    D_INV64

/* Immediate kinds (D_IMM_MASK). */
enum {
    IMM_NONE,
    IMM_B,      /* 8 bits */
    IMM_W,      /* 16 bits */
    IMM_Z,      /* 16 or 32 bits by operand size */
    IMM_V,      /* 16, 32 or 64 bits by operand size (MOV r, imm) */
    IMM_ENTER,  /* 16 + 8 bits */
    IMM_FAR,    /* 16/32-bit offset + 16-bit selector */
    IMM_MOFFS,  /* an address of the address size */
    IMM_GRP3,   /* F6/F7: ib/iz for ModRM.reg 0 and 1 only */
    IMM_BB,     /* 8 + 8 bits (EXTRQ/INSERTQ) */
    IMM_D,      /* 32 bits (XOP map A) */
};
#define D_IMM(k) ((u32)(k) << D_IMM_SHIFT)
#define D_IMMKIND(f) (((f) & D_IMM_MASK) >> D_IMM_SHIFT)

/* Operand kinds (struct x86_opdesc.opnds). */
enum {
    O_NONE,
    O_RM,     /* ModRM r/m: a GPR or memory */
    O_REG,    /* ModRM reg: a GPR */
    O_ACC,    /* AL/AX/EAX/RAX */
    O_IMM,    /* the immediate */
    O_MOFFS,  /* memory at the moffs immediate */
    O_OPREG,  /* the register in the opcode's low three bits (REX.B) */
    O_DX,     /* port in DX */
    O_SREG,   /* ModRM reg: a segment register */
};
#define OPND_DST(o) ((o) & 0xf)
#define OPND_SRC(o) ((o) >> 4)

/* What x86_emulate() does (struct x86_opdesc.exec). */
enum {
    EX_NONE,      /* not emulated */
    EX_MOV,
    EX_MOVZX,     /* sub: source bytes */
    EX_MOVSX,     /* sub: source bytes */
    EX_MOVSXD,
    EX_ALU,       /* sub: ALU_* */
    EX_TEST,
    EX_INC,
    EX_DEC,
    EX_NOT,
    EX_NEG,
    EX_XCHG,
    EX_CMPXCHG,
    EX_XADD,
    EX_CMPXCHG8B, /* and 16B */
    EX_BT,        /* sub: BT_* */
    EX_PUSH,
    EX_POP,
    EX_MOVS,
    EX_CMPS,
    EX_STOS,
    EX_LODS,
    EX_SCAS,
    EX_INS,
    EX_OUTS,
    EX_IN,
    EX_OUT,
    EX_SSE,       /* the SSE moves: by opcode and mandatory prefix */
    EX_HLT,
    EX_CLI,
    EX_STI,
    EX_NOP,
    EX_MOV_SREG,  /* 8C: MOV r/m16, Sreg */
};

/* ALU operations, in the encoding order of opcodes 00-3F and group 1. */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
/* Bit-test operations. */
enum { BT_BT, BT_BTS, BT_BTR, BT_BTC };

/* ---- execution state (emulate.c, string.c, addr.c) ---- */

/* A segment register as loaded for this run. */
struct x86_segcache {
    u16 loaded;            /* bit per enum x86_segment */
    struct x86_seg seg[x86_seg_tr + 1];
};

struct x86_state {
    struct x86_emulate_ctxt *ctxt;
    const struct x86_emulate_ops *ops;
    struct x86_decoded *insn;
    struct x86_regs regs;  /* working copy, committed to ctxt->regs at the end */
    struct x86_segcache segs;
    enum x86_mode mode;
    unsigned int cpl;
    bool lma;              /* 64-bit mode (not compatibility) */
    u64 next_rip;
    bool rep_incomplete;   /* a REP instruction stopped before its end */
    bool commit_partial;   /* on an error, commit regs (completed REP iterations) */
};

/* Memory operand of an instruction: segment and offset (addr.c). */
struct x86_mem {
    enum x86_segment seg;
    u64 off;
};

/* Access kinds for segment checks. */
enum x86_acc { ACC_READ, ACC_WRITE, ACC_EXEC, ACC_RMW };

/* addr.c */
int x86_get_seg(struct x86_state *s, enum x86_segment seg, const struct x86_seg **out);
void x86_modrm_mem(struct x86_state *s, struct x86_mem *m);
u64 x86_addr_mask(unsigned int bytes);
int x86_linear(struct x86_state *s, enum x86_segment seg, u64 off, unsigned int bytes,
               enum x86_acc acc, u64 *linear);
int x86_raise(struct x86_state *s, unsigned int vector, int error_code);
int x86_mem_read(struct x86_state *s, const struct x86_mem *m, void *buf,
                 unsigned int bytes);
int x86_mem_write(struct x86_state *s, const struct x86_mem *m, const void *buf,
                  unsigned int bytes);
int x86_stack_bytes(struct x86_state *s, unsigned int *bytes);
int x86_io_permitted(struct x86_state *s, unsigned int port, unsigned int bytes);

/* GPR access (emulate.c). */
u64 x86_reg_read(const struct x86_state *s, unsigned int reg, unsigned int bytes);
void x86_reg_write(struct x86_state *s, unsigned int reg, unsigned int bytes, u64 val);

/* string.c, sse.c */
int x86_exec_string(struct x86_state *s);
int x86_exec_sse(struct x86_state *s);

/* alu.c */
u64 x86_alu(unsigned int op, u64 dst, u64 src, unsigned int bytes, u64 *rflags);
u64 x86_alu_incdec(bool dec, u64 dst, unsigned int bytes, u64 *rflags);
u64 x86_alu_neg(u64 dst, unsigned int bytes, u64 *rflags);
u64 x86_alu_logic_flags(u64 res, unsigned int bytes, u64 *rflags);

static inline u64 x86_trunc(u64 v, unsigned int bytes)
{
    return bytes >= 8 ? v : v & ((1ULL << (bytes * 8)) - 1);
}

static inline u64 x86_sext(u64 v, unsigned int bytes)
{
    unsigned int sh = 64 - bytes * 8;

    return bytes >= 8 ? v : (u64)((s64)(v << sh) >> sh);
}

#endif /* X86_EMULATE_PRIVATE_H */
