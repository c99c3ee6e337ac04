/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VMCS: the controls every VMCS starts with (computed from the capability MSRs,
 * never hard-coded), the I/O and MSR bitmaps, a vCPU's VMCS at reset (controls, host
 * state, the guest's INIT state), the segment access-rights format, the state dump, and
 * the names of VM-instruction errors and exit reasons.
 *
 * References: Intel SDM vol. 3C, chapter 24 (the VMCS), 26.2-26.3 (the checks VM entry
 * makes on it), appendix A (capability MSRs), 30.4 (VM-instruction errors).
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/smp.h>
#include <asm/msr.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include "vmx.h"

struct vmx_caps vmx_caps __ro_after_init;

static paddr_t io_bitmap_pa[2], msr_bitmap_pa;

#define VMCS_LINK_NONE    (~0ULL)               /* no shadow VMCS (26.3.1.5) */

/* ---- names ---- */

static const char *const insn_errors[] = {
    [1] = "VMCALL executed in VMX root operation",
    [2] = "VMCLEAR with invalid physical address",
    [3] = "VMCLEAR with VMXON pointer",
    [4] = "VMLAUNCH with non-clear VMCS",
    [5] = "VMRESUME with non-launched VMCS",
    [6] = "VMRESUME after VMXOFF",
    [7] = "VM entry with invalid control field(s)",
    [8] = "VM entry with invalid host-state field(s)",
    [9] = "VMPTRLD with invalid physical address",
    [10] = "VMPTRLD with VMXON pointer",
    [11] = "VMPTRLD with incorrect VMCS revision identifier",
    [12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
    [13] = "VMWRITE to read-only VMCS component",
    [15] = "VMXON executed in VMX root operation",
    [16] = "VM entry with invalid executive-VMCS pointer",
    [17] = "VM entry with non-launched executive VMCS",
    [18] = "VM entry with executive-VMCS pointer not VMXON pointer",
    [19] = "VMCALL with non-clear VMCS",
    [20] = "VMCALL with invalid VM-exit control fields",
    [22] = "VMCALL with incorrect MSEG revision identifier",
    [23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
    [24] = "VMCALL with invalid SMM-monitor features",
    [25] = "VM entry with invalid VM-execution control fields in executive VMCS",
    [26] = "VM entry with events blocked by MOV SS",
    [28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(u64 error)
{
    if (error < ARRAY_SIZE(insn_errors) && insn_errors[error])
        return insn_errors[error];
    return "unknown VM-instruction error";
}

static const char *const exit_reasons[EXIT_REASON_COUNT] = {
    [EXIT_EXCEPTION_NMI] = "exception or NMI",
    [EXIT_EXTERNAL_INTERRUPT] = "external interrupt",
    [EXIT_TRIPLE_FAULT] = "triple fault", [EXIT_INIT] = "INIT signal",
    [EXIT_SIPI] = "start-up IPI", [EXIT_IO_SMI] = "I/O SMI",
    [EXIT_OTHER_SMI] = "other SMI",
    [EXIT_INTERRUPT_WINDOW] = "interrupt window", [EXIT_NMI_WINDOW] = "NMI window",
    [EXIT_TASK_SWITCH] = "task switch", [EXIT_CPUID] = "CPUID", [EXIT_GETSEC] = "GETSEC",
    [EXIT_HLT] = "HLT", [EXIT_INVD] = "INVD", [EXIT_INVLPG] = "INVLPG",
    [EXIT_RDPMC] = "RDPMC", [EXIT_RDTSC] = "RDTSC", [EXIT_RSM] = "RSM",
    [EXIT_VMCALL] = "VMCALL", [EXIT_VMCLEAR] = "VMCLEAR", [EXIT_VMLAUNCH] = "VMLAUNCH",
    [EXIT_VMPTRLD] = "VMPTRLD", [EXIT_VMPTRST] = "VMPTRST", [EXIT_VMREAD] = "VMREAD",
    [EXIT_VMRESUME] = "VMRESUME", [EXIT_VMWRITE] = "VMWRITE", [EXIT_VMXOFF] = "VMXOFF",
    [EXIT_VMXON] = "VMXON", [EXIT_CR_ACCESS] = "control-register access",
    [EXIT_DR_ACCESS] = "MOV DR", [EXIT_IO_INSTRUCTION] = "I/O instruction",
    [EXIT_RDMSR] = "RDMSR", [EXIT_WRMSR] = "WRMSR",
    [EXIT_INVALID_GUEST_STATE] = "VM-entry failure due to invalid guest state",
    [EXIT_MSR_LOADING] = "VM-entry failure due to MSR loading", [EXIT_MWAIT] = "MWAIT",
    [EXIT_MONITOR_TRAP_FLAG] = "monitor trap flag", [EXIT_MONITOR] = "MONITOR",
    [EXIT_PAUSE] = "PAUSE",
    [EXIT_MACHINE_CHECK] = "VM-entry failure due to machine-check event",
    [EXIT_TPR_BELOW_THRESHOLD] = "TPR below threshold",
    [EXIT_APIC_ACCESS] = "APIC access", [EXIT_VIRTUALIZED_EOI] = "virtualized EOI",
    [EXIT_GDTR_IDTR] = "access to GDTR or IDTR",
    [EXIT_LDTR_TR] = "access to LDTR or TR", [EXIT_EPT_VIOLATION] = "EPT violation",
    [EXIT_EPT_MISCONFIG] = "EPT misconfiguration", [EXIT_INVEPT] = "INVEPT",
    [EXIT_RDTSCP] = "RDTSCP", [EXIT_PREEMPTION_TIMER] = "VMX-preemption timer expired",
    [EXIT_INVVPID] = "INVVPID", [EXIT_WBINVD] = "WBINVD", [EXIT_XSETBV] = "XSETBV",
    [EXIT_APIC_WRITE] = "APIC write", [EXIT_RDRAND] = "RDRAND",
    [EXIT_INVPCID] = "INVPCID",
    [EXIT_VMFUNC] = "VMFUNC", [EXIT_ENCLS] = "ENCLS", [EXIT_RDSEED] = "RDSEED",
    [EXIT_PML_FULL] = "page-modification log full", [EXIT_XSAVES] = "XSAVES",
    [EXIT_XRSTORS] = "XRSTORS",
};

const char *vmx_exit_reason_name(u32 basic_reason)
{
    if (basic_reason < EXIT_REASON_COUNT && exit_reasons[basic_reason])
        return exit_reasons[basic_reason];
    return "unknown exit reason";
}

void vmx_access_failed(const char *insn, u32 field, u64 val, int rc)
{
    u64 error = 0;

    if (rc == VMX_FAIL_VALID && !vmread_safe(VM_INSTRUCTION_ERROR, &error))
        panic("vmx: %s of VMCS field %#x (value %#llx) failed: VM-instruction error "
              "%llu, %s", insn, field, val, error, vmx_insn_error_name(error));
    panic("vmx: %s of VMCS field %#x (value %#llx) failed: no current VMCS on CPU",
          insn, field, val);
}

void vmx_insn_failed(const char *insn, u64 operand, int rc)
{
    u64 error = 0;

    if (rc == VMX_FAIL_VALID && !vmread_safe(VM_INSTRUCTION_ERROR, &error))
        panic("vmx: %s (operand %#llx) failed on CPU %u: VM-instruction error %llu, %s",
              insn, operand, smp_processor_id(), error, vmx_insn_error_name(error));
    panic("vmx: %s (operand %#llx) failed on CPU %u (VMfailInvalid)", insn, operand,
          smp_processor_id());
}

/* ---- the controls (SDM appendix A.3-A.5) ---- */

static const char *const pin_names[32] = {
    [0] = "external-interrupt exiting", [3] = "NMI exiting", [5] = "virtual NMIs",
    [6] = "activate VMX-preemption timer", [7] = "process posted interrupts",
};
static const char *const proc_names[32] = {
    [2] = "interrupt-window exiting", [3] = "use TSC offsetting", [7] = "HLT exiting",
    [9] = "INVLPG exiting", [10] = "MWAIT exiting", [11] = "RDPMC exiting",
    [12] = "RDTSC exiting", [15] = "CR3-load exiting", [16] = "CR3-store exiting",
    [19] = "CR8-load exiting", [20] = "CR8-store exiting", [21] = "use TPR shadow",
    [22] = "NMI-window exiting", [23] = "MOV-DR exiting",
    [24] = "unconditional I/O exiting",
    [25] = "use I/O bitmaps", [27] = "monitor trap flag", [28] = "use MSR bitmaps",
    [29] = "MONITOR exiting", [30] = "PAUSE exiting",
    [31] = "activate secondary controls",
};
static const char *const proc2_names[32] = {
    [0] = "virtualize APIC accesses", [1] = "enable EPT",
    [2] = "descriptor-table exiting",
    [3] = "enable RDTSCP", [4] = "virtualize x2APIC mode", [5] = "enable VPID",
    [6] = "WBINVD exiting", [7] = "unrestricted guest", [12] = "enable INVPCID",
    [17] = "enable PML", [20] = "enable XSAVES/XRSTORS",
};
static const char *const exit_names[32] = {
    [2] = "save debug controls", [9] = "host address-space size",
    [15] = "acknowledge interrupt on exit", [18] = "save IA32_PAT",
    [19] = "load IA32_PAT",
    [20] = "save IA32_EFER", [21] = "load IA32_EFER",
    [22] = "save VMX-preemption timer value",
};
static const char *const entry_names[32] = {
    [2] = "load debug controls", [9] = "IA-32e mode guest", [10] = "entry to SMM",
    [11] = "deactivate dual-monitor treatment", [14] = "load IA32_PAT",
    [15] = "load IA32_EFER",
};

struct ctl_field {
    const char *what;               /* "pin-based VM-execution" */
    u32 msr, true_msr;              /* true_msr 0: there is none (secondary controls) */
    const char *const *names;
};

static const struct ctl_field pin_field = { "pin-based VM-execution",
    MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS, pin_names };
static const struct ctl_field proc_field = { "primary processor-based VM-execution",
    MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, proc_names };
static const struct ctl_field proc2_field = { "secondary processor-based VM-execution",
    MSR_IA32_VMX_PROCBASED_CTLS2, 0, proc2_names };
static const struct ctl_field exit_field = { "VM-exit",
    MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS, exit_names };
static const struct ctl_field entry_field = { "VM-entry",
    MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS, entry_names };

/* "vmx: the CPU has no secondary processor-based VM-execution control "enable EPT"
 * (bit 1), "unrestricted guest" (bit 7) (MSR 0x48b = ...); VMX not used" */
static void ctl_complain(const struct ctl_field *f, u32 bits, u32 msr, u64 cap,
                         const char *problem)
{
    char list[256];
    size_t n = 0;

    list[0] = '\0';
    for (unsigned int b = 0; b < 32 && n < sizeof(list); b++)
        if (bits & (1u << b))
            n += snprintf(list + n, sizeof(list) - n, "%s\"%s\" (bit %u)", n ? ", " : "",
                          f->names[b] ? f->names[b] : "?", b);
    printk(LOG_WARN "vmx: %s %s control%s %s (MSR %#x = %#llx); VMX not used\n", problem,
           f->what, (bits & (bits - 1)) ? "s" : "", list, msr, cap);
}

/*
 * A control field's value from its capability MSR (A.3-A.5): bits 31:0 of the MSR are
 * the allowed 0-settings (a bit set there must be 1), bits 63:32 the allowed
 * 1-settings (a bit clear there must be 0). When IA32_VMX_BASIC bit 55 is set, the
 * TRUE_* MSRs say which of the "default1" controls may in fact be 0 (A.2).
 *
 * The value has every bit of `require` (-ENODEV if the CPU cannot set one), the bits
 * of `want` the CPU allows, and the bits the CPU forces; -ENODEV too if the CPU forces
 * a bit of `forbid` (a control whose exits we do not handle). `*may1`, if not NULL,
 * receives the allowed 1-settings (for controls set later, per vCPU).
 */
static int adjust_controls(const struct ctl_field *f, u32 want, u32 require, u32 forbid,
                           u32 *out, u32 *may1_out)
{
    bool use_true = f->true_msr && (vmx_caps.basic & VMX_BASIC_TRUE_CTLS);
    u32 msr = use_true ? f->true_msr : f->msr;
    u64 cap;
    u32 must1, may1;

    if (!rdmsr_safe(msr, &cap)) {
        printk(LOG_WARN "vmx: cannot read the capability MSR %#x (%s controls); "
                        "VMX not used\n", msr, f->what);
        return -ENODEV;
    }
    must1 = (u32)cap;
    may1 = cap >> 32;
    if (require & ~may1) {
        ctl_complain(f, require & ~may1, msr, cap, "the CPU has no");
        return -ENODEV;
    }
    if (forbid & must1) {
        ctl_complain(f, forbid & must1, msr, cap, "the CPU cannot turn off the");
        return -ENODEV;
    }
    *out = (want & may1) | require | must1;
    if (may1_out)
        *may1_out = may1;
    return 0;
}

/*
 * The controls (SDM 24.6-24.8), and why:
 *  pin     external-interrupt exiting: host interrupts make the guest exit (the host
 *          takes them itself, after the exit: no "acknowledge interrupt on exit");
 *          NMI exiting: host NMIs (the panic stop) go to the host; virtual NMIs: the
 *          CPU tracks the guest's NMI blocking (an injected NMI blocks, its handler's
 *          IRET unblocks), and NMI-window exiting, which needs them (26.2.1.1), tells
 *          the core when the IRET has run (VMX has no IRET intercept). No preemption
 *          timer: the host's LAPIC timer already ends a guest's time slice by an
 *          interrupt exit, and nothing else needs a guest time limit.
 *  proc    interrupt- and NMI-window exiting, per vCPU when the core asks (vmx.c);
 *          HLT exiting (the core sleeps the vCPU); TSC offsetting (HVM_REG_TSC_OFFSET);
 *          I/O bitmaps (every port intercepted) and MSR bitmaps (a few passed through);
 *          TPR shadow, so that the guest's MOV CR8 reads and writes a virtual TPR
 *          instead of the host's (with no CR8 exits: threshold 0); RDPMC, MONITOR and
 *          MWAIT exiting (not offered to guests: #GP and #UD, as on SVM); secondary
 *          controls. CR3-load/store, INVLPG and RDTSC exiting must be off: EPT.
 *  proc2   EPT and unrestricted guest (required: real mode and paging-off protected
 *          mode run natively); VPID where offered (no TLB flush on each entry and exit);
 *          RDTSCP where offered (else it is #UD); WBINVD exiting (a no-op for guests).
 *  exit    64-bit host; save and load IA32_EFER and IA32_PAT (the guest's are in the
 *          VMCS, the host's come back at each exit); save debug controls: every exit
 *          sets DR7 to 0x400 (27.5.1), so the guest's DR7 (MOV DR does not exit) must
 *          be saved, or it is lost. (The TRUE MSRs let this "default1" bit be 0.)
 *  entry   load IA32_EFER and IA32_PAT, load debug controls (the guest's DR7 and
 *          DEBUGCTL back); "IA-32e mode guest" follows the guest's EFER.LMA (vmx.c),
 *          and must therefore be allowed.
 */
int vmx_caps_init(void)
{
    struct vmx_caps *c = &vmx_caps;
    u32 proc_may1, proc2_may1 = 0, entry_may1;
    u64 misc;
    int rc;

    rc = adjust_controls(&pin_field, 0,
                         PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS,
                         PIN_POSTED_INTR | PIN_PREEMPTION_TIMER, &c->pin, NULL);
    if (!rc)
        rc = adjust_controls(&proc_field, 0,
                             PROC_HLT_EXITING | PROC_USE_TSC_OFFSETTING |
                             PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
                             PROC_USE_TPR_SHADOW | PROC_RDPMC_EXITING |
                             PROC_MWAIT_EXITING | PROC_MONITOR_EXITING |
                             PROC_ACTIVATE_SECONDARY,
                             PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |
                             PROC_INVLPG_EXITING | PROC_RDTSC_EXITING |
                             PROC_MOV_DR_EXITING |
                             PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
                             PROC_MONITOR_TRAP_FLAG | PROC_INTR_WINDOW_EXITING |
                             PROC_NMI_WINDOW_EXITING,
                             &c->proc, &proc_may1);
    if (!rc)
        rc = adjust_controls(&proc2_field,
                             PROC2_ENABLE_VPID | PROC2_ENABLE_RDTSCP |
                             PROC2_WBINVD_EXITING,
                             PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST,
                             PROC2_VIRT_APIC_ACCESSES | PROC2_DESC_TABLE_EXITING |
                             PROC2_VIRT_X2APIC | PROC2_ENABLE_PML,
                             &c->proc2, &proc2_may1);
    if (!rc)
        rc = adjust_controls(&exit_field, 0,
                             EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
                             EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG_CTLS,
                             EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_PREEMPTION_TIMER, &c->exit,
                             NULL);
    if (!rc)
        rc = adjust_controls(&entry_field, 0,
                             ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG_CTLS,
                             ENTRY_IA32E_MODE | ENTRY_SMM | ENTRY_DEACT_DUAL_MONITOR,
                             &c->entry, &entry_may1);
    if (rc)
        return rc;
    /* Controls set later, per vCPU: they must be allowed. */
    if (!(entry_may1 & ENTRY_IA32E_MODE)) {
        printk(LOG_WARN "vmx: the CPU has no VM-entry control \"IA-32e mode guest\"; "
                        "VMX not used\n");
        return -ENODEV;
    }
    if ((proc_may1 & (PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING)) !=
        (PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING)) {
        printk(LOG_WARN "vmx: the CPU has no interrupt-window or NMI-window exiting; "
                        "VMX not used\n");
        return -ENODEV;
    }

    /* EPT (A.10): a 4-level walk, write-back paging structures, INVEPT. */
    if (!rdmsr_safe(MSR_IA32_VMX_EPT_VPID_CAP, &c->ept_vpid))
        c->ept_vpid = 0;
    if (!(c->ept_vpid & EPT_CAP_WALK_4) || !(c->ept_vpid & EPT_CAP_MEMTYPE_WB) ||
        !(c->ept_vpid & EPT_CAP_INVEPT) ||
        !(c->ept_vpid & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
        printk(LOG_WARN "vmx: EPT lacks a 4-level walk, write-back tables or INVEPT "
                        "(IA32_VMX_EPT_VPID_CAP %#llx); VMX not used\n", c->ept_vpid);
        return -ENODEV;
    }
    c->ept_ad = c->ept_vpid & EPT_CAP_AD;
    /* VPIDs only with an INVVPID that can drop one VPID's or every VPID's mappings. */
    if ((c->proc2 & PROC2_ENABLE_VPID) &&
        (!(c->ept_vpid & VPID_CAP_INVVPID) ||
         !(c->ept_vpid & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL))))
        c->proc2 &= ~PROC2_ENABLE_VPID;
    c->vpid = c->proc2 & PROC2_ENABLE_VPID;

    /* A.6: with an unrestricted guest, VM exits store EFER.LMA into the "IA-32e mode
     * guest" entry control; vmx.c relies on it when the guest enters or leaves long
     * mode by itself (CR0.PG is the guest's). */
    if (!rdmsr_safe(MSR_IA32_VMX_MISC, &misc) || !(misc & VMX_MISC_STORE_LMA)) {
        printk(LOG_WARN "vmx: VM exits do not save EFER.LMA (IA32_VMX_MISC bit 5); "
                        "VMX not used\n");
        return -ENODEV;
    }

    /* A.7-A.8: the fixed bits of CR0 and CR4 in VMX operation. The host's registers
     * must have them all; an unrestricted guest may clear PE and PG (26.3.1.1). */
    c->host_cr0_must1 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
    c->cr0_must1 = c->host_cr0_must1 & ~(u64)(X86_CR0_PE | X86_CR0_PG);
    c->cr0_may1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
    c->cr4_must1 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
    c->cr4_may1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
    return 0;
}

/* ---- the I/O and MSR bitmaps (SDM 24.6.4, 24.6.9), shared by every vCPU ---- */

/* The MSRs the guest reaches directly: those the VMCS switches (FS/GS bases in the
 * segment fields, SYSENTER_* in their own fields: 24.4.1) and those the backend
 * switches between vCPUs because the host never uses them (vmx_lazy_msrs). */
const u32 vmx_lazy_msrs[NR_LAZY_MSRS] = {
    [LAZY_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE, [LAZY_STAR] = MSR_STAR,
    [LAZY_LSTAR] = MSR_LSTAR, [LAZY_CSTAR] = MSR_CSTAR, [LAZY_SFMASK] = MSR_SFMASK,
};
static const u32 vmcs_switched_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
    MSR_IA32_SYSENTER_EIP,
};

/* 24.6.9: read bitmaps for MSRs 0-0x1fff at byte 0 and 0xc0000000-0xc0001fff at 1024,
 * write bitmaps at 2048 and 3072; one bit per MSR, set to exit. */
static void msr_bitmap_allow(u8 *map, u32 msr)
{
    u32 base;

    if (msr < 0x2000)
        base = 0;
    else if (msr >= 0xc0000000 && msr < 0xc0002000)
        base = 1024, msr -= 0xc0000000;
    else
        return;
    map[base + msr / 8] &= ~(1u << (msr % 8));
    map[base + 2048 + msr / 8] &= ~(1u << (msr % 8));
}

int vmx_bitmaps_init(void)
{
    struct page_info *io = alloc_pages(1), *msr = alloc_pages(0);
    u8 *map;

    if (!io || !msr) {
        printk(LOG_WARN "vmx: no memory for the I/O and MSR bitmaps; VMX not used\n");
        return -ENOMEM;
    }
    /* Bitmap A (ports 0-0x7fff) and B (0x8000-0xffff): every port exits. */
    memset(page_to_virt(io), 0xff, 2 * PAGE_SIZE);
    io_bitmap_pa[0] = (paddr_t)page_to_mfn(io) << PAGE_SHIFT;
    io_bitmap_pa[1] = io_bitmap_pa[0] + PAGE_SIZE;
    map = page_to_virt(msr);
    memset(map, 0xff, PAGE_SIZE);
    for (unsigned int i = 0; i < ARRAY_SIZE(vmcs_switched_msrs); i++)
        msr_bitmap_allow(map, vmcs_switched_msrs[i]);
    for (unsigned int i = 0; i < NR_LAZY_MSRS; i++)
        msr_bitmap_allow(map, vmx_lazy_msrs[i]);
    msr_bitmap_pa = (paddr_t)page_to_mfn(msr) << PAGE_SHIFT;
    return 0;
}

/* ---- segments ---- */

/* The VMCS index of each neutral segment register but GDTR and IDTR. */
const enum vmcs_seg vmx_seg_index[NR_SEGS - 2] = {
    [SEG_ES] = VMCS_ES, [SEG_CS] = VMCS_CS, [SEG_SS] = VMCS_SS, [SEG_DS] = VMCS_DS,
    [SEG_FS] = VMCS_FS, [SEG_GS] = VMCS_GS, [SEG_TR] = VMCS_TR, [SEG_LDTR] = VMCS_LDTR,
};

/*
 * Neutral attributes (the VMCB's 12 bits: type s dpl p in 7:0, avl l db g in 11:8) to
 * VMCS access rights (24.4.1, table 24-2: the same low byte, avl l db g in 15:12, and
 * bit 16 "unusable"). A segment that is not present is unusable: a null selector was
 * loaded (26.3.1.2 then checks nothing else of it but SS.DPL). Code and data segments
 * get their accessed bit, as loading them sets it (VM entry requires it).
 */
u32 vmx_seg_ar(const struct segment *s, enum seg_reg r)
{
    u32 ar = (s->attr & 0xff) | ((u32)(s->attr & 0xf00) << 4);

    if (!(s->attr & SEG_ATTR_P))
        return ar | VMX_AR_UNUSABLE;
    if ((s->attr & SEG_ATTR_S) && r != SEG_TR && r != SEG_LDTR)
        ar |= 1; /* accessed */
    return ar;
}

/* The reverse: an unusable segment reads as not present, keeping only SS.DPL (the CPL,
 * which the CPU always saves: 27.3.2). */
u16 vmx_seg_attr(u32 ar, enum seg_reg r)
{
    if (ar & VMX_AR_UNUSABLE)
        return r == SEG_SS ? (ar & (3u << 5)) : 0;
    return (ar & 0xff) | ((ar >> 4) & 0xf00);
}

/* ---- a vCPU's VMCS at reset ---- */

struct desc_ptr {
    u16 limit;
    u64 base;
} __packed;

static u16 host_selector(u16 sel)
{
    return sel & ~7u; /* RPL and TI must be 0 (26.2.3) */
}

/* The TSS base from its 16-byte descriptor in the GDT (SDM vol. 3A, 8.2.3). */
static u64 tss_base(const struct desc_ptr *gdt, u16 tr)
{
    const u64 *d = (const u64 *)(gdt->base + (tr & ~7u));

    return ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) | (d[1] << 32);
}

/*
 * The host state an exit loads (24.5, checked by 26.2.2-26.2.4): this pCPU's control
 * registers, descriptor tables, per-CPU GS base and MSRs. All of them are constant
 * while the pCPU runs (the host CR3 is the one idle page table; CR4 changes only
 * transiently), so they are written once per VMCS: a vCPU never leaves its pCPU.
 * HOST_RSP is written by the entry stub before each entry.
 *
 * What an exit does NOT restore, and why that is fine here (27.5): the GDTR and IDTR
 * limits become 0xffff (the host IDT has all 256 vectors, and no selector beyond the
 * GDT is ever loaded), LDTR becomes null (the host has no LDT), DR7 becomes 0x400 and
 * DEBUGCTL 0 (the host uses neither), and KERNEL_GS_BASE, STAR, LSTAR, CSTAR and
 * SFMASK keep the guest's values (the host has no user mode: vmx_lazy_msrs).
 */
static void vmcs_host_state(void)
{
    struct desc_ptr gdt, idt;
    u16 cs, ss, ds, es, fs, gs, tr;

    __asm__ volatile("sgdt %0" : "=m"(gdt));
    __asm__ volatile("sidt %0" : "=m"(idt));
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    __asm__ volatile("mov %%ss, %0" : "=r"(ss));
    __asm__ volatile("mov %%ds, %0" : "=r"(ds));
    __asm__ volatile("mov %%es, %0" : "=r"(es));
    __asm__ volatile("mov %%fs, %0" : "=r"(fs));
    __asm__ volatile("mov %%gs, %0" : "=r"(gs));
    __asm__ volatile("str %0" : "=r"(tr));

    vmwrite(HOST_CR0, read_cr0());
    vmwrite(HOST_CR3, read_cr3());
    vmwrite(HOST_CR4, read_cr4());
    vmwrite(HOST_CS_SELECTOR, host_selector(cs));
    vmwrite(HOST_SS_SELECTOR, host_selector(ss));
    vmwrite(HOST_DS_SELECTOR, host_selector(ds));
    vmwrite(HOST_ES_SELECTOR, host_selector(es));
    vmwrite(HOST_FS_SELECTOR, host_selector(fs));
    vmwrite(HOST_GS_SELECTOR, host_selector(gs));
    vmwrite(HOST_TR_SELECTOR, host_selector(tr));
    vmwrite(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
    vmwrite(HOST_GS_BASE, rdmsr(MSR_GS_BASE)); /* this CPU's per-CPU area */
    vmwrite(HOST_TR_BASE, tss_base(&gdt, tr));
    vmwrite(HOST_GDTR_BASE, gdt.base);
    vmwrite(HOST_IDTR_BASE, idt.base);
    vmwrite(HOST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
    vmwrite(HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
    vmwrite(HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
    vmwrite(HOST_IA32_EFER, rdmsr(MSR_EFER));
    vmwrite(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
    vmwrite(HOST_RIP, (u64)vmx_vmexit);
}

static void vmcs_controls(struct vcpu *v)
{
    struct vmx_vcpu *vx = to_vmx(v);

    vx->proc = vmx_caps.proc;
    vmwrite(PIN_BASED_VM_EXEC_CONTROL, vmx_caps.pin);
    vmwrite(CPU_BASED_VM_EXEC_CONTROL, vx->proc);
    vmwrite(SECONDARY_VM_EXEC_CONTROL, vmx_caps.proc2);
    vmwrite(VM_EXIT_CONTROLS, vmx_caps.exit);
    vmwrite(VM_ENTRY_CONTROLS, vmx_caps.entry);
    /* #DB and #AC: a guest could otherwise hang the CPU in an endless chain of them
     * (CVE-2015-5307, CVE-2015-8104), as on SVM. No #PF exits (EPT). */
    vmwrite(EXCEPTION_BITMAP, (1u << X86_EXC_DB) | (1u << X86_EXC_AC));
    vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
    vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
    vmwrite(CR3_TARGET_COUNT, 0);
    vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VM_ENTRY_INTR_INFO, 0);
    vmwrite(IO_BITMAP_A, io_bitmap_pa[0]);
    vmwrite(IO_BITMAP_B, io_bitmap_pa[1]);
    vmwrite(MSR_BITMAP, msr_bitmap_pa);
    vmwrite(TSC_OFFSET, v->domain->tsc_offset);
    if (vmx_caps.vpid)
        vmwrite(VIRTUAL_PROCESSOR_ID, vx->vpid);
    vmwrite(EPT_POINTER, vmx_eptp(v->domain->p2m.root));
    /* TPR shadow (29.1): MOV CR8 uses the page's VTPR; threshold 0 never exits. */
    vmwrite(VIRTUAL_APIC_PAGE_ADDR, __pa(vx->vapic));
    vmwrite(TPR_THRESHOLD, 0);
    /* The guest owns every bit of CR0 and CR4 but those VMX fixes (24.6.6). */
    vmwrite(CR0_GUEST_HOST_MASK, vmx_caps.cr0_must1);
    vmwrite(CR4_GUEST_HOST_MASK, vmx_caps.cr4_must1);
    vmwrite(VMCS_LINK_POINTER, VMCS_LINK_NONE);
}

/*
 * The state after power-up or INIT (SDM vol. 3A, 10.1.1, table 10-1; 9-1 in older
 * editions): real mode at F000:FFF0, with `cr0`. The task register is a busy 32-bit
 * TSS (VM entry accepts no other type: 26.3.1.2). Not the MSRs, which INIT leaves
 * alone (vmx_vmcs_setup sets them at power-up).
 */
static void vmcs_guest_reset(struct vcpu *v, u64 cr0)
{
    struct vmx_vcpu *vx = to_vmx(v);
    static const struct {
        enum vmcs_seg s;
        u16 sel;
        u32 ar;
        u64 base;
    } segs[] = {
        { VMCS_CS, 0xf000, 0x9b, 0xffff0000 }, { VMCS_SS, 0, 0x93, 0 },
        { VMCS_DS, 0, 0x93, 0 }, { VMCS_ES, 0, 0x93, 0 }, { VMCS_FS, 0, 0x93, 0 },
        { VMCS_GS, 0, 0x93, 0 }, { VMCS_LDTR, 0, 0x82, 0 }, { VMCS_TR, 0, 0x8b, 0 },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(segs); i++) {
        vmwrite(GUEST_SEG_SELECTOR(segs[i].s), segs[i].sel);
        vmwrite(GUEST_SEG_LIMIT(segs[i].s), 0xffff);
        vmwrite(GUEST_SEG_AR(segs[i].s), segs[i].ar);
        vmwrite(GUEST_SEG_BASE(segs[i].s), segs[i].base);
    }
    vmwrite(GUEST_GDTR_BASE, 0);
    vmwrite(GUEST_GDTR_LIMIT, 0xffff);
    vmwrite(GUEST_IDTR_BASE, 0);
    vmwrite(GUEST_IDTR_LIMIT, 0xffff);
    vx->cr0_shadow = cr0;
    vx->cr4_shadow = 0;
    vmwrite(CR0_READ_SHADOW, vx->cr0_shadow);
    vmwrite(CR4_READ_SHADOW, vx->cr4_shadow);
    vmwrite(GUEST_CR0, (vx->cr0_shadow | vmx_caps.cr0_must1) & vmx_caps.cr0_may1);
    vmwrite(GUEST_CR4, (vx->cr4_shadow | vmx_caps.cr4_must1) & vmx_caps.cr4_may1);
    vmwrite(GUEST_CR3, 0);
    vmwrite(GUEST_DR7, X86_DR7_RESET);
    vmwrite(GUEST_RSP, 0);
    vmwrite(GUEST_RIP, 0xfff0);
    vmwrite(GUEST_RFLAGS, X86_EFLAGS_FIXED);
    vmwrite(GUEST_IA32_EFER, 0);
    vmwrite(GUEST_IA32_DEBUGCTL, 0);
    vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
    vmwrite(GUEST_ACTIVITY_STATE, 0); /* active: HLT always exits */
    vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vx->cr2 = 0;
}

/* Fill the current VMCS (just VMCLEARed and VMPTRLDed on the vCPU's pCPU): the
 * state at power-up, with the MSRs the VMCS switches at their power-up values. */
void vmx_vmcs_setup(struct vcpu *v)
{
    vmcs_controls(v);
    vmcs_host_state();
    vmcs_guest_reset(v, X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
    vmwrite(GUEST_IA32_PAT, PAT_DEFAULT);
    vmwrite(GUEST_SYSENTER_CS, 0);
    vmwrite(GUEST_SYSENTER_ESP, 0);
    vmwrite(GUEST_SYSENTER_EIP, 0);
}

/*
 * INIT: the guest state at reset, no event being injected, not in long mode. What
 * INIT leaves alone stays: the MSRs (SDM vol. 3A, 10.1), the PAT and SYSENTER_* here
 * among them ("Programming the PAT": INIT does not change it), and CR0.CD and NW
 * (table 10-1, its footnote on CR0; VM entry does not load those two anyway:
 * 26.3.2.1). The controls stay as they are (the core's interrupt and NMI windows
 * with them).
 */
void vmx_vmcs_reset_guest(struct vcpu *v)
{
    vmcs_guest_reset(v, X86_CR0_ET | (vmread(GUEST_CR0) & (X86_CR0_CD | X86_CR0_NW)));
    vmwrite(VM_ENTRY_CONTROLS, vmx_caps.entry);
    vmx_set_entry_event(to_vmx(v), 0, 0, 0);
}

/* ---- the state dump ---- */

static u64 rd(u32 field)
{
    u64 v;

    return vmread_safe(field, &v) ? 0xdeadULL : v;
}

static void dump_seg(const char *name, enum vmcs_seg s)
{
    printk("  %-4s sel %04llx ar %05llx limit %08llx base %016llx\n", name,
           rd(GUEST_SEG_SELECTOR(s)), rd(GUEST_SEG_AR(s)), rd(GUEST_SEG_LIMIT(s)),
           rd(GUEST_SEG_BASE(s)));
}

void vmx_vmcs_dump(struct vcpu *v)
{
    static const char *const names[] = { "es", "cs", "ss",   "ds",
                                         "fs", "gs", "ldtr", "tr" };
    struct vmx_vcpu *vx = to_vmx(v);
    u64 reason = rd(VM_EXIT_REASON);

    if (!vx->vmcs_ready || v->processor != smp_processor_id()) {
        printk("d%uv%u VMCS: not loaded on this CPU\n", v->domain->id, v->id);
        return;
    }
    printk("d%uv%u VMCS at %#llx (vpid %u): exit reason %#llx (%s) qualification %#llx\n",
           v->domain->id, v->id, vx->vmcs_pa, vx->vpid, reason,
           vmx_exit_reason_name(EXIT_REASON_BASIC(reason)), rd(EXIT_QUALIFICATION));
    printk("  exit intr info %#llx error %#llx, idt vectoring %#llx error %#llx, "
           "entry intr info %#llx error %#llx len %llu\n", rd(VM_EXIT_INTR_INFO),
           rd(VM_EXIT_INTR_ERROR_CODE), rd(IDT_VECTORING_INFO),
           rd(IDT_VECTORING_ERROR_CODE),
           rd(VM_ENTRY_INTR_INFO), rd(VM_ENTRY_EXCEPTION_ERROR_CODE),
           rd(VM_ENTRY_INSTRUCTION_LEN));
    printk("  rip %016llx rsp %016llx rflags %08llx interruptibility %#llx "
           "activity %llu\n", rd(GUEST_RIP), rd(GUEST_RSP), rd(GUEST_RFLAGS),
           rd(GUEST_INTERRUPTIBILITY_INFO), rd(GUEST_ACTIVITY_STATE));
    printk("  cr0 %08llx (shadow %08llx) cr3 %016llx cr4 %08llx (shadow %08llx) "
           "cr2 %#llx\n", rd(GUEST_CR0), rd(CR0_READ_SHADOW), rd(GUEST_CR3),
           rd(GUEST_CR4), rd(CR4_READ_SHADOW), vx->cr2);
    printk("  efer %08llx pat %016llx dr7 %#llx pending dbg %#llx pdpte0 %#llx\n",
           rd(GUEST_IA32_EFER), rd(GUEST_IA32_PAT), rd(GUEST_DR7),
           rd(GUEST_PENDING_DBG_EXCEPTIONS), rd(GUEST_PDPTE0));
    for (unsigned int s = VMCS_ES; s <= VMCS_TR; s++)
        dump_seg(names[s], s);
    printk("  gdtr base %016llx limit %04llx, idtr base %016llx limit %04llx\n",
           rd(GUEST_GDTR_BASE), rd(GUEST_GDTR_LIMIT), rd(GUEST_IDTR_BASE),
           rd(GUEST_IDTR_LIMIT));
    printk("  controls: pin %#llx proc %#llx proc2 %#llx exit %#llx entry %#llx "
           "eptp %#llx\n", rd(PIN_BASED_VM_EXEC_CONTROL), rd(CPU_BASED_VM_EXEC_CONTROL),
           rd(SECONDARY_VM_EXEC_CONTROL), rd(VM_EXIT_CONTROLS), rd(VM_ENTRY_CONTROLS),
           rd(EPT_POINTER));
}
