/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86_emulate(): fetch, decode, check, execute and retire one instruction.
 *
 * The instruction works on a copy of the registers (struct x86_state.regs) and the
 * copy is written back into ctxt->regs only when it retires, so a fault or a retry in
 * the middle leaves the guest's registers as they were. Memory is written once, at the
 * end of each instruction (or of each REP iteration); a read-modify-write of memory
 * under LOCK (and XCHG) goes through the cmpxchg callback and is recomputed if the
 * memory changed under it.
 *
 * Executed here: MOV (all forms), MOVZX/MOVSX/MOVSXD, the ALU group, TEST, INC, DEC,
 * NOT, NEG, XCHG, XADD, CMPXCHG, CMPXCHG8B/16B, BT/BTS/BTR/BTC, PUSH/POP of memory,
 * MOV from a segment register, IN/OUT, HLT, CLI, STI, NOP. String instructions are in
 * string.c, the SSE moves in sse.c.
 */
#include "private.h"

unsigned int x86_mode_bits(enum x86_mode mode)
{
    switch (mode) {
    case X86_MODE_LONG64: return 64;
    case X86_MODE_PROT32:
    case X86_MODE_COMPAT32: return 32;
    default: return 16;
    }
}

enum x86_mode x86_mode_of(u64 cr0, u64 efer, u64 rflags, u16 cs_attr)
{
    if (!(cr0 & X86_CR0_PE))
        return X86_MODE_REAL;
    if (efer & X86_EFER_LMA) {
        if (cs_attr & X86_SEG_L)
            return X86_MODE_LONG64;
        return (cs_attr & X86_SEG_DB) ? X86_MODE_COMPAT32 : X86_MODE_COMPAT16;
    }
    if (rflags & X86_FL_VM)
        return X86_MODE_VM86;
    return (cs_attr & X86_SEG_DB) ? X86_MODE_PROT32 : X86_MODE_PROT16;
}

/* ---- general registers ---- */

/* Register numbers: 0-15, or 0x10-0x13 for AH, CH, DH, BH. */
#define REG_HIGH8 0x10

u64 x86_reg_read(const struct x86_state *s, unsigned int reg, unsigned int bytes)
{
    if (reg & REG_HIGH8)
        return (s->regs.gpr[reg & 3] >> 8) & 0xff;
    return x86_trunc(s->regs.gpr[reg], bytes);
}

/* Write as the processor does: 8/16-bit writes merge, 32-bit writes zero-extend. */
void x86_reg_write(struct x86_state *s, unsigned int reg, unsigned int bytes, u64 val)
{
    u64 *r;

    if (reg & REG_HIGH8) {
        r = &s->regs.gpr[reg & 3];
        *r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
        return;
    }
    r = &s->regs.gpr[reg];
    if (bytes >= 4)
        *r = x86_trunc(val, bytes);
    else
        *r = (*r & ~x86_trunc(~0ULL, bytes)) | x86_trunc(val, bytes);
}

/* ---- operands ---- */

enum { OPT_NONE, OPT_REG, OPT_MEM, OPT_IMM };

struct opnd {
    u8 type;
    u8 reg;
    u8 bytes;
    struct x86_mem mem;
    u64 val; /* OPT_IMM */
};

/* A byte register without REX: 4-7 are AH, CH, DH, BH. */
static unsigned int gpr_index(const struct x86_state *s, unsigned int r, unsigned int bytes)
{
    if (bytes == 1 && !s->insn->rex && r >= 4 && r < 8)
        return (r - 4) | REG_HIGH8;
    return r;
}

static void get_opnd(struct x86_state *s, unsigned int kind, unsigned int bytes,
                     struct opnd *o)
{
    const struct x86_decoded *insn = s->insn;

    memset(o, 0, sizeof(*o));
    o->bytes = (u8)bytes;
    switch (kind) {
    case O_RM:
        if (insn->mod == 3) {
            o->type = OPT_REG;
            o->reg = (u8)gpr_index(s, insn->rm, bytes);
        } else {
            o->type = OPT_MEM;
            x86_modrm_mem(s, &o->mem);
        }
        break;
    case O_REG:
        o->type = OPT_REG;
        o->reg = (u8)gpr_index(s, insn->reg, bytes);
        break;
    case O_ACC:
        o->type = OPT_REG;
        break;
    case O_OPREG:
        o->type = OPT_REG;
        o->reg = (u8)gpr_index(s, (insn->opcode & 7) | ((insn->rex & 1) << 3), bytes);
        break;
    case O_IMM:
        o->type = OPT_IMM;
        o->val = x86_trunc(insn->imm, bytes);
        break;
    case O_MOFFS:
        o->type = OPT_MEM;
        o->mem.seg = insn->seg != x86_seg_none ? insn->seg : x86_seg_ds;
        o->mem.off = insn->imm & x86_addr_mask(insn->addr_bytes);
        break;
    case O_DX:
        o->type = OPT_IMM;
        o->val = s->regs.rdx & 0xffff;
        break;
    }
}

static int read_opnd(struct x86_state *s, const struct opnd *o, u64 *val)
{
    *val = 0;
    switch (o->type) {
    case OPT_REG:
        *val = x86_reg_read(s, o->reg, o->bytes);
        return X86EMUL_OKAY;
    case OPT_MEM:
        return x86_mem_read(s, &o->mem, val, o->bytes);
    default:
        *val = o->val;
        return X86EMUL_OKAY;
    }
}

static int write_opnd(struct x86_state *s, const struct opnd *o, u64 val)
{
    if (o->type == OPT_REG) {
        x86_reg_write(s, o->reg, o->bytes, val);
        return X86EMUL_OKAY;
    }
    return x86_mem_write(s, &o->mem, &val, o->bytes);
}

/* ---- read-modify-write ---- */

struct rmw {
    unsigned int exec; /* EX_ALU, EX_TEST, EX_INC, EX_DEC, EX_NOT, EX_NEG, EX_XADD,
                          EX_XCHG, EX_BT */
    unsigned int op;   /* ALU_* or BT_* */
    u64 src;           /* source value; bit number for EX_BT */
};

static bool rmw_writes(const struct rmw *w)
{
    return !(w->exec == EX_TEST || (w->exec == EX_ALU && w->op == ALU_CMP) ||
             (w->exec == EX_BT && w->op == BT_BT));
}

static u64 rmw_apply(const struct rmw *w, u64 old, unsigned int bytes, u64 *flags)
{
    u64 bit = 1ULL << (w->src & 63); /* EX_BT */

    switch (w->exec) {
    case EX_ALU: return x86_alu(w->op, old, w->src, bytes, flags);
    case EX_TEST: return x86_alu_logic_flags(old & w->src, bytes, flags);
    case EX_INC: return x86_alu_incdec(false, old, bytes, flags);
    case EX_DEC: return x86_alu_incdec(true, old, bytes, flags);
    case EX_NOT: return x86_trunc(~old, bytes);
    case EX_NEG: return x86_alu_neg(old, bytes, flags);
    case EX_XADD: return x86_alu(ALU_ADD, old, w->src, bytes, flags);
    case EX_XCHG: return w->src;
    case EX_BT:
        *flags = (*flags & ~(u64)X86_FL_CF) | ((old & bit) ? X86_FL_CF : 0);
        switch (w->op) {
        case BT_BTS: return old | bit;
        case BT_BTR: return old & ~bit;
        case BT_BTC: return old ^ bit;
        default: return old;
        }
    default:
        return old;
    }
}

/*
 * Apply `w` to the destination operand; *old_out gets its previous value. In memory,
 * a LOCKed operation (or XCHG) with a cmpxchg callback is atomic: the new value is
 * stored only if memory still holds the value it was computed from, else it is
 * recomputed (a bounded number of times; then X86EMUL_RETRY).
 */
static int do_rmw(struct x86_state *s, const struct opnd *dst, const struct rmw *w,
                  u64 *old_out)
{
    unsigned int n = dst->bytes;
    bool writes = rmw_writes(w), atomic;
    u64 flags, old = 0, new, la;
    int rc;

    if (dst->type == OPT_REG) {
        old = x86_reg_read(s, dst->reg, n);
        flags = s->regs.rflags;
        new = rmw_apply(w, old, n, &flags);
        if (writes)
            x86_reg_write(s, dst->reg, n, new);
        s->regs.rflags = flags;
        *old_out = old;
        return X86EMUL_OKAY;
    }
    rc = x86_linear(s, dst->mem.seg, dst->mem.off, n, writes ? ACC_WRITE : ACC_READ, &la);
    if (rc || (rc = s->ops->read(la, &old, n, 0, s->ctxt)))
        return rc;
    atomic = ((s->insn->prefixes & X86_PFX_LOCK) || w->exec == EX_XCHG) && s->ops->cmpxchg;
    for (unsigned int tries = 0;; tries++) {
        flags = s->regs.rflags;
        new = rmw_apply(w, old, n, &flags);
        if (!writes)
            break;
        if (atomic) {
            u64 seen = old;

            if ((rc = s->ops->cmpxchg(la, &seen, &new, n, s->ctxt)))
                return rc;
            if (seen != old) {
                if (tries >= 64)
                    return X86EMUL_RETRY;
                old = seen;
                continue;
            }
        } else if ((rc = s->ops->write(la, &new, n, 0, s->ctxt)))
            return rc;
        break;
    }
    s->regs.rflags = flags;
    *old_out = old;
    return X86EMUL_OKAY;
}

/* ---- the handlers ---- */

static int em_mov(struct x86_state *s)
{
    unsigned int n = s->insn->op_bytes;
    struct opnd dst, src;
    u64 val;
    int rc;

    get_opnd(s, OPND_SRC(s->insn->desc_opnds), n, &src);
    get_opnd(s, OPND_DST(s->insn->desc_opnds), n, &dst);
    if ((rc = read_opnd(s, &src, &val)))
        return rc;
    return write_opnd(s, &dst, val);
}

/* MOVZX, MOVSX, MOVSXD */
static int em_movx(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    unsigned int n = insn->op_bytes, sn = insn->desc_sub;
    struct opnd dst, src;
    u64 val;
    int rc;

    if (insn->desc_exec == EX_MOVSXD) {
        if (insn->mode_bits != 64) {
            s->ctxt->reason = "ARPL is not emulated";
            return X86EMUL_UNHANDLEABLE;
        }
        sn = n < 4 ? n : 4;
    }
    get_opnd(s, O_RM, sn, &src);
    get_opnd(s, O_REG, n, &dst);
    if ((rc = read_opnd(s, &src, &val)))
        return rc;
    if (insn->desc_exec != EX_MOVZX)
        val = x86_sext(val, sn);
    return write_opnd(s, &dst, val);
}

/* ALU, TEST, INC, DEC, NOT, NEG */
static int em_arith(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    unsigned int n = insn->op_bytes;
    struct rmw w = { insn->desc_exec, insn->desc_sub, 0 };
    struct opnd dst, src;
    u64 old;
    int rc;

    get_opnd(s, OPND_DST(insn->desc_opnds), n, &dst);
    if (OPND_SRC(insn->desc_opnds) != O_NONE) {
        get_opnd(s, OPND_SRC(insn->desc_opnds), n, &src);
        if ((rc = read_opnd(s, &src, &w.src)))
            return rc;
    }
    return do_rmw(s, &dst, &w, &old);
}

/* XCHG and XADD: the register gets the destination's old value. */
static int em_xchg_xadd(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    unsigned int n = insn->op_bytes;
    struct rmw w = { insn->desc_exec, 0, 0 };
    struct opnd dst, src;
    u64 old, flags;
    int rc;

    get_opnd(s, O_RM, n, &dst);
    get_opnd(s, O_REG, n, &src);
    w.src = x86_reg_read(s, src.reg, n);
    if (dst.type == OPT_REG) {
        /* SDM order: the source register first, then the destination */
        old = x86_reg_read(s, dst.reg, n);
        flags = s->regs.rflags;
        x86_reg_write(s, src.reg, n, old);
        x86_reg_write(s, dst.reg, n, rmw_apply(&w, old, n, &flags));
        s->regs.rflags = flags;
        return X86EMUL_OKAY;
    }
    if ((rc = do_rmw(s, &dst, &w, &old)))
        return rc;
    x86_reg_write(s, src.reg, n, old);
    return X86EMUL_OKAY;
}

static int em_cmpxchg(struct x86_state *s)
{
    unsigned int n = s->insn->op_bytes;
    struct opnd dst, src;
    u64 acc = x86_reg_read(s, 0, n), new, cur = 0, la;
    int rc;

    get_opnd(s, O_RM, n, &dst);
    get_opnd(s, O_REG, n, &src);
    new = x86_reg_read(s, src.reg, n);
    if (dst.type == OPT_REG) {
        cur = x86_reg_read(s, dst.reg, n);
        /* On a mismatch Intel writes the destination back with its own value (a 32-bit
         * register is zero-extended); AMD leaves it alone. */
        if (cur == acc || s->ctxt->vendor == X86_VENDOR_INTEL)
            x86_reg_write(s, dst.reg, n, cur == acc ? new : cur);
    } else {
        rc = x86_linear(s, dst.mem.seg, dst.mem.off, n, ACC_WRITE, &la);
        if (rc)
            return rc;
        if (s->ops->cmpxchg) {
            cur = acc;
            rc = s->ops->cmpxchg(la, &cur, &new, n, s->ctxt);
        } else if (!(rc = s->ops->read(la, &cur, n, 0, s->ctxt)) && cur == acc)
            rc = s->ops->write(la, &new, n, 0, s->ctxt);
        if (rc)
            return rc;
    }
    x86_alu(ALU_CMP, acc, cur, n, &s->regs.rflags);
    if (cur != acc)
        x86_reg_write(s, 0, n, cur);
    return X86EMUL_OKAY;
}

/* CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W): only ZF changes. */
static int em_cmpxchg8b(struct x86_state *s)
{
    unsigned int n = (s->insn->rex & 8) ? 16 : 8, half = n / 2;
    struct x86_regs *r = &s->regs;
    u64 exp[2], cur[2], new[2], la;
    struct x86_mem m;
    int rc;

    x86_modrm_mem(s, &m);
    if ((rc = x86_linear(s, m.seg, m.off, n, ACC_WRITE, &la)))
        return rc;
    if (n == 16 && (la & 15))
        return x86_raise(s, X86_EXC_GP, 0);
    if (n == 16) {
        exp[0] = r->rax, exp[1] = r->rdx, new[0] = r->rbx, new[1] = r->rcx;
    } else {
        exp[0] = (r->rax & 0xffffffff) | (r->rdx << 32), exp[1] = 0;
        new[0] = (r->rbx & 0xffffffff) | (r->rcx << 32), new[1] = 0;
    }
    memcpy(cur, exp, sizeof(cur));
    if (s->ops->cmpxchg)
        rc = s->ops->cmpxchg(la, cur, new, n, s->ctxt);
    else if (!(rc = s->ops->read(la, cur, n, 0, s->ctxt)) && !memcmp(cur, exp, n))
        rc = s->ops->write(la, new, n, 0, s->ctxt);
    if (rc)
        return rc;
    if (!memcmp(cur, exp, n)) {
        r->rflags |= X86_FL_ZF;
        return X86EMUL_OKAY;
    }
    r->rflags &= ~(u64)X86_FL_ZF;
    x86_reg_write(s, 0, half, n == 16 ? cur[0] : cur[0] & 0xffffffff);
    x86_reg_write(s, 2, half, n == 16 ? cur[1] : cur[0] >> 32);
    return X86EMUL_OKAY;
}

/*
 * BT, BTS, BTR, BTC. With a register bit offset and a memory operand the offset is
 * signed and may address outside the operand: the operand moves by whole operands.
 */
static int em_bt(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    unsigned int n = insn->op_bytes, bits = n * 8;
    struct rmw w = { EX_BT, insn->desc_sub, 0 };
    struct opnd dst, src;
    u64 old, off;
    int rc;

    get_opnd(s, O_RM, n, &dst);
    get_opnd(s, OPND_SRC(insn->desc_opnds), n, &src);
    if ((rc = read_opnd(s, &src, &off)))
        return rc;
    if (src.type == OPT_REG && dst.type == OPT_MEM) {
        s64 soff = (s64)x86_sext(off, n);
        s64 words = soff >> (bits == 16 ? 4 : bits == 32 ? 5 : 6);

        dst.mem.off = (dst.mem.off + (u64)words * n) & x86_addr_mask(insn->addr_bytes);
    }
    w.src = off & (bits - 1);
    return do_rmw(s, &dst, &w, &old);
}

/* PUSH r/m (FF /6) and POP r/m (8F /0). */
static int em_push_pop(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    unsigned int n = insn->op_bytes, sb;
    struct x86_mem stk = { x86_seg_ss, 0 };
    struct opnd o;
    u64 val = 0, sp;
    int rc;

    if ((rc = x86_stack_bytes(s, &sb)))
        return rc;
    sp = s->regs.rsp;
    if (insn->desc_exec == EX_PUSH) {
        get_opnd(s, O_RM, n, &o);
        if ((rc = read_opnd(s, &o, &val)))
            return rc;
        stk.off = (sp - n) & x86_addr_mask(sb);
        if ((rc = x86_mem_write(s, &stk, &val, n)))
            return rc;
        x86_reg_write(s, 4, sb, sp - n);
        return X86EMUL_OKAY;
    }
    stk.off = sp & x86_addr_mask(sb);
    if ((rc = x86_mem_read(s, &stk, &val, n)))
        return rc;
    /* the destination's address is computed with rSP already incremented */
    x86_reg_write(s, 4, sb, sp + n);
    get_opnd(s, O_RM, n, &o);
    return write_opnd(s, &o, val);
}

/* MOV r/m, Sreg (8C). */
static int em_mov_sreg(struct x86_state *s)
{
    const struct x86_seg *sr;
    struct opnd dst;
    int rc;

    if ((rc = x86_get_seg(s, (enum x86_segment)((s->insn->modrm >> 3) & 7), &sr)))
        return rc;
    get_opnd(s, O_RM, s->insn->mod == 3 ? s->insn->op_bytes : 2, &dst);
    return write_opnd(s, &dst, sr->sel);
}

/* IN and OUT. */
static int em_io(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    unsigned int n = insn->op_bytes == 1 ? 1 : insn->op_bytes == 2 ? 2 : 4;
    struct opnd port;
    u32 val;
    int rc;

    get_opnd(s, insn->desc_exec == EX_IN ? OPND_SRC(insn->desc_opnds)
                                         : OPND_DST(insn->desc_opnds), 2, &port);
    port.val &= insn->imm_bytes ? 0xff : 0xffff;
    if ((rc = x86_io_permitted(s, (unsigned int)port.val, n)))
        return rc;
    if (insn->desc_exec == EX_OUT)
        return s->ops->write_io((unsigned int)port.val, n, (u32)x86_reg_read(s, 0, n),
                                s->ctxt);
    if ((rc = s->ops->read_io((unsigned int)port.val, n, &val, s->ctxt)))
        return rc;
    x86_reg_write(s, 0, n, val);
    return X86EMUL_OKAY;
}

/* HLT, CLI, STI, NOP/PAUSE. */
static int em_misc(struct x86_state *s)
{
    unsigned int iopl = (s->regs.rflags & X86_FL_IOPL) >> 12;
    bool prot = s->mode != X86_MODE_REAL;

    switch (s->insn->desc_exec) {
    case EX_HLT:
        if (s->cpl)
            return x86_raise(s, X86_EXC_GP, 0);
        s->ctxt->retire |= X86EMUL_RETIRE_HLT;
        return X86EMUL_OKAY;
    case EX_CLI:
    case EX_STI:
        if (prot && (s->mode == X86_MODE_VM86 ? iopl < 3 : s->cpl > iopl)) {
            if (s->ctxt->cr4 & (X86_CR4_VME | X86_CR4_PVI)) {
                s->ctxt->reason = "CLI/STI with CR4.VME/PVI (VIF) is not emulated";
                return X86EMUL_UNHANDLEABLE;
            }
            return x86_raise(s, X86_EXC_GP, 0);
        }
        if (s->insn->desc_exec == EX_CLI) {
            s->regs.rflags &= ~(u64)X86_FL_IF;
        } else {
            if (!(s->regs.rflags & X86_FL_IF))
                s->ctxt->retire |= X86EMUL_RETIRE_STI_SHADOW;
            s->regs.rflags |= X86_FL_IF;
        }
        return X86EMUL_OKAY;
    default: /* NOP, PAUSE; 90 with REX.B is XCHG r8, rAX */
        if (s->insn->rex & 1) {
            s->ctxt->reason = "XCHG r8, rAX is not emulated";
            return X86EMUL_UNHANDLEABLE;
        }
        return X86EMUL_OKAY;
    }
}

static int execute(struct x86_state *s)
{
    switch (s->insn->desc_exec) {
    case EX_MOV: return em_mov(s);
    case EX_MOVZX:
    case EX_MOVSX:
    case EX_MOVSXD: return em_movx(s);
    case EX_ALU:
    case EX_TEST:
    case EX_INC:
    case EX_DEC:
    case EX_NOT:
    case EX_NEG: return em_arith(s);
    case EX_XCHG:
    case EX_XADD: return em_xchg_xadd(s);
    case EX_CMPXCHG: return em_cmpxchg(s);
    case EX_CMPXCHG8B: return em_cmpxchg8b(s);
    case EX_BT: return em_bt(s);
    case EX_PUSH:
    case EX_POP: return em_push_pop(s);
    case EX_MOV_SREG: return em_mov_sreg(s);
    case EX_IN:
    case EX_OUT: return em_io(s);
    case EX_MOVS:
    case EX_CMPS:
    case EX_STOS:
    case EX_LODS:
    case EX_SCAS:
    case EX_INS:
    case EX_OUTS: return x86_exec_string(s);
    case EX_SSE: return x86_exec_sse(s);
    case EX_HLT:
    case EX_CLI:
    case EX_STI:
    case EX_NOP: return em_misc(s);
    default:
        s->ctxt->reason = "instruction not emulated";
        return X86EMUL_UNHANDLEABLE;
    }
}

/* ---- fetch and decode ---- */

/*
 * Decode from the bytes the caller gave, fetching more as the decoder asks: up to the
 * end of the page (so that the next page is touched only by an instruction that
 * crosses into it) and never beyond the CS limit (#GP(0) if the instruction needs
 * bytes there).
 */
static int fetch_decode(struct x86_state *s)
{
    struct x86_emulate_ctxt *ctxt = s->ctxt;
    unsigned int have = ctxt->insn_buf_len < 15 ? ctxt->insn_buf_len : 15;
    unsigned int bits = x86_mode_bits(s->mode);
    int rc;

    for (;;) {
        unsigned int chunk = 15 - have;
        u64 off = (ctxt->regs.rip + have) & x86_addr_mask(bits / 8), la;
        const struct x86_seg *cs;

        rc = have ? x86_decode(&ctxt->insn, ctxt->insn_buf, have, bits, ctxt->vendor)
                  : X86_DECODE_TRUNC;
        if (rc > 0)
            break;
        if (rc == X86_DECODE_INVALID) {
            ctxt->insn_buf_len = (u8)have;
            return x86_raise(s, X86_EXC_UD, -1);
        }
        if (rc == X86_DECODE_TOOLONG)
            return x86_raise(s, X86_EXC_GP, 0);
        /* X86_DECODE_TRUNC: fetch what is left of the page and of the segment */
        if (!s->lma) {
            if ((rc = x86_get_seg(s, x86_seg_cs, &cs)))
                return rc;
            if (off > cs->limit)
                return x86_raise(s, X86_EXC_GP, 0);
            if (cs->limit - off + 1 < chunk)
                chunk = (unsigned int)(cs->limit - off + 1);
        }
        /* (canonical boundaries are page boundaries: the first byte decides) */
        if ((rc = x86_linear(s, x86_seg_cs, off, 1, ACC_EXEC, &la)))
            return rc;
        if (PAGE_SIZE - (la & (PAGE_SIZE - 1)) < chunk)
            chunk = (unsigned int)(PAGE_SIZE - (la & (PAGE_SIZE - 1)));
        if ((rc = s->ops->insn_fetch(la, ctxt->insn_buf + have, chunk, ctxt)))
            return rc;
        have += chunk;
        ctxt->insn_buf_len = (u8)have;
    }
    s->insn = &ctxt->insn;
    s->next_rip = ctxt->regs.rip + s->insn->len;
    return X86EMUL_OKAY;
}

/* ---- x86_emulate() ---- */

static void commit(struct x86_state *s, bool retire)
{
    struct x86_emulate_ctxt *ctxt = s->ctxt;
    u64 rip = ctxt->regs.rip;

    ctxt->regs = s->regs;
    ctxt->regs.rip = rip;
    if (!retire)
        return;
    ctxt->regs.rip = s->next_rip & x86_addr_mask(x86_mode_bits(s->mode) / 8);
    ctxt->regs.rflags &= ~(u64)X86_FL_RF;
}

int x86_emulate(struct x86_emulate_ctxt *ctxt, const struct x86_emulate_ops *ops)
{
    struct x86_state s;
    const struct x86_seg *cs;
    int rc;

    s.ctxt = ctxt;
    s.ops = ops;
    s.insn = &ctxt->insn;
    s.regs = ctxt->regs;
    s.segs.loaded = 0;   /* (the rest of the segment cache is filled on demand) */
    s.rep_incomplete = s.commit_partial = s.lma = false;
    s.next_rip = ctxt->regs.rip;
    s.mode = X86_MODE_REAL;
    s.cpl = 0;
    memset(&ctxt->event, 0, sizeof(ctxt->event));
    ctxt->insn.len = 0; /* x86_decode() fills the rest */
    ctxt->retire = 0;
    ctxt->reason = NULL;
    ctxt->mode = X86_MODE_REAL;
    if ((rc = x86_get_seg(&s, x86_seg_cs, &cs))) {
        if (rc == X86EMUL_UNHANDLEABLE)
            ctxt->reason = "read_segment(CS) failed";
        return rc;
    }
    s.mode = ctxt->mode = x86_mode_of(ctxt->cr0, ctxt->efer, ctxt->regs.rflags, cs->attr);
    s.lma = s.mode == X86_MODE_LONG64;
    s.cpl = s.mode == X86_MODE_REAL ? 0 : s.mode == X86_MODE_VM86 ? 3 : ctxt->cpl;

    rc = fetch_decode(&s);
    if (!rc)
        rc = execute(&s);
    if (rc == X86EMUL_OKAY) {
        commit(&s, !s.rep_incomplete);
        if (ctxt->regs.rflags & X86_FL_TF)
            ctxt->retire |= X86EMUL_RETIRE_SINGLESTEP;
    } else {
        if (s.commit_partial)
            commit(&s, false);
        if (rc == X86EMUL_UNHANDLEABLE && !ctxt->reason)
            ctxt->reason = "a callback returned X86EMUL_UNHANDLEABLE";
        ctxt->retire = 0;
    }
    return rc;
}
