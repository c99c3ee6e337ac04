/* SPDX-License-Identifier: BSD-2-Clause */
/* The host's IO-APICs and legacy 8259 PICs. */
#ifndef ASM_IO_APIC_H
#define ASM_IO_APIC_H

#include <hv/types.h>

struct acpi_info;

/* Re-base and mask the legacy 8259s; before the local APIC is set up. */
void i8259_disable(void);

/* Map every IO-APIC in the MADT, mask all their pins and describe them. */
void io_apic_init(const struct acpi_info *ai);

/*
 * Deliver ISA IRQ `irq` (after the MADT's overrides) as `vector` to the CPU with
 * APIC ID `dest`, and unmask it. Returns 0, or -ENODEV when no IO-APIC has its GSI.
 */
int io_apic_route_isa_irq(unsigned int irq, u8 vector, u32 dest);

#endif /* ASM_IO_APIC_H */
