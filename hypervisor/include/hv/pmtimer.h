/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated ACPI PM1 event and control blocks and the PM timer
 * (common/hvm/pmtimer.c), ACPI 6.4 section 4.8, at PLATFORM_PM1_BASE:
 *
 *   +0  PM1a_STS  16 bits, write 1 to clear: TMR_STS, PWRBTN_STS, WAK_STS...
 *   +2  PM1a_EN   16 bits: TMR_EN, PWRBTN_EN...
 *   +4  PM1a_CNT  16 bits: SCI_EN, SLP_TYP, SLP_EN (+6: two reserved bytes)
 *   +8  PM_TMR    32 bits, read-only: PLATFORM_PM_TIMER_HZ since the domain was
 *                 created (the FADT's TMR_VAL_EXT: 32 bits)
 *
 * The SCI (PLATFORM_SCI_IRQ, level, active high) is asserted while SCI_EN is set and
 * a status bit is set whose enable bit is set. Writing SLP_EN with SLP_TYP =
 * PLATFORM_S5_SLP_TYP powers the domain off; no other sleep state is implemented.
 *
 * The chip (pm1_*) is a pure state machine: time, its host timer, the SCI line and
 * the power-off request are struct pm1_ops callbacks, so host unit tests drive it
 * with fake time. Locking is the caller's. The glue (pmtimer_*) makes it a platform
 * device of a domain (hv/hvm_irq.h) with its own lock.
 */
#ifndef HV_PMTIMER_H
#define HV_PMTIMER_H

#include <hv/types.h>

struct domain;

#define PM1_BLOCK_LEN   12      /* PM1a_STS to the end of PM_TMR */

struct pm1_ops {
    s_time_t (*now)(void *ctx);                       /* system time, ns */
    void (*set_timer)(void *ctx, s_time_t deadline);  /* the next event; 0: none */
    void (*set_sci)(void *ctx, bool level);
    void (*power_off)(void *ctx);                     /* SLP_EN written for S5 */
};

struct pm1 {
    u16 sts;                /* PM1a_STS */
    u16 en;                 /* PM1a_EN */
    u16 cnt;                /* PM1a_CNT, the bits that read back */
    s_time_t start;         /* the system time PM_TMR was 0 */
    u64 toggles;            /* PM_TMR bit-31 toggles already reported in TMR_STS */
    s_time_t deadline;      /* the host timer as last programmed (0: none) */
    bool sci;               /* the SCI line as last driven */
    unsigned int domid;     /* for log lines */
    const struct pm1_ops *ops;
    void *ctx;
};

/* Reset state, PM_TMR counting from now; SCI_EN clear (the firmware or the OS sets
 * it). */
void pm1_init(struct pm1 *pm, const struct pm1_ops *ops, void *ctx, unsigned int domid);

/*
 * A port access of `size` bytes (1, 2 or 4) at `off` from PLATFORM_PM1_BASE: each
 * byte is the byte of the block at that offset, so a 2-byte read of PM1a_STS, a
 * 1-byte read of PM_TMR's low byte or a 4-byte write of PM1a_STS and PM1a_EN
 * together all do what they say. Bytes past the block read 0xff.
 */
u32 pm1_read(struct pm1 *pm, unsigned int off, unsigned int size);
void pm1_write(struct pm1 *pm, unsigned int off, unsigned int size, u32 val);

/* The host timer set through ops->set_timer expired. */
void pm1_timer_expired(struct pm1 *pm);

/* The power button was pressed: PWRBTN_STS. */
void pm1_power_button(struct pm1 *pm);

/* The domain's PM1 block (a platform device): init: 0, -ENOMEM or the port
 * registry's error. */
int pmtimer_init(struct domain *d);
void pmtimer_destroy(struct domain *d);
/* Press the domain's power button (for a toolstack or a debug key; the guest's OS
 * decides what to do). */
void pmtimer_power_button(struct domain *d);

#endif /* HV_PMTIMER_H */
