/* SPDX-License-Identifier: BSD-2-Clause */
/* Host page tables, the boot allocator and the vmap area (arch/x86/mm.c). */
#ifndef ASM_MM_H
#define ASM_MM_H

#include <hv/types.h>
#include <asm/page.h>

/* Allow 2 MiB / 1 GiB pages where alignment and size permit (a map_pages flag). */
#define MAP_LARGE _PAGE_PSE

/*
 * Map [va, va + nr pages) to [pa, ...) with the given PAGE_HYPERVISOR_* flags in the
 * hypervisor's page tables, splitting large pages in the way. Returns 0 or -ENOMEM.
 */
int map_pages(unsigned long va, paddr_t pa, unsigned long nr, u64 flags);
/* Remove mappings (4 KiB granularity) and flush every CPU's TLB. */
void unmap_pages(unsigned long va, unsigned long nr);
/* The physical address `va` maps to, or INVALID_PADDR. */
paddr_t virt_to_phys_walk(unsigned long va);

/* Map physical memory into the vmap area: device registers (UC) or firmware tables. */
void *vmap_phys(paddr_t pa, size_t size, u64 flags);
static inline void *ioremap(paddr_t pa, size_t size)
{
    return vmap_phys(pa, size, PAGE_HYPERVISOR_UC);
}

/* A stack of `size` bytes in the vmap area with an unmapped guard page below it.
 * Returns its lowest address (the top is lo + size), or NULL. */
void *alloc_guarded_stack(size_t size);

/* Build the final page tables, frame table and allocators from the boot memory map. */
void mm_init(void);
/* Make .data.ro_after_init read-only: called once the boot is over. */
void mm_seal_ro_after_init(void);

/* Physical address of the page-table root every CPU runs on. */
paddr_t mm_root_pa(void);

/* The boot allocator: pages below `limit`; used before the buddy allocator exists, and
 * for the AP trampoline, which needs a page below 1 MiB. Returns 0 when none. */
paddr_t boot_alloc_pages(unsigned long nr, paddr_t limit);

/* CPU paging features (set by cpu_init_bsp from CPUID). */
extern u64 pte_nx_mask;      /* _PAGE_NX, or 0 without NX */
extern bool cpu_has_1g_pages;

#endif /* ASM_MM_H */
