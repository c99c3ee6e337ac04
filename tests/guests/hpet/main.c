/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hpet: the HPET at 0xfed00000 (IA-PC HPET specification 1.0a; section numbers are
 * its). Timer interrupts go through the IO-APIC (the 8259s masked): a timer's own
 * route to a pin of its Tn_INT_ROUTE_CAP (the highest offered, clear of the ISA
 * pins), and with the legacy replacement route to IRQ0 = GSI 2 and IRQ8 = GSI 8.
 * 64-bit registers are accessed 64 bits at a time in long mode, as two halves in
 * 32-bit code (common/hpet.c); the rest with 32-bit accesses.
 *
 *   1. capabilities (2.3.4): a period of 10^7 fs (100 MHz, Petrel's and QEMU's),
 *      at least 3 timers, a 64-bit counter, LEG_RT_CAP; each timer 64-bit capable
 *      with some non-ISA route; timer 0 periodic capable
 *   2. the main counter's rate against the TSC calibrated on the PM timer
 *   3. halted (ENABLE_CNF = 0) the counter holds still and takes a value written to
 *      it (2.3.7); enabled it counts on from that value, carrying into the high half
 *   4. one-shot (2.3.9.2.1): the comparator 5 ms ahead of the counter: one edge
 *      interrupt on the route, no earlier than 5 ms, and no second one
 *   5. periodic (2.3.9.2.2): counter halted at 0, Tn_VAL_SET_CNF, comparator and
 *      period 1 ms: the rate; the comparator reads back as the next multiple of the
 *      period ahead of the counter
 *   6. 32-bit mode (Tn_32MODE_CNF): the comparator's high half reads 0 (under Petrel;
 *      plain QEMU keeps what a 32-bit write put there); with the counter at
 *      0x1_fff00000 and the comparator 0x00800000, interrupts come when the low half
 *      wraps (10.5 ms, 2.3.9.2.1) and when it reaches 0x00800000 (94.4 ms), where a
 *      64-bit comparator would never match
 *   7. level-triggered (2.3.6): the status bit is set at the match and stays set
 *      (a 0 written changes nothing) until a 1 is written; the interrupt delivered
 *      through a level-triggered IO-APIC entry once, its handler clearing the bit
 *   8. legacy replacement (2.3.9.1): the PIT at 1 kHz on IRQ0 first; then timer 0 at
 *      250 Hz gives IRQ0 (GSI 2) at 250 Hz and nothing of the PIT's, timer 1 IRQ8;
 *      timer 0 disabled, IRQ0 stays quiet with the PIT still running; the route off
 *      and the PIT's ticks come back
 *   9. the RTC across the legacy route: its 1024 Hz periodic interrupt on IRQ8; the
 *      route on (both timers off) and IRQ8 goes quiet while the RTC's flag, unread,
 *      holds its output high; the route off and IRQ8 takes that level again, so the
 *      interrupts come back (an RTC raises its output again only once register C is
 *      read: a line left low there would stop them for good)
 *
 * Tolerance: rates as in pit-pic (the typical interval within 10%, the count at most
 * 10% above; 15% for the legacy route's 250 Hz, whose point is that the PIT's 1 kHz
 * does not get through too: that would be 1250 Hz), the counter's rate within 2% over 100 ms: the TSC has been calibrated
 * against the PM timer, both are derived from the host's clock, and an emulator's
 * pauses land on both sides of the measurement alike. Interrupts may come late
 * (the host), never early. Comparators are set 5 ms ahead: under nested emulation
 * on a busy host, the MMIO writes that set one can take a millisecond, and one
 * written behind the counter waits for the counter to wrap.
 */
#include "devices.h"

#define VEC_MASTER  0x20
#define VEC_SLAVE   0x28
#define VEC_IRQ0    0x30
#define VEC_IRQ8    0x38
#define VEC_EDGE    0x50
#define VEC_LEVEL   0x51
#define HPET_FS     10000000u           /* Petrel's period, and QEMU's */
#define TICKS_PER_MS 100000u
#define PIT_DIVISOR 1193
#define MAX_EVENTS  8

static struct tick_log edge, irq0;
static volatile uint64_t edge_tsc[MAX_EVENTS];
static volatile unsigned long level_irqs, irq8_irqs;
static volatile bool clear_in_handler = true;
static unsigned int level_timer;

static void edge_handler(struct trap_frame *f)
{
    (void)f;
    if (edge.count < MAX_EVENTS)
        edge_tsc[edge.count] = rdtsc();
    tick(&edge);
    lapic_eoi();
}

static void level_handler(struct trap_frame *f)
{
    (void)f;
    level_irqs++;
    /* The line stays asserted until the status bit is cleared: before the EOI, or
     * the IO-APIC sends it again. */
    if (clear_in_handler)
        hpet_write32(HPET_STATUS, 1u << level_timer);
    lapic_eoi();
}

static void irq0_handler(struct trap_frame *f)
{
    (void)f;
    tick(&irq0);
    lapic_eoi();
}

static volatile bool irq8_is_rtc;

static void irq8_handler(struct trap_frame *f)
{
    (void)f;
    if (irq8_is_rtc)
        cmos_read(RTC_REG_C); /* the RTC lowers its output, and may raise it again */
    irq8_irqs++;
    lapic_eoi();
}

static void hpet_enable(bool on)
{
    uint32_t cfg = hpet_read32(HPET_CONFIG);

    hpet_write32(HPET_CONFIG, on ? cfg | HPET_CFG_ENABLE : cfg & ~HPET_CFG_ENABLE);
}

/* The highest pin timer n may route to above the ISA IRQs (0 if none). */
static unsigned int route_pin(unsigned int n)
{
    uint32_t cap = hpet_route_cap(n) & ~0xffffu;

    return cap ? 31 - __builtin_clz(cap) : 0;
}

static void timer_off(unsigned int n)
{
    hpet_write32(HPET_TN_CONFIG(n), 0);
}

/* ---- 1 ---- */

static void test_caps(void)
{
    uint32_t cap = hpet_read32(HPET_CAP), period = hpet_period_fs();
    unsigned int timers = hpet_timers();

    printf("HPET: capabilities %#x (revision %u, vendor %#x), period %u fs, %u timers\n",
           cap, cap & 0xff, cap >> 16, period, timers);
    check(period == HPET_FS, "period %u fs, expected %u (100 MHz)", period, HPET_FS);
    check(cap & 0xff, "revision ID 0");
    check(timers >= 3, "%u timers, at least 3 expected", timers);
    check(cap & HPET_CAP_COUNT_64, "COUNT_SIZE_CAP: a 32-bit main counter");
    check(cap & HPET_CAP_LEGACY, "no LEG_RT_CAP");
    for (unsigned int n = 0; n < 3 && n < timers; n++) {
        uint32_t cfg = hpet_read32(HPET_TN_CONFIG(n));

        printf("timer %u: configuration %#x, routes %#x\n", n, cfg, hpet_route_cap(n));
        check(cfg & HPET_TN_64BIT_CAP, "timer %u: not 64-bit capable (%#x)", n, cfg);
        check(route_pin(n), "timer %u: no route above the ISA IRQs (%#x)", n,
              hpet_route_cap(n));
        check(!(cfg & HPET_TN_ENABLE), "timer %u: interrupt enabled at reset (%#x)", n, cfg);
    }
    check(hpet_read32(HPET_TN_CONFIG(0)) & HPET_TN_PERIODIC_CAP,
          "timer 0: not periodic capable");
}

/* ---- 2 ---- */

static void test_rate(void)
{
    uint64_t ref = tsc_calibrate(CLOCK_PMTIMER, 100), hz;
    enum clock_source src = CLOCK_PMTIMER;

    if (!ref) {
        src = CLOCK_PIT;
        ref = tsc_calibrate(CLOCK_PIT, 100);
    }
    hz = tsc_calibrate(CLOCK_HPET, 100);
    if (!ref || !hz) {
        fail("the counter's rate: no reference clock, or the HPET does not count");
        return;
    }
    printf("against %s:\n", clock_name(src));
    check_rate("the main counter", muldiv64(hpet_rate_mhz(), ref, hz), hpet_rate_mhz(), 2, 2);
}

/* ---- 3 ---- */

static void test_enable(void)
{
    uint64_t c1, c2, v;

    hpet_enable(false);
    c1 = hpet_counter();
    udelay(1000);
    c2 = hpet_counter();
    check(c1 == c2, "halted: the counter moved from %#" PRIx64 " to %#" PRIx64, c1, c2);
    hpet_write(HPET_COUNTER, 0x1ffff0000ull);
    v = hpet_counter();
    check(v == 0x1ffff0000ull, "halted: wrote 0x1ffff0000 to the counter, read %#" PRIx64, v);
    hpet_enable(true);
    udelay(1000);
    c1 = hpet_counter();
    udelay(100);
    c2 = hpet_counter();
    printf("halted: %#" PRIx64 " held for 1 ms, 0x1ffff0000 written; running: %#" PRIx64
           " 1 ms later, %#" PRIx64 " after 100 us more\n", v, c1, c2);
    check(c1 >= 0x200000000ull && c1 < 0x200000000ull + 100 * TICKS_PER_MS,
          "1 ms after 0x1ffff0000: %#" PRIx64 " (no carry into the high half?)", c1);
    check(c2 > c1, "the counter does not run: %#" PRIx64 ", %#" PRIx64, c1, c2);
}

/* ---- 4 ---- */

static void test_oneshot(void)
{
    const unsigned int n = 2, pin = route_pin(n);
    uint64_t t0, cmp;
    uint32_t cfg;

    ioapic_route(pin, VEC_EDGE, 0, lapic_id());
    edge.count = 0;
    hpet_write32(HPET_TN_CONFIG(n), pin << HPET_TN_ROUTE_SHIFT);
    cfg = hpet_read32(HPET_TN_CONFIG(n));
    check(((cfg & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT) == pin,
          "timer %u: route %u written, %u read", n, pin,
          (cfg & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT);
    /* The comparator first, then the interrupt enable: plain QEMU interrupts at once
     * for a comparator left behind the counter when the enable is set. */
    t0 = rdtsc();
    cmp = hpet_counter() + 5 * TICKS_PER_MS;
    hpet_write(HPET_TN_COMPARATOR(n), cmp);
    hpet_write32(HPET_TN_CONFIG(n), HPET_TN_ENABLE | pin << HPET_TN_ROUTE_SHIFT);
    check(hpet_read(HPET_TN_COMPARATOR(n)) == cmp, "timer %u: comparator %#" PRIx64
          " written, %#" PRIx64 " read", n, cmp, hpet_read(HPET_TN_COMPARATOR(n)));
    if (!wait_for(edge.count, 200000)) {
        fail("one-shot, 5 ms: no interrupt on GSI %u in 200 ms", pin);
    } else {
        uint64_t us = tsc_to_us(edge_tsc[0] - t0);

        check(quiet_for(&edge.count, 20), "one-shot: %lu interrupts", edge.count);
        printf("one-shot timer %u on GSI %u: one interrupt %" PRIu64 " us after its "
               "comparator was set 5 ms ahead\n", n, pin, us);
        check(us >= 4990, "one-shot, 5 ms: the interrupt came after %" PRIu64 " us", us);
    }
    timer_off(n);
    ioapic_mask(pin, true);
}

/* ---- 5 ---- */

/* Timer n periodic at `period` ticks from counter 0, with its interrupt enabled on
 * route `pin` (flags: legacy or not, it is the same): the order of 2.3.9.2.2,
 * counter halted. 32-bit accesses only: VAL_SET is set again before the high half,
 * since every comparator write clears it. */
static void periodic_start(unsigned int n, uint32_t period, unsigned int pin)
{
    uint32_t cfg = HPET_TN_ENABLE | HPET_TN_PERIODIC | pin << HPET_TN_ROUTE_SHIFT;

    hpet_enable(false);
    hpet_write(HPET_COUNTER, 0);
    hpet_write32(HPET_TN_CONFIG(n), cfg | HPET_TN_SETVAL);
    hpet_write32(HPET_TN_COMPARATOR(n), period);
    hpet_write32(HPET_TN_CONFIG(n), cfg | HPET_TN_SETVAL);
    hpet_write32(HPET_TN_COMPARATOR(n) + 4, 0);
    hpet_enable(true);
}

static void test_periodic(void)
{
    const unsigned int n = 0, pin = route_pin(n);
    uint64_t c0, cmp, c1;

    ioapic_route(pin, VEC_EDGE, 0, lapic_id());
    periodic_start(n, TICKS_PER_MS, pin);
    check_irq_rate("periodic, 1 ms", &edge, 1000000, 300, 10);
    c0 = hpet_counter();
    cmp = hpet_read(HPET_TN_COMPARATOR(n));
    c1 = hpet_counter();
    printf("periodic: counter %#" PRIx64 ", comparator %#" PRIx64 "\n", c0, cmp);
    check(umod64(cmp, TICKS_PER_MS) == 0 && cmp + TICKS_PER_MS > c0 &&
          cmp <= c1 + TICKS_PER_MS, "periodic: comparator %#" PRIx64 " with the counter at %#"
          PRIx64, cmp, c0);
    timer_off(n);
    ioapic_mask(pin, true);
}

/* ---- 6 ---- */

static void test_32bit(bool petrel)
{
    const unsigned int n = 1, pin = route_pin(n);
    uint64_t cmp, t0;
    uint32_t cfg = HPET_TN_ENABLE | HPET_TN_32BIT | pin << HPET_TN_ROUTE_SHIFT;

    ioapic_route(pin, VEC_EDGE, 0, lapic_id());
    hpet_enable(false);
    hpet_write32(HPET_TN_CONFIG(n), cfg & ~HPET_TN_ENABLE);
    /* Two 32-bit writes: plain QEMU takes the high half of a 64-bit write even in
     * 32-bit mode. */
    hpet_write32(HPET_TN_COMPARATOR(n), 0x00800000u);
    hpet_write32(HPET_TN_COMPARATOR(n) + 4, 0xffffffffu);
    cmp = hpet_read(HPET_TN_COMPARATOR(n));
    if (petrel)
        check(cmp == 0x00800000u, "32-bit mode: wrote 0xffffffff:00800000, read %#" PRIx64,
              cmp);
    else if (cmp != 0x00800000u)
        printf("32-bit mode: wrote 0xffffffff:00800000, read %#" PRIx64 " (plain QEMU keeps "
               "the high half; not required here)\n", cmp);
    check(hpet_read32(HPET_TN_CONFIG(n)) & HPET_TN_32BIT, "Tn_32MODE_CNF does not stick");
    hpet_write(HPET_COUNTER, 0x1fff00000ull);
    edge.count = 0;
    hpet_write32(HPET_TN_CONFIG(n), cfg);
    t0 = rdtsc();
    hpet_enable(true);
    if (!wait_for(edge.count >= 2, 300000)) {
        fail("32-bit mode: %lu interrupts in 300 ms, 2 expected (the wrap, the match)",
             edge.count);
    } else {
        uint64_t us0 = tsc_to_us(edge_tsc[0] - t0), us1 = tsc_to_us(edge_tsc[1] - t0);

        check(quiet_for(&edge.count, 20), "32-bit mode: %lu interrupts", edge.count);
        printf("32-bit mode from 0x1fff00000, comparator 0x800000: interrupts at %" PRIu64
               " us (the low half wraps at 10486 us) and %" PRIu64 " us (the match at "
               "94372 us)\n", us0, us1);
        check(us0 >= 10400 && us1 >= 94300, "32-bit mode: interrupts at %" PRIu64 " and %"
              PRIu64 " us: early", us0, us1);
        check(us0 < 94300, "32-bit mode: no interrupt when the low half wrapped");
    }
    timer_off(n);
    ioapic_mask(pin, true);
}

/* ---- 7 ---- */

static void test_level(void)
{
    const unsigned int n = 2, pin = route_pin(n);
    uint32_t cfg = HPET_TN_ENABLE | HPET_TN_LEVEL | pin << HPET_TN_ROUTE_SHIFT;
    uint32_t s1, s2, s3;

    level_timer = n;
    ioapic_route(pin, VEC_LEVEL, IOAPIC_LEVEL | IOAPIC_MASKED, lapic_id());
    hpet_write32(HPET_TN_CONFIG(n), cfg & ~HPET_TN_ENABLE);
    hpet_write32(HPET_STATUS, 1u << n);
    hpet_write(HPET_TN_COMPARATOR(n), hpet_counter() + 5 * TICKS_PER_MS);
    hpet_write32(HPET_TN_CONFIG(n), cfg);
    mdelay(10);
    s1 = hpet_read32(HPET_STATUS);
    hpet_write32(HPET_STATUS, 0);
    s2 = hpet_read32(HPET_STATUS);
    hpet_write32(HPET_STATUS, 1u << n);
    s3 = hpet_read32(HPET_STATUS);
    printf("level-triggered timer %u: status %#x after the match, %#x after writing 0, "
           "%#x after writing 1\n", n, s1, s2, s3);
    check(s1 & (1u << n), "level: status bit %u not set after the match (%#x)", n, s1);
    check(s2 & (1u << n), "level: status bit %u cleared by writing 0 (%#x)", n, s2);
    check(!(s3 & (1u << n)), "level: status bit %u not cleared by writing 1 (%#x)", n, s3);

    level_irqs = 0;
    ioapic_route(pin, VEC_LEVEL, IOAPIC_LEVEL, lapic_id());
    hpet_write(HPET_TN_COMPARATOR(n), hpet_counter() + 5 * TICKS_PER_MS);
    if (!wait_for(level_irqs, 200000)) {
        fail("level: no interrupt on GSI %u in 200 ms", pin);
    } else {
        mdelay(20);
        check(level_irqs == 1, "level: %lu interrupts, 1 expected", level_irqs);
        check(!(hpet_read32(HPET_STATUS) & (1u << n)), "level: status still set");
        check(!ioapic_remote_irr(pin), "level: remote IRR still set after the EOI");
        printf("level-triggered on GSI %u: one interrupt, its handler cleared the status\n",
               pin);
    }
    timer_off(n);
    hpet_write32(HPET_STATUS, 1u << n);
    ioapic_mask(pin, true);
}

/* ---- 8 ---- */

static void test_legacy(void)
{
    uint64_t cmp;

    ioapic_route(PLATFORM_IRQ0_GSI, VEC_IRQ0, 0, lapic_id());
    ioapic_route(RTC_IRQ, VEC_IRQ8, 0, lapic_id());
    pit_start(PIT_MODE_RATE, PIT_DIVISOR);
    check_irq_rate("the PIT on IRQ0", &irq0, muldiv64(PIT_HZ, 1000, PIT_DIVISOR), 50, 10);

    /* Timer 0 at 250 Hz: a PIT getting through as well would make it 1250 Hz. */
    hpet_write32(HPET_CONFIG, hpet_read32(HPET_CONFIG) | HPET_CFG_LEGACY);
    periodic_start(0, 4 * TICKS_PER_MS, 0);
    check_irq_rate("HPET timer 0, legacy route, on IRQ0", &irq0, 250000, 100, 15);

    irq8_irqs = 0;
    hpet_write32(HPET_TN_CONFIG(1), 0);
    cmp = hpet_counter() + 5 * TICKS_PER_MS;
    hpet_write(HPET_TN_COMPARATOR(1), cmp);
    hpet_write32(HPET_TN_CONFIG(1), HPET_TN_ENABLE);
    check(wait_for(irq8_irqs, 200000), "timer 1, legacy route: nothing on IRQ8 in 200 ms");
    check(quiet_for(&irq8_irqs, 10), "timer 1, legacy route: %lu interrupts on IRQ8",
          irq8_irqs);
    timer_off(1);

    timer_off(0);
    mdelay(2);
    check(quiet_for(&irq0.count, 20), "legacy route, timer 0 off: IRQ0 still comes "
          "(the PIT is not cut off)");
    printf("legacy route: timer 1 on IRQ8 (%lu); timer 0 off: IRQ0 quiet for 20 ms with the "
           "PIT running\n", irq8_irqs);
    hpet_write32(HPET_CONFIG, hpet_read32(HPET_CONFIG) & ~HPET_CFG_LEGACY);
    check_irq_rate("legacy route off: the PIT on IRQ0", &irq0,
                   muldiv64(PIT_HZ, 1000, PIT_DIVISOR), 50, 10);
    pit_stop();
    ioapic_mask(PLATFORM_IRQ0_GSI, true);
    ioapic_mask(RTC_IRQ, true);
}

/* ---- 9 ---- */

static void test_legacy_rtc(void)
{
    uint8_t a = cmos_read(RTC_REG_A), b = cmos_read(RTC_REG_B);
    unsigned long c;

    timer_off(0);
    timer_off(1);
    hpet_enable(true);
    ioapic_route(RTC_IRQ, VEC_IRQ8, 0, lapic_id());
    irq8_irqs = 0;
    irq8_is_rtc = true;
    cmos_write(RTC_REG_A, (a & 0xf0) | 6);     /* rate 6: 1024 Hz */
    cmos_read(RTC_REG_C);
    cmos_write(RTC_REG_B, b | RTC_B_PIE);
    check(wait_for(irq8_irqs >= 3, ARRIVAL_TIMEOUT_US),
          "the RTC's periodic interrupt on IRQ8: %lu", irq8_irqs);

    hpet_write32(HPET_CONFIG, hpet_read32(HPET_CONFIG) | HPET_CFG_LEGACY);
    mdelay(2);
    c = irq8_irqs;
    check(quiet_for(&irq8_irqs, 10), "legacy route on: the RTC still reaches IRQ8 "
          "(%lu interrupts)", irq8_irqs - c);
    c = irq8_irqs;
    hpet_write32(HPET_CONFIG, hpet_read32(HPET_CONFIG) & ~HPET_CFG_LEGACY);
    check(wait_for(irq8_irqs - c >= 3, ARRIVAL_TIMEOUT_US),
          "legacy route off: the RTC's interrupts did not come back (%lu)", irq8_irqs - c);
    printf("legacy route and the RTC: IRQ8 quiet while on, the RTC's ticks back after\n");

    cmos_write(RTC_REG_B, b);
    cmos_read(RTC_REG_C);
    cmos_write(RTC_REG_A, a);
    irq8_is_rtc = false;
    ioapic_mask(RTC_IRQ, true);
    hpet_enable(false);
}

void test_main(void)
{
    time_init();
    if (!hpet_present())
        skip("no HPET at %#x", PLATFORM_HPET_BASE);
    if (!lapic_present())
        skip("no local APIC");
    lapic_enable();
    pic_init(VEC_MASTER, VEC_SLAVE);
    ioapic_mask_all();
    set_trap_handler(VEC_EDGE, edge_handler);
    set_trap_handler(VEC_LEVEL, level_handler);
    set_trap_handler(VEC_IRQ0, irq0_handler);
    set_trap_handler(VEC_IRQ8, irq8_handler);
    hpet_write32(HPET_CONFIG, 0);
    for (unsigned int n = 0; n < 3; n++)
        timer_off(n);

    test_caps();
    if (hpet_timers() < 3)
        return;
    test_rate();
    test_enable();
    sti();
    test_oneshot();
    test_periodic();
    test_32bit(running_on_petrel());
    test_level();
    test_legacy();
    test_legacy_rtc();
    cli();
    hpet_write32(HPET_CONFIG, 0);
}
