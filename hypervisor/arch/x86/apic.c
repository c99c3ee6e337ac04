/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's local APIC: xAPIC through its MMIO page, or x2APIC through MSRs when the
 * CPU has it (SDM vol. 3, 11.12). The timer runs one-shot, in TSC-deadline mode where
 * the CPU offers it (SDM 11.5.4.1), and drives the timer subsystem: it is programmed
 * for the earliest pending timer of the CPU, never as a periodic tick.
 */
#include <hv/acpi.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/panic.h>
#include <hv/param.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/mm.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/traps.h>

static volatile u32 *xapic_base __ro_after_init;
static bool x2apic_mode __ro_after_init;
static bool use_tsc_deadline __ro_after_init;
static u64 apic_timer_hz __ro_after_init; /* LAPIC timer ticks per second (divide 1) */
static const struct acpi_info *madt __ro_after_init;

static bool opt_x2apic = true;
param_bool("x2apic", opt_x2apic);
static bool opt_tsc_deadline = true;
param_bool("tsc_deadline", opt_tsc_deadline);

DECLARE_PER_CPU(u32, cpu_acpi_uid);

bool apic_x2apic_mode(void)
{
    return x2apic_mode;
}

u32 apic_read(unsigned int reg)
{
    if (x2apic_mode)
        return (u32)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
    return xapic_base[reg / 4];
}

void apic_write(unsigned int reg, u32 val)
{
    if (x2apic_mode)
        wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
    else
        xapic_base[reg / 4] = val;
}

u32 apic_current_id(void)
{
    return x2apic_mode ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

void apic_wait_icr_idle(void)
{
    if (x2apic_mode)
        return; /* x2APIC has no delivery-status bit: writes are never lost */
    while (apic_read(APIC_ICR) & APIC_ICR_BUSY)
        cpu_relax();
}

void apic_send_ipi(u32 dest, u32 icr_low)
{
    unsigned long flags = local_irq_save();

    if (x2apic_mode) {
        /* SDM 11.12.9: a single 64-bit WRMSR; order earlier stores before it
         * (x2APIC MSR writes are not serializing). */
        __asm__ volatile("mfence" ::: "memory");
        wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), ((u64)dest << 32) | icr_low);
    } else {
        apic_wait_icr_idle();
        apic_write(APIC_ICR2, dest << 24);
        apic_write(APIC_ICR, icr_low);
    }
    local_irq_restore(flags);
}

static void apic_error_interrupt(struct cpu_regs *regs, void *data)
{
    u32 esr;

    apic_write(APIC_ESR, 0);
    esr = apic_read(APIC_ESR);
    printk(LOG_WARN "CPU %u: APIC error, ESR %#x\n", smp_processor_id(), esr);
}

static void apic_timer_interrupt(struct cpu_regs *regs, void *data)
{
    raise_softirq(SOFTIRQ_TIMER);
}

/* LINT0/LINT1 configuration from the MADT's local APIC NMI entries. */
static void setup_lints(void)
{
    u32 lvt[2] = { APIC_LVT_MASKED | APIC_DM_EXTINT, APIC_LVT_MASKED };
    u32 uid = this_cpu(cpu_acpi_uid);

    for (unsigned int i = 0; madt && i < madt->nr_lapic_nmis; i++) {
        const struct acpi_lapic_nmi *n = &madt->lapic_nmis[i];
        if (n->lint > 1 || (n->acpi_uid != 0xffffffff && n->acpi_uid != uid))
            continue;
        lvt[n->lint] = APIC_DM_NMI;
        if ((n->flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW)
            lvt[n->lint] |= APIC_LVT_ACTIVE_LOW;
        if ((n->flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL)
            lvt[n->lint] |= APIC_LVT_LEVEL;
    }
    /* LINT0 stays masked: the 8259s are masked and all IRQs go through IO-APICs. */
    apic_write(APIC_LVT0, lvt[0]);
    apic_write(APIC_LVT1, lvt[1]);
}

void apic_init_cpu(void)
{
    u64 base = rdmsr(MSR_IA32_APIC_BASE);

    base |= APIC_BASE_ENABLE;
    if (x2apic_mode)
        base |= APIC_BASE_X2APIC_ENABLE;
    wrmsr(MSR_IA32_APIC_BASE, base);

    apic_write(APIC_TPR, 0);
    if (!x2apic_mode) {
        /* Flat logical mode, unused: IPIs go by physical APIC ID. */
        apic_write(APIC_DFR, 0xffffffff);
        apic_write(APIC_LDR, 0);
    }
    apic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_APIC_VECTOR);
    apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
    if ((apic_read(APIC_LVR) >> 16 & 0xff) >= 4)
        apic_write(APIC_LVTPC, APIC_LVT_MASKED);
    if ((apic_read(APIC_LVR) >> 16 & 0xff) >= 5)
        apic_write(APIC_LVTTHMR, APIC_LVT_MASKED);
    setup_lints();
    apic_write(APIC_LVTERR, ERROR_APIC_VECTOR);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_ESR, 0);
    apic_eoi();
}

void apic_init_bsp(const struct acpi_info *ai)
{
    u64 base = rdmsr(MSR_IA32_APIC_BASE);
    paddr_t pa = base & APIC_BASE_ADDR_MASK;

    madt = ai;
    if (!boot_cpu.apic)
        panic("this CPU has no local APIC; Petrel needs one");
    if (ai->lapic_address && ai->lapic_address != pa)
        printk(LOG_WARN "APIC: MADT says the APIC is at %#llx, the MSR says %#llx; "
                        "using the MSR\n",
               (unsigned long long)ai->lapic_address, (unsigned long long)pa);

    /* Once x2APIC is on, going back needs a disable first (SDM 11.12.5). Stay with
     * whatever firmware chose if it already enabled x2APIC. */
    x2apic_mode = (boot_cpu.x2apic && opt_x2apic) || (base & APIC_BASE_X2APIC_ENABLE);
    if (!x2apic_mode) {
        xapic_base = ioremap(pa, PAGE_SIZE);
        if (!xapic_base)
            panic("APIC: cannot map the xAPIC page");
    }
    set_irq_handler(ERROR_APIC_VECTOR, apic_error_interrupt, NULL);
    set_irq_handler(LOCAL_TIMER_VECTOR, apic_timer_interrupt, NULL);
    apic_init_cpu();
    printk("APIC: %s mode, boot CPU APIC ID %u, version %#x\n",
           x2apic_mode ? "x2APIC" : "xAPIC", apic_current_id(), apic_read(APIC_LVR) & 0xff);
}

/* ---- the timer ---- */

void apic_timer_init(void)
{
    u64 t0, t1, count;

    use_tsc_deadline = boot_cpu.tsc_deadline && opt_tsc_deadline;
    if (use_tsc_deadline) {
        printk("APIC: timer in TSC-deadline mode\n");
        return;
    }
    /* Calibrate the one-shot count rate against the (already calibrated) TSC. */
    apic_write(APIC_TDCR, APIC_TDCR_DIV_1);
    apic_write(APIC_LVTT, APIC_LVT_MASKED | APIC_TIMER_ONESHOT | LOCAL_TIMER_VECTOR);
    apic_write(APIC_TMICT, 0xffffffff);
    t0 = NOW();
    do {
        t1 = NOW();
    } while (t1 - t0 < MILLISECS(10));
    count = 0xffffffff - apic_read(APIC_TMCCT);
    apic_write(APIC_TMICT, 0);
    apic_timer_hz = count * SECONDS(1) / (t1 - t0);
    if (!apic_timer_hz)
        panic("APIC: the timer does not count");
    printk("APIC: timer in one-shot mode at %llu.%03llu MHz\n",
           (unsigned long long)(apic_timer_hz / 1000000),
           (unsigned long long)(apic_timer_hz / 1000 % 1000));
}

void apic_timer_init_cpu(void)
{
    if (use_tsc_deadline) {
        apic_write(APIC_LVTT, APIC_TIMER_TSC_DEADLINE | LOCAL_TIMER_VECTOR);
        /* SDM 11.5.4.1: order the LVT write before the first IA32_TSC_DEADLINE write. */
        __asm__ volatile("mfence" ::: "memory");
    } else {
        apic_write(APIC_TDCR, APIC_TDCR_DIV_1);
        apic_write(APIC_LVTT, APIC_TIMER_ONESHOT | LOCAL_TIMER_VECTOR);
    }
}

const char *apic_timer_mode(void)
{
    return use_tsc_deadline ? "TSC-deadline" : "one-shot";
}

void arch_set_timer_deadline(s_time_t deadline)
{
    if (use_tsc_deadline) {
        wrmsr(MSR_IA32_TSC_DEADLINE, deadline ? ns_to_tsc_deadline(deadline) : 0);
        return;
    }
    if (!deadline) {
        apic_write(APIC_TMICT, 0);
        return;
    }
    {
        s_time_t delta = deadline - NOW();
        u64 count;

        if (delta < MICROSECS(1))
            delta = MICROSECS(1);
        if (delta > SECONDS(1))
            delta = SECONDS(1); /* keeps the product below 2^64; fires early, re-arms */
        count = (u64)delta * apic_timer_hz / SECONDS(1);
        if (count > 0xffffffffULL)
            count = 0xffffffffULL; /* fires early; the timer code re-arms */
        apic_write(APIC_TMICT, count ? (u32)count : 1);
    }
}
