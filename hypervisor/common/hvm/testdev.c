/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest test device (include/public/petrel_test.h): an MMIO page of registers and
 * a buffer, a block of ports with a FIFO, a register that raises an external
 * interrupt after a delay, and registers that send MSIs and drive PCI INTx lines
 * through the domain's interrupt platform (hv/hvm_irq.h), as later devices will.
 * Guest test kernels use it to exercise MMIO emulation, string I/O and interrupt
 * delivery; domains get it with `testdev = 1`.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <public/petrel_test.h>

struct testdev {
    struct domain *d;
    spinlock_t lock;
    /* The registers of regs[] below, each kept in a u64 whatever its width. */
    u64 scratch;
    u64 accesses;
    u64 exits;                      /* the reading vCPU's exit count, at this read */
    u64 irq_reg;
    u64 msi_addr;
    u64 msi_data;
    u64 msi_refused;
    u64 intx;
    u8 buffer[TESTDEV_BUFFER_SIZE];
    u8 port_scratch[4];
    u8 fifo[TESTDEV_FIFO_SIZE];
    unsigned int fifo_head, fifo_len;
    struct timer irq_timer;
};

/* What a write asks for beyond storing bytes. */
enum testdev_action { ACT_NONE, ACT_IRQ, ACT_MSI, ACT_INTX };

/* The MMIO registers: where, how wide, what holds them, whether a write stores into
 * it, and what a write then does. (The ID and the buffer are handled apart.) */
static const struct testdev_reg {
    u32 off, width;
    size_t field;
    bool writable;
    enum testdev_action action;
} regs[] = {
    { TESTDEV_SCRATCH, 8, offsetof(struct testdev, scratch), true, ACT_NONE },
    { TESTDEV_ACCESSES, 8, offsetof(struct testdev, accesses), false, ACT_NONE },
    { TESTDEV_EXITS, 8, offsetof(struct testdev, exits), false, ACT_NONE },
    { TESTDEV_IRQ, 4, offsetof(struct testdev, irq_reg), true, ACT_IRQ },
    { TESTDEV_MSI_ADDR, 8, offsetof(struct testdev, msi_addr), true, ACT_NONE },
    { TESTDEV_MSI_DATA, 4, offsetof(struct testdev, msi_data), true, ACT_NONE },
    { TESTDEV_MSI_SEND, 4, offsetof(struct testdev, msi_refused), false, ACT_MSI },
    { TESTDEV_INTX, 4, offsetof(struct testdev, intx), true, ACT_INTX },
};

/* The register holding byte `off`, and that byte's shift in it; NULL if none. */
static const struct testdev_reg *reg_at(u64 off, unsigned int *shift)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++)
        if (off >= regs[i].off && off < regs[i].off + regs[i].width) {
            *shift = 8 * (off - regs[i].off);
            return &regs[i];
        }
    return NULL;
}

static u64 *reg_field(struct testdev *t, const struct testdev_reg *r)
{
    return (u64 *)((char *)t + r->field);
}

static u8 mmio_byte(struct testdev *t, u64 off)
{
    unsigned int sh;
    const struct testdev_reg *r = reg_at(off, &sh);

    if (r)
        return *reg_field(t, r) >> sh;
    if (off < TESTDEV_ID + 4)
        return TESTDEV_ID_VALUE >> (8 * (off - TESTDEV_ID));
    if (off >= TESTDEV_BUFFER && off < TESTDEV_BUFFER + TESTDEV_BUFFER_SIZE)
        return t->buffer[off - TESTDEV_BUFFER];
    return 0;
}

static void mmio_write_byte(struct testdev *t, u64 off, u8 b, bool act[])
{
    unsigned int sh;
    const struct testdev_reg *r = reg_at(off, &sh);

    if (r) {
        if (r->writable) {
            u64 *f = reg_field(t, r);
            *f = (*f & ~(0xffULL << sh)) | ((u64)b << sh);
        }
        act[r->action] = true;
    } else if (off >= TESTDEV_BUFFER && off < TESTDEV_BUFFER + TESTDEV_BUFFER_SIZE) {
        t->buffer[off - TESTDEV_BUFFER] = b;
    }
}

static void irq_fire(void *data)
{
    struct testdev *t = data;

    hvm_assert_irq(t->d->vcpus[0], t->irq_reg & 0xff);
}

static void testdev_mmio(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val,
                         void *data)
{
    struct testdev *t = data;
    u64 off = gpa - TESTDEV_MMIO_BASE;
    unsigned long flags = spin_lock_irqsave(&t->lock);
    bool act[ACT_INTX + 1] = { false };
    u64 msi_addr, msi_data, intx, irq_reg;

    t->accesses++;
    if (write) {
        for (unsigned int i = 0; i < size; i++)
            mmio_write_byte(t, off + i, *val >> (8 * i), act);
    } else {
        *val = 0;
        t->exits = v->exits_total;   /* counted before the exit is handled */
        for (unsigned int i = 0; i < size; i++)
            *val |= (u64)mmio_byte(t, off + i) << (8 * i);
    }
    msi_addr = t->msi_addr;
    msi_data = t->msi_data;
    intx = t->intx;
    irq_reg = t->irq_reg;
    spin_unlock_irqrestore(&t->lock, flags);

    /* The platform's lock is taken outside the device's. */
    if (act[ACT_MSI]) {
        int rc = hvm_msi_deliver(t->d, msi_addr, (u32)msi_data);
        __atomic_store_n(&t->msi_refused, rc ? 1u : 0u, __ATOMIC_RELAXED);
    }
    if (act[ACT_INTX])
        hvm_pci_intx_set(t->d, intx & 0x1f, (intx >> 8) & 3, intx & TESTDEV_INTX_ASSERT);
    if (act[ACT_IRQ] && (irq_reg >> 8) == 0)
        hvm_assert_irq(t->d->vcpus[0], irq_reg & 0xff); /* at once: before the next
                                                           instruction */
    else if (act[ACT_IRQ])
        set_timer(&t->irq_timer, NOW() + MICROSECS(irq_reg >> 8));
}

static void testdev_port(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                         void *data)
{
    struct testdev *t = data;
    unsigned long flags = spin_lock_irqsave(&t->lock);

    if (port >= TESTDEV_PORT_SCRATCH && port < TESTDEV_PORT_SCRATCH + 4) {
        unsigned int off = port - TESTDEV_PORT_SCRATCH;
        if (!write)
            *val = 0;
        for (unsigned int i = 0; i < size && off + i < 4; i++) {
            if (write)
                t->port_scratch[off + i] = *val >> (8 * i);
            else
                *val |= (u32)t->port_scratch[off + i] << (8 * i);
        }
    } else if (port == TESTDEV_PORT_FIFO) {
        if (write && t->fifo_len < TESTDEV_FIFO_SIZE) {
            t->fifo[(t->fifo_head + t->fifo_len) % TESTDEV_FIFO_SIZE] = *val;
            t->fifo_len++;
        } else if (!write) {
            *val = 0xff;
            if (t->fifo_len) {
                *val = t->fifo[t->fifo_head];
                t->fifo_head = (t->fifo_head + 1) % TESTDEV_FIFO_SIZE;
                t->fifo_len--;
            }
        }
    } else if (port == TESTDEV_PORT_FIFO_LEN && !write) {
        *val = t->fifo_len;
    } else if (!write) {
        *val = size == 4 ? ~0u : (1u << (8 * size)) - 1;
    }
    spin_unlock_irqrestore(&t->lock, flags);
}

int hvm_testdev_init(struct domain *d)
{
    struct testdev *t = xnew(struct testdev);
    int rc;

    if (!t)
        return -ENOMEM;
    t->d = d;
    spin_lock_init(&t->lock);
    init_timer(&t->irq_timer, irq_fire, t, d->vcpus[0]->processor);
    d->testdev = t;
    rc = hvm_register_mmio(d, TESTDEV_MMIO_BASE, TESTDEV_MMIO_SIZE, testdev_mmio, t,
                           "testdev");
    if (!rc)
        rc = hvm_register_io(d, TESTDEV_PORT_BASE, 16, testdev_port, t, "testdev");
    return rc;
}

void hvm_testdev_destroy(struct domain *d)
{
    struct testdev *t = d->testdev;

    if (!t)
        return;
    kill_timer(&t->irq_timer);
    xfree(t);
    d->testdev = NULL;
}
