/* SPDX-License-Identifier: BSD-2-Clause */
/* Address-to-function lookup over the generated, sorted symbol table. */
#include <hv/symbols.h>

extern const char __text_start[], __text_end[];

const char *symbols_lookup(unsigned long addr, unsigned long *offset, unsigned long *size)
{
    u32 lo = 0, hi = symbols_count;

    if (addr < (unsigned long)__text_start || addr >= (unsigned long)__text_end ||
        symbols_count == 0 || addr < symbols_addrs[0])
        return NULL;

    /* The last symbol whose address is <= addr. */
    while (hi - lo > 1) {
        u32 mid = lo + (hi - lo) / 2;
        if (symbols_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - symbols_addrs[lo];
    *size = (lo + 1 < symbols_count ? symbols_addrs[lo + 1]
                                    : (unsigned long)__text_end) - symbols_addrs[lo];
    return &symbols_names[symbols_name_offsets[lo]];
}
