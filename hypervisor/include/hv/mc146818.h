/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated MC146818A real-time clock and its CMOS RAM (common/hvm/mc146818.c), as
 * PCs have it: the index port 0x70 (bit 7 the NMI mask) and the data port 0x71, over
 * 128 bytes:
 *
 *   0x00-0x09  seconds, alarm seconds, minutes, alarm minutes, hours, alarm hours,
 *              day of week (1-7, Sunday 1), day of month, month, year (00-99)
 *   0x0a-0x0d  registers A (UIP, divider, rate), B (SET, PIE, AIE, UIE, SQWE, DM,
 *              24/12, DSE), C (IRQF, PF, AF, UF; read to clear), D (VRT)
 *   0x0e-0x7f  battery-backed RAM; 0x32 is the century (IBM's convention, which the
 *              ACPI FADT's CENTURY field names), kept by the clock like the year
 *
 * The time is not ticked: the chip holds a time in seconds at a known update of its
 * divider chain, whose phase is a system time, and the registers, the update-in-
 * progress bit and the interrupt flags follow from the time now. A host timer is
 * asked for only when an enabled interrupt source is next due.
 *
 * A pure state machine: time, that timer and the IRQ8 line are struct mc146818_ops
 * callbacks, so host unit tests drive it with fake time. Locking is the caller's
 * (common/hvm/vrtc.c holds the device's own lock around every call).
 */
#ifndef HV_MC146818_H
#define HV_MC146818_H

#include <hv/types.h>

struct domain;

#define MC146818_PORT_INDEX 0x70
#define MC146818_PORT_DATA  0x71
#define MC146818_BYTES      128

/* Registers. */
#define RTC_SECONDS         0x00
#define RTC_SECONDS_ALARM   0x01
#define RTC_MINUTES         0x02
#define RTC_MINUTES_ALARM   0x03
#define RTC_HOURS           0x04
#define RTC_HOURS_ALARM     0x05
#define RTC_DAY_OF_WEEK     0x06
#define RTC_DAY_OF_MONTH    0x07
#define RTC_MONTH           0x08
#define RTC_YEAR            0x09
#define RTC_REG_A           0x0a
#define RTC_REG_B           0x0b
#define RTC_REG_C           0x0c
#define RTC_REG_D           0x0d
#define RTC_CENTURY         0x32

/* Register A. */
#define RTC_A_UIP           0x80    /* an update starts within 244 us */
#define RTC_A_DV_MASK       0x70    /* divider: 010 the 32.768 kHz time base, running;
                                       11x the chain held in reset */
#define RTC_A_DV_32KHZ      0x20
#define RTC_A_RS_MASK       0x0f    /* periodic rate select */
/* Register B. */
#define RTC_B_SET           0x80    /* updates stop; the time may be written */
#define RTC_B_PIE           0x40
#define RTC_B_AIE           0x20
#define RTC_B_UIE           0x10
#define RTC_B_DM_BINARY     0x04    /* (0x08 SQWE, 0x01 DSE: kept, no effect on a PC) */
#define RTC_B_24H           0x02
/* The hours register in 12-hour form: bit 7 is PM. */
#define RTC_HOURS_PM        0x80
/* Register C. */
#define RTC_C_IRQF          0x80
#define RTC_C_PF            0x40
#define RTC_C_AF            0x20
#define RTC_C_UF            0x10
/* Register D. */
#define RTC_D_VRT           0x80

/* The NVRAM bytes firmware reads the memory size from (see mc146818_set_memory). */
#define CMOS_BASE_MEM_LO    0x15    /* KiB below 1 MiB (640) */
#define CMOS_BASE_MEM_HI    0x16
#define CMOS_EXT_MEM_LO     0x17    /* KiB above 1 MiB, at most 0xffff */
#define CMOS_EXT_MEM_HI     0x18
#define CMOS_CHECKSUM_HI    0x2e    /* sum of 0x10-0x2d */
#define CMOS_CHECKSUM_LO    0x2f
#define CMOS_EXT_MEM2_LO    0x30    /* the same, as POST found it */
#define CMOS_EXT_MEM2_HI    0x31
#define CMOS_MEM_16M_LO     0x34    /* 64 KiB units above 16 MiB, below 4 GiB */
#define CMOS_MEM_16M_HI     0x35
#define CMOS_MEM_4G_LO      0x5b    /* 64 KiB units above 4 GiB (QEMU/Bochs: SeaBIOS) */
#define CMOS_MEM_4G_MID     0x5c
#define CMOS_MEM_4G_HI      0x5d
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST  0x2d

/* A time register's byte as a number, in register B's format `b`: BCD or binary (DM);
 * the hours in 12-hour form (1-12, RTC_HOURS_PM) unless 24/12 is set. For the emulated
 * chip and for the reader of the host's own (arch/x86/wallclock.c). */
static inline unsigned int mc146818_dec(u8 b, u8 byte)
{
    return b & RTC_B_DM_BINARY ? byte : (byte >> 4) * 10 + (byte & 0xf);
}

static inline unsigned int mc146818_dec_hour(u8 b, u8 byte)
{
    if (b & RTC_B_24H)
        return mc146818_dec(b, byte);
    return mc146818_dec(b, byte & ~RTC_HOURS_PM) % 12 + (byte & RTC_HOURS_PM ? 12 : 0);
}

struct mc146818_ops {
    s_time_t (*now)(void *ctx);                         /* system time, ns */
    /* The host timer, for the next interrupt source due (0: none). When it expires,
     * call mc146818_timer_expired(). */
    void (*set_timer)(void *ctx, s_time_t deadline);
    void (*irq)(void *ctx, bool level);                 /* IRQ8: follows IRQF */
};

struct mc146818 {
    u8 index;               /* the register selected through port 0x70 */
    bool nmi_disabled;      /* port 0x70 bit 7: kept, no effect */
    u8 ram[MC146818_BYTES]; /* registers A-D (no UIP, C's flags), the alarm, the NVRAM,
                               and the time and century bytes while SET is on */
    /* The clock: `time` (seconds since 1970) held at update number `time_upd` of the
     * divider chain; update k happens at system time `phase` + k seconds. While SET
     * is on, or the divider is not running, `time` stands still. */
    s64 time;
    s64 time_upd;
    s_time_t phase;
    u8 dow_offset;          /* the day-of-week register's lead over the date's (0-6) */
    s_time_t last_now;      /* the latest time seen (time never runs back) */
    s_time_t flags_at;      /* PF, AF and UF account for everything up to here */
    bool irq_level;         /* the level last driven on IRQ8 */
    s_time_t deadline;      /* the host timer as last programmed (0: none) */
    const struct mc146818_ops *ops;
    void *ctx;
};

/*
 * Power-up: the clock at `time` (seconds since 1970, UTC) and running, its next
 * update a second from now; register A 0x26 (32.768 kHz, 1024 Hz periodic rate),
 * B 0x02 (24-hour, BCD, no interrupts), C 0, D VRT; the RAM zero.
 */
void mc146818_init(struct mc146818 *rtc, const struct mc146818_ops *ops, void *ctx,
                   s64 time);

/* A byte access to port 0x70 or 0x71 (others read 0xff, writes are ignored). Port
 * 0x70 is write-only and reads 0xff, as on QEMU's machines. */
u8 mc146818_read(struct mc146818 *rtc, u16 port);
void mc146818_write(struct mc146818 *rtc, u16 port, u8 val);

/* The host timer programmed through ops->set_timer expired. */
void mc146818_timer_expired(struct mc146818 *rtc);

/*
 * Fill in the memory-size bytes for a machine with RAM in [0, 640 KiB),
 * [1 MiB, low_end) and [4 GiB, 4 GiB + high_size), and the checksum over
 * 0x10-0x2d.
 */
void mc146818_set_memory(struct mc146818 *rtc, u64 low_end, u64 high_size);

/* ---- the glue of a domain's RTC (common/hvm/vrtc.c) ---- */

/* Create the domain's RTC: ports 0x70-0x71, the clock at the host's wall-clock time
 * in UTC, the memory bytes from the domain's RAM. 0, -ENOMEM or the port registry's
 * error. */
int vrtc_init(struct domain *d);
/* Kill its timer and free it (a no-op when vrtc_init did not run or failed). */
void vrtc_destroy(struct domain *d);

#endif /* HV_MC146818_H */
