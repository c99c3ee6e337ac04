/* SPDX-License-Identifier: BSD-2-Clause */
/* The VMX backend's own declarations (nothing outside vmx/ includes this). */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <hv/domain.h>
#include <hv/hvm.h>
#include "vmcs.h"

/* What the CPU offers and what we chose, read once by vmx_probe() (vmcs.c). */
struct vmx_caps {
    u64 basic;                  /* IA32_VMX_BASIC */
    u32 revision;               /* the VMCS revision identifier */
    u32 pin, proc, proc2;       /* the VM-execution controls every VMCS starts with */
    u32 exit, entry;            /* VM-exit and VM-entry controls (entry: not IA-32e) */
    u64 ept_vpid;               /* IA32_VMX_EPT_VPID_CAP */
    bool vpid;                  /* VPIDs enabled */
    bool ept_ad;                /* EPT accessed/dirty flags enabled */
    /* CR0 and CR4 in VMX operation (A.7, A.8): bits that must be 1 (fixed0) and bits
     * that may be 1 (fixed1), the same for host and guest but for CR0.PE and PG, which
     * an unrestricted guest may clear (26.3.1.1): cr0_must1 lacks them,
     * host_cr0_must1 has them. The host-owned bits of the guest/host masks are the
     * guest's must-be-1 bits. */
    u64 cr0_must1, cr0_may1, cr4_must1, cr4_may1;
    u64 host_cr0_must1;
};

extern struct vmx_caps vmx_caps;

/* The MSRs VMX does not switch and the host never uses (no SYSCALL, no SWAPGS: the
 * hypervisor has no user mode). The guest owns them while its vCPU is on a pCPU;
 * they are switched only between vCPUs (vmx.c, lazy_state_load), with DR0-DR3 and
 * DR6. */
enum {
    LAZY_KERNEL_GS_BASE, LAZY_STAR, LAZY_LSTAR, LAZY_CSTAR, LAZY_SFMASK, NR_LAZY_MSRS
};
extern const u32 vmx_lazy_msrs[NR_LAZY_MSRS];

/*
 * A vCPU's VMX state. (c) set at creation; (v) only on the vCPU's own pCPU; (a) atomic.
 * The VMCS is set up lazily, on the vCPU's pCPU, by the first backend call made there
 * (vmcs_ready); calls from another pCPU before that (the domain builder's
 * hvm_set_boot_state) land in `boot` and are applied then.
 */
struct vmx_vcpu {
    void *vmcs;                 /* (c) the VMCS region, one page */
    paddr_t vmcs_pa;            /* (c) */
    void *vapic;                /* (c) the virtual-APIC page: the guest's TPR (CR8) */
    u16 vpid;                   /* (c) 0 when VPIDs are not used */
    bool vmcs_ready;            /* (v) set up (VMCLEAR, VMPTRLD, fields) on its pCPU */
    bool launched;              /* (v) VMLAUNCH succeeded: VMRESUME from now on */
    bool vpid_flush;            /* (v) INVVPID before the next entry */
    bool ept_flush;             /* (a) INVEPT before the next entry (p2m changed) */
    bool pdptes_stale;          /* (v) reload the PAE PDPTEs from guest memory */
    u32 proc;                   /* (v) primary processor-based controls, as written */
    u32 entry_intr_info;        /* (v) the event set up for the next entry (or 0) */
    u64 cr0_shadow, cr4_shadow; /* (v) the guest's own CR0/CR4 (the read shadows) */
    u64 cr2;                    /* (v) CR2 is not in the VMCS: the CPU's own, switched */
    u64 lazy_msrs[NR_LAZY_MSRS];/* (v) the guest's values while another vCPU has them */
    u64 dr[4], dr6;             /* (v) DR0-DR3 and DR6, likewise (vmx.c) */
    struct {                    /* state set before the VMCS exists */
        struct segment seg[NR_SEGS];
        u64 reg[HVM_NR_REGS];
        u32 seg_set, reg_set;   /* bitmaps */
    } boot;
};

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
    return v->backend;
}

/*
 * The event the next VM entry injects (24.8.3), or none (info 0): its error code when
 * info asks for one, and for a software event the length of its instruction (0 for
 * others), which the return address skips (26.6.1.3). On the vCPU's own pCPU, its VMCS
 * current.
 */
static inline void vmx_set_entry_event(struct vmx_vcpu *vx, u32 info, u32 error, u32 len)
{
    if (info & INTR_INFO_DELIVER_CODE)
        vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
    if (len)
        vmwrite(VM_ENTRY_INSTRUCTION_LEN, len);
    vx->entry_intr_info = info;
    vmwrite(VM_ENTRY_INTR_INFO, info);
}

/* entry.asm: load the guest's GPRs from gprs[] (all but RSP, which is in the VMCS),
 * VMLAUNCH (launched == false) or VMRESUME, and at the exit save them back. Returns 0
 * after a VM exit, or VMX_FAIL_INVALID / VMX_FAIL_VALID when the instruction failed
 * (nothing entered; VM_INSTRUCTION_ERROR says why for the latter). */
int vmx_vmenter(u64 *gprs, bool launched);
extern char vmx_vmexit[];   /* HOST_RIP: where every exit lands */

/* vmcs.c */
int vmx_caps_init(void);
int vmx_bitmaps_init(void);
void vmx_vmcs_setup(struct vcpu *v);
void vmx_vmcs_reset_guest(struct vcpu *v);
void vmx_vmcs_dump(struct vcpu *v);
u32 vmx_seg_ar(const struct segment *s, enum seg_reg r);
u16 vmx_seg_attr(u32 ar, enum seg_reg r);
extern const enum vmcs_seg vmx_seg_index[NR_SEGS - 2];

/* ept.c */
extern const struct p2m_format vmx_ept_format;
u64 vmx_eptp(mfn_t root);
void vmx_ept_flush(u64 eptp);

/* vpid.c */
int vmx_vpid_alloc(u16 *vpid);
void vmx_vpid_free(u16 vpid);
void vmx_vpid_flush(u16 vpid);

/* exit.c: the hardware exit as a neutral record. */
void vmx_decode_exit(struct vcpu *v, struct hvm_exit *e);
void vmx_entry_failed(struct vcpu *v, struct hvm_exit *e, int rc);

#endif /* VMX_VMX_H */
