/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the APIC timer of hypervisor/common/hvm/vlapic.c, the emulated local
 * APIC, against the Intel SDM vol. 3, chapter 11 (section numbers below): one-shot
 * and periodic counts and their divide configuration, expiry, re-arming, masking,
 * mode changes, and TSC-deadline mode. The timer is programmed through the MMIO page
 * and MSRs as a guest would, and expires through vlapic_timer_expired as the platform
 * does, over the fake machine of support/vlapic_machine.c (whose clock the test moves
 * and whose set_timer records the host deadline). The rest of the APIC is
 * test_vlapic.c's.
 */
#include "vlapic_machine.h"

/* ---- the timer ---- */

/* Arm a one-shot or periodic timer: LVT, divide, initial count. */
static void start_timer(u32 lvtt, u32 tdcr, u32 count)
{
    enable();
    wr(APIC_LVTT, lvtt);
    wr(APIC_TDCR, tdcr);
    wr(APIC_TMICT, count);
}

/* The timer's host deadline fires at `t`. */
static void fire_at(s_time_t t)
{
    clock_ns = t;
    vlapic_timer_expired(&lapic);
}

/* Took (and ended) `vector`? */
static bool took(u8 vector)
{
    if (vlapic_pending(&lapic) != vector)
        return false;
    vlapic_ack(&lapic, vector);
    wr(APIC_EOI, 0);
    return true;
}

/*
 * 11.5.4: the divide configuration (bits 3, 1, 0: 2, 4, 8, 16, 32, 64, 128, 1) scales
 * the bus clock (PLATFORM_APIC_TIMER_HZ, 1 GHz); a one-shot count runs down once,
 * the current count following it, and interrupts at zero.
 */
static void test_timer_one_shot_divides(void **state)
{
    static const struct {
        u32 tdcr;
        unsigned int div;
    } cases[] = {
        { 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
        { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
        { 0xf4, 2 },                            /* bits 2 and 7-4 are not the divider */
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        s_time_t t0 = clock_ns, deadline;
        unsigned int div = cases[i].div;

        print_message("# TDCR %#x\n", cases[i].tdcr);
        setup(NULL);
        t0 = clock_ns;
        start_timer(0x40, cases[i].tdcr, 1000);
        assert_int_equal(rd(APIC_TDCR), cases[i].tdcr & 0xb);
        deadline = t0 + 1000 * (s_time_t)div * (1000000000 / PLATFORM_APIC_TIMER_HZ);
        assert_int_equal(armed, deadline);
        assert_int_equal(rd(APIC_TMICT), 1000);
        assert_int_equal(rd(APIC_TMCCT), 1000);
        clock_ns = t0 + 250 * div;
        assert_int_equal(rd(APIC_TMCCT), 750);
        clock_ns = deadline - div;
        assert_int_equal(rd(APIC_TMCCT), 1);
        assert_int_equal(vlapic_pending(&lapic), -1);
        clock_ns = deadline + 5;                /* zero reached, expiry not run yet */
        assert_int_equal(rd(APIC_TMCCT), 0);

        nr_set_timer = 0;
        fire_at(deadline);
        assert_false(vec_bit(APIC_TMR, 0x40));  /* timer interrupts are edge */
        assert_true(took(0x40));
        assert_int_equal(rd(APIC_TMCCT), 0);
        assert_int_equal(nr_set_timer, 0);      /* not re-armed */
        fire_at(deadline + 1000 * div);
        assert_int_equal(vlapic_pending(&lapic), -1);
        assert_int_equal(rd(APIC_TMICT), 1000); /* the initial count stays */
    }
}

/* 11.5.4: periodic mode reloads the initial count at zero, interrupting each period;
 * the current count runs down within each period. (Periods of 100 us and more: the
 * floor on periodic interrupts, test_timer_periodic_floor, does not apply.) */
static void test_timer_periodic(void **state)
{
    static const unsigned int divs[] = { 0x0, 0x3, 0xa, 0xb };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(divs); i++) {
        s_time_t t0 = clock_ns;
        unsigned int div;

        setup(NULL);
        t0 = clock_ns;
        start_timer(LVTT_PERIODIC | 0x41, divs[i], 100000);
        div = (armed - t0) / 100000;
        assert_int_equal(div, divs[i] == 0xb ? 1 : 2u << (((divs[i] >> 1) & 4) | (divs[i] & 3)));
        for (unsigned int n = 1; n <= 5; n++) {
            clock_ns = t0 + (100000 * (n - 1) + 30000) * (s_time_t)div;
            assert_int_equal(rd(APIC_TMCCT), 70000);
            fire_at(t0 + 100000 * n * (s_time_t)div);
            assert_true(took(0x41));
            assert_int_equal(armed, t0 + 100000 * (n + 1) * (s_time_t)div);
            assert_int_equal(rd(APIC_TMCCT), 100000);
        }
    }
}

/*
 * The missed-ticks policy (vlapic.c): a periodic timer that fires late, by several
 * periods, delivers one interrupt, and its next expiry is the next period boundary
 * in the future (phase kept), not a burst of stale ones.
 */
static void test_timer_periodic_missed_ticks(void **state)
{
    s_time_t t0 = clock_ns;

    (void)state;
    start_timer(LVTT_PERIODIC | 0x42, 0xb, 100000);
    fire_at(t0 + 550000);                       /* 5.5 periods late */
    assert_true(took(0x42));
    assert_int_equal(armed, t0 + 600000);
    assert_int_equal(rd(APIC_TMCCT), 50000);
    assert_int_equal(vlapic_pending(&lapic), -1);
    fire_at(t0 + 600000);
    assert_true(took(0x42));
    assert_int_equal(armed, t0 + 700000);
    fire_at(t0 + 800000);                       /* exactly one period late */
    assert_true(took(0x42));
    assert_int_equal(armed, t0 + 900000);
}

/* A host timer that fires early (or a stale one) re-arms for the real deadline and
 * delivers nothing. */
static void test_timer_early_expiry(void **state)
{
    s_time_t t0 = clock_ns;

    (void)state;
    start_timer(0x43, 0xb, 100);
    nr_set_timer = 0;
    fire_at(t0 + 99);
    assert_int_equal(vlapic_pending(&lapic), -1);
    assert_int_equal(nr_set_timer, 1);
    assert_int_equal(armed, t0 + 100);
    fire_at(t0 + 100);
    assert_true(took(0x43));
    fire_at(t0 + 200);                          /* no longer armed */
    assert_int_equal(vlapic_pending(&lapic), -1);
}

/* 11.5.4: writing the initial count restarts the count from it; writing 0 stops the
 * timer (one-shot and periodic). */
static void test_timer_rearm_and_stop(void **state)
{
    s_time_t t0 = clock_ns;

    (void)state;
    start_timer(LVTT_PERIODIC | 0x44, 0xb, 100000);
    clock_ns = t0 + 60000;
    wr(APIC_TMICT, 300000);
    assert_int_equal(armed, t0 + 360000);
    assert_int_equal(rd(APIC_TMCCT), 300000);
    fire_at(t0 + 100000);                       /* the old deadline: nothing */
    assert_int_equal(vlapic_pending(&lapic), -1);
    fire_at(t0 + 360000);
    assert_true(took(0x44));
    assert_int_equal(armed, t0 + 660000);

    wr(APIC_TMICT, 0);
    assert_int_equal(armed, 0);
    assert_int_equal(rd(APIC_TMCCT), 0);
    fire_at(t0 + 660000);
    assert_int_equal(vlapic_pending(&lapic), -1);
}

/* 11.5.1: a masked timer LVT still counts (and reloads) but does not interrupt. */
static void test_timer_masked(void **state)
{
    s_time_t t0 = clock_ns;

    (void)state;
    start_timer(LVT_MASKED | LVTT_PERIODIC | 0x45, 0xb, 100000);
    clock_ns = t0 + 40000;
    assert_int_equal(rd(APIC_TMCCT), 60000);
    fire_at(t0 + 100000);
    assert_int_equal(vlapic_pending(&lapic), -1);
    assert_int_equal(armed, t0 + 200000);
    wr(APIC_LVTT, LVTT_PERIODIC | 0x45);        /* unmasked: the next one comes */
    fire_at(t0 + 200000);
    assert_true(took(0x45));
}

/*
 * Regression, 11.5.4.1: only "transitions between TSC-deadline mode and other timer
 * modes" disarm the timer. A switch between one-shot and periodic used to stop it and
 * clear the initial count; the count runs on, and the mode at zero decides: periodic
 * reloads, one-shot stops after one more interrupt.
 */
static void test_timer_mode_change_keeps_count(void **state)
{
    s_time_t t0 = clock_ns;

    (void)state;
    start_timer(0x46, 0xb, 100000);
    clock_ns = t0 + 30000;
    wr(APIC_LVTT, LVTT_PERIODIC | 0x46);
    assert_int_equal(armed, t0 + 100000);
    assert_int_equal(rd(APIC_TMICT), 100000);
    assert_int_equal(rd(APIC_TMCCT), 70000);
    fire_at(t0 + 100000);
    assert_true(took(0x46));
    assert_int_equal(armed, t0 + 200000);       /* periodic now: reloaded */
    assert_int_equal(rd(APIC_TMCCT), 100000);

    clock_ns = t0 + 150000;
    wr(APIC_LVTT, 0x46);                        /* back to one-shot */
    assert_int_equal(rd(APIC_TMCCT), 50000);
    assert_int_equal(armed, t0 + 200000);
    fire_at(t0 + 200000);
    assert_true(took(0x46));
    assert_int_equal(rd(APIC_TMCCT), 0);
    fire_at(t0 + 300000);                       /* stopped */
    assert_int_equal(vlapic_pending(&lapic), -1);

    wr(APIC_TMICT, 100000);
    wr(APIC_LVTT, LVTT_PERIODIC | LVT_MASKED | 0x47);  /* still armed */
    assert_int_equal(armed, t0 + 400000);
    wr(APIC_LVTT, LVTT_TSCDL | 0x47);           /* to TSC-deadline: disarmed */
    assert_int_equal(armed, 0);
    assert_int_equal(rd(APIC_TMICT), 0);
    assert_int_equal(rd(APIC_TMCCT), 0);
}

/*
 * Regression: a periodic count reloads the moment it reaches zero, so it reads the
 * count into the current period even when the host timer that runs the expiry is
 * late. It used to read 0 until then.
 */
static void test_timer_periodic_count_when_late(void **state)
{
    s_time_t t0 = clock_ns;

    (void)state;
    start_timer(LVTT_PERIODIC | 0x4a, 0xb, 100000);
    clock_ns = t0 + 130000;                     /* the expiry at t0 + 100000 not run */
    assert_int_equal(rd(APIC_TMCCT), 70000);
    clock_ns = t0 + 300000;                     /* exactly at a reload */
    assert_int_equal(rd(APIC_TMCCT), 100000);
    clock_ns = t0 + 399999;
    assert_int_equal(rd(APIC_TMCCT), 1);
    fire_at(t0 + 399999);
    assert_true(took(0x4a));
    assert_int_equal(armed, t0 + 400000);
    assert_int_equal(rd(APIC_TMCCT), 1);

    /* one-shot: zero is zero */
    start_timer(0x4b, 0xb, 100000);
    clock_ns += 150000;
    assert_int_equal(rd(APIC_TMCCT), 0);
}

/*
 * The floor on periodic interrupts (PERIODIC_TIMER_MIN_NS, hv/time.h): a period
 * shorter than 100 us interrupts at the first reload at least that long after the
 * one delivered, the reloads between being missed ticks. A 1 ns period (TMICT 1,
 * divide by 1) must not re-arm the host timer 1 ns ahead each time: that would keep
 * the host in its timer softirq for good. The count still reloads at its own rate.
 */
static void test_timer_periodic_floor(void **state)
{
    const s_time_t min_ns = PERIODIC_TIMER_MIN_NS;
    s_time_t t0 = clock_ns, dl;
    unsigned int fired = 0;

    (void)state;
    assert_int_equal(min_ns, 100000);
    start_timer(LVTT_PERIODIC | 0x4c, 0xb, 1);
    assert_int_equal(armed, t0 + 1);            /* the first zero: as programmed */
    fire_at(t0 + 1);
    assert_true(took(0x4c));
    assert_int_equal(armed, t0 + 1 + min_ns);
    clock_ns = t0 + 5000;
    assert_int_equal(rd(APIC_TMCCT), 1);        /* a 1-tick count reads 1 throughout */
    /* On time for 1 ms: one interrupt per 100 us, no more. */
    nr_set_timer = 0;
    while (armed <= t0 + 1 + MILLISECS(1)) {
        dl = armed;
        fire_at(dl);
        assert_true(took(0x4c));
        assert_true(armed >= dl + min_ns);
        fired++;
    }
    assert_int_equal(fired, 10);
    assert_int_equal(nr_set_timer, 10);
    /* Late by 2.5 floors: one interrupt, then the next reload in the future. */
    dl = armed;
    fire_at(dl + 250000);
    assert_true(took(0x4c));
    assert_int_equal(vlapic_pending(&lapic), -1);
    assert_int_equal(armed, dl + 250001);

    /* A 3 ns period: whole periods, the first that reaches the min_ns. */
    setup(NULL);
    t0 = clock_ns;
    start_timer(LVTT_PERIODIC | 0x4d, 0xb, 3);
    fire_at(t0 + 3);
    assert_true(took(0x4d));
    dl = t0 + 3 + 100002;                       /* 33334 periods */
    assert_int_equal(armed, dl);
    /* The count runs at its rate, reloading whole periods before the deadline. */
    clock_ns = dl - 1;
    assert_int_equal(rd(APIC_TMCCT), 1);
    clock_ns = dl - 5;
    assert_int_equal(rd(APIC_TMCCT), 2);
    clock_ns = dl - 6;
    assert_int_equal(rd(APIC_TMCCT), 3);
    clock_ns = dl - 50000;                      /* 16666 periods and 2 before */
    assert_int_equal(rd(APIC_TMCCT), 2);
    /* Back to one-shot: the count stops at its next zero, 2 ns on, not at the
     * deadline the min_ns put 50000 ns on. */
    wr(APIC_LVTT, 0x4d);
    assert_int_equal(armed, clock_ns + 2);
    assert_int_equal(rd(APIC_TMCCT), 2);
    fire_at(clock_ns + 2);
    assert_true(took(0x4d));
    assert_int_equal(rd(APIC_TMCCT), 0);
}

/*
 * 11.5.4.1, TSC-deadline mode: a non-zero IA32_TSC_DEADLINE arms the timer for the
 * time the guest TSC reaches it (tsc_to_time), reads back, and at expiry interrupts
 * once and reads 0; writing 0 disarms; in other modes the MSR reads 0 and writes are
 * ignored; the initial count does nothing and the current count reads 0.
 */
static void test_tsc_deadline(void **state)
{
    (void)state;
    enable();
    msr_wr(MSR_TSC_DEADLINE, 5000000);          /* one-shot mode: ignored */
    assert_int_equal(msr_rd(MSR_TSC_DEADLINE), 0);
    assert_int_equal(armed, 0);

    wr(APIC_LVTT, LVTT_TSCDL | 0x48);
    msr_wr(MSR_TSC_DEADLINE, 5000000);
    assert_int_equal(armed, 2500000);           /* the fake TSC: 2 ticks a ns */
    assert_int_equal(msr_rd(MSR_TSC_DEADLINE), 5000000);
    assert_int_equal(rd(APIC_TMCCT), 0);
    fire_at(2499999);
    assert_int_equal(vlapic_pending(&lapic), -1);
    assert_int_equal(armed, 2500000);
    fire_at(2500000);
    assert_true(took(0x48));
    assert_int_equal(msr_rd(MSR_TSC_DEADLINE), 0);
    fire_at(3000000);
    assert_int_equal(vlapic_pending(&lapic), -1);

    /* re-armed, then disarmed by 0 */
    msr_wr(MSR_TSC_DEADLINE, 8000000);
    assert_int_equal(armed, 4000000);
    msr_wr(MSR_TSC_DEADLINE, 0);
    assert_int_equal(armed, 0);
    fire_at(4000000);
    assert_int_equal(vlapic_pending(&lapic), -1);

    /* a deadline already passed fires as soon as the host timer runs */
    msr_wr(MSR_TSC_DEADLINE, 2);
    assert_true(armed > 0 && armed <= clock_ns);
    vlapic_timer_expired(&lapic);
    assert_true(took(0x48));

    /* a mode change disarms */
    msr_wr(MSR_TSC_DEADLINE, 20000000);
    wr(APIC_LVTT, 0x48);
    assert_int_equal(armed, 0);
    assert_int_equal(msr_rd(MSR_TSC_DEADLINE), 0);
    wr(APIC_LVTT, LVTT_TSCDL | 0x48);
    assert_int_equal(msr_rd(MSR_TSC_DEADLINE), 0);
    fire_at(10000000);
    assert_int_equal(vlapic_pending(&lapic), -1);
}

/*
 * Regression, 11.5.4.1: "in TSC-deadline mode, writes to the initial-count register
 * are ignored". A write used to store the count and stop the armed deadline.
 */
static void test_tsc_deadline_ignores_initial_count(void **state)
{
    (void)state;
    enable();
    wr(APIC_LVTT, LVTT_TSCDL | 0x49);
    msr_wr(MSR_TSC_DEADLINE, 6000000);
    wr(APIC_TMICT, 100);
    assert_int_equal(armed, 3000000);
    assert_int_equal(rd(APIC_TMICT), 0);
    assert_int_equal(rd(APIC_TMCCT), 0);
    fire_at(3000000);
    assert_true(took(0x49));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_timer_one_shot_divides),
        T(test_timer_periodic),
        T(test_timer_periodic_missed_ticks),
        T(test_timer_early_expiry),
        T(test_timer_rearm_and_stop),
        T(test_timer_masked),
        T(test_timer_mode_change_keeps_count),
        T(test_timer_periodic_count_when_late),
        T(test_timer_periodic_floor),
        T(test_tsc_deadline),
        T(test_tsc_deadline_ignores_initial_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
