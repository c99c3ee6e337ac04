/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PC platform's interrupt controllers and timers, for tests that program them:
 * the local APIC (xAPIC and x2APIC), the IO-APIC, the 8259 pair, the 8254 PIT, the
 * MC146818 RTC, the HPET, the ACPI PM timer, and the ACPI tables that describe them.
 * Addresses and rates are the platform's (public/arch-x86/platform.h), the same as
 * QEMU's q35 and pc machines', so every test also runs on plain QEMU.
 *
 * Everything here works in every mode (real mode reaches the MMIO registers through
 * big real mode), except what needs SMP. Nothing here waits without a timeout.
 *
 * References: Intel SDM vol. 3A, chapter "Advanced Programmable Interrupt Controller
 * (APIC)"; Intel 82093AA IO-APIC datasheet; Intel 8259A and 82C54 datasheets;
 * Motorola MC146818A datasheet; IA-PC HPET specification 1.0a; ACPI specification,
 * "ACPI Hardware Specification" (PM timer, PM1 registers) and "FADT".
 */
#ifndef GUEST_DEVICES_H
#define GUEST_DEVICES_H

#include "framework.h"

#include <arch-x86/platform.h>

/* ---- local APIC (apic.c) ---- */

#define APIC_ID         0x020
#define APIC_VERSION    0x030
#define APIC_TPR        0x080
#define APIC_PPR        0x0a0
#define APIC_EOI        0x0b0
#define APIC_LDR        0x0d0
#define APIC_DFR        0x0e0       /* xAPIC only */
#define APIC_SVR        0x0f0
#define  APIC_SVR_ENABLE        (1u << 8)
#define  APIC_SVR_NO_EOI_BCAST  (1u << 12)
#define APIC_ISR        0x100       /* 8 registers, 0x10 apart: vectors 32 each */
#define APIC_TMR        0x180
#define APIC_IRR        0x200
#define APIC_ESR        0x280
#define APIC_ICR        0x300
#define APIC_ICR2       0x310       /* xAPIC: the destination, bits 24-31 */
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PMC    0x340
#define APIC_LVT_LINT0  0x350
#define APIC_LVT_LINT1  0x360
#define APIC_LVT_ERROR  0x370
#define APIC_TIMER_ICR  0x380       /* initial count */
#define APIC_TIMER_CCR  0x390       /* current count */
#define APIC_TIMER_DCR  0x3e0       /* divide configuration */
#define APIC_SELF_IPI   0x3f0       /* x2APIC only */

/* ICR and LVT fields */
#define APIC_DM_FIXED   (0u << 8)
#define APIC_DM_LOWEST  (1u << 8)
#define APIC_DM_SMI     (2u << 8)
#define APIC_DM_NMI     (4u << 8)
#define APIC_DM_INIT    (5u << 8)
#define APIC_DM_STARTUP (6u << 8)
#define APIC_DM_EXTINT  (7u << 8)
#define APIC_DEST_LOGICAL (1u << 11)
#define APIC_DELIVERY_PENDING (1u << 12)
#define APIC_LEVEL_ASSERT (1u << 14)
#define APIC_TRIGGER_LEVEL (1u << 15)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_DEST_SELF      (1u << 18)
#define APIC_DEST_ALL       (2u << 18)
#define APIC_DEST_ALL_BUT_SELF (3u << 18)
/* LVT timer modes */
#define APIC_TIMER_ONESHOT  (0u << 17)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_TSC_DEADLINE (2u << 17)

#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_BASE       0x800
#define APIC_BASE_BSP   (1u << 8)
#define APIC_BASE_EXTD  (1u << 10)
#define APIC_BASE_EN    (1u << 11)

/* CPUID.1 */
#define CPUID1_EDX_APIC     (1u << 9)
#define CPUID1_ECX_X2APIC   (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

bool lapic_present(void);               /* CPUID.1:EDX.APIC */
bool x2apic_available(void);            /* CPUID.1:ECX.x2APIC */
bool tsc_deadline_available(void);      /* CPUID.1:ECX.TSC-deadline */

/* Registers by their xAPIC offset, in this CPU's mode (MMIO, or MSR 0x800 + off/16). */
uint32_t lapic_read(unsigned int reg);
void lapic_write(unsigned int reg, uint32_t val);

/*
 * Enable this CPU's local APIC: globally (IA32_APIC_BASE.EN, in xAPIC mode unless it
 * is in x2APIC mode already) and by software (SVR: enabled, SPURIOUS_VECTOR, whose
 * interrupts are counted in this_cpu()->spurious), TPR 0. Fails the test if the
 * APIC is not at PLATFORM_LAPIC_BASE.
 */
void lapic_enable(void);
/* xAPIC -> x2APIC (false if the CPU has none); the registers keep their values. */
bool lapic_enable_x2apic(void);
/* x2APIC -> disabled -> xAPIC, then lapic_enable(): the only way back (SDM 10.12.5). */
void lapic_back_to_xapic(void);
/* IA32_APIC_BASE.EN = 0: the APIC is off; the 8259 reaches the CPU directly. */
void lapic_global_disable(void);
bool lapic_is_x2apic(void);

uint32_t lapic_id(void);                /* x2APIC: all 32 bits; xAPIC: bits 24-31 */
/* xAPIC only: the flat logical model (DFR all ones) with LDR bit `bit` (0-7) alone, so
 * that logical destination mask 1 << bit names this CPU. */
void lapic_set_flat_ldr(unsigned int bit);
static inline void lapic_eoi(void) { lapic_write(APIC_EOI, 0); }
static inline void lapic_set_tpr(uint8_t tpr) { lapic_write(APIC_TPR, tpr); }
/* Is `vector` set in the IRR, ISR or TMR? */
bool lapic_irr(uint8_t vector);
bool lapic_isr(uint8_t vector);
bool lapic_tmr(uint8_t vector);

/*
 * Send an IPI: `icr` holds the vector, delivery mode, destination mode, level,
 * trigger and shorthand; `dest` the destination (an APIC ID, or a logical mask).
 * Interrupts are held off while the ICR is written. In xAPIC mode it first waits for
 * the previous IPI to leave (delivery status), failing the test after 100 ms.
 */
void lapic_send_ipi(uint32_t dest, uint32_t icr);

/* The local APIC timer. `divide` is 1, 2, 4 ... 128. */
void lapic_timer_set_divide(unsigned int divide);
/* Start it: mode APIC_TIMER_ONESHOT or _PERIODIC, with that initial count. */
void lapic_timer_start(uint32_t mode, uint8_t vector, uint32_t count);
/* Arm the TSC-deadline mode: the LVT in that mode, then IA32_TSC_DEADLINE. */
void lapic_timer_deadline(uint8_t vector, uint64_t tsc);
void lapic_timer_stop(void);            /* masked, initial count 0, deadline 0 */
static inline uint32_t lapic_timer_count(void) { return lapic_read(APIC_TIMER_CCR); }

/* ---- IO-APIC (apic.c) ---- */

#define IOAPIC_REGSEL   0x00
#define IOAPIC_WINDOW   0x10
#define IOAPIC_EOIR     0x40        /* version 0x20 and later: EOI by vector */
#define IOAPIC_REG_ID   0x00
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REG_RTE(pin) (0x10 + 2 * (pin))

/* Redirection entry fields (the low word; the destination is bits 56-63) */
#define IOAPIC_DM_FIXED     (0u << 8)
#define IOAPIC_DM_LOWEST    (1u << 8)
#define IOAPIC_DM_NMI       (4u << 8)
#define IOAPIC_DM_EXTINT    (7u << 8)
#define IOAPIC_DEST_LOGICAL (1u << 11)
#define IOAPIC_PENDING      (1u << 12)
#define IOAPIC_ACTIVE_LOW   (1u << 13)
#define IOAPIC_REMOTE_IRR   (1u << 14)
#define IOAPIC_LEVEL        (1u << 15)
#define IOAPIC_MASKED       (1u << 16)

uint32_t ioapic_read(unsigned int reg);
void ioapic_write(unsigned int reg, uint32_t val);
unsigned int ioapic_pins(void);         /* from the version register */
unsigned int ioapic_version(void);
uint64_t ioapic_get_entry(unsigned int pin);
void ioapic_set_entry(unsigned int pin, uint64_t entry);
/* Route `pin` to `vector` at APIC ID `dest` (physical, fixed) with `flags` (level,
 * active low, masked, logical: then dest is a logical mask). */
void ioapic_route(unsigned int pin, uint8_t vector, uint32_t flags, uint32_t dest);
void ioapic_mask(unsigned int pin, bool masked);
void ioapic_mask_all(void);
static inline bool ioapic_remote_irr(unsigned int pin)
{
    return ioapic_get_entry(pin) & IOAPIC_REMOTE_IRR;
}

/* ---- 8259 PIC pair (pic.c) ---- */

#define PIC_MASTER_CMD  PLATFORM_PIC_MASTER
#define PIC_MASTER_DATA (PLATFORM_PIC_MASTER + 1)
#define PIC_SLAVE_CMD   PLATFORM_PIC_SLAVE
#define PIC_SLAVE_DATA  (PLATFORM_PIC_SLAVE + 1)
#define PIC_CASCADE_IRQ 2

/* ICW1-ICW4: edge-triggered, cascaded (slave on IRQ2), 8086 mode, normal EOI; IRQs
 * 0-7 at vectors master_base.., 8-15 at slave_base..; all masked afterwards. */
void pic_init(uint8_t master_base, uint8_t slave_base);
void pic_set_mask(uint16_t mask);       /* bit n masks IRQ n (OCW1) */
uint16_t pic_get_mask(void);
void pic_unmask_irq(unsigned int irq);  /* (and the cascade for a slave IRQ) */
void pic_mask_irq(unsigned int irq);
/* Non-specific EOI (OCW2) to the slave for IRQs 8-15, then to the master. */
void pic_eoi(unsigned int irq);
uint16_t pic_irr(void);                 /* OCW3 read IRR, both chips */
uint16_t pic_isr(void);                 /* OCW3 read ISR */
/* OCW3 poll command: the highest-priority request, acknowledged as an INTA would
 * (its ISR bit is set: EOI it), or -1 if none. */
int pic_poll(void);
/* ELCR (0x4d0/0x4d1): bit n set = IRQ n level-triggered. */
uint16_t pic_elcr(void);

/* ---- 8254 PIT (pic.c) ---- */

#define PIT_HZ          1193182u
#define PIT_CH0         PLATFORM_PIT
#define PIT_CH2         (PLATFORM_PIT + 2)
#define PIT_CMD         (PLATFORM_PIT + 3)
#define PIT_MODE_INTERRUPT  0           /* mode 0: interrupt on terminal count */
#define PIT_MODE_RATE       2           /* mode 2: rate generator */
#define PIT_MODE_SQUARE     3           /* mode 3: square wave */

/* Channel 0 (IRQ0) in `mode` with `divisor` (0 = 65536). */
void pit_start(unsigned int mode, uint16_t divisor);
/* Channel 0 in mode 0 with a count of 1: OUT rises once, at once, and stays high:
 * no more edges on IRQ0. */
void pit_stop(void);
/* Latch and read a channel's count. */
uint16_t pit_read_count(unsigned int channel);

/* ---- HPET (hpet.c) ---- */

#define HPET_CAP        0x000       /* 64 bits: ID, timers, period in fs (high half) */
#define  HPET_CAP_COUNT_64      (1u << 13)
#define  HPET_CAP_LEGACY        (1u << 15)
#define HPET_CONFIG     0x010
#define  HPET_CFG_ENABLE        (1u << 0)
#define  HPET_CFG_LEGACY        (1u << 1)
#define HPET_STATUS     0x020       /* general interrupt status: bit n = timer n */
#define HPET_COUNTER    0x0f0
#define HPET_TN_CONFIG(n)   (0x100 + 0x20 * (n))
#define HPET_TN_COMPARATOR(n) (0x108 + 0x20 * (n))
#define  HPET_TN_LEVEL          (1u << 1)
#define  HPET_TN_ENABLE         (1u << 2)
#define  HPET_TN_PERIODIC       (1u << 3)
#define  HPET_TN_PERIODIC_CAP   (1u << 4)
#define  HPET_TN_64BIT_CAP      (1u << 5)
#define  HPET_TN_SETVAL         (1u << 6)
#define  HPET_TN_32BIT          (1u << 8)
#define  HPET_TN_ROUTE_SHIFT    9
#define  HPET_TN_ROUTE_MASK     (0x1fu << 9)
#define  HPET_TN_FSB_ENABLE     (1u << 14)

/* Registers: 64-bit accesses in long mode, two 32-bit accesses (low word first for
 * writes) otherwise. */
uint64_t hpet_read(unsigned int reg);
void hpet_write(unsigned int reg, uint64_t val);
static inline uint32_t hpet_read32(unsigned int reg)
{
    return mmio_read32(PLATFORM_HPET_BASE + reg);
}
static inline void hpet_write32(unsigned int reg, uint32_t val)
{
    mmio_write32(PLATFORM_HPET_BASE + reg, val);
}
/* The main counter as one consistent 64-bit value (high, low, high in 32-bit code). */
uint64_t hpet_counter(void);
/* Present: the capability register reads like an HPET's (period 0 < p <= 100 ns). */
bool hpet_present(void);
uint32_t hpet_period_fs(void);
unsigned int hpet_timers(void);
/* The counter's rate per its capabilities register, in mHz. */
uint64_t hpet_rate_mhz(void);
/* Which interrupt routes (IO-APIC inputs) timer n may use: bit g = GSI g. */
uint32_t hpet_route_cap(unsigned int n);

/* ---- MC146818 RTC (rtc.c) ---- */

#define RTC_SECONDS     0x00
#define RTC_MINUTES     0x02
#define RTC_HOURS       0x04
#define RTC_WEEKDAY     0x06
#define RTC_DAY         0x07
#define RTC_MONTH       0x08
#define RTC_YEAR        0x09
#define RTC_REG_A       0x0a
#define  RTC_A_UIP      (1u << 7)
#define RTC_REG_B       0x0b
#define  RTC_B_SET      (1u << 7)
#define  RTC_B_PIE      (1u << 6)
#define  RTC_B_AIE      (1u << 5)
#define  RTC_B_UIE      (1u << 4)
#define  RTC_B_BINARY   (1u << 2)
#define  RTC_B_24H      (1u << 1)
#define RTC_REG_C       0x0c
#define  RTC_C_IRQF     (1u << 7)
#define  RTC_C_PF       (1u << 6)
#define  RTC_C_AF       (1u << 5)
#define  RTC_C_UF       (1u << 4)
#define RTC_REG_D       0x0d
#define RTC_CENTURY     0x32        /* the PC's (and the FADT's usual) century byte */
#define RTC_IRQ         8

uint8_t cmos_read(uint8_t reg);
void cmos_write(uint8_t reg, uint8_t val);

struct rtc_time {
    unsigned int sec, min, hour, day, month, year;  /* year: 4 digits */
    bool pm;                            /* 12-hour mode: the PM bit of the hour */
};
/* The registers as stored, converted from BCD if register B says BCD; hour in the
 * mode register B says (1-12 plus pm, or 0-23). Reads while UIP is clear, twice
 * until two reads agree. False if that never happens within a second. */
bool rtc_read_time(struct rtc_time *t);
/* Write the time in the format register B says, with SET held (the clock stops,
 * then restarts from this time). */
void rtc_write_time(const struct rtc_time *t);
/* Seconds since midnight of a 24-hour time, or of a 12-hour one. */
unsigned int rtc_day_seconds(const struct rtc_time *t, bool twelve_hour);
/* 0-99 as two BCD digits. */
uint8_t to_bcd(unsigned int v);

/* ---- ACPI PM timer (time.c) ---- */

#define PMTIMER_PORT    PLATFORM_PM_TIMER
#define PM1_STS_TMR     (1u << 0)
#define PM1_EN_TMR      (1u << 0)
static inline uint32_t pmtimer_read(void) { return inl(PMTIMER_PORT); }
/* It ticks (and does not read as a floating bus). */
bool pmtimer_present(void);

/* ---- ACPI tables (acpi.c) ---- */

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem_id[6], oem_table_id[8];
    uint32_t oem_revision, creator_id, creator_revision;
} __attribute__((packed));

/* The table with that signature ("FACP", "APIC", "HPET"), checksum verified: found
 * through the RSDP the loader gave (PVH) or the BIOS areas; NULL when there is none. */
const struct acpi_header *acpi_find_table(const char *signature);

#define FADT_PM_TMR_BLK     76      /* offsets in the FADT */
#define FADT_PM_TMR_LEN     91
#define FADT_CENTURY        108
#define FADT_FLAGS          112
#define  FADT_TMR_VAL_EXT   (1u << 8)

#endif /* GUEST_DEVICES_H */
