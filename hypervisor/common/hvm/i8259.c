/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The 8259A programmable interrupt controller pair (Intel 8259A datasheet, order
 * 231468), as PCs wire it: the slave's INT on the master's IR2. Implemented: the ICW
 * sequence, OCW1 (mask), OCW2 (non-specific and specific EOI, rotation, set priority),
 * OCW3 (IRR/ISR read, poll, special mask mode), automatic EOI, edge and level
 * (ELCR) triggering, spurious IR7/IR15 on a vanished request. Not implemented:
 * special fully nested mode and buffered mode (they change nothing a PC guest sees),
 * and ICW1's LTIM (level mode for every line, ignored: PCs use the ELCR).
 */
#include <hv/i8259.h>
#include <hv/lib.h>

#define ICW1       0x10   /* port 0, bit 4: an ICW1 */
#define ICW1_ICW4  0x01
#define ICW1_SNGL  0x02
#define ICW4_AEOI  0x02
#define OCW3       0x08   /* port 0, bit 3 set (bit 4 clear): an OCW3 */
#define OCW3_RIS   0x01
#define OCW3_RR    0x02
#define OCW3_POLL  0x04
#define OCW3_SMM   0x20
#define OCW3_ESMM  0x40

/* The priority of line irq: 0 highest, 7 lowest, after rotation. */
static unsigned int prio(const struct i8259_chip *c, unsigned int irq)
{
    return (irq - c->lowest_prio - 1) & 7;
}

/* The highest-priority line set in `bits`, or -1. */
static int highest(const struct i8259_chip *c, u8 bits)
{
    int best = -1;

    for (unsigned int irq = 0; irq < 8; irq++)
        if ((bits & (1u << irq)) && (best < 0 || prio(c, irq) < prio(c, best)))
            best = irq;
    return best;
}

/* The line this chip would interrupt for now, or -1: the highest-priority unmasked
 * request above every in-service line (in special mask mode, in-service lines only
 * block themselves). */
static int pending(const struct i8259_chip *c)
{
    int req = highest(c, c->irr & ~c->imr), svc;

    if (req < 0)
        return -1;
    svc = highest(c, c->special_mask ? (c->isr & ~c->imr) : c->isr);
    if (svc >= 0 && prio(c, svc) <= prio(c, req))
        return -1;
    return req;
}

static void set_line(struct i8259_chip *c, unsigned int irq, bool level);

/* Recompute the slave's INT (the master's IR2 line) and the master's INT pin. */
static void update(struct i8259 *p)
{
    bool level;

    set_line(&p->chip[0], 2, pending(&p->chip[1]) >= 0);
    level = pending(&p->chip[0]) >= 0;
    if (level != p->int_level) {
        p->int_level = level;
        p->output(p->ctx, level);
    }
}

static void chip_reset(struct i8259_chip *c, u8 elcr_mask)
{
    u8 elcr = c->elcr;

    memset(c, 0, sizeof(*c));
    c->elcr = elcr & elcr_mask;
    c->elcr_mask = elcr_mask;
    c->lowest_prio = 7;
}

void i8259_init(struct i8259 *p, void (*output)(void *ctx, bool level), void *ctx)
{
    memset(p, 0, sizeof(*p));
    /* IRQ0-2 (timer, keyboard, cascade) and IRQ8 and 13 are always edge. */
    chip_reset(&p->chip[0], 0xf8);
    chip_reset(&p->chip[1], 0xde);
    p->output = output;
    p->ctx = ctx;
}

static void set_line(struct i8259_chip *c, unsigned int irq, bool level)
{
    u8 bit = 1u << irq;

    if (c->elcr & bit) {
        /* Level: the request follows the line. */
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit; /* edge: a rising edge latches a request */
    }
    if (level)
        c->lines |= bit;
    else
        c->lines &= ~bit;
}

void i8259_set_irq(struct i8259 *p, unsigned int irq, bool level)
{
    if (irq >= 16 || irq == 2)
        return;
    set_line(&p->chip[irq >> 3], irq & 7, level);
    update(p);
}

/* Acknowledge on one chip: returns the line taken, or -1 (spurious). */
static int chip_ack(struct i8259_chip *c)
{
    int irq = pending(c);

    if (irq < 0)
        return -1;
    if (!(c->elcr & (1u << irq)))
        c->irr &= ~(1u << irq);
    if (c->aeoi) {
        if (c->rotate_on_aeoi)
            c->lowest_prio = irq;
    } else {
        c->isr |= 1u << irq;
    }
    return irq;
}

u8 i8259_ack(struct i8259 *p)
{
    struct i8259_chip *m = &p->chip[0], *s = &p->chip[1];
    int irq = chip_ack(m);
    u8 vector;

    if (irq == 2) {
        int sirq = chip_ack(s);
        vector = s->base + (sirq < 0 ? 7 : sirq);
    } else {
        vector = m->base + (irq < 0 ? 7 : irq);
    }
    update(p);
    return vector;
}

static void eoi(struct i8259_chip *c, u8 ocw2)
{
    unsigned int cmd = ocw2 >> 5;
    int irq;

    switch (cmd) {
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        /* In special mask mode an IS bit masked by the IMR is not cleared by a
         * non-specific EOI (8259A datasheet, "End of Interrupt (EOI)"). */
        irq = highest(c, c->special_mask ? (c->isr & ~c->imr) : c->isr);
        if (irq >= 0) {
            c->isr &= ~(1u << irq);
            if (cmd == 5)
                c->lowest_prio = irq;
        }
        break;
    case 3: /* specific EOI */
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << (ocw2 & 7));
        if (cmd == 7)
            c->lowest_prio = ocw2 & 7;
        break;
    case 6: /* set priority */
        c->lowest_prio = ocw2 & 7;
        break;
    case 4: /* rotate in automatic EOI mode: set */
        c->rotate_on_aeoi = true;
        break;
    case 0: /* ... clear */
        c->rotate_on_aeoi = false;
        break;
    default: /* 2: no operation */
        break;
    }
}

static void write_cmd(struct i8259_chip *c, u8 val)
{
    if (val & ICW1) {
        /* Initialisation: the mask, requests' edge memory and priorities reset. Only
         * the edge sense is reset (8259A datasheet, "Initialization Command Words",
         * ICW1 a-f): a level-triggered request follows its line and stays. */
        u8 elcr = c->elcr;
        c->imr = c->isr = 0;
        c->irr &= c->elcr;
        c->lines = 0;
        c->lowest_prio = 7;
        c->special_mask = c->poll = c->read_isr = c->aeoi = c->rotate_on_aeoi = false;
        c->elcr = elcr;
        c->icw4 = val & ICW1_ICW4;
        c->single = val & ICW1_SNGL;
        c->init_step = 2;
    } else if (val & OCW3) {
        if (val & OCW3_POLL)
            c->poll = true;
        if (val & OCW3_RR)
            c->read_isr = val & OCW3_RIS;
        if (val & OCW3_ESMM)
            c->special_mask = val & OCW3_SMM;
    } else {
        eoi(c, val);
    }
}

static void write_data(struct i8259_chip *c, u8 val)
{
    switch (c->init_step) {
    case 2:
        c->base = val & 0xf8;
        c->init_step = c->single ? (c->icw4 ? 4 : 0) : 3;
        break;
    case 3:
        c->init_step = c->icw4 ? 4 : 0; /* ICW3: the cascade wiring is fixed on a PC */
        break;
    case 4:
        c->aeoi = val & ICW4_AEOI;
        c->init_step = 0;
        break;
    default:
        c->imr = val; /* OCW1 */
        break;
    }
}

void i8259_write(struct i8259 *p, u16 port, u8 val)
{
    switch (port) {
    case 0x20: write_cmd(&p->chip[0], val); break;
    case 0x21: write_data(&p->chip[0], val); break;
    case 0xa0: write_cmd(&p->chip[1], val); break;
    case 0xa1: write_data(&p->chip[1], val); break;
    case 0x4d0: p->chip[0].elcr = val & p->chip[0].elcr_mask; break;
    case 0x4d1: p->chip[1].elcr = val & p->chip[1].elcr_mask; break;
    default: return;
    }
    update(p);
}

/* The poll command (OCW3): acknowledge like an INTA, and return 0x80 | line, or 0. */
static u8 poll(struct i8259 *p, unsigned int which)
{
    struct i8259_chip *c = &p->chip[which];
    int irq;

    c->poll = false;
    irq = chip_ack(c);
    if (which == 0 && irq == 2) {
        /* The request is the slave's: the master's in-service bit stays for IR2. */
        update(p);
        return 0x80 | 2;
    }
    update(p);
    return irq < 0 ? 0 : 0x80 | irq;
}

u8 i8259_read(struct i8259 *p, u16 port)
{
    struct i8259_chip *c;

    switch (port) {
    case 0x20: case 0xa0:
        c = &p->chip[port == 0xa0];
        if (c->poll)
            return poll(p, port == 0xa0);
        return c->read_isr ? c->isr : c->irr;
    case 0x21: return p->chip[0].imr;
    case 0xa1: return p->chip[1].imr;
    case 0x4d0: return p->chip[0].elcr;
    case 0x4d1: return p->chip[1].elcr;
    default: return 0xff;
    }
}
