/* SPDX-License-Identifier: BSD-2-Clause */
/* Panics and BUG reports: report once, stop every CPU, then halt, reboot or power off. */
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/panic.h>
#include <hv/param.h>
#include <hv/shutdown.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <asm/processor.h>
#include <asm/traps.h>


enum panic_action { PANIC_HALT, PANIC_REBOOT, PANIC_POWEROFF };
static enum panic_action on_panic = PANIC_HALT;

static int parse_on_panic(const char *v)
{
    if (!strcmp(v, "halt"))
        on_panic = PANIC_HALT;
    else if (!strcmp(v, "reboot"))
        on_panic = PANIC_REBOOT;
    else if (!strcmp(v, "poweroff"))
        on_panic = PANIC_POWEROFF;
    else
        return -EINVAL;
    return 0;
}
param_custom("on_panic", parse_on_panic, "halt, reboot or poweroff");

static int panic_cpu = -1;

bool panic_in_progress(void)
{
    return __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE) >= 0;
}

void cpu_stopped_by_panic(void)
{
    halt_forever();
}

void panic_begin(void)
{
    int me = smp_processor_id(), expect = -1;

    local_irq_disable();
    if (!__atomic_compare_exchange_n(&panic_cpu, &expect, me, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        /* Someone is already reporting (or this CPU faulted while reporting). */
        if (expect != me)
            halt_forever();
        console_force_unlock();
        printk(LOG_ERR "Fault during the panic report; stopping.\n");
        halt_forever();
    }
    smp_stop_other_cpus();
    console_force_unlock();
    printk(LOG_ERR "****************************************\n");
}

void panic_end(void)
{
    printk(LOG_ERR "****************************************\n");
    switch (on_panic) {
    case PANIC_REBOOT:
        printk(LOG_ERR "All CPUs stopped. Rebooting in 5 seconds...\n");
        mdelay(5000);
        machine_restart();
        break;
    case PANIC_POWEROFF:
        printk(LOG_ERR "All CPUs stopped. Powering off.\n");
        machine_power_off();
        break;
    case PANIC_HALT:
        break;
    }
    printk(LOG_ERR "All CPUs stopped: the hypervisor is halted. "
                   "Reset the machine to continue.\n");
    halt_forever();
}

void panic(const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    panic_begin();
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk(LOG_ERR "Panic on CPU %u:\n", smp_processor_id());
    printk(LOG_ERR "%s%s", buf, buf[0] && buf[strlen(buf) - 1] == '\n' ? "" : "\n");
    show_stack_trace_here();
    panic_end();
}

void bug_report(const char *file, int line, const char *expr)
{
    panic_begin();
    printk(LOG_ERR "BUG on CPU %u at %s:%d: %s\n", smp_processor_id(), file, line, expr);
    show_stack_trace_here();
    panic_end();
}
