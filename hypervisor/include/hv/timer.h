/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One-shot software timers, each bound to a CPU. A timer's function runs on its CPU
 * from the timer softirq (interrupts enabled, no locks held) at or after `expires`.
 * A function may re-arm its own timer for periodic work.
 */
#ifndef HV_TIMER_H
#define HV_TIMER_H

#include <hv/list.h>
#include <hv/types.h>

struct timer {
    s_time_t expires;
    void (*fn)(void *data);
    void *data;
    unsigned int cpu;
    bool active;             /* on its CPU's list */
    bool killed;             /* kill_timer ran: set_timer does nothing any more */
    struct list_head list;   /* sorted by expires */
};

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
/* (Re)arm: runs fn at `expires` (system time, ns). Nothing, once the timer is killed. */
void set_timer(struct timer *t, s_time_t expires);
/* Disarm; the function may still be running on its CPU when this returns. */
void stop_timer(struct timer *t);
/* Disarm for good and wait until the function is not running: then the timer may be
 * freed. A function running meanwhile cannot re-arm it (set_timer does nothing on a
 * killed timer). Not from the timer's own function; init_timer revives it. */
void kill_timer(struct timer *t);

void timer_init_cpu(unsigned int cpu);  /* the CPU's list; before it takes interrupts */
void timer_subsys_init(void);           /* the softirq; once */

#endif /* HV_TIMER_H */
