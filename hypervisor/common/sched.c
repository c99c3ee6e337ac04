/* SPDX-License-Identifier: BSD-2-Clause */
/* The round-robin scheduler (see hv/sched.h). */
#include <hv/domain.h>
#include <hv/hvm.h>
#include <hv/panic.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/timer.h>

struct sched_pcpu {
    spinlock_t lock;
    struct list_head runq;      /* runnable vCPUs waiting for this pCPU */
    struct timer slice;
    bool need_resched;          /* (a) the running vCPU's slice is over */
};

static DEFINE_PER_CPU(struct sched_pcpu, sched_pcpu);
static unsigned int next_cpu;

/* Kicks of other pCPUs held back while this pCPU holds the interrupt lock (see
 * hv/sched.h); touched only by its own pCPU, and only with interrupts off while
 * `held` is set. */
struct held_kicks {
    bool held;
    cpumask_t cpus;
};

static DEFINE_PER_CPU(struct held_kicks, held_kicks);

unsigned int sched_pick_cpu(void)
{
    unsigned int n = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED);
    unsigned int cpu, i = 0, target = n % num_online_cpus();

    for_each_online_cpu(cpu)
        if (i++ == target)
            return cpu;
    return 0;
}

static void slice_expired(void *data)
{
    struct sched_pcpu *s = data;

    __atomic_store_n(&s->need_resched, true, __ATOMIC_SEQ_CST);
}

void sched_init_cpu(unsigned int cpu)
{
    struct sched_pcpu *s = &per_cpu(sched_pcpu, cpu);

    spin_lock_init(&s->lock);
    list_init(&s->runq);
    init_timer(&s->slice, slice_expired, s, cpu);
}

static bool queued(struct vcpu *v)
{
    return v->runq.next != NULL;
}

void vcpu_wake(struct vcpu *v)
{
    struct sched_pcpu *s = &per_cpu(sched_pcpu, v->processor);
    unsigned long flags = spin_lock_irqsave(&s->lock);

    if (v->state != VCPU_RUNNABLE)
        __atomic_store_n(&v->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
    if (!queued(v) && !v->running)
        list_add_tail(&v->runq, &s->runq);
    spin_unlock_irqrestore(&s->lock, flags);
    vcpu_kick(v);
}

void vcpu_block(struct vcpu *v)
{
    struct sched_pcpu *s = &per_cpu(sched_pcpu, v->processor);
    unsigned long flags = spin_lock_irqsave(&s->lock);

    /* hvm_assert_irq() sets the pending bit before it takes this lock: either we see
     * the bit here, or it sees VCPU_BLOCKED and wakes us. */
    __atomic_store_n(&v->state, VCPU_BLOCKED, __ATOMIC_SEQ_CST);
    if (v->hvm.halted_with_if && hvm_irq_pending(v))
        __atomic_store_n(&v->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&s->lock, flags);
}

void vcpu_kick(struct vcpu *v)
{
    unsigned int cpu = v->processor;
    struct held_kicks *h = &this_cpu(held_kicks);

    if (cpu == smp_processor_id())
        return; /* its run loop looks at the pending state before the next entry */
    /* An IPI makes a CPU in guest mode exit, and an idle CPU leave HLT. (No interrupt
     * off here: `held` is set only with interrupts off, and an interrupt handler
     * leaves it as it found it.) */
    if (h->held)
        h->cpus.bits[cpu / 64] |= 1ULL << (cpu % 64);
    else
        smp_send_event_check(cpu);
}

void sched_hold_kicks(void)
{
    struct held_kicks *h = &this_cpu(held_kicks);

    ASSERT(!h->held);
    h->held = true;
}

void sched_release_kicks(void)
{
    struct held_kicks *h = &this_cpu(held_kicks);

    ASSERT(h->held);
    h->held = false;
    for (unsigned int w = 0; w < CPUMASK_WORDS; w++) {
        for (u64 bits = h->cpus.bits[w]; bits; bits &= bits - 1)
            smp_send_event_check(w * 64 + __builtin_ctzll(bits));
        h->cpus.bits[w] = 0;
    }
}

bool sched_kicks_held(void)
{
    return this_cpu(held_kicks).held;
}

bool sched_work_pending(void)
{
    struct sched_pcpu *s = &this_cpu(sched_pcpu);

    /* Lock-free: vcpu_wake() queues under the lock and only then sends its IPI, so
     * a queueing we do not see here is followed by an IPI that ends the HLT. */
    return !list_empty(&s->runq);
}

bool sched_should_yield(unsigned int cpu)
{
    return __atomic_load_n(&per_cpu(sched_pcpu, cpu).need_resched, __ATOMIC_SEQ_CST);
}

bool schedule(void)
{
    struct sched_pcpu *s = &this_cpu(sched_pcpu);
    struct vcpu *v = NULL;
    unsigned long flags;

    flags = spin_lock_irqsave(&s->lock);
    while (!list_empty(&s->runq)) {
        v = list_first_entry(&s->runq, struct vcpu, runq);
        list_del(&v->runq);
        if (!v->domain->dying && v->state == VCPU_RUNNABLE &&
            !__atomic_load_n(&v->domain->pause_count, __ATOMIC_SEQ_CST))
            break;
        v = NULL; /* ending, paused (domain_unpause queues it again), or blocked */
    }
    if (v) {
        v->running = true;
        __atomic_store_n(&s->need_resched, false, __ATOMIC_SEQ_CST);
        if (!list_empty(&s->runq))
            set_timer(&s->slice, NOW() + MILLISECS(SCHED_SLICE_MS));
    }
    spin_unlock_irqrestore(&s->lock, flags);
    if (!v)
        return false;

    hvm_vcpu_run(v);

    flags = spin_lock_irqsave(&s->lock);
    stop_timer(&s->slice);
    __atomic_store_n(&v->running, false, __ATOMIC_SEQ_CST);
    if (v->state == VCPU_RUNNABLE && !v->domain->dying &&
        !__atomic_load_n(&v->domain->pause_count, __ATOMIC_SEQ_CST))
        list_add_tail(&v->runq, &s->runq);
    spin_unlock_irqrestore(&s->lock, flags);
    return true;
}

bool vcpu_descheduled(struct vcpu *v)
{
    struct sched_pcpu *s = &per_cpu(sched_pcpu, v->processor);
    unsigned long flags = spin_lock_irqsave(&s->lock);
    bool idle = !v->running && !queued(v);

    spin_unlock_irqrestore(&s->lock, flags);
    return idle;
}
