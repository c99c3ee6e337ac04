/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HPET of a domain (see hv/hpet.h): the chip (hvm/hpet.c) at PLATFORM_HPET_BASE,
 * its host timer on vCPU 0's pCPU, its lines into the domain's interrupt router.
 *
 * Locking: the device's own lock around the chip. Driving a line or the legacy flag
 * takes the router's lock inside it (device lock -> irq lock), which is allowed
 * because the router never calls back into devices.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hpet.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/mm.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <public/arch-x86/platform.h>

struct vhpet {
    spinlock_t lock;
    struct hpet hpet;           /* (lock) */
    struct timer timer;         /* the chip's next event */
    struct domain *d;           /* (c) */
};

static s_time_t vhpet_now(void *ctx)
{
    return NOW();
}

static void vhpet_set_timer(void *ctx, s_time_t deadline)
{
    struct vhpet *vh = ctx;

    if (deadline)
        set_timer(&vh->timer, deadline);
    else
        stop_timer(&vh->timer);
}

static void vhpet_set_irq(void *ctx, struct hpet_line line, bool level)
{
    struct vhpet *vh = ctx;

    if (line.kind == HPET_LINE_ISA)
        hvm_isa_irq_set(vh->d, HVM_IRQ_SRC_HPET, line.num, level);
    else if (line.kind == HPET_LINE_GSI)
        hvm_gsi_set(vh->d, HVM_IRQ_SRC_HPET, line.num, level);
}

static void vhpet_set_legacy(void *ctx, bool on)
{
    struct vhpet *vh = ctx;

    hvm_set_hpet_legacy(vh->d, on);
}

static const struct hpet_ops vhpet_ops = {
    .now = vhpet_now,
    .set_timer = vhpet_set_timer,
    .set_irq = vhpet_set_irq,
    .set_legacy = vhpet_set_legacy,
};

static void vhpet_timer_fn(void *data)
{
    struct vhpet *vh = data;
    unsigned long flags = spin_lock_irqsave(&vh->lock);

    hpet_timer_expired(&vh->hpet);
    spin_unlock_irqrestore(&vh->lock, flags);
}

static void vhpet_mmio(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val,
                       void *data)
{
    struct vhpet *vh = data;
    u32 off = gpa - PLATFORM_HPET_BASE;
    unsigned long flags = spin_lock_irqsave(&vh->lock);

    if (write)
        hpet_write(&vh->hpet, off, size, *val);
    else
        *val = hpet_read(&vh->hpet, off, size);
    spin_unlock_irqrestore(&vh->lock, flags);
}

int vhpet_init(struct domain *d)
{
    struct vhpet *vh = xnew(struct vhpet);

    if (!vh)
        return -ENOMEM;
    spin_lock_init(&vh->lock);
    vh->d = d;
    init_timer(&vh->timer, vhpet_timer_fn, vh, d->vcpus[0]->processor);
    hpet_init(&vh->hpet, &vhpet_ops, vh);
    d->irq->hpet = vh; /* from here on vhpet_destroy frees it, whatever fails */
    /* The registers take 1 KiB; the page is the smallest MMIO range. */
    return hvm_register_mmio(d, PLATFORM_HPET_BASE, PAGE_SIZE, vhpet_mmio, vh, "hpet");
}

void vhpet_destroy(struct domain *d)
{
    struct vhpet *vh = d->irq ? d->irq->hpet : NULL;

    if (!vh)
        return;
    kill_timer(&vh->timer);
    d->irq->hpet = NULL;
    xfree(vh);
}
