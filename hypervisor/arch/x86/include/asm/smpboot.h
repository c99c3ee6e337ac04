/* SPDX-License-Identifier: BSD-2-Clause */
/* Starting the other CPUs (arch/x86/smpboot.c, smp.c). */
#ifndef ASM_SMPBOOT_H
#define ASM_SMPBOOT_H

#include <hv/compiler.h>

/* Start every enabled CPU of the MADT (up to "maxcpus="). */
void smp_boot_cpus(void);
/* Install the IPI handlers (call-function, event-check). */
void smp_ipi_init(void);
/* Give a CPU its NMI, #DF and #MC stacks; 0 or -1 when out of memory. */
int alloc_ist_stacks(unsigned int cpu);
/* The application processors' C entry, from the trampoline. */
void start_secondary(unsigned int cpu) __noreturn;
/* Every CPU ends here: softirqs, then HLT until the next interrupt. */
void idle_loop(void) __noreturn;

#endif /* ASM_SMPBOOT_H */
