/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pmtimer: the ACPI PM timer and the PM1 status bit it sets (ACPI specification,
 * "ACPI Hardware Specification": "Power Management Timer", "PM1 Event Grouping";
 * "FADT" for where the timer is and how wide).
 *
 *   1. where and how wide: the FADT's PM_TMR_BLK (and PM_TMR_LEN 4) and its flag
 *      TMR_VAL_EXT (32 bits, else 24) when there is a FADT (plain QEMU's BIOS builds
 *      one); without one (a Petrel domain has no ACPI tables yet) the platform's:
 *      port 0x608, 32 bits (public/arch-x86/platform.h). Under Petrel the port must
 *      be 0x608 either way
 *   2. 20000 reads in a row never go backwards (modulo the width) and, for a
 *      24-bit timer, bits 24-31 read 0 ("the upper eight bits ... return zero")
 *   3. the rate, 3.579545 MHz, against the TSC calibrated on the HPET (else the PIT)
 *   4. the wrap: a 24-bit timer is watched going from 0xffffff to 0 and on (it wraps
 *      every 4.69 s); a 32-bit one, if it is within 5 s of 2^24 (a domain's counts
 *      from 0 at its creation), is watched going past 2^24 without wrapping there
 *   5. TMR_STS (PM1_STS bit 0): a 0 written leaves it, a 1 clears it; it stays
 *      clear until the timer's top bit (23 or 31) toggles, and is set when it does:
 *      every 2.35 s for a 24-bit timer, every 10 minutes for a 32-bit one, which
 *      is watched only if a toggle is due within 5 s (otherwise TMR_STS must just
 *      stay clear). A Petrel domain's timer is 32 bits and counts from 0 at the
 *      domain's creation, so its first toggle is 10 minutes away and only the
 *      stay-clear half runs there; that Petrel sets TMR_STS at the toggle is covered
 *      by tests/unit/test_pmtimer.c (test_tmr_sts_on_bit31_toggle)
 *   6. TMR_EN (PM1_EN bit 0) reads back what was written. PM1_CNT's SLP_TYP and
 *      SLP_EN are not touched: S5 (SLP_TYP 0 here) would power the guest off
 *      mid-test, and what other sleep types do is the platform's choice
 *
 * Tolerance: the rate within 1%: both clocks are derived from the host's, over
 * 200 ms each, and an emulator's pauses land on both sides alike. The status bit is
 * read right after the toggle is seen; a few reads later is still before the next.
 */
#include "devices.h"

#define TOGGLE_WAIT_US  5000000ull      /* watch at most this long for 4 and 5 */
#define MIN_WATCH_US    200000ull       /* and at least this long */
/* Each read is an exit under Petrel: under nested emulation, 100-200 us. */
#define READS           20000u

struct pmt {
    uint16_t port;
    unsigned int bits;                  /* 24 or 32 */
    uint32_t mask;
};

static uint16_t pm1_sts(void) { return inw(PLATFORM_PM1_STS); }
static uint32_t rd(const struct pmt *p) { return inl(p->port); }

/* Ticks from a to b, modulo the width. */
static uint32_t ticks(const struct pmt *p, uint32_t a, uint32_t b)
{
    return (b - a) & p->mask;
}

/* ---- 1 ---- */

static void find_timer(struct pmt *p, bool petrel)
{
    const struct acpi_header *fadt = acpi_find_table("FACP");

    p->port = PMTIMER_PORT;
    p->bits = 32;
    if (fadt && fadt->length >= FADT_FLAGS + 4) {
        const volatile uint8_t *f = (const volatile uint8_t *)fadt;
        uint32_t blk = *(const volatile uint32_t *)(f + FADT_PM_TMR_BLK);
        uint32_t flags = *(const volatile uint32_t *)(f + FADT_FLAGS);
        uint8_t len = f[FADT_PM_TMR_LEN];

        printf("FADT (revision %u): PM_TMR_BLK %#x, PM_TMR_LEN %u, flags %#x: %s\n",
               fadt->revision, blk, len, flags,
               flags & FADT_TMR_VAL_EXT ? "TMR_VAL_EXT (32 bits)" : "24 bits");
        check(blk && blk < 0x10000, "FADT: PM_TMR_BLK %#x", blk);
        check(len == 4, "FADT: PM_TMR_LEN %u, expected 4", len);
        if (blk && blk < 0x10000)
            p->port = (uint16_t)blk;
        p->bits = flags & FADT_TMR_VAL_EXT ? 32 : 24;
    } else {
        printf("no FADT: the platform's PM timer, port %#x, 32 bits\n", PMTIMER_PORT);
    }
    if (petrel)
        check(p->port == PMTIMER_PORT, "the PM timer at port %#x, not %#x", p->port,
              PMTIMER_PORT);
    p->mask = p->bits == 32 ? 0xffffffffu : 0xffffffu;
}

/* ---- 2 ---- */

static void test_reads(const struct pmt *p)
{
    uint32_t prev = rd(p), v, backwards = 0, high = 0, same = 0, max_step = 0;

    for (unsigned int i = 0; i < READS; i++) {
        uint32_t d;

        v = rd(p);
        if (v & ~p->mask) {
            if (high++ < 3)
                fail("read %#x: bits above %u set", v, p->bits);
        }
        d = ticks(p, prev, v);
        if (d >= (p->mask >> 1) + 1) {
            if (backwards++ < 3)
                fail("went backwards: %#x after %#x", v, prev);
        } else if (!d) {
            same++;
        } else if (d > max_step) {
            max_step = d;
        }
        prev = v;
    }
    printf("%u reads: %u backwards, %u with bits above %u, %u unchanged, the largest "
           "step %u ticks\n", READS, backwards, high, p->bits, same, max_step);
}

/* ---- 3 ---- */

static void test_rate(void)
{
    enum clock_source src = CLOCK_HPET;
    uint64_t ref = tsc_calibrate(CLOCK_HPET, 200), hz = tsc_calibrate(CLOCK_PMTIMER, 200);

    if (!ref) {
        src = CLOCK_PIT;
        ref = tsc_calibrate(CLOCK_PIT, 200);
    }
    if (!ref || !hz) {
        fail("the rate: no reference clock, or the PM timer does not count");
        return;
    }
    printf("against %s:\n", clock_name(src));
    check_rate("the PM timer", muldiv64(PLATFORM_PM_TIMER_HZ * 1000ull, ref, hz),
               PLATFORM_PM_TIMER_HZ * 1000ull, 1, 1);
}

/* ---- 4, 5 ---- */

/* Written 1, TMR_STS is clear, and written 0 it stays clear: checked only across
 * reads of the timer that show no toggle of its top bit, which would set it. */
static void test_status_bits(const struct pmt *p)
{
    const uint32_t top = 1u << (p->bits - 1);
    uint32_t before, after;
    uint16_t s1, s2;

    do {
        before = rd(p);
        outw(PLATFORM_PM1_STS, PM1_STS_TMR);
        s1 = pm1_sts();
        outw(PLATFORM_PM1_STS, 0);
        s2 = pm1_sts();
        after = rd(p);
    } while ((before ^ after) & top);
    printf("PM1_STS %#x after writing 1 to TMR_STS, %#x after writing 0\n", s1, s2);
    check(!(s1 & PM1_STS_TMR), "TMR_STS still set after writing 1 (%#x)", s1);
    check(!(s2 & PM1_STS_TMR), "TMR_STS set after writing 0, with no toggle (%#x)", s2);
}

/*
 * Watch the timer for up to TOGGLE_WAIT_US: its top bit's toggles (TMR_STS set at
 * each, cleared by writing 1), the 24-bit wrap, and for a 32-bit timer the pass
 * through 2^24. TMR_STS is cleared first, with the top bit noted after the clear:
 * a toggle between the two would leave it set with no toggle seen, so the clear is
 * redone until the top bit holds still across it.
 */
static void test_toggles(const struct pmt *p)
{
    const uint32_t top = 1u << (p->bits - 1);
    uint64_t start = rdtsc(), end = start + us_to_tsc(TOGGLE_WAIT_US);
    uint32_t prev, v, left;
    unsigned int toggles = 0, wraps = 0, past24 = 0, early = 0;
    bool want_wrap, want_toggle;
    uint16_t sts;

    do {
        prev = rd(p);
        outw(PLATFORM_PM1_STS, PM1_STS_TMR);
        v = rd(p);
    } while ((prev ^ v) & top);
    prev = v;
    sts = pm1_sts();
    check(!(sts & PM1_STS_TMR), "TMR_STS still set after writing 1 (%#x)", sts);

    /* What can be seen in the time given: ticks to the next toggle, the wrap. */
    left = top - (prev & (top - 1));
    want_toggle = left < muldiv64(PLATFORM_PM_TIMER_HZ, TOGGLE_WAIT_US, 1000000) - 100000;
    if (p->bits == 24)
        want_wrap = true;
    else
        want_wrap = prev < 0x1000000u &&
                    0x1000000u - prev < muldiv64(PLATFORM_PM_TIMER_HZ, TOGGLE_WAIT_US,
                                                 1000000) - 100000;
    printf("at %#x: the next toggle of bit %u in %" PRIu64 " ms (%s)%s\n", prev,
           p->bits - 1, udiv64(muldiv64(left, 1000, PLATFORM_PM_TIMER_HZ), 1),
           want_toggle ? "watched" : "too far: TMR_STS must stay clear",
           p->bits == 24 ? ", the wrap watched" :
           want_wrap ? ", 2^24 passed without a wrap watched" : "");

    while (rdtsc() < end) {
        v = rd(p);
        sts = pm1_sts();
        if ((v ^ prev) & top) {
            /* A toggle: the bit must be set now (it was set at the toggle, before
             * this read of PM1_STS). Read the timer again after the status: the
             * toggle may have come between the timer's read and the status's. */
            toggles++;
            check(sts & PM1_STS_TMR || ((rd(p) ^ prev) & top && pm1_sts() & PM1_STS_TMR),
                  "bit %u toggled (%#x to %#x): TMR_STS not set (%#x)", p->bits - 1,
                  prev, v, sts);
            outw(PLATFORM_PM1_STS, 0);
            check(pm1_sts() & PM1_STS_TMR, "TMR_STS cleared by writing 0");
            outw(PLATFORM_PM1_STS, PM1_STS_TMR);
            check(!(pm1_sts() & PM1_STS_TMR), "TMR_STS not cleared by writing 1");
            v = rd(p);
        } else if (sts & PM1_STS_TMR) {
            /* Set with no toggle seen: unless one came between the two reads. */
            if (!((rd(p) ^ prev) & top) && early++ < 3)
                fail("TMR_STS set at %#x, with no toggle of bit %u since %#x", v,
                     p->bits - 1, prev);
        }
        if (v < prev && ticks(p, prev, v) < (p->mask >> 1))
            wraps++;
        if (p->bits == 32 && prev < 0x1000000u && v >= 0x1000000u)
            past24++;
        check(ticks(p, prev, v) < (p->mask >> 1), "went backwards: %#x after %#x", v, prev);
        prev = v;
        if ((!want_toggle || toggles) && (!want_wrap || wraps || past24) &&
            rdtsc() - start >= us_to_tsc(MIN_WATCH_US))
            break;
    }
    printf("in %" PRIu64 " ms: %u toggles of bit %u, %u wraps%s; at %#x\n",
           udiv64(tsc_to_us(rdtsc() - start), 1000), toggles, p->bits - 1, wraps,
           past24 ? "; 2^24 passed, no wrap there" : "", prev);
    if (p->bits == 32 && !past24 && prev >= 0x1000000u)
        printf("32 bits: the value is beyond 24 bits\n");
    if (want_toggle)
        check(toggles, "no toggle of bit %u seen in %" PRIu64 " s", p->bits - 1,
              udiv64(TOGGLE_WAIT_US, 1000000));
    if (p->bits == 24)
        check(wraps, "no wrap from 0xffffff to 0 seen in %" PRIu64 " s",
              udiv64(TOGGLE_WAIT_US, 1000000));
    else
        check(!wraps && (!want_wrap || past24), "32 bits: %u wraps, 2^24 %s", wraps,
              past24 ? "passed" : "not passed");
}

/* ---- 6 ---- */

static void test_enable_bit(void)
{
    uint16_t en = inw(PLATFORM_PM1_EN), on, off;

    outw(PLATFORM_PM1_EN, en | PM1_EN_TMR);
    on = inw(PLATFORM_PM1_EN);
    outw(PLATFORM_PM1_EN, en & ~PM1_EN_TMR);
    off = inw(PLATFORM_PM1_EN);
    outw(PLATFORM_PM1_EN, en);
    printf("PM1_EN %#x; TMR_EN written 1: %#x, 0: %#x; PM1_CNT %#x (not written)\n", en, on,
           off, inw(PLATFORM_PM1_CNT));
    check(on & PM1_EN_TMR, "TMR_EN written 1 reads %#x", on);
    check(!(off & PM1_EN_TMR), "TMR_EN written 0 reads %#x", off);
}

void test_main(void)
{
    bool petrel = running_on_petrel();
    struct pmt p;

    time_init();
    find_timer(&p, petrel);
    if (rd(&p) == 0xffffffffu)
        abort_test("port %#x reads all ones: no PM timer", p.port);
    test_reads(&p);
    test_rate();
    test_enable_bit();
    test_status_bits(&p);
    test_toggles(&p);
}
