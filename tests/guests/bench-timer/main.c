/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-timer: VM exits per delivered local APIC timer interrupt. The timer runs
 * periodic at 1 kHz; the guest takes N interrupts, each ended with an EOI, and
 * counts the VM exits its vCPU took meanwhile with the test device's TESTDEV_EXITS
 * register (read before and after: the second read's own exit is subtracted). One
 * line per kind:
 *
 *     BENCH-EXITS <kind> interrupts=<N> exits=<E> tsc=<cycles>
 *
 *   lapic-timer-xapic-hlt     xAPIC (EOI an MMIO write), HLT between interrupts
 *   lapic-timer-xapic-busy    xAPIC, spinning between interrupts
 *   lapic-timer-x2apic-hlt    x2APIC (EOI a WRMSR), HLT between interrupts
 *   lapic-timer-x2apic-busy   x2APIC, spinning
 *
 * What an interrupt can cost: the exit that lets the hypervisor inject it (the host
 * timer interrupt, or the HLT the vCPU sleeps in), the EOI, and an interrupt-window
 * exit when the vCPU could not take it at once. The timer's count is calibrated
 * against the TSC rather than assumed (bare hardware's APIC bus rates differ). The
 * checks only make sure the figures are real: the interrupts came, at about 1 kHz.
 */
#include "devices.h"

#define VEC        0xe0
#define HZ         1000u
#define INTERRUPTS 2000u

static volatile unsigned long ticks;

static void timer_handler(struct trap_frame *f)
{
    (void)f;
    ticks++;
    lapic_eoi();
}

static uint64_t exits(void)
{
    uint64_t v;

    /* One 64-bit read, one exit. */
    asm volatile("movq (%1), %0" : "=r"(v)
                 : "r"((volatile uint64_t *)(TESTDEV_MMIO_BASE + TESTDEV_EXITS)) : "memory");
    return v;
}

/* APIC timer counts (divide 1) per TSC cycle, as 2^32 fixed point: measured. */
static uint32_t counts_per_period(void)
{
    uint64_t t0, t1;
    uint32_t c0, c1;

    lapic_timer_set_divide(1);
    lapic_timer_start(APIC_TIMER_ONESHOT | APIC_LVT_MASKED, VEC, 0xffffffffu);
    c0 = lapic_timer_count();
    t0 = rdtsc();
    while (rdtsc() - t0 < tsc_hz / 100)     /* 10 ms */
        cpu_relax();
    c1 = lapic_timer_count();
    t1 = rdtsc();
    lapic_timer_stop();
    /* counts per second = (c0 - c1) * tsc_hz / (t1 - t0) */
    return (uint32_t)muldiv64(c0 - c1, tsc_hz, (t1 - t0) * HZ);
}

static void run(const char *kind, bool halt, uint32_t count)
{
    unsigned long first;
    uint64_t e0, e1, t0, t1;

    ticks = 0;
    lapic_timer_start(APIC_TIMER_PERIODIC, VEC, count);
    if (!wait_for(ticks != 0, 100000)) {
        fail("%s: no timer interrupt within 100 ms", kind);
        lapic_timer_stop();
        return;
    }
    first = ticks;
    e0 = exits();
    t0 = rdtsc();
    while (ticks - first < INTERRUPTS) {
        if (halt)
            asm volatile("hlt");
        else
            cpu_relax();
    }
    e1 = exits();
    t1 = rdtsc();
    lapic_timer_stop();
    printf("BENCH-EXITS %s interrupts=%u exits=%" PRIu64 " tsc=%" PRIu64 "\n", kind,
           INTERRUPTS, e1 - e0 - 1, t1 - t0);
    printf("%s: %u.%02u exits per interrupt, %u Hz\n", kind,
           (unsigned int)((e1 - e0 - 1) / INTERRUPTS),
           (unsigned int)((e1 - e0 - 1) * 100 / INTERRUPTS % 100),
           (unsigned int)muldiv64(INTERRUPTS, tsc_hz, t1 - t0));
    /* Late ticks stretch the run; none may come from nowhere: at most 10% fast. */
    check(t1 - t0 >= muldiv64(INTERRUPTS, tsc_hz, HZ) * 9 / 10,
          "%s: %u interrupts in %" PRIu64 " us: faster than %u Hz", kind, INTERRUPTS,
          muldiv64(t1 - t0, 1000000, tsc_hz), HZ);
}

void test_main(void)
{
    uint32_t count;

    if (!testdev_mmio_present())
        skip("no test device to count VM exits with");
    if (!lapic_present())
        skip("no local APIC");
    time_init();
    set_trap_handler(VEC, timer_handler);
    lapic_enable();
    count = counts_per_period();
    printf("APIC timer: %u counts per 1 ms period (divide 1)\n", count);
    if (count < 100)
        abort_test("the APIC timer counts %u per ms: too slow to measure", count);
    asm volatile("sti");
    run("lapic-timer-xapic-hlt", true, count);
    run("lapic-timer-xapic-busy", false, count);
    if (need_on_petrel(lapic_enable_x2apic(), "x2APIC, for the x2apic kinds")) {
        run("lapic-timer-x2apic-hlt", true, count);
        run("lapic-timer-x2apic-busy", false, count);
    }
    asm volatile("cli");
}
