/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS, with REP/REPE/REPNE
 * and the direction flag (SDM vol. 2, "REP/REPE/REPZ/REPNE/REPNZ").
 *
 * The address size chooses rSI/rDI/rCX (SI/DI/CX, ESI/EDI/ECX or RSI/RDI/RCX) and
 * where they wrap. A REP instruction runs at most ctxt->max_reps iterations per call
 * (one under EFLAGS.TF, which traps after each): if the count is not exhausted then,
 * the registers say how far it got and RIP stays at the instruction, so that the
 * guest runs it again (and takes interrupts in between), as hardware does.
 *
 * The optional fast paths (ops->rep_movs etc.) move many elements in one callback:
 * the emulator hands them a range that stays within one page for each pointer and
 * within the segment limits, and falls back to one element at a time (which then
 * faults at the right element) whenever the range cannot be checked whole.
 */
#include "private.h"

struct str {
    unsigned int exec;
    unsigned int n;          /* element size */
    unsigned int ad;         /* address size */
    u64 amask;
    bool back;               /* EFLAGS.DF */
    enum x86_segment src_seg; /* DS or the override; the destination is always ES */
    unsigned int port;
};

static bool uses_src(unsigned int exec)
{
    return exec == EX_MOVS || exec == EX_CMPS || exec == EX_LODS || exec == EX_OUTS;
}

static bool uses_dst(unsigned int exec)
{
    return exec == EX_MOVS || exec == EX_CMPS || exec == EX_STOS || exec == EX_SCAS ||
           exec == EX_INS;
}

/* Move rSI (6) or rDI (7) by `elems` elements, wrapping in the address size. */
static void advance(struct x86_state *s, const struct str *st, unsigned int reg, u64 elems)
{
    u64 delta = elems * st->n;

    x86_reg_write(s, reg, st->ad, st->back ? s->regs.gpr[reg] - delta
                                           : s->regs.gpr[reg] + delta);
}

static int one_element(struct x86_state *s, const struct str *st)
{
    struct x86_mem src = { st->src_seg, s->regs.rsi & st->amask };
    struct x86_mem dst = { x86_seg_es, s->regs.rdi & st->amask };
    u64 a = 0, b = 0, la;
    u32 io;
    int rc;

    switch (st->exec) {
    case EX_MOVS:
        if ((rc = x86_mem_read(s, &src, &a, st->n)) || (rc = x86_mem_write(s, &dst, &a, st->n)))
            return rc;
        break;
    case EX_CMPS:
        if ((rc = x86_mem_read(s, &src, &a, st->n)) || (rc = x86_mem_read(s, &dst, &b, st->n)))
            return rc;
        x86_alu(ALU_CMP, a, b, st->n, &s->regs.rflags);
        break;
    case EX_STOS:
        a = x86_reg_read(s, 0, st->n);
        if ((rc = x86_mem_write(s, &dst, &a, st->n)))
            return rc;
        break;
    case EX_LODS:
        if ((rc = x86_mem_read(s, &src, &a, st->n)))
            return rc;
        x86_reg_write(s, 0, st->n, a);
        break;
    case EX_SCAS:
        if ((rc = x86_mem_read(s, &dst, &b, st->n)))
            return rc;
        x86_alu(ALU_CMP, x86_reg_read(s, 0, st->n), b, st->n, &s->regs.rflags);
        break;
    case EX_INS:
        /* segment checks before the port is read, so that they lose no data */
        if ((rc = x86_linear(s, dst.seg, dst.off, st->n, ACC_WRITE, &la)) ||
            (rc = s->ops->read_io(st->port, st->n, &io, s->ctxt)) ||
            (rc = s->ops->write(la, &io, st->n, 0, s->ctxt)))
            return rc;
        break;
    case EX_OUTS:
        if ((rc = x86_mem_read(s, &src, &a, st->n)) ||
            (rc = s->ops->write_io(st->port, st->n, (u32)a, s->ctxt)))
            return rc;
        break;
    }
    if (uses_src(st->exec))
        advance(s, st, 6, 1);
    if (uses_dst(st->exec))
        advance(s, st, 7, 1);
    return X86EMUL_OKAY;
}

/*
 * How many elements from seg:off (going forward, or backward) fit within the page
 * and the address size, with their whole range inside the segment; the linear address
 * of the first element in *la. 0 when that cannot be established.
 */
static u64 fast_span(struct x86_state *s, const struct str *st, enum x86_segment seg,
                     u64 off, u64 max, enum x86_acc acc, u64 *la)
{
    u64 n = st->n, k, in_page, dummy;

    if (off + n - 1 > st->amask || x86_linear(s, seg, off, st->n, acc, la))
        return 0;
    in_page = *la & (PAGE_SIZE - 1);
    if (in_page + n > PAGE_SIZE)
        return 0;
    if (st->back)
        k = min(in_page / n + 1, off / n + 1);
    else
        k = min((PAGE_SIZE - in_page) / n, (st->amask - off - (n - 1)) / n + 1);
    k = min(k, max);
    if (k > 1 &&
        x86_linear(s, seg, st->back ? off - (k - 1) * n : off, (unsigned int)(k * n), acc,
                   &dummy))
        return 0;
    return k;
}

/*
 * One call of a fast path for up to `max` elements: *offered is how many it was given
 * (the range clamped to pages and segments), *done how many it did. Returns
 * X86EMUL_UNHANDLEABLE with *done = 0 when the element-at-a-time path must do the work.
 */
static int fast_path(struct x86_state *s, const struct str *st, u64 max, u64 *offered,
                     u64 *done)
{
    const struct x86_emulate_ops *ops = s->ops;
    u64 k = max, sla = 0, dla = 0, reps;
    int rc;

    *done = *offered = 0;
    if ((st->exec == EX_MOVS && !ops->rep_movs) || (st->exec == EX_STOS && !ops->rep_stos) ||
        (st->exec == EX_INS && !ops->rep_ins) || (st->exec == EX_OUTS && !ops->rep_outs) ||
        st->exec == EX_CMPS || st->exec == EX_SCAS || st->exec == EX_LODS || max < 2)
        return X86EMUL_UNHANDLEABLE;
    if (uses_src(st->exec))
        k = fast_span(s, st, st->src_seg, s->regs.rsi & st->amask, k, ACC_READ, &sla);
    if (k && uses_dst(st->exec))
        k = fast_span(s, st, x86_seg_es, s->regs.rdi & st->amask, k, ACC_WRITE, &dla);
    if (k < 2) {
        memset(&s->ctxt->event, 0, sizeof(s->ctxt->event));
        return X86EMUL_UNHANDLEABLE;
    }
    *offered = reps = k;
    switch (st->exec) {
    case EX_MOVS: rc = ops->rep_movs(dla, sla, st->n, &reps, st->back, s->ctxt); break;
    case EX_STOS:
        rc = ops->rep_stos(dla, x86_reg_read(s, 0, st->n), st->n, &reps, st->back, s->ctxt);
        break;
    case EX_INS: rc = ops->rep_ins(st->port, dla, st->n, &reps, st->back, s->ctxt); break;
    default: rc = ops->rep_outs(st->port, sla, st->n, &reps, st->back, s->ctxt); break;
    }
    *done = reps < k ? reps : k;
    if (uses_src(st->exec))
        advance(s, st, 6, *done);
    if (uses_dst(st->exec))
        advance(s, st, 7, *done);
    return rc;
}

/* REPE/REPNE CMPS and SCAS end early on ZF. */
static bool rep_ends(const struct x86_state *s, const struct str *st)
{
    bool zf = s->regs.rflags & X86_FL_ZF;

    if (st->exec != EX_CMPS && st->exec != EX_SCAS)
        return false;
    return (s->insn->prefixes & X86_PFX_REP) ? !zf : zf;
}

/*
 * Up to max_reps iterations: through the fast path where it applies, one element at a
 * time where it does not (an element straddling a page, say) and then the fast path
 * again. A fast path that does fewer elements than asked ends this call.
 */
static int rep_loop(struct x86_state *s, const struct str *st)
{
    u64 count = s->regs.rcx & st->amask, max = s->ctxt->max_reps, done = 0, k, offered;
    int rc;

    if (!count)
        return X86EMUL_OKAY;
    if (!max)
        max = X86EMUL_DEFAULT_MAX_REPS;
    if (s->regs.rflags & X86_FL_TF)
        max = 1;
    max = min(max, count);

    while (done < max) {
        rc = fast_path(s, st, max - done, &offered, &k);
        if (rc != X86EMUL_UNHANDLEABLE || k) {
            done += k;
            count -= k;
            x86_reg_write(s, 1, st->ad, count);
            if (rc) {
                s->commit_partial = done != 0;
                return rc;
            }
            if (k < offered)
                break; /* the callback stopped early: so do we */
            continue;
        }
        if ((rc = one_element(s, st))) {
            s->commit_partial = done != 0;
            return rc;
        }
        done++;
        count--;
        x86_reg_write(s, 1, st->ad, count);
        if (rep_ends(s, st))
            return X86EMUL_OKAY;
    }
    s->rep_incomplete = count != 0;
    return X86EMUL_OKAY;
}

int x86_exec_string(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    struct str st;
    int rc;

    st.exec = insn->desc_exec;
    st.n = insn->op_bytes == 1 ? 1 : insn->op_bytes;
    st.ad = insn->addr_bytes;
    st.amask = x86_addr_mask(st.ad);
    st.back = s->regs.rflags & X86_FL_DF;
    st.src_seg = insn->seg != x86_seg_none ? (enum x86_segment)insn->seg : x86_seg_ds;
    st.port = s->regs.rdx & 0xffff;
    if (st.exec == EX_INS || st.exec == EX_OUTS) {
        if (st.n == 8)
            st.n = 4;
        if ((rc = x86_io_permitted(s, st.port, st.n)))
            return rc;
    }
    if (!(insn->prefixes & (X86_PFX_REP | X86_PFX_REPNE)))
        return one_element(s, &st);
    return rep_loop(s, &st);
}
