/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MSRs a guest can read and write when the backend intercepts them. The few the
 * hardware keeps per guest (FS/GS bases, SYSCALL and SYSENTER MSRs) never get here
 * on SVM: VMLOAD/VMSAVE switch them. Everything not listed gives the guest #GP, as a
 * CPU without that MSR would.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm.h>
#include <hv/hvm_irq.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>

#define MSR_IA32_TSC            0x00000010
#define MSR_IA32_PLATFORM_ID    0x00000017
#define MSR_IA32_BIOS_SIGN_ID   0x0000008b
#define EFER_FFXSR              (1ULL << 14)

#define GUEST_APIC_BASE         0xfee00000ULL

static u64 efer_allowed(void)
{
    return EFER_SCE | EFER_LME | EFER_LMA | (boot_cpu.nx ? EFER_NXE : 0);
}

/* Each PAT entry must be a valid memory type: 0, 1, 4, 5, 6 or 7 (SDM vol. 3, 11.12.2). */
static bool pat_valid(u64 pat)
{
    for (unsigned int i = 0; i < 8; i++) {
        u8 t = pat >> (8 * i);
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

static u64 apic_base(struct vcpu *v)
{
    return GUEST_APIC_BASE | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
}

int hvm_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
    int rc;

    if (hvm_irq_msr(v, msr, false, val, &rc))
        return rc; /* the local APIC's: APIC base, TSC deadline, x2APIC */
    switch (msr) {
    case MSR_EFER:
        *val = hvm_get_reg(v, HVM_REG_EFER);
        return 0;
    case MSR_IA32_TSC:
        *val = rdtsc() + v->hvm.tsc_offset;
        return 0;
    case MSR_IA32_PAT:
        *val = hvm_get_reg(v, HVM_REG_PAT);
        return 0;
    case MSR_IA32_APIC_BASE:
        *val = apic_base(v);
        return 0;
    case MSR_IA32_PLATFORM_ID:
    case MSR_IA32_BIOS_SIGN_ID:
        if (boot_cpu.vendor != VENDOR_INTEL)
            break;
        *val = 0;
        return 0;
    default:
        break;
    }
    printk(LOG_DEBUG "d%uv%u: RDMSR %#x: no such MSR, #GP\n", v->domain->id, v->id, msr);
    return -EPERM;
}

static int write_efer(struct vcpu *v, u64 val)
{
    u64 old = hvm_get_reg(v, HVM_REG_EFER);

    if (val & ~efer_allowed())
        return -EPERM;
    /* LME cannot change while paging is on (SDM vol. 3, 9.8.5); LMA is the CPU's. */
    if (((val ^ old) & EFER_LME) && (hvm_get_reg(v, HVM_REG_CR0) & X86_CR0_PG))
        return -EPERM;
    val = (val & ~EFER_LMA) | (old & EFER_LMA);
    hvm_set_reg(v, HVM_REG_EFER, val);
    return 0;
}

int hvm_msr_write(struct vcpu *v, u32 msr, u64 val)
{
    int rc;

    if (hvm_irq_msr(v, msr, true, &val, &rc))
        return rc;
    switch (msr) {
    case MSR_EFER:
        return write_efer(v, val);
    case MSR_IA32_TSC: {
        s64 offset = (s64)(val - rdtsc());

        hvm_set_reg(v, HVM_REG_TSC_OFFSET, (u64)offset);
        __atomic_store_n(&v->hvm.tsc_offset, offset, __ATOMIC_RELAXED);
        return 0;
    }
    case MSR_IA32_PAT:
        if (!pat_valid(val))
            return -EPERM;
        hvm_set_reg(v, HVM_REG_PAT, val);
        return 0;
    case MSR_IA32_APIC_BASE:
        /* A domain without the platform (apic=0) has no APIC to move or switch. */
        return val == apic_base(v) ? 0 : -EPERM;
    case MSR_IA32_BIOS_SIGN_ID:
        if (boot_cpu.vendor == VENDOR_INTEL)
            return 0; /* a microcode revision request: nothing to report */
        break;
    default:
        break;
    }
    printk(LOG_DEBUG "d%uv%u: WRMSR %#x <- %#llx: refused, #GP\n", v->domain->id, v->id,
           msr, val);
    return -EPERM;
}
