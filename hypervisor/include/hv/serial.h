/* SPDX-License-Identifier: BSD-2-Clause */
/* The host serial console (drivers/ns16550.c). */
#ifndef HV_SERIAL_H
#define HV_SERIAL_H

/* COM1 with defaults, for the first messages. */
void ns16550_init_early(void);
/* Apply "console=" and "comN=" once the command line is parsed. */
void ns16550_init_params(void);
/* Take input by interrupt (IO-APIC) or, failing that, by polling. */
void ns16550_init_irq(void);

#endif /* HV_SERIAL_H */
