/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Simulated physical memory for the parsers that read the firmware's or the boot
 * loader's structures through a callback (acpi_map_fn, boot_mem_fn).
 *
 * Memory is a set of regions, each at a physical address. physmem_map(pa, len)
 * returns a fresh heap copy of exactly those `len` bytes, or NULL when they are not
 * wholly inside one region. Because the copy is exactly `len` bytes long,
 * AddressSanitizer reports any read past what the parser asked for, and because it
 * is a copy, nothing the parser does can alter the simulated memory. Copies live
 * until physmem_reset().
 */
#ifndef UNIT_PHYSMEM_H
#define UNIT_PHYSMEM_H

#include <hv/types.h>

/* Forget every region and free every copy handed out. */
void physmem_reset(void);

/* A new zeroed region of `size` bytes at `pa`; returns its bytes, for the test to fill. */
u8 *physmem_add(paddr_t pa, size_t size);

/* A new region holding a copy of `data`. */
u8 *physmem_add_copy(paddr_t pa, const void *data, size_t size);

/* The bytes of an existing region (for writing), or NULL when [pa, pa+len) is not in one. */
u8 *physmem_at(paddr_t pa, size_t len);

/* The callback: a copy of [pa, pa+len), or NULL. */
const void *physmem_map(paddr_t pa, size_t len);

/* How many times physmem_map() was called, and how many returned NULL. */
extern unsigned long physmem_map_calls, physmem_map_misses;

#endif /* UNIT_PHYSMEM_H */
