/* SPDX-License-Identifier: BSD-2-Clause */
/* Ending the machine's run (arch/x86/acpi.c). */
#ifndef HV_SHUTDOWN_H
#define HV_SHUTDOWN_H

#include <hv/compiler.h>

/* ACPI S5; halts with a message when the firmware gives no way to power off. */
void machine_power_off(void) __noreturn;
/* The FADT reset register, then the keyboard controller, 0xCF9, a triple fault. */
void machine_restart(void) __noreturn;

#endif /* HV_SHUTDOWN_H */
