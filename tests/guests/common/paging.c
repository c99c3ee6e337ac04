/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Access to the identity map head.asm builds (PAE and long mode): 0-4 GiB in 2 MiB
 * pages, four page directories. In long mode the map can be extended above 4 GiB.
 */
#include "framework.h"

#ifdef MODE_PAGING

/* head.asm */
extern uint64_t page_dirs[4][512];
extern uint64_t pdpt[512];

uint64_t *pde_of(unsigned long va)
{
#ifdef MODE_64
    if (va >> 32) {
        uint64_t pdpte = pdpt[(va >> 30) & 511];

        if (!(pdpte & PTE_P))
            return NULL;
        return (uint64_t *)(unsigned long)(pdpte & ~0xfffull) + ((va >> 21) & 511);
    }
#endif
    return &page_dirs[(va >> 30) & 3][(va >> 21) & 511];
}

#ifdef MODE_64
/*
 * Memory above 4 GiB: with 1 GiB pages where the CPU has them (CPUID 0x80000001
 * EDX[26]), one PDPT entry per GiB and no tables at all; otherwise a page directory
 * of 2 MiB pages per GiB, from a small pool.
 */
#define EXTRA_PDS 28
static uint64_t extra_pds[EXTRA_PDS][512] __aligned(4096);
static unsigned int extra_used;

static bool have_1g_pages(void)
{
    return cpuid(0x80000000).a >= 0x80000001 && (cpuid(0x80000001).d & (1u << 26));
}

bool map_identity_to(uint64_t end, uint64_t *mapped_end)
{
    bool huge = have_1g_pages();
    uint64_t gib = 4;

    for (; gib < 512 && (gib << 30) < end; gib++) {
        if (pdpt[gib] & PTE_P)
            continue;
        if (huge) {
            pdpt[gib] = (gib << 30) | PTE_P | PTE_RW | PTE_PS;
            continue;
        }
        if (extra_used == EXTRA_PDS)
            break;
        uint64_t *pd = extra_pds[extra_used++];
        for (unsigned int i = 0; i < 512; i++)
            pd[i] = (gib << 30) + ((uint64_t)i << 21) + (PTE_P | PTE_RW | PTE_PS);
        pdpt[gib] = (unsigned long)pd + (PTE_P | PTE_RW);
    }
    *mapped_end = gib << 30;
    return *mapped_end >= end;
}
#endif

#endif /* MODE_PAGING */
