/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Addressing: ModRM/SIB effective addresses in 16-, 32- and 64-bit address sizes,
 * RIP-relative addressing, and segmentation: base, limit and type checks in real,
 * virtual-8086 and protected mode, canonical checks in 64-bit mode (SDM vol. 3,
 * 3.4 and 5.3-5.4; vol. 1, 3.7.5). Faults are #GP(0), or #SS(0) for the stack segment.
 * Also the TSS I/O permission bitmap (SDM vol. 1, 19.5).
 */
#include "private.h"

/* Exceptions. error_code < 0: none. Real mode pushes no error code. */
int x86_raise(struct x86_state *s, unsigned int vector, int error_code)
{
    struct x86_event *ev = &s->ctxt->event;

    ev->vector = (u8)vector;
    ev->has_error_code = error_code >= 0 && s->mode != X86_MODE_REAL;
    ev->error_code = error_code >= 0 ? (u32)error_code : 0;
    ev->cr2 = 0;
    return X86EMUL_EXCEPTION;
}

/* A segment register, read once per emulation. */
int x86_get_seg(struct x86_state *s, enum x86_segment seg, const struct x86_seg **out)
{
    struct x86_segcache *c = &s->segs;
    int rc;

    if (seg > x86_seg_tr)
        return X86EMUL_UNHANDLEABLE;
    if (!(c->loaded & (1u << seg))) {
        rc = s->ops->read_segment(seg, &c->seg[seg], s->ctxt);
        if (rc)
            return rc;
        c->loaded |= 1u << seg;
    }
    *out = &c->seg[seg];
    return X86EMUL_OKAY;
}

u64 x86_addr_mask(unsigned int bytes)
{
    return x86_trunc(~0ULL, bytes);
}

/* ---- effective addresses ---- */

static void modrm_mem16(struct x86_state *s, struct x86_mem *m)
{
    static const u8 base[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };  /* BX BX BP BP SI DI BP BX */
    static const u8 index[8] = { 6, 7, 6, 7, 0, 0, 0, 0 }; /* SI DI SI DI */
    const struct x86_decoded *insn = s->insn;
    unsigned int rm = insn->modrm & 7;
    u64 ea = (u64)insn->disp;

    if (!(insn->mod == 0 && rm == 6))
        ea += s->regs.gpr[base[rm]];
    if (rm < 4)
        ea += s->regs.gpr[index[rm]];
    m->off = ea & 0xffff;
    /* BP-based forms default to SS */
    m->seg = (rm == 2 || rm == 3 || (rm == 6 && insn->mod != 0)) ? x86_seg_ss : x86_seg_ds;
}

static void modrm_mem32_64(struct x86_state *s, struct x86_mem *m)
{
    const struct x86_decoded *insn = s->insn;
    unsigned int rex = insn->rex;
    u64 ea = (u64)insn->disp;
    int base = -1;

    m->seg = x86_seg_ds;
    if (insn->has_sib) {
        unsigned int b = (insn->sib & 7) | ((rex & 1) << 3);
        unsigned int i = ((insn->sib >> 3) & 7) | ((rex & 2) << 2);

        if (!((insn->sib & 7) == 5 && insn->mod == 0))
            base = (int)b;
        if (i != 4)
            ea += s->regs.gpr[i] << (insn->sib >> 6);
    } else if ((insn->modrm & 7) == 5 && insn->mod == 0) {
        if (insn->mode_bits == 64)   /* RIP-relative */
            ea += s->next_rip;
    } else
        base = (int)insn->rm;
    if (base >= 0) {
        ea += s->regs.gpr[base];
        if (base == 4 || base == 5)  /* rSP, rBP */
            m->seg = x86_seg_ss;
    }
    m->off = ea & x86_addr_mask(insn->addr_bytes);
}

/* The memory operand of a ModRM byte (mod != 3), override applied. */
void x86_modrm_mem(struct x86_state *s, struct x86_mem *m)
{
    if (s->insn->addr_bytes == 2)
        modrm_mem16(s, m);
    else
        modrm_mem32_64(s, m);
    if (s->insn->seg != x86_seg_none)
        m->seg = s->insn->seg;
}

/* ---- segmentation ---- */

static bool canonical(const struct x86_state *s, u64 la)
{
    unsigned int sh = (s->ctxt->cr4 & X86_CR4_LA57) ? 7 : 16;

    return (u64)((s64)(la << sh) >> sh) == la;
}

static int seg_fault(struct x86_state *s, enum x86_segment seg)
{
    return x86_raise(s, seg == x86_seg_ss ? X86_EXC_SS : X86_EXC_GP, 0);
}

/* Protected mode: is the segment usable for this access? */
static bool seg_type_ok(const struct x86_seg *r, enum x86_segment seg, enum x86_acc acc)
{
    unsigned int type = X86_SEG_TYPE(r->attr);

    if (!(r->attr & X86_SEG_P) || !(r->attr & X86_SEG_S))
        return false;
    /* a null selector in DS, ES, FS or GS (CS and SS cannot be null here) */
    if (seg != x86_seg_cs && seg != x86_seg_ss && !(r->sel & ~3u))
        return false;
    if (type & 8) /* code: never writable, readable if R */
        return acc == ACC_EXEC || (acc == ACC_READ && (type & 2));
    return acc != ACC_EXEC && (acc == ACC_READ || (type & 2));
}

/* Offsets off .. off+bytes-1 within the limit? */
static bool seg_limit_ok(const struct x86_seg *r, bool expand_down, u64 off,
                         unsigned int bytes)
{
    u64 last = off + bytes - 1;

    if (expand_down) {
        u64 upper = (r->attr & X86_SEG_DB) ? 0xffffffffULL : 0xffffULL;

        return off > r->limit && last <= upper;
    }
    return last <= r->limit && last >= off;
}

/*
 * The linear address of seg:off for an access of `bytes`, after the checks of the
 * mode: #GP(0) or #SS(0) when they fail. `off` is already truncated to the address
 * size.
 */
int x86_linear(struct x86_state *s, enum x86_segment seg, u64 off, unsigned int bytes,
               enum x86_acc acc, u64 *linear)
{
    const struct x86_seg *r;
    bool down;
    int rc;

    if (s->lma) {
        u64 base = 0, la;

        if (seg == x86_seg_fs || seg == x86_seg_gs) {
            if ((rc = x86_get_seg(s, seg, &r)))
                return rc;
            base = r->base;
        }
        la = base + off;
        if (!canonical(s, la) || !canonical(s, la + bytes - 1))
            return seg_fault(s, seg);
        *linear = la;
        return X86EMUL_OKAY;
    }
    if ((rc = x86_get_seg(s, seg, &r)))
        return rc;
    down = false;
    if (s->mode != X86_MODE_REAL && s->mode != X86_MODE_VM86) {
        if (!seg_type_ok(r, seg, acc))
            return seg_fault(s, seg);
        down = (X86_SEG_TYPE(r->attr) & 0xc) == 4; /* data, expand-down */
    }
    if (!seg_limit_ok(r, down, off, bytes))
        return seg_fault(s, seg);
    *linear = (r->base + off) & 0xffffffffULL;
    return X86EMUL_OKAY;
}

int x86_mem_read(struct x86_state *s, const struct x86_mem *m, void *buf,
                 unsigned int bytes)
{
    u64 la;
    int rc = x86_linear(s, m->seg, m->off, bytes, ACC_READ, &la);

    return rc ? rc : s->ops->read(la, buf, bytes, 0, s->ctxt);
}

int x86_mem_write(struct x86_state *s, const struct x86_mem *m, const void *buf,
                  unsigned int bytes)
{
    u64 la;
    int rc = x86_linear(s, m->seg, m->off, bytes, ACC_WRITE, &la);

    return rc ? rc : s->ops->write(la, buf, bytes, 0, s->ctxt);
}

/* The stack's address size: 8 in 64-bit mode, 2 in virtual-8086 mode, else 4 or 2 by
 * SS.B (in real mode too: the cached B bit of a "big real mode" stack applies). */
int x86_stack_bytes(struct x86_state *s, unsigned int *bytes)
{
    const struct x86_seg *ss;
    int rc;

    if (s->lma || s->mode == X86_MODE_VM86) {
        *bytes = s->lma ? 8 : 2;
        return X86EMUL_OKAY;
    }
    if ((rc = x86_get_seg(s, x86_seg_ss, &ss)))
        return rc;
    *bytes = (ss->attr & X86_SEG_DB) ? 4 : 2;
    return X86EMUL_OKAY;
}

/*
 * I/O permission: in protected mode with CPL > IOPL, and always in virtual-8086 mode,
 * the bits of the TSS I/O permission bitmap for every port accessed must be clear.
 * #GP(0) otherwise, or when the bitmap lies beyond the TSS limit.
 */
int x86_io_permitted(struct x86_state *s, unsigned int port, unsigned int bytes)
{
    unsigned int iopl = (s->regs.rflags & X86_FL_IOPL) >> 12;
    const struct x86_seg *tr;
    u16 iobase, bits;
    u64 off;
    int rc;

    if (s->mode == X86_MODE_REAL || (s->mode != X86_MODE_VM86 && s->cpl <= iopl))
        return X86EMUL_OKAY;
    if ((rc = x86_get_seg(s, x86_seg_tr, &tr)))
        return rc;
    /* a present 32/64-bit TSS (available or busy) reaching the I/O map base */
    if (!(tr->attr & X86_SEG_P) || (X86_SEG_TYPE(tr->attr) & 0xd) != 9 || tr->limit < 0x67)
        return x86_raise(s, X86_EXC_GP, 0);
    rc = s->ops->read(tr->base + 0x66, &iobase, 2, X86EMUL_ACC_IMPLICIT, s->ctxt);
    if (rc)
        return rc;
    off = (u64)iobase + port / 8;
    if (off + 1 > tr->limit)
        return x86_raise(s, X86_EXC_GP, 0);
    rc = s->ops->read(tr->base + off, &bits, 2, X86EMUL_ACC_IMPLICIT, s->ctxt);
    if (rc)
        return rc;
    if ((bits >> (port & 7)) & ((1u << bytes) - 1))
        return x86_raise(s, X86_EXC_GP, 0);
    return X86EMUL_OKAY;
}
