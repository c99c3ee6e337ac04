/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-CPU variables. DEFINE_PER_CPU puts a variable in .percpu.data, which is only a
 * template: percpu_init() gives every CPU (the boot CPU included) its own copy, and
 * GS_BASE points at the running CPU's copy. The first word of every copy holds that
 * copy's offset from the template, so this_cpu(x) is one %gs-relative load plus an add.
 *
 * Rule: nothing writes a per-CPU variable before percpu_init() on the boot CPU (until
 * then GS_BASE points at the template, which the copies are made from).
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <hv/compiler.h>
#include <hv/types.h>

#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name
#define DEFINE_PER_CPU(type, name)                                                       \
    __section(".percpu.data") __typeof__(type) per_cpu__##name

extern unsigned long percpu_offsets[];

static inline unsigned long this_cpu_offset(void)
{
    unsigned long off;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(off));
    return off;
}

/* Hide the address arithmetic from the optimizer (it would assume no overflow). */
#define PERCPU_PTR(var, off)                                                             \
    ({                                                                                   \
        unsigned long p_;                                                                \
        __asm__("" : "=r"(p_) : "0"(&(var)));                                            \
        (__typeof__(&(var)))(p_ + (off));                                                \
    })

#define this_cpu(name)     (*PERCPU_PTR(per_cpu__##name, this_cpu_offset()))
#define per_cpu(name, cpu) (*PERCPU_PTR(per_cpu__##name, percpu_offsets[cpu]))

/* Give CPU `cpu` its copy of the per-CPU area; returns its base (for GS_BASE). */
void *percpu_alloc(unsigned int cpu);
/* Point GS_BASE at the CPU's copy. */
void percpu_load(unsigned int cpu);

#endif /* ASM_PERCPU_H */
