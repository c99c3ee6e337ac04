/* SPDX-License-Identifier: BSD-2-Clause */
/* Host address translation (direct map and image) and page-table entry bits. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <hv/types.h>
#include <asm/config.h>

/* Page-table entry bits (Intel SDM vol. 3, 4.5; AMD APM vol. 2, 5.3). */
#define _PAGE_PRESENT  (1ULL << 0)
#define _PAGE_RW       (1ULL << 1)
#define _PAGE_USER     (1ULL << 2)
#define _PAGE_PWT      (1ULL << 3)
#define _PAGE_PCD      (1ULL << 4)
#define _PAGE_ACCESSED (1ULL << 5)
#define _PAGE_DIRTY    (1ULL << 6)
#define _PAGE_PSE      (1ULL << 7)  /* in a PDPTE or PDE: maps a 1 GiB / 2 MiB page */
#define _PAGE_GLOBAL   (1ULL << 8)
#define _PAGE_NX       (1ULL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000ULL

/* What mappings ask for; NX is dropped when the CPU lacks it. */
#define PAGE_HYPERVISOR_RO  (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_HYPERVISOR_RX  (_PAGE_PRESENT | _PAGE_ACCESSED)
#define PAGE_HYPERVISOR_RW  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)
/* Uncached, for device registers: PAT entry 3 (PCD|PWT) is UC at reset. */
#define PAGE_HYPERVISOR_UC  (PAGE_HYPERVISOR_RW | _PAGE_PCD | _PAGE_PWT)

static inline void *__va(paddr_t pa)
{
    return (void *)(uintptr_t)(pa + DIRECTMAP_BASE);
}

/* Physical address of a direct-map or image address. */
static inline paddr_t __pa(const void *va)
{
    uintptr_t v = (uintptr_t)va;

    if (v >= HV_VIRT_BASE)
        return v - HV_VIRT_BASE;
    return v - DIRECTMAP_BASE;
}

#define frame_table ((struct page_info *)FRAMETABLE_BASE)

#endif /* ASM_PAGE_H */
