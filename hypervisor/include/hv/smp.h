/* SPDX-License-Identifier: BSD-2-Clause */
/* CPUs: identity of the running CPU, the online set, cross-CPU calls. */
#ifndef HV_SMP_H
#define HV_SMP_H

#include <hv/cpumask.h>
#include <hv/types.h>
#include <asm/percpu.h>

DECLARE_PER_CPU(unsigned int, cpu_id);

static inline unsigned int smp_processor_id(void)
{
    return this_cpu(cpu_id);
}

extern cpumask_t cpu_online_map;
extern unsigned int nr_cpu_ids;       /* CPUs described by the firmware (usable ones) */

static inline unsigned int num_online_cpus(void)
{
    return cpumask_weight(&cpu_online_map);
}

#define for_each_online_cpu(cpu) for_each_cpu(cpu, &cpu_online_map)

/*
 * Run fn(data) on every CPU in `mask` except the caller, from interrupt context.
 * Returns when all have finished. Must not be called with
 * interrupts disabled (two CPUs calling each other would deadlock).
 */
void on_selected_cpus(const cpumask_t *mask, void (*fn)(void *), void *data);
void smp_call_function(void (*fn)(void *), void *data);

/* Make `cpu` leave HLT and look at its softirqs. */
void smp_send_event_check(unsigned int cpu);

/* Stop every other CPU (NMI), for a panic. */
void smp_stop_other_cpus(void);

#endif /* HV_SMP_H */
