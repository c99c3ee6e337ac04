/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bringing up the application processors: every enabled CPU in the MADT is started
 * with INIT-SIPI-SIPI through boot/trampoline.asm, one at a time, and joins the idle
 * loop with its own per-CPU area, stacks (each with a guard page), GDT/TSS and APIC.
 */
#include <hv/acpi.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/param.h>
#include <hv/hvm.h>
#include <hv/sched.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/mm.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/smpboot.h>

extern const char trampoline_start[], trampoline_end[];
extern const char tr_gdt_desc[], tr_far32[], tr_far64[], tr_cr3[], tr_efer[];
extern const char tr_stack[], tr_entry[], tr_cpu[];
extern const char tr_off_gdt[], tr_off_pm32[], tr_off_lm64[];

DECLARE_PER_CPU(u32, cpu_apic_id);
DECLARE_PER_CPU(u32, cpu_acpi_uid);
DECLARE_PER_CPU(struct cpu_stacks, cpu_stacks);


static unsigned int opt_max_cpus = NR_CPUS;
param_uint("maxcpus", opt_max_cpus);

#define AP_START_TIMEOUT_MS 5000

static paddr_t tramp_pa;
static u8 *tramp;
static u64 *tramp_root;

/* Write a field of the trampoline's data block. */
#define TRAMP_FIELD(type, sym) (*(type *)(tramp + ((sym) - trampoline_start)))

static u64 *new_table(void)
{
    struct page_info *pg = alloc_pages_below(0, GiB(4));
    u64 *t;

    if (!pg)
        return NULL;
    t = page_to_virt(pg);
    memset(t, 0, PAGE_SIZE);
    return t;
}

/* A page below 1 MiB that the memory map calls RAM (the SIPI vector is a page number). */
static paddr_t find_low_page(void)
{
    paddr_t best = 0;

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct mem_range *r = &boot_info.memmap[i];
        paddr_t top = ALIGN_DOWN(min(r->start + r->size, (u64)0x9f000), PAGE_SIZE);
        if (r->type == MEM_RAM && top >= r->start + PAGE_SIZE && top - PAGE_SIZE >= 0x1000)
            best = max(best, top - PAGE_SIZE);
    }
    return best;
}

static int prepare_trampoline(void)
{
    size_t len = trampoline_end - trampoline_start;
    u64 *pdpt, *pd, *pt;

    tramp_pa = find_low_page();
    if (!tramp_pa)
        return -1;
    tramp = __va(tramp_pa);
    memcpy(tramp, trampoline_start, len);
    TRAMP_FIELD(u32, tr_gdt_desc + 2) = tramp_pa + *(const u32 *)tr_off_gdt;
    TRAMP_FIELD(u32, tr_far32) = tramp_pa + *(const u32 *)tr_off_pm32;
    TRAMP_FIELD(u32, tr_far64) = tramp_pa + *(const u32 *)tr_off_lm64;
    TRAMP_FIELD(u32, tr_efer) = EFER_LME | (boot_cpu.nx ? EFER_NXE : 0);

    /* The APs' first page tables: the page 1:1, and the hypervisor's high half. */
    tramp_root = new_table();
    pdpt = new_table();
    pd = new_table();
    pt = new_table();
    if (!tramp_root || !pdpt || !pd || !pt)
        return -1;
    tramp_root[0] = __pa(pdpt) | _PAGE_PRESENT | _PAGE_RW;
    pdpt[0] = __pa(pd) | _PAGE_PRESENT | _PAGE_RW;
    pd[0] = __pa(pt) | _PAGE_PRESENT | _PAGE_RW;
    pt[tramp_pa >> PAGE_SHIFT] = tramp_pa | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
                                 _PAGE_DIRTY;
    TRAMP_FIELD(u32, tr_cr3) = __pa(tramp_root);
    return 0;
}

static int alloc_cpu_stacks(unsigned int cpu)
{
    struct cpu_stacks *s = &per_cpu(cpu_stacks, cpu);
    char *main = alloc_guarded_stack(STACK_SIZE);

    if (!main)
        return -1;
    s->main_lo = (unsigned long)main;
    s->main_hi = s->main_lo + STACK_SIZE;
    s->guard_lo = s->main_lo - PAGE_SIZE;
    return 0;
}

/* NMI, #DF and #MC stacks. The boot CPU gets them here too. */
int alloc_ist_stacks(unsigned int cpu)
{
    struct cpu_stacks *s = &per_cpu(cpu_stacks, cpu);

    for (unsigned int i = 0; i < NR_IST; i++) {
        char *st = alloc_guarded_stack(IST_STACK_SIZE);
        if (!st)
            return -1;
        s->ist_lo[i] = (unsigned long)st;
        s->ist_hi[i] = s->ist_lo[i] + IST_STACK_SIZE;
    }
    return 0;
}

static bool boot_one_cpu(unsigned int cpu, const struct acpi_cpu *ac)
{
    u64 *root = __va(mm_root_pa());
    s_time_t deadline;

    if (!percpu_alloc(cpu) || alloc_cpu_stacks(cpu) || alloc_ist_stacks(cpu)) {
        printk(LOG_WARN "smp: no memory to start CPU %u\n", cpu);
        return false;
    }
    per_cpu(cpu_id, cpu) = cpu;
    per_cpu(cpu_apic_id, cpu) = ac->apic_id;
    per_cpu(cpu_acpi_uid, cpu) = ac->acpi_uid;
    timer_init_cpu(cpu);
    sched_init_cpu(cpu);

    /* The high half as it is now (the new stacks are in it). */
    memcpy(&tramp_root[256], &root[256], 256 * sizeof(u64));
    TRAMP_FIELD(u64, tr_stack) = per_cpu(cpu_stacks, cpu).main_hi;
    TRAMP_FIELD(u64, tr_entry) = (u64)start_secondary;
    TRAMP_FIELD(u32, tr_cpu) = cpu;
    __asm__ volatile("mfence" ::: "memory");

    /* SDM vol. 3, 8.4.4.1: INIT, wait 10 ms, SIPI, wait 200 us, SIPI. */
    apic_send_ipi(ac->apic_id, APIC_DM_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
    apic_wait_icr_idle();
    mdelay(10);
    for (unsigned int i = 0; i < 2 && !cpumask_test(cpu, &cpu_online_map); i++) {
        apic_send_ipi(ac->apic_id, APIC_DM_STARTUP | (tramp_pa >> PAGE_SHIFT));
        apic_wait_icr_idle();
        udelay(200);
    }
    deadline = NOW() + MILLISECS(AP_START_TIMEOUT_MS);
    while (!cpumask_test(cpu, &cpu_online_map)) {
        if (NOW() > deadline) {
            printk(LOG_WARN "smp: CPU %u (APIC ID %u) did not start\n", cpu, ac->apic_id);
            return false;
        }
        cpu_relax();
    }
    return true;
}

void smp_boot_cpus(void)
{
    u32 bsp_apic = apic_current_id();
    unsigned int next = 1, tried = 0;

    per_cpu(cpu_apic_id, 0) = bsp_apic;
    for (unsigned int i = 0; i < acpi_info.nr_cpus; i++)
        if (acpi_info.cpus[i].apic_id == bsp_apic)
            per_cpu(cpu_acpi_uid, 0) = acpi_info.cpus[i].acpi_uid;
    cpumask_set(0, &cpu_online_map);
    nr_cpu_ids = 1;

    if (prepare_trampoline()) {
        printk(LOG_WARN "smp: no low memory for the start-up trampoline; "
                        "running on the boot CPU only\n");
        return;
    }
    for (unsigned int i = 0; i < acpi_info.nr_cpus; i++) {
        const struct acpi_cpu *ac = &acpi_info.cpus[i];

        if (!ac->enabled || ac->apic_id == bsp_apic)
            continue;
        if (next >= opt_max_cpus || next >= NR_CPUS) {
            printk("smp: CPU with APIC ID %u not started (maxcpus=%u)\n", ac->apic_id,
                   opt_max_cpus);
            continue;
        }
        if (ac->apic_id > 0xff && !apic_x2apic_mode()) {
            printk(LOG_WARN "smp: APIC ID %u needs x2APIC mode; not started\n",
                   ac->apic_id);
            continue;
        }
        tried++;
        if (boot_one_cpu(next, ac))
            next++;
    }
    nr_cpu_ids = next;
    printk("smp: %u of %u CPUs started (trampoline at %#llx)\n", next, tried + 1,
           (unsigned long long)tramp_pa);
}

void start_secondary(unsigned int cpu)
{
    write_cr3(mm_root_pa());
    percpu_load(cpu);
    cpu_init_cr4();
    cpu_init_descriptors(cpu);
    apic_init_cpu();
    apic_timer_init_cpu();
    if (hvm_enabled)
        hvm_cpu_up(cpu);
    cpumask_set(cpu, &cpu_online_map);
    local_irq_enable();
    idle_loop();
}

static void dump_cpus(unsigned char key)
{
    unsigned int cpu;

    printk("CPUs: %u online of %u in the MADT\n", num_online_cpus(), acpi_info.nr_cpus);
    for_each_online_cpu(cpu)
        printk("  CPU %u: APIC ID %u, ACPI UID %u, stack %#lx-%#lx\n", cpu,
               per_cpu(cpu_apic_id, cpu), per_cpu(cpu_acpi_uid, cpu),
               per_cpu(cpu_stacks, cpu).main_lo, per_cpu(cpu_stacks, cpu).main_hi);
}
KEYHANDLER('c', dump_cpus, "show the CPUs");
