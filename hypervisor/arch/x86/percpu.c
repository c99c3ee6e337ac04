/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-CPU areas (see asm/percpu.h). */
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <asm/msr.h>
#include <asm/percpu.h>
#include <asm/processor.h>

extern char __percpu_start[], __percpu_end[];

/* The first word of every copy: that copy's offset from the template. */
static unsigned long percpu_self_offset __used __section(".percpu.first");

unsigned long percpu_offsets[NR_CPUS];

void *percpu_alloc(unsigned int cpu)
{
    size_t size = __percpu_end - __percpu_start;
    unsigned int order = 0;
    char *area;

    while ((PAGE_SIZE << order) < size)
        order++;
    area = alloc_page_va(order);
    if (!area)
        return NULL;
    memcpy(area, __percpu_start, size);
    percpu_offsets[cpu] = area - __percpu_start;
    *(unsigned long *)area = percpu_offsets[cpu];
    return area;
}

void percpu_load(unsigned int cpu)
{
    wrmsr(MSR_GS_BASE, (u64)(__percpu_start + percpu_offsets[cpu]));
}
