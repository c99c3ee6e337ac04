/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scheduler: each vCPU belongs to one pCPU (chosen round-robin when it is
 * created); each pCPU runs its runnable vCPUs in turn, a 10 ms slice each when more
 * than one wants to run. (A credit scheduler comes later.)
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/types.h>

struct vcpu;

#define SCHED_SLICE_MS 10

/* A pCPU for a new vCPU. */
unsigned int sched_pick_cpu(void);
void sched_init_cpu(unsigned int cpu);

/* Make a vCPU runnable (from HLT or offline) and nudge its pCPU. */
void vcpu_wake(struct vcpu *v);
/* The vCPU halts (called on its own pCPU, from its exit handler): it sleeps unless
 * an interrupt is already pending. */
void vcpu_block(struct vcpu *v);
/* Make a running vCPU leave guest mode soon (its domain is ending, say). */
void vcpu_kick(struct vcpu *v);

/* Neither running nor waiting on a run queue: safe to free. */
bool vcpu_descheduled(struct vcpu *v);

/* Should the running vCPU make way (its slice is over and others wait)? */
bool sched_should_yield(unsigned int cpu);
/* Run the next runnable vCPU of this pCPU, if any, until it stops; returns false when
 * there was none. Called from the idle loop with interrupts enabled. */
bool schedule(void);
/* Is a vCPU queued on this pCPU? The idle loop asks with interrupts off, just before
 * it halts: a vCPU woken after schedule() found nothing, whose event-check IPI came
 * before interrupts went off, would otherwise sleep until the next interrupt. */
bool sched_work_pending(void);

#endif /* HV_SCHED_H */
