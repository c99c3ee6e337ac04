/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PC a Petrel domain sees: where its interrupt controllers and timers are. These
 * are the usual PC addresses, the ones QEMU's q35 and pc machines use too, so that
 * guest test kernels find the same devices on bare QEMU and in a Petrel domain.
 * The ACPI tables hvmloader builds (later) describe exactly this.
 */
#ifndef PUBLIC_ARCH_X86_PLATFORM_H
#define PUBLIC_ARCH_X86_PLATFORM_H

/* Local APIC (every vCPU sees its own here), IO-APIC, HPET. */
#define PLATFORM_LAPIC_BASE     0xfee00000u
#define PLATFORM_IOAPIC_BASE    0xfec00000u
#define PLATFORM_IOAPIC_ID      0           /* vCPU APIC IDs are 0, 1, 2...: the
                                               IO-APIC's ID is a separate space */
#define PLATFORM_IOAPIC_PINS    48          /* GSIs 0-47: 0-15 ISA, 16-47 PCI INTx */
#define PLATFORM_HPET_BASE      0xfed00000u

/* ISA IRQ n is GSI n, except the timer: IRQ0 is GSI 2 (the MADT's one override,
 * edge-triggered, active high, as on every PC). */
#define PLATFORM_ISA_IRQS       16
#define PLATFORM_PIT_IRQ        0
#define PLATFORM_RTC_IRQ        8

/*
 * PCI INTx on bus 0: device d's pin p (0-3 for INTA#-INTD#) drives GSI
 *     PLATFORM_PCI_GSI_BASE + (4 * d + p) % PLATFORM_PCI_GSIS
 * (level-triggered, active low as ACPI's _PRT will say). Devices 0-7 get lines of
 * their own; higher devices share, wire-ORed. PLATFORM_PCI_INTX_GSI() computes it.
 */
#define PLATFORM_PCI_GSI_BASE   16
#define PLATFORM_PCI_GSIS       32
#define PLATFORM_PCI_INTX_GSI(dev, pin) \
    (PLATFORM_PCI_GSI_BASE + (4 * (dev) + (pin)) % PLATFORM_PCI_GSIS)

/* MSI: a device's message is a 32-bit write of its data to its address in this
 * window (Intel SDM vol. 3, 11.11: address bits 19:12 the destination APIC ID, bit 3
 * redirection hint, bit 2 logical destination; data bits 7:0 the vector, 10:8 the
 * delivery mode, 14 level, 15 trigger mode). */
#define PLATFORM_MSI_BASE       0xfee00000u
#define PLATFORM_MSI_SIZE       0x100000u
#define PLATFORM_IRQ0_GSI       2

/* Legacy ports. */
#define PLATFORM_PIC_MASTER     0x20        /* and 0x21 */
#define PLATFORM_PIC_SLAVE      0xa0        /* and 0xa1 */
#define PLATFORM_ELCR           0x4d0       /* and 0x4d1: edge/level per IRQ */
#define PLATFORM_PIT            0x40        /* 0x40-0x43 */
#define PLATFORM_PORT_B         0x61        /* PIT channel 2 gate, speaker, OUT2 */
#define PLATFORM_RTC            0x70        /* index 0x70, data 0x71 */
/* The ACPI PM1 block, where QEMU's q35 (ICH9) and pc (PIIX4) machines put theirs:
 * PM1a_STS 0x600 (16 bits), PM1a_EN 0x602, PM1a_CNT 0x604, PM_TMR 0x608 (32 bits,
 * 3.579545 MHz). SCI on ISA IRQ 9 (level, active high). Writing SLP_EN with SLP_TYP
 * PLATFORM_S5_SLP_TYP to PM1a_CNT powers the domain off, as QEMU's \_S5 says. */
#define PLATFORM_PM1_BASE       0x600
#define PLATFORM_PM1_STS        0x600
#define PLATFORM_PM1_EN         0x602
#define PLATFORM_PM1_CNT        0x604
#define PLATFORM_PM_TIMER       0x608
#define PLATFORM_PM_TIMER_HZ    3579545u
#define PLATFORM_SCI_IRQ        9
#define PLATFORM_S5_SLP_TYP     0

/* The local APIC timer counts at this rate (before its divider): 1 GHz, a nanosecond
 * a tick, as Xen's virtual APIC does. */
#define PLATFORM_APIC_TIMER_HZ  1000000000u

/* HPET main counter: 100 MHz (a 10 ns period, 10^7 femtoseconds). */
#define PLATFORM_HPET_HZ        100000000u

#endif /* PUBLIC_ARCH_X86_PLATFORM_H */
