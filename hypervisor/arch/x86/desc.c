/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-CPU GDT and TSS. Each CPU has its own, because the TSS holds that CPU's IST
 * stacks (NMI, #DF and #MC run on known-good stacks even when the main stack
 * overflowed) and loading TR marks its descriptor busy. The IDT is shared.
 */
#include <hv/lib.h>
#include <hv/smp.h>
#include <asm/desc.h>
#include <asm/percpu.h>

#define GDT_ENTRIES 8
/* Accessed bits preset, so that loading them never writes the GDT. */
#define DESC_CODE64 0x00af9b000000ffffULL  /* P, DPL 0, code, L=1 */
#define DESC_DATA   0x00cf93000000ffffULL  /* P, DPL 0, data, writable */
#define TSS_TYPE_AVAILABLE 0x89ULL         /* P, 64-bit TSS (available) */

struct cpu_desc {
    u64 gdt[GDT_ENTRIES];
    struct tss64 tss;
} __aligned(64);

static DEFINE_PER_CPU(struct cpu_desc, cpu_desc);
DECLARE_PER_CPU(struct cpu_stacks, cpu_stacks);

BUILD_BUG_ON(sizeof(struct tss64) != 104);
BUILD_BUG_ON(HV_TSS / 8 + 1 >= GDT_ENTRIES);

void cpu_init_descriptors(unsigned int cpu)
{
    struct cpu_desc *d = &this_cpu(cpu_desc);
    const struct cpu_stacks *s = &this_cpu(cpu_stacks);
    u64 base = (u64)&d->tss, limit = sizeof(d->tss) - 1;
    struct {
        u16 limit;
        u64 base;
    } __packed gdtr = { sizeof(d->gdt) - 1, (u64)d->gdt };

    memset(d, 0, sizeof(*d));
    d->gdt[HV_CS / 8] = DESC_CODE64;
    d->gdt[HV_DS / 8] = DESC_DATA;
    /* A 16-byte system descriptor (SDM vol. 3, 8.2.3). */
    d->gdt[HV_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                         (TSS_TYPE_AVAILABLE << 40) | (((limit >> 16) & 0xf) << 48) |
                         (((base >> 24) & 0xff) << 56);
    d->gdt[HV_TSS / 8 + 1] = base >> 32;

    for (unsigned int i = 0; i < NR_IST; i++)
        d->tss.ist[i] = s->ist_hi[i];
    d->tss.iopb_offset = sizeof(d->tss); /* no I/O permission bitmap */

    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     "ltr %w3\n\t"
                     :
                     : "m"(gdtr), "i"(HV_CS), "i"(HV_DS), "r"(HV_TSS)
                     : "rax", "memory");
    load_idt();
}
