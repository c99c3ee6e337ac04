/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake machine of the emulated local APIC's unit tests: the vlapic's callbacks (a
 * clock the test moves; recorders for the timer, IPIs, level EOIs and kicks), its
 * setup, and its registers as a guest reads and writes them (see vlapic_machine.h).
 */
#include "vlapic_machine.h"

/* ---- the fake machine ---- */

struct vlapic lapic;
s_time_t clock_ns;
s_time_t armed;
unsigned int nr_set_timer;

struct recorded_ipi ipis[MAX_IPIS];
unsigned int nr_ipis;
u8 eois[16];
unsigned int nr_eois;
unsigned int nr_kicks;

static s_time_t fake_now(void *ctx)
{
    assert_ptr_equal(ctx, &lapic);
    return clock_ns;
}

static void fake_set_timer(void *ctx, s_time_t deadline)
{
    assert_ptr_equal(ctx, &lapic);
    armed = deadline;
    nr_set_timer++;
}

static u64 fake_guest_tsc(void *ctx)
{
    assert_ptr_equal(ctx, &lapic);
    return (u64)clock_ns * 2;
}

/* The guest's TSC runs at 2 GHz from time 0. */
static s_time_t fake_tsc_to_time(void *ctx, u64 tsc)
{
    assert_ptr_equal(ctx, &lapic);
    return (s_time_t)(tsc / 2);
}

static void fake_send_ipi(void *ctx, const struct apic_msg *m, unsigned int shorthand)
{
    assert_ptr_equal(ctx, &lapic);
    if (nr_ipis < MAX_IPIS) {
        ipis[nr_ipis].m = *m;
        ipis[nr_ipis].shorthand = shorthand;
    }
    nr_ipis++;
}

static void fake_eoi_level(void *ctx, u8 vector)
{
    assert_ptr_equal(ctx, &lapic);
    if (nr_eois < ARRAY_SIZE(eois))
        eois[nr_eois] = vector;
    nr_eois++;
}

static void fake_kick(void *ctx)
{
    assert_ptr_equal(ctx, &lapic);
    nr_kicks++;
}

static const struct vlapic_ops ops = {
    .now = fake_now,
    .set_timer = fake_set_timer,
    .guest_tsc = fake_guest_tsc,
    .tsc_to_time = fake_tsc_to_time,
    .send_ipi = fake_send_ipi,
    .eoi_level = fake_eoi_level,
    .kick = fake_kick,
};

void reset_recorders(void)
{
    armed = 0;
    nr_set_timer = 0;
    nr_ipis = 0;
    memset(ipis, 0, sizeof(ipis));
    nr_eois = 0;
    nr_kicks = 0;
}

void init_apic(u32 id, bool bsp)
{
    vlapic_init(&lapic, id, bsp, &ops, &lapic);
    reset_recorders();
}

int setup(void **state)
{
    (void)state;
    clock_ns = 1000000;
    init_apic(1, false);
    return 0;
}

/* ---- the guest's view ---- */

u32 rd(u32 off)
{
    return vlapic_mmio_read(&lapic, off);
}

void wr(u32 off, u32 val)
{
    vlapic_mmio_write(&lapic, off, val);
}

u64 msr_rd(u32 msr)
{
    u64 val = 0xdeadbeef;

    assert_int_equal(vlapic_msr_read(&lapic, msr, &val), 0);
    return val;
}

void msr_wr(u32 msr, u64 val)
{
    assert_int_equal(vlapic_msr_write(&lapic, msr, val), 0);
}

void enable(void)
{
    wr(APIC_SVR, SVR_ENABLE | 0xff);
}

/* Is `v` set in the 256-bit register at `base` (IRR, ISR, TMR), read as a guest does? */
bool vec_bit(u32 base, u8 v)
{
    return rd(base + (v / 32) * 0x10) & (1u << (v % 32));
}
