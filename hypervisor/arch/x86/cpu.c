/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CPU identification (CPUID) and per-CPU control register set-up. */
#include <hv/console.h>
#include <hv/lib.h>
#include <asm/cpufeature.h>
#include <asm/mm.h>
#include <asm/msr.h>
#include <asm/processor.h>

struct cpu_features boot_cpu __ro_after_init;

#define X86_CR4_PGE        (1UL << 7)
#define X86_CR4_OSFXSR     (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)

static void identify_hvm(struct cpu_features *c)
{
    struct cpuid_regs r;

    if (c->vendor == VENDOR_AMD || c->max_ext_leaf >= 0x80000001) {
        cpuid(0x80000001, &r);
        c->svm = r.ecx & (1u << 2);
    }
    cpuid(1, &r);
    c->vmx = r.ecx & (1u << 5);

    if (c->svm) {
        /* APM vol. 2, 15.4: VM_CR.SVMDIS set means the firmware disabled SVM. */
        u64 vm_cr = 0;
        if (rdmsr_safe(MSR_VM_CR, &vm_cr) && (vm_cr & VM_CR_SVMDIS)) {
            c->svm = false;
            c->hvm_unusable = "AMD SVM is disabled by the firmware (VM_CR.SVMDIS); "
                              "enable it in the firmware setup";
        }
        if (c->svm && c->max_ext_leaf >= 0x8000000a) {
            cpuid(0x8000000a, &r);
            c->svm_revision = r.eax & 0xff;
            c->svm_nr_asids = r.ebx;
            c->svm_features = r.edx;
        }
    }
    if (c->vmx) {
        /* SDM vol. 3, 24.7: FEATURE_CONTROL locked without VMXON-outside-SMX. */
        u64 fc = 0;
        if (rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc) && (fc & FEATURE_CONTROL_LOCKED) &&
            !(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
            c->vmx = false;
            c->hvm_unusable = "Intel VT-x is disabled by the firmware "
                              "(IA32_FEATURE_CONTROL locked); enable it in the firmware setup";
        }
    }
    if (!c->svm && !c->vmx && !c->hvm_unusable)
        c->hvm_unusable = "this CPU has neither AMD SVM nor Intel VT-x (VMX). Under QEMU "
                          "use -cpu EPYC,+svm,+npt; on real hardware use a CPU with "
                          "hardware virtualization";
}

void cpu_identify(void)
{
    struct cpu_features *c = &boot_cpu;
    struct cpuid_regs r;
    u32 sig;

    cpuid(0, &r);
    c->max_leaf = r.eax;
    memcpy(c->vendor_id + 0, &r.ebx, 4);
    memcpy(c->vendor_id + 4, &r.edx, 4);
    memcpy(c->vendor_id + 8, &r.ecx, 4);
    c->vendor_id[12] = '\0';
    if (!strcmp(c->vendor_id, "GenuineIntel"))
        c->vendor = VENDOR_INTEL;
    else if (!strcmp(c->vendor_id, "AuthenticAMD") || !strcmp(c->vendor_id, "HygonGenuine"))
        c->vendor = VENDOR_AMD;

    cpuid(1, &r);
    sig = r.eax;
    c->family = (sig >> 8) & 0xf;
    c->model = (sig >> 4) & 0xf;
    if (c->family == 0xf)
        c->family += (sig >> 20) & 0xff;
    if (c->family >= 6)
        c->model |= ((sig >> 16) & 0xf) << 4;
    c->stepping = sig & 0xf;
    c->apic = r.edx & (1u << 9);
    c->pge = r.edx & (1u << 13);
    c->x2apic = r.ecx & (1u << 21);
    c->tsc_deadline = r.ecx & (1u << 24);
    c->hypervisor = r.ecx & (1u << 31);

    if (c->max_leaf >= 7) {
        cpuid_count(7, 0, &r);
        c->smep = r.ebx & (1u << 7);
        c->smap = r.ebx & (1u << 20);
    }

    cpuid(0x80000000, &r);
    c->max_ext_leaf = r.eax;
    if (c->max_ext_leaf >= 0x80000001) {
        cpuid(0x80000001, &r);
        c->nx = r.edx & (1u << 20);
        c->pdpe1gb = r.edx & (1u << 26);
    }
    if (c->max_ext_leaf >= 0x80000004) {
        for (u32 i = 0; i < 3; i++) {
            cpuid(0x80000002 + i, &r);
            memcpy(c->brand + 16 * i, &r, 16);
        }
        c->brand[48] = '\0';
    }
    if (c->max_ext_leaf >= 0x80000007) {
        cpuid(0x80000007, &r);
        c->invariant_tsc = r.edx & (1u << 8);
    }
    identify_hvm(c);

    pte_nx_mask = c->nx ? _PAGE_NX : 0;
    cpu_has_1g_pages = c->pdpe1gb;

    printk("CPU: %s family %#x model %#x stepping %u (%s)\n", c->vendor_id, c->family,
           c->model, c->stepping, c->brand[0] ? c->brand : "no brand string");
    printk("CPU: virtualization: %s%s%s; features:%s%s%s%s%s%s%s\n",
           c->svm ? "AMD SVM" : "", c->svm && c->vmx ? ", " : "",
           c->vmx ? "Intel VT-x" : (c->svm ? "" : "none"), c->x2apic ? " x2apic" : "",
           c->tsc_deadline ? " tsc-deadline" : "", c->invariant_tsc ? " invariant-tsc" : "",
           c->nx ? " nx" : "", c->pdpe1gb ? " 1g-pages" : "", c->smep ? " smep" : "",
           c->smap ? " smap" : "");
    if (c->svm)
        printk("CPU: SVM revision %u, %u ASIDs, features %#x\n", c->svm_revision,
               c->svm_nr_asids, c->svm_features);
}

void cpu_init_cr4(void)
{
    u64 cr4 = read_cr4();

    if (boot_cpu.pge)
        cr4 |= X86_CR4_PGE;
    /* The hypervisor itself uses no SSE, but it saves and loads guests' x87/SSE state
     * (FXSAVE saves the XMM registers only with OSFXSR: SDM vol. 1, 10.5.1) and its
     * instruction emulator moves guests' XMM registers (SSE instructions #UD without
     * OSFXSR). CR0.EM must be clear and CR0.TS too, or they raise #UD/#NM. */
    cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    write_cr0(read_cr0() & ~((1UL << 2) | (1UL << 3)));
    /* The host never maps user pages, so SMEP and SMAP cost nothing and stop the
     * hypervisor from running or reading through a stray user mapping. */
    if (boot_cpu.smep)
        cr4 |= X86_CR4_SMEP;
    if (boot_cpu.smap)
        cr4 |= X86_CR4_SMAP;
    write_cr4(cr4);
}
