/* SPDX-License-Identifier: BSD-2-Clause */
/* The SVM backend's own declarations (nothing outside svm/ includes this). */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include <hv/domain.h>
#include <hv/hvm.h>
#include "vmcb.h"

struct svm_vcpu {
    struct vmcb *vmcb;
    paddr_t vmcb_pa;
    u32 asid;               /* on the pCPU it last ran on */
    u64 asid_generation;    /* that pCPU's ASID generation when it was assigned */
    unsigned int asid_cpu;  /* that pCPU */
    bool asid_flush;        /* (a) take a fresh ASID at the next entry */
    u64 dr[4];              /* the guest's DR0-DR3 while another vCPU's are in the CPU */
};

static inline struct svm_vcpu *to_svm(struct vcpu *v)
{
    return v->backend;
}

extern u32 svm_features;    /* CPUID 0x8000000A EDX */

/* entry.asm: load the guest's GPRs, VMLOAD/VMRUN/VMSAVE, save them, restore the host's
 * VMLOAD state and take pending host interrupts (STGI). */
void svm_vmrun(paddr_t vmcb_pa, u64 *gprs, paddr_t host_vmcb_pa);

/* asid.c */
void svm_asid_cpu_init(unsigned int cpu);
void svm_asid_assign(struct svm_vcpu *sv, struct vmcb *vmcb);

/* exit.c: the hardware exit as a neutral record. */
void svm_decode_exit(struct vcpu *v, struct hvm_exit *e);

/* npt.c */
extern const struct p2m_format svm_npt_format;

/* vmcb.c */
void svm_vmcb_init(struct vcpu *v, struct vmcb *vmcb);
void svm_vmcb_dump(struct vcpu *v);
extern paddr_t svm_iopm_pa, svm_msrpm_pa;
int svm_intercept_maps_init(void);

#endif /* SVM_SVM_H */
