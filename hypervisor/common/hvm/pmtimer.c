/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ACPI PM1 block and PM timer (see hv/pmtimer.h). Section numbers: ACPI 6.4.
 * Two parts: the chip (pm1_*, a pure state machine) and, at the end, its glue to a
 * domain (pmtimer_*).
 *
 * PM_TMR is a function of time, so no host timer ticks with it. TMR_STS is set when
 * its bit 31 toggles (4.8.3.3); those toggles are counted at every access, and a host
 * timer is set for the next one only when it would raise the SCI.
 *
 * Implemented status events: TMR_STS and PWRBTN_STS (pm1_power_button). The other
 * enable bits (GBL_EN, SLPBTN_EN, RTC_EN, PCIEXP_WAKE_DIS) read back what was
 * written, so an OS that checks them finds them, but nothing sets their status.
 * Sleep: S5 only; other sleep types are logged and ignored.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/pmtimer.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <public/arch-x86/platform.h>

/* Offsets in the block (hv/pmtimer.h). */
#define PM1_STS         (PLATFORM_PM1_STS - PLATFORM_PM1_BASE)
#define PM1_EN          (PLATFORM_PM1_EN - PLATFORM_PM1_BASE)
#define PM1_CNT         (PLATFORM_PM1_CNT - PLATFORM_PM1_BASE)
#define PM_TMR          (PLATFORM_PM_TIMER - PLATFORM_PM1_BASE)

/* PM1 status and enable bits (4.8.4.1, tables 4.16 and 4.17): a status bit and its
 * enable share their position. */
#define PM1_TMR         (1u << 0)
#define PM1_BM_STS      (1u << 4)
#define PM1_GBL         (1u << 5)
#define PM1_PWRBTN      (1u << 8)
#define PM1_SLPBTN      (1u << 9)
#define PM1_RTC         (1u << 10)
#define PM1_PCIEXP_WAKE (1u << 14)
#define PM1_WAK_STS     (1u << 15)
#define STS_BITS        (PM1_TMR | PM1_BM_STS | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | \
                         PM1_RTC | PM1_PCIEXP_WAKE | PM1_WAK_STS)
#define EN_BITS         (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | \
                         PM1_PCIEXP_WAKE)
/* The events that raise the SCI (PCIEXP_WAKE_DIS is a disable, WAK_STS no event). */
#define SCI_EVENTS      (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)

/* PM1 control (4.8.4.2.1, table 4.18). */
#define CNT_SCI_EN      (1u << 0)
#define CNT_BM_RLD      (1u << 1)
#define CNT_SLP_TYP_SHIFT 10
#define CNT_SLP_TYP     (7u << CNT_SLP_TYP_SHIFT)
#define CNT_SLP_EN      (1u << 13)      /* write-only */
#define CNT_BITS        (CNT_SCI_EN | CNT_BM_RLD | CNT_SLP_TYP)

#define TMR_MSB_SHIFT   31              /* TMR_VAL_EXT: a 32-bit timer */

BUILD_BUG_ON(PM1_STS != 0 || PM1_EN != 2 || PM1_CNT != 4 || PM_TMR != 8);
BUILD_BUG_ON(PM_TMR + 4 != PM1_BLOCK_LEN);
BUILD_BUG_ON(PLATFORM_PM_TIMER_HZ >= NSEC_PER_SEC);    /* ns_to_ticks, ticks_to_ns_ceil */
BUILD_BUG_ON(PLATFORM_S5_SLP_TYP > 7);

/* ---- the chip ---- */

static u64 ticks_at(const struct pm1 *pm, s_time_t now)
{
    return now > pm->start ? ns_to_ticks(now - pm->start, PLATFORM_PM_TIMER_HZ) : 0;
}

/* Count bit-31 toggles of PM_TMR into TMR_STS. */
static void catch_up(struct pm1 *pm, s_time_t now)
{
    u64 toggles = ticks_at(pm, now) >> TMR_MSB_SHIFT;

    if (toggles != pm->toggles) {
        pm->toggles = toggles;
        pm->sts |= PM1_TMR;
    }
}

/* After any change: the SCI (4.8.3.3: asserted while an enabled event's status is
 * set, in ACPI mode, SCI_EN), then the host timer, wanted only when the next toggle
 * would raise it. */
static void settle(struct pm1 *pm)
{
    bool sci_en = pm->cnt & CNT_SCI_EN;
    bool sci = sci_en && (pm->sts & pm->en & SCI_EVENTS);
    u64 next = (pm->toggles + 1) << TMR_MSB_SHIFT;     /* ticks to the next toggle */
    s_time_t deadline = 0;

    if (sci != pm->sci) {
        pm->sci = sci;
        pm->ops->set_sci(pm->ctx, sci);
    }
    if (sci_en && (pm->en & PM1_TMR) && !(pm->sts & PM1_TMR)) {
        deadline = pm->start + (s_time_t)ticks_to_ns_ceil(next, PLATFORM_PM_TIMER_HZ);
        if (deadline <= 0)
            deadline = 1;
    }
    if (deadline != pm->deadline) {
        pm->deadline = deadline;
        pm->ops->set_timer(pm->ctx, deadline);
    }
}

/* The block as three little-endian dwords: STS|EN, CNT|reserved, TMR. */
static u32 dword_read(const struct pm1 *pm, unsigned int dw, s_time_t now)
{
    switch (dw) {
    case PM1_STS: return pm->sts | (u32)pm->en << 16;
    case PM1_CNT: return pm->cnt;
    default:      return (u32)ticks_at(pm, now);
    }
}

static void write_cnt(struct pm1 *pm, u16 val, u16 mask)
{
    unsigned int slp_typ;

    pm->cnt = (pm->cnt & ~(mask & CNT_BITS)) | (val & mask & CNT_BITS);
    if (!(val & mask & CNT_SLP_EN))
        return;
    /* 4.8.3.2.1 (sleeping): SLP_EN enters the state SLP_TYP names. */
    slp_typ = (pm->cnt & CNT_SLP_TYP) >> CNT_SLP_TYP_SHIFT;
    if (slp_typ == PLATFORM_S5_SLP_TYP)
        pm->ops->power_off(pm->ctx);
    else
        printk(LOG_DEBUG "d%u: PM1a_CNT: sleep type %u ignored (only S5 is implemented)\n",
               pm->domid, slp_typ);
}

/* Write the bytes of dword `dw` that `mask` selects. */
static void dword_write(struct pm1 *pm, unsigned int dw, u32 val, u32 mask)
{
    switch (dw) {
    case PM1_STS:
        pm->sts &= ~(val & mask & STS_BITS);    /* write 1 to clear */
        mask >>= 16;
        val >>= 16;
        pm->en = (pm->en & ~(mask & EN_BITS)) | (val & mask & EN_BITS);
        break;
    case PM1_CNT:
        write_cnt(pm, val, mask);               /* the upper half is reserved */
        break;
    default:
        break;                                  /* PM_TMR is read-only */
    }
}

static bool access_ok(unsigned int size)
{
    return size == 1 || size == 2 || size == 4;
}

u32 pm1_read(struct pm1 *pm, unsigned int off, unsigned int size)
{
    s_time_t now = pm->ops->now(pm->ctx);
    unsigned int dw = ~0u;      /* the dword in dval */
    u32 val = 0, dval = 0;

    if (!access_ok(size))
        return ~0u;
    catch_up(pm, now);
    for (unsigned int i = 0; i < size; i++) {
        unsigned int at = off + i;
        u32 byte = 0xff; /* past the block: nothing decodes it */
        if (at < PM1_BLOCK_LEN) {
            if ((at & ~3u) != dw) {
                dw = at & ~3u;
                dval = dword_read(pm, dw, now);     /* once per dword */
            }
            byte = (dval >> (8 * (at & 3))) & 0xff;
        }
        val |= byte << (8 * i);
    }
    settle(pm);
    return val;
}

void pm1_write(struct pm1 *pm, unsigned int off, unsigned int size, u32 val)
{
    s_time_t now = pm->ops->now(pm->ctx);

    if (!access_ok(size))
        return;
    catch_up(pm, now);
    for (unsigned int dw = 0; dw < PM1_BLOCK_LEN; dw += 4) {
        u32 dval = 0, dmask = 0;
        for (unsigned int i = 0; i < size; i++) {
            unsigned int at = off + i;
            if ((at & ~3u) != dw)
                continue;
            dval |= ((val >> (8 * i)) & 0xff) << (8 * (at & 3));
            dmask |= 0xffu << (8 * (at & 3));
        }
        if (dmask)
            dword_write(pm, dw, dval, dmask);
    }
    settle(pm);
}

void pm1_timer_expired(struct pm1 *pm)
{
    pm->deadline = 0; /* spent */
    catch_up(pm, pm->ops->now(pm->ctx));
    settle(pm);
}

void pm1_power_button(struct pm1 *pm)
{
    catch_up(pm, pm->ops->now(pm->ctx));
    pm->sts |= PM1_PWRBTN;
    settle(pm);
}

void pm1_init(struct pm1 *pm, const struct pm1_ops *ops, void *ctx, unsigned int domid)
{
    memset(pm, 0, sizeof(*pm));
    pm->ops = ops;
    pm->ctx = ctx;
    pm->domid = domid;
    pm->start = ops->now(ctx);
}

/* ---- the glue: a domain's PM1 block ---- */

struct vpmtimer {
    spinlock_t lock;
    struct pm1 pm1;             /* (lock) */
    struct timer timer;         /* the next PM_TMR bit-31 toggle */
    struct domain *d;           /* (c) */
    bool power_off;             /* (lock) S5 requested: acted on after the lock */
};

static s_time_t pmtimer_now(void *ctx)
{
    (void)ctx;
    return NOW();
}

static void pmtimer_set_timer(void *ctx, s_time_t deadline)
{
    struct vpmtimer *vp = ctx;

    if (deadline)
        set_timer(&vp->timer, deadline);
    else
        stop_timer(&vp->timer);
}

/* Device lock -> irq lock: allowed (the router never calls back into devices). */
static void pmtimer_set_sci(void *ctx, bool level)
{
    struct vpmtimer *vp = ctx;

    hvm_isa_irq_set(vp->d, HVM_IRQ_SRC_DEVICE, PLATFORM_SCI_IRQ, level);
}

static void pmtimer_power_off(void *ctx)
{
    struct vpmtimer *vp = ctx;

    vp->power_off = true;
}

static const struct pm1_ops pmtimer_ops = {
    .now = pmtimer_now,
    .set_timer = pmtimer_set_timer,
    .set_sci = pmtimer_set_sci,
    .power_off = pmtimer_power_off,
};

static void pmtimer_timer_fn(void *data)
{
    struct vpmtimer *vp = data;
    unsigned long flags = spin_lock_irqsave(&vp->lock);

    pm1_timer_expired(&vp->pm1);
    spin_unlock_irqrestore(&vp->lock, flags);
}

static void pmtimer_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                       void *data)
{
    struct vpmtimer *vp = data;
    unsigned long flags = spin_lock_irqsave(&vp->lock);
    bool power_off;

    (void)v;
    if (write)
        pm1_write(&vp->pm1, port - PLATFORM_PM1_BASE, size, *val);
    else
        *val = pm1_read(&vp->pm1, port - PLATFORM_PM1_BASE, size);
    power_off = vp->power_off;
    vp->power_off = false;
    spin_unlock_irqrestore(&vp->lock, flags);
    /* Outside the device's lock: the domain's end takes locks of its own. */
    if (power_off)
        domain_shutdown(vp->d, SHUTDOWN_POWEROFF);
}

void pmtimer_power_button(struct domain *d)
{
    struct vpmtimer *vp = d->irq ? d->irq->pmtimer : NULL;
    unsigned long flags;

    if (!vp)
        return;
    flags = spin_lock_irqsave(&vp->lock);
    pm1_power_button(&vp->pm1);
    spin_unlock_irqrestore(&vp->lock, flags);
}

int pmtimer_init(struct domain *d)
{
    struct vpmtimer *vp = xnew(struct vpmtimer);

    if (!vp)
        return -ENOMEM;
    spin_lock_init(&vp->lock);
    vp->d = d;
    init_timer(&vp->timer, pmtimer_timer_fn, vp, d->vcpus[0]->processor);
    pm1_init(&vp->pm1, &pmtimer_ops, vp, d->id); /* PM_TMR counts from the creation */
    d->irq->pmtimer = vp; /* from here on pmtimer_destroy frees it, whatever fails */
    return hvm_register_io(d, PLATFORM_PM1_BASE, PM1_BLOCK_LEN, pmtimer_io, vp, "pm1");
}

void pmtimer_destroy(struct domain *d)
{
    struct vpmtimer *vp = d->irq ? d->irq->pmtimer : NULL;

    if (!vp)
        return;
    kill_timer(&vp->timer);
    d->irq->pmtimer = NULL;
    xfree(vp);
}
