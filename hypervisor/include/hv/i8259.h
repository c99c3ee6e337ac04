/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated dual 8259A PIC (common/hvm/i8259.c): a master at ports 0x20-0x21 with
 * a slave cascaded on its IR2 at 0xa0-0xa1, and the ELCR (0x4d0-0x4d1) that makes
 * lines level-triggered. A pure state machine: it knows nothing of vCPUs; its INT
 * output goes to a callback, and the CPU's interrupt acknowledge is i8259_ack().
 * Locking is the caller's.
 */
#ifndef HV_I8259_H
#define HV_I8259_H

#include <hv/types.h>

struct i8259_chip {
    u8 irr, isr, imr;
    u8 elcr, elcr_mask;     /* level-triggered lines; which lines may be */
    u8 lines;               /* input levels */
    u8 base;                /* vector of IR0 (ICW2, top 5 bits) */
    u8 lowest_prio;         /* the IR with the lowest priority (rotation) */
    u8 init_step;           /* next ICW expected: 0 none, 2, 3 or 4 */
    bool icw4, single, aeoi, rotate_on_aeoi;
    bool special_mask, read_isr, poll;
};

struct i8259 {
    struct i8259_chip chip[2];      /* 0: master, 1: slave */
    void (*output)(void *ctx, bool level); /* the master's INT pin changed */
    void *ctx;
    bool int_level;
};

void i8259_init(struct i8259 *p, void (*output)(void *ctx, bool level), void *ctx);

/* Port access: `port` is 0x20, 0x21, 0xa0, 0xa1, 0x4d0 or 0x4d1. */
u8 i8259_read(struct i8259 *p, u16 port);
void i8259_write(struct i8259 *p, u16 port, u8 val);

/* An ISA line (0-15) goes high or low. */
void i8259_set_irq(struct i8259 *p, unsigned int irq, bool level);

/* The CPU acknowledges the interrupt: returns the vector (a spurious IR7 or IR15 when
 * nothing is pending any more). */
u8 i8259_ack(struct i8259 *p);

/* Is the INT output asserted? */
static inline bool i8259_int(const struct i8259 *p)
{
    return p->int_level;
}

#endif /* HV_I8259_H */
