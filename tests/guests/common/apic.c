/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The local APIC (xAPIC through MMIO at PLATFORM_LAPIC_BASE, x2APIC through the MSRs
 * from 0x800) and the IO-APIC (index and window registers at PLATFORM_IOAPIC_BASE).
 *
 * Which mode a CPU's local APIC is in is per CPU (this_cpu()->x2apic); every access
 * goes the way that mode wants. SDM vol. 3A: 11.4 (xAPIC), 11.12 (x2APIC: MSR
 * 0x800 + offset / 16, the ICR as one 64-bit MSR, no DFR, a read-only LDR).
 */
#include "devices.h"

bool lapic_present(void)
{
    return cpuid(1).d & CPUID1_EDX_APIC;
}

bool x2apic_available(void)
{
    return cpuid(1).c & CPUID1_ECX_X2APIC;
}

bool tsc_deadline_available(void)
{
    return cpuid(1).c & CPUID1_ECX_TSC_DEADLINE;
}

bool lapic_is_x2apic(void)
{
    return this_cpu()->x2apic;
}

uint32_t lapic_read(unsigned int reg)
{
    if (this_cpu()->x2apic)
        return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
    return mmio_read32(PLATFORM_LAPIC_BASE + reg);
}

void lapic_write(unsigned int reg, uint32_t val)
{
    if (this_cpu()->x2apic)
        wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
    else
        mmio_write32(PLATFORM_LAPIC_BASE + reg, val);
}

static void spurious_interrupt(struct trap_frame *f)
{
    (void)f;
    this_cpu()->spurious++;             /* no EOI for the spurious vector */
}

void lapic_enable(void)
{
    struct cpu_info *c = this_cpu();
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

    if ((base & ~(uint64_t)0xfff) != PLATFORM_LAPIC_BASE)
        fail("CPU %u: the local APIC is at %#" PRIx64 ", not %#x", c->id,
             base & ~(uint64_t)0xfff, PLATFORM_LAPIC_BASE);
    if (!(base & APIC_BASE_EN)) {
        base = (base & ~(uint64_t)APIC_BASE_EXTD) | APIC_BASE_EN;
        wrmsr(MSR_IA32_APIC_BASE, base);
    }
    c->x2apic = base & APIC_BASE_EXTD;
    set_trap_handler(SPURIOUS_VECTOR, spurious_interrupt);
    lapic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VECTOR);
    lapic_write(APIC_TPR, 0);
}

bool lapic_enable_x2apic(void)
{
    struct cpu_info *c = this_cpu();
    uint64_t base;

    if (!x2apic_available())
        return false;
    base = rdmsr(MSR_IA32_APIC_BASE);
    /* xAPIC -> x2APIC is allowed from the enabled state only (EN=1). */
    if (!(base & APIC_BASE_EN)) {
        base |= APIC_BASE_EN;
        wrmsr(MSR_IA32_APIC_BASE, base);
    }
    wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
    c->x2apic = true;
    return true;
}

void lapic_back_to_xapic(void)
{
    struct cpu_info *c = this_cpu();
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

    wrmsr(MSR_IA32_APIC_BASE, base & ~(uint64_t)(APIC_BASE_EN | APIC_BASE_EXTD));
    wrmsr(MSR_IA32_APIC_BASE, (base & ~(uint64_t)APIC_BASE_EXTD) | APIC_BASE_EN);
    c->x2apic = false;
    lapic_enable();
}

void lapic_global_disable(void)
{
    uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

    wrmsr(MSR_IA32_APIC_BASE, base & ~(uint64_t)(APIC_BASE_EN | APIC_BASE_EXTD));
    this_cpu()->x2apic = false;
}

uint32_t lapic_id(void)
{
    uint32_t id = lapic_read(APIC_ID);

    return this_cpu()->x2apic ? id : id >> 24;
}

void lapic_set_flat_ldr(unsigned int bit)
{
    lapic_write(APIC_DFR, 0xffffffffu);         /* model bits 28-31 all ones: flat */
    lapic_write(APIC_LDR, (1u << bit) << 24);
}

static bool vector_bit(unsigned int base, uint8_t vector)
{
    return lapic_read(base + 0x10 * (vector / 32)) & (1u << (vector % 32));
}

bool lapic_irr(uint8_t vector) { return vector_bit(APIC_IRR, vector); }
bool lapic_isr(uint8_t vector) { return vector_bit(APIC_ISR, vector); }
bool lapic_tmr(uint8_t vector) { return vector_bit(APIC_TMR, vector); }

void lapic_send_ipi(uint32_t dest, uint32_t icr)
{
    unsigned long flags = irq_save();

    if (this_cpu()->x2apic) {
        /* One write: no delivery status to wait for (SDM 11.12.9). */
        wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), ((uint64_t)dest << 32) | icr);
    } else {
        if (!wait_for(!(lapic_read(APIC_ICR) & APIC_DELIVERY_PENDING), 100000))
            fail("CPU %u: the ICR's delivery status stayed pending for 100 ms",
                 smp_cpu_id());
        lapic_write(APIC_ICR2, dest << 24);
        lapic_write(APIC_ICR, icr);
    }
    irq_restore(flags);
}

/* ---- the timer ---- */

void lapic_timer_set_divide(unsigned int divide)
{
    /* DCR bits 3,1,0: 0b000 /2, 0b001 /4, 0b010 /8, 0b011 /16, 0b100 /32, 0b101 /64,
     * 0b110 /128, 0b111 /1 (SDM figure 11-10). */
    unsigned int log2 = 0, code;

    while ((1u << log2) < divide)
        log2++;
    code = log2 == 0 ? 7 : log2 - 1;
    lapic_write(APIC_TIMER_DCR, (code & 3) | ((code & 4) << 1));
}

void lapic_timer_start(uint32_t mode, uint8_t vector, uint32_t count)
{
    lapic_write(APIC_LVT_TIMER, mode | vector);
    lapic_write(APIC_TIMER_ICR, count);
}

void lapic_timer_deadline(uint8_t vector, uint64_t tsc)
{
    lapic_write(APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | vector);
    /* SDM 11.5.4.1: the mode change must be seen before the MSR write. */
    asm volatile("mfence" ::: "memory");
    wrmsr(MSR_IA32_TSC_DEADLINE, tsc);
}

void lapic_timer_stop(void)
{
    uint32_t lvt = lapic_read(APIC_LVT_TIMER);

    lapic_write(APIC_LVT_TIMER, lvt | APIC_LVT_MASKED);
    if ((lvt & (3u << 17)) == APIC_TIMER_TSC_DEADLINE)
        wrmsr(MSR_IA32_TSC_DEADLINE, 0);
    else
        lapic_write(APIC_TIMER_ICR, 0);
}

/* ---- IO-APIC ---- */

static spinlock_t ioapic_lock;

uint32_t ioapic_read(unsigned int reg)
{
    unsigned long flags = irq_save();
    uint32_t v;

    spin_lock(&ioapic_lock);
    mmio_write32(PLATFORM_IOAPIC_BASE + IOAPIC_REGSEL, reg);
    v = mmio_read32(PLATFORM_IOAPIC_BASE + IOAPIC_WINDOW);
    spin_unlock(&ioapic_lock);
    irq_restore(flags);
    return v;
}

void ioapic_write(unsigned int reg, uint32_t val)
{
    unsigned long flags = irq_save();

    spin_lock(&ioapic_lock);
    mmio_write32(PLATFORM_IOAPIC_BASE + IOAPIC_REGSEL, reg);
    mmio_write32(PLATFORM_IOAPIC_BASE + IOAPIC_WINDOW, val);
    spin_unlock(&ioapic_lock);
    irq_restore(flags);
}

unsigned int ioapic_version(void)
{
    return ioapic_read(IOAPIC_REG_VER) & 0xff;
}

unsigned int ioapic_pins(void)
{
    return ((ioapic_read(IOAPIC_REG_VER) >> 16) & 0xff) + 1;
}

uint64_t ioapic_get_entry(unsigned int pin)
{
    uint32_t lo = ioapic_read(IOAPIC_REG_RTE(pin));
    uint32_t hi = ioapic_read(IOAPIC_REG_RTE(pin) + 1);

    return ((uint64_t)hi << 32) | lo;
}

void ioapic_set_entry(unsigned int pin, uint64_t entry)
{
    /* Masked while half-written, so that no interrupt goes out with the new vector
     * and the old destination. */
    ioapic_write(IOAPIC_REG_RTE(pin), IOAPIC_MASKED);
    ioapic_write(IOAPIC_REG_RTE(pin) + 1, (uint32_t)(entry >> 32));
    ioapic_write(IOAPIC_REG_RTE(pin), (uint32_t)entry);
}

void ioapic_route(unsigned int pin, uint8_t vector, uint32_t flags, uint32_t dest)
{
    ioapic_set_entry(pin, ((uint64_t)(dest & 0xff) << 56) | flags | vector);
}

void ioapic_mask(unsigned int pin, bool masked)
{
    uint32_t lo = ioapic_read(IOAPIC_REG_RTE(pin));

    lo = masked ? lo | IOAPIC_MASKED : lo & ~IOAPIC_MASKED;
    ioapic_write(IOAPIC_REG_RTE(pin), lo);
}

void ioapic_mask_all(void)
{
    unsigned int n = ioapic_pins();

    for (unsigned int pin = 0; pin < n; pin++)
        ioapic_mask(pin, true);
}
