/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hypervisor's own symbol table, linked into the image (see tools/gensyms.py and
 * the two-pass link in the Makefile), for stack traces that name functions.
 */
#ifndef HV_SYMBOLS_H
#define HV_SYMBOLS_H

#include <hv/types.h>

/*
 * Find the function containing addr. Returns its name and sets *offset (from the
 * start) and *size, or returns NULL when addr is not in the image's code.
 */
const char *symbols_lookup(unsigned long addr, unsigned long *offset, unsigned long *size);

/* Generated tables (sorted by address). */
extern const u64 symbols_addrs[];
extern const u32 symbols_name_offsets[];
extern const char symbols_names[];
extern const u32 symbols_count;

#endif /* HV_SYMBOLS_H */
