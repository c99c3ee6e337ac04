/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A domain's RTC and CMOS RAM: the MC146818 chip (common/hvm/mc146818.c) on ports
 * 0x70-0x71, its interrupt on ISA IRQ8, and a host timer on vCPU 0's pCPU for the
 * next interrupt source due.
 *
 * The clock starts at the host's wall-clock time (hv/wallclock.h) in UTC. xl.cfg's
 * `localtime` (an RTC in local time, for guests that expect one) is not supported:
 * the hypervisor knows no time zone. The memory-size bytes come from the domain's
 * RAM layout.
 *
 * Locking: vrtc->lock around every call into the chip. The chip drives IRQ8 with the
 * lock held, so the order is this lock, then the domain's interrupt lock
 * (hvm_isa_irq_set); the interrupt router never calls back into a device.
 *
 * While the HPET's legacy replacement route is on, the router cuts the RTC's
 * interrupt off from IRQ8 (hvm_set_hpet_legacy): the flags of register C still work
 * (a guest may poll them), and IRQ8 follows the RTC again once the route is off.
 *
 * Missed ticks: a periodic, update or alarm interrupt whose time passed while the
 * host was busy sets its flag once, so the guest takes one interrupt and the next one
 * comes at the next period in the future (the chip's "no_missed_ticks_pending"
 * policy, as the local APIC timer's).
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/mc146818.h>
#include <hv/mm.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <hv/wallclock.h>
#include <public/arch-x86/platform.h>


struct vrtc {
    spinlock_t lock;
    struct domain *d;
    struct mc146818 chip;       /* (lock) */
    struct timer timer;         /* the next interrupt source due */
};

static s_time_t vrtc_now(void *ctx)
{
    return NOW();
}

static void vrtc_set_timer(void *ctx, s_time_t deadline)
{
    struct vrtc *vr = ctx;

    /* No rate limit is needed: the fastest source is 8192 Hz, and after each
     * interrupt the chip waits for the guest to read register C. */
    if (deadline)
        set_timer(&vr->timer, deadline);
    else
        stop_timer(&vr->timer);
}

static void vrtc_irq(void *ctx, bool level)
{
    struct vrtc *vr = ctx;

    hvm_isa_irq_set(vr->d, HVM_IRQ_SRC_DEVICE, PLATFORM_RTC_IRQ, level);
}

static const struct mc146818_ops vrtc_ops = {
    .now = vrtc_now,
    .set_timer = vrtc_set_timer,
    .irq = vrtc_irq,
};

static void vrtc_timer_fn(void *data)
{
    struct vrtc *vr = data;
    unsigned long flags = spin_lock_irqsave(&vr->lock);

    mc146818_timer_expired(&vr->chip);
    spin_unlock_irqrestore(&vr->lock, flags);
}

/* One port: the chip reads 0xff and ignores writes for ports not its own. */
static u8 vrtc_byte(void *data, u16 port, bool write, u8 val)
{
    struct vrtc *vr = data;

    if (!write)
        return mc146818_read(&vr->chip, port);
    mc146818_write(&vr->chip, port, val);
    return 0;
}

/* Ports 0x70-0x71, a wider access a byte access to each port in turn. */
static void vrtc_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                    void *data)
{
    struct vrtc *vr = data;
    unsigned long flags = spin_lock_irqsave(&vr->lock);

    hvm_io_bytewise(port, size, write, val, vrtc_byte, vr);
    spin_unlock_irqrestore(&vr->lock, flags);
}

int vrtc_init(struct domain *d)
{
    struct vrtc *vr = xnew(struct vrtc);
    u64 now = wallclock_now();

    BUILD_BUG_ON(PLATFORM_RTC != MC146818_PORT_INDEX);
    if (!vr)
        return -ENOMEM;
    spin_lock_init(&vr->lock);
    vr->d = d;
    init_timer(&vr->timer, vrtc_timer_fn, vr, d->vcpus[0]->processor);
    mc146818_init(&vr->chip, &vrtc_ops, vr, (s64)now);
    mc146818_set_memory(&vr->chip, d->ram_low_end, d->ram_high_size);
    d->irq->rtc = vr;
    return hvm_register_io(d, PLATFORM_RTC, 2, vrtc_io, vr, "rtc");
}

void vrtc_destroy(struct domain *d)
{
    struct vrtc *vr = d->irq ? d->irq->rtc : NULL;

    if (!vr)
        return;
    kill_timer(&vr->timer);
    d->irq->rtc = NULL;
    xfree(vr);
}
