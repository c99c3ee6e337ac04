/* SPDX-License-Identifier: BSD-2-Clause */
/* What the host CPUs can do, read once from CPUID on the boot CPU (arch/x86/cpu.c). */
#ifndef ASM_CPUFEATURE_H
#define ASM_CPUFEATURE_H

#include <hv/types.h>

enum cpu_vendor { VENDOR_UNKNOWN, VENDOR_INTEL, VENDOR_AMD };

struct cpu_features {
    enum cpu_vendor vendor;
    char vendor_id[13];
    char brand[49];
    u32 family, model, stepping;
    u32 max_leaf, max_ext_leaf;

    bool apic, x2apic, tsc_deadline, invariant_tsc;
    bool nx, pdpe1gb, pge, smep, smap;
    bool hypervisor;          /* CPUID.1:ECX.31: we run under another hypervisor */

    /* Hardware virtualization, and why it cannot be used when it cannot. */
    bool svm, vmx;
    const char *hvm_unusable; /* NULL when svm or vmx is usable */
    u32 svm_revision, svm_nr_asids, svm_features; /* CPUID 0x8000000A */
};

extern struct cpu_features boot_cpu;

/* Fill boot_cpu; print a summary. Runs on the boot CPU before anything else uses it. */
void cpu_identify(void);

/* Turn on the CR4 features this CPU has (PGE, SMEP, SMAP...): every CPU calls it. */
void cpu_init_cr4(void);

#endif /* ASM_CPUFEATURE_H */
