/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Intel VMX backend: probe, per-CPU VMXON, vCPU state access, events and the run
 * call. The core sees only the ops table vmx_probe() returns.
 *
 * A vCPU's VMCS lives on the vCPU's pCPU (it never migrates: hv/sched.h): it is
 * VMCLEARed and set up there by the first backend call made there, loaded with VMPTRLD
 * whenever another vCPU's VMCS was current, and VMCLEARed there again when the vCPU is
 * destroyed (Intel SDM vol. 3C, 24.11.1-24.11.3).
 *
 * Control registers (24.6.6, 25.3): the guest owns every bit of CR0 and CR4 except
 * those VMX fixes (CR0.NE, CR4.VMXE; an unrestricted guest may clear CR0.PE and PG:
 * 26.3.1.1), which are host-owned through the guest/host masks. The guest reads its
 * own values of those from the read shadows, and a MOV to CR0/CR4 that would change
 * one exits (exit.c). So a guest switches modes (real, protected, paging, long mode)
 * without exits, as on SVM; VM exits keep the "IA-32e mode guest" entry control equal
 * to EFER.LMA (A.6), and set_reg(EFER) does the same for the core's writes.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include "vmx.h"

/* Per pCPU: the VMXON region, the VMCS VMPTRLD made current last (or NULL), and the
 * vCPU whose lazily switched MSRs and debug registers are in the CPU
 * (lazy_state_load). */
static DEFINE_PER_CPU(paddr_t, vmxon_pa);
static DEFINE_PER_CPU(struct vmx_vcpu *, current_vmcs);
static DEFINE_PER_CPU(struct vmx_vcpu *, lazy_owner);

/* ---- enabling VMX on a pCPU (SDM 23.7, 24.11.5) ---- */

static int vmx_cpu_up(unsigned int cpu)
{
    struct page_info *pg = alloc_pages(0);
    paddr_t pa;
    u64 fc = 0;
    int rc;

    if (!pg)
        return -ENOMEM;
    memset(page_to_virt(pg), 0, PAGE_SIZE);
    *(u32 *)page_to_virt(pg) = vmx_caps.revision; /* 24.11.5: bit 31 clear */
    pa = (paddr_t)page_to_mfn(pg) << PAGE_SHIFT;

    /* VMXON outside SMX must be allowed, and the MSR locked (23.7): each CPU has its
     * own IA32_FEATURE_CONTROL; firmware usually locks it, else we do. */
    rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc);
    if (!(fc & FEATURE_CONTROL_LOCKED)) {
        fc |= FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
        wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
    } else if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
        printk(LOG_ERR "vmx: CPU %u: VT-x is locked off (IA32_FEATURE_CONTROL %#llx)\n",
               cpu, fc);
        free_pages(pg, 0);
        return -EPERM;
    }
    /* CR0 and CR4 must hold the bits VMX fixes (A.7, A.8): CR4.VMXE among them. */
    write_cr0((read_cr0() | vmx_caps.host_cr0_must1) & vmx_caps.cr0_may1);
    write_cr4((read_cr4() | vmx_caps.cr4_must1) & vmx_caps.cr4_may1);
    rc = vmxon(pa);
    if (rc) {
        printk(LOG_ERR "vmx: CPU %u: VMXON failed (%s)\n", cpu,
               rc == VMX_FAIL_INVALID ? "VMfailInvalid: bad region or CPU state"
                                      : "VMfailValid: already in VMX operation");
        free_pages(pg, 0);
        return -EIO;
    }
    this_cpu(vmxon_pa) = pa;
    this_cpu(current_vmcs) = NULL;
    /* Nothing cached by whoever used VMX before us (firmware, a previous kernel) may
     * survive: drop every EPT- and VPID-tagged mapping (28.3.3.3-28.3.3.4, the guidelines
     * for INVVPID and INVEPT). */
    if (vmx_caps.ept_vpid & EPT_CAP_INVEPT_ALL)
        invept(INVEPT_ALL_CONTEXT, 0);
    if (vmx_caps.vpid && (vmx_caps.ept_vpid & VPID_CAP_INVVPID_ALL))
        invvpid(INVVPID_ALL_CONTEXT, 0, 0);
    return 0;
}

/* ---- domains and vCPUs ---- */

static int vmx_domain_init(struct domain *d)
{
    d->backend = d; /* nothing per domain but the p2m, which the core owns */
    return 0;
}

static void vmx_domain_destroy(struct domain *d)
{
    d->backend = NULL;
}

static int vmx_vcpu_init(struct vcpu *v)
{
    struct vmx_vcpu *vx = xnew(struct vmx_vcpu);
    int rc = -ENOMEM;

    if (!vx)
        return -ENOMEM;
    vx->vmcs = alloc_page_va(0);
    vx->vapic = alloc_page_va(0);
    if (!vx->vmcs || !vx->vapic)
        goto fail;
    memset(vx->vmcs, 0, PAGE_SIZE);
    memset(vx->vapic, 0, PAGE_SIZE);
    vx->vmcs_pa = __pa(vx->vmcs);
    *(u32 *)vx->vmcs = vmx_caps.revision; /* 24.2: bit 31 clear, an ordinary VMCS */
    rc = vmx_vpid_alloc(&vx->vpid);
    if (rc)
        goto fail;
    /* Before its first entry on its pCPU: forget what a previous owner of this VPID,
     * or of this EPT root's address, may have left in that pCPU's TLB (vpid.c). */
    vx->vpid_flush = true;
    vx->ept_flush = true;
    vx->dr6 = X86_DR6_RESET; /* its value at power-up (DR0-DR3: 0) */
    v->backend = vx;
    return 0;

fail:
    free_page_va(vx->vmcs, 0);
    free_page_va(vx->vapic, 0);
    xfree(vx);
    return rc;
}

/* On the vCPU's pCPU: write its VMCS back to memory and make it nobody's (24.11.3). */
static void vmcs_forget(void *data)
{
    struct vmx_vcpu *vx = data;
    int rc = vmclear(vx->vmcs_pa);

    if (rc)
        vmx_insn_failed("VMCLEAR", vx->vmcs_pa, rc);
    if (this_cpu(current_vmcs) == vx)
        this_cpu(current_vmcs) = NULL;
    if (this_cpu(lazy_owner) == vx)
        this_cpu(lazy_owner) = NULL;
    vx->vmcs_ready = false;
}

/* Called when the vCPU has left its pCPU for good (hv/domain.h). */
static void vmx_vcpu_destroy(struct vcpu *v)
{
    struct vmx_vcpu *vx = to_vmx(v);

    if (vx->vmcs_ready) {
        if (v->processor == smp_processor_id()) {
            unsigned long flags = local_irq_save();
            vmcs_forget(vx);
            local_irq_restore(flags);
        } else {
            cpumask_t mask = { { 0 } };
            cpumask_set(v->processor, &mask);
            on_selected_cpus(&mask, vmcs_forget, vx);
        }
    }
    vmx_vpid_free(vx->vpid);
    free_page_va(vx->vmcs, 0);
    free_page_va(vx->vapic, 0);
    xfree(vx);
    v->backend = NULL;
}

static void vmx_set_seg(struct vcpu *v, enum seg_reg s, const struct segment *in);
static void vmx_set_reg(struct vcpu *v, enum hvm_reg r, u64 val);

/* Set up the VMCS on this pCPU, then apply what was set before it existed. */
static void vmcs_create(struct vcpu *v)
{
    struct vmx_vcpu *vx = to_vmx(v);
    int rc = vmclear(vx->vmcs_pa); /* launch state "clear" (24.11.3) */

    if (!rc)
        rc = vmptrld(vx->vmcs_pa);
    if (rc)
        vmx_insn_failed("VMCLEAR/VMPTRLD of a new VMCS", vx->vmcs_pa, rc);
    this_cpu(current_vmcs) = vx;
    vx->vmcs_ready = true;
    vx->launched = false;
    vmx_vmcs_setup(v);
    for (unsigned int s = 0; s < NR_SEGS; s++)
        if (vx->boot.seg_set & (1u << s))
            vmx_set_seg(v, s, &vx->boot.seg[s]);
    for (unsigned int r = 0; r < HVM_NR_REGS; r++)
        if (vx->boot.reg_set & (1u << r))
            vmx_set_reg(v, r, vx->boot.reg[r]);
    vx->boot.seg_set = vx->boot.reg_set = 0;
}

/*
 * Make the vCPU's VMCS current, if we are on its pCPU (true). Elsewhere (false) only
 * a vCPU that has not run yet may be touched: its state is kept in vx->boot.
 */
static bool vmcs_here(struct vcpu *v)
{
    struct vmx_vcpu *vx = to_vmx(v);

    if (v->processor != smp_processor_id()) {
        if (vx->vmcs_ready)
            panic("vmx: d%uv%u's VMCS is on CPU %u, touched from CPU %u", v->domain->id,
                  v->id, v->processor, smp_processor_id());
        return false;
    }
    if (!vx->vmcs_ready) {
        vmcs_create(v);
    } else if (this_cpu(current_vmcs) != vx) {
        int rc = vmptrld(vx->vmcs_pa);
        if (rc)
            vmx_insn_failed("VMPTRLD", vx->vmcs_pa, rc);
        this_cpu(current_vmcs) = vx;
    }
    return true;
}

/* ---- registers ---- */

/* The guest's view of CR0/CR4: its own bits from the register, the host-owned ones
 * from the read shadow (24.6.6). */
static u64 guest_view(u64 real, u64 shadow, u64 host_owned)
{
    return (real & ~host_owned) | (shadow & host_owned);
}

/* The hypervisor changed the guest's paging state behind its back: its VPID-tagged
 * translations must go (vpid.c), and PAE PDPTEs must be read again (26.3.2.4). */
static void paging_changed(struct vmx_vcpu *vx)
{
    vx->vpid_flush = true;
    vx->pdptes_stale = true;
}

static u64 vmx_get_reg(struct vcpu *v, enum hvm_reg r)
{
    struct vmx_vcpu *vx = to_vmx(v);

    if (r == HVM_REG_RAX)
        return v->hvm.gprs[GPR_RAX];   /* the entry stub's, not the VMCS's */
    if (!vmcs_here(v))
        return vx->boot.reg[r];
    switch (r) {
    case HVM_REG_RSP: return vmread(GUEST_RSP);
    case HVM_REG_RIP: return vmread(GUEST_RIP);
    case HVM_REG_RFLAGS: return vmread(GUEST_RFLAGS);
    case HVM_REG_CR0:
        return guest_view(vmread(GUEST_CR0), vx->cr0_shadow, vmx_caps.cr0_must1);
    case HVM_REG_CR2: return vx->cr2; /* not in the VMCS: vmx_run switches it */
    case HVM_REG_CR3: return vmread(GUEST_CR3);
    case HVM_REG_CR4:
        return guest_view(vmread(GUEST_CR4), vx->cr4_shadow, vmx_caps.cr4_must1);
    case HVM_REG_EFER: return vmread(GUEST_IA32_EFER);
    case HVM_REG_PAT: return vmread(GUEST_IA32_PAT);
    case HVM_REG_TSC_OFFSET: return vmread(TSC_OFFSET);
    case HVM_REG_DR6: return this_cpu(lazy_owner) == vx ? read_dr6() : vx->dr6;
    default: return 0;
    }
}

static void vmx_set_reg(struct vcpu *v, enum hvm_reg r, u64 val)
{
    struct vmx_vcpu *vx = to_vmx(v);

    if (r == HVM_REG_RAX) {
        v->hvm.gprs[GPR_RAX] = val;
        return;
    }
    if (!vmcs_here(v)) {
        vx->boot.reg[r] = val;
        vx->boot.reg_set |= 1u << r;
        return;
    }
    switch (r) {
    case HVM_REG_RSP: vmwrite(GUEST_RSP, val); break;
    case HVM_REG_RIP: vmwrite(GUEST_RIP, val); break;
    case HVM_REG_RFLAGS: vmwrite(GUEST_RFLAGS, val); break;
    case HVM_REG_CR0:
        vx->cr0_shadow = val;
        vmwrite(CR0_READ_SHADOW, val);
        vmwrite(GUEST_CR0, (val | vmx_caps.cr0_must1) & vmx_caps.cr0_may1);
        paging_changed(vx);
        break;
    case HVM_REG_CR2: vx->cr2 = val; break;
    case HVM_REG_CR3:
        vmwrite(GUEST_CR3, val);
        paging_changed(vx);
        break;
    case HVM_REG_CR4:
        vx->cr4_shadow = val;
        vmwrite(CR4_READ_SHADOW, val);
        vmwrite(GUEST_CR4, (val | vmx_caps.cr4_must1) & vmx_caps.cr4_may1);
        paging_changed(vx);
        break;
    case HVM_REG_EFER:
        /* 26.2.1.3, 26.3.1.1: "IA-32e mode guest" must equal the EFER.LMA loaded. The
         * other entry controls never change from vmx_caps.entry. */
        vmwrite(GUEST_IA32_EFER, val);
        vmwrite(VM_ENTRY_CONTROLS,
                vmx_caps.entry | ((val & EFER_LMA) ? ENTRY_IA32E_MODE : 0));
        vx->vpid_flush = true; /* NXE changes what translations mean */
        break;
    case HVM_REG_PAT: vmwrite(GUEST_IA32_PAT, val); break;
    case HVM_REG_TSC_OFFSET: vmwrite(TSC_OFFSET, val); break;
    case HVM_REG_DR6:
        if (this_cpu(lazy_owner) == vx)
            write_dr6(val);
        else
            vx->dr6 = val;
        break;
    default: break;
    }
}

static void vmx_get_seg(struct vcpu *v, enum seg_reg s, struct segment *out)
{
    struct vmx_vcpu *vx = to_vmx(v);
    enum vmcs_seg i;

    if (!vmcs_here(v)) {
        *out = vx->boot.seg[s];
        return;
    }
    if (s == SEG_GDTR || s == SEG_IDTR) {
        bool g = s == SEG_GDTR;
        *out = (struct segment){ 0, 0, vmread(g ? GUEST_GDTR_LIMIT : GUEST_IDTR_LIMIT),
                                 vmread(g ? GUEST_GDTR_BASE : GUEST_IDTR_BASE) };
        return;
    }
    i = vmx_seg_index[s];
    out->sel = vmread(GUEST_SEG_SELECTOR(i));
    out->attr = vmx_seg_attr(vmread(GUEST_SEG_AR(i)), s);
    out->limit = vmread(GUEST_SEG_LIMIT(i));
    out->base = vmread(GUEST_SEG_BASE(i));
}

static void vmx_set_seg(struct vcpu *v, enum seg_reg s, const struct segment *in)
{
    struct vmx_vcpu *vx = to_vmx(v);
    enum vmcs_seg i;

    if (!vmcs_here(v)) {
        vx->boot.seg[s] = *in;
        vx->boot.seg_set |= 1u << s;
        return;
    }
    if (s == SEG_GDTR || s == SEG_IDTR) {
        bool g = s == SEG_GDTR;
        vmwrite(g ? GUEST_GDTR_LIMIT : GUEST_IDTR_LIMIT, in->limit);
        vmwrite(g ? GUEST_GDTR_BASE : GUEST_IDTR_BASE, in->base);
        return;
    }
    i = vmx_seg_index[s];
    vmwrite(GUEST_SEG_SELECTOR(i), in->sel);
    vmwrite(GUEST_SEG_AR(i), vmx_seg_ar(in, s));
    vmwrite(GUEST_SEG_LIMIT(i), in->limit);
    vmwrite(GUEST_SEG_BASE(i), in->base);
}

/* The CPL is SS.DPL in VMX (24.4.1; 26.3.1.2 checks it against CS): bits 6:5 of the
 * access rights, kept even when SS is unusable (27.3.2). */
static unsigned int vmx_get_cpl(struct vcpu *v)
{
    struct vmx_vcpu *vx = to_vmx(v);

    if (!vmcs_here(v))
        return SEG_ATTR_DPL(vx->boot.seg[SEG_SS].attr);
    return (vmread(GUEST_SEG_AR(VMCS_SS)) >> 5) & 3;
}

/* ---- events (SDM 24.8.3, 26.6, 27.2.4) ---- */

static bool vmx_event_pending(struct vcpu *v)
{
    return to_vmx(v)->entry_intr_info & INTR_INFO_VALID;
}

/* An external interrupt can be injected: IF set, no STI or MOV SS shadow, nothing else
 * being injected (26.3.1.5 refuses the entry otherwise). */
static bool vmx_interruptible(struct vcpu *v)
{
    if (vmx_event_pending(v) || !(hvm_get_reg(v, HVM_REG_RFLAGS) & X86_EFLAGS_IF))
        return false;
    if (!vmcs_here(v))
        return true;
    return !(vmread(GUEST_INTERRUPTIBILITY_INFO) & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

static void vmx_clear_intr_shadow(struct vcpu *v)
{
    u64 st;

    if (!vmcs_here(v))
        return;
    st = vmread(GUEST_INTERRUPTIBILITY_INFO);
    if (st & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))
        vmwrite(GUEST_INTERRUPTIBILITY_INFO,
                st & ~(u64)(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

/* The core injects external interrupts, NMIs and hardware exceptions, never software
 * interrupts (which would need the instruction's length: 26.6.1.3). */
static void vmx_inject_event(struct vcpu *v, const struct hvm_event *e)
{
    static const u8 types[] = {
        [HVM_EVENT_EXT_INTR] = INTR_TYPE_EXT_INTR,
        [HVM_EVENT_NMI] = INTR_TYPE_NMI,
        [HVM_EVENT_HW_EXCEPTION] = INTR_TYPE_HW_EXCEPTION,
    };
    u32 info = e->vector | ((u32)types[e->type] << INTR_INFO_TYPE_SHIFT) |
               INTR_INFO_VALID;

    if (!vmcs_here(v))
        return; /* not before the vCPU exists on its pCPU: the core never does */
    /* 26.2.1.3: an error code exactly for these vectors, and never in real mode (the
     * core asks for #GP's error code whatever the mode). */
    if (e->type == HVM_EVENT_HW_EXCEPTION && hvm_exception_has_error(e->vector) &&
        (hvm_get_reg(v, HVM_REG_CR0) & X86_CR0_PE))
        info |= INTR_INFO_DELIVER_CODE;
    /* 26.3.1.5: no NMI injection inside a MOV SS shadow (nor, on some CPUs, an STI
     * one). The core does not wait for the shadow's end: let the NMI come one
     * instruction early rather than have the entry fail. */
    if (e->type == HVM_EVENT_NMI)
        vmx_clear_intr_shadow(v);
    vmx_set_entry_event(to_vmx(v), info, e->has_error ? e->error : 0, 0);
}

/* Turn a primary processor-based control the core switches per vCPU on or off. */
static void set_proc_control(struct vcpu *v, u32 bit, bool on)
{
    struct vmx_vcpu *vx = to_vmx(v);

    if (!vmcs_here(v))
        return;
    if (on)
        vx->proc |= bit;
    else
        vx->proc &= ~bit;
    vmwrite(CPU_BASED_VM_EXEC_CONTROL, vx->proc);
}

static void vmx_set_intr_window(struct vcpu *v, bool on)
{
    set_proc_control(v, PROC_INTR_WINDOW_EXITING, on);
}

/* The core injected an NMI and wants to know when its handler's IRET has run. VMX
 * has no IRET intercept; with virtual NMIs, the NMI-window exit comes as soon as the
 * IRET has unblocked NMIs (24.6.2, 25.2): HVM_EXIT_NMI_WINDOW. */
static void vmx_set_iret_intercept(struct vcpu *v, bool on)
{
    set_proc_control(v, PROC_NMI_WINDOW_EXITING, on);
}

/*
 * INIT (on the vCPU's own pCPU): the state a CPU has after it (SDM vol. 3A, 10.1 and
 * table 10-1, 9-1 in older editions; vmcs.c), and none of its old translations (a
 * fresh CPU has none: INVVPID before the next entry). INIT leaves the MSRs alone
 * (10.1 "Initialization Overview"): the lazily switched ones stay as they are, in
 * the CPU or in vx. DR0-DR3 become 0 and DR6 0xffff0ff0, wherever they are.
 */
static void vmx_vcpu_reset(struct vcpu *v)
{
    struct vmx_vcpu *vx = to_vmx(v);

    if (!vmcs_here(v))
        panic("vmx: INIT for d%uv%u away from its CPU", v->domain->id, v->id);
    vmx_vmcs_reset_guest(v);
    memset(vx->dr, 0, sizeof(vx->dr));
    vx->dr6 = X86_DR6_RESET;
    if (this_cpu(lazy_owner) == vx) {
        load_dr0_3(vx->dr);
        write_dr6(vx->dr6);
    }
    vx->vpid_flush = true;
    vx->pdptes_stale = false;
}

/*
 * An event whose delivery the exit interrupted is delivered again at the next entry,
 * with its error code and, for software events, the instruction length (27.2.4,
 * 26.6.1). The core sees it as event_pending and holds back what it has queued until
 * then (as on SVM).
 *
 * An NMI: with virtual NMIs, an exit during its delivery can leave virtual-NMI blocking
 * set in the saved interruptibility state, and VM entry refuses to inject an NMI while
 * "blocking by NMI" is 1 (26.3.1.5). Clear it: delivering the NMI sets it again.
 */
static void requeue_idt_vectoring(struct vmx_vcpu *vx)
{
    u32 idt = vmread(IDT_VECTORING_INFO), error = 0, len = 0;
    unsigned int type;

    if (!(idt & INTR_INFO_VALID))
        return;
    type = INTR_INFO_TYPE(idt);
    if (idt & INTR_INFO_DELIVER_CODE)
        error = vmread(IDT_VECTORING_ERROR_CODE);
    if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC ||
        type == INTR_TYPE_SW_EXCEPTION)
        len = vmread(VM_EXIT_INSTRUCTION_LEN);
    if (type == INTR_TYPE_NMI) {
        u64 st = vmread(GUEST_INTERRUPTIBILITY_INFO);
        if (st & INTR_BLOCK_NMI)
            vmwrite(GUEST_INTERRUPTIBILITY_INFO, st & ~(u64)INTR_BLOCK_NMI);
    }
    vmx_set_entry_event(vx, idt & (INTR_INFO_VECTOR_MASK | INTR_INFO_TYPE_MASK |
                                   INTR_INFO_DELIVER_CODE | INTR_INFO_VALID),
                        error, len);
}

/*
 * The p2m changed: every vCPU of the domain drops what its pCPU's TLB derived from the
 * EPT (INVEPT, ept.c) before it enters again; a running one is kicked out first. The
 * INVEPT must run on each pCPU, as TLBs are per logical processor (28.3.3.4).
 */
static void vmx_flush_guest_tlbs(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        __atomic_store_n(&to_vmx(d->vcpus[i])->ept_flush, true, __ATOMIC_SEQ_CST);
        vcpu_kick(d->vcpus[i]);
    }
}

/* ---- running ---- */

/* The PAE PDPTEs, read from guest memory as MOV CR3 would (SDM vol. 3A, 4.4.1), when
 * the hypervisor itself put the guest in PAE paging: with EPT, VM entry loads them
 * from the VMCS, not from memory (26.3.2.4). */
static void load_pdptes(struct vcpu *v)
{
    struct vmx_vcpu *vx = to_vmx(v);
    u64 cr0 = vmread(GUEST_CR0), cr4 = vmread(GUEST_CR4), pdpte[4] = { 0, 0, 0, 0 };

    vx->pdptes_stale = false;
    if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) ||
        (vmread(GUEST_IA32_EFER) & EFER_LMA))
        return;
    if (copy_from_guest_phys(v->domain, pdpte, _gpa(vmread(GUEST_CR3) & ~0x1fULL),
                             sizeof(pdpte)))
        printk(LOG_WARN "d%uv%u: PAE PDPTEs outside RAM\n", v->domain->id, v->id);
    for (unsigned int i = 0; i < 4; i++)
        vmwrite(GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

/*
 * KERNEL_GS_BASE, STAR, LSTAR, CSTAR and SFMASK, DR0-DR3 and DR6: VMX does not switch
 * them (only DR7, with the debug controls: 24.4.1), the guest reaches them without
 * exits (MSR bitmaps; no MOV-DR exiting), and the host never uses them. So the CPU
 * keeps the last vCPU's values, which are swapped only when another vCPU runs on this
 * pCPU. Cheaper than intercepting SWAPGS-heavy guests' MSR accesses, and than saving
 * and restoring them around every entry.
 */
static void lazy_state_load(struct vmx_vcpu *vx)
{
    struct vmx_vcpu *owner = this_cpu(lazy_owner);

    if (owner == vx)
        return;
    for (unsigned int i = 0; i < NR_LAZY_MSRS; i++) {
        if (owner)
            owner->lazy_msrs[i] = rdmsr(vmx_lazy_msrs[i]);
        wrmsr(vmx_lazy_msrs[i], vx->lazy_msrs[i]);
    }
    if (owner) {
        save_dr0_3(owner->dr);
        owner->dr6 = read_dr6();
    }
    load_dr0_3(vx->dr);
    write_dr6(vx->dr6);
    this_cpu(lazy_owner) = vx;
}

static void vmx_run(struct vcpu *v, struct hvm_exit *e)
{
    struct vmx_vcpu *vx = to_vmx(v);
    int rc;

    if (!vmcs_here(v))
        panic("vmx: d%uv%u runs on CPU %u, not on its CPU %u", v->domain->id, v->id,
              smp_processor_id(), v->processor);
    if (__atomic_exchange_n(&vx->ept_flush, false, __ATOMIC_SEQ_CST))
        vmx_ept_flush(vmx_eptp(v->domain->p2m.root));
    if (vx->vpid_flush) {
        vmx_vpid_flush(vx->vpid);
        vx->vpid_flush = false;
    }
    if (vx->pdptes_stale)
        load_pdptes(v);
    lazy_state_load(vx);
    if (read_cr2() != vx->cr2)
        write_cr2(vx->cr2);

    rc = vmx_vmenter(v->hvm.gprs, vx->launched);

    vx->cr2 = read_cr2();
    memset(e, 0, sizeof(*e));
    if (rc) {
        vmx_entry_failed(v, e, rc);
        return;
    }
    vx->launched = true;
    vx->entry_intr_info = 0; /* delivered, or reported again as IDT vectoring */
    vmx_decode_exit(v, e);
    /* An external interrupt that made the guest exit is still pending in the local
     * APIC (no "acknowledge interrupt on exit"): the core takes it through the host's
     * IDT as soon as it enables interrupts, right after this call (hv/hvm.h). */
    if (e->kind != HVM_EXIT_ENTRY_FAILED)
        requeue_idt_vectoring(vx);
}

static struct hvm_ops vmx_ops = {
    .name = "VMX",
    .p2m_format = &vmx_ept_format,
    .cpu_up = vmx_cpu_up,
    .domain_init = vmx_domain_init,
    .domain_destroy = vmx_domain_destroy,
    .vcpu_init = vmx_vcpu_init,
    .vcpu_destroy = vmx_vcpu_destroy,
    .run = vmx_run,
    .get_reg = vmx_get_reg,
    .set_reg = vmx_set_reg,
    .get_seg = vmx_get_seg,
    .set_seg = vmx_set_seg,
    .get_cpl = vmx_get_cpl,
    .interruptible = vmx_interruptible,
    .event_pending = vmx_event_pending,
    .inject_event = vmx_inject_event,
    .set_intr_window = vmx_set_intr_window,
    .set_iret_intercept = vmx_set_iret_intercept,
    .vcpu_reset = vmx_vcpu_reset,
    .clear_intr_shadow = vmx_clear_intr_shadow,
    .flush_guest_tlbs = vmx_flush_guest_tlbs,
    .dump_vcpu = vmx_vmcs_dump,
};

static struct p2m_format ept_format;

/* ---- the probe ---- */

/* IA32_VMX_BASIC (A.1): the revision, and regions we can use as ordinary pages. */
static bool vmx_basic_usable(void)
{
    u64 b = vmx_caps.basic;

    vmx_caps.revision = b & VMX_BASIC_REVISION_MASK;
    if (VMX_BASIC_REGION_SIZE(b) > PAGE_SIZE || (b & VMX_BASIC_32BIT_ADDRESSES) ||
        VMX_BASIC_MEMTYPE(b) != 6 /* write-back */) {
        printk(LOG_WARN "vmx: VMCS regions this CPU wants (IA32_VMX_BASIC %#llx) are not "
                        "write-back pages anywhere in memory; VMX not used\n", b);
        return false;
    }
    return true;
}

const struct hvm_ops *vmx_probe(void)
{
    const struct vmx_caps *c = &vmx_caps;

    /* VT-x present (SDM 23.6) and not locked off by the firmware (23.7): checked by
     * cpu_identify(), which names the reason when it is not. */
    if (!boot_cpu.vmx)
        return NULL;
    if (!rdmsr_safe(MSR_IA32_VMX_BASIC, &vmx_caps.basic) || !vmx_basic_usable())
        return NULL;
    if (vmx_caps_init() || vmx_bitmaps_init())
        return NULL;
    ept_format = vmx_ept_format;
    ept_format.max_leaf_level = (c->ept_vpid & EPT_CAP_1G)   ? 3
                                : (c->ept_vpid & EPT_CAP_2M) ? 2
                                                             : 1;
    vmx_ops.p2m_format = &ept_format;
    printk("vmx: VMCS revision %#x; EPT with %s pages%s; VPID %s; unrestricted guest\n",
           c->revision, ept_format.max_leaf_level == 3 ? "4K/2M/1G"
                        : ept_format.max_leaf_level == 2 ? "4K/2M" : "4K",
           c->ept_ad ? ", A/D flags" : "", c->vpid ? "yes" : "no");
    printk("vmx: controls: pin %#x, proc %#x, proc2 %#x, exit %#x, entry %#x%s\n", c->pin,
           c->proc, c->proc2, c->exit, c->entry,
           (c->basic & VMX_BASIC_TRUE_CTLS) ? " (TRUE capability MSRs)" : "");
    return &vmx_ops;
}
