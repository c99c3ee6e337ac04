/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The glue between a vCPU and the x86 instruction emulator library
 * (hv/x86_emulate.h): the callbacks that give the emulator the guest's memory, ports,
 * segments and XMM registers.
 *
 * Memory: the emulator hands us linear addresses; we translate them with the guest's
 * own page tables (x86_walk, reading and updating PTEs in guest RAM through the p2m),
 * then send each piece to guest RAM, to an emulated device's MMIO handler, or to
 * nothing (a hole: reads give all ones, writes are dropped, as on a PC bus). An access
 * that crosses a page is translated in full before any byte moves, so a fault on the
 * second page leaves the first untouched.
 *
 * XMM registers: the guest's x87/SSE state is live in the CPU while its vCPU runs
 * (hvm_vcpu_run loads it; the hypervisor itself is built without SSE), so the
 * callbacks read and write the hardware registers directly.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm.h>
#include <hv/hvm_emulate.h>
#include <hv/hvm_io.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/x86_emulate.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

struct emul {
    struct vcpu *v;
    struct x86_paging pg;
    struct x86_emulate_ctxt ctxt;
};

static struct emul *emul_of(struct x86_emulate_ctxt *ctxt)
{
    return ctxt->priv;
}

/* ---- the guest's page tables ---- */

static int read_pte(u64 gpa, unsigned int bytes, u64 *val, void *priv)
{
    struct emul *e = priv;

    *val = 0;
    /* Page tables outside RAM (in MMIO, in a hole) cannot be walked. */
    return copy_from_guest_phys(e->v->domain, val, _gpa(gpa), bytes) ? X86EMUL_UNHANDLEABLE
                                                                      : X86EMUL_OKAY;
}

static int cmpxchg_pte(u64 gpa, unsigned int bytes, u64 old, u64 new, void *priv)
{
    struct emul *e = priv;
    enum p2m_type t;
    mfn_t mfn = p2m_lookup(&e->v->domain->p2m, gpa_to_gfn(_gpa(gpa)), &t);
    void *p;
    bool ok;

    if (t != p2m_ram_rw || (gpa & (bytes - 1)))
        return X86EMUL_UNHANDLEABLE;
    p = (u8 *)__va((paddr_t)mfn << PAGE_SHIFT) + (gpa & (PAGE_SIZE - 1));
    if (bytes == 8) {
        ok = __atomic_compare_exchange_n((u64 *)p, &old, new, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    } else {
        u32 o = old;
        ok = __atomic_compare_exchange_n((u32 *)p, &o, (u32)new, false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    }
    return ok ? X86EMUL_OKAY : X86EMUL_RETRY;
}

static const struct x86_walk_ops walk_ops = { read_pte, cmpxchg_pte };

static int translate(struct emul *e, u64 linear, unsigned int access, u64 *gpa)
{
    struct x86_walk_result r;
    int rc;

    if (e->ctxt.cpl == 3 && !(access & X86_WALK_IMPLICIT))
        access |= X86_WALK_USER;
    e->pg.rflags = e->ctxt.regs.rflags;
    rc = x86_walk(&e->pg, &walk_ops, e, linear, access, &r, &e->ctxt.event);
    *gpa = r.gpa;
    return rc;
}

/* ---- guest-physical accesses ---- */

static void warn_hole(struct emul *e, u64 gpa, bool write)
{
    static unsigned int warnings;

    if (warnings++ < 8)
        printk(LOG_DEBUG "d%uv%u: %s at %#llx, where nothing is: %s\n", e->v->domain->id,
               e->v->id, write ? "write" : "read", gpa,
               write ? "dropped" : "all ones");
}

/* One piece within one page: RAM, a device, or nothing. */
static void phys_access(struct emul *e, u64 gpa, u8 *buf, unsigned int n, bool write)
{
    struct vcpu *v = e->v;
    enum p2m_type t;
    mfn_t mfn = p2m_lookup(&v->domain->p2m, gpa_to_gfn(_gpa(gpa)), &t);

    if (t == p2m_ram_rw || t == p2m_ram_ro) {
        u8 *p = (u8 *)__va((paddr_t)mfn << PAGE_SHIFT) + (gpa & (PAGE_SIZE - 1));
        if (!write)
            memcpy(buf, p, n);
        else if (t == p2m_ram_rw)
            memcpy(p, buf, n);
        return;
    }
    while (n) {
        unsigned int chunk = min(n, 8u);
        u64 val = 0;

        if (write)
            memcpy(&val, buf, chunk);
        if (!hvm_mmio_access(v, gpa, chunk, write, &val)) {
            warn_hole(e, gpa, write);
            val = ~0ULL;
        }
        if (!write)
            memcpy(buf, &val, chunk);
        gpa += chunk, buf += chunk, n -= chunk;
    }
}

/* A linear access of up to 16 bytes, perhaps across a page boundary. */
static int linear_access(struct emul *e, u64 linear, void *buf, unsigned int bytes,
                         unsigned int access)
{
    unsigned int first = min(bytes, (unsigned int)(PAGE_SIZE - (linear & (PAGE_SIZE - 1))));
    u64 gpa[2] = { 0, 0 };
    int rc = translate(e, linear, access, &gpa[0]);

    if (rc == X86EMUL_OKAY && first < bytes)
        rc = translate(e, linear + first, access, &gpa[1]);
    if (rc != X86EMUL_OKAY)
        return rc;
    phys_access(e, gpa[0], buf, first, access & X86_WALK_WRITE);
    if (first < bytes)
        phys_access(e, gpa[1], (u8 *)buf + first, bytes - first, access & X86_WALK_WRITE);
    return X86EMUL_OKAY;
}

/* ---- the emulator's callbacks ---- */

static int op_insn_fetch(u64 linear, void *buf, unsigned int bytes,
                         struct x86_emulate_ctxt *ctxt)
{
    struct emul *e = emul_of(ctxt);
    enum p2m_type t;
    u64 gpa;
    int rc = translate(e, linear, X86_WALK_FETCH, &gpa);

    if (rc != X86EMUL_OKAY)
        return rc;
    p2m_lookup(&e->v->domain->p2m, gpa_to_gfn(_gpa(gpa)), &t);
    if (t != p2m_ram_rw && t != p2m_ram_ro) {
        ctxt->reason = "instruction fetch from outside RAM";
        return X86EMUL_UNHANDLEABLE;
    }
    phys_access(e, gpa, buf, bytes, false);
    return X86EMUL_OKAY;
}

static int op_read(u64 linear, void *buf, unsigned int bytes, unsigned int flags,
                   struct x86_emulate_ctxt *ctxt)
{
    return linear_access(emul_of(ctxt), linear, buf, bytes,
                         (flags & X86EMUL_ACC_IMPLICIT) ? X86_WALK_IMPLICIT : 0);
}

static int op_write(u64 linear, const void *buf, unsigned int bytes, unsigned int flags,
                    struct x86_emulate_ctxt *ctxt)
{
    return linear_access(emul_of(ctxt), linear, (void *)buf, bytes,
                         X86_WALK_WRITE | ((flags & X86EMUL_ACC_IMPLICIT) ? X86_WALK_IMPLICIT : 0));
}

/* CMPXCHG16B on RAM (the emulator checked the 16-byte alignment). */
static void cmpxchg16(void *p, void *old, const void *new)
{
    u64 *o = old;
    const u64 *n = new;

    __asm__ volatile("lock cmpxchg16b (%[p])"
                     : "+a"(o[0]), "+d"(o[1])
                     : [p] "r"(p), "b"(n[0]), "c"(n[1])
                     : "memory", "cc");
}

/*
 * Compare-exchange: atomic for RAM (another vCPU may be at the same word); for a
 * device, a read and a conditional write (an emulated device sees one vCPU's
 * accesses one at a time anyway).
 */
static int op_cmpxchg(u64 linear, void *old, const void *new, unsigned int bytes,
                      struct x86_emulate_ctxt *ctxt)
{
    struct emul *e = emul_of(ctxt);
    u8 cur[16];
    u64 gpa;
    int rc;

    if (((linear & (PAGE_SIZE - 1)) + bytes) > PAGE_SIZE)
        return X86EMUL_UNHANDLEABLE; /* a split lock: not emulated */
    rc = translate(e, linear, X86_WALK_WRITE, &gpa);
    if (rc != X86EMUL_OKAY)
        return rc;
    if (bytes == 16 || bytes == 8 || bytes == 4 || bytes == 2 || bytes == 1) {
        enum p2m_type t;
        mfn_t mfn = p2m_lookup(&e->v->domain->p2m, gpa_to_gfn(_gpa(gpa)), &t);
        if (t == p2m_ram_rw) {
            u8 *p = (u8 *)__va((paddr_t)mfn << PAGE_SHIFT) + (gpa & (PAGE_SIZE - 1));
            switch (bytes) {
            case 1: __atomic_compare_exchange_n(p, (u8 *)old, *(const u8 *)new, false,
                                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); break;
            case 2: __atomic_compare_exchange_n((u16 *)p, (u16 *)old, *(const u16 *)new,
                                                false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); break;
            case 4: __atomic_compare_exchange_n((u32 *)p, (u32 *)old, *(const u32 *)new,
                                                false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); break;
            case 8: __atomic_compare_exchange_n((u64 *)p, (u64 *)old, *(const u64 *)new,
                                                false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); break;
            default: cmpxchg16(p, old, new); break;
            }
            return X86EMUL_OKAY;
        }
    }
    phys_access(e, gpa, cur, bytes, false);
    if (!memcmp(cur, old, bytes))
        phys_access(e, gpa, (void *)new, bytes, true);
    memcpy(old, cur, bytes);
    return X86EMUL_OKAY;
}

static int op_read_io(unsigned int port, unsigned int bytes, u32 *val,
                      struct x86_emulate_ctxt *ctxt)
{
    *val = 0;
    hvm_port_io(emul_of(ctxt)->v, port, bytes, false, val);
    return X86EMUL_OKAY;
}

static int op_write_io(unsigned int port, unsigned int bytes, u32 val,
                       struct x86_emulate_ctxt *ctxt)
{
    hvm_port_io(emul_of(ctxt)->v, port, bytes, true, &val);
    return X86EMUL_OKAY;
}

static int op_read_segment(enum x86_segment seg, struct x86_seg *reg,
                           struct x86_emulate_ctxt *ctxt)
{
    struct segment s;

    if (seg >= x86_seg_none)
        return X86EMUL_UNHANDLEABLE;
    hvm_get_seg(emul_of(ctxt)->v, (enum seg_reg)seg, &s);
    *reg = (struct x86_seg){ s.sel, s.attr, s.limit, s.base };
    return X86EMUL_OKAY;
}

#define XMM_CASE(n, insn, op)                                                            \
    case n:                                                                              \
        __asm__ volatile(insn ::"r"(op) : "memory");                                     \
        break

static int op_read_xmm(unsigned int reg, void *buf, struct x86_emulate_ctxt *ctxt)
{
    switch (reg) {
    XMM_CASE(0, "movdqu %%xmm0, (%0)", buf);   XMM_CASE(1, "movdqu %%xmm1, (%0)", buf);
    XMM_CASE(2, "movdqu %%xmm2, (%0)", buf);   XMM_CASE(3, "movdqu %%xmm3, (%0)", buf);
    XMM_CASE(4, "movdqu %%xmm4, (%0)", buf);   XMM_CASE(5, "movdqu %%xmm5, (%0)", buf);
    XMM_CASE(6, "movdqu %%xmm6, (%0)", buf);   XMM_CASE(7, "movdqu %%xmm7, (%0)", buf);
    XMM_CASE(8, "movdqu %%xmm8, (%0)", buf);   XMM_CASE(9, "movdqu %%xmm9, (%0)", buf);
    XMM_CASE(10, "movdqu %%xmm10, (%0)", buf); XMM_CASE(11, "movdqu %%xmm11, (%0)", buf);
    XMM_CASE(12, "movdqu %%xmm12, (%0)", buf); XMM_CASE(13, "movdqu %%xmm13, (%0)", buf);
    XMM_CASE(14, "movdqu %%xmm14, (%0)", buf); XMM_CASE(15, "movdqu %%xmm15, (%0)", buf);
    default: return X86EMUL_UNHANDLEABLE;
    }
    return X86EMUL_OKAY;
}

static int op_write_xmm(unsigned int reg, const void *buf, struct x86_emulate_ctxt *ctxt)
{
    switch (reg) {
    XMM_CASE(0, "movdqu (%0), %%xmm0", buf);   XMM_CASE(1, "movdqu (%0), %%xmm1", buf);
    XMM_CASE(2, "movdqu (%0), %%xmm2", buf);   XMM_CASE(3, "movdqu (%0), %%xmm3", buf);
    XMM_CASE(4, "movdqu (%0), %%xmm4", buf);   XMM_CASE(5, "movdqu (%0), %%xmm5", buf);
    XMM_CASE(6, "movdqu (%0), %%xmm6", buf);   XMM_CASE(7, "movdqu (%0), %%xmm7", buf);
    XMM_CASE(8, "movdqu (%0), %%xmm8", buf);   XMM_CASE(9, "movdqu (%0), %%xmm9", buf);
    XMM_CASE(10, "movdqu (%0), %%xmm10", buf); XMM_CASE(11, "movdqu (%0), %%xmm11", buf);
    XMM_CASE(12, "movdqu (%0), %%xmm12", buf); XMM_CASE(13, "movdqu (%0), %%xmm13", buf);
    XMM_CASE(14, "movdqu (%0), %%xmm14", buf); XMM_CASE(15, "movdqu (%0), %%xmm15", buf);
    default: return X86EMUL_UNHANDLEABLE;
    }
    return X86EMUL_OKAY;
}

static const struct x86_emulate_ops emul_ops = {
    .insn_fetch = op_insn_fetch,
    .read = op_read,
    .write = op_write,
    .cmpxchg = op_cmpxchg,
    .read_io = op_read_io,
    .write_io = op_write_io,
    .read_segment = op_read_segment,
    .read_xmm = op_read_xmm,
    .write_xmm = op_write_xmm,
};

/* ---- running the emulator ---- */

static void emul_init(struct emul *e, struct vcpu *v)
{
    struct cpuid_regs r;

    memset(e, 0, sizeof(*e));
    e->v = v;
    for (unsigned int i = 0; i < NR_GPRS; i++)
        e->ctxt.regs.gpr[i] = hvm_get_gpr(v, i);
    e->ctxt.regs.rip = hvm_get_reg(v, HVM_REG_RIP);
    e->ctxt.regs.rflags = hvm_get_reg(v, HVM_REG_RFLAGS);
    e->ctxt.cr0 = hvm_get_reg(v, HVM_REG_CR0);
    e->ctxt.cr4 = hvm_get_reg(v, HVM_REG_CR4);
    e->ctxt.efer = hvm_get_reg(v, HVM_REG_EFER);
    e->ctxt.cpl = hvm_funcs.get_cpl(v);
    e->ctxt.vendor = boot_cpu.vendor == VENDOR_INTEL ? X86_VENDOR_INTEL : X86_VENDOR_AMD;
    e->ctxt.priv = e;
    cpuid(0x80000008, &r);
    e->pg = (struct x86_paging){
        .cr0 = e->ctxt.cr0, .cr3 = hvm_get_reg(v, HVM_REG_CR3), .cr4 = e->ctxt.cr4,
        .efer = e->ctxt.efer, .rflags = e->ctxt.regs.rflags,
        .maxphyaddr = r.eax & 0xff, .gbpages = boot_cpu.pdpe1gb,
    };
}

/* Write back what the instruction changed. */
static void emul_commit(struct emul *e)
{
    struct vcpu *v = e->v;

    for (unsigned int i = 0; i < NR_GPRS; i++)
        if (e->ctxt.regs.gpr[i] != hvm_get_gpr(v, i))
            hvm_set_gpr(v, i, e->ctxt.regs.gpr[i]);
    if (e->ctxt.regs.rip != hvm_get_reg(v, HVM_REG_RIP))
        hvm_funcs.clear_intr_shadow(v); /* the instruction completed */
    hvm_set_reg(v, HVM_REG_RIP, e->ctxt.regs.rip);
    hvm_set_reg(v, HVM_REG_RFLAGS, e->ctxt.regs.rflags);
    if (e->ctxt.retire & X86EMUL_RETIRE_SINGLESTEP)
        hvm_inject_single_step(v);
}

static void report_unhandled(struct emul *e, const char *why)
{
    static unsigned int reports;
    char bytes[15 * 3 + 1] = "";
    size_t n = 0;

    if (reports++ >= 16)
        return; /* rate limit: a guest can loop on this */
    for (unsigned int i = 0; i < e->ctxt.insn_buf_len; i++)
        n += snprintf(bytes + n, sizeof(bytes) - n, " %02x", e->ctxt.insn_buf[i]);
    printk(LOG_WARN "d%uv%u: cannot emulate the instruction at rip %#llx (%s, mode %u,"
                    " bytes%s): %s; #UD\n", e->v->domain->id, e->v->id, e->ctxt.regs.rip,
           why, x86_mode_bits(e->ctxt.mode), n ? bytes : " none",
           e->ctxt.reason ? e->ctxt.reason : "unknown");
}

enum hvm_resume hvm_emulate_one(struct vcpu *v, const char *why)
{
    struct emul e;
    int rc;

    emul_init(&e, v);
    rc = x86_emulate(&e.ctxt, &emul_ops);
    switch (rc) {
    case X86EMUL_OKAY:
        emul_commit(&e);
        if (e.ctxt.retire & X86EMUL_RETIRE_HLT) {
            v->hvm.halted_with_if = e.ctxt.regs.rflags & X86_FL_IF;
            vcpu_block(v);
            return HVM_LEAVE;
        }
        break;
    case X86EMUL_EXCEPTION:
        emul_commit(&e); /* completed REP iterations */
        hvm_inject_exception(v, e.ctxt.event.vector, e.ctxt.event.has_error_code,
                             e.ctxt.event.error_code);
        if (e.ctxt.event.vector == X86_EXC_PF)
            v->hvm.pending_exc.cr2 = e.ctxt.event.cr2;
        break;
    case X86EMUL_RETRY:
        /* Contention on a page-table entry or a LOCKed operand: keep the completed
         * REP iterations and let the guest run the instruction again. */
        emul_commit(&e);
        break;
    default:
        report_unhandled(&e, why);
        hvm_inject_ud(v);
        break;
    }
    return v->domain->dying ? HVM_LEAVE : HVM_RESUME;
}

enum hvm_resume hvm_emulate_mmio(struct vcpu *v, struct hvm_exit *x)
{
    u64 gpa = gpa_x(x->u.npf.gpa);

    /* The guest's own page tables lie outside RAM: no CPU could walk them. */
    if (x->u.npf.walk) {
        domain_crash(v->domain, "vCPU %u walked page tables at %#llx, outside RAM", v->id,
                     gpa);
        return HVM_LEAVE;
    }
    if (x->u.npf.fetch) {
        domain_crash(v->domain, "vCPU %u executes from %#llx, outside RAM (rip %#llx)",
                     v->id, gpa, hvm_get_reg(v, HVM_REG_RIP));
        return HVM_LEAVE;
    }
    /* The access was the CPU's own, delivering an event (the IDT, a gate's stack or
     * TSS outside RAM): the backend has it pending again for the next entry (VMX's
     * IDT-vectoring information, SVM's EXITINTINFO). The instruction at RIP made no
     * access there, and emulating it would be wrong; no CPU could deliver the event. */
    if (hvm_funcs.event_pending(v)) {
        domain_crash(v->domain, "vCPU %u: event delivery through MMIO at %#llx (rip "
                     "%#llx)", v->id, gpa, hvm_get_reg(v, HVM_REG_RIP));
        return HVM_LEAVE;
    }
    return hvm_emulate_one(v, hvm_mmio_claimed(v->domain, gpa) ? "MMIO" : "a hole");
}

int hvm_insn_length(struct vcpu *v)
{
    struct emul e;
    struct segment cs;
    u8 bytes[15];
    unsigned int got = 0;

    emul_init(&e, v);
    hvm_get_seg(v, SEG_CS, &cs);
    /* Fetch up to 15 bytes, stopping at the first page that cannot be fetched. */
    while (got < sizeof(bytes)) {
        /* In 64-bit mode CS's base is ignored (SDM vol. 3, 3.4.4). */
        u64 lin = (hvm_code_size(v) == 64 ? 0 : cs.base) + e.ctxt.regs.rip + got;
        unsigned int n = min((unsigned int)sizeof(bytes) - got,
                             (unsigned int)(PAGE_SIZE - (lin & (PAGE_SIZE - 1))));
        if (hvm_code_size(v) != 64)
            lin = (u32)lin;
        if (op_insn_fetch(lin, bytes + got, n, &e.ctxt) != X86EMUL_OKAY)
            break;
        got += n;
    }
    return x86_insn_length(bytes, got, hvm_code_size(v), e.ctxt.vendor);
}
