/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The neutral HVM core: choosing the backend, the register cache, event injection
 * and the vCPU run loop. Exit handling is in exit.c.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm.h>
#include <hv/hvm_irq.h>
#include <hv/vlapic.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/param.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <asm/processor.h>

struct hvm_ops hvm_funcs __ro_after_init;
bool hvm_enabled __ro_after_init;

/* A backend that is not built in yet. */
__weak const struct hvm_ops *vmx_probe(void)
{
    return NULL;
}

__weak const struct hvm_ops *svm_probe(void)
{
    return NULL;
}

int hvm_init(void)
{
    const struct hvm_ops *ops = svm_probe();

    if (!ops)
        ops = vmx_probe();
    if (!ops) {
        printk(LOG_WARN "hvm: no usable virtualization backend: guests cannot run\n");
        return -ENODEV;
    }
    hvm_funcs = *ops;
    hvm_enabled = true;
    printk("hvm: %s backend, %s second-stage paging\n", hvm_funcs.name,
           hvm_funcs.p2m_format->name);
    return hvm_cpu_up(smp_processor_id());
}

int hvm_cpu_up(unsigned int cpu)
{
    int rc;

    if (!hvm_enabled)
        return -ENODEV;
    rc = hvm_funcs.cpu_up(cpu);
    if (rc)
        printk(LOG_ERR "hvm: CPU %u cannot enable %s (%d)\n", cpu, hvm_funcs.name, rc);
    return rc;
}

/* ---- the register cache ---- */

u64 hvm_get_reg(struct vcpu *v, enum hvm_reg r)
{
    struct hvm_vcpu *h = &v->hvm;

    if (!(h->cache_valid & (1u << r))) {
        h->cache[r] = hvm_funcs.get_reg(v, r);
        h->cache_valid |= 1u << r;
    }
    return h->cache[r];
}

void hvm_set_reg(struct vcpu *v, enum hvm_reg r, u64 val)
{
    struct hvm_vcpu *h = &v->hvm;

    h->cache[r] = val;
    h->cache_valid |= 1u << r;
    h->cache_dirty |= 1u << r;
}

/* Before entry: write back what the core changed. */
static void sync_regs(struct vcpu *v)
{
    struct hvm_vcpu *h = &v->hvm;

    for (unsigned int r = 0; h->cache_dirty; r++) {
        if (h->cache_dirty & (1u << r)) {
            hvm_funcs.set_reg(v, r, h->cache[r]);
            h->cache_dirty &= ~(1u << r);
        }
    }
}

/* On SVM, RAX and RSP live in the VMCB; the other GPRs in gprs[] (saved by the
 * entry stub). RSP on VMX lives in the VMCS and RAX in gprs[]. Both backends keep
 * them current in the cache through get_reg/set_reg, and gprs[] holds the rest. */
u64 hvm_get_gpr(struct vcpu *v, unsigned int gpr)
{
    if (gpr == GPR_RAX)
        return hvm_get_reg(v, HVM_REG_RAX);
    if (gpr == GPR_RSP)
        return hvm_get_reg(v, HVM_REG_RSP);
    return v->hvm.gprs[gpr];
}

void hvm_set_gpr(struct vcpu *v, unsigned int gpr, u64 val)
{
    if (gpr == GPR_RAX)
        hvm_set_reg(v, HVM_REG_RAX, val);
    else if (gpr == GPR_RSP)
        hvm_set_reg(v, HVM_REG_RSP, val);
    else
        v->hvm.gprs[gpr] = val;
}

/*
 * A single-step trap after an instruction the hypervisor completed (SDM vol. 3B,
 * 18.3.1.4; AMD APM vol. 2, 13.1): #DB with DR6.BS set. B0-B3 are replaced (none
 * matched: 0), as on any #DB; BD, BS and BT are never cleared by the processor, only
 * by software (18.2.3).
 */
void hvm_inject_single_step(struct vcpu *v)
{
    u64 dr6 = hvm_get_reg(v, HVM_REG_DR6);

    hvm_set_reg(v, HVM_REG_DR6, (dr6 & ~X86_DR6_B0_B3) | X86_DR6_BS);
    hvm_inject_exception(v, X86_EXC_DB, false, 0);
}

/*
 * The hypervisor completed the guest's instruction (neither VMX nor SVM does any of
 * this for an instruction that exits): step over it, and do what completing it does.
 * An STI or MOV SS interrupt shadow that covered it ends (SDM vol. 3, 6.8.3); RF,
 * which the guest's #DB handler may have set to get past an instruction breakpoint
 * on it, is cleared (it suppresses breakpoints for one instruction: 18.3.1.1); with
 * TF set when it began, the single-step trap follows (18.3.1.4).
 */
void hvm_advance_rip(struct vcpu *v, unsigned int len)
{
    u64 rip = hvm_get_reg(v, HVM_REG_RIP) + len;
    u64 rflags = hvm_get_reg(v, HVM_REG_RFLAGS);
    unsigned int size = hvm_code_size(v);

    /* Outside 64-bit mode EIP wraps at 4 GiB (IP at 64 KiB in 16-bit code). */
    if (size == 32)
        rip = (u32)rip;
    else if (size == 16)
        rip = (u16)rip;
    hvm_set_reg(v, HVM_REG_RIP, rip);
    hvm_funcs.clear_intr_shadow(v);
    if (rflags & X86_EFLAGS_RF)
        hvm_set_reg(v, HVM_REG_RFLAGS, rflags & ~X86_EFLAGS_RF);
    if (rflags & X86_EFLAGS_TF)
        hvm_inject_single_step(v);
}

bool hvm_long_mode(struct vcpu *v)
{
    return hvm_get_reg(v, HVM_REG_EFER) & (1ULL << 10); /* EFER.LMA */
}

unsigned int hvm_code_size(struct vcpu *v)
{
    struct segment cs;

    if (!(hvm_get_reg(v, HVM_REG_CR0) & X86_CR0_PE) ||
        (hvm_get_reg(v, HVM_REG_RFLAGS) & X86_EFLAGS_VM))
        return 16;
    hvm_get_seg(v, SEG_CS, &cs);
    if (hvm_long_mode(v) && (cs.attr & SEG_ATTR_L))
        return 64;
    return (cs.attr & SEG_ATTR_DB) ? 32 : 16;
}

/* ---- events ---- */

static bool contributory(u8 vector)
{
    return vector == X86_EXC_DE || (vector >= X86_EXC_TS && vector <= X86_EXC_GP);
}

/*
 * Queue an exception for the next entry. A second exception while one is queued
 * combines as the CPU would (Intel SDM vol. 3, 6.15, table 6-5): contributory on
 * contributory, or a contributory or #PF on a #PF, gives #DF; anything on a #DF is a
 * triple fault, which ends the domain.
 */
void hvm_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
    struct hvm_vcpu *h = &v->hvm;

    if (h->exc_pending) {
        u8 first = h->pending_exc.vector;

        if (first == X86_EXC_DF) {
            domain_crash(v->domain, "triple fault: exception %u while delivering #DF",
                         vector);
            return;
        }
        if ((contributory(first) && contributory(vector)) ||
            (first == X86_EXC_PF && (contributory(vector) || vector == X86_EXC_PF))) {
            vector = X86_EXC_DF;
            has_error = true;
            error = 0;
        }
    }
    h->pending_exc.vector = vector;
    h->pending_exc.type = HVM_EVENT_HW_EXCEPTION;
    h->pending_exc.has_error = has_error;
    h->pending_exc.error = error;
    h->pending_exc.cr2 = 0;
    h->exc_pending = true;
}

void hvm_inject_page_fault(struct vcpu *v, u32 error, u64 cr2)
{
    hvm_inject_exception(v, X86_EXC_PF, true, error);
    if (v->hvm.pending_exc.vector == X86_EXC_PF)
        v->hvm.pending_exc.cr2 = cr2;
}

void hvm_assert_irq(struct vcpu *v, u8 vector)
{
    __atomic_fetch_or(&v->hvm.irq_pending[vector / 64], 1ULL << (vector % 64),
                      __ATOMIC_SEQ_CST);
    /* A CPU halted with interrupts disabled does not wake for one. */
    if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) != VCPU_BLOCKED ||
        v->hvm.halted_with_if)
        vcpu_wake(v);
}

static int highest_irq(struct vcpu *v)
{
    for (int w = HVM_IRQ_WORDS - 1; w >= 0; w--) {
        u64 bits = __atomic_load_n(&v->hvm.irq_pending[w], __ATOMIC_SEQ_CST);
        if (bits)
            return w * 64 + 63 - __builtin_clzll(bits);
    }
    return -1;
}

bool hvm_irq_pending(struct vcpu *v)
{
    return highest_irq(v) >= 0 || hvm_irq_wakeable(v) ||
           __atomic_load_n(&v->hvm.nmi_pending, __ATOMIC_SEQ_CST);
}

void hvm_inject_nmi(struct vcpu *v)
{
    __atomic_store_n(&v->hvm.nmi_pending, true, __ATOMIC_SEQ_CST);
    /* An NMI wakes a halted CPU whatever its IF (SDM vol. 3, 6.7). */
    if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_BLOCKED)
        vcpu_wake(v);
    else
        vcpu_kick(v);
}

static void open_window(struct vcpu *v)
{
    if (!v->hvm.intr_window) {
        hvm_funcs.set_intr_window(v, true);
        v->hvm.intr_window = true;
    }
}

static void close_window(struct vcpu *v)
{
    if (v->hvm.intr_window) {
        hvm_funcs.set_intr_window(v, false);
        v->hvm.intr_window = false;
    }
}

/* An NMI, when the previous one's handler has run its IRET. */
static bool inject_nmi_if_due(struct vcpu *v)
{
    struct hvm_vcpu *h = &v->hvm;
    struct hvm_event e = { .vector = 2, .type = HVM_EVENT_NMI };

    if (!__atomic_load_n(&h->nmi_pending, __ATOMIC_SEQ_CST))
        return false;
    if (h->nmi_blocked || hvm_get_reg(v, HVM_REG_RIP) == h->nmi_iret_rip) {
        open_window(v); /* an exit after the IRET has run, if interrupts allow */
        return false;
    }
    __atomic_store_n(&h->nmi_pending, false, __ATOMIC_SEQ_CST);
    h->nmi_blocked = true;
    h->nmi_iret_rip = ~0ULL;
    if (hvm_funcs.set_iret_intercept)
        hvm_funcs.set_iret_intercept(v, true);
    hvm_funcs.inject_event(v, &e);
    return true;
}

/*
 * Before each entry: deliver what is queued, in priority order (SDM vol. 3, 6.9):
 * an event being re-delivered from the last exit, then exceptions, then NMIs, then
 * external interrupts when the guest can take them: from the interrupt platform
 * (8259 ExtINT, local APIC), then vectors asserted directly (the test device);
 * otherwise ask for an interrupt window.
 */
static void intr_assist(struct vcpu *v)
{
    struct hvm_vcpu *h = &v->hvm;
    struct hvm_event e = { .type = HVM_EVENT_EXT_INTR };
    bool interruptible, blocked;
    int vec;

    if (hvm_funcs.event_pending(v)) {
        if (hvm_irq_pending(v))
            open_window(v);
        return;
    }
    if (h->exc_pending) {
        hvm_funcs.inject_event(v, &h->pending_exc);
        if (h->pending_exc.vector == X86_EXC_PF)
            hvm_set_reg(v, HVM_REG_CR2, h->pending_exc.cr2);
        h->exc_pending = false;
        return;
    }
    if (inject_nmi_if_due(v))
        return;
    interruptible = hvm_funcs.interruptible(v);
    vec = hvm_irq_take(v, interruptible, &blocked);
    if (vec < 0 && !blocked) {
        vec = highest_irq(v);
        if (vec >= 0 && interruptible)
            __atomic_fetch_and(&h->irq_pending[vec / 64], ~(1ULL << (vec % 64)),
                               __ATOMIC_SEQ_CST);
        else if (vec >= 0)
            blocked = true, vec = -1;
    }
    if (vec >= 0) {
        e.vector = vec;
        hvm_funcs.inject_event(v, &e);
        close_window(v);
    } else if (blocked) {
        open_window(v);
    } else if (!__atomic_load_n(&h->nmi_pending, __ATOMIC_SEQ_CST)) {
        close_window(v);
    }
}

#define ATTR_CODE32 0xc9b   /* G, D/B, P, S, type 11: execute/read, accessed */
#define ATTR_DATA32 0xc93   /* G, D/B, P, S, type 3: read/write, accessed */
#define ATTR_CODE16 0x09b
#define ATTR_DATA16 0x093
#define ATTR_TSS32  0x08b   /* P, type 11: 32-bit busy TSS */
#define ATTR_LDT    0x082   /* P, type 2: LDT */

/*
 * INIT and SIPI, on the vCPU's own pCPU (its VMCB/VMCS is its to change): INIT puts
 * it in the state INIT leaves a CPU in (the backend's vcpu_reset; the general
 * registers zero but EDX, which holds the processor's signature, CPUID.1:EAX: SDM
 * vol. 3A, table 10-1, 9-1 in older editions; AMD APM vol. 2, 14.1.3) and in the
 * wait-for-SIPI state (offline); a SIPI then starts it in real mode at
 * vector << 12, changing nothing but CS and IP (SDM vol. 3, 9.4.4 and 11.6.1).
 * Returns false when the vCPU is not to run.
 */
static bool handle_init_sipi(struct vcpu *v)
{
    struct hvm_vcpu *h = &v->hvm;

    if (__atomic_exchange_n(&h->init_pending, false, __ATOMIC_SEQ_CST)) {
        struct cpuid_regs sig;

        if (!hvm_funcs.vcpu_reset) {
            domain_crash(v->domain, "INIT for vCPU %u: the %s backend cannot reset a vCPU",
                         v->id, hvm_funcs.name);
            return false;
        }
        hvm_funcs.vcpu_reset(v);
        v->hvm.cache_valid = v->hvm.cache_dirty = 0;
        hvm_cpuid(v, 1, 0, &sig);
        for (unsigned int i = 0; i < NR_GPRS; i++)
            hvm_set_gpr(v, i, i == GPR_RDX ? sig.eax : 0);
        if (h->vlapic) {
            unsigned long flags = hvm_irq_lock(v->domain->irq);
            vlapic_reset(h->vlapic);
            hvm_irq_unlock(v->domain->irq, flags);
        }
        h->exc_pending = h->nmi_blocked = false;
        h->nmi_iret_rip = ~0ULL;
        __atomic_store_n(&h->wait_sipi, true, __ATOMIC_SEQ_CST);
        __atomic_store_n(&v->state, VCPU_OFFLINE, __ATOMIC_SEQ_CST);
    }
    if (__atomic_exchange_n(&h->sipi_pending, false, __ATOMIC_SEQ_CST) &&
        __atomic_exchange_n(&h->wait_sipi, false, __ATOMIC_SEQ_CST)) {
        u16 sel = (u16)h->sipi_vector << 8;
        struct segment cs = { sel, ATTR_CODE16, 0xffff, (u64)sel << 4 };

        hvm_set_seg(v, SEG_CS, &cs);
        hvm_set_reg(v, HVM_REG_RIP, 0);
        __atomic_store_n(&v->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
    }
    return __atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_RUNNABLE &&
           !__atomic_load_n(&h->wait_sipi, __ATOMIC_SEQ_CST);
}

/* ---- boot state ---- */

/*
 * Testing only: `break_entry=<domain name>` gives that domain's vCPU 0 a boot state
 * the CPU must refuse at its first entry, to show that a failed VM entry is reported and
 * crashes that one domain. The state: EFER with reserved bit 63 set, which VMX
 * checks on entry with "load IA32_EFER" (Intel SDM 26.3.1.1) and SVM's VMRUN checks
 * too (AMD APM vol. 2, 15.5.1: any MBZ bit of EFER set gives VMEXIT_INVALID).
 */
static char break_entry[DOMAIN_NAME_MAX];
param_string("break_entry", break_entry);

static void maybe_break_entry(struct vcpu *v)
{
    if (likely(!break_entry[0]) || v->id != 0 || strcmp(v->domain->name, break_entry))
        return;
    printk(LOG_WARN "d%u: break_entry: vCPU 0 enters with EFER bit 63 set, on purpose\n",
           v->domain->id);
    hvm_set_reg(v, HVM_REG_EFER, hvm_get_reg(v, HVM_REG_EFER) | (1ULL << 63));
}

void hvm_set_boot_state(struct vcpu *v, const struct hvm_boot_state *s)
{
    struct segment code, data, tr = { 0, ATTR_TSS32, 0x67, 0 };
    struct segment ldtr = { 0, ATTR_LDT, 0xffff, 0 }, table = { 0, 0, 0xffff, 0 };

    if (s->protected_mode) {
        /* The PVH and Multiboot entry state: flat 32-bit segments, paging off. */
        code = (struct segment){ 0x08, ATTR_CODE32, 0xffffffff, 0 };
        data = (struct segment){ 0x10, ATTR_DATA32, 0xffffffff, 0 };
        hvm_set_reg(v, HVM_REG_CR0, X86_CR0_PE | X86_CR0_ET);
    } else {
        code = (struct segment){ s->cs, ATTR_CODE16, 0xffff, (u64)s->cs << 4 };
        data = (struct segment){ 0, ATTR_DATA16, 0xffff, 0 };
        hvm_set_reg(v, HVM_REG_CR0, X86_CR0_ET);
    }
    hvm_set_seg(v, SEG_CS, &code);
    for (enum seg_reg r = SEG_ES; r <= SEG_GS; r++)
        if (r != SEG_CS)
            hvm_set_seg(v, r, &data);
    hvm_set_seg(v, SEG_TR, &tr);
    hvm_set_seg(v, SEG_LDTR, &ldtr);
    hvm_set_seg(v, SEG_GDTR, &table);
    hvm_set_seg(v, SEG_IDTR, &table);
    hvm_set_reg(v, HVM_REG_CR2, 0);
    hvm_set_reg(v, HVM_REG_CR3, 0);
    hvm_set_reg(v, HVM_REG_CR4, 0);
    hvm_set_reg(v, HVM_REG_EFER, 0);
    hvm_set_reg(v, HVM_REG_RFLAGS, X86_EFLAGS_FIXED);
    hvm_set_reg(v, HVM_REG_RIP, s->rip);
    for (unsigned int i = 0; i < NR_GPRS; i++)
        hvm_set_gpr(v, i, s->gprs[i]);
    maybe_break_entry(v);
}

/* ---- the guest's x87/SSE state ---- */

#define FXSAVE_SIZE 512

/* The state after FNINIT with SSE exceptions masked (SDM vol. 1, table 10-2). */
static void fpu_init_area(u8 *area)
{
    memset(area, 0, FXSAVE_SIZE);
    *(u16 *)(area + 0) = 0x037f;  /* FCW */
    *(u32 *)(area + 24) = 0x1f80; /* MXCSR */
}

int hvm_vcpu_fpu_alloc(struct vcpu *v)
{
    v->hvm.fpu = xmalloc(FXSAVE_SIZE); /* slab objects are aligned to their size */
    if (!v->hvm.fpu)
        return -ENOMEM;
    fpu_init_area(v->hvm.fpu);
    return 0;
}

void hvm_fpu_save(struct vcpu *v)
{
    __asm__ volatile("fxsave64 (%0)" ::"r"(v->hvm.fpu) : "memory");
}

void hvm_fpu_load(struct vcpu *v)
{
    __asm__ volatile("fxrstor64 (%0)" ::"r"(v->hvm.fpu) : "memory");
}

/* ---- the run loop ---- */

void hvm_vcpu_run(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    struct hvm_exit exit;

    hvm_fpu_load(v);
    for (;;) {
        local_irq_disable();
        if (v->domain->dying || __atomic_load_n(&v->domain->pause_count, __ATOMIC_SEQ_CST) ||
            !handle_init_sipi(v) || softirq_pending(cpu) || sched_should_yield(cpu)) {
            local_irq_enable();
            break;
        }
        intr_assist(v);
        sync_regs(v);
        hvm_funcs.run(v, &exit);
        v->hvm.cache_valid = 0;
        local_irq_enable();

        v->exits[exit.kind]++;
        v->exits_total++;
        if (hvm_handle_exit(v, &exit) == HVM_LEAVE)
            break;
    }
    hvm_fpu_save(v);
}
