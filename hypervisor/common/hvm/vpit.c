/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A domain's PIT: the 8254 chip (common/hvm/i8254.c) on ports 0x40-0x43 and port B
 * (0x61), its channel 0 on ISA IRQ0, and a host timer on vCPU 0's pCPU for channel
 * 0's next rising edge.
 *
 * Locking: vpit->lock around every call into the chip. The chip drives IRQ0 with the
 * lock held, so the order is this lock, then the domain's interrupt lock
 * (hvm_isa_irq_set); the interrupt router never calls back into a device.
 *
 * While the HPET's legacy replacement route is on, the router cuts OUT0 off from
 * IRQ0 (hvm_set_hpet_legacy): the chip keeps counting (the guest may still read it,
 * and channel 2 still serves port B) and driving its output, which IRQ0 follows
 * again once the route is off.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/i8254.h>
#include <hv/mm.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <public/arch-x86/platform.h>

struct vpit {
    spinlock_t lock;
    struct domain *d;
    struct i8254 chip;          /* (lock) */
    struct timer timer;         /* the next rising edge of OUT0 */
    s_time_t last_fire;         /* (lock) when the timer last ran */
};

static s_time_t vpit_now(void *ctx)
{
    return NOW();
}

static void vpit_set_timer(void *ctx, s_time_t deadline)
{
    struct vpit *vp = ctx;

    if (!deadline) {
        stop_timer(&vp->timer);
        return;
    }
    /* The host timer fires at most every PERIODIC_TIMER_MIN_NS (hv/time.h): a guest
     * programming channel 0 for a 1.676 us period must not make the host take 600,000
     * timer interrupts a second. An edge due sooner is delivered late; edges that pass
     * unseen in the meantime are folded into one interrupt (the chip's missed-ticks
     * policy), so such a guest gets 10 kHz. */
    set_timer(&vp->timer, max(deadline, vp->last_fire + PERIODIC_TIMER_MIN_NS));
}

static void vpit_irq0(void *ctx, bool level)
{
    struct vpit *vp = ctx;

    hvm_isa_irq_set(vp->d, HVM_IRQ_SRC_DEVICE, PLATFORM_PIT_IRQ, level);
}

static const struct i8254_ops vpit_ops = {
    .now = vpit_now,
    .set_timer = vpit_set_timer,
    .irq0 = vpit_irq0,
};

static void vpit_timer_fn(void *data)
{
    struct vpit *vp = data;
    unsigned long flags = spin_lock_irqsave(&vp->lock);

    vp->last_fire = NOW();
    i8254_timer_expired(&vp->chip);
    spin_unlock_irqrestore(&vp->lock, flags);
}

/* One port: the chip reads 0xff and ignores writes for ports not its own. */
static u8 vpit_byte(void *data, u16 port, bool write, u8 val)
{
    struct vpit *vp = data;

    if (!write)
        return i8254_read(&vp->chip, port);
    i8254_write(&vp->chip, port, val);
    return 0;
}

/* Ports 0x40-0x43 and 0x61, a wider access a byte access to each port in turn. */
static void vpit_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                    void *data)
{
    struct vpit *vp = data;
    unsigned long flags = spin_lock_irqsave(&vp->lock);

    hvm_io_bytewise(port, size, write, val, vpit_byte, vp);
    spin_unlock_irqrestore(&vp->lock, flags);
}

int vpit_init(struct domain *d)
{
    struct vpit *vp = xnew(struct vpit);
    int rc;

    BUILD_BUG_ON(PLATFORM_PIT != I8254_PORT_BASE || PLATFORM_PORT_B != I8254_PORT_B);
    if (!vp)
        return -ENOMEM;
    spin_lock_init(&vp->lock);
    vp->d = d;
    init_timer(&vp->timer, vpit_timer_fn, vp, d->vcpus[0]->processor);
    i8254_init(&vp->chip, &vpit_ops, vp);
    d->irq->pit = vp;
    rc = hvm_register_io(d, PLATFORM_PIT, 4, vpit_io, vp, "pit");
    if (!rc)
        rc = hvm_register_io(d, PLATFORM_PORT_B, 1, vpit_io, vp, "port B");
    return rc;
}

void vpit_destroy(struct domain *d)
{
    struct vpit *vp = d->irq ? d->irq->pit : NULL;

    if (!vp)
        return;
    kill_timer(&vp->timer);
    d->irq->pit = NULL;
    xfree(vp);
}
