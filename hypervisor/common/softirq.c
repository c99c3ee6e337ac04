/* SPDX-License-Identifier: BSD-2-Clause */
/* Softirqs: per-CPU pending bits, set from interrupt handlers or other CPUs. */
#include <hv/smp.h>
#include <hv/softirq.h>

static void (*handlers[NR_SOFTIRQS])(void);
static DEFINE_PER_CPU(unsigned long, softirq_bits);

void open_softirq(enum softirq nr, void (*fn)(void))
{
    handlers[nr] = fn;
}

void raise_softirq(enum softirq nr)
{
    __atomic_fetch_or(&this_cpu(softirq_bits), 1UL << nr, __ATOMIC_SEQ_CST);
}

void cpu_raise_softirq(unsigned int cpu, enum softirq nr)
{
    unsigned long old = __atomic_fetch_or(&per_cpu(softirq_bits, cpu), 1UL << nr,
                                          __ATOMIC_SEQ_CST);

    /* Wake it only if it may be halted and nothing was pending already. */
    if (cpu != smp_processor_id() && !(old & (1UL << nr)))
        smp_send_event_check(cpu);
}

bool softirq_pending(unsigned int cpu)
{
    return __atomic_load_n(&per_cpu(softirq_bits, cpu), __ATOMIC_SEQ_CST) != 0;
}

void do_softirq(void)
{
    unsigned long bits;

    while ((bits = __atomic_exchange_n(&this_cpu(softirq_bits), 0, __ATOMIC_SEQ_CST))) {
        for (unsigned int nr = 0; nr < NR_SOFTIRQS; nr++)
            if ((bits & (1UL << nr)) && handlers[nr])
                handlers[nr]();
    }
}
