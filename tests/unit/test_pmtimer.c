/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/hvm/pmtimer.c, the ACPI PM1 block and PM timer,
 * against ACPI 6.4 section 4.8 (section numbers below). The chip (pm1_*) runs on fake
 * time with its host timer, SCI line and power-off request recorded. The file's glue
 * (pmtimer_*) is linked too, so this file provides what it calls outside itself
 * (time, timers, the heap, the port registry, the interrupt router, domain_shutdown)
 * as recording fakes, and the last tests drive a domain's PM1 block through them.
 */
#include "unit.h"

#include <stdlib.h>

#include <hv/console.h>
#include <hv/domain.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/mm.h>
#include <hv/pmtimer.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <public/arch-x86/platform.h>

#define STS     0x0
#define EN      0x2
#define CNT     0x4
#define TMR     0x8

#define TMR_STS     0x0001
#define PWRBTN_STS  0x0100
#define TMR_EN      0x0001
#define PWRBTN_EN   0x0100
#define SCI_EN      0x0001
#define SLP_TYP(t)  ((t) << 10)
#define SLP_EN      0x2000

#define HZ          PLATFORM_PM_TIMER_HZ
#define T0          SECONDS(7)      /* the chip's creation */

static struct pm1 pm;
static s_time_t now_ns, host_deadline;
static bool sci;
static unsigned int sci_changes, power_offs;

static s_time_t fake_now(void *ctx)
{
    assert_ptr_equal(ctx, &pm);
    return now_ns;
}

static void fake_set_timer(void *ctx, s_time_t deadline)
{
    assert_ptr_equal(ctx, &pm);
    assert_true(deadline >= 0);
    host_deadline = deadline;
}

static void fake_set_sci(void *ctx, bool level)
{
    assert_ptr_equal(ctx, &pm);
    assert_true(level != sci); /* changes only */
    sci = level;
    sci_changes++;
}

static void fake_power_off(void *ctx)
{
    assert_ptr_equal(ctx, &pm);
    power_offs++;
}

static const struct pm1_ops ops = {
    .now = fake_now,
    .set_timer = fake_set_timer,
    .set_sci = fake_set_sci,
    .power_off = fake_power_off,
};

static int reset(void **state)
{
    (void)state;
    now_ns = T0;
    host_deadline = 0;
    sci = false;
    sci_changes = power_offs = 0;
    unit_last_printk[0] = '\0';
    pm1_init(&pm, &ops, &pm, 3);
    return 0;
}

static u32 rd(unsigned int off, unsigned int size)
{
    return pm1_read(&pm, off, size);
}

static void wr(unsigned int off, unsigned int size, u32 val)
{
    pm1_write(&pm, off, size, val);
}

/* The time from creation after which PM_TMR has counted `ticks`. */
static s_time_t after_ticks(u64 ticks)
{
    return T0 + (s_time_t)((ticks * NSEC_PER_SEC + HZ - 1) / HZ);
}

/* Time passes up to t; the host timer fires on time on the way. */
static void run_until(s_time_t t)
{
    while (host_deadline && host_deadline <= t) {
        now_ns = host_deadline;
        host_deadline = 0;
        pm1_timer_expired(&pm);
    }
    now_ns = t;
}

/* ---- PM_TMR ---- */

static void test_timer_rate(void **state)
{
    (void)state;
    /* 4.8.3.3: 3.579545 MHz from the domain's creation. */
    assert_int_equal(rd(TMR, 4), 0);
    now_ns = T0 + SECONDS(1);
    assert_int_equal(rd(TMR, 4), HZ);
    now_ns = T0 + MILLISECS(1);
    assert_int_equal(rd(TMR, 4), HZ / 1000);
    now_ns = after_ticks(12345) - 1;
    assert_int_equal(rd(TMR, 4), 12344);
    now_ns = after_ticks(12345);
    assert_int_equal(rd(TMR, 4), 12345);
    /* Read-only. */
    wr(TMR, 4, 0);
    assert_int_equal(rd(TMR, 4), 12345);
}

static void test_timer_32bit_wrap(void **state)
{
    (void)state;
    /* TMR_VAL_EXT: 32 bits, wrapping after 2^32 ticks (about 20 minutes). */
    now_ns = after_ticks(0xffffffffULL);
    assert_int_equal(rd(TMR, 4), 0xffffffff);
    now_ns = after_ticks(0x100000005ULL);
    assert_int_equal(rd(TMR, 4), 5);
}

static void test_timer_byte_reads(void **state)
{
    (void)state;
    now_ns = after_ticks(0x12345678);
    assert_int_equal(rd(TMR, 1), 0x78);
    assert_int_equal(rd(TMR + 1, 1), 0x56);
    assert_int_equal(rd(TMR + 2, 1), 0x34);
    assert_int_equal(rd(TMR + 3, 1), 0x12);
    assert_int_equal(rd(TMR, 2), 0x5678);
    assert_int_equal(rd(TMR + 2, 2), 0x1234);
    /* Past the block: nothing answers. */
    assert_int_equal(rd(TMR + 2, 4), 0xffff1234);
    /* Sizes other than 1, 2 and 4. */
    assert_int_equal(rd(TMR, 3), 0xffffffff);
}

/* ---- TMR_STS and the SCI ---- */

static void test_tmr_sts_on_bit31_toggle(void **state)
{
    (void)state;
    /* 4.8.3.3: TMR_STS is set when bit 31 of the counter changes. */
    now_ns = after_ticks(0x80000000ULL) - 1;
    assert_int_equal(rd(STS, 2), 0);
    now_ns = after_ticks(0x80000000ULL);
    assert_int_equal(rd(STS, 2), TMR_STS);
    wr(STS, 2, TMR_STS);
    assert_int_equal(rd(STS, 2), 0);
    /* Nothing more until it changes back, at the 32-bit wrap. */
    now_ns = after_ticks(0xffffffffULL);
    assert_int_equal(rd(STS, 2), 0);
    now_ns = after_ticks(0x100000000ULL);
    assert_int_equal(rd(STS, 2), TMR_STS);
}

static void test_sci_needs_status_enable_and_sci_en(void **state)
{
    (void)state;
    now_ns = after_ticks(0x80000000ULL);
    assert_int_equal(rd(STS, 2), TMR_STS);
    assert_false(sci);
    wr(EN, 2, TMR_EN);
    assert_false(sci);                  /* not in ACPI mode */
    wr(EN, 2, 0);
    wr(CNT, 2, SCI_EN);
    assert_false(sci);                  /* the event not enabled */
    wr(EN, 2, TMR_EN);
    assert_true(sci);                   /* 4.8.3.3: all three */
    /* The line follows each of them. */
    wr(CNT, 2, 0);
    assert_false(sci);
    wr(CNT, 2, SCI_EN);
    assert_true(sci);
    wr(EN, 2, 0);
    assert_false(sci);
    wr(EN, 2, TMR_EN);
    assert_true(sci);
    wr(STS, 2, TMR_STS);
    assert_false(sci);
    assert_int_equal(sci_changes, 6);
}

static void test_host_timer_for_next_toggle(void **state)
{
    (void)state;
    /* Only when a toggle would raise the SCI. */
    wr(EN, 2, TMR_EN);
    assert_int_equal(host_deadline, 0);
    wr(CNT, 2, SCI_EN);
    assert_int_equal(host_deadline, after_ticks(0x80000000ULL));
    run_until(after_ticks(0x80000000ULL) - 1);
    assert_false(sci);
    run_until(after_ticks(0x80000000ULL));
    assert_true(sci);
    assert_int_equal(rd(STS, 2), TMR_STS);
    /* Status set: the next toggle changes nothing. */
    assert_int_equal(host_deadline, 0);
    wr(STS, 2, TMR_STS);
    assert_false(sci);
    assert_int_equal(host_deadline, after_ticks(0x100000000ULL));
    run_until(after_ticks(0x100000000ULL));
    assert_true(sci);
}

static void test_write_one_to_clear(void **state)
{
    (void)state;
    now_ns = after_ticks(0x80000000ULL);
    pm1_power_button(&pm);
    assert_int_equal(rd(STS, 2), TMR_STS | PWRBTN_STS);
    /* Zeros clear nothing; each 1 clears its bit; a byte write reaches its byte. */
    wr(STS, 2, 0);
    assert_int_equal(rd(STS, 2), TMR_STS | PWRBTN_STS);
    wr(STS + 1, 1, PWRBTN_STS >> 8);
    assert_int_equal(rd(STS, 2), TMR_STS);
    assert_int_equal(rd(STS, 1), TMR_STS);
    assert_int_equal(rd(STS + 1, 1), 0);
    wr(STS, 1, TMR_STS);
    assert_int_equal(rd(STS, 2), 0);
}

static void test_power_button(void **state)
{
    (void)state;
    wr(EN, 2, PWRBTN_EN);
    wr(CNT, 2, SCI_EN);
    assert_false(sci);
    pm1_power_button(&pm);
    assert_int_equal(rd(STS, 2), PWRBTN_STS);
    assert_true(sci);
    wr(STS, 2, PWRBTN_STS);
    assert_false(sci);
}

/* ---- sleep ---- */

static void test_s5_powers_off(void **state)
{
    (void)state;
    /* SLP_TYP alone is only a value. */
    wr(CNT, 2, SCI_EN | SLP_TYP(PLATFORM_S5_SLP_TYP));
    assert_int_equal(power_offs, 0);
    /* 4.8.3.2.1: SLP_EN enters the state SLP_TYP names: S5 is power off. */
    wr(CNT, 2, SCI_EN | SLP_TYP(PLATFORM_S5_SLP_TYP) | SLP_EN);
    assert_int_equal(power_offs, 1);
    /* SLP_EN is write-only. */
    assert_int_equal(rd(CNT, 2), SCI_EN | SLP_TYP(PLATFORM_S5_SLP_TYP));
    /* As a byte write of the high byte, the way some OSes write it. */
    wr(CNT + 1, 1, (SLP_TYP(PLATFORM_S5_SLP_TYP) | SLP_EN) >> 8);
    assert_int_equal(power_offs, 2);
}

static void test_other_sleep_types_ignored(void **state)
{
    unsigned int other = PLATFORM_S5_SLP_TYP == 5 ? 1 : 5;
    char want[64];

    (void)state;
    wr(CNT, 2, SCI_EN | SLP_TYP(other) | SLP_EN);
    assert_int_equal(power_offs, 0);
    assert_int_equal(rd(CNT, 2), SCI_EN | SLP_TYP(other));
    snprintf(want, sizeof(want), "d3: PM1a_CNT: sleep type %u ignored", other);
    assert_contains(unit_last_printk, want);
    assert_contains(unit_last_printk, LOG_DEBUG);
}

/* ---- layout, reserved bits, access sizes ---- */

static void test_reserved_bits(void **state)
{
    (void)state;
    /* 4.8.4.1: PM1_EN keeps its defined bits (TMR, GBL, PWRBTN, SLPBTN, RTC,
     * PCIEXP_WAKE_DIS); reserved ones read 0. */
    wr(EN, 2, 0xffff);
    assert_int_equal(rd(EN, 2), 0x4721);
    wr(EN, 2, 0);
    /* 4.8.4.2.1: PM1_CNT keeps SCI_EN, BM_RLD and SLP_TYP; GBL_RLS and SLP_EN are
     * write-only; the rest is reserved. (0xdfff: without SLP_EN.) */
    wr(CNT, 2, 0xdfff);
    assert_int_equal(rd(CNT, 2), 0x1c03);
    assert_int_equal(power_offs, 0);
    /* The two bytes after PM1a_CNT are reserved. */
    wr(CNT + 2, 2, 0xffff);
    assert_int_equal(rd(CNT + 2, 2), 0);
    /* PM1_STS: no bit can be set by writing. */
    wr(STS, 2, 0xffff);
    assert_int_equal(rd(STS, 2), 0);
}

static void test_dword_accesses(void **state)
{
    (void)state;
    now_ns = after_ticks(0x80000000ULL);
    pm1_power_button(&pm);
    /* One 4-byte write: PM1a_STS (write 1 to clear) and PM1a_EN together. */
    wr(STS, 4, (u32)(TMR_EN | PWRBTN_EN) << 16 | TMR_STS);
    assert_int_equal(rd(STS, 2), PWRBTN_STS);
    assert_int_equal(rd(EN, 2), TMR_EN | PWRBTN_EN);
    assert_int_equal(rd(STS, 4), (u32)(TMR_EN | PWRBTN_EN) << 16 | PWRBTN_STS);
    /* A 2-byte access across two registers takes a byte of each. */
    assert_int_equal(rd(STS + 1, 2), (TMR_EN << 8) | (PWRBTN_STS >> 8));
    wr(CNT, 4, 0xffff0000u | SCI_EN);
    assert_int_equal(rd(CNT, 4), SCI_EN);
    assert_true(sci);
}

/* ---- the glue, through fakes of what it calls ---- */

static struct domain dom;
static struct vcpu vcpu0;
static struct vcpu *vcpus[1] = { &vcpu0 };
static struct hvm_irq irq;

static struct {
    unsigned int registered;
    u16 base, count;
    io_fn fn;
    void *data;
    bool timer_inited, timer_killed;
    unsigned int timer_cpu;
    s_time_t timer_expires;
    void (*timer_fn)(void *);
    void *timer_data;
    unsigned int shutdowns;
    enum shutdown_reason why;
    int irq_line, irq_level;
    int register_rc;
} glue;

s_time_t NOW(void)
{
    return now_ns;
}

void *xzalloc(size_t size)
{
    return calloc(1, size);
}

void xfree(void *p)
{
    free(p);
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    glue.timer_inited = true;
    glue.timer_cpu = cpu;
    glue.timer_fn = fn;
    glue.timer_data = data;
}

void set_timer(struct timer *t, s_time_t expires)
{
    t->expires = expires;
    t->active = true;
    glue.timer_expires = expires;
}

void stop_timer(struct timer *t)
{
    t->active = false;
    glue.timer_expires = 0;
}

void kill_timer(struct timer *t)
{
    t->active = false;
    glue.timer_killed = true;
}

int hvm_register_io(struct domain *d, u16 base, u16 count, io_fn fn, void *data,
                    const char *name)
{
    assert_ptr_equal(d, &dom);
    assert_string_equal(name, "pm1");
    glue.registered++;
    glue.base = base;
    glue.count = count;
    glue.fn = fn;
    glue.data = data;
    return glue.register_rc;
}

void hvm_isa_irq_set(struct domain *d, enum hvm_irq_source src, unsigned int irq,
                     bool level)
{
    assert_ptr_equal(d, &dom);
    assert_int_equal(src, HVM_IRQ_SRC_DEVICE); /* the SCI is the line's own device */
    glue.irq_line = irq;
    glue.irq_level = level;
}

void domain_shutdown(struct domain *d, enum shutdown_reason why)
{
    assert_ptr_equal(d, &dom);
    assert_true(unit_irqs_enabled); /* not under the device's lock */
    glue.shutdowns++;
    glue.why = why;
}

static int glue_setup(void **state)
{
    (void)state;
    memset(&glue, 0, sizeof(glue));
    memset(&dom, 0, sizeof(dom));
    memset(&irq, 0, sizeof(irq));
    glue.irq_line = -1;
    now_ns = T0;
    dom.id = 4;
    dom.nr_vcpus = 1;
    dom.vcpus = vcpus;
    dom.irq = &irq;
    vcpu0.domain = &dom;
    vcpu0.processor = 2;
    assert_int_equal(pmtimer_init(&dom), 0);
    return 0;
}

static int glue_teardown(void **state)
{
    (void)state;
    pmtimer_destroy(&dom);
    assert_null(irq.pmtimer);
    return 0;
}

static u32 port_read(u16 port, unsigned int size)
{
    u32 val = 0xdeadbeef;

    glue.fn(&vcpu0, port, size, false, &val, glue.data);
    return val;
}

static void port_write(u16 port, unsigned int size, u32 val)
{
    glue.fn(&vcpu0, port, size, true, &val, glue.data);
}

static void test_glue_ports_and_timer(void **state)
{
    (void)state;
    assert_int_equal(glue.registered, 1);
    assert_int_equal(glue.base, PLATFORM_PM1_BASE);
    assert_int_equal(glue.count, PM1_BLOCK_LEN);
    assert_non_null(irq.pmtimer);
    /* Its timer on vCPU 0's pCPU. */
    assert_true(glue.timer_inited);
    assert_int_equal(glue.timer_cpu, 2);
    /* PM_TMR counts from the domain's creation. */
    now_ns = T0 + SECONDS(2);
    assert_int_equal(port_read(PLATFORM_PM_TIMER, 4), 2 * HZ);
    assert_int_equal(port_read(PLATFORM_PM_TIMER + 1, 1), ((2 * HZ) >> 8) & 0xff);
}

static void test_glue_sci_on_irq9(void **state)
{
    (void)state;
    port_write(PLATFORM_PM1_EN, 2, TMR_EN);
    port_write(PLATFORM_PM1_CNT, 2, SCI_EN);
    assert_int_equal(glue.timer_expires, after_ticks(0x80000000ULL));
    /* The host timer runs its function on time. */
    now_ns = glue.timer_expires;
    glue.timer_fn(glue.timer_data);
    assert_int_equal(glue.irq_line, PLATFORM_SCI_IRQ);
    assert_true(glue.irq_level);
    port_write(PLATFORM_PM1_STS, 2, TMR_STS);
    assert_false(glue.irq_level);
    assert_true(unit_irqs_enabled);     /* every lock dropped */
}

static void test_glue_s5_shuts_the_domain_down(void **state)
{
    (void)state;
    port_write(PLATFORM_PM1_CNT, 2, SLP_TYP(PLATFORM_S5_SLP_TYP) | SLP_EN);
    assert_int_equal(glue.shutdowns, 1);
    assert_int_equal(glue.why, SHUTDOWN_POWEROFF);
    port_write(PLATFORM_PM1_CNT, 2, SLP_TYP(PLATFORM_S5_SLP_TYP));
    assert_int_equal(glue.shutdowns, 1);
}

static void test_glue_power_button(void **state)
{
    (void)state;
    port_write(PLATFORM_PM1_EN, 2, PWRBTN_EN);
    port_write(PLATFORM_PM1_CNT, 2, SCI_EN);
    pmtimer_power_button(&dom);
    assert_int_equal(port_read(PLATFORM_PM1_STS, 2), PWRBTN_STS);
    assert_true(glue.irq_level);
}

static void test_glue_destroy_after_failed_init(void **state)
{
    (void)state;
    pmtimer_destroy(&dom);
    assert_true(glue.timer_killed);
    assert_null(irq.pmtimer);
    /* A registration that fails still leaves a device destroy can free. */
    glue.register_rc = -17;
    assert_int_equal(pmtimer_init(&dom), -17);
    assert_non_null(irq.pmtimer);
    glue.timer_killed = false;
    pmtimer_destroy(&dom);
    assert_true(glue.timer_killed);
    /* And destroy without init is harmless. */
    pmtimer_destroy(&dom);
    glue.register_rc = 0;
    assert_int_equal(pmtimer_init(&dom), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
#define G(f) cmocka_unit_test_setup_teardown(f, glue_setup, glue_teardown)
    const struct CMUnitTest tests[] = {
        T(test_timer_rate),
        T(test_timer_32bit_wrap),
        T(test_timer_byte_reads),
        T(test_tmr_sts_on_bit31_toggle),
        T(test_sci_needs_status_enable_and_sci_en),
        T(test_host_timer_for_next_toggle),
        T(test_write_one_to_clear),
        T(test_power_button),
        T(test_s5_powers_off),
        T(test_other_sleep_types_ignored),
        T(test_reserved_bits),
        T(test_dword_accesses),
        G(test_glue_ports_and_timer),
        G(test_glue_sci_on_irq9),
        G(test_glue_s5_shuts_the_domain_down),
        G(test_glue_power_button),
        G(test_glue_destroy_after_failed_init),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
