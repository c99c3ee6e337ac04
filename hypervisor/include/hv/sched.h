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

/*
 * Held kicks. Between sched_hold_kicks() and sched_release_kicks(), both with
 * interrupts off, this pCPU's kicks of other pCPUs are gathered instead of sent; the
 * release sends them, one IPI per pCPU. The domain's interrupt lock, whose holder
 * wakes vCPUs that will take the same lock next, holds its kicks and releases them
 * once it has let go (hvm_irq_lock/hvm_irq_unlock, hv/hvm_irq.h).
 *
 * Why: when pCPUs are themselves threads of a host that schedules (an emulator, a
 * nested hypervisor, a cloud VM), the woken pCPU's thread tends to preempt the
 * waker's at once, and then spins on the lock the preempted waker still holds
 * (lock-holder preemption). Under QEMU on a loaded host that made IPI round trips
 * take up to a second. Each kick still goes out after what it announces is visible.
 */
void sched_hold_kicks(void);
void sched_release_kicks(void);
/* Are this pCPU's kicks held? (Whoever then waits for another pCPU to act on a kick
 * waits forever.) */
bool sched_kicks_held(void);

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
