/* SPDX-License-Identifier: BSD-2-Clause */
/* Cross-CPU calls and IPIs. */
#include <hv/console.h>
#include <hv/panic.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <asm/apic.h>
#include <asm/processor.h>
#include <asm/smpboot.h>
#include <asm/traps.h>

DEFINE_PER_CPU(unsigned int, cpu_id);
DEFINE_PER_CPU(u32, cpu_apic_id);
DEFINE_PER_CPU(u32, cpu_acpi_uid);

cpumask_t cpu_online_map;
unsigned int nr_cpu_ids;

/* One cross-CPU call at a time. */
static DEFINE_SPINLOCK(call_lock);
static struct {
    void (*fn)(void *);
    void *data;
    unsigned int pending;   /* CPUs that have not finished yet */
} call;

static void call_function_interrupt(struct cpu_regs *regs, void *unused)
{
    void (*fn)(void *) = call.fn;
    void *data = call.data;

    fn(data);
    __atomic_fetch_sub(&call.pending, 1, __ATOMIC_RELEASE);
}

static void event_check_interrupt(struct cpu_regs *regs, void *unused)
{
    /* Nothing to do: leaving HLT is the point; the idle loop runs the softirqs. */
}

void on_selected_cpus(const cpumask_t *mask, void (*fn)(void *), void *data)
{
    unsigned int cpu, me = smp_processor_id(), n = 0;

    ASSERT(local_irq_is_enabled());
    spin_lock(&call_lock);
    call.fn = fn;
    call.data = data;
    for_each_cpu(cpu, mask)
        if (cpu != me && cpumask_test(cpu, &cpu_online_map))
            n++;
    __atomic_store_n(&call.pending, n, __ATOMIC_RELEASE);
    for_each_cpu(cpu, mask)
        if (cpu != me && cpumask_test(cpu, &cpu_online_map))
            apic_send_ipi(per_cpu(cpu_apic_id, cpu), APIC_DM_FIXED | CALL_FUNCTION_VECTOR);
    while (__atomic_load_n(&call.pending, __ATOMIC_ACQUIRE))
        cpu_relax();
    spin_unlock(&call_lock);
}

void smp_call_function(void (*fn)(void *), void *data)
{
    on_selected_cpus(&cpu_online_map, fn, data);
}

void smp_send_event_check(unsigned int cpu)
{
    if (cpumask_test(cpu, &cpu_online_map))
        apic_send_ipi(per_cpu(cpu_apic_id, cpu), APIC_DM_FIXED | EVENT_CHECK_VECTOR);
}

void smp_stop_other_cpus(void)
{
    if (num_online_cpus() <= 1)
        return;
    /* NMI: it gets through even to a CPU spinning with interrupts off. */
    apic_send_ipi(0, APIC_DM_NMI | APIC_DEST_ALL_BUT_SELF);
    mdelay(10);
}

void smp_ipi_init(void)
{
    set_irq_handler(CALL_FUNCTION_VECTOR, call_function_interrupt, NULL);
    set_irq_handler(EVENT_CHECK_VECTOR, event_check_interrupt, NULL);
}
