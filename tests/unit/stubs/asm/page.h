/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit-test stub of asm/page.h. The frame table and the direct map are whatever the
 * test says they are:
 *   - frame_table is unit_frame_table, an array the test allocates (indexed by mfn);
 *   - __va(pa) is pa + unit_directmap_offset, so a test maps physical frames onto an
 *     arena of its own by setting unit_directmap_offset = arena - arena's first pa.
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <hv/types.h>

struct page_info;

extern struct page_info *unit_frame_table;
extern uintptr_t unit_directmap_offset;

#define frame_table unit_frame_table

static inline void *__va(paddr_t pa)
{
    return (void *)(uintptr_t)(pa + unit_directmap_offset);
}

static inline paddr_t __pa(const void *va)
{
    return (paddr_t)((uintptr_t)va - unit_directmap_offset);
}

#endif /* ASM_PAGE_H */
