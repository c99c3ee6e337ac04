/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated local APIC (see hv/vlapic.h). Register offsets and semantics: Intel SDM
 * vol. 3, chapter 11; x2APIC: 11.12. The register page is kept as the hardware lays it
 * out (regs[offset / 4]), so the MMIO view is a plain read; the 256-bit IRR, ISR and
 * TMR are eight 32-bit registers 16 bytes apart.
 */
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/time.h>
#include <hv/vlapic.h>
#include <public/arch-x86/platform.h>

#define APIC_ID      0x020
#define APIC_LVR     0x030
#define APIC_TPR     0x080
#define APIC_APR     0x090
#define APIC_PPR     0x0a0
#define APIC_EOI     0x0b0
#define APIC_RRD     0x0c0
#define APIC_LDR     0x0d0
#define APIC_DFR     0x0e0
#define APIC_SVR     0x0f0
#define APIC_ISR     0x100
#define APIC_TMR     0x180
#define APIC_IRR     0x200
#define APIC_ESR     0x280
#define APIC_CMCI    0x2f0
#define APIC_ICR     0x300
#define APIC_ICR2    0x310
#define APIC_LVTT    0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC   0x340
#define APIC_LVT0    0x350
#define APIC_LVT1    0x360
#define APIC_LVTERR  0x370
#define APIC_TMICT   0x380
#define APIC_TMCCT   0x390
#define APIC_TDCR    0x3e0
#define APIC_SELF_IPI 0x3f0  /* x2APIC only */

#define VERSION      0x14
#define MAX_LVT      5       /* six LVT entries: timer, thermal, perf, LINT0/1, error */

#define SVR_ENABLE   (1u << 8)
#define LVT_MASKED   (1u << 16)
#define LVT_MODE(v)  (((v) >> 8) & 7)
#define LVT_LEVEL    (1u << 15)
#define LVTT_MODE(v) (((v) >> 17) & 3)
#define LVTT_ONESHOT  0
#define LVTT_PERIODIC 1
#define LVTT_TSCDL    2

#define ICR_VECTOR(v)    ((v) & 0xff)
#define ICR_MODE(v)      (((v) >> 8) & 7)
#define ICR_LOGICAL      (1u << 11)
#define ICR_ASSERT       (1u << 14)
#define ICR_LEVEL        (1u << 15)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)

#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG  (1u << 7)

#define MSR_APIC_BASE    0x0000001b
#define MSR_TSC_DEADLINE 0x000006e0
#define MSR_X2APIC_FIRST 0x00000800
#define MSR_X2APIC_LAST  0x000008ff

/* Writable bits of each LVT entry (SDM figure 11-8; delivery status, bit 12, is
 * read-only in all of them). */
static const struct {
    u32 off, mask;
} lvts[] = {
    { APIC_LVTT, 0x000700ff }, { APIC_LVTTHMR, 0x000107ff }, { APIC_LVTPC, 0x000107ff },
    { APIC_LVT0, 0x0001a7ff }, { APIC_LVT1, 0x0001a7ff }, { APIC_LVTERR, 0x000100ff },
};

static u32 reg(const struct vlapic *l, u32 off)
{
    return l->regs[off / 4];
}

static void set_reg(struct vlapic *l, u32 off, u32 val)
{
    l->regs[off / 4] = val;
}

/* ---- the 256-bit vectors ---- */

static u32 *vec_word(struct vlapic *l, u32 base, u8 v)
{
    return &l->regs[(base + (v / 32) * 0x10) / 4];
}

static void vec_set(struct vlapic *l, u32 base, u8 v)
{
    __atomic_fetch_or(vec_word(l, base, v), 1u << (v % 32), __ATOMIC_SEQ_CST);
}

static void vec_clear(struct vlapic *l, u32 base, u8 v)
{
    __atomic_fetch_and(vec_word(l, base, v), ~(1u << (v % 32)), __ATOMIC_SEQ_CST);
}

static bool vec_test(const struct vlapic *l, u32 base, u8 v)
{
    return __atomic_load_n(&l->regs[(base + (v / 32) * 0x10) / 4], __ATOMIC_SEQ_CST) &
           (1u << (v % 32));
}

/* The highest vector set, or -1. */
static int vec_highest(const struct vlapic *l, u32 base)
{
    for (int w = 7; w >= 0; w--) {
        u32 bits = __atomic_load_n(&l->regs[(base + w * 0x10) / 4], __ATOMIC_SEQ_CST);
        if (bits)
            return w * 32 + 31 - __builtin_clz(bits);
    }
    return -1;
}

/* ---- state ---- */

bool vlapic_hw_enabled(const struct vlapic *l)
{
    return l->base_msr & VLAPIC_BASE_EN;
}

bool vlapic_x2apic(const struct vlapic *l)
{
    return (l->base_msr & (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) ==
           (VLAPIC_BASE_EN | VLAPIC_BASE_EXTD);
}

bool vlapic_sw_enabled(const struct vlapic *l)
{
    return vlapic_hw_enabled(l) && (reg(l, APIC_SVR) & SVR_ENABLE);
}

/* PPR: the higher of TPR and the in-service priority class (SDM 11.8.3.1). */
u8 vlapic_ppr(const struct vlapic *l)
{
    u32 tpr = reg(l, APIC_TPR) & 0xff;
    int isrv = vec_highest(l, APIC_ISR);
    u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

    return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

int vlapic_pending(const struct vlapic *l)
{
    int irr = vec_highest(l, APIC_IRR);

    if (irr < 0 || !vlapic_sw_enabled(l))
        return -1;
    return ((u32)irr & 0xf0) > (vlapic_ppr(l) & 0xf0) ? irr : -1;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
    vec_clear(l, APIC_IRR, vector);
    vec_set(l, APIC_ISR, vector);
}

static void error(struct vlapic *l, u32 bits)
{
    u32 lvt = reg(l, APIC_LVTERR);

    l->esr_pending |= bits;
    if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16) {
        vec_set(l, APIC_IRR, lvt & 0xff);
        vec_clear(l, APIC_TMR, lvt & 0xff);
        l->ops->kick(l->ctx);
    }
}

void vlapic_set_irq(struct vlapic *l, u8 vector, bool level)
{
    if (!vlapic_hw_enabled(l))
        return;
    if (vector < 16) {
        error(l, ESR_RECV_ILLEGAL); /* vectors 0-15 are reserved (SDM 11.5.2) */
        return;
    }
    if (level)
        vec_set(l, APIC_TMR, vector);
    else
        vec_clear(l, APIC_TMR, vector);
    vec_set(l, APIC_IRR, vector);
    l->ops->kick(l->ctx);
}

bool vlapic_accepts_extint(const struct vlapic *l)
{
    u32 lvt0 = reg(l, APIC_LVT0);

    if (!vlapic_hw_enabled(l))
        return true; /* no APIC in the way: the 8259's INT goes to the CPU's INTR pin */
    return vlapic_sw_enabled(l) && !(lvt0 & LVT_MASKED) && LVT_MODE(lvt0) == APIC_MODE_EXTINT;
}

/* ---- the timer ---- */

static unsigned int divisor(const struct vlapic *l)
{
    u32 d = reg(l, APIC_TDCR);
    unsigned int n = ((d >> 1) & 4) | (d & 3); /* bits 3, 1, 0 */

    return n == 7 ? 1 : 2u << n;
}

static s_time_t ticks_to_ns(const struct vlapic *l, u64 ticks)
{
    /* PLATFORM_APIC_TIMER_HZ is 1 GHz: a tick of the undivided clock is 1 ns. */
    return (s_time_t)(ticks * divisor(l) * (1000000000ULL / PLATFORM_APIC_TIMER_HZ));
}

static void timer_stop(struct vlapic *l)
{
    l->timer_deadline = 0;
    l->ops->set_timer(l->ctx, 0);
}

static void timer_start_count(struct vlapic *l)
{
    u32 count = reg(l, APIC_TMICT);

    if (LVTT_MODE(reg(l, APIC_LVTT)) == LVTT_TSCDL || count == 0) {
        timer_stop(l);
        return;
    }
    l->timer_period = ticks_to_ns(l, count);
    l->timer_deadline = l->ops->now(l->ctx) + l->timer_period;
    l->ops->set_timer(l->ctx, l->timer_deadline);
}

static u32 current_count(const struct vlapic *l)
{
    u32 mode = LVTT_MODE(reg(l, APIC_LVTT));
    s_time_t now, left;

    if (!l->timer_deadline || mode == LVTT_TSCDL)
        return 0;
    now = l->ops->now(l->ctx);
    left = l->timer_deadline - now;
    /* A periodic count reloads the moment it reaches 0, whether or not the host
     * timer has run the expiry yet (it may be late): it never reads 0 for long. Its
     * reloads fall whole periods before and after the deadline, which the floor on
     * interrupts (vlapic_timer_expired) may put several periods ahead. */
    if (mode == LVTT_PERIODIC && l->timer_period > 0) {
        if (left <= 0)
            left = l->timer_period - (-left) % l->timer_period;
        else if (left > l->timer_period)
            left = (left - 1) % l->timer_period + 1;
    }
    if (left <= 0)
        return 0;
    return (u32)((u64)left / (divisor(l) * (1000000000ULL / PLATFORM_APIC_TIMER_HZ)));
}

/*
 * Expiry. A periodic timer whose vCPU did not run for several periods (or whose
 * host timer fired late) delivers ONE interrupt and skips to the next period in the
 * future: missed ticks are not queued up (Xen's "no_missed_ticks_pending" policy;
 * guests keep time from the TSC, so a burst of stale ticks would only make them
 * busier). The reloads within PERIODIC_TIMER_MIN_NS of the one delivered count as
 * missed too (hv/time.h): a period shorter than that interrupts every few periods,
 * at 10 kHz at most.
 */
void vlapic_timer_expired(struct vlapic *l)
{
    u32 lvt = reg(l, APIC_LVTT);
    s_time_t now = l->ops->now(l->ctx), target;

    if (!l->timer_deadline || now < l->timer_deadline) {
        if (l->timer_deadline)
            l->ops->set_timer(l->ctx, l->timer_deadline); /* early: re-arm */
        return;
    }
    if (!(lvt & LVT_MASKED) && vlapic_sw_enabled(l))
        vlapic_set_irq(l, lvt & 0xff, false);
    switch (LVTT_MODE(lvt)) {
    case LVTT_PERIODIC:
        if (l->timer_period <= 0) {
            timer_stop(l);
            break;
        }
        /* The first reload after both now and the floor (deadline <= now here). */
        target = max(now, l->timer_deadline + PERIODIC_TIMER_MIN_NS - 1);
        l->timer_deadline += ((target - l->timer_deadline) / l->timer_period + 1) *
                             l->timer_period;
        l->ops->set_timer(l->ctx, l->timer_deadline);
        break;
    case LVTT_TSCDL:
        l->tsc_deadline = 0; /* a TSC deadline fires once and reads 0 after (SDM 11.5.4.1) */
        l->timer_deadline = 0;
        break;
    default:
        l->timer_deadline = 0;
        break;
    }
}

static void write_tsc_deadline(struct vlapic *l, u64 tsc)
{
    l->tsc_deadline = tsc;
    if (LVTT_MODE(reg(l, APIC_LVTT)) != LVTT_TSCDL || !tsc) {
        if (LVTT_MODE(reg(l, APIC_LVTT)) == LVTT_TSCDL)
            timer_stop(l);
        return;
    }
    l->timer_deadline = l->ops->tsc_to_time(l->ctx, tsc);
    if (l->timer_deadline <= 0)
        l->timer_deadline = 1;
    l->ops->set_timer(l->ctx, l->timer_deadline);
}

/*
 * "Transitions between TSC-deadline mode and other timer modes also disarm the timer"
 * (SDM 11.5.4.1). Between one-shot and periodic nothing is disarmed: the count runs on
 * and the new mode decides what happens when it reaches 0 (a periodic one reloads, a
 * one-shot stops), as on the hardware and in the other virtual APICs.
 */
static void write_lvtt(struct vlapic *l, u32 val)
{
    u32 old_mode = LVTT_MODE(reg(l, APIC_LVTT));
    s_time_t left;

    set_reg(l, APIC_LVTT, val & lvts[0].mask);
    if ((LVTT_MODE(val) == LVTT_TSCDL) != (old_mode == LVTT_TSCDL)) {
        timer_stop(l);
        set_reg(l, APIC_TMICT, 0);
        l->tsc_deadline = 0;
        return;
    }
    /* Periodic to one-shot: the count stops at its next zero, which the floor on
     * periodic interrupts may have put whole periods before the armed deadline. */
    if (old_mode == LVTT_PERIODIC && LVTT_MODE(val) == LVTT_ONESHOT &&
        l->timer_deadline && l->timer_period > 0) {
        left = l->timer_deadline - l->ops->now(l->ctx);
        if (left > l->timer_period) {
            l->timer_deadline -= (left - 1) / l->timer_period * l->timer_period;
            l->ops->set_timer(l->ctx, l->timer_deadline);
        }
    }
}

/* ---- interrupts out ---- */

static void send_icr(struct vlapic *l, u32 low, u32 dest)
{
    struct apic_msg m = {
        .dest = dest,
        .logical = low & ICR_LOGICAL,
        .mode = ICR_MODE(low),
        .vector = ICR_VECTOR(low),
        .level = low & ICR_LEVEL,
    };
    unsigned int shorthand = ICR_SHORTHAND(low);

    /* An INIT level de-assert only synchronised arbitration IDs on old P6 parts. */
    if (m.mode == APIC_MODE_INIT && (low & ICR_LEVEL) && !(low & ICR_ASSERT))
        return;
    if ((m.mode == APIC_MODE_FIXED || m.mode == APIC_MODE_LOWEST) && m.vector < 16) {
        error(l, ESR_SEND_ILLEGAL);
        return;
    }
    if (shorthand == APIC_SHORTHAND_SELF && m.mode == APIC_MODE_FIXED) {
        vlapic_set_irq(l, m.vector, m.level);
        return;
    }
    l->ops->send_ipi(l->ctx, &m, shorthand);
}

static void do_eoi(struct vlapic *l)
{
    int v = vec_highest(l, APIC_ISR);

    if (v < 0)
        return;
    vec_clear(l, APIC_ISR, v);
    if (vec_test(l, APIC_TMR, v))
        l->ops->eoi_level(l->ctx, v);
    l->ops->kick(l->ctx); /* a lower-priority vector may be deliverable now */
}

/* ---- register access (shared by the MMIO and MSR views) ---- */

static u32 logical_id_x2apic(u32 id)
{
    return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static u32 read_reg(struct vlapic *l, u32 off)
{
    switch (off) {
    case APIC_ID:
        return vlapic_x2apic(l) ? l->id : reg(l, APIC_ID);
    case APIC_PPR:
        return vlapic_ppr(l);
    case APIC_TMCCT:
        return current_count(l);
    case APIC_LDR:
        return vlapic_x2apic(l) ? logical_id_x2apic(l->id) : reg(l, APIC_LDR);
    case APIC_EOI:
        return 0;
    default:
        return reg(l, off);
    }
}

/* SVR (SDM figure 11-23): the vector, the enable and focus checking. Bit 12, EOI-
 * broadcast suppression, is reserved: the version register does not offer it (bit 24
 * clear, 11.4.8 and 11.8.5). */
static void write_svr(struct vlapic *l, u32 val)
{
    set_reg(l, APIC_SVR, val & 0x3ff);
    if (!(val & SVR_ENABLE)) {
        /* Software-disabled: every LVT entry masked (SDM 11.4.7.2). */
        for (unsigned int i = 0; i < ARRAY_SIZE(lvts); i++)
            set_reg(l, lvts[i].off, reg(l, lvts[i].off) | LVT_MASKED);
        timer_stop(l);
    }
}

/* 0, or -EPERM for a read-only or reserved register (x2APIC gives #GP for those). */
static int write_reg(struct vlapic *l, u32 off, u32 val)
{
    switch (off) {
    case APIC_ID:
        if (vlapic_x2apic(l))
            return -EPERM;
        set_reg(l, APIC_ID, val & 0xff000000);
        return 0;
    case APIC_TPR:
        set_reg(l, APIC_TPR, val & 0xff);
        l->ops->kick(l->ctx);
        return 0;
    case APIC_EOI:
        do_eoi(l);
        return 0;
    case APIC_LDR:
        if (vlapic_x2apic(l))
            return -EPERM;
        set_reg(l, APIC_LDR, val & 0xff000000);
        return 0;
    case APIC_DFR:
        if (vlapic_x2apic(l))
            return -EPERM;
        set_reg(l, APIC_DFR, val | 0x0fffffff);
        return 0;
    case APIC_SVR:
        write_svr(l, val);
        return 0;
    case APIC_ESR:
        /* A write latches the errors since the last one into the register. */
        set_reg(l, APIC_ESR, l->esr_pending);
        l->esr_pending = 0;
        return 0;
    case APIC_ICR:
        set_reg(l, APIC_ICR, val & ~(1u << 12)); /* delivery status: always idle */
        send_icr(l, val, vlapic_x2apic(l) ? reg(l, APIC_ICR2) : reg(l, APIC_ICR2) >> 24);
        return 0;
    case APIC_ICR2:
        if (vlapic_x2apic(l))
            return -EPERM;
        set_reg(l, APIC_ICR2, val & 0xff000000);
        return 0;
    case APIC_LVTT:
        write_lvtt(l, vlapic_sw_enabled(l) ? val : val | LVT_MASKED);
        return 0;
    case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0: case APIC_LVT1: case APIC_LVTERR:
        for (unsigned int i = 1; i < ARRAY_SIZE(lvts); i++)
            if (lvts[i].off == off)
                set_reg(l, off, (vlapic_sw_enabled(l) ? val : val | LVT_MASKED) &
                                    lvts[i].mask);
        l->ops->kick(l->ctx); /* LINT0 may now let the 8259's INT through */
        return 0;
    case APIC_TMICT:
        /* "In TSC-deadline mode, writes to the initial-count register are ignored"
         * (SDM 11.5.4.1). */
        if (LVTT_MODE(reg(l, APIC_LVTT)) == LVTT_TSCDL)
            return 0;
        set_reg(l, APIC_TMICT, val);
        timer_start_count(l);
        return 0;
    case APIC_TDCR:
        set_reg(l, APIC_TDCR, val & 0xb);
        return 0;
    case APIC_SELF_IPI:
        if (!vlapic_x2apic(l))
            return -EPERM;
        vlapic_set_irq(l, val & 0xff, false);
        return 0;
    case APIC_CMCI:
        return 0;
    default:
        return -EPERM; /* read-only or reserved */
    }
}

u32 vlapic_mmio_read(struct vlapic *l, u32 off)
{
    if (vlapic_x2apic(l) || off >= 0x400 || (off & 0xf))
        return 0; /* in x2APIC mode the MMIO page does not decode */
    return read_reg(l, off);
}

void vlapic_mmio_write(struct vlapic *l, u32 off, u32 val)
{
    if (vlapic_x2apic(l) || off >= 0x400 || (off & 0xf) || off == APIC_SELF_IPI)
        return;
    if (write_reg(l, off, val) && off != APIC_ID)
        error(l, ESR_ILLEGAL_REG);
}

/* ---- MSRs ---- */

bool vlapic_msr_is_apic(u32 msr)
{
    return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
           (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

static int write_base(struct vlapic *l, u64 val)
{
    u64 old = l->base_msr;
    bool was_x2 = vlapic_x2apic(l), en = val & VLAPIC_BASE_EN, x2 = val & VLAPIC_BASE_EXTD;

    /* The base stays where the platform put it; the BSP flag is read-only; only the
     * legal transitions of SDM 11.12.5 (figure 11-27). */
    if ((val & ~(VLAPIC_BASE_BSP | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)) != PLATFORM_LAPIC_BASE)
        return -EPERM;
    if ((x2 && !en) || (was_x2 && en && !x2))
        return -EPERM;
    /* "From the disabled state, the only valid x2APIC transition ... is to the xAPIC
     * mode" (SDM 11.12.5.1, figure 11-27). */
    if (!(old & VLAPIC_BASE_EN) && x2)
        return -EPERM;
    l->base_msr = (old & VLAPIC_BASE_BSP) | PLATFORM_LAPIC_BASE |
                  (en ? VLAPIC_BASE_EN : 0) | (x2 ? VLAPIC_BASE_EXTD : 0);
    if (!en && (old & VLAPIC_BASE_EN))
        vlapic_reset(l); /* globally disabled: back to the power-up state */
    else if (x2 && !was_x2)
        set_reg(l, APIC_ICR2, 0);
    return 0;
}

int vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val)
{
    u32 off = (msr - MSR_X2APIC_FIRST) << 4;

    if (msr == MSR_APIC_BASE) {
        *val = l->base_msr;
        return 0;
    }
    if (msr == MSR_TSC_DEADLINE) {
        *val = LVTT_MODE(reg(l, APIC_LVTT)) == LVTT_TSCDL ? l->tsc_deadline : 0;
        return 0;
    }
    if (!vlapic_x2apic(l) || off == APIC_EOI || off == APIC_SELF_IPI || off == APIC_DFR ||
        off == APIC_ICR2 || off == APIC_RRD || off == APIC_APR)
        return -EPERM;
    if (off == APIC_ICR) {
        *val = ((u64)reg(l, APIC_ICR2) << 32) | reg(l, APIC_ICR);
        return 0;
    }
    /* Reserved MSRs of the range give #GP too (SDM 11.12.1.2, table 11-6): 0x800-0x801,
     * 0x804-0x807, 0x829-0x82e, 0x83a-0x83d and from 0x840. */
    if (off >= 0x400 || off < APIC_ID || (off > APIC_LVR && off < APIC_TPR) ||
        (off > APIC_ESR && off < APIC_CMCI) || (off > APIC_TMCCT && off != APIC_TDCR))
        return -EPERM;
    *val = read_reg(l, off);
    return 0;
}

int vlapic_msr_write(struct vlapic *l, u32 msr, u64 val)
{
    u32 off = (msr - MSR_X2APIC_FIRST) << 4;

    if (msr == MSR_APIC_BASE)
        return write_base(l, val);
    if (msr == MSR_TSC_DEADLINE) {
        write_tsc_deadline(l, val);
        return 0;
    }
    if (!vlapic_x2apic(l))
        return -EPERM;
    /* x2APIC: reserved bits set give #GP; ICR is one 64-bit register (11.12.9). */
    if (off == APIC_ICR) {
        set_reg(l, APIC_ICR2, val >> 32);
        return write_reg(l, APIC_ICR, (u32)val);
    }
    if (val >> 32)
        return -EPERM;
    /* Only 0 may be written to EOI and ESR (SDM 11.5.3; table 11-6). */
    if ((off == APIC_EOI || off == APIC_ESR) && val)
        return -EPERM;
    return write_reg(l, off, val);
}

/* ---- delivery ---- */

bool vlapic_match_dest(const struct vlapic *l, u32 dest, bool logical)
{
    if (!vlapic_hw_enabled(l))
        return false;
    if (vlapic_x2apic(l)) {
        u32 ldr = logical_id_x2apic(l->id);
        if (dest == 0xffffffff)
            return true;
        if (!logical)
            return dest == l->id;
        return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
    }
    dest &= 0xff;
    if (dest == 0xff)
        return true;
    if (!logical)
        return dest == reg(l, APIC_ID) >> 24;
    if ((reg(l, APIC_DFR) >> 28) == 0xf) /* flat model */
        return (reg(l, APIC_LDR) >> 24) & dest;
    /* cluster model: cluster in the top nibble, members in the low one */
    return (reg(l, APIC_LDR) >> 28) == (dest >> 4) && ((reg(l, APIC_LDR) >> 24) & dest & 0xf);
}

/* ---- reset ---- */

void vlapic_reset(struct vlapic *l)
{
    /* INIT leaves the APIC ID register as software may have set it (SDM 11.4.7.3;
     * 11.4.6: the xAPIC ID is writable); vlapic_init() sets the first one. */
    u32 id_reg = reg(l, APIC_ID);

    timer_stop(l);
    memset(l->regs, 0, sizeof(l->regs));
    set_reg(l, APIC_ID, id_reg);
    set_reg(l, APIC_LVR, VERSION | (MAX_LVT << 16));
    set_reg(l, APIC_DFR, 0xffffffff);
    set_reg(l, APIC_SVR, 0xff);
    for (unsigned int i = 0; i < ARRAY_SIZE(lvts); i++)
        set_reg(l, lvts[i].off, LVT_MASKED);
    l->tsc_deadline = 0;
    l->esr_pending = 0;
}

void vlapic_init(struct vlapic *l, u32 id, bool bsp, const struct vlapic_ops *ops,
                 void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->id = id;
    l->ops = ops;
    l->ctx = ctx;
    l->base_msr = PLATFORM_LAPIC_BASE | VLAPIC_BASE_EN | (bsp ? VLAPIC_BASE_BSP : 0);
    set_reg(l, APIC_ID, id << 24);
    vlapic_reset(l);
}
