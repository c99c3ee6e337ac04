/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The 8259A pair (master at 0x20, slave at 0xa0 on the master's IRQ2) and the 8254
 * PIT (0x40-0x43).
 *
 * 8259A: a command port (ICW1, OCW2, OCW3) and a data port (ICW2-4, OCW1 = the mask).
 * ICW1 0x11: edge-triggered, cascade, ICW4 follows. ICW2: the vector of IR0. ICW3:
 * the master's bit mask of slave inputs, the slave's ID. ICW4 0x01: 8086 mode.
 * OCW2 0x20: non-specific EOI. OCW3 0x0a / 0x0b: the next read of the command port
 * returns the IRR / ISR; 0x0c: poll.
 *
 * 8254: control word (port 0x43) = channel << 6 | access << 4 | mode << 1 | BCD;
 * access 3 = low byte then high byte, access 0 = latch the count.
 */
#include "devices.h"

static void io_wait(void)
{
    /* The 8259A wants a little time between initialisation words on old buses; an
     * access to an unused port is the usual pause. */
    outb(0x80, 0);
}

void pic_init(uint8_t master_base, uint8_t slave_base)
{
    outb(PIC_MASTER_CMD, 0x11);
    io_wait();
    outb(PIC_SLAVE_CMD, 0x11);
    io_wait();
    outb(PIC_MASTER_DATA, master_base);
    io_wait();
    outb(PIC_SLAVE_DATA, slave_base);
    io_wait();
    outb(PIC_MASTER_DATA, 1u << PIC_CASCADE_IRQ);
    io_wait();
    outb(PIC_SLAVE_DATA, PIC_CASCADE_IRQ);
    io_wait();
    outb(PIC_MASTER_DATA, 0x01);
    io_wait();
    outb(PIC_SLAVE_DATA, 0x01);
    io_wait();
    pic_set_mask(0xffff);
}

void pic_set_mask(uint16_t mask)
{
    outb(PIC_MASTER_DATA, (uint8_t)mask);
    outb(PIC_SLAVE_DATA, (uint8_t)(mask >> 8));
}

uint16_t pic_get_mask(void)
{
    return inb(PIC_MASTER_DATA) | (uint16_t)inb(PIC_SLAVE_DATA) << 8;
}

void pic_unmask_irq(unsigned int irq)
{
    uint16_t mask = pic_get_mask() & ~(1u << irq);

    if (irq >= 8)
        mask &= ~(1u << PIC_CASCADE_IRQ);
    pic_set_mask(mask);
}

void pic_mask_irq(unsigned int irq)
{
    pic_set_mask(pic_get_mask() | (1u << irq));
}

void pic_eoi(unsigned int irq)
{
    if (irq >= 8)
        outb(PIC_SLAVE_CMD, 0x20);
    outb(PIC_MASTER_CMD, 0x20);
}

static uint16_t pic_read_ocw3(uint8_t ocw3)
{
    outb(PIC_MASTER_CMD, ocw3);
    outb(PIC_SLAVE_CMD, ocw3);
    return inb(PIC_MASTER_CMD) | (uint16_t)inb(PIC_SLAVE_CMD) << 8;
}

uint16_t pic_irr(void)
{
    return pic_read_ocw3(0x0a);
}

uint16_t pic_isr(void)
{
    return pic_read_ocw3(0x0b);
}

int pic_poll(void)
{
    uint8_t v;

    outb(PIC_MASTER_CMD, 0x0c);
    v = inb(PIC_MASTER_CMD);
    if (!(v & 0x80))
        return -1;
    if ((v & 7) != PIC_CASCADE_IRQ)
        return v & 7;
    /* The slave's request: poll it too. */
    outb(PIC_SLAVE_CMD, 0x0c);
    v = inb(PIC_SLAVE_CMD);
    return v & 0x80 ? 8 + (v & 7) : PIC_CASCADE_IRQ;
}

uint16_t pic_elcr(void)
{
    return inb(PLATFORM_ELCR) | (uint16_t)inb(PLATFORM_ELCR + 1) << 8;
}

/* ---- PIT ---- */

void pit_start(unsigned int mode, uint16_t divisor)
{
    outb(PIT_CMD, 0x30 | (mode << 1));  /* channel 0, low then high byte, binary */
    outb(PIT_CH0, (uint8_t)divisor);
    outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

void pit_stop(void)
{
    pit_start(PIT_MODE_INTERRUPT, 1);
}

uint16_t pit_read_count(unsigned int channel)
{
    uint8_t lo, hi;

    outb(PIT_CMD, (uint8_t)(channel << 6));  /* counter latch */
    lo = inb(PLATFORM_PIT + channel);
    hi = inb(PLATFORM_PIT + channel);
    return lo | (uint16_t)hi << 8;
}
