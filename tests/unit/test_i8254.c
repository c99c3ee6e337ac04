/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/hvm/i8254.c, the 8254 PIT and port B, driven with
 * fake time. Expected sequences follow the Intel 82C54 datasheet's timing diagrams
 * (figures 15-20): "p0" is the CLK pulse during which the count is written, so the
 * count is loaded at p0+1 and, in mode 0 with count N, OUT rises at p0+1+N.
 */
#include "unit.h"

#include <hv/i8254.h>

static struct i8254 pit;
static s_time_t fake_now;
static s_time_t deadline;           /* the host timer as the chip last set it */
static unsigned int set_timer_calls;
static bool line;                   /* IRQ0 */
static unsigned int rises;          /* rising edges of IRQ0 seen */
static unsigned int line_calls;

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

static void fake_irq0(void *ctx, bool level)
{
    (void)ctx;
    if (level && !line)
        rises++;
    line = level;
    line_calls++;
}

static const struct i8254_ops ops = {
    .now = fake_clock,
    .set_timer = fake_set_timer,
    .irq0 = fake_irq0,
};

static int setup(void **state)
{
    (void)state;
    fake_now = 1000000;             /* 1 ms after boot */
    deadline = 0;
    set_timer_calls = 0;
    line = true;                    /* reset: the line is at OUT0's level, high */
    rises = 0;
    line_calls = 0;
    i8254_init(&pit, &ops, NULL);
    return 0;
}

/* ---- helpers ---- */

/* Move time to the first instant of CLK pulse p. */
static void at(s64 p)
{
    fake_now = i8254_pulse_to_ns(p);
}

static s64 pulse_now(void)
{
    return i8254_ns_to_pulse(fake_now);
}

static void out(u16 port, u8 val)
{
    i8254_write(&pit, port, val);
}

static u8 in(u16 port)
{
    return i8254_read(&pit, port);
}

/* Program channel `ch` (control word) and write a 16-bit count, LSB then MSB. */
static void program(unsigned int ch, u8 mode_bits, u16 count)
{
    out(0x43, (u8)(ch << 6) | 0x30 | mode_bits);
    out(0x40 + ch, count & 0xff);
    out(0x40 + ch, count >> 8);
}

/* The live count of a channel in LSB-then-MSB format. */
static u16 count(unsigned int ch)
{
    u8 lo = in(0x40 + ch);

    return lo | (u16)in(0x40 + ch) << 8;
}

/* The status byte (read-back command, status only). */
static u8 status(unsigned int ch)
{
    out(0x43, 0xe0 | (2u << ch));
    return in(0x40 + ch);
}

static bool out_of(unsigned int ch)
{
    return status(ch) & 0x80;
}

/* The host timer runs at time t (and is not armed any more). */
static void fire_at(s_time_t t)
{
    fake_now = t;
    deadline = 0;
    i8254_timer_expired(&pit);
}

static void gate2(bool high)
{
    out(0x61, high ? 1 : 0);
}

static bool out2(void)
{
    return in(0x61) & 0x20;
}

/* ---- time ---- */

static void test_pulse_time(void **state)
{
    (void)state;
    assert_int_equal(i8254_ns_to_pulse(1000000000LL), I8254_HZ);
    assert_int_equal(i8254_pulse_to_ns(I8254_HZ), 1000000000LL);
    assert_int_equal(i8254_ns_to_pulse(838), 0);        /* 838.1 ns a pulse */
    assert_int_equal(i8254_ns_to_pulse(839), 1);
    assert_int_equal(i8254_pulse_to_ns(1), 839);
    /* pulse_to_ns(p) is the first nanosecond of pulse p, even after days. */
    for (s64 p = 1; p < 5000000; p += 99991) {
        s64 q = p + 86400LL * 30 * I8254_HZ;
        assert_int_equal(i8254_ns_to_pulse(i8254_pulse_to_ns(p)), p);
        assert_int_equal(i8254_ns_to_pulse(i8254_pulse_to_ns(p) - 1), p - 1);
        assert_int_equal(i8254_ns_to_pulse(i8254_pulse_to_ns(q)), q);
        assert_int_equal(i8254_ns_to_pulse(i8254_pulse_to_ns(q) - 1), q - 1);
    }
}

/* ---- reset ---- */

static void test_reset_state(void **state)
{
    (void)state;
    at(5000);
    /* Mode 3, LSB/MSB, binary, no count: OUT high, null count, no timer, no IRQ. */
    assert_int_equal(status(0), 0x80 | 0x40 | 0x36);
    assert_int_equal(status(1), 0x80 | 0x40 | 0x36);
    assert_int_equal(status(2), 0x80 | 0x40 | 0x36);
    at(500000);
    assert_int_equal(status(0), 0x80 | 0x40 | 0x36);
    assert_int_equal(deadline, 0);
    assert_int_equal(set_timer_calls, 0);
    assert_int_equal(line_calls, 0);
    assert_int_equal(in(0x61) & 0x2f, 0x20);            /* gate 2 low, OUT2 high */
    assert_int_equal(in(0x43), 0xff);                   /* write-only */
    assert_int_equal(in(0x44), 0xff);
}

/* ---- mode 0: interrupt on terminal count (figure 15) ---- */

static void test_mode0_waveform(void **state)
{
    static const u16 seq[] = { 3, 2, 1, 0, 0xffff, 0xfffe };
    s64 p0 = 1000;

    (void)state;
    at(p0);
    out(0x43, 0x30);                    /* channel 0, LSB/MSB, mode 0 */
    assert_false(out_of(0));            /* OUT low after the control word */
    assert_false(line);
    out(0x40, 3);
    out(0x40, 0);
    /* Loaded on the next CLK pulse: OUT rises at p0 + 1 + N, and only then. */
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 4));
    for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
        at(p0 + 1 + i);
        assert_int_equal(count(0), seq[i]);
        assert_int_equal(out_of(0), i >= 3);
        assert_int_equal(line, i >= 3);
        assert_int_equal(rises, i >= 3 ? 1 : 0);
    }
    /* OUT stays high (the count wraps on): no more edges, no timer. */
    at(p0 + 70000);
    assert_true(out_of(0));
    assert_int_equal(count(0), (u16)(3 - 69999));
    assert_int_equal(rises, 1);
    assert_int_equal(deadline, 0);
}

static void test_mode0_rewrite(void **state)
{
    s64 p0 = 2000;

    (void)state;
    at(p0);
    program(0, 0x00, 100);
    at(p0 + 50);
    assert_int_equal(count(0), 51);
    /* The first byte of a new count stops counting; OUT stays low. */
    out(0x40, 10);
    at(p0 + 200);
    assert_int_equal(count(0), 51);
    assert_false(out_of(0));
    assert_int_equal(deadline, 0);
    /* The second byte loads the count on the next pulse. */
    out(0x40, 0);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 211));
    at(p0 + 210);
    assert_false(out_of(0));
    at(p0 + 211);
    assert_true(out_of(0));
    assert_int_equal(rises, 1);
    /* A new count after terminal count sets OUT low again (the first byte does). */
    at(p0 + 300);
    out(0x40, 5);
    assert_false(line);
    out(0x40, 0);
    at(p0 + 305);
    assert_false(out_of(0));
    at(p0 + 306);
    assert_true(out_of(0));
    assert_true(line);
    assert_int_equal(rises, 2);
}

/* GATE low disables counting in mode 0 (channel 2, gate through port B). */
static void test_mode0_gate(void **state)
{
    s64 p0 = 3000;

    (void)state;
    at(p0);
    gate2(true);
    program(2, 0x00, 10);
    at(p0 + 4);                         /* CE 10 at p0+1: 7 at p0+4 */
    assert_int_equal(count(2), 7);
    gate2(false);
    at(p0 + 500);
    assert_int_equal(count(2), 7);
    assert_false(out2());
    gate2(true);                        /* counting resumes with the next pulse */
    at(p0 + 501);
    assert_int_equal(count(2), 6);
    at(p0 + 506);
    assert_false(out2());
    at(p0 + 507);
    assert_int_equal(count(2), 0);
    assert_true(out2());
    /* Channel 2's OUT never reaches IRQ0. */
    assert_int_equal(rises, 0);
}

/* ---- mode 1: hardware retriggerable one-shot (figure 16) ---- */

static void test_mode1_one_shot(void **state)
{
    s64 p = 4000;

    (void)state;
    at(p);
    gate2(false);
    program(2, 0x02, 3);
    at(p + 100);
    assert_true(out2());                /* waits for a trigger, OUT high */
    assert_true(status(2) & 0x40);      /* the count waits in the CR: null count */
    gate2(true);                        /* trigger at p+100 */
    assert_true(out2());
    at(p + 101);                        /* OUT low on the pulse after the trigger */
    assert_false(out2());
    assert_int_equal(count(2), 3);
    assert_false(status(2) & 0x40);
    at(p + 103);
    assert_int_equal(count(2), 1);
    assert_false(out2());
    at(p + 104);
    assert_int_equal(count(2), 0);
    assert_true(out2());
    at(p + 150);
    assert_true(out2());
    /* Retriggered while OUT is low: the one-shot is stretched, OUT stays low. */
    at(p + 200);
    gate2(false);
    gate2(true);
    at(p + 202);
    gate2(false);
    program(2, 0x02, 3);
    gate2(false);
    at(p + 300);
    gate2(true);                        /* trigger at p+300 */
    at(p + 302);
    assert_false(out2());
    gate2(false);
    gate2(true);                        /* retrigger at p+302: reload at p+303 */
    for (s64 q = p + 303; q < p + 306; q++) {
        at(q);
        assert_false(out2());
    }
    at(p + 306);
    assert_true(out2());
    /* A count written during the one-shot waits for the next trigger. */
    at(p + 400);
    gate2(false);
    gate2(true);                        /* trigger: 3 pulses */
    at(p + 402);
    out(0x42, 50);
    out(0x42, 0);
    at(p + 404);
    assert_true(out2());
    gate2(false);
    gate2(true);                        /* trigger with the new count, 50 */
    at(p + 454);
    assert_false(out2());
    at(p + 455);
    assert_true(out2());
}

/* ---- mode 2: rate generator (figure 17) ---- */

static void test_mode2_rate_generator(void **state)
{
    static const u16 seq[] = { 4, 3, 2, 1, 4, 3, 2, 1, 4, 3, 2, 1 };
    s64 p0 = 5000;

    (void)state;
    at(p0);
    program(0, 0x04, 4);
    assert_true(line);
    /* OUT goes low N pulses after the write, for one pulse; the edge that ends it is
     * the interrupt, once a period. */
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 5));
    for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
        at(p0 + 1 + i);
        assert_int_equal(count(0), seq[i]);
        assert_int_equal(out_of(0), seq[i] != 1);
        assert_int_equal(rises, i / 4);    /* edges at p0+5, p0+9... */
    }
    /* With the host timer alone: one interrupt per period, at each edge. */
    rises = 0;
    for (unsigned int i = 0; i < 5; i++) {
        assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 13 + 4 * i));
        fire_at(deadline);
        assert_int_equal(rises, i + 1);
        assert_true(line);
    }
}

static void test_mode2_new_count(void **state)
{
    s64 p0 = 6000;

    (void)state;
    at(p0);
    program(0, 0x04, 10);
    at(p0 + 3);                         /* CE 8 */
    out(0x40, 5);
    out(0x40, 0);
    assert_true(status(0) & 0x40);      /* null count until the reload */
    /* The current cycle runs to its end: CE 1 at p0+10, then 5 at p0+11. */
    at(p0 + 10);
    assert_int_equal(count(0), 1);
    assert_false(out_of(0));
    assert_true(status(0) & 0x40);
    at(p0 + 11);
    assert_int_equal(count(0), 5);
    assert_false(status(0) & 0x40);
    assert_true(out_of(0));
    at(p0 + 15);
    assert_int_equal(count(0), 1);
    at(p0 + 16);
    assert_int_equal(count(0), 5);
    assert_int_equal(rises, 2);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 21));
}

/* The timer across a pending reload: edges of the old count, then the new one. */
static void test_mode2_new_count_timer(void **state)
{
    s64 p0 = 7000;

    (void)state;
    at(p0);
    program(0, 0x04, 100);
    at(p0 + 50);
    out(0x40, 30);
    out(0x40, 0);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 101));
    fire_at(deadline);
    assert_int_equal(rises, 1);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 131));
    fire_at(deadline);
    assert_int_equal(rises, 2);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 161));
}

static void test_mode2_gate(void **state)
{
    s64 p0 = 8000;

    (void)state;
    at(p0);
    gate2(true);
    program(2, 0x04, 4);
    at(p0 + 4);
    assert_false(out2());               /* CE 1: OUT low */
    gate2(false);                       /* low: OUT high at once, counting stops */
    assert_true(out2());
    at(p0 + 40);
    assert_true(out2());
    assert_int_equal(count(2), 1);
    gate2(true);                        /* rising edge: reload on the next pulse */
    at(p0 + 41);
    assert_int_equal(count(2), 4);
    at(p0 + 43);
    assert_true(out2());
    at(p0 + 44);
    assert_false(out2());
    at(p0 + 45);
    assert_true(out2());
    assert_int_equal(count(2), 4);
}

/* Counts of 1 are illegal in mode 2 (and 3): no output, no interrupt storm. */
static void test_mode2_count1(void **state)
{
    (void)state;
    at(9000);
    program(0, 0x04, 1);
    at(9100);
    assert_true(out_of(0));
    assert_int_equal(deadline, 0);
    assert_int_equal(rises, 0);
}

/* ---- mode 3: square wave (figure 18) ---- */

static void test_mode3_even(void **state)
{
    static const u16 seq[] = { 4, 2, 4, 2, 4, 2, 4, 2 };
    static const bool outs[] = { 1, 1, 0, 0, 1, 1, 0, 0 };
    s64 p0 = 10000;

    (void)state;
    at(p0);
    program(0, 0x06, 4);
    for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
        at(p0 + 1 + i);
        assert_int_equal(count(0), seq[i]);
        assert_int_equal(out_of(0), outs[i]);
        assert_int_equal(line, outs[i]);
    }
    assert_int_equal(rises, 1);                         /* at p0+5 */
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 9));
}

static void test_mode3_odd(void **state)
{
    /* Odd N: high (N+1)/2 pulses (N, N-1, N-3...), low (N-1)/2 (N, N-3...). */
    static const u16 seq[] = { 5, 4, 2, 5, 2, 5, 4, 2, 5, 2 };
    static const bool outs[] = { 1, 1, 1, 0, 0, 1, 1, 1, 0, 0 };
    static const u16 seq7[] = { 7, 6, 4, 2, 7, 4, 2 };
    static const bool outs7[] = { 1, 1, 1, 1, 0, 0, 0 };
    s64 p0 = 11000;

    (void)state;
    at(p0);
    program(0, 0x06, 5);
    for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
        at(p0 + 1 + i);
        assert_int_equal(count(0), seq[i]);
        assert_int_equal(out_of(0), outs[i]);
    }
    assert_int_equal(rises, 1);                         /* at p0+6 */
    at(p0 + 100);
    program(0, 0x06, 7);
    for (unsigned int i = 0; i < ARRAY_SIZE(seq7); i++) {
        at(p0 + 101 + i);
        assert_int_equal(count(0), seq7[i]);
        assert_int_equal(out_of(0), outs7[i]);
    }
}

/* A new count is loaded at the end of the current half-cycle. */
static void test_mode3_new_count(void **state)
{
    s64 p0 = 12000;

    (void)state;
    at(p0);
    program(0, 0x06, 8);                /* high p0+1..p0+4, low p0+5..p0+8 */
    at(p0 + 2);
    out(0x40, 4);
    out(0x40, 0);
    at(p0 + 4);
    assert_int_equal(count(0), 2);      /* 8 6 4 2: the old half-cycle ends */
    assert_true(out_of(0));
    at(p0 + 5);                         /* new count, in the low half */
    assert_int_equal(count(0), 4);
    assert_false(out_of(0));
    at(p0 + 6);
    assert_int_equal(count(0), 2);
    assert_false(out_of(0));
    at(p0 + 7);
    assert_int_equal(count(0), 4);
    assert_true(out_of(0));
    assert_int_equal(rises, 1);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 11));
}

static void test_mode3_gate(void **state)
{
    s64 p0 = 13000;

    (void)state;
    at(p0);
    gate2(true);
    program(2, 0x06, 6);                /* high p0+1..3, low p0+4..6 */
    at(p0 + 4);
    assert_false(out2());
    gate2(false);                       /* OUT high at once, no clock needed */
    assert_true(out2());
    at(p0 + 20);
    assert_true(out2());
    gate2(true);                        /* reload with the next pulse */
    at(p0 + 21);
    assert_int_equal(count(2), 6);
    at(p0 + 23);
    assert_true(out2());
    at(p0 + 24);
    assert_false(out2());
}

/* ---- mode 4: software triggered strobe (figure 19) ---- */

static void test_mode4_strobe(void **state)
{
    static const u16 seq[] = { 3, 2, 1, 0, 0xffff, 0xfffe };
    static const bool outs[] = { 1, 1, 1, 0, 1, 1 };
    s64 p0 = 14000;

    (void)state;
    at(p0);
    out(0x43, 0x38);
    assert_true(out_of(0));             /* OUT high after the control word */
    out(0x40, 3);
    out(0x40, 0);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 5));
    for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
        at(p0 + 1 + i);
        assert_int_equal(count(0), seq[i]);
        assert_int_equal(out_of(0), outs[i]);
        assert_int_equal(rises, i >= 4 ? 1 : 0);
    }
    assert_int_equal(deadline, 0);      /* one strobe per count written */
    /* Writing a count during counting retriggers: loaded on the next pulse. */
    at(p0 + 100);
    out(0x40, 3);
    out(0x40, 0);
    at(p0 + 102);                       /* CE 2 */
    out(0x40, 5);
    out(0x40, 0);                       /* loaded at p0+103, strobe at p0+108 */
    at(p0 + 107);
    assert_true(out_of(0));
    assert_int_equal(count(0), 1);
    at(p0 + 108);
    assert_false(out_of(0));
    at(p0 + 109);
    assert_true(out_of(0));
    assert_int_equal(rises, 2);
}

/* GATE low disables counting in mode 4; OUT is not affected. */
static void test_mode4_gate(void **state)
{
    s64 p0 = 15000;

    (void)state;
    at(p0);
    gate2(true);
    program(2, 0x08, 4);
    at(p0 + 2);                         /* CE 3 */
    gate2(false);
    at(p0 + 50);
    assert_int_equal(count(2), 3);
    assert_true(out2());
    gate2(true);
    at(p0 + 53);
    assert_int_equal(count(2), 0);
    assert_false(out2());
    at(p0 + 54);
    assert_true(out2());
}

/* ---- mode 5: hardware triggered strobe (figure 20) ---- */

static void test_mode5_strobe(void **state)
{
    s64 p = 16000;

    (void)state;
    at(p);
    program(2, 0x0a, 3);
    at(p + 10);
    assert_true(out2());
    gate2(true);                        /* trigger at p+10: CE 3 at p+11 */
    at(p + 11);
    assert_int_equal(count(2), 3);
    at(p + 13);
    assert_int_equal(count(2), 1);
    assert_true(out2());
    at(p + 14);
    assert_int_equal(count(2), 0);
    assert_false(out2());
    at(p + 15);
    assert_true(out2());
    /* GATE low does not stop the count (the trigger is the rising edge). */
    gate2(false);
    at(p + 20);
    assert_int_equal(count(2), (u16)(3 - 9));
    /* Retriggered: the count starts over. */
    at(p + 30);
    gate2(true);
    at(p + 32);
    gate2(false);
    gate2(true);                        /* retrigger at p+32 */
    at(p + 34);
    assert_true(out2());
    at(p + 36);
    assert_false(out2());
    at(p + 37);
    assert_true(out2());
}

/* ---- latches and read-back ---- */

static void test_counter_latch(void **state)
{
    s64 p0 = 17000;

    (void)state;
    at(p0);
    program(0, 0x04, 1000);
    at(p0 + 101);                       /* CE 900 = 0x0384 */
    out(0x43, 0x00);                    /* latch channel 0 */
    at(p0 + 201);
    assert_int_equal(in(0x40), 0x84);
    out(0x43, 0x00);                    /* ignored: the latch is not read yet */
    at(p0 + 301);
    assert_int_equal(in(0x40), 0x03);
    /* Read whole: the counter reads live again. */
    assert_int_equal(count(0), 700);
    /* LSB-only format: one read releases the latch. */
    out(0x43, 0x14);                    /* channel 0, LSB, mode 2 */
    out(0x40, 200);
    at(p0 + 311);                       /* CE 191 */
    out(0x43, 0x00);
    at(p0 + 321);
    assert_int_equal(in(0x40), 191);
    assert_int_equal(in(0x40), 181);
    /* MSB-only format. */
    out(0x43, 0x24);                    /* channel 0, MSB, mode 2 */
    out(0x40, 0x10);                    /* count 0x1000 */
    at(p0 + 321 + 0x101);               /* CE 0x1000 - 0x100 */
    out(0x43, 0x00);
    at(p0 + 321 + 0x301);
    assert_int_equal(in(0x40), 0x0f);
    assert_int_equal(in(0x40), 0x0d);
}

static void test_readback(void **state)
{
    s64 p0 = 18000;

    (void)state;
    at(p0);
    out(0x43, 0x34);                    /* channel 0: LSB/MSB, mode 2, binary */
    /* After the control word: null count, OUT high. */
    assert_int_equal(status(0), 0x80 | 0x40 | 0x34);
    out(0x40, 0x34);
    out(0x40, 0x12);
    assert_int_equal(status(0), 0x80 | 0x40 | 0x34);    /* not loaded yet */
    at(p0 + 1);
    assert_int_equal(status(0), 0x80 | 0x34);           /* loaded */
    /* Count and status of channels 0 and 2 at once: status first, then the count,
     * both held until read. */
    at(p0 + 10);
    gate2(true);
    program(2, 0x01, 0x0150);           /* channel 2: mode 0, BCD, count 150 */
    at(p0 + 11);
    out(0x43, 0xc0 | 0x02 | 0x08);      /* latch count and status of 0 and 2 */
    at(p0 + 31);
    assert_int_equal(in(0x40), 0x80 | 0x34);
    assert_int_equal(in(0x40), (0x1234 - 10) & 0xff);
    assert_int_equal(in(0x40), (0x1234 - 10) >> 8);
    assert_int_equal(in(0x42), 0x01 | 0x30);            /* OUT low, loaded, BCD */
    assert_int_equal(in(0x42), 0x50);
    assert_int_equal(in(0x42), 0x01);
    /* Latched again before being read: the first status stays. */
    at(p0 + 40);
    out(0x43, 0xe2);
    at(p0 + 0x1234);                    /* CE 1: OUT low */
    out(0x43, 0xe2);
    assert_int_equal(in(0x40), 0x80 | 0x34);
    assert_int_equal(status(0), 0x34);  /* read: the next latch takes */
    /* Control word modes 6 and 7 are modes 2 and 3; the status shows what was
     * written. */
    at(p0 + 50000);
    out(0x43, 0x3c);                    /* mode "6" */
    out(0x40, 4);
    out(0x40, 0);
    assert_int_equal(status(0) & 0x3f, 0x3c);
    at(p0 + 50004);
    assert_false(out_of(0));            /* behaves as mode 2: low at CE 1 */
    at(p0 + 50005);
    assert_true(out_of(0));
}

/* ---- the read/write formats and their flip-flops ---- */

static void test_rw_formats(void **state)
{
    s64 p0 = 19000;

    (void)state;
    at(p0);
    /* LSB only: the MSB is 0. */
    out(0x43, 0x10);                    /* channel 0, LSB, mode 0 */
    out(0x40, 0x80);
    at(p0 + 1);
    assert_int_equal(in(0x40), 0x80);
    assert_int_equal(in(0x40), 0x80);   /* every read is the LSB */
    at(p0 + 0x80);
    assert_false(out_of(0));
    at(p0 + 0x81);
    assert_true(out_of(0));
    /* MSB only: the LSB is 0. */
    at(p0 + 1000);
    out(0x43, 0x20);                    /* channel 0, MSB, mode 0 */
    out(0x40, 0x02);                    /* count 0x200 */
    at(p0 + 1000 + 0x200);
    assert_int_equal(in(0x40), 0x00);
    assert_false(out_of(0));
    at(p0 + 1001 + 0x200);
    assert_true(out_of(0));
    /* LSB then MSB: reads and writes have flip-flops of their own, so they may be
     * interleaved (datasheet: read LSB, write LSB, read MSB, write MSB). */
    at(p0 + 2000);
    out(0x43, 0x34);
    out(0x40, 0x00);
    out(0x40, 0x30);                    /* 0x3000 */
    at(p0 + 2001 + 0x100);              /* CE 0x2f00 */
    assert_int_equal(in(0x40), 0x00);   /* read LSB */
    out(0x40, 0x00);                    /* write LSB */
    at(p0 + 2001 + 0x200);              /* CE 0x2e00 */
    assert_int_equal(in(0x40), 0x2e);   /* read MSB */
    out(0x40, 0x10);                    /* write MSB: 0x1000, next cycle */
    assert_int_equal(in(0x40), 0x00);   /* the read flip-flop is back at the LSB */
    /* A control word resets the flip-flops. */
    out(0x40, 0x99);                    /* a lone LSB... */
    at(p0 + 5000);
    out(0x43, 0x34);
    out(0x40, 0x04);
    out(0x40, 0x00);                    /* ...forgotten: this count is 4 */
    at(p0 + 5004);
    assert_false(out_of(0));
    at(p0 + 5005);
    assert_true(out_of(0));
}

/* ---- BCD ---- */

static void test_bcd(void **state)
{
    static const u16 seq[] = { 0x12, 0x11, 0x10, 0x09, 0x08 };
    s64 p0 = 20000;

    (void)state;
    at(p0);
    program(0, 0x05, 0x0012);           /* mode 2, BCD: 12 decimal */
    for (unsigned int i = 0; i < ARRAY_SIZE(seq); i++) {
        at(p0 + 1 + i);
        assert_int_equal(count(0), seq[i]);
    }
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 13));
    at(p0 + 12);
    assert_int_equal(count(0), 0x01);
    at(p0 + 13);
    assert_int_equal(count(0), 0x12);
    /* Mode 0 wraps to 9999. */
    at(p0 + 100);
    program(0, 0x01, 0x0002);
    at(p0 + 103);
    assert_int_equal(count(0), 0x0000);
    at(p0 + 104);
    assert_int_equal(count(0), 0x9999);
    at(p0 + 105);
    assert_int_equal(count(0), 0x9998);
    /* Count 0 is 10^4 in BCD: period 10000 in mode 2. */
    at(p0 + 200);
    program(0, 0x05, 0x0000);
    at(p0 + 201);
    assert_int_equal(count(0), 0x0000);
    at(p0 + 202);
    assert_int_equal(count(0), 0x9999);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 10201));
}

/* ---- port B ---- */

static void test_port_b(void **state)
{
    (void)state;
    fake_now = 3000000;                 /* a multiple of 15 us */
    out(0x61, 0xff);
    assert_int_equal(in(0x61) & 0xcf, 0x0f);   /* bits 0-3 kept; 6, 7 read 0 */
    out(0x61, 0x0a);
    assert_int_equal(in(0x61) & 0x0f, 0x0a);
    /* The refresh toggle flips every 15 us. */
    for (unsigned int i = 0; i < 20; i++) {
        bool toggle;
        fake_now = 3000000 + (s_time_t)i * I8254_REFRESH_NS;
        toggle = in(0x61) & 0x10;
        fake_now += I8254_REFRESH_NS - 1;
        assert_int_equal((bool)(in(0x61) & 0x10), toggle);
        fake_now += 1;
        assert_int_equal((bool)(in(0x61) & 0x10), !toggle);
    }
    /* Bit 5 is channel 2's OUT, bit 0 its gate: the PC's calibration loop. */
    at(pulse_now() + 10);
    out(0x61, 0x00);
    out(0x43, 0xb0);                    /* channel 2, LSB/MSB, mode 0 */
    out(0x42, 0x10);
    out(0x42, 0x00);
    at(pulse_now() + 100);
    assert_false(in(0x61) & 0x20);      /* gate low: no counting */
    out(0x61, 0x01);                    /* loaded already: each pulse from now counts */
    at(pulse_now() + 15);
    assert_false(in(0x61) & 0x20);
    at(pulse_now() + 1);
    assert_true(in(0x61) & 0x20);
    assert_int_equal(rises, 0);
}

/* ---- IRQ0 ---- */

/* Ten periods gone by unseen: one interrupt, and the timer for the next period. */
static void test_irq0_missed_ticks(void **state)
{
    s64 p0 = 30000;

    (void)state;
    at(p0);
    program(0, 0x04, 100);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 101));
    fire_at(i8254_pulse_to_ns(p0 + 1050));
    assert_int_equal(rises, 1);
    assert_true(line);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 1101));
    fire_at(deadline);
    assert_int_equal(rises, 2);
    /* The same through a port access. */
    at(p0 + 5000);
    (void)in(0x61);
    assert_int_equal(rises, 3);
    assert_int_equal(deadline, i8254_pulse_to_ns(p0 + 5001));
}

/* A host timer that runs early delivers nothing and is set again. */
static void test_irq0_early_timer(void **state)
{
    s64 p0 = 31000;
    s_time_t due;

    (void)state;
    at(p0);
    program(0, 0x04, 100);
    due = deadline;
    set_timer_calls = 0;
    fire_at(due - 1);
    assert_int_equal(rises, 0);
    assert_int_equal(deadline, due);
    assert_int_equal(set_timer_calls, 1);
    fire_at(due);
    assert_int_equal(rises, 1);
}

/* A control word stops the count and sets OUT to the mode's initial state. */
static void test_control_word_stops(void **state)
{
    s64 p0 = 32000;

    (void)state;
    at(p0);
    program(0, 0x06, 100);
    at(p0 + 10);
    out(0x43, 0x30);                    /* mode 0: OUT low */
    assert_false(line);
    assert_int_equal(deadline, 0);
    at(p0 + 500);
    assert_int_equal(count(0), 100 - 2 * 9);
    assert_false(line);
    out(0x43, 0x34);                    /* mode 2: OUT high, a rising edge */
    assert_true(line);
    assert_int_equal(rises, 1);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pulse_time),
        T(test_reset_state),
        T(test_mode0_waveform),
        T(test_mode0_rewrite),
        T(test_mode0_gate),
        T(test_mode1_one_shot),
        T(test_mode2_rate_generator),
        T(test_mode2_new_count),
        T(test_mode2_new_count_timer),
        T(test_mode2_gate),
        T(test_mode2_count1),
        T(test_mode3_even),
        T(test_mode3_odd),
        T(test_mode3_new_count),
        T(test_mode3_gate),
        T(test_mode4_strobe),
        T(test_mode4_gate),
        T(test_mode5_strobe),
        T(test_counter_latch),
        T(test_readback),
        T(test_rw_formats),
        T(test_bcd),
        T(test_port_b),
        T(test_irq0_missed_ticks),
        T(test_irq0_early_timer),
        T(test_control_word_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
