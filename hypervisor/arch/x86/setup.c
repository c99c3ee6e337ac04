/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The boot CPU's path from head.asm to the idle loop. The order matters and each step
 * says what it needs; bad input (no Multiboot information, no ACPI, no SVM/VMX, too
 * little RAM) stops the boot with a sentence naming what was wrong.
 */
#include <hv/acpi.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/hvm.h>
#include <hv/sched.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/param.h>
#include <hv/serial.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/io_apic.h>
#include <asm/mm.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/smpboot.h>
#include <asm/traps.h>

#define PETREL_VERSION "0.1"
#define MIN_RAM_MIB 64

struct boot_info boot_info;

/* The boot CPU's stack (the linker script puts an unmapped guard page below it). */
char bsp_stack[STACK_SIZE] __section(".bss.stack") __aligned(PAGE_SIZE);
__asm__(".globl bsp_stack_top\n\t.set bsp_stack_top, bsp_stack + " STRINGIFY(STACK_SIZE));

extern char __percpu_start[], __bsp_stack_guard[];
DECLARE_PER_CPU(struct cpu_stacks, cpu_stacks);

void start_hypervisor(u32 magic, u32 mbi_pa);

static char crash_test[16];
param_string("crash_test", crash_test);

/* Bad input: say what was wrong and stop this machine cleanly. */
static void __noreturn __printf(1, 2) boot_fail(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk(LOG_ALWAYS "Boot failed: %s\n", buf);
    printk(LOG_ALWAYS "Petrel cannot continue; the machine is halted.\n");
    halt_forever();
}

/* Early access to the loader's memory: the boot page tables map 0-4 GiB. */
static const void *early_boot_mem(paddr_t pa, size_t len)
{
    if (pa + len < pa || pa + len > GiB(4))
        return NULL;
    return __va(pa);
}

static void print_boot_info(void)
{
    printk("Loader: %s (Multiboot %u); command line: '%s'\n", boot_info.loader,
           boot_info.protocol, boot_info.cmdline);
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct mem_range *r = &boot_info.memmap[i];
        printk(LOG_DEBUG " %016llx-%016llx %s\n", (unsigned long long)r->start,
               (unsigned long long)(r->start + r->size), mem_type_name(r->type));
    }
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        printk("Module %u: '%s' at %#llx, %llu bytes\n", i, m->name,
               (unsigned long long)m->start, (unsigned long long)m->size);
    }
}

void __noreturn idle_loop(void)
{
    for (;;) {
        do_softirq();
        if (schedule())
            continue;
        local_irq_disable();
        if (softirq_pending(smp_processor_id()) || sched_work_pending()) {
            local_irq_enable();
            continue;
        }
        safe_halt(); /* STI; HLT: an interrupt from here on ends the HLT */
    }
}

/* ---- checks of the running system, once all CPUs are up ---- */

static unsigned int ipi_count;
static unsigned int timer_count;
static DEFINE_PER_CPU(struct timer, selftest_timer);

static void selftest_ipi(void *unused)
{
    __atomic_fetch_add(&ipi_count, 1, __ATOMIC_SEQ_CST);
}

static void selftest_timer_fn(void *unused)
{
    __atomic_fetch_add(&timer_count, 1, __ATOMIC_SEQ_CST);
}

/* Every CPU answers an IPI and runs a timer of its own. */
static void boot_selftest(void)
{
    unsigned int cpu, n = num_online_cpus();
    s_time_t start = NOW(), deadline = start + SECONDS(5);

    smp_call_function(selftest_ipi, NULL);
    for_each_online_cpu(cpu) {
        struct timer *t = &per_cpu(selftest_timer, cpu);
        init_timer(t, selftest_timer_fn, NULL, cpu);
        set_timer(t, start + MILLISECS(10));
    }
    while (__atomic_load_n(&timer_count, __ATOMIC_SEQ_CST) < n && NOW() < deadline) {
        do_softirq();
        cpu_relax();
    }
    if (ipi_count != n - 1 || timer_count != n)
        printk(LOG_ERR "selftest: FAILED: %u of %u CPUs answered an IPI, timers fired on "
                       "%u of %u\n", ipi_count, n - 1, timer_count, n);
    else
        printk("selftest: IPIs answered by %u CPUs, timers fired on %u CPUs\n", n - 1, n);
}

/* ---- deliberate crashes, for the tests of the fatal-trap report ---- */

static volatile int recursion_sink;
static __noinline void recurse_forever(unsigned int depth)
{
    volatile char pad[256];

    pad[0] = depth;
    /* The compiler sees no way out; that is the point. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
    if (recursion_sink >= 0)
        recurse_forever(depth + 1);
#pragma GCC diagnostic pop
    recursion_sink = pad[0];
}

static void fault_here(void *unused)
{
    *(volatile u64 *)0xdead000 = 1;
}

/* Fault on the last CPU while the boot CPU waits for it in a cross-CPU call. */
static void crash_on_ap(void)
{
    cpumask_t one = { { 0 } };
    unsigned int cpu, last = 0;

    for_each_online_cpu(cpu)
        last = cpu;
    if (!last) {
        printk(LOG_WARN "crash_test=ap needs a second CPU\n");
        return;
    }
    cpumask_set(last, &one);
    on_selected_cpus(&one, fault_here, NULL);
}

static void run_crash_test(void)
{
    if (!crash_test[0])
        return;
    printk(LOG_WARN "crash_test=%s: crashing on purpose\n", crash_test);
    if (!strcmp(crash_test, "pagefault"))
        fault_here(NULL);
    else if (!strcmp(crash_test, "ap"))
        crash_on_ap();
    else if (!strcmp(crash_test, "wx"))
        *(volatile u8 *)(void *)start_hypervisor = 0xc3;
    else if (!strcmp(crash_test, "nx"))
        ((void (*)(void))(void *)&boot_info)();
    else if (!strcmp(crash_test, "stack"))
        recurse_forever(0);
    else if (!strcmp(crash_test, "bug"))
        BUG_ON(crash_test[0] == 'b');
    else if (!strcmp(crash_test, "ud"))
        __asm__ volatile("ud2");
    else
        printk(LOG_WARN "crash_test: unknown kind '%s' (pagefault, ap, wx, nx, stack, "
                        "bug, ud)\n", crash_test);
}

static void dump_this_cpu(void *unused)
{
    printk("CPU %u is in:\n", smp_processor_id());
    show_stack_trace_here();
}

static void dump_all_cpus(unsigned char key)
{
    dump_this_cpu(NULL);
    smp_call_function(dump_this_cpu, NULL);
}
KEYHANDLER('d', dump_all_cpus, "show a stack trace of every CPU");

/* ---- the boot ---- */

void start_hypervisor(u32 magic, u32 mbi_pa)
{
    static char err[256];
    u64 ram;

    /* Per-CPU accesses read the template until percpu_load(0). */
    wrmsr(MSR_GS_BASE, (u64)__percpu_start);
    traps_init_early();
    ns16550_init_early();
    printk("Petrel hypervisor " PETREL_VERSION "\n");

    if (multiboot_parse(magic, mbi_pa, early_boot_mem, &boot_info, err, sizeof(err)))
        boot_fail("bad Multiboot information: %s", err);
    cmdline_parse(boot_info.cmdline);
    ns16550_init_params();
    print_boot_info();

    cpu_identify();
    if (boot_cpu.hvm_unusable)
        boot_fail("%s", boot_cpu.hvm_unusable);
    ram = memmap_total(boot_info.memmap, boot_info.nr_memmap, MEM_RAM);
    if (ram < MiB(MIN_RAM_MIB))
        boot_fail("only %llu MiB of RAM; Petrel needs at least %u MiB",
                  (unsigned long long)(ram >> 20), MIN_RAM_MIB);

    mm_init();
    if (!percpu_alloc(0) || alloc_ist_stacks(0))
        boot_fail("no memory for the boot CPU's per-CPU data");
    percpu_load(0);
    cpu_init_cr4();
    cpu_init_descriptors(0);
    traps_enable_ist();

    if (acpi_boot_init(err, sizeof(err)))
        boot_fail("ACPI: %s. Petrel finds CPUs and interrupt controllers through ACPI",
                  err);
    if (acpi_info.pcat_compat)
        i8259_disable();
    apic_init_bsp(&acpi_info);
    smp_ipi_init();
    io_apic_init(&acpi_info);
    time_init();
    timer_subsys_init();
    timer_init_cpu(0);
    sched_init_cpu(0);
    keyhandler_init();
    apic_timer_init();
    apic_timer_init_cpu();
    local_irq_enable();

    hvm_init();
    smp_boot_cpus();
    ns16550_init_irq();
    mm_seal_ro_after_init();
    boot_selftest();
    run_crash_test();
    domain_subsys_init();
    domain_build_all();

    {
        struct page_alloc_stats st;
        page_alloc_get_stats(&st);
        printk(LOG_ALWAYS "ready: %u CPUs online, %llu MiB free\n", num_online_cpus(),
               (unsigned long long)(st.free_pages >> (20 - PAGE_SHIFT)));
    }
    domain_start_all();
    idle_loop();
}
