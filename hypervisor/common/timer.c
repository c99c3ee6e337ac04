/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Software timers: per CPU, a list sorted by expiry under a lock. The CPU's hardware
 * timer (arch_set_timer_deadline) is always armed for the list's head; its interrupt
 * raises the timer softirq, which runs what has expired and re-arms.
 */
#include <hv/panic.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>

struct timer_queue {
    spinlock_t lock;
    struct list_head list;
    struct timer *running;      /* whose function runs now (written under the lock) */
};
static DEFINE_PER_CPU(struct timer_queue, timer_queue);

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->active = false;
    t->killed = false;
    t->expires = 0;
    list_init(&t->list);
}

/* Arm the hardware for the head of this CPU's queue (caller holds the lock). */
static void reprogram(struct timer_queue *q)
{
    if (list_empty(&q->list))
        arch_set_timer_deadline(0);
    else
        arch_set_timer_deadline(list_first_entry(&q->list, struct timer, list)->expires);
}

void set_timer(struct timer *t, s_time_t expires)
{
    struct timer_queue *q = &per_cpu(timer_queue, t->cpu);
    struct timer *pos;
    unsigned long flags = spin_lock_irqsave(&q->lock);
    bool first;

    /* kill_timer set this under the same lock: a function re-arming its own timer
     * while it is being killed must not put it back on the list. */
    if (t->killed) {
        spin_unlock_irqrestore(&q->lock, flags);
        return;
    }
    if (t->active)
        list_del(&t->list);
    t->expires = expires;
    t->active = true;
    list_for_each_entry(pos, &q->list, list)
        if (pos->expires > expires)
            break;
    list_add_tail(&t->list, &pos->list); /* before pos, or at the end */
    first = q->list.next == &t->list;
    if (first && t->cpu == smp_processor_id())
        reprogram(q);
    spin_unlock_irqrestore(&q->lock, flags);

    /* Another CPU's earliest deadline changed: it re-arms from its softirq. */
    if (first && t->cpu != smp_processor_id())
        cpu_raise_softirq(t->cpu, SOFTIRQ_TIMER);
}

void stop_timer(struct timer *t)
{
    struct timer_queue *q = &per_cpu(timer_queue, t->cpu);
    unsigned long flags = spin_lock_irqsave(&q->lock);

    if (t->active) {
        list_del(&t->list);
        t->active = false;
    }
    spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * Off the list and killed under the lock, then wait for the softirq to finish a
 * function it took off the list before: `running` was set under the lock before we
 * took it, and is cleared under the lock after the function returns. From then on
 * nothing puts the timer back (set_timer checks `killed` under the lock) and the
 * softirq does not look at it again.
 */
void kill_timer(struct timer *t)
{
    struct timer_queue *q = &per_cpu(timer_queue, t->cpu);
    unsigned long flags = spin_lock_irqsave(&q->lock);

    t->killed = true;
    if (t->active) {
        list_del(&t->list);
        t->active = false;
    }
    spin_unlock_irqrestore(&q->lock, flags);
    while (__atomic_load_n(&q->running, __ATOMIC_SEQ_CST) == t)
        cpu_relax();
}

static void timer_softirq(void)
{
    struct timer_queue *q = &this_cpu(timer_queue);
    unsigned long flags = spin_lock_irqsave(&q->lock);

    while (!list_empty(&q->list)) {
        struct timer *t = list_first_entry(&q->list, struct timer, list);

        if (t->expires > NOW())
            break;
        list_del(&t->list);
        t->active = false;
        __atomic_store_n(&q->running, t, __ATOMIC_SEQ_CST);
        spin_unlock_irqrestore(&q->lock, flags);
        t->fn(t->data);
        flags = spin_lock_irqsave(&q->lock);
        __atomic_store_n(&q->running, NULL, __ATOMIC_SEQ_CST);
    }
    reprogram(q);
    spin_unlock_irqrestore(&q->lock, flags);
}

void timer_init_cpu(unsigned int cpu)
{
    struct timer_queue *q = &per_cpu(timer_queue, cpu);

    spin_lock_init(&q->lock);
    list_init(&q->list);
}

void timer_subsys_init(void)
{
    open_softirq(SOFTIRQ_TIMER, timer_softirq);
}
