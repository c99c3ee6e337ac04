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
    u64 scratch;
    u64 accesses;
    u64 exits;                      /* the reading vCPU's exit count, at this read */
    u32 irq_reg;
    u64 msi_addr;
    u32 msi_data;
    u32 msi_refused;
    u32 intx;
    u8 buffer[TESTDEV_BUFFER_SIZE];
    u8 port_scratch[4];
    u8 fifo[TESTDEV_FIFO_SIZE];
    unsigned int fifo_head, fifo_len;
    struct timer irq_timer;
};

static u8 reg_byte(u64 value, u64 off, u64 reg)
{
    return value >> (8 * (off - reg));
}

static void set_reg_byte(void *reg, unsigned int size, u64 off, u64 base, u8 b)
{
    u64 v = size == 8 ? *(u64 *)reg : *(u32 *)reg;
    unsigned int sh = 8 * (off - base);

    v = (v & ~(0xffULL << sh)) | ((u64)b << sh);
    if (size == 8)
        *(u64 *)reg = v;
    else
        *(u32 *)reg = (u32)v;
}

static u8 mmio_byte(struct testdev *t, u64 off)
{
    if (off < TESTDEV_ID + 4)
        return TESTDEV_ID_VALUE >> (8 * (off - TESTDEV_ID));
    if (off >= TESTDEV_SCRATCH && off < TESTDEV_SCRATCH + 8)
        return t->scratch >> (8 * (off - TESTDEV_SCRATCH));
    if (off >= TESTDEV_ACCESSES && off < TESTDEV_ACCESSES + 8)
        return t->accesses >> (8 * (off - TESTDEV_ACCESSES));
    if (off >= TESTDEV_EXITS && off < TESTDEV_EXITS + 8)
        return t->exits >> (8 * (off - TESTDEV_EXITS));
    if (off >= TESTDEV_MSI_ADDR && off < TESTDEV_MSI_ADDR + 8)
        return reg_byte(t->msi_addr, off, TESTDEV_MSI_ADDR);
    if (off >= TESTDEV_MSI_DATA && off < TESTDEV_MSI_DATA + 4)
        return reg_byte(t->msi_data, off, TESTDEV_MSI_DATA);
    if (off >= TESTDEV_MSI_SEND && off < TESTDEV_MSI_SEND + 4)
        return reg_byte(t->msi_refused, off, TESTDEV_MSI_SEND);
    if (off >= TESTDEV_INTX && off < TESTDEV_INTX + 4)
        return reg_byte(t->intx, off, TESTDEV_INTX);
    if (off >= TESTDEV_BUFFER && off < TESTDEV_BUFFER + TESTDEV_BUFFER_SIZE)
        return t->buffer[off - TESTDEV_BUFFER];
    return 0;
}

static void irq_fire(void *data)
{
    struct testdev *t = data;

    hvm_assert_irq(t->d->vcpus[0], t->irq_reg & 0xff);
}

/* What a write asks for beyond storing bytes. */
struct testdev_actions {
    bool irq, msi, intx;
};

static void mmio_write_byte(struct testdev *t, u64 off, u8 b, struct testdev_actions *act)
{
    if (off >= TESTDEV_SCRATCH && off < TESTDEV_SCRATCH + 8) {
        unsigned int sh = 8 * (off - TESTDEV_SCRATCH);
        t->scratch = (t->scratch & ~(0xffULL << sh)) | ((u64)b << sh);
    } else if (off >= TESTDEV_IRQ && off < TESTDEV_IRQ + 4) {
        unsigned int sh = 8 * (off - TESTDEV_IRQ);
        t->irq_reg = (t->irq_reg & ~(0xffu << sh)) | ((u32)b << sh);
        act->irq = true;
    } else if (off >= TESTDEV_MSI_ADDR && off < TESTDEV_MSI_ADDR + 8) {
        set_reg_byte(&t->msi_addr, 8, off, TESTDEV_MSI_ADDR, b);
    } else if (off >= TESTDEV_MSI_DATA && off < TESTDEV_MSI_DATA + 4) {
        set_reg_byte(&t->msi_data, 4, off, TESTDEV_MSI_DATA, b);
    } else if (off >= TESTDEV_MSI_SEND && off < TESTDEV_MSI_SEND + 4) {
        act->msi = true;
    } else if (off >= TESTDEV_INTX && off < TESTDEV_INTX + 4) {
        set_reg_byte(&t->intx, 4, off, TESTDEV_INTX, b);
        act->intx = true;
    } else if (off >= TESTDEV_BUFFER && off < TESTDEV_BUFFER + TESTDEV_BUFFER_SIZE) {
        t->buffer[off - TESTDEV_BUFFER] = b;
    }
}

static void testdev_mmio(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val,
                         void *data)
{
    struct testdev *t = data;
    u64 off = gpa - TESTDEV_MMIO_BASE;
    unsigned long flags = spin_lock_irqsave(&t->lock);
    struct testdev_actions act = { false, false, false };
    u64 msi_addr;
    u32 msi_data, intx;

    t->accesses++;
    if (write) {
        for (unsigned int i = 0; i < size; i++)
            mmio_write_byte(t, off + i, *val >> (8 * i), &act);
    } else {
        *val = 0;
        t->exits = v->exits_total;   /* counted before the exit is handled */
        for (unsigned int i = 0; i < size; i++)
            *val |= (u64)mmio_byte(t, off + i) << (8 * i);
    }
    msi_addr = t->msi_addr;
    msi_data = t->msi_data;
    intx = t->intx;
    spin_unlock_irqrestore(&t->lock, flags);

    /* The platform's lock is taken outside the device's. */
    if (act.msi) {
        int rc = hvm_msi_deliver(t->d, msi_addr, msi_data);
        __atomic_store_n(&t->msi_refused, rc ? 1u : 0u, __ATOMIC_RELAXED);
    }
    if (act.intx)
        hvm_pci_intx_set(t->d, intx & 0x1f, (intx >> 8) & 3, intx & TESTDEV_INTX_ASSERT);
    if (act.irq && (t->irq_reg >> 8) == 0)
        hvm_assert_irq(t->d->vcpus[0], t->irq_reg & 0xff); /* at once: before the
                                                              next instruction */
    else if (act.irq)
        set_timer(&t->irq_timer, NOW() + MICROSECS(t->irq_reg >> 8));
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
