/* SPDX-License-Identifier: BSD-2-Clause */
/* Sets of CPUs, as bitmaps of NR_CPUS bits. */
#ifndef HV_CPUMASK_H
#define HV_CPUMASK_H

#include <hv/types.h>
#include <asm/config.h>

#define CPUMASK_WORDS (NR_CPUS / 64)

typedef struct {
    u64 bits[CPUMASK_WORDS];
} cpumask_t;

static inline void cpumask_set(unsigned int cpu, cpumask_t *m)
{
    __atomic_fetch_or(&m->bits[cpu / 64], 1ULL << (cpu % 64), __ATOMIC_SEQ_CST);
}

static inline void cpumask_clear_cpu(unsigned int cpu, cpumask_t *m)
{
    __atomic_fetch_and(&m->bits[cpu / 64], ~(1ULL << (cpu % 64)), __ATOMIC_SEQ_CST);
}

static inline bool cpumask_test(unsigned int cpu, const cpumask_t *m)
{
    return __atomic_load_n(&m->bits[cpu / 64], __ATOMIC_RELAXED) & (1ULL << (cpu % 64));
}

/* Bit count without POPCNT (not every x86-64 CPU has it) and without libgcc. */
static inline unsigned int popcount64(u64 x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (x * 0x0101010101010101ULL) >> 56;
}

static inline unsigned int cpumask_weight(const cpumask_t *m)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < CPUMASK_WORDS; i++)
        n += popcount64(__atomic_load_n(&m->bits[i], __ATOMIC_RELAXED));
    return n;
}

/* The first CPU in the set at or after `cpu`, or NR_CPUS. */
static inline unsigned int cpumask_next_from(unsigned int cpu, const cpumask_t *m)
{
    for (; cpu < NR_CPUS; cpu++)
        if (cpumask_test(cpu, m))
            return cpu;
    return NR_CPUS;
}

#define for_each_cpu(cpu, mask)                                                          \
    for ((cpu) = cpumask_next_from(0, mask); (cpu) < NR_CPUS;                           \
         (cpu) = cpumask_next_from((cpu) + 1, mask))

#endif /* HV_CPUMASK_H */
