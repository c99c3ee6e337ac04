/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/hvm/mc146818.c, the MC146818A RTC and CMOS RAM,
 * driven with fake time, and of the calendar arithmetic in hv/wallclock.h.
 */
#include "unit.h"

#include <hv/mc146818.h>
#include <hv/wallclock.h>

#define NS          1000000000LL
#define T0          (5 * NS)        /* system time at power-up: update k at T0 + k s */
#define LEAP_DAY    1709214356LL    /* 2024-02-29 13:45:56 UTC, a Thursday */

static struct mc146818 rtc;
static s_time_t fake_now;
static s_time_t deadline;
static unsigned int set_timer_calls;
static bool line;                   /* IRQ8 */
static unsigned int rises;

static s_time_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now;
}

static void fake_set_timer(void *ctx, s_time_t t)
{
    (void)ctx;
    deadline = t;
    set_timer_calls++;
}

static void fake_irq(void *ctx, bool level)
{
    (void)ctx;
    if (level && !line)
        rises++;
    line = level;
}

static const struct mc146818_ops ops = {
    .now = fake_clock,
    .set_timer = fake_set_timer,
    .irq = fake_irq,
};

static void power_up(s64 time)
{
    fake_now = T0;
    deadline = 0;
    set_timer_calls = 0;
    line = false;
    rises = 0;
    mc146818_init(&rtc, &ops, NULL, time);
}

static int setup(void **state)
{
    (void)state;
    power_up(LEAP_DAY);
    return 0;
}

/* ---- helpers ---- */

static u8 rd(u8 reg)
{
    mc146818_write(&rtc, 0x70, reg);
    return mc146818_read(&rtc, 0x71);
}

static void wr(u8 reg, u8 val)
{
    mc146818_write(&rtc, 0x70, reg);
    mc146818_write(&rtc, 0x71, val);
}

/* The time of the k-th update after power-up (the divider was not reset). */
static s_time_t update_time(s64 k)
{
    return T0 + k * NS;
}

/* Move to just after the next update. */
static void next_update(void)
{
    fake_now = update_time((fake_now - T0) / NS + 1);
}

/* The host timer runs at its deadline (and is not armed any more). */
static void fire(void)
{
    fake_now = deadline;
    deadline = 0;
    mc146818_timer_expired(&rtc);
}

struct tm_regs {
    u8 sec, min, hour, dow, day, month, year, century;
};

static void read_time(struct tm_regs *t)
{
    t->sec = rd(RTC_SECONDS);
    t->min = rd(RTC_MINUTES);
    t->hour = rd(RTC_HOURS);
    t->dow = rd(RTC_DAY_OF_WEEK);
    t->day = rd(RTC_DAY_OF_MONTH);
    t->month = rd(RTC_MONTH);
    t->year = rd(RTC_YEAR);
    t->century = rd(RTC_CENTURY);
}

#define assert_time(t, c, y, mo, d, h, mi, s, w)                                         \
    do {                                                                                 \
        assert_int_equal((t).century, c);                                                \
        assert_int_equal((t).year, y);                                                   \
        assert_int_equal((t).month, mo);                                                 \
        assert_int_equal((t).day, d);                                                    \
        assert_int_equal((t).hour, h);                                                   \
        assert_int_equal((t).min, mi);                                                   \
        assert_int_equal((t).sec, s);                                                    \
        assert_int_equal((t).dow, w);                                                    \
    } while (0)

/* Set the time through SET, in BCD 24-hour form (register B left at 0x02). */
static void set_time_bcd(u8 c, u8 y, u8 mo, u8 d, u8 h, u8 mi, u8 s, u8 w)
{
    wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
    wr(RTC_CENTURY, c);
    wr(RTC_YEAR, y);
    wr(RTC_MONTH, mo);
    wr(RTC_DAY_OF_MONTH, d);
    wr(RTC_HOURS, h);
    wr(RTC_MINUTES, mi);
    wr(RTC_SECONDS, s);
    wr(RTC_DAY_OF_WEEK, w);
    wr(RTC_REG_B, RTC_B_24H);
}

/* ---- the calendar ---- */

static bool naive_leap(s64 y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Every day from 1900 to 2200 against a day-by-day count. */
static void test_calendar(void **state)
{
    static const unsigned int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    s64 days = -25567;                  /* 1900-01-01 */

    (void)state;
    assert_int_equal(wallclock_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(wallclock_days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(wallclock_days_from_civil(1969, 12, 31), -1);
    for (s64 y = 1900; y <= 2200; y++) {
        assert_int_equal(wallclock_leap_year(y), naive_leap(y));
        for (unsigned int m = 1; m <= 12; m++) {
            unsigned int n = mdays[m - 1] + (m == 2 && naive_leap(y));
            for (unsigned int d = 1; d <= n; d++, days++) {
                s64 yy;
                unsigned int mm, dd;
                assert_int_equal(wallclock_days_from_civil(y, m, d), days);
                wallclock_civil_from_days(days, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);
            }
        }
    }
    assert_false(wallclock_leap_year(2100));
    assert_true(wallclock_leap_year(2000));
}

/* ---- formats ---- */

static void test_power_up(void **state)
{
    struct tm_regs t;

    (void)state;
    assert_int_equal(rd(RTC_REG_A), 0x26);
    assert_int_equal(rd(RTC_REG_B), 0x02);
    assert_int_equal(rd(RTC_REG_C), 0x00);
    assert_int_equal(rd(RTC_REG_D), 0x80);
    read_time(&t);
    assert_time(t, 0x20, 0x24, 0x02, 0x29, 0x13, 0x45, 0x56, 5);
    assert_int_equal(set_timer_calls, 0);
    assert_false(line);
    /* A second later, not before. */
    fake_now = update_time(1) - 1;
    assert_int_equal(rd(RTC_SECONDS), 0x56);
    fake_now = update_time(1);
    assert_int_equal(rd(RTC_SECONDS), 0x57);
    fake_now = update_time(3600);
    read_time(&t);
    assert_time(t, 0x20, 0x24, 0x02, 0x29, 0x14, 0x45, 0x56, 5);
}

static void test_binary(void **state)
{
    struct tm_regs t;

    (void)state;
    wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    read_time(&t);
    assert_time(t, 20, 24, 2, 29, 13, 45, 56, 5);
    /* Written in binary, through SET. */
    wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_DM_BINARY);
    wr(RTC_YEAR, 99);
    wr(RTC_CENTURY, 19);
    wr(RTC_MONTH, 12);
    wr(RTC_DAY_OF_MONTH, 31);
    wr(RTC_HOURS, 23);
    wr(RTC_MINUTES, 59);
    wr(RTC_SECONDS, 59);
    wr(RTC_DAY_OF_WEEK, 6);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    next_update();
    read_time(&t);
    assert_time(t, 20, 0, 1, 1, 0, 0, 0, 7);
    wr(RTC_REG_B, RTC_B_24H);           /* the same time, read in BCD */
    read_time(&t);
    assert_time(t, 0x20, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 7);
}

static void test_12_hour(void **state)
{
    static const struct {
        u8 h24, bcd12, bin12;
    } hours[] = {
        { 0, 0x12, 12 },            /* 12 AM */
        { 1, 0x01, 1 },
        { 9, 0x09, 9 },
        { 11, 0x11, 11 },
        { 12, 0x92, 0x80 | 12 },    /* 12 PM */
        { 13, 0x81, 0x80 | 1 },
        { 22, 0x90, 0x80 | 10 },
        { 23, 0x91, 0x80 | 11 },
    };

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(hours); i++) {
        u8 bcd24 = (u8)((hours[i].h24 / 10) << 4 | hours[i].h24 % 10);

        set_time_bcd(0x20, 0x24, 0x03, 0x01, bcd24, 0x30, 0x00, 6);
        wr(RTC_REG_B, 0x00);        /* BCD, 12-hour */
        assert_int_equal(rd(RTC_HOURS), hours[i].bcd12);
        wr(RTC_REG_B, RTC_B_DM_BINARY);
        assert_int_equal(rd(RTC_HOURS), hours[i].bin12);
        /* Written in 12-hour form through SET: the same hour in 24-hour form. */
        wr(RTC_REG_B, RTC_B_SET);
        wr(RTC_HOURS, hours[i].bcd12);
        wr(RTC_REG_B, 0x00);
        wr(RTC_REG_B, RTC_B_24H);
        assert_int_equal(rd(RTC_HOURS), bcd24);
    }
    /* 11:59:59 AM becomes 12:00:00 PM, 11:59:59 PM becomes 12:00:00 AM. */
    set_time_bcd(0x20, 0x24, 0x03, 0x01, 0x11, 0x59, 0x59, 6);
    wr(RTC_REG_B, 0x00);
    assert_int_equal(rd(RTC_HOURS), 0x11);
    next_update();
    assert_int_equal(rd(RTC_HOURS), 0x92);
    set_time_bcd(0x20, 0x24, 0x03, 0x01, 0x23, 0x59, 0x59, 6);
    wr(RTC_REG_B, 0x00);
    assert_int_equal(rd(RTC_HOURS), 0x91);
    next_update();
    assert_int_equal(rd(RTC_HOURS), 0x12);
    assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x02);
}

/* ---- the calendar, counting ---- */

static void test_rollovers(void **state)
{
    static const struct {
        u8 from[8], to[8];          /* century, year, month, day, hour, min, sec, dow */
    } cases[] = {
        { { 0x20, 0x23, 0x01, 0x31, 0x23, 0x59, 0x59, 3 }, { 0x20, 0x23, 0x02, 0x01, 0, 0, 0, 4 } },
        { { 0x20, 0x23, 0x02, 0x28, 0x23, 0x59, 0x59, 3 }, { 0x20, 0x23, 0x03, 0x01, 0, 0, 0, 4 } },
        { { 0x20, 0x24, 0x02, 0x28, 0x23, 0x59, 0x59, 4 }, { 0x20, 0x24, 0x02, 0x29, 0, 0, 0, 5 } },
        { { 0x20, 0x24, 0x02, 0x29, 0x23, 0x59, 0x59, 5 }, { 0x20, 0x24, 0x03, 0x01, 0, 0, 0, 6 } },
        { { 0x20, 0x00, 0x02, 0x28, 0x23, 0x59, 0x59, 2 }, { 0x20, 0x00, 0x02, 0x29, 0, 0, 0, 3 } },
        { { 0x21, 0x00, 0x02, 0x28, 0x23, 0x59, 0x59, 1 }, { 0x21, 0x00, 0x03, 0x01, 0, 0, 0, 2 } },
        { { 0x19, 0x00, 0x02, 0x28, 0x23, 0x59, 0x59, 4 }, { 0x19, 0x00, 0x03, 0x01, 0, 0, 0, 5 } },
        { { 0x20, 0x23, 0x04, 0x30, 0x23, 0x59, 0x59, 1 }, { 0x20, 0x23, 0x05, 0x01, 0, 0, 0, 2 } },
        { { 0x20, 0x23, 0x06, 0x30, 0x23, 0x59, 0x59, 6 }, { 0x20, 0x23, 0x07, 0x01, 0, 0, 0, 7 } },
        { { 0x20, 0x23, 0x09, 0x30, 0x23, 0x59, 0x59, 7 }, { 0x20, 0x23, 0x10, 0x01, 0, 0, 0, 1 } },
        { { 0x20, 0x23, 0x11, 0x30, 0x23, 0x59, 0x59, 5 }, { 0x20, 0x23, 0x12, 0x01, 0, 0, 0, 6 } },
        { { 0x20, 0x23, 0x12, 0x31, 0x23, 0x59, 0x59, 1 }, { 0x20, 0x24, 0x01, 0x01, 0, 0, 0, 2 } },
        { { 0x19, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59, 6 }, { 0x20, 0x00, 0x01, 0x01, 0, 0, 0, 7 } },
        { { 0x20, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59, 5 }, { 0x21, 0x00, 0x01, 0x01, 0, 0, 0, 6 } },
        { { 0x20, 0x23, 0x07, 0x31, 0x23, 0x59, 0x59, 2 }, { 0x20, 0x23, 0x08, 0x01, 0, 0, 0, 3 } },
        { { 0x20, 0x23, 0x07, 0x30, 0x23, 0x59, 0x59, 1 }, { 0x20, 0x23, 0x07, 0x31, 0, 0, 0, 2 } },
        { { 0x20, 0x23, 0x07, 0x30, 0x12, 0x59, 0x59, 1 }, { 0x20, 0x23, 0x07, 0x30, 0x13, 0, 0, 1 } },
        { { 0x20, 0x23, 0x07, 0x30, 0x09, 0x09, 0x59, 1 }, { 0x20, 0x23, 0x07, 0x30, 0x09, 0x10, 0, 1 } },
        { { 0x20, 0x23, 0x07, 0x30, 0x09, 0x09, 0x09, 1 }, { 0x20, 0x23, 0x07, 0x30, 0x09, 0x09, 0x10, 1 } },
    };
    struct tm_regs t;

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
        const u8 *f = cases[i].from, *e = cases[i].to;

        set_time_bcd(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
        read_time(&t);
        assert_time(t, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
        next_update();
        read_time(&t);
        assert_time(t, e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]);
    }
}

/* The day of week counts on from what was written, not from the date. */
static void test_day_of_week(void **state)
{
    (void)state;
    set_time_bcd(0x20, 0x24, 0x03, 0x01, 0x23, 0x59, 0x59, 2);  /* (really a Friday) */
    next_update();
    assert_int_equal(rd(RTC_DAY_OF_WEEK), 3);
    fake_now += 4 * 86400 * NS;
    assert_int_equal(rd(RTC_DAY_OF_WEEK), 7);
    fake_now += 86400 * NS;
    assert_int_equal(rd(RTC_DAY_OF_WEEK), 1);
    /* Written while running: the date's other fields do not disturb it. */
    wr(RTC_DAY_OF_WEEK, 4);
    wr(RTC_DAY_OF_MONTH, 0x15);
    assert_int_equal(rd(RTC_DAY_OF_WEEK), 4);
    assert_int_equal(rd(RTC_DAY_OF_MONTH), 0x15);
}

/* Time registers written while the clock runs: that field, the others run on. */
static void test_write_running(void **state)
{
    struct tm_regs t;

    (void)state;
    fake_now = update_time(2) + NS / 2;
    wr(RTC_MINUTES, 0x10);
    read_time(&t);
    assert_time(t, 0x20, 0x24, 0x02, 0x29, 0x13, 0x10, 0x58, 5);
    next_update();                      /* on the same phase: update 3 */
    assert_int_equal(fake_now, update_time(3));
    assert_int_equal(rd(RTC_SECONDS), 0x59);
    wr(RTC_CENTURY, 0x19);
    wr(RTC_YEAR, 0x96);
    read_time(&t);
    assert_time(t, 0x19, 0x96, 0x02, 0x29, 0x13, 0x10, 0x59, 5);
}

/* ---- SET and the divider ---- */

static void test_set_stops_updates(void **state)
{
    struct tm_regs t;

    (void)state;
    fake_now = update_time(1) + 1000;   /* 13:45:57 */
    wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
    assert_int_equal(rd(RTC_REG_B), RTC_B_SET | RTC_B_24H);     /* UIE forced off */
    (void)rd(RTC_REG_C);                /* (UF of the update before SET) */
    fake_now = update_time(10) - 100000;
    assert_false(rd(RTC_REG_A) & RTC_A_UIP);
    read_time(&t);
    assert_time(t, 0x20, 0x24, 0x02, 0x29, 0x13, 0x45, 0x57, 5);
    assert_false(rd(RTC_REG_C) & RTC_C_UF);    /* no updates */
    /* Periodic interrupts go on: the divider still runs. */
    fake_now += 10 * 1000000;
    assert_int_equal(rd(RTC_REG_C) & RTC_C_PF, RTC_C_PF);
    /* The time written with SET on is the time when it goes off. */
    wr(RTC_SECONDS, 0x30);
    wr(RTC_MINUTES, 0x00);
    fake_now = update_time(12) + 1000;
    assert_int_equal(rd(RTC_SECONDS), 0x30);
    wr(RTC_REG_B, RTC_B_24H);
    assert_int_equal(rd(RTC_SECONDS), 0x30);
    assert_int_equal(rd(RTC_MINUTES), 0x00);
    /* The next update is on the divider's phase, not a second after SET went off. */
    fake_now = update_time(13) - 1;
    assert_int_equal(rd(RTC_SECONDS), 0x30);
    fake_now = update_time(13);
    assert_int_equal(rd(RTC_SECONDS), 0x31);
}

static void test_divider_reset(void **state)
{
    s_time_t restart;

    (void)state;
    wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    fake_now = update_time(1) + NS / 4;
    (void)rd(RTC_REG_C);
    wr(RTC_REG_A, 0x76);                /* divider in reset */
    assert_int_equal(deadline, 0);      /* no periodic interrupt either */
    fake_now = update_time(20);
    assert_int_equal(rd(RTC_SECONDS), 0x57);
    assert_int_equal(rd(RTC_REG_C), 0);
    restart = update_time(20) + 123456;
    fake_now = restart;
    wr(RTC_REG_A, 0x26);                /* out of reset: first update 500 ms on */
    fake_now = restart + NS / 2 - 1;
    assert_int_equal(rd(RTC_SECONDS), 0x57);
    fake_now = restart + NS / 2;
    assert_int_equal(rd(RTC_SECONDS), 0x58);
    fake_now = restart + NS / 2 + NS;
    assert_int_equal(rd(RTC_SECONDS), 0x59);
    /* The other time bases do not run the clock either. */
    wr(RTC_REG_A, 0x06);
    fake_now += 5 * NS;
    assert_int_equal(rd(RTC_SECONDS), 0x59);
}

/* ---- UIP ---- */

static void test_uip(void **state)
{
    s_time_t upd = update_time(7);

    (void)state;
    /* Set for the 244 us (8 cycles of 32.768 kHz) before the update. */
    fake_now = upd - 245000;
    assert_false(rd(RTC_REG_A) & RTC_A_UIP);
    fake_now = upd - 244141;
    assert_false(rd(RTC_REG_A) & RTC_A_UIP);
    fake_now = upd - 244140;
    assert_true(rd(RTC_REG_A) & RTC_A_UIP);
    assert_int_equal(rd(RTC_SECONDS), 0x02);   /* 13:46:02, not yet 03 */
    fake_now = upd - 1;
    assert_true(rd(RTC_REG_A) & RTC_A_UIP);
    fake_now = upd;
    assert_false(rd(RTC_REG_A) & RTC_A_UIP);
    assert_int_equal(rd(RTC_SECONDS), 0x03);
    assert_int_equal(rd(RTC_REG_A), 0x26);
    /* Never with SET on. */
    wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
    fake_now = update_time(8) - 1000;
    assert_false(rd(RTC_REG_A) & RTC_A_UIP);
    /* UIP is read-only. */
    wr(RTC_REG_A, 0xa6);
    assert_int_equal(rd(RTC_REG_A), 0x26);
}

/* ---- interrupts ---- */

static void test_update_interrupt(void **state)
{
    (void)state;
    fake_now = update_time(0) + NS / 3;
    wr(RTC_REG_A, RTC_A_DV_32KHZ);      /* no periodic flag in the way */
    (void)rd(RTC_REG_C);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    assert_int_equal(deadline, update_time(1));
    assert_false(line);
    for (unsigned int i = 1; i <= 3; i++) {
        fire();
        assert_true(line);
        assert_int_equal(rises, i);
        assert_int_equal(deadline, 0);          /* IRQF set: nothing more until C is read */
        fake_now += NS / 2;
        assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF);
        assert_false(line);
        assert_int_equal(deadline, update_time(i + 1));
    }
    /* UF is set without UIE too, with no interrupt. */
    wr(RTC_REG_B, RTC_B_24H);
    fake_now += 2 * NS;
    assert_int_equal(rd(RTC_REG_C), RTC_C_UF);
    assert_int_equal(rises, 3);
}

static void test_periodic_rates(void **state)
{
    static const unsigned int hz[16] = { 0, 256, 128, 8192, 4096, 2048, 1024, 512,
                                         256, 128, 64, 32, 16, 8, 4, 2 };

    (void)state;
    for (unsigned int rs = 0; rs < 16; rs++) {
        s_time_t start = update_time(10 * rs + 1), end = start + NS;
        unsigned int n = 0;

        fake_now = start;
        wr(RTC_REG_A, 0x20 | rs);
        wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
        (void)rd(RTC_REG_C);
        rises = 0;
        while (deadline && deadline <= end) {
            s_time_t due = deadline;
            s64 k = n + 1;

            /* Period boundaries of the 32.768 kHz divider, from the update. */
            assert_int_equal(due, start + (k * (32768 / hz[rs]) * NS + 32767) / 32768);
            fire();
            /* (The last period ends with the second: UF too.) */
            assert_int_equal(rd(RTC_REG_C) & ~RTC_C_UF, RTC_C_IRQF | RTC_C_PF);
            n++;
            assert_int_equal(rises, n);
        }
        assert_int_equal(n, hz[rs]);
        wr(RTC_REG_B, RTC_B_24H);
    }
}

/* PF without PIE: a flag, no interrupt, no host timer. */
static void test_periodic_flag_only(void **state)
{
    (void)state;
    set_timer_calls = 0;
    fake_now = update_time(1);
    (void)rd(RTC_REG_C);
    fake_now += 976563;                 /* one 1024 Hz period */
    assert_int_equal(rd(RTC_REG_C), RTC_C_PF);
    assert_int_equal(rd(RTC_REG_C), 0);
    assert_int_equal(set_timer_calls, 0);
    assert_int_equal(rises, 0);
    /* PIE with PF already set: IRQF at once. */
    fake_now += 976563;
    wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    assert_true(line);
    /* PIE off again: IRQF and the line drop, PF stays. */
    wr(RTC_REG_B, RTC_B_24H);
    assert_false(line);
    assert_int_equal(rd(RTC_REG_C), RTC_C_PF);
}

/* Periods gone by unseen: one interrupt, then on to the next period in the future. */
static void test_periodic_missed(void **state)
{
    s_time_t start = update_time(2);

    (void)state;
    fake_now = start;
    (void)rd(RTC_REG_C);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);   /* 1024 Hz */
    assert_int_equal(deadline, start + 976563);
    fake_now = start + 10 * 976563 + 1000;  /* ten periods late */
    mc146818_timer_expired(&rtc);
    assert_int_equal(rises, 1);
    assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
    assert_int_equal(rises, 1);
    assert_int_equal(deadline, start + (11 * NS + 1023) / 1024);
    assert_true(deadline > fake_now);
}

static void test_register_c(void **state)
{
    (void)state;
    wr(RTC_REG_B, RTC_B_24H);
    fake_now = update_time(1) + 5000000;
    /* PF and UF set, no enable: no IRQF. Bits 0-3 read 0. */
    assert_int_equal(rd(RTC_REG_C), RTC_C_PF | RTC_C_UF);
    /* Read-to-clear. */
    assert_int_equal(rd(RTC_REG_C), 0);
    /* C and D are read-only. */
    wr(RTC_REG_C, 0xff);
    wr(RTC_REG_D, 0x00);
    assert_int_equal(rd(RTC_REG_C), 0);
    assert_int_equal(rd(RTC_REG_D), RTC_D_VRT);
    /* IRQF with its enable; reading C drops IRQ8. */
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    fake_now = update_time(2);
    mc146818_timer_expired(&rtc);
    assert_true(line);
    assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_UF | RTC_C_PF);
    assert_false(line);
    assert_int_equal(rd(RTC_REG_C), 0);
    /* Until C is read, no further edge: IRQ8 stays up, however many updates pass. */
    fake_now = update_time(3);
    mc146818_timer_expired(&rtc);
    fake_now = update_time(6);
    mc146818_timer_expired(&rtc);
    assert_int_equal(rises, 2);
    assert_true(line);
}

/* ---- the alarm ---- */

static void test_alarm(void **state)
{
    (void)state;
    /* 13:46:00 exactly: 4 s after power-up. */
    wr(RTC_SECONDS_ALARM, 0x00);
    wr(RTC_MINUTES_ALARM, 0x46);
    wr(RTC_HOURS_ALARM, 0x13);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    assert_int_equal(deadline, update_time(4));
    fake_now = update_time(4) - 1;
    assert_false(rd(RTC_REG_C) & RTC_C_AF);
    fire();
    assert_true(line);
    assert_int_equal(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_AF | RTC_C_UF | RTC_C_PF);
    /* Next: tomorrow. */
    assert_int_equal(deadline, update_time(4 + 86400));
    fake_now = update_time(5);
    assert_false(rd(RTC_REG_C) & RTC_C_AF);
    /* Passed unseen within a long gap: set once. */
    fake_now = update_time(3 * 86400);
    assert_int_equal(rd(RTC_REG_C) & RTC_C_AF, RTC_C_AF);
    assert_int_equal(rises, 2);
}

static void test_alarm_dont_care(void **state)
{
    (void)state;
    /* Seconds "don't care": every second of 13:46. */
    wr(RTC_SECONDS_ALARM, 0xc0);
    wr(RTC_MINUTES_ALARM, 0x46);
    wr(RTC_HOURS_ALARM, 0x13);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
    assert_int_equal(deadline, update_time(4));
    for (unsigned int s = 0; s < 60; s++) {
        fire();
        assert_int_equal(fake_now, update_time(4 + s));
        assert_true(rd(RTC_REG_C) & RTC_C_AF);
    }
    assert_int_equal(deadline, update_time(4 + 86400));
    /* Hours "don't care" (any value 0xc0-0xff): at mm:ss of every hour. */
    wr(RTC_SECONDS_ALARM, 0x30);
    wr(RTC_MINUTES_ALARM, 0x15);
    wr(RTC_HOURS_ALARM, 0xff);
    fake_now = update_time(100);        /* 13:47:36 */
    (void)rd(RTC_REG_C);
    assert_int_equal(deadline, update_time(4 + 29 * 60 + 30));       /* 14:15:30 */
    fire();
    (void)rd(RTC_REG_C);
    assert_int_equal(deadline, update_time(4 + 89 * 60 + 30));       /* 15:15:30 */
    /* Everything "don't care": every second. */
    wr(RTC_MINUTES_ALARM, 0xc1);
    wr(RTC_SECONDS_ALARM, 0xd0);
    assert_int_equal(deadline, update_time((fake_now - T0) / NS + 1));
    /* An alarm no register can hold never rings. */
    wr(RTC_SECONDS_ALARM, 0x00);
    wr(RTC_MINUTES_ALARM, 0x00);
    wr(RTC_HOURS_ALARM, 0x24);
    assert_int_equal(deadline, 0);
    wr(RTC_HOURS_ALARM, 0x1a);          /* not BCD */
    assert_int_equal(deadline, 0);
}

/* In 12-hour form the alarm's hour carries the PM bit, as the hours do. */
static void test_alarm_12_hour(void **state)
{
    (void)state;
    wr(RTC_REG_B, RTC_B_AIE);           /* BCD, 12-hour */
    wr(RTC_SECONDS_ALARM, 0x00);
    wr(RTC_MINUTES_ALARM, 0x46);
    wr(RTC_HOURS_ALARM, 0x01);          /* 1 AM: tomorrow */
    assert_int_equal(deadline, update_time(4 + 12 * 3600));
    wr(RTC_HOURS_ALARM, 0x81);          /* 1 PM: today */
    assert_int_equal(deadline, update_time(4));
    wr(RTC_HOURS_ALARM, 0x13);          /* no 12-hour register reads 13 */
    assert_int_equal(deadline, 0);
}

/* ---- the RAM ---- */

static void test_nvram(void **state)
{
    (void)state;
    for (unsigned int i = 0x0e; i < 0x80; i++)
        if (i != RTC_CENTURY)
            wr(i, (u8)(i * 7 + 1));
    for (unsigned int i = 0x0e; i < 0x80; i++)
        if (i != RTC_CENTURY)
            assert_int_equal(rd(i), (u8)(i * 7 + 1));
    /* Bit 7 of the index is the NMI mask: kept, not part of the index. */
    mc146818_write(&rtc, 0x70, 0x80 | 0x20);
    assert_int_equal(mc146818_read(&rtc, 0x71), (u8)(0x20 * 7 + 1));
    assert_true(rtc.nmi_disabled);
    mc146818_write(&rtc, 0x70, 0x20);
    assert_false(rtc.nmi_disabled);
    /* The index port is write-only; other ports read all ones. */
    assert_int_equal(mc146818_read(&rtc, 0x70), 0xff);
    assert_int_equal(mc146818_read(&rtc, 0x72), 0xff);
}

static u16 checksum(void)
{
    u16 sum = 0;

    for (unsigned int i = 0x10; i <= 0x2d; i++)
        sum += rd(i);
    return sum;
}

static void test_memory_bytes(void **state)
{
    (void)state;
    /* 64 MiB: 63 MiB extended (0xfc00 KiB), 48 MiB above 16 MiB (0x300 x 64 KiB). */
    mc146818_set_memory(&rtc, MiB(64), 0);
    assert_int_equal(rd(0x15), 0x80);
    assert_int_equal(rd(0x16), 0x02);   /* 640 KiB */
    assert_int_equal(rd(0x17), 0x00);
    assert_int_equal(rd(0x18), 0xfc);
    assert_int_equal(rd(0x30), 0x00);
    assert_int_equal(rd(0x31), 0xfc);
    assert_int_equal(rd(0x34), 0x00);
    assert_int_equal(rd(0x35), 0x03);
    assert_int_equal(rd(0x5b), 0);
    assert_int_equal(rd(0x5c), 0);
    assert_int_equal(rd(0x5d), 0);
    assert_int_equal(rd(0x2e), 0x01);   /* 0x80 + 0x02 + 0xfc */
    assert_int_equal(rd(0x2f), 0x7e);
    /* 3.5 GiB low, 4.5 GiB high: extended capped, 0xdf00 above 16 MiB, 0x12000 above
     * 4 GiB. */
    wr(0x10, 0x40);                     /* (a floppy type, in the checksum too) */
    mc146818_set_memory(&rtc, 0xe0000000ULL, GiB(4) + MiB(512));
    assert_int_equal(rd(0x17), 0xff);
    assert_int_equal(rd(0x18), 0xff);
    assert_int_equal(rd(0x30), 0xff);
    assert_int_equal(rd(0x31), 0xff);
    assert_int_equal(rd(0x34), 0x00);
    assert_int_equal(rd(0x35), 0xdf);
    assert_int_equal(rd(0x5b), 0x00);
    assert_int_equal(rd(0x5c), 0x20);
    assert_int_equal(rd(0x5d), 0x01);
    assert_int_equal(checksum(), 0x40 + 0x80 + 0x02 + 0xff + 0xff);
    assert_int_equal(rd(0x2e) << 8 | rd(0x2f), checksum());
    /* Small: nothing above 16 MiB. */
    mc146818_set_memory(&rtc, MiB(8), 0);
    assert_int_equal(rd(0x17) | rd(0x18) << 8, 7 * 1024);
    assert_int_equal(rd(0x34) | rd(0x35), 0);
    assert_int_equal(rd(0x2e) << 8 | rd(0x2f), checksum());
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_calendar),
        T(test_power_up),
        T(test_binary),
        T(test_12_hour),
        T(test_rollovers),
        T(test_day_of_week),
        T(test_write_running),
        T(test_set_stops_updates),
        T(test_divider_reset),
        T(test_uip),
        T(test_update_interrupt),
        T(test_periodic_rates),
        T(test_periodic_flag_only),
        T(test_periodic_missed),
        T(test_register_c),
        T(test_alarm),
        T(test_alarm_dont_care),
        T(test_alarm_12_hour),
        T(test_nvram),
        T(test_memory_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
