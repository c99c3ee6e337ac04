/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * level-eoi: a level-triggered interrupt through the IO-APIC, and how its end of
 * interrupt works. The source is an HPET timer in level mode (IA-PC HPET 1.0a,
 * 2.3.8, Tn_INT_TYPE_CNF = 1): when its comparator matches it sets its bit in the
 * general interrupt status register and holds its line asserted until software
 * writes that bit back as 1 (2.3.6). So the test decides when the line drops.
 * The timer is routed to an IO-APIC input of its route capabilities (Tn_INT_ROUTE_CAP),
 * whose redirection entry is level, active high, fixed, vector 0x50, APIC ID 0.
 *
 *   1. one interrupt: while in service, the entry's remote IRR is set (82093AA
 *      datasheet, 3.2.4: "set when the local APIC accepts the level interrupt") and
 *      the vector's TMR bit is set (SDM vol. 3A, 11.8.4: set for level-triggered
 *      interrupts on acceptance); the line dropped, the local APIC EOI clears the
 *      remote IRR (the EOI is broadcast to the IO-APIC for a level vector, 11.8.5)
 *      and nothing more arrives
 *   2. the line left asserted across the EOI: the IO-APIC sends it again, once per
 *      EOI (three EOIs, three interrupts), and not after the line drops
 *   3. no EOI: the remote IRR stays set and the still-asserted line sends nothing
 *      more (the vector is not in the IRR); the line dropped and the EOI given, it
 *      ends there
 *   4. masked while asserted: nothing is sent (no remote IRR); unmasked while still
 *      asserted, it is sent at once
 *   5. the IO-APIC's EOI register (offset 0x40, version 0x20 and later, as Petrel's
 *      always is; ICH9 datasheet, "EOI register"): with the vector still in service
 *      in the local APIC, a write of another vector changes nothing, a write of this
 *      vector clears the remote IRR; with the line still asserted, the IO-APIC sends
 *      again at once (remote IRR set, the vector pending in the IRR behind the one
 *      in service), and that one is taken after the local APIC EOI
 *   6. an edge vector (a self IPI) has its TMR bit clear, for contrast
 *
 * No timing tolerances: every check is about state after an event, with 50-100 ms
 * timeouts for the event itself. Plain QEMU has the same HPET level mode, IO-APIC
 * (version 0x20) and EOI broadcast, so the test runs there too.
 */
#include "devices.h"

#define VEC_LEVEL   0x50
#define VEC_EDGE    0x58
#define TIMER       0           /* HPET timer */

static unsigned int gsi;
static volatile unsigned long nr_level, nr_edge;
static volatile bool eoi_in_handler;
static volatile unsigned int drop_after;    /* drop the line at this interrupt */
static volatile bool remote_irr_in_handler, tmr_in_handler, isr_in_handler;

static void hpet_line_drop(void)
{
    hpet_write32(HPET_STATUS, 1u << TIMER);
}

static bool hpet_line_up(void)
{
    return hpet_read32(HPET_STATUS) & (1u << TIMER);
}

static void level_handler(struct trap_frame *f)
{
    (void)f;
    nr_level++;
    remote_irr_in_handler = ioapic_remote_irr(gsi);
    tmr_in_handler = lapic_tmr(VEC_LEVEL);
    isr_in_handler = lapic_isr(VEC_LEVEL);
    if (drop_after && nr_level >= drop_after)
        hpet_line_drop();
    if (eoi_in_handler)
        lapic_eoi();
}

static void edge_handler(struct trap_frame *f)
{
    (void)f;
    nr_edge++;
    lapic_eoi();
}

/* Make the HPET timer's comparator match 100 us from now: its line goes up (and
 * may be taken, and dropped by the handler, before this looks). A comparator the
 * counter passed before it was written never matches (until the counter wraps): when
 * this CPU was away that long (a loaded host), try again. */
static bool raise_line(void)
{
    unsigned long n = nr_level;

    for (unsigned int tries = 0; tries < 10; tries++) {
        uint64_t when = hpet_counter() + muldiv64(hpet_rate_mhz(), 100, 1000000000ull);

        hpet_write(HPET_TN_COMPARATOR(TIMER), when);
        if (hpet_counter() >= when && !hpet_line_up() && nr_level == n)
            continue;   /* written too late, or not yet seen: the wait below decides */
        if (wait_for(hpet_line_up() || nr_level != n, 100000))
            return true;
        break;
    }
    fail("the HPET timer's status bit did not come up within 100 ms");
    return false;
}

static void reset_counts(void)
{
    nr_level = 0;
    drop_after = 0;
    eoi_in_handler = true;
    remote_irr_in_handler = tmr_in_handler = isr_in_handler = false;
}

/* No level interrupt for `ms` milliseconds, and `n` of them in all. */
static bool settled(unsigned int ms, unsigned long n)
{
    return quiet_for(&nr_level, ms) && nr_level == n;
}

static void test_one(void)
{
    reset_counts();
    drop_after = 1;
    if (!raise_line())
        return;
    if (!wait_for(nr_level, 100000)) {
        fail("1: no interrupt within 100 ms of the line going up");
        return;
    }
    check(remote_irr_in_handler, "1: remote IRR clear while the vector was in service");
    check(tmr_in_handler, "1: TMR bit of the level vector %#x clear", VEC_LEVEL);
    check(isr_in_handler, "1: vector %#x not in service in its handler", VEC_LEVEL);
    check(!ioapic_remote_irr(gsi), "1: remote IRR still set after the EOI");
    check(settled(10, 1), "1: %lu interrupts for one assertion", nr_level);
    /* (The TMR bit says nothing here: the SDM sets it at acceptance and the EOI
     * leaves it, so only the ISR tells that the EOI ended the service.) */
    check(!lapic_isr(VEC_LEVEL), "1: vector %#x still in service after its EOI",
          VEC_LEVEL);
    printf("1: in service: remote IRR and TMR set; line dropped + EOI: remote IRR "
           "clear, one interrupt\n");
}

static void test_reassert(void)
{
    reset_counts();
    drop_after = 3;
    if (!raise_line())
        return;
    if (!wait_for(nr_level >= 3, 100000)) {
        fail("2: %lu interrupts within 100 ms with the line held up", nr_level);
        hpet_line_drop();
        return;
    }
    check(settled(10, 3), "2: %lu interrupts, not 3 (one per EOI while asserted)",
          nr_level);
    check(!ioapic_remote_irr(gsi), "2: remote IRR still set at the end");
    printf("2: the line held across EOIs: sent again after each (%lu), none after it "
           "dropped\n", nr_level);
}

static void test_no_eoi(void)
{
    reset_counts();
    eoi_in_handler = false;
    if (!raise_line())
        return;
    if (!wait_for(nr_level, 100000)) {
        fail("3: no interrupt within 100 ms");
        hpet_line_drop();
        return;
    }
    mdelay(10);
    check(nr_level == 1, "3: %lu interrupts without an EOI", nr_level);
    check(ioapic_remote_irr(gsi), "3: no EOI: remote IRR clear");
    check(lapic_isr(VEC_LEVEL), "3: no EOI: vector %#x not in service", VEC_LEVEL);
    check(!lapic_irr(VEC_LEVEL), "3: remote IRR set, yet the vector was sent again");
    hpet_line_drop();
    lapic_eoi();
    check(!ioapic_remote_irr(gsi), "3: remote IRR still set after the late EOI");
    check(settled(10, 1), "3: %lu interrupts after the line dropped", nr_level);
    printf("3: no EOI: remote IRR held, nothing sent again for 10 ms though asserted\n");
}

static void test_mask(void)
{
    reset_counts();
    drop_after = 1;
    ioapic_mask(gsi, true);
    if (!raise_line())
        return;
    mdelay(10);
    check(nr_level == 0, "4: masked entry: %lu interrupts", nr_level);
    check(!ioapic_remote_irr(gsi), "4: masked entry: remote IRR set");
    check(hpet_line_up(), "4: the HPET's status bit dropped by itself");
    ioapic_mask(gsi, false);
    check(wait_for(nr_level, 50000), "4: unmasked while asserted: no interrupt in 50 ms");
    check(settled(10, 1), "4: %lu interrupts after unmasking", nr_level);
    check(!ioapic_remote_irr(gsi), "4: remote IRR still set at the end");
    printf("4: masked while asserted: nothing; unmasked: sent at once, once\n");
}

static void test_eoi_register(void)
{
    unsigned int version = ioapic_version();
    char what[64];

    snprintf(what, sizeof(what), "5: the EOI register (IO-APIC version %#x < 0x20)",
             version);
    if (!need_on_petrel(version >= 0x20, what))
        return;
    /* The line dropped, only the IO-APIC's EOI register told. */
    reset_counts();
    eoi_in_handler = false;
    if (!raise_line() || !wait_for(nr_level, 100000)) {
        fail("5: no interrupt within 100 ms");
        hpet_line_drop();
        lapic_eoi();
        return;
    }
    hpet_line_drop();
    check(ioapic_remote_irr(gsi), "5: remote IRR clear before any EOI");
    mmio_write32(PLATFORM_IOAPIC_BASE + IOAPIC_EOIR, VEC_LEVEL + 1);
    check(ioapic_remote_irr(gsi), "5: an EOI register write of another vector cleared "
          "the remote IRR");
    mmio_write32(PLATFORM_IOAPIC_BASE + IOAPIC_EOIR, VEC_LEVEL);
    check(!ioapic_remote_irr(gsi), "5: the EOI register write left the remote IRR set");
    check(lapic_isr(VEC_LEVEL), "5: the IO-APIC's EOI ended the local APIC's service");
    eoi_in_handler = true;
    lapic_eoi();
    check(settled(10, 1), "5: %lu interrupts for one assertion", nr_level);

    /* The line still up at the IO-APIC's EOI: sent again at once, pending behind the
     * one in service, taken after the local APIC's EOI. */
    reset_counts();
    eoi_in_handler = false;
    if (!raise_line() || !wait_for(nr_level, 100000)) {
        fail("5: no second interrupt within 100 ms");
        hpet_line_drop();
        lapic_eoi();
        return;
    }
    mmio_write32(PLATFORM_IOAPIC_BASE + IOAPIC_EOIR, VEC_LEVEL);
    check(wait_for(lapic_irr(VEC_LEVEL), 50000),
          "5: the asserted line was not sent again after the EOI register write");
    check(ioapic_remote_irr(gsi), "5: sent again, but remote IRR clear");
    check(nr_level == 1, "5: %lu interrupts while the first was in service", nr_level);
    hpet_line_drop();
    eoi_in_handler = true;
    lapic_eoi();                        /* the pending one comes in, and is EOId */
    check(wait_for(nr_level == 2, 50000), "5: the pending vector was not taken after "
          "the EOI (%lu interrupts)", nr_level);
    check(settled(10, 2), "5: %lu interrupts, not 2", nr_level);
    check(!ioapic_remote_irr(gsi), "5: remote IRR still set at the end");
    printf("5: IO-APIC EOI register (version %#x): clears the remote IRR of its vector "
           "only; an asserted line is sent again at once\n", version);
}

static void test_edge_tmr(void)
{
    nr_edge = 0;
    lapic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | VEC_EDGE);
    check(wait_for(nr_edge == 1, 50000), "6: the self IPI did not arrive");
    check(!lapic_tmr(VEC_EDGE), "6: TMR bit set for the edge vector %#x", VEC_EDGE);
    printf("6: an edge vector leaves its TMR bit clear\n");
}

/* The HPET timer in level mode, routed to the first IO-APIC input it may use. */
static void hpet_setup(void)
{
    uint32_t cap = hpet_route_cap(TIMER);
    unsigned int pins = ioapic_pins();
    uint32_t cfg;

    gsi = 0;
    for (unsigned int g = PLATFORM_ISA_IRQS; g < 32 && g < pins; g++)
        if (cap & (1u << g)) {
            gsi = g;
            break;
        }
    if (!gsi)
        skip("HPET timer %u offers no IO-APIC input from 16 up (routes %#x, %u pins)",
             TIMER, cap, pins);
    printf("HPET timer %u: routes %#x; level-triggered on GSI %u; IO-APIC version %#x, "
           "%u pins\n", TIMER, cap, gsi, ioapic_version(), pins);

    hpet_write32(HPET_CONFIG, 0);                   /* halted, no legacy route */
    hpet_write32(HPET_STATUS, 0xffffffffu);
    hpet_write(HPET_COUNTER, 0);
    cfg = HPET_TN_LEVEL | HPET_TN_ENABLE | (gsi << HPET_TN_ROUTE_SHIFT);
    hpet_write32(HPET_TN_CONFIG(TIMER), cfg);
    hpet_write(HPET_TN_COMPARATOR(TIMER), ~0ull >> 1);  /* far away for now */
    cfg = hpet_read32(HPET_TN_CONFIG(TIMER));
    if ((cfg & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT != gsi || !(cfg & HPET_TN_LEVEL))
        abort_test("HPET timer %u: config reads %#x after routing to GSI %u", TIMER, cfg,
                   gsi);
    hpet_write32(HPET_CONFIG, HPET_CFG_ENABLE);
}

void test_main(void)
{
    if (!hpet_present())
        skip("no HPET");
    time_init();
    set_trap_handler(VEC_LEVEL, level_handler);
    set_trap_handler(VEC_EDGE, edge_handler);
    pic_init(0x20, 0x28);               /* masked */
    lapic_enable();
    ioapic_mask_all();
    hpet_setup();
    ioapic_route(gsi, VEC_LEVEL, IOAPIC_LEVEL, 0);
    check(ioapic_get_entry(gsi) & IOAPIC_LEVEL, "GSI %u: the level bit did not stick",
          gsi);
    sti();

    test_one();
    test_reassert();
    test_no_eoi();
    test_mask();
    test_eoi_register();
    test_edge_tmr();

    cli();
    hpet_line_drop();
    hpet_write32(HPET_TN_CONFIG(TIMER), 0);
    hpet_write32(HPET_CONFIG, 0);
    ioapic_mask(gsi, true);
    check(this_cpu()->spurious == 0, "%lu spurious interrupts", this_cpu()->spurious);
}
