/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Softirqs: work that an interrupt handler defers to a safer moment, run by the CPU's
 * idle loop (and later the vCPU run loop) with interrupts enabled.
 */
#ifndef HV_SOFTIRQ_H
#define HV_SOFTIRQ_H

#include <hv/types.h>

enum softirq {
    SOFTIRQ_TIMER,   /* run expired timers */
    SOFTIRQ_KEYS,    /* run typed debug keys */
    NR_SOFTIRQS
};

void open_softirq(enum softirq nr, void (*fn)(void));
void raise_softirq(enum softirq nr);                    /* on this CPU */
void cpu_raise_softirq(unsigned int cpu, enum softirq nr);
bool softirq_pending(unsigned int cpu);
void do_softirq(void);

#endif /* HV_SOFTIRQ_H */
