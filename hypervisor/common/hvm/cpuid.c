/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The CPUID a guest sees: the host's, sanitized. Feature bits pass only when they are
 * on the allow-lists below (what runs unmodified in a guest under second-stage paging
 * and what we virtualize); everything else reads 0 — virtualization, MONITOR/MWAIT,
 * performance counters, debug stores, topology we do not model, extended state beyond
 * x87/SSE (the guest's FPU state is switched with FXSAVE). The hypervisor leaves at
 * 0x40000000 identify Xen's HVM ABI ("XenVMMXenVMM"), as Xen-aware guests expect.
 *
 * Leaf and bit numbers: Intel SDM vol. 2A (CPUID), AMD APM vol. 3, appendix E.
 */
#include <hv/domain.h>
#include <hv/hvm.h>
#include <hv/lib.h>
#include <asm/processor.h>

#define BIT(n) (1u << (n))

/* Leaf 1 ECX: SSE3 PCLMULQDQ SSSE3 FMA? no (AVX family hidden) CX16 SSE4.1 SSE4.2
 * MOVBE POPCNT AES RDRAND; the hypervisor bit is set separately. */
#define L1_ECX_ALLOW (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(19) | BIT(20) | BIT(22) | \
                      BIT(23) | BIT(25) | BIT(30))
/* Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE MCE CX8 SEP PGE MCA? no CMOV PAT PSE36 CLFSH
 * MMX FXSR SSE SSE2 (APIC, MTRR, ACPI, TM, PBE, DS, HTT hidden until modelled). */
#define L1_EDX_ALLOW (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) |      \
                      BIT(7) | BIT(8) | BIT(11) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | \
                      BIT(19) | BIT(23) | BIT(24) | BIT(25) | BIT(26))
/* Leaf 7.0 EBX: FSGSBASE BMI1 SMEP BMI2 ERMS INVPCID? no RDSEED ADX SMAP CLFLUSHOPT
 * CLWB SHA. */
#define L7_EBX_ALLOW (BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(18) | BIT(19) |    \
                      BIT(20) | BIT(23) | BIT(24) | BIT(29))
/* Leaf 7.0 ECX: UMIP? no (not emulated) ... RDPID. */
#define L7_ECX_ALLOW (BIT(22))
/* 0x80000001 ECX: LAHF CMP_LEGACY? no ABM SSE4A MISALIGNSSE 3DNOWPREFETCH. */
#define LX1_ECX_ALLOW (BIT(0) | BIT(5) | BIT(6) | BIT(7) | BIT(8))
/* 0x80000001 EDX: SYSCALL NX MMXEXT FFXSR? no PAGE1GB RDTSCP LM, and the leaf-1
 * duplicates AMD mirrors there. */
#define LX1_EDX_ALLOW (BIT(11) | BIT(20) | BIT(22) | BIT(26) | BIT(27) | BIT(29) |         \
                       (L1_EDX_ALLOW & 0x0183f3ff))

#define HV_LEAF_BASE   0x40000000
#define HV_LEAF_MAX    0x40000005
#define XEN_VERSION    ((4u << 16) | 17u)  /* the Xen ABI version we implement */
#define HV_LEAF4_VCPU_ID_PRESENT BIT(3)    /* XEN_HVM_CPUID_VCPU_ID_PRESENT */

/* "XenVMMXenVMM" as three little-endian words. */
static const u32 xen_signature[3] = { 0x566e6558, 0x65584d4d, 0x4d4d566e };

static void hypervisor_leaf(struct vcpu *v, u32 leaf, struct cpuid_regs *r)
{
    memset(r, 0, sizeof(*r));
    switch (leaf) {
    case HV_LEAF_BASE:
        r->eax = HV_LEAF_MAX;
        r->ebx = xen_signature[0];
        r->ecx = xen_signature[1];
        r->edx = xen_signature[2];
        break;
    case HV_LEAF_BASE + 1:
        r->eax = XEN_VERSION;
        break;
    case HV_LEAF_BASE + 2:
        r->eax = 1;             /* hypercall pages */
        r->ebx = HV_LEAF_BASE;  /* the MSR that installs one */
        break;
    case HV_LEAF_BASE + 4:
        r->eax = HV_LEAF4_VCPU_ID_PRESENT;
        r->ebx = v->id;
        break;
    default:
        break;                  /* 3 (TSC) and 5 (PV features): none yet */
    }
}

/* Fill *r with what the guest's CPUID(leaf, subleaf) returns. */
void hvm_cpuid(struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
    struct cpuid_regs host;
    u32 max_basic, max_ext;

    if (leaf >= HV_LEAF_BASE && leaf < HV_LEAF_BASE + 0x100) {
        hypervisor_leaf(v, leaf, r);
        return;
    }
    cpuid(0, &host);
    max_basic = min(host.eax, 0xdu);
    if (max_basic < 0xb)
        max_basic = 0xb; /* leaf 0xB describes our topology, whatever the host's */
    cpuid(0x80000000, &host);
    max_ext = min(host.eax, 0x80000008u);
    if ((leaf < 0x80000000 && leaf > max_basic) ||
        (leaf >= 0x80000000 && leaf > max_ext)) {
        memset(r, 0, sizeof(*r)); /* leaves beyond the maximum read as zero (AMD) */
        return;
    }
    cpuid_count(leaf, subleaf, &host);
    memset(r, 0, sizeof(*r));

    switch (leaf) {
    case 0:
        *r = host;
        r->eax = max_basic;
        break;
    case 1:
        r->eax = host.eax;
        /* EBX: brand index and CLFLUSH size kept; initial APIC ID = vCPU id; the
         * logical processor count (with HTT) = the vCPUs. */
        r->ebx = (host.ebx & 0x0000ffff) | (v->id << 24);
        r->ecx = (host.ecx & L1_ECX_ALLOW) | BIT(31); /* "running under a hypervisor" */
        r->edx = host.edx & L1_EDX_ALLOW;
        if (v->domain->irq) {
            /* The virtual platform: an APIC, x2APIC, the TSC-deadline timer. */
            r->edx |= BIT(9);
            r->ecx |= BIT(21) | BIT(24);
            if (v->domain->nr_vcpus > 1)
                r->ebx |= (min(v->domain->nr_vcpus, 255u) << 16), r->edx |= BIT(28);
        }
        break;
    case 0xb:
        /* x2APIC topology: one thread per core, nr_vcpus cores (SDM vol. 2A, CPUID
         * leaf 0BH); EDX is the x2APIC ID. */
        if (!v->domain->irq || subleaf > 1)
            break;
        r->eax = subleaf == 0 ? 0 : 32 - __builtin_clz(max(v->domain->nr_vcpus, 2u) - 1);
        r->ebx = subleaf == 0 ? 1 : v->domain->nr_vcpus;
        r->ecx = subleaf | ((subleaf + 1) << 8);
        r->edx = v->id;
        break;
    case 7:
        if (subleaf == 0) {
            r->ebx = host.ebx & L7_EBX_ALLOW;
            r->ecx = host.ecx & L7_ECX_ALLOW;
        }
        break;
    case 0x80000000:
        *r = host;
        r->eax = max_ext;
        break;
    case 0x80000001:
        r->eax = host.eax;
        r->ecx = host.ecx & LX1_ECX_ALLOW;
        r->edx = host.edx & LX1_EDX_ALLOW;
        break;
    case 0x80000002 ... 0x80000006:
        *r = host;              /* brand string, cache and TLB descriptions */
        break;
    case 0x80000007:
        r->edx = host.edx & BIT(8); /* invariant TSC: the guest TSC is the host's */
        break;
    case 0x80000008:
        r->eax = host.eax & 0xffff; /* physical and linear address widths */
        break;
    default:
        break;                  /* 2-6, 0xa, 0xb, 0xd... hidden */
    }
}
