/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated 8254 programmable interval timer (common/hvm/i8254.c), after the Intel
 * 82C54 datasheet (order 231244), and the PC's port B (0x61) around its channel 2:
 *
 *   0x40-0x42  the three counters' data ports      0x43  the control word register
 *   0x61       port B: bit 0 channel 2's GATE, bit 1 speaker data, bits 2-3 kept,
 *              bit 4 the refresh-request toggle, bit 5 channel 2's OUT
 *
 * Channels 0 and 1 have their GATE tied high; channel 0's OUT is ISA IRQ0.
 *
 * Counting is computed, not ticked: every channel's counting element and OUT are
 * functions of the CLK pulses (1.193182 MHz) since its count was loaded, and the
 * chip needs a host timer only for the next rising edge of channel 0's OUT.
 *
 * A pure state machine: time, that timer and the IRQ0 line are struct i8254_ops
 * callbacks, so host unit tests drive it with fake time. Locking is the caller's
 * (common/hvm/vpit.c holds the device's own lock around every call).
 */
#ifndef HV_I8254_H
#define HV_I8254_H

#include <hv/types.h>

struct domain;

#define I8254_HZ            1193182     /* the CLK input of every channel */
#define I8254_CHANNELS      3
#define I8254_PORT_BASE     0x40        /* 0x40-0x42 counters, 0x43 control word */
#define I8254_PORT_CONTROL  0x43
#define I8254_PORT_B        0x61

/* The refresh-request toggle (port B bit 4) changes state this often. */
#define I8254_REFRESH_NS    15000

/* A pulse number that never comes. */
#define I8254_NEVER         INT64_MAX

struct i8254_ops {
    s_time_t (*now)(void *ctx);                         /* system time, ns */
    /* The host timer, for the next rising edge of channel 0's OUT (0: none). When it
     * expires, call i8254_timer_expired(). */
    void (*set_timer)(void *ctx, s_time_t deadline);
    void (*irq0)(void *ctx, bool level);                /* the ISA IRQ0 line */
};

/*
 * One counter. "Pulses" are CLK pulses counted from system time 0 (pulse p happens at
 * p / I8254_HZ seconds). While `state` is RUNNING, the counting element (CE) held `n`
 * at pulse `base` and evolves from there by the rules of its mode.
 */
struct i8254_channel {
    /* The programming: the control word and the count register (CR). */
    u8 ctrl;                /* control word bits 5-0 (RW, M2-M0, BCD), for the status */
    u8 mode;                /* 0-5 (control word modes 6 and 7 are 2 and 3) */
    u8 rw;                  /* I8254_RW_LSB, _MSB or _WORD */
    bool bcd;
    u16 cr;                 /* the last count written */
    u8 cr_lsb;              /* the first byte of a two-byte count being written */
    bool write_msb;         /* write flip-flop: the next byte written is the MSB */
    bool read_msb;          /* read flip-flop: the next byte read is the MSB */
    bool cr_valid;          /* a count has been written since the control word */
    /* Latches (counter latch and read-back commands). */
    bool count_latched, status_latched;
    u16 ol;                 /* the output latch */
    u8 status;
    /* The counting element. */
    u8 state;               /* I8254_IDLE, _RUNNING or _PAUSED */
    bool gate;              /* the GATE input level */
    s64 base;               /* RUNNING: the pulse the CE was loaded with `n` at */
    u32 n;                  /* the count loaded: 1..65536 (binary) or 1..10000 (BCD) */
    bool low_first;         /* mode 3: this count started with the low half-cycle */
    s64 paused_k;           /* modes 0 and 4, PAUSED: pulses counted before the gate fell */
    s64 load_at;            /* modes 0 and 4: the pulse the last count is loaded at */
    u32 held;               /* the CE while not counting, or before `base` */
    bool out_held;          /* OUT while idle, or before `base` */
    /* Modes 2 and 3: a count written while counting, loaded at the end of the current
     * cycle (mode 2) or half-cycle (mode 3), at pulse next_at. */
    bool has_next;
    s64 next_at;
    u32 next_n;
    bool next_low_first;
    s64 null_until;         /* null count (status bit 6) until this pulse */
};

/* Channel states. */
#define I8254_IDLE      0   /* no count loaded, or waiting for a trigger (modes 1, 5) */
#define I8254_RUNNING   1
#define I8254_PAUSED    2   /* GATE low: modes 0 and 4 hold the count, 2 and 3 reload */

/* Read/write formats (control word bits 5-4). */
#define I8254_RW_LATCH  0
#define I8254_RW_LSB    1
#define I8254_RW_MSB    2
#define I8254_RW_WORD   3   /* LSB then MSB */

struct i8254 {
    struct i8254_channel ch[I8254_CHANNELS];
    u8 port_b;              /* port B bits 0-3 as written */
    s64 last_pulse;         /* the latest pulse seen (time never runs back) */
    s64 irq_checked;        /* channel 0's rising edges up to this pulse are delivered */
    bool irq_level;         /* the level last driven on IRQ0 */
    s_time_t deadline;      /* the host timer as last programmed (0: none) */
    const struct i8254_ops *ops;
    void *ctx;
};

/*
 * The state after reset: every channel as after a control word for mode 3, LSB then
 * MSB, binary, with no count written (idle, OUT high, no interrupts: the firmware
 * programs channel 0); port B 0, so channel 2's GATE is low.
 */
void i8254_init(struct i8254 *pit, const struct i8254_ops *ops, void *ctx);

/* A byte access to port 0x40-0x43 or 0x61 (others read 0xff, writes are ignored). */
u8 i8254_read(struct i8254 *pit, u16 port);
void i8254_write(struct i8254 *pit, u16 port, u8 val);

/* The host timer programmed through ops->set_timer expired. */
void i8254_timer_expired(struct i8254 *pit);

/* CLK pulses and system time: the pulses that have happened by time t, and the first
 * time by which pulse p has happened. */
s64 i8254_ns_to_pulse(s_time_t t);
s_time_t i8254_pulse_to_ns(s64 p);

/* ---- the glue of a domain's PIT (common/hvm/vpit.c) ---- */

/* Create the domain's PIT: ports 0x40-0x43 and 0x61, its timer on vCPU 0's pCPU.
 * 0 or -ENOMEM, or the port registry's error. */
int vpit_init(struct domain *d);
/* Kill its timer and free it (a no-op when vpit_init did not run or failed). */
void vpit_destroy(struct domain *d);

#endif /* HV_I8254_H */
