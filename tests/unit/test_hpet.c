/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/hvm/hpet.c, the emulated HPET, against the IA-PC
 * HPET specification 1.0a (section numbers below). The chip runs on fake time: its
 * host timer is a variable the tests fire when time passes it (on time, or late, as
 * a busy host would), and its interrupt lines and legacy-route reports are recorded.
 */
#include "unit.h"

#include <hv/hpet.h>
#include <hv/time.h>
#include <public/arch-x86/platform.h>

/* Registers. */
#define ID       0x000
#define PERIOD   0x004
#define CFG      0x010
#define STS      0x020
#define CNT      0x0f0
#define TCFG(n)  (0x100 + 0x20 * (n))
#define TCMP(n)  (0x108 + 0x20 * (n))
#define TFSB(n)  (0x110 + 0x20 * (n))

#define ENABLE   0x1ULL
#define LEGACY   0x2ULL
#define T_LEVEL  0x002ULL
#define T_ENB    0x004ULL
#define T_PER    0x008ULL
#define T_PERCAP 0x010ULL
#define T_SIZE   0x020ULL
#define T_VALSET 0x040ULL
#define T_32     0x100ULL
#define ROUTE(p) ((u64)(p) << 9)
#define ROUTE_OF(c) (((c) >> 9) & 0x1f)

#define TICK_NS  (1000000000 / PLATFORM_HPET_HZ)   /* 10 ns */
#define T0       SECONDS(5)                        /* when each test starts */

static struct hpet h;
static s_time_t now_ns, host_deadline;

/* What the chip drove, in order. */
#define MAX_EVENTS 64
struct event {
    bool legacy;            /* a set_legacy report (on: level)... */
    struct hpet_line line;  /* ...or a line change */
    bool level;
};
static struct event events[MAX_EVENTS];
static unsigned int nr_events;
static bool levels[3][64];          /* [kind][num] */
static unsigned int rises[3][64];
static bool legacy_on;

static s_time_t fake_now(void *ctx)
{
    assert_ptr_equal(ctx, &h);
    return now_ns;
}

static void fake_set_timer(void *ctx, s_time_t deadline)
{
    assert_ptr_equal(ctx, &h);
    assert_true(deadline >= 0);
    host_deadline = deadline;
}

static void record(struct event e)
{
    assert_true(nr_events < MAX_EVENTS);
    events[nr_events++] = e;
}

static void fake_set_irq(void *ctx, struct hpet_line line, bool level)
{
    assert_ptr_equal(ctx, &h);
    assert_true(line.kind == HPET_LINE_ISA || line.kind == HPET_LINE_GSI);
    if (line.kind == HPET_LINE_ISA)
        assert_true(line.num == 0 || line.num == 8);
    else
        assert_true(line.num >= 20 && line.num <= 23);
    if (level)
        rises[line.kind][line.num]++;
    levels[line.kind][line.num] = level;
    record((struct event){ false, line, level });
}

static void fake_set_legacy(void *ctx, bool on)
{
    assert_ptr_equal(ctx, &h);
    assert_true(on != legacy_on); /* changes only */
    legacy_on = on;
    record((struct event){ true, { 0, 0 }, on });
}

static const struct hpet_ops ops = {
    .now = fake_now,
    .set_timer = fake_set_timer,
    .set_irq = fake_set_irq,
    .set_legacy = fake_set_legacy,
};

static int reset(void **state)
{
    (void)state;
    now_ns = T0;
    host_deadline = 0;
    nr_events = 0;
    memset(levels, 0, sizeof(levels));
    memset(rises, 0, sizeof(rises));
    legacy_on = false;
    hpet_init(&h, &ops, &h);
    return 0;
}

static u64 rd64(u32 off)
{
    return hpet_read(&h, off, 8);
}

static u32 rd32(u32 off)
{
    return hpet_read(&h, off, 4);
}

static void wr64(u32 off, u64 val)
{
    hpet_write(&h, off, 8, val);
}

static void wr32(u32 off, u32 val)
{
    hpet_write(&h, off, 4, val);
}

/* Time passes up to t; the host timer fires on time on the way. */
static void run_until(s_time_t t)
{
    while (host_deadline && host_deadline <= t) {
        now_ns = host_deadline;
        host_deadline = 0;
        hpet_timer_expired(&h);
    }
    now_ns = t;
}

static void run_for(s_time_t ns)
{
    run_until(now_ns + ns);
}

/* The host was busy for `ns`: only then does the (late) host timer fire. */
static void stall(s_time_t ns)
{
    now_ns += ns;
    if (host_deadline && host_deadline <= now_ns) {
        host_deadline = 0;
        hpet_timer_expired(&h);
    }
}

/* The system time at which the counter, enabled at `start` from 0, reads `count`. */
static s_time_t at_count(s_time_t start, u64 count)
{
    return start + (s_time_t)count * TICK_NS;
}

#define GSI HPET_LINE_GSI
#define ISA HPET_LINE_ISA

/* ---- capabilities and the counter ---- */

static void test_capabilities(void **state)
{
    (void)state;
    /* 2.3.4: rev 1, NUM_TIM_CAP 2 (three timers), 64-bit counter, LEG_RT_CAP, 8086. */
    assert_int_equal(rd32(ID), 0x8086a201);
    assert_int_equal(rd32(PERIOD), 10000000);       /* 10 ns in femtoseconds */
    assert_int_equal(rd64(ID), 0x009896808086a201ULL);
    assert_int_equal(hpet_read(&h, ID, 1), 0x01);
    assert_int_equal(hpet_read(&h, ID + 1, 1), 0xa2);
    assert_int_equal(hpet_read(&h, ID + 2, 2), 0x8086);
    /* Read-only. */
    wr64(ID, 0);
    assert_int_equal(rd64(ID), 0x009896808086a201ULL);
}

static void test_counter_halted_at_reset(void **state)
{
    (void)state;
    assert_int_equal(rd64(CFG), 0);
    run_for(SECONDS(1));
    assert_int_equal(rd64(CNT), 0);
    assert_int_equal(host_deadline, 0);
}

static void test_counter_rate(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    run_for(SECONDS(1));
    assert_int_equal(rd64(CNT), PLATFORM_HPET_HZ);
    run_for(TICK_NS - 1);
    assert_int_equal(rd64(CNT), PLATFORM_HPET_HZ);
    run_for(1);
    assert_int_equal(rd64(CNT), PLATFORM_HPET_HZ + 1);
    run_for(SECONDS(100));
    assert_int_equal(rd64(CNT), 101ULL * PLATFORM_HPET_HZ + 1);
    /* Past 2^32: the high half counts on. */
    run_for(SECONDS(50));
    assert_int_equal(rd32(CNT + 4), (151ULL * PLATFORM_HPET_HZ + 1) >> 32);
    assert_int_equal(rd32(CNT), (u32)(151ULL * PLATFORM_HPET_HZ + 1));
}

static void test_counter_halt_and_write(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    run_for(TICK_NS * 1000);
    wr64(CFG, 0);                                   /* halt (2.3.5) */
    run_for(SECONDS(1));
    assert_int_equal(rd64(CNT), 1000);
    /* Written while halted, a half at a time or whole (2.3.7). */
    wr32(CNT + 4, 0x12);
    assert_int_equal(rd64(CNT), 0x12000003e8ULL);
    wr32(CNT, 0x34);
    assert_int_equal(rd64(CNT), 0x1200000034ULL);
    wr64(CNT, 0xfffffff0);
    assert_int_equal(rd64(CNT), 0xfffffff0);
    /* It counts on from there, carrying into the high half. */
    wr64(CFG, ENABLE);
    run_for(TICK_NS * 0x20);
    assert_int_equal(rd64(CNT), 0x100000010ULL);
    /* The 64-bit counter wraps. */
    wr64(CFG, 0);
    wr64(CNT, ~0ULL - 9);
    wr64(CFG, ENABLE);
    run_for(TICK_NS * 15);
    assert_int_equal(rd64(CNT), 5);
}

static void test_counter_written_while_running(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    run_for(TICK_NS * 100);
    wr64(CNT, 5000);
    assert_int_equal(rd64(CNT), 5000);
    run_for(TICK_NS * 10);
    assert_int_equal(rd64(CNT), 5010);
    /* Timers follow the new value. */
    wr64(TCFG(2), T_ENB | ROUTE(21));
    wr64(TCMP(2), 5100);
    assert_int_equal(host_deadline, now_ns + 90 * TICK_NS);
}

/* ---- registers, reserved bits, access sizes ---- */

static void test_general_registers_reserved_bits(void **state)
{
    (void)state;
    wr64(CFG, ~0ULL);
    assert_int_equal(rd64(CFG), ENABLE | LEGACY);
    wr64(CFG, 0);
    /* Reserved registers read 0 and keep nothing. */
    static const u32 reserved[] = { 0x008, 0x018, 0x028, 0x0e8, 0x0f8, 0x118,
                                    0x138, 0x158, 0x160, 0x168, 0x3f8, 0x400, 0xff8 };
    for (unsigned int i = 0; i < ARRAY_SIZE(reserved); i++) {
        wr64(reserved[i], ~0ULL);
        assert_int_equal(rd64(reserved[i]), 0);
    }
    /* No FSB: its route registers read 0. */
    for (unsigned int n = 0; n < HPET_TIMERS; n++) {
        wr64(TFSB(n), ~0ULL);
        assert_int_equal(rd64(TFSB(n)), 0);
    }
    assert_int_equal(rd64(CFG), 0);
    assert_int_equal(rd64(STS), 0);
    assert_int_equal(rd64(CNT), 0);
}

static void test_timer_config_bits(void **state)
{
    (void)state;
    /* 2.3.8: reset state: disabled, one-shot, edge; the caps: route pins 20-23, a
     * 64-bit comparator, periodic on timer 0 only; comparators all ones (2.3.9). */
    assert_int_equal(rd64(TCFG(0)), 0x00f0000000000000ULL | T_SIZE | T_PERCAP);
    assert_int_equal(rd64(TCFG(1)), 0x00f0000000000000ULL | T_SIZE);
    assert_int_equal(rd64(TCFG(2)), 0x00f0000000000000ULL | T_SIZE);
    for (unsigned int n = 0; n < HPET_TIMERS; n++)
        assert_int_equal(rd64(TCMP(n)), ~0ULL);
    /* Writable: type, enable, periodic (timer 0), VAL_SET, 32-bit mode, route. The
     * caps, FSB and reserved bits stay. Route 31 is not offered: not taken. */
    wr64(TCFG(0), ~0ULL);
    assert_int_equal(rd64(TCFG(0)), 0x00f0000000000000ULL | T_SIZE | T_PERCAP | T_LEVEL |
                                    T_ENB | T_PER | T_VALSET | T_32);
    wr64(TCFG(1), ~0ULL);
    assert_int_equal(rd64(TCFG(1)), 0x00f0000000000000ULL | T_SIZE | T_LEVEL | T_ENB |
                                    T_VALSET | T_32);
    /* The upper half is read-only. */
    wr32(TCFG(2) + 4, 0);
    assert_int_equal(rd32(TCFG(2) + 4), 0x00f00000);
}

static void test_routes_only_offered_pins(void **state)
{
    (void)state;
    for (unsigned int pin = 0; pin < 32; pin++) {
        wr64(TCFG(2), ROUTE(20));
        wr64(TCFG(2), ROUTE(pin));
        assert_int_equal(ROUTE_OF(rd64(TCFG(2))), pin >= 20 && pin <= 23 ? pin : 20);
    }
}

static void test_access_sizes(void **state)
{
    (void)state;
    wr64(TCMP(2), 0x1122334455667788ULL);
    assert_int_equal(rd32(TCMP(2)), 0x55667788);
    assert_int_equal(rd32(TCMP(2) + 4), 0x11223344);
    wr32(TCMP(2) + 4, 0xaabbccdd);
    assert_int_equal(rd64(TCMP(2)), 0xaabbccdd55667788ULL);
    wr32(TCMP(2), 0x01020304);
    assert_int_equal(rd64(TCMP(2)), 0xaabbccdd01020304ULL);
    /* Smaller, larger or misaligned writes are not defined: ignored. */
    hpet_write(&h, TCMP(2), 1, 0xff);
    hpet_write(&h, TCMP(2), 2, 0xffff);
    hpet_write(&h, TCMP(2) + 2, 4, 0xffffffff);
    hpet_write(&h, TCMP(2) + 4, 8, ~0ULL);
    assert_int_equal(rd64(TCMP(2)), 0xaabbccdd01020304ULL);
    /* Reads of any natural size give those bytes; misaligned ones all ones. */
    assert_int_equal(hpet_read(&h, TCMP(2) + 1, 1), 0x03);
    assert_int_equal(hpet_read(&h, TCMP(2) + 6, 2), 0xaabb);
    assert_int_equal(hpet_read(&h, TCMP(2) + 2, 4), 0xffffffff);
    assert_int_equal(hpet_read(&h, TCMP(2) + 4, 8), ~0ULL);
}

/* ---- one-shot and periodic ---- */

static void test_oneshot_edge(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(2), T_ENB | ROUTE(21));
    wr64(TCMP(2), 1000);
    assert_int_equal(host_deadline, at_count(T0, 1000));
    run_until(at_count(T0, 1000) - 1);
    assert_int_equal(rises[GSI][21], 0);
    run_until(at_count(T0, 1000));
    /* An edge: a pulse, and nothing in the status register (2.3.6). */
    assert_int_equal(rises[GSI][21], 1);
    assert_false(levels[GSI][21]);
    assert_int_equal(rd64(STS), 0);
    /* A 64-bit one-shot comparator does not match again. */
    assert_int_equal(host_deadline, 0);
    run_for(SECONDS(3600));
    assert_int_equal(rises[GSI][21], 1);
    assert_int_equal(rd64(TCMP(2)), 1000);
}

static void test_oneshot_late_host_timer(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(1), T_ENB | ROUTE(23));
    wr64(TCMP(1), 500);
    stall(SECONDS(1));
    assert_int_equal(rises[GSI][23], 1);
    run_for(SECONDS(10));
    assert_int_equal(rises[GSI][23], 1);
}

static void test_comparator_written_late(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    run_for(SECONDS(1));
    /* A guest read the counter, added a little, and its exits made it late: the
     * comparator is a little behind (up to 1 ms) when written. Due at once. */
    wr64(TCFG(2), T_ENB | ROUTE(22));
    wr64(TCMP(2), rd64(CNT) - 99999);
    assert_int_equal(rises[GSI][22], 1);
    assert_int_equal(host_deadline, 0);
    /* Equal to the counter: the same. */
    wr64(TCMP(2), rd64(CNT));
    assert_int_equal(rises[GSI][22], 2);
    /* Not a periodic accumulator (its period is the value written until the next
     * write): it waits for the counter to come round, as on hardware. */
    wr64(TCFG(0), T_ENB | T_PER | T_VALSET | T_32 | ROUTE(20));
    wr64(TCMP(0), rd32(CNT) - 25000);
    wr64(TCMP(0), 10000);
    assert_int_equal(rises[GSI][20], 0);
    assert_int_equal(host_deadline, now_ns + ((1LL << 32) - 25000) * TICK_NS);
}

static void test_comparator_halves_match_once(void **state)
{
    u64 when;

    (void)state;
    wr64(CFG, ENABLE);
    run_for(SECONDS(1));
    wr64(TCFG(2), T_ENB | ROUTE(22));
    wr64(TCMP(2), 0);
    assert_int_equal(rises[GSI][22], 0);
    /* A 32-bit guest writes a 64-bit comparator in two halves, low then high, and its
     * CPU can be away between them, past the match (seen under a loaded host: a
     * level-triggered timer interrupted once more after its status was cleared).
     * The match is delivered once: the high half, which changes nothing, is not a
     * late write to deliver again. */
    when = rd64(CNT) + 10000;
    wr32(TCMP(2), (u32)when);
    run_for(200 * 1000);            /* 200 us: 100 us past the match */
    assert_int_equal(rises[GSI][22], 1);
    wr32(TCMP(2) + 4, (u32)(when >> 32));
    assert_int_equal(rises[GSI][22], 1);
    run_for(SECONDS(10));
    assert_int_equal(rises[GSI][22], 1);
}

static void test_comparator_far_in_the_past(void **state)
{
    s_time_t start;
    u64 count;

    (void)state;
    wr64(CFG, ENABLE);
    run_for(SECONDS(1));
    count = rd64(CNT);
    /* More than 1 ms behind: a 64-bit comparator would match after a wrap of the
     * counter, never... */
    wr64(TCFG(2), T_ENB | ROUTE(22));
    wr64(TCMP(2), count - 100001);
    assert_int_equal(host_deadline, 0);
    run_for(SECONDS(100));
    assert_int_equal(rises[GSI][22], 0);
    /* ...a 32-bit one when the low 32 bits come round again, as on hardware (after
     * the interrupt of their wrap to 0). */
    count = rd64(CNT);
    start = now_ns;
    wr64(TCFG(1), T_ENB | T_32 | ROUTE(23));
    wr64(TCMP(1), (u32)(count - 200000));
    assert_int_equal(rises[GSI][23], 0);
    assert_int_equal(host_deadline, start + ((1LL << 32) - (u32)count) * TICK_NS);
    run_until(host_deadline);
    assert_int_equal(rises[GSI][23], 1);
    assert_int_equal(host_deadline, start + ((1LL << 32) - 200000) * TICK_NS);
}

static void test_enable_with_comparator_at_counter(void **state)
{
    (void)state;
    /* The counter starts at the comparator's value: that is a match. */
    wr64(TCFG(2), T_ENB | ROUTE(22));
    wr64(TCMP(2), 0);
    wr64(CFG, ENABLE);
    assert_int_equal(host_deadline, T0);
    run_for(0);
    assert_int_equal(rises[GSI][22], 1);
}

/* Timer 0 periodic, as Linux's hpet_set_periodic() programs it: 32-bit mode and
 * VAL_SET, the first expiry, then the period, with 4-byte writes. Returns the counter
 * value of the first expiry. */
static u64 start_periodic(u64 period)
{
    u64 first;

    wr64(CFG, ENABLE);
    run_for(TICK_NS * 1234);
    first = rd32(CNT) + period;
    wr32(TCFG(0), T_ENB | T_PER | T_VALSET | T_32 | ROUTE(20));
    assert_true(rd32(TCFG(0)) & T_VALSET);
    wr32(TCMP(0), first);
    assert_false(rd32(TCFG(0)) & T_VALSET);        /* cleared by the write (2.3.8) */
    wr32(TCMP(0), period);                          /* now the increment only */
    assert_int_equal(rd64(TCMP(0)), first);
    return first;
}

static void test_periodic_val_set(void **state)
{
    const u64 period = 100000; /* 1 ms */
    u64 first;

    (void)state;
    first = start_periodic(period);
    assert_int_equal(host_deadline, at_count(T0, first));
    for (unsigned int i = 0; i < 5; i++) {
        run_until(at_count(T0, first + i * period) - 1);
        assert_int_equal(rises[GSI][20], i);
        run_until(at_count(T0, first + i * period));
        assert_int_equal(rises[GSI][20], i + 1);
        /* 2.3.9.2.2: the comparator grows by the period at each match. */
        assert_int_equal(rd64(TCMP(0)), first + (i + 1) * period);
    }
}

static void test_periodic_64bit(void **state)
{
    const u64 period = 100000;
    u64 first;

    (void)state;
    wr64(CFG, ENABLE);
    /* 8-byte writes: the accumulator, then the increment. */
    first = rd64(CNT) + 2 * period;
    wr64(TCFG(0), T_ENB | T_PER | T_VALSET | ROUTE(20));
    wr64(TCMP(0), first);
    wr64(TCMP(0), period);
    assert_int_equal(rd64(TCMP(0)), first);
    run_until(at_count(T0, first));
    assert_int_equal(rises[GSI][20], 1);
    assert_int_equal(rd64(TCMP(0)), first + period);
    /* 4-byte writes: each half with VAL_SET, as every write clears it. A low half
     * written alone leaves the high half as it was. */
    first = rd64(CNT) + 3 * period;
    wr32(TCFG(0), T_ENB | T_PER | T_VALSET | ROUTE(20));
    wr32(TCMP(0) + 4, 0xffffffff);
    assert_int_equal(rd64(TCMP(0)), 0xffffffff00000000ULL | (first - 2 * period));
    wr32(TCFG(0), T_ENB | T_PER | T_VALSET | ROUTE(20));
    wr32(TCMP(0) + 4, 0);
    wr32(TCFG(0), T_ENB | T_PER | T_VALSET | ROUTE(20));
    wr32(TCMP(0), first);
    assert_int_equal(rd64(TCMP(0)), first);
    wr32(TCMP(0), period);
    run_until(at_count(T0, first));
    assert_int_equal(rises[GSI][20], 2);
    assert_int_equal(rd64(TCMP(0)), first + period);
}

static void test_periodic_write_without_val_set(void **state)
{
    const u64 period = 100000;
    u64 first;

    (void)state;
    first = start_periodic(period);
    run_until(at_count(T0, first));
    /* Without VAL_SET a write sets the next increment; the accumulator stays. */
    wr64(TCMP(0), 3 * period);
    assert_int_equal(rd64(TCMP(0)), first + period);
    run_until(at_count(T0, first + period));
    assert_int_equal(rises[GSI][20], 2);
    assert_int_equal(rd64(TCMP(0)), first + 4 * period);
    assert_int_equal(host_deadline, at_count(T0, first + 4 * period));
}

static void test_periodic_missed_ticks(void **state)
{
    const u64 period = 100000;
    u64 first;

    (void)state;
    first = start_periodic(period);
    /* The host is busy for 5.5 periods past the first match: ONE interrupt, and the
     * comparator moves to the next period in the future. */
    stall(at_count(T0, first + 5 * period + period / 2) - now_ns);
    assert_int_equal(rises[GSI][20], 1);
    assert_int_equal(rd64(TCMP(0)), first + 6 * period);
    assert_int_equal(host_deadline, at_count(T0, first + 6 * period));
    run_until(at_count(T0, first + 6 * period));
    assert_int_equal(rises[GSI][20], 2);
}

/*
 * The floor on periodic interrupts (PERIODIC_TIMER_MIN_NS, hv/time.h): a period
 * shorter than 100 us (10000 ticks) interrupts at the first match at least that long
 * after the one delivered; the matches between are missed ticks, and the comparator
 * moves on by whole periods as for any. A 1-tick (10 ns) period must not re-arm the
 * host timer 10 ns ahead each time. The main counter still runs at its rate.
 */
static void test_periodic_floor(void **state)
{
    const u64 min_ticks = PERIODIC_TIMER_MIN_NS / TICK_NS;
    unsigned int expiries = 0;
    u64 first;

    (void)state;
    assert_int_equal(min_ticks, 10000);
    first = start_periodic(1);
    assert_int_equal(host_deadline, at_count(T0, first));  /* the first: as written */
    run_until(at_count(T0, first));
    assert_int_equal(rises[GSI][20], 1);
    assert_int_equal(rd64(TCMP(0)), first + min_ticks);
    assert_int_equal(host_deadline, at_count(T0, first + min_ticks));
    /* On time for 1 ms: one interrupt and one host timer per 100 us, no more. */
    while (host_deadline && host_deadline <= at_count(T0, first + 10 * min_ticks)) {
        now_ns = host_deadline;
        host_deadline = 0;
        hpet_timer_expired(&h);
        expiries++;
    }
    assert_int_equal(expiries, 10);
    assert_int_equal(rises[GSI][20], 11);
    assert_int_equal(rd64(CNT), first + 10 * min_ticks);
    assert_int_equal(rd64(TCMP(0)), first + 11 * min_ticks);
    /* Late by 2.5 floors: one interrupt, then the next match in the future. */
    stall(at_count(T0, first + 13 * min_ticks + min_ticks / 2) - now_ns);
    assert_int_equal(rises[GSI][20], 12);
    assert_int_equal(rd64(TCMP(0)), first + 13 * min_ticks + min_ticks / 2 + 1);

    /* A 3-tick period: whole periods, the first that reaches the floor. */
    reset(NULL);
    first = start_periodic(3);
    run_until(at_count(T0, first));
    assert_int_equal(rises[GSI][20], 1);
    assert_int_equal(rd64(TCMP(0)), first + 10002);     /* 3334 periods */
    assert_int_equal(host_deadline, at_count(T0, first + 10002));

    /* A period of exactly the floor is not touched. */
    reset(NULL);
    first = start_periodic(min_ticks);
    run_until(at_count(T0, first));
    assert_int_equal(rd64(TCMP(0)), first + min_ticks);
    assert_int_equal(host_deadline, at_count(T0, first + min_ticks));
}

static void test_no_host_timer_for_invisible_events(void **state)
{
    const u64 period = 100000;
    u64 first;

    (void)state;
    /* Interrupt disabled: no host timer; the comparator catches up when read. */
    first = start_periodic(period);
    wr64(TCFG(0), T_PER | T_32 | ROUTE(20));
    assert_int_equal(host_deadline, 0);
    stall(at_count(T0, first + 3 * period + period / 2) - now_ns);
    assert_int_equal(rd64(TCMP(0)), first + 4 * period);
    assert_int_equal(rises[GSI][20], 0);
    wr64(TCFG(0), T_PER | T_32 | T_ENB | ROUTE(20));
    assert_int_equal(host_deadline, at_count(T0, first + 4 * period));
}

/* ---- 32-bit mode ---- */

static void test_32bit_mode_comparator(void **state)
{
    (void)state;
    wr64(TCMP(2), 0x123456789ULL);
    wr64(TCFG(2), T_32);
    /* 2.3.8, Tn_32MODE_CNF: the comparator is 32 bits; the upper half is gone. */
    assert_int_equal(rd64(TCMP(2)), 0x23456789);
    wr32(TCMP(2) + 4, 0xffff);
    assert_int_equal(rd32(TCMP(2) + 4), 0);
    wr64(TCMP(2), 0xaaaaaaaabbbbbbbbULL);
    assert_int_equal(rd64(TCMP(2)), 0xbbbbbbbb);
    /* Back to 64 bits: the comparator keeps its 32-bit value. */
    wr64(TCFG(2), 0);
    assert_int_equal(rd64(TCMP(2)), 0xbbbbbbbb);
}

static void test_32bit_oneshot_low_bits_and_wrap(void **state)
{
    (void)state;
    /* The counter just below a 32-bit wrap, the comparator just past it. */
    wr64(CNT, 0x1fffffff0ULL);
    wr64(TCFG(2), T_ENB | T_32 | ROUTE(22));
    wr64(TCMP(2), 0x10);
    wr64(TCFG(1), T_ENB | ROUTE(23));
    wr64(TCMP(1), 0x10);                            /* 64-bit: in the past */
    wr64(CFG, ENABLE);
    /* 2.3.9.2.1: a 32-bit one-shot timer interrupts when the low 32 bits wrap... */
    assert_int_equal(host_deadline, at_count(T0, 0x10));
    run_until(at_count(T0, 0x10));
    assert_int_equal(rises[GSI][22], 1);
    /* ...and when they match. */
    assert_int_equal(host_deadline, at_count(T0, 0x20));
    run_until(at_count(T0, 0x20));
    assert_int_equal(rises[GSI][22], 2);
    /* Then at the next wrap, 2^32 ticks on. */
    assert_int_equal(host_deadline, at_count(T0, 0x100000010ULL));
    assert_int_equal(rises[GSI][23], 0);
}

static void test_32bit_periodic_wraps(void **state)
{
    (void)state;
    wr64(CNT, 0xffff0000);
    wr64(TCFG(0), T_ENB | T_PER | T_VALSET | T_32 | ROUTE(20));
    wr64(TCMP(0), 0xffff8000);
    wr64(TCMP(0), 0x10000);
    wr64(CFG, ENABLE);
    run_until(at_count(T0, 0x8000));
    assert_int_equal(rises[GSI][20], 1);
    /* The accumulator wraps with the 32-bit counter... */
    assert_int_equal(rd64(TCMP(0)), 0x8000);
    assert_int_equal(host_deadline, at_count(T0, 0x18000));
    /* ...and a periodic timer has no wrap interrupt (the wrap is at 0x10000). */
    run_until(at_count(T0, 0x18000) - 1);
    assert_int_equal(rises[GSI][20], 1);
    run_until(at_count(T0, 0x18000));
    assert_int_equal(rises[GSI][20], 2);
}

/* ---- level and edge, the status register ---- */

static void test_level_holds_line_until_status_cleared(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(2), T_LEVEL | T_ENB | ROUTE(22));
    wr64(TCMP(2), 100);
    run_until(at_count(T0, 100));
    assert_true(levels[GSI][22]);
    assert_int_equal(rd64(STS), 1u << 2);
    /* 2.3.6: writing 0, or other timers' bits, changes nothing. */
    wr64(STS, 0);
    wr64(STS, 3);
    assert_true(levels[GSI][22]);
    assert_int_equal(rd64(STS), 1u << 2);
    /* Writing 1 clears it, and the line falls. */
    wr32(STS, 1u << 2);
    assert_false(levels[GSI][22]);
    assert_int_equal(rd64(STS), 0);
    assert_int_equal(rises[GSI][22], 1);
}

static void test_level_status_without_interrupt(void **state)
{
    (void)state;
    /* 2.3.8, Tn_INT_ENB_CNF: disabled, the timer still sets its status. */
    wr64(CFG, ENABLE);
    wr64(TCFG(2), T_LEVEL | ROUTE(22));
    wr64(TCMP(2), 100);
    assert_int_equal(host_deadline, 0);
    stall(TICK_NS * 200);
    assert_int_equal(rd64(STS), 1u << 2);
    assert_int_equal(nr_events, 0);
    /* Enabling the interrupt asserts the line at once. */
    wr64(TCFG(2), T_LEVEL | T_ENB | ROUTE(22));
    assert_true(levels[GSI][22]);
}

static void test_edge_and_level_switch(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(2), T_LEVEL | T_ENB | ROUTE(22));
    wr64(TCMP(2), 100);
    run_until(at_count(T0, 100));
    assert_true(levels[GSI][22]);
    /* Edge-triggered, the status is unused: cleared, and the line released. */
    wr64(TCFG(2), T_ENB | ROUTE(22));
    assert_int_equal(rd64(STS), 0);
    assert_false(levels[GSI][22]);
}

static void test_halt_releases_level_line(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(2), T_LEVEL | T_ENB | ROUTE(21));
    wr64(TCMP(2), 100);
    run_until(at_count(T0, 100));
    assert_true(levels[GSI][21]);
    /* 2.3.5: halted, no timer interrupts; the status stays. */
    wr64(CFG, 0);
    assert_false(levels[GSI][21]);
    assert_int_equal(rd64(STS), 1u << 2);
    wr64(CFG, ENABLE);
    assert_true(levels[GSI][21]);
}

static void test_route_change_moves_level_line(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(2), T_LEVEL | T_ENB | ROUTE(21));
    wr64(TCMP(2), 100);
    run_until(at_count(T0, 100));
    wr64(TCFG(2), T_LEVEL | T_ENB | ROUTE(23));
    assert_false(levels[GSI][21]);
    assert_true(levels[GSI][23]);
}

static void test_shared_line(void **state)
{
    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(1), T_LEVEL | T_ENB | ROUTE(23));
    wr64(TCMP(1), 100);
    wr64(TCFG(2), T_LEVEL | T_ENB | ROUTE(23));
    wr64(TCMP(2), 200);
    wr64(TCFG(0), T_ENB | ROUTE(23));
    wr64(TCMP(0), 300);
    run_until(at_count(T0, 300));
    assert_int_equal(rd64(STS), 6);
    /* One assertion; the edge timer cannot pulse a line held high. */
    assert_int_equal(rises[GSI][23], 1);
    assert_true(levels[GSI][23]);
    /* The line stays up while either status bit is set. */
    wr64(STS, 2);
    assert_true(levels[GSI][23]);
    wr64(STS, 4);
    assert_false(levels[GSI][23]);
}

/* ---- the legacy replacement route ---- */

static void test_legacy_replacement_route(void **state)
{
    (void)state;
    wr64(TCFG(0), T_ENB | ROUTE(20));
    wr64(TCFG(1), T_ENB | ROUTE(21));
    wr64(TCFG(2), T_ENB | ROUTE(22));
    wr64(TCMP(0), 100);
    wr64(TCMP(1), 200);
    wr64(TCMP(2), 300);
    /* 2.3.5: the route needs LEG_RT_CNF and ENABLE_CNF both. */
    wr64(CFG, LEGACY);
    assert_false(legacy_on);
    wr64(CFG, ENABLE | LEGACY);
    assert_true(legacy_on);
    run_until(at_count(T0, 300));
    /* 2.3.9.1: timer 0 on IRQ0 (IO-APIC pin 2 through the router), timer 1 on
     * IRQ8; timer 2 keeps its route. */
    assert_int_equal(rises[ISA][0], 1);
    assert_int_equal(rises[ISA][8], 1);
    assert_int_equal(rises[GSI][22], 1);
    assert_int_equal(rises[GSI][20] + rises[GSI][21], 0);
    /* Off again: the timers' own routes. */
    wr64(CFG, ENABLE);
    assert_false(legacy_on);
    wr64(TCMP(0), rd64(CNT) + 100);
    run_for(TICK_NS * 100);
    assert_int_equal(rises[GSI][20], 1);
    assert_int_equal(rises[ISA][0], 1);
    /* Halting the HPET ends the route too. */
    wr64(CFG, ENABLE | LEGACY);
    assert_true(legacy_on);
    wr64(CFG, LEGACY);
    assert_false(legacy_on);
}

static void test_legacy_moves_level_line(void **state)
{
    unsigned int legacy_at = MAX_EVENTS, irq0_at = MAX_EVENTS;

    (void)state;
    wr64(CFG, ENABLE);
    wr64(TCFG(0), T_LEVEL | T_ENB | ROUTE(20));
    wr64(TCMP(0), 100);
    run_until(at_count(T0, 100));
    assert_true(levels[GSI][20]);
    wr64(CFG, ENABLE | LEGACY);
    assert_false(levels[GSI][20]);
    assert_true(levels[ISA][0]);
    /* The PIT is told to let go of IRQ0 before the HPET drives it. */
    for (unsigned int i = 0; i < nr_events; i++) {
        if (events[i].legacy && events[i].level)
            legacy_at = i;
        if (!events[i].legacy && events[i].line.kind == ISA && events[i].level)
            irq0_at = i;
    }
    assert_true(legacy_at < irq0_at);
    /* And told it may have it back only after the HPET released it. */
    wr64(CFG, ENABLE);
    assert_false(levels[ISA][0]);
    assert_true(events[nr_events - 1].legacy && !events[nr_events - 1].level);
    assert_true(levels[GSI][20]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
    const struct CMUnitTest tests[] = {
        T(test_capabilities),
        T(test_counter_halted_at_reset),
        T(test_counter_rate),
        T(test_counter_halt_and_write),
        T(test_counter_written_while_running),
        T(test_general_registers_reserved_bits),
        T(test_timer_config_bits),
        T(test_routes_only_offered_pins),
        T(test_access_sizes),
        T(test_oneshot_edge),
        T(test_oneshot_late_host_timer),
        T(test_comparator_written_late),
        T(test_comparator_halves_match_once),
        T(test_comparator_far_in_the_past),
        T(test_enable_with_comparator_at_counter),
        T(test_periodic_val_set),
        T(test_periodic_64bit),
        T(test_periodic_write_without_val_set),
        T(test_periodic_missed_ticks),
        T(test_periodic_floor),
        T(test_no_host_timer_for_invisible_events),
        T(test_32bit_mode_comparator),
        T(test_32bit_oneshot_low_bits_and_wrap),
        T(test_32bit_periodic_wraps),
        T(test_level_holds_line_until_status_cleared),
        T(test_level_status_without_interrupt),
        T(test_edge_and_level_switch),
        T(test_halt_releases_level_line),
        T(test_route_change_moves_level_line),
        T(test_shared_line),
        T(test_legacy_replacement_route),
        T(test_legacy_moves_level_line),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
