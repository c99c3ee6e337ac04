/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The AMD SVM backend: probe, per-CPU enable, vCPU state access, events and the
 * run call. The core sees only the const ops table svm_probe() returns.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <asm/cpufeature.h>
#include <asm/mm.h>
#include <asm/msr.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include "svm.h"

u32 svm_features __ro_after_init;

/* Per pCPU: the host save area (VM_HSAVE_PA) and the VMCB that VMSAVE/VMLOAD use for
 * the host's FS/GS/TR... around each VMRUN; the vCPU whose DR0-DR3 are in the CPU. */
static DEFINE_PER_CPU(paddr_t, host_vmcb_pa);
static DEFINE_PER_CPU(struct svm_vcpu *, dr_owner);

static int svm_cpu_up(unsigned int cpu)
{
    struct page_info *hsave = alloc_pages(0), *host = alloc_pages(0);

    if (!hsave || !host)
        return -ENOMEM;
    memset(page_to_virt(hsave), 0, PAGE_SIZE);
    memset(page_to_virt(host), 0, PAGE_SIZE);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, (paddr_t)page_to_mfn(hsave) << PAGE_SHIFT);
    this_cpu(host_vmcb_pa) = (paddr_t)page_to_mfn(host) << PAGE_SHIFT;
    svm_asid_cpu_init(cpu);
    return 0;
}

static int svm_domain_init(struct domain *d)
{
    d->backend = d; /* nothing per domain yet but the p2m, which the core owns */
    return 0;
}

static void svm_domain_destroy(struct domain *d)
{
    d->backend = NULL;
}

static int svm_vcpu_init(struct vcpu *v)
{
    struct svm_vcpu *sv = xnew(struct svm_vcpu);
    struct page_info *pg = alloc_pages(0);

    if (!sv || !pg) {
        xfree(sv);
        if (pg)
            free_pages(pg, 0);
        return -ENOMEM;
    }
    sv->vmcb = page_to_virt(pg);
    sv->vmcb_pa = (paddr_t)page_to_mfn(pg) << PAGE_SHIFT;
    svm_vmcb_init(v, sv->vmcb);
    v->backend = sv;
    return 0;
}

/* On the vCPU's pCPU: its DR0-DR3 there are nobody's now (see debug_regs_load). */
static void drop_dr_owner(void *data)
{
    if (this_cpu(dr_owner) == data)
        this_cpu(dr_owner) = NULL;
}

/* Called when the vCPU has left its pCPU for good (hv/domain.h). */
static void svm_vcpu_destroy(struct vcpu *v)
{
    struct svm_vcpu *sv = to_svm(v);

    if (v->processor == smp_processor_id()) {
        unsigned long flags = local_irq_save();
        drop_dr_owner(sv);
        local_irq_restore(flags);
    } else {
        cpumask_t mask = { { 0 } };
        cpumask_set(v->processor, &mask);
        on_selected_cpus(&mask, drop_dr_owner, sv);
    }
    free_pages(virt_to_page(sv->vmcb), 0);
    xfree(sv);
    v->backend = NULL;
}

/* ---- registers ---- */

static u64 svm_get_reg(struct vcpu *v, enum hvm_reg r)
{
    const struct vmcb *vmcb = to_svm(v)->vmcb;

    switch (r) {
    case HVM_REG_RAX: return vmcb->rax;
    case HVM_REG_RSP: return vmcb->rsp;
    case HVM_REG_RIP: return vmcb->rip;
    case HVM_REG_RFLAGS: return vmcb->rflags;
    case HVM_REG_CR0: return vmcb->cr0;
    case HVM_REG_CR2: return vmcb->cr2;
    case HVM_REG_CR3: return vmcb->cr3;
    case HVM_REG_CR4: return vmcb->cr4;
    case HVM_REG_EFER: return vmcb->efer & ~EFER_SVME; /* the guest never sees SVME */
    case HVM_REG_PAT: return vmcb->g_pat;
    case HVM_REG_TSC_OFFSET: return vmcb->tsc_offset;
    case HVM_REG_DR6: return vmcb->dr6;
    default: return 0;
    }
}

static void svm_set_reg(struct vcpu *v, enum hvm_reg r, u64 val)
{
    struct vmcb *vmcb = to_svm(v)->vmcb;

    switch (r) {
    case HVM_REG_RAX: vmcb->rax = val; break;
    case HVM_REG_RSP: vmcb->rsp = val; break;
    case HVM_REG_RIP: vmcb->rip = val; break;
    case HVM_REG_RFLAGS: vmcb->rflags = val; break;
    case HVM_REG_CR0: vmcb->cr0 = val; break;
    case HVM_REG_CR2: vmcb->cr2 = val; break;
    case HVM_REG_CR3: vmcb->cr3 = val; break;
    case HVM_REG_CR4: vmcb->cr4 = val; break;
    case HVM_REG_EFER: vmcb->efer = val | EFER_SVME; break;
    case HVM_REG_PAT: vmcb->g_pat = val; break;
    case HVM_REG_TSC_OFFSET: vmcb->tsc_offset = val; break;
    case HVM_REG_DR6: vmcb->dr6 = val; break;
    default: break;
    }
}

static struct vmcb_seg *vmcb_seg(struct vmcb *vmcb, enum seg_reg s)
{
    switch (s) {
    case SEG_ES: return &vmcb->es;
    case SEG_CS: return &vmcb->cs;
    case SEG_SS: return &vmcb->ss;
    case SEG_DS: return &vmcb->ds;
    case SEG_FS: return &vmcb->fs;
    case SEG_GS: return &vmcb->gs;
    case SEG_TR: return &vmcb->tr;
    case SEG_LDTR: return &vmcb->ldtr;
    case SEG_GDTR: return &vmcb->gdtr;
    default: return &vmcb->idtr;
    }
}

static void svm_get_seg(struct vcpu *v, enum seg_reg s, struct segment *out)
{
    const struct vmcb_seg *vs = vmcb_seg(to_svm(v)->vmcb, s);

    *out = (struct segment){ vs->sel, vs->attr, vs->limit, vs->base };
}

static void svm_set_seg(struct vcpu *v, enum seg_reg s, const struct segment *in)
{
    struct vmcb *vmcb = to_svm(v)->vmcb;

    *vmcb_seg(vmcb, s) = (struct vmcb_seg){ in->sel, in->attr, in->limit, in->base };
    /* The CPL is the VMCB's own field; it follows SS.DPL (APM 15.5.1). */
    if (s == SEG_SS)
        vmcb->cpl = SEG_ATTR_DPL(in->attr);
}

static unsigned int svm_get_cpl(struct vcpu *v)
{
    return to_svm(v)->vmcb->cpl;
}

/* ---- events (APM 15.20, 15.21) ---- */

static bool svm_interruptible(struct vcpu *v)
{
    const struct vmcb *vmcb = to_svm(v)->vmcb;

    return (vmcb->rflags & X86_EFLAGS_IF) && !(vmcb->interrupt_shadow & 1) &&
           !(vmcb->eventinj & EVENTINJ_VALID);
}

static bool svm_event_pending(struct vcpu *v)
{
    return to_svm(v)->vmcb->eventinj & EVENTINJ_VALID;
}

static void svm_inject_event(struct vcpu *v, const struct hvm_event *e)
{
    static const u8 types[] = {
        [HVM_EVENT_EXT_INTR] = EVENTINJ_TYPE_INTR,
        [HVM_EVENT_NMI] = EVENTINJ_TYPE_NMI,
        [HVM_EVENT_HW_EXCEPTION] = EVENTINJ_TYPE_EXCEPTION,
        [HVM_EVENT_SW_INTR] = EVENTINJ_TYPE_SOFT_INT,
    };
    u64 ev = e->vector | ((u64)types[e->type] << EVENTINJ_TYPE_SHIFT) | EVENTINJ_VALID;

    if (e->has_error)
        ev |= EVENTINJ_ERROR_VALID | ((u64)e->error << EVENTINJ_ERROR_SHIFT);
    to_svm(v)->vmcb->eventinj = ev;
}

/* A virtual interrupt the guest can never take itself: its only purpose is the
 * VINTR intercept when the guest becomes interruptible (APM 15.21.4). */
static void svm_set_intr_window(struct vcpu *v, bool on)
{
    struct vmcb *vmcb = to_svm(v)->vmcb;

    if (on) {
        vmcb->vintr |= VINTR_V_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT);
        vmcb->intercept1 |= INTERCEPT1_VINTR;
    } else {
        vmcb->vintr &= ~(VINTR_V_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT));
        vmcb->intercept1 &= ~INTERCEPT1_VINTR;
    }
}

static void svm_set_iret_intercept(struct vcpu *v, bool on)
{
    struct vmcb *vmcb = to_svm(v)->vmcb;

    if (on)
        vmcb->intercept1 |= INTERCEPT1_IRET;
    else
        vmcb->intercept1 &= ~INTERCEPT1_IRET;
}

/*
 * INIT (on the vCPU's own pCPU): the VMCB back to the state after INIT, and a fresh
 * ASID (the old translations belong to a CPU that no longer exists). INIT is RESET
 * but for what it leaves alone (Intel SDM vol. 3A, 10.1 "Initialization Overview" and
 * table 10-1, 9-1 in older editions; AMD APM vol. 2, 14.1.3): the MSRs, the PAT among
 * them (SDM vol. 3A, "Programming the PAT": unchanged by INIT), so the VMCB's copies of
 * those VMSAVE/VMLOAD switch are kept, and CR0.CD and NW; the TSC, whose offset is
 * the core's (HVM_REG_TSC_OFFSET); and the core's interrupt window (VINTR), which it
 * would otherwise believe open. EFER is cleared (real mode). DR0-DR3 become 0.
 */
static void svm_vcpu_reset(struct vcpu *v)
{
    struct svm_vcpu *sv = to_svm(v);
    struct vmcb *vmcb = sv->vmcb;
    const u64 window = VINTR_V_IRQ | VINTR_IGN_TPR | (0xfULL << VINTR_PRIO_SHIFT);
    const u64 msrs[] = { vmcb->star, vmcb->lstar, vmcb->cstar, vmcb->sfmask,
                         vmcb->kernel_gs_base, vmcb->sysenter_cs, vmcb->sysenter_esp,
                         vmcb->sysenter_eip, vmcb->g_pat };
    u64 cr0 = vmcb->cr0, tsc_offset = vmcb->tsc_offset, vintr = vmcb->vintr;
    u32 intercept1 = vmcb->intercept1;

    svm_vmcb_init(v, vmcb);
    vmcb->cr0 = X86_CR0_ET | (cr0 & (X86_CR0_CD | X86_CR0_NW));
    vmcb->star = msrs[0];
    vmcb->lstar = msrs[1];
    vmcb->cstar = msrs[2];
    vmcb->sfmask = msrs[3];
    vmcb->kernel_gs_base = msrs[4];
    vmcb->sysenter_cs = msrs[5];
    vmcb->sysenter_esp = msrs[6];
    vmcb->sysenter_eip = msrs[7];
    vmcb->g_pat = msrs[8];
    vmcb->tsc_offset = tsc_offset;
    vmcb->vintr |= vintr & window;
    vmcb->intercept1 |= intercept1 & INTERCEPT1_VINTR;
    memset(sv->dr, 0, sizeof(sv->dr));
    if (this_cpu(dr_owner) == sv)
        this_cpu(dr_owner) = NULL; /* debug_regs_load() puts the zeroes in */
    __atomic_store_n(&sv->asid_flush, true, __ATOMIC_SEQ_CST);
}

static void svm_clear_intr_shadow(struct vcpu *v)
{
    to_svm(v)->vmcb->interrupt_shadow &= ~1ULL;
}

static void svm_flush_guest_tlbs(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        __atomic_store_n(&to_svm(d->vcpus[i])->asid_flush, true, __ATOMIC_SEQ_CST);
        vcpu_kick(d->vcpus[i]);
    }
}

/* ---- running ---- */

/*
 * DR0-DR3: VMRUN and #VMEXIT switch DR6 and DR7 with the VMCB, not the address
 * registers (APM vol. 2, 15.5.1 and 15.6), and the guest reads and writes them without
 * exits. The host never uses them, so the CPU keeps the last vCPU's values, saved and
 * replaced only when another vCPU runs on this pCPU (as VMX's lazy MSRs and DRs).
 */
static void debug_regs_load(struct svm_vcpu *sv)
{
    struct svm_vcpu *owner = this_cpu(dr_owner);

    if (owner == sv)
        return;
    if (owner)
        save_dr0_3(owner->dr);
    load_dr0_3(sv->dr);
    this_cpu(dr_owner) = sv;
}

static void svm_run(struct vcpu *v, struct hvm_exit *e)
{
    struct svm_vcpu *sv = to_svm(v);
    struct vmcb *vmcb = sv->vmcb;

    svm_asid_assign(sv, vmcb);
    debug_regs_load(sv);
    svm_vmrun(sv->vmcb_pa, v->hvm.gprs, this_cpu(host_vmcb_pa));
    memset(e, 0, sizeof(*e));
    svm_decode_exit(v, e);

    /* An event whose delivery the exit interrupted is delivered again at the next
     * entry, unless the core injects something that supersedes it (APM 15.7.2). */
    vmcb->eventinj = 0;
    if (vmcb->exitintinfo & EVENTINJ_VALID)
        vmcb->eventinj = vmcb->exitintinfo;
}

static struct hvm_ops svm_ops = {
    .name = "SVM",
    .p2m_format = &svm_npt_format,
    .cpu_up = svm_cpu_up,
    .domain_init = svm_domain_init,
    .domain_destroy = svm_domain_destroy,
    .vcpu_init = svm_vcpu_init,
    .vcpu_destroy = svm_vcpu_destroy,
    .run = svm_run,
    .get_reg = svm_get_reg,
    .set_reg = svm_set_reg,
    .get_seg = svm_get_seg,
    .set_seg = svm_set_seg,
    .get_cpl = svm_get_cpl,
    .interruptible = svm_interruptible,
    .event_pending = svm_event_pending,
    .inject_event = svm_inject_event,
    .set_intr_window = svm_set_intr_window,
    .clear_intr_shadow = svm_clear_intr_shadow,
    .set_iret_intercept = svm_set_iret_intercept,
    .vcpu_reset = svm_vcpu_reset,
    .flush_guest_tlbs = svm_flush_guest_tlbs,
    .dump_vcpu = svm_vmcb_dump,
};

static struct p2m_format npt_format;

const struct hvm_ops *svm_probe(void)
{
    struct cpuid_regs r;

    if (!boot_cpu.svm)
        return NULL;
    cpuid(0x8000000a, &r);
    svm_features = r.edx;
    if (!(svm_features & SVM_FEATURE_NPT)) {
        printk(LOG_WARN "svm: the CPU has no nested paging; SVM not used\n");
        return NULL;
    }
    if (r.ebx < 2) {
        printk(LOG_WARN "svm: the CPU has no guest ASIDs; SVM not used\n");
        return NULL;
    }
    if (svm_intercept_maps_init())
        return NULL;
    npt_format = svm_npt_format;
    npt_format.max_leaf_level = boot_cpu.pdpe1gb ? 3 : 2;
    svm_ops.p2m_format = &npt_format;
    printk("svm: revision %u, %u ASIDs, NRIP-save %s, flush-by-ASID %s\n", r.eax & 0xff,
           r.ebx, (svm_features & SVM_FEATURE_NRIPS) ? "yes" : "no",
           (svm_features & SVM_FEATURE_FLUSH_ASID) ? "yes" : "no");
    return &svm_ops;
}
