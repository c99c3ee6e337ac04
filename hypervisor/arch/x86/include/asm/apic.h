/* SPDX-License-Identifier: BSD-2-Clause */
/* The host's local APIC (Intel SDM vol. 3, ch. 11; AMD APM vol. 2, ch. 16). */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <hv/types.h>

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16. */
#define APIC_ID      0x020
#define APIC_LVR     0x030
#define APIC_TPR     0x080
#define APIC_EOI     0x0b0
#define APIC_LDR     0x0d0
#define APIC_DFR     0x0e0
#define APIC_SVR     0x0f0
#define  APIC_SVR_ENABLE (1u << 8)
#define APIC_ESR     0x280
#define APIC_ICR     0x300
#define APIC_ICR2    0x310
#define APIC_LVTT    0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC   0x340
#define APIC_LVT0    0x350
#define APIC_LVT1    0x360
#define APIC_LVTERR  0x370
#define APIC_TMICT   0x380
#define APIC_TMCCT   0x390
#define APIC_TDCR    0x3e0

#define APIC_LVT_MASKED      (1u << 16)
#define APIC_LVT_LEVEL       (1u << 15)
#define APIC_LVT_ACTIVE_LOW  (1u << 13)
#define APIC_TIMER_ONESHOT   (0u << 17)
#define APIC_TIMER_PERIODIC  (1u << 17)
#define APIC_TIMER_TSC_DEADLINE (2u << 17)
#define APIC_TDCR_DIV_1      0xb

/* ICR */
#define APIC_DM_FIXED    (0u << 8)
#define APIC_DM_NMI      (4u << 8)
#define APIC_DM_INIT     (5u << 8)
#define APIC_DM_STARTUP  (6u << 8)
#define APIC_DM_EXTINT   (7u << 8)
#define APIC_ICR_BUSY    (1u << 12)
#define APIC_ICR_ASSERT  (1u << 14)
#define APIC_ICR_LEVEL   (1u << 15)
#define APIC_DEST_SELF          (1u << 18)
#define APIC_DEST_ALL           (2u << 18)
#define APIC_DEST_ALL_BUT_SELF  (3u << 18)

struct acpi_info;

/* Map and enable the boot CPU's APIC (x2APIC mode when the CPU has it). */
void apic_init_bsp(const struct acpi_info *ai);
/* Enable and configure the running CPU's APIC (every CPU). */
void apic_init_cpu(void);
bool apic_x2apic_mode(void);

u32 apic_read(unsigned int reg);
void apic_write(unsigned int reg, u32 val);
u32 apic_current_id(void);
void apic_eoi(void);

/* Send an IPI: `icr_low` is vector | delivery mode | flags | shorthand. */
void apic_send_ipi(u32 dest_apic_id, u32 icr_low);
void apic_wait_icr_idle(void);

/* The LAPIC timer, on the hypervisor's timer subsystem. */
void apic_timer_init(void);          /* boot CPU: calibrate; once */
void apic_timer_init_cpu(void);      /* every CPU: LVT and vector */
const char *apic_timer_mode(void);

#endif /* ASM_APIC_H */
