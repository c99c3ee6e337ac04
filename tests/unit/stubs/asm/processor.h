/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit-test stub of asm/processor.h: only what neutral code reaches through
 * hv/spinlock.h. Interrupt "flags" are a host variable the tests can check
 * (unit_irqs_enabled), and cpu_relax() fails the test when a lock is never released
 * instead of spinning forever.
 */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <hv/compiler.h>
#include <hv/types.h>

#define X86_EFLAGS_IF (1UL << 9)

extern bool unit_irqs_enabled;
void unit_cpu_relax(void);

static inline void cpu_relax(void)
{
    unit_cpu_relax();
}

static inline void local_irq_disable(void)
{
    unit_irqs_enabled = false;
}

static inline void local_irq_enable(void)
{
    unit_irqs_enabled = true;
}

static inline unsigned long local_irq_save(void)
{
    unsigned long flags = unit_irqs_enabled ? X86_EFLAGS_IF : 0;

    unit_irqs_enabled = false;
    return flags;
}

static inline void local_irq_restore(unsigned long flags)
{
    if (flags & X86_EFLAGS_IF)
        unit_irqs_enabled = true;
}

static inline bool local_irq_is_enabled(void)
{
    return unit_irqs_enabled;
}

#endif /* ASM_PROCESSOR_H */
