/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated HPET (common/hvm/hpet.c), after the IA-PC HPET specification 1.0a: a
 * 64-bit main counter at PLATFORM_HPET_HZ and three timers, each a comparator that
 * interrupts on a match, in one-shot or (timer 0) periodic mode, 64- or 32-bit wide,
 * edge- or level-triggered, routed to an IO-APIC pin or, with the legacy replacement
 * route, to ISA IRQ0 and IRQ8 in place of the PIT and the RTC.
 *
 * Routes: every timer may use IO-APIC pins 20-23 (Tn_INT_ROUTE_CAP = 0x00f00000, as
 * Xen's and QEMU's HPETs offer): GSIs no ISA line shares. There is no FSB (MSI)
 * delivery.
 *
 * A pure state machine, as the other chips: time, its host timer and its interrupt
 * lines are struct hpet_ops callbacks, so host unit tests drive it with fake time.
 * Locking is the caller's (common/hvm/vhpet.c holds the device's own lock).
 */
#ifndef HV_HPET_H
#define HV_HPET_H

#include <hv/types.h>

struct domain;

#define HPET_TIMERS     3
#define HPET_REGS_SIZE  0x400   /* registers; the rest of the 4 KiB page reads as 0 */

/* An interrupt line a timer drives. */
enum hpet_line_kind {
    HPET_LINE_NONE,     /* nowhere: the route is not one the timer offers */
    HPET_LINE_ISA,      /* an ISA IRQ (8259 and IO-APIC): the legacy replacement */
    HPET_LINE_GSI,      /* an IO-APIC pin of its own (16+) */
};

struct hpet_line {
    u8 kind;            /* enum hpet_line_kind */
    u8 num;             /* the ISA IRQ or the GSI */
};

struct hpet_ops {
    s_time_t (*now)(void *ctx);                        /* system time, ns */
    void (*set_timer)(void *ctx, s_time_t deadline);   /* the next event; 0: none */
    void (*set_irq)(void *ctx, struct hpet_line line, bool level);
    /* The legacy replacement route is in effect (on) or not any more: the PIT and
     * the RTC must leave IRQ0 and IRQ8 alone while it is. */
    void (*set_legacy)(void *ctx, bool on);
};

struct hpet_timer {
    u64 config;             /* Tn_CONF_CAP, the writable bits (the caps are constant) */
    u64 cmp;                /* Tn_COMPARATOR: in periodic mode, the accumulator */
    u64 period;             /* the periodic increment: the last value written */
    /* While the counter runs: the main-counter value of the next event and the
     * system time it is reached at (armed false: none within ~146 years). */
    bool armed;
    u64 next;
    s_time_t when;
    struct hpet_line held;  /* the line this timer holds asserted (level mode) */
};

struct hpet {
    u64 config;             /* GEN_CONF */
    u64 isr;                /* GINTR_STA: level-triggered timers' status */
    u64 counter;            /* halted: MAIN_CNT; running: its value at `start` */
    s_time_t start;         /* running: the system time the counter had `counter` */
    s_time_t deadline;      /* the host timer as last programmed (0: none) */
    bool legacy;            /* the legacy route, as last reported to set_legacy */
    struct hpet_timer timers[HPET_TIMERS];
    const struct hpet_ops *ops;
    void *ctx;
};

/* The state after reset: counter halted at 0, every timer disabled, one-shot, edge,
 * comparators all ones. */
void hpet_init(struct hpet *h, const struct hpet_ops *ops, void *ctx);

/*
 * A register access at `off` (0 to 0xfff, from the page's start) of `size` bytes.
 * Reads of 1, 2, 4 or 8 naturally aligned bytes return those bytes of the 64-bit
 * register they fall in (other reads all ones); writes of 4 bytes (either half) or 8
 * bytes are honoured, others ignored, as the specification only defines those.
 */
u64 hpet_read(struct hpet *h, u32 off, unsigned int size);
void hpet_write(struct hpet *h, u32 off, unsigned int size, u64 val);

/* The host timer set through ops->set_timer expired. */
void hpet_timer_expired(struct hpet *h);

/* The domain's HPET at PLATFORM_HPET_BASE (common/hvm/vhpet.c): a platform device
 * (hv/hvm_irq.h). init: 0 or -ENOMEM, or the registry's error. */
int vhpet_init(struct domain *d);
void vhpet_destroy(struct domain *d);

#endif /* HV_HPET_H */
