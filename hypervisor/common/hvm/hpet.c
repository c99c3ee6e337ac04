/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HPET (see hv/hpet.h). Section numbers: IA-PC HPET specification 1.0a.
 *
 * The main counter is a function of time while it runs, counter + ticks(now - start),
 * so reading it costs nothing and no host timer ticks along with it. Each timer keeps
 * its next event both as a main-counter value and as the system time the counter
 * reaches it. One host timer is set for the earliest event that changes a line; the
 * others (interrupt disabled, or a level-triggered status bit already set) are
 * caught up at the next register access, so a guest reading a periodic comparator
 * or the status register sees what the hardware would show.
 *
 * Missed events: a timer whose events passed while the host was busy (its host timer
 * fired late, or only a register access noticed) delivers ONE interrupt, and a
 * periodic timer's comparator moves on to the next period in the future: missed
 * ticks are not queued up (Xen's "no_missed_ticks_pending" policy, as the local APIC
 * timer in hvm/vlapic.c). A periodic timer's matches within PERIODIC_TIMER_MIN_NS of
 * the one delivered are missed ticks too (hv/time.h): a guest asking for a period
 * shorter than that gets an interrupt every few periods, at 10 kHz at most, and the
 * comparator moves on by whole periods as it does for any missed ticks.
 *
 * Not implemented: FSB (MSI) delivery (Tn_FSB_INT_DEL_CAP is 0; the FSB route
 * registers read 0).
 */
#include <hv/hpet.h>
#include <hv/lib.h>
#include <hv/time.h>
#include <public/arch-x86/platform.h>

/* The registers (2.3.3), 64 bits each. */
#define HPET_ID          0x000
#define HPET_CFG         0x010
#define HPET_STATUS      0x020
#define HPET_COUNTER     0x0f0
#define HPET_TN(n)       (0x100 + 0x20 * (n))
#define HPET_TN_CFG      0x00       /* offsets in a timer's block */
#define HPET_TN_CMP      0x08
#define HPET_TN_FSB      0x10

/* General capabilities and ID (2.3.4). */
#define ID_REV_ID        0x01ULL
#define ID_NUM_TIM_SHIFT 8
#define ID_COUNT_SIZE    (1ULL << 13)       /* a 64-bit main counter */
#define ID_LEG_RT_CAP    (1ULL << 15)
#define ID_VENDOR_SHIFT  16
#define ID_VENDOR_INTEL  0x8086ULL
#define ID_PERIOD_SHIFT  32
#define FS_PER_SEC       1000000000000000ULL
#define PERIOD_FS        (FS_PER_SEC / PLATFORM_HPET_HZ)
#define PERIOD_FS_MAX    0x05f5e100ULL      /* 100 ns */

/* General configuration (2.3.5). */
#define CFG_ENABLE       (1ULL << 0)
#define CFG_LEGACY       (1ULL << 1)
#define CFG_WRITABLE     (CFG_ENABLE | CFG_LEGACY)

/* Timer n configuration and capabilities (2.3.8). */
#define TN_INT_LEVEL     (1ULL << 1)
#define TN_INT_ENB       (1ULL << 2)
#define TN_PERIODIC      (1ULL << 3)
#define TN_PER_INT_CAP   (1ULL << 4)
#define TN_SIZE_CAP      (1ULL << 5)        /* a 64-bit comparator */
#define TN_VAL_SET       (1ULL << 6)
#define TN_32MODE        (1ULL << 8)
#define TN_ROUTE_SHIFT   9
#define TN_ROUTE_MASK    (0x1fULL << TN_ROUTE_SHIFT)
#define TN_ROUTE(c)      ((unsigned int)(((c) & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT))
#define TN_ROUTE_CAP_SHIFT 32
#define TN_WRITABLE      (TN_INT_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | \
                          TN_32MODE | TN_ROUTE_MASK)

/* Which IO-APIC pins a timer may use: 20-23, as Xen's and QEMU's HPETs offer. */
#define ROUTE_CAP        0x00f00000u
#define PERIODIC_TIMER   0                  /* the one with Tn_PER_INT_CAP */

/* The legacy replacement route (2.3.9.1): timer 0 on IRQ0, timer 1 on IRQ8. */
#define LEGACY_TIMERS    2
static const u8 legacy_irq[LEGACY_TIMERS] = { 0, 8 };

#define U32_MASK         0xffffffffULL
/* How far behind the counter a comparator written late still matches at once: 1 ms
 * (see late_comparator). */
#define LATE_WRITE_TICKS (PLATFORM_HPET_HZ / 1000)
/* Events further away than this (~146 years) are never. */
#define MAX_EVENT_NS     (1LL << 62)
/* The floor on periodic interrupts in counter ticks, rounded up. */
#define MIN_PERIOD_TICKS DIV_ROUND_UP((u64)PERIODIC_TIMER_MIN_NS * PLATFORM_HPET_HZ, \
                                      NSEC_PER_SEC)

BUILD_BUG_ON(FS_PER_SEC % PLATFORM_HPET_HZ != 0);
BUILD_BUG_ON(PERIOD_FS == 0 || PERIOD_FS > PERIOD_FS_MAX);
BUILD_BUG_ON(PLATFORM_HPET_HZ >= NSEC_PER_SEC);     /* ns_to_ticks, ticks_to_ns_ceil */
BUILD_BUG_ON((ROUTE_CAP & ((1u << PLATFORM_ISA_IRQS) - 1)) != 0); /* no ISA pins */
BUILD_BUG_ON(PLATFORM_IOAPIC_PINS < 32);          /* every route is a pin */
BUILD_BUG_ON(HPET_TN(HPET_TIMERS) > HPET_REGS_SIZE);

/* ---- time ---- */

/* The running time after which the counter has advanced `ticks`: the exact inverse
 * of the counter's ns_to_ticks (rounded up), or -1 beyond MAX_EVENT_NS. */
static s_time_t ticks_to_ns(u64 ticks)
{
    if (ticks / PLATFORM_HPET_HZ >= (u64)MAX_EVENT_NS / NSEC_PER_SEC)
        return -1;
    return (s_time_t)ticks_to_ns_ceil(ticks, PLATFORM_HPET_HZ);
}

static bool running(const struct hpet *h)
{
    return h->config & CFG_ENABLE;
}

static u64 counter_at(const struct hpet *h, s_time_t now)
{
    if (!running(h) || now <= h->start)
        return h->counter;
    return h->counter + ns_to_ticks(now - h->start, PLATFORM_HPET_HZ);
}

/* ---- lines ---- */

static bool legacy_route(const struct hpet *h)
{
    /* Both ENABLE_CNF and LEG_RT_CNF (2.3.5): a halted HPET routes nothing. */
    return (h->config & (CFG_ENABLE | CFG_LEGACY)) == (CFG_ENABLE | CFG_LEGACY);
}

static bool route_allowed(unsigned int pin)
{
    return pin < 32 && (ROUTE_CAP & (1u << pin));
}

/* The line timer n drives now. */
static struct hpet_line route(const struct hpet *h, unsigned int n)
{
    unsigned int pin = TN_ROUTE(h->timers[n].config);

    if (n < LEGACY_TIMERS && legacy_route(h))
        return (struct hpet_line){ HPET_LINE_ISA, legacy_irq[n] };
    if (route_allowed(pin))
        return (struct hpet_line){ HPET_LINE_GSI, pin };
    return (struct hpet_line){ HPET_LINE_NONE, 0 };
}

static bool line_eq(struct hpet_line a, struct hpet_line b)
{
    return a.kind == b.kind && a.num == b.num;
}

/* Is `l` among the first `nr` lines of `set`? */
static bool line_in(const struct hpet_line *set, unsigned int nr, struct hpet_line l)
{
    for (unsigned int i = 0; i < nr; i++)
        if (line_eq(set[i], l))
            return true;
    return false;
}

/* Does some timer hold line `l` asserted? */
static bool line_held(const struct hpet *h, struct hpet_line l)
{
    for (unsigned int n = 0; n < HPET_TIMERS; n++)
        if (line_eq(h->timers[n].held, l))
            return true;
    return false;
}

/* A level-triggered timer asserts its line while its status bit is set, its
 * interrupt enabled and the HPET enabled (2.3.6, 2.3.8). */
static struct hpet_line line_wanted(const struct hpet *h, unsigned int n)
{
    u64 cfg = h->timers[n].config;

    if (running(h) && (cfg & TN_INT_LEVEL) && (cfg & TN_INT_ENB) && (h->isr & (1ULL << n)))
        return route(h, n);
    return (struct hpet_line){ HPET_LINE_NONE, 0 };
}

/*
 * Bring the lines in line with the state. Timers sharing a line drive it together
 * (a wired OR): a line goes low only when no timer holds it any more. The legacy
 * route is reported on before the HPET drives IRQ0 or IRQ8 and off after it lets go.
 */
static void update_lines(struct hpet *h)
{
    struct hpet_line old[HPET_TIMERS], want[HPET_TIMERS];
    bool legacy = legacy_route(h);

    for (unsigned int n = 0; n < HPET_TIMERS; n++) {
        old[n] = h->timers[n].held;
        want[n] = line_wanted(h, n);
    }
    if (legacy && !h->legacy) {
        h->legacy = true;
        h->ops->set_legacy(h->ctx, true);
    }
    for (unsigned int n = 0; n < HPET_TIMERS; n++)
        if (old[n].kind != HPET_LINE_NONE && !line_in(old, n, old[n]) &&
            !line_in(want, HPET_TIMERS, old[n]))
            h->ops->set_irq(h->ctx, old[n], false);
    for (unsigned int n = 0; n < HPET_TIMERS; n++) {
        if (want[n].kind != HPET_LINE_NONE && !line_in(want, n, want[n]) &&
            !line_in(old, HPET_TIMERS, want[n]))
            h->ops->set_irq(h->ctx, want[n], true);
        h->timers[n].held = want[n];
    }
    if (!legacy && h->legacy) {
        h->legacy = false;
        h->ops->set_legacy(h->ctx, false);
    }
}

/* Timer n's event: a level-triggered timer sets its status bit (its line follows in
 * update_lines), even with its interrupt disabled (2.3.8, Tn_INT_ENB_CNF); an
 * edge-triggered one pulses its line. */
static void fire(struct hpet *h, unsigned int n)
{
    u64 cfg = h->timers[n].config;
    struct hpet_line l;

    if (cfg & TN_INT_LEVEL) {
        h->isr |= 1ULL << n;
        return;
    }
    if (!(cfg & TN_INT_ENB))
        return;
    l = route(h, n);
    if (l.kind == HPET_LINE_NONE || line_held(h, l))
        return; /* a line another timer holds high shows no edge */
    h->ops->set_irq(h->ctx, l, true);
    h->ops->set_irq(h->ctx, l, false);
}

/* ---- events ---- */

static bool timer_32bit(const struct hpet_timer *t)
{
    return t->config & TN_32MODE;
}

static bool timer_periodic(const struct hpet_timer *t)
{
    return t->config & TN_PERIODIC;
}

/*
 * How many ticks after the counter value `from` the timer's next event is (0: at
 * `from`). The comparator matches the counter's low 32 bits in 32-bit mode; a
 * one-shot 32-bit timer also interrupts when those bits wrap to 0 (2.3.9.2.1).
 */
static u64 event_distance(const struct hpet_timer *t, u64 from)
{
    u64 mask = timer_32bit(t) ? U32_MASK : ~0ULL;
    u64 dist = (t->cmp - from) & mask;

    if (timer_32bit(t) && !timer_periodic(t)) {
        u64 wrap = (0 - from) & U32_MASK;
        if (wrap < dist)
            dist = wrap;
    }
    return dist;
}

/* Set the timer's next event `dist` ticks after the counter value `from` (the
 * counter running, `from` at or after its value at `start`). */
static void set_next(struct hpet *h, struct hpet_timer *t, u64 from, u64 dist)
{
    u64 base = from - h->counter;   /* ticks from `start` to `from` */
    s_time_t ns;

    t->armed = false;
    if (dist > ~0ULL - base)
        return;
    ns = ticks_to_ns(base + dist);
    if (ns < 0)
        return;
    t->next = from + dist;
    t->when = h->start + ns;
    t->armed = true;
}

/*
 * Recompute every timer's next event from its registers after a write: events at
 * or after the counter value `from`. Because due events were processed before the
 * write (catch_up), this changes nothing for a timer the write did not touch.
 */
static void arm_all(struct hpet *h, s_time_t now, bool restarted)
{
    u64 n_now = counter_at(h, now);
    /* A counter that just started (or was written) matches a comparator equal to
     * its value at once; otherwise that match was already taken. */
    u64 from = restarted ? n_now : n_now + 1;

    for (unsigned int n = 0; n < HPET_TIMERS; n++) {
        struct hpet_timer *t = &h->timers[n];
        if (running(h))
            set_next(h, t, from, event_distance(t, from));
        else
            t->armed = false;
    }
}

/* Deliver the events that are due at `now`: one interrupt per timer however many
 * passed; a periodic comparator moves past the counter, and at least MIN_PERIOD_TICKS
 * past the match delivered, by whole periods. */
static void catch_up(struct hpet *h, s_time_t now)
{
    u64 n_now;

    if (!running(h))
        return;
    n_now = counter_at(h, now);
    for (unsigned int n = 0; n < HPET_TIMERS; n++) {
        struct hpet_timer *t = &h->timers[n];
        if (!t->armed || now < t->when)
            continue;
        fire(h, n);
        if (timer_periodic(t) && t->period) {
            /* 2.3.9.2.2: the comparator grows by the last value written. Here
             * n_now >= t->next: the match is due. */
            u64 target = max(n_now, t->next + MIN_PERIOD_TICKS - 1);
            u64 periods = (target - t->next) / t->period + 1;
            u64 next = t->next + periods * t->period;
            t->cmp = next & (timer_32bit(t) ? U32_MASK : ~0ULL);
            set_next(h, t, n_now + 1, next - (n_now + 1));
        } else {
            set_next(h, t, n_now + 1, event_distance(t, n_now + 1));
        }
    }
}

/* Does timer n's next event change a line? Only those need the host timer. */
static bool event_visible(const struct hpet *h, unsigned int n)
{
    u64 cfg = h->timers[n].config;

    if (!(cfg & TN_INT_ENB) || route(h, n).kind == HPET_LINE_NONE)
        return false;
    return !(cfg & TN_INT_LEVEL) || !(h->isr & (1ULL << n));
}

static void set_host_timer(struct hpet *h)
{
    s_time_t deadline = 0;

    for (unsigned int n = 0; running(h) && n < HPET_TIMERS; n++) {
        const struct hpet_timer *t = &h->timers[n];
        s_time_t when = t->when > 0 ? t->when : 1; /* 0 means none */
        if (t->armed && event_visible(h, n) && (!deadline || when < deadline))
            deadline = when;
    }
    if (deadline != h->deadline) {
        h->deadline = deadline;
        h->ops->set_timer(h->ctx, deadline);
    }
}

/* After any access: lines, then the host timer. */
static void settle(struct hpet *h)
{
    update_lines(h);
    set_host_timer(h);
}

/* ---- registers ---- */

static u64 capabilities(void)
{
    return ID_REV_ID | (HPET_TIMERS - 1ULL) << ID_NUM_TIM_SHIFT | ID_COUNT_SIZE |
           ID_LEG_RT_CAP | ID_VENDOR_INTEL << ID_VENDOR_SHIFT |
           PERIOD_FS << ID_PERIOD_SHIFT;
}

static u64 timer_caps(unsigned int n)
{
    return (u64)ROUTE_CAP << TN_ROUTE_CAP_SHIFT | TN_SIZE_CAP |
           (n == PERIODIC_TIMER ? TN_PER_INT_CAP : 0);
}

static u64 merge(u64 old, u64 val, u64 mask)
{
    return (old & ~mask) | (val & mask);
}

static u64 read_reg(const struct hpet *h, u32 reg, s_time_t now)
{
    const struct hpet_timer *t;

    switch (reg) {
    case HPET_ID:      return capabilities();
    case HPET_CFG:     return h->config;
    case HPET_STATUS:  return h->isr;
    case HPET_COUNTER: return counter_at(h, now);
    }
    if (reg < HPET_TN(0) || reg >= HPET_TN(HPET_TIMERS))
        return 0; /* reserved */
    t = &h->timers[(reg - HPET_TN(0)) / 0x20];
    switch ((reg - HPET_TN(0)) % 0x20) {
    case HPET_TN_CFG: return t->config | timer_caps((reg - HPET_TN(0)) / 0x20);
    case HPET_TN_CMP: return t->cmp;
    default:          return 0; /* the FSB route (no FSB), reserved */
    }
}

/* GEN_CONF. Returns whether the counter started. */
static bool write_config(struct hpet *h, u64 val, u64 mask, s_time_t now)
{
    bool was_running = running(h);
    u64 n_now = counter_at(h, now);

    h->config = merge(h->config, val, mask & CFG_WRITABLE);
    if (was_running && !running(h))
        h->counter = n_now;         /* halts where it is */
    else if (!was_running && running(h))
        h->start = now;             /* counts on from its value */
    return !was_running && running(h);
}

/* MAIN_CNT: meant to be written while halted (2.3.7); a write while running takes
 * effect too, the counter going on from the new value. */
static void write_counter(struct hpet *h, u64 val, u64 mask, s_time_t now)
{
    h->counter = merge(counter_at(h, now), val, mask);
    h->start = now;
}

static void write_timer_config(struct hpet *h, unsigned int n, u64 val, u64 mask)
{
    struct hpet_timer *t = &h->timers[n];
    u64 writable = TN_WRITABLE & ~(n == PERIODIC_TIMER ? 0 : TN_PERIODIC);
    u64 cfg = merge(t->config, val, mask & writable);

    /* A route the timer does not offer is not taken: it reads back the old one
     * (2.3.8, Tn_INT_ROUTE_CNF). */
    if (!route_allowed(TN_ROUTE(cfg)))
        cfg = merge(cfg, t->config, TN_ROUTE_MASK);
    t->config = cfg;
    if (cfg & TN_32MODE) {
        t->cmp &= U32_MASK;
        t->period &= U32_MASK;
    }
    if (!(cfg & TN_INT_LEVEL))
        h->isr &= ~(1ULL << n); /* the status of edge-triggered timers is unused */
}

/*
 * Tn_COMPARATOR (2.3.9). One-shot: the value to match. Periodic: with Tn_VAL_SET_CNF
 * set, the value to match and the period; without it, the period only (the
 * accumulator goes on). Any write clears VAL_SET, so a guest sets a 64-bit
 * accumulator with 4-byte writes by setting VAL_SET before each half. Returns whether
 * the value to match changed.
 */
static bool write_comparator(struct hpet *h, unsigned int n, u64 val, u64 mask)
{
    struct hpet_timer *t = &h->timers[n];
    u64 old = t->cmp;
    bool set_cmp;

    if (timer_32bit(t)) {
        mask &= U32_MASK;       /* the upper half is not there */
        if (!mask)
            return false;
    }
    set_cmp = !timer_periodic(t) || (t->config & TN_VAL_SET);
    if (set_cmp)
        t->cmp = merge(t->cmp, val, mask);
    if (timer_periodic(t))
        t->period = merge(t->period, val, mask);
    t->config &= ~TN_VAL_SET;
    return set_cmp && t->cmp != old;
}

/*
 * A one-shot comparator written a little behind the running counter
 * (LATE_WRITE_TICKS at most) is due now, one interrupt, rather than after the counter
 * wraps round to it: the guest computed it from a counter value it read before, and
 * the time its exits took made it late; on hardware the write would have been in
 * time. Further behind, it waits for its match as the hardware's would. (Xen's HPET
 * takes the same view.)
 *
 * Only a write that changed the comparator: a 32-bit guest writes a 64-bit one in two
 * halves, and its CPU may be away between them past the match, which the low half's
 * value has had delivered already; the high half, the same as before, is no new match.
 *
 * Not a periodic accumulator: its VAL_SET write also sets the period (the last value
 * written, 2.3.9.2.2) until the guest writes the real one next, so a match taken now
 * would move the accumulator by the wrong period. Software halts the counter to
 * program one (Linux does); written behind a running counter, it waits for the
 * counter to come round, as on hardware.
 */
static void late_comparator(struct hpet *h, unsigned int n, s_time_t now)
{
    struct hpet_timer *t = &h->timers[n];
    u64 n_now = counter_at(h, now);
    u64 behind = (n_now - t->cmp) & (timer_32bit(t) ? U32_MASK : ~0ULL);

    if (!running(h) || timer_periodic(t) || behind > LATE_WRITE_TICKS)
        return;
    t->next = n_now - behind;
    t->when = now;
    t->armed = true;
}

u64 hpet_read(struct hpet *h, u32 off, unsigned int size)
{
    s_time_t now;
    u64 val;

    if ((size != 1 && size != 2 && size != 4 && size != 8) || (off & (size - 1)))
        return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
    now = h->ops->now(h->ctx);
    catch_up(h, now);
    val = read_reg(h, off & ~7u, now) >> (8 * (off & 7));
    settle(h);
    return size == 8 ? val : val & ((1ULL << (8 * size)) - 1);
}

void hpet_write(struct hpet *h, u32 off, unsigned int size, u64 val)
{
    u32 reg = off & ~7u;
    unsigned int shift = 8 * (off & 7);
    u64 mask = size == 8 ? ~0ULL : U32_MASK << shift;
    bool restarted = false, cmp_changed = false;
    unsigned int n = 0;
    s_time_t now;

    if ((size != 4 && size != 8) || (off & (size - 1)))
        return;
    val = size == 8 ? val : (val & U32_MASK) << shift;
    now = h->ops->now(h->ctx);
    catch_up(h, now);
    if (reg == HPET_CFG) {
        restarted = write_config(h, val, mask, now);
    } else if (reg == HPET_STATUS) {
        h->isr &= ~(val & mask);                /* write 1 to clear (2.3.6) */
    } else if (reg == HPET_COUNTER) {
        write_counter(h, val, mask, now);
        restarted = true;
    } else if (reg >= HPET_TN(0) && reg < HPET_TN(HPET_TIMERS)) {
        n = (reg - HPET_TN(0)) / 0x20;
        switch ((reg - HPET_TN(0)) % 0x20) {
        case HPET_TN_CFG: write_timer_config(h, n, val, mask); break;
        case HPET_TN_CMP: cmp_changed = write_comparator(h, n, val, mask); break;
        default: break; /* the FSB route (no FSB), reserved */
        }
    } /* else the ID register or reserved: read-only */
    arm_all(h, now, restarted);
    if (cmp_changed) {
        late_comparator(h, n, now);
        catch_up(h, now);
    }
    settle(h);
}

void hpet_timer_expired(struct hpet *h)
{
    h->deadline = 0; /* spent */
    catch_up(h, h->ops->now(h->ctx));
    settle(h);
}

void hpet_init(struct hpet *h, const struct hpet_ops *ops, void *ctx)
{
    memset(h, 0, sizeof(*h));
    h->ops = ops;
    h->ctx = ctx;
    for (unsigned int n = 0; n < HPET_TIMERS; n++)
        h->timers[n].cmp = ~0ULL; /* the comparators' reset value (2.3.9) */
}
