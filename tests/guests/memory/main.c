/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * memory: every page of RAM the loader describes (the Multiboot memory map or the
 * hvm_start_info one) above the kernel image is really there and really the
 * domain's own: a pattern unique to each page is written to all of them, then all
 * are read back. A page missing from the hypervisor's nested page tables faults or
 * reads back wrong; two guest pages backed by one host page show each other's
 * pattern.
 *
 * Each page gets two 64-bit words, at its start and at its end, derived from its
 * address: enough to tell pages apart and catch a mapping off by part of a page,
 * cheap enough for gigabytes. PAE mode reaches the first 4 GiB (the identity map);
 * 64-bit mode maps and checks RAM above 4 GiB as well.
 */
#include "framework.h"

#define PAGE 4096ull

static uint64_t first_word(uint64_t page)
{
    return page * 0x9e3779b97f4a7c15ull ^ 0x5555aaaa5555aaaaull;
}

static uint64_t last_word(uint64_t page)
{
    return ~page ^ (page << 29);
}

/* The part of RAM range `r` this test checks: above the kernel, below `limit`. */
static bool usable(const struct mem_range *r, uint64_t limit, uint64_t *start, uint64_t *end)
{
    uint64_t kernel_end = ((unsigned long)__image_end + PAGE - 1) & ~(PAGE - 1);

    if (r->type != MEM_RAM)
        return false;
    *start = (r->start + PAGE - 1) & ~(PAGE - 1);
    *end = (r->start + r->size) & ~(PAGE - 1);
    if (*start < kernel_end)
        *start = kernel_end;
    if (*end > limit)
        *end = limit;
    return *start < *end;
}

/* Write (or verify) every page below `limit`; returns the number of pages. */
static uint64_t walk(uint64_t limit, bool verify, unsigned int *bad)
{
    uint64_t pages = 0, start, end;

    for (unsigned int i = 0; i < boot_info.nr_ranges; i++) {
        if (!usable(&boot_info.ranges[i], limit, &start, &end))
            continue;
        for (uint64_t p = start; p < end; p += PAGE, pages++) {
            volatile uint64_t *w = phys_ptr((unsigned long)p);

            if (!verify) {
                w[0] = first_word(p);
                w[PAGE / 8 - 1] = last_word(p);
            } else if (w[0] != first_word(p) || w[PAGE / 8 - 1] != last_word(p)) {
                if ((*bad)++ < 5)
                    fail("page %#" PRIx64 " holds %#" PRIx64 "/%#" PRIx64
                         ", expected %#" PRIx64 "/%#" PRIx64, p, w[0], w[PAGE / 8 - 1],
                         first_word(p), last_word(p));
            }
        }
    }
    return pages;
}

/* The end of the highest RAM range. */
static uint64_t ram_top(void)
{
    uint64_t top = 0;

    for (unsigned int i = 0; i < boot_info.nr_ranges; i++) {
        const struct mem_range *r = &boot_info.ranges[i];
        if (r->type == MEM_RAM && r->start + r->size > top)
            top = r->start + r->size;
    }
    return top;
}

void test_main(void)
{
    uint64_t top, limit, written, checked;
    unsigned int bad = 0;

    if (!boot_info.have_map)
        abort_test("the loader gave no memory map");
    top = ram_top();
#ifdef MODE_64
    if (!map_identity_to(top, &limit))
        printf("can map only up to %#" PRIx64 " of RAM ending at %#" PRIx64 "\n", limit, top);
#else
    limit = 1ull << 32;                 /* the identity map */
#endif
    printf("RAM ends at %#" PRIx64 "; checking every page from the kernel's end "
           "(%p) to %#" PRIx64 "\n", top, (void *)__image_end, limit < top ? limit : top);

    written = walk(limit, false, &bad);
    checked = walk(limit, true, &bad);
    printf("checked %" PRIu64 " pages (%" PRIu64 " MiB): %u wrong\n", checked,
           checked >> 8, bad);
    check(written == checked && checked > 0, "wrote %" PRIu64 " pages, checked %" PRIu64,
          written, checked);
    check(bad == 0, "%u pages did not hold their pattern", bad);
    if (top > limit)
        printf("not checked: RAM from %#" PRIx64 " to %#" PRIx64 " (%s)\n", limit, top,
#ifdef MODE_64
               "beyond what the framework can map"
#else
               "above 4 GiB: the 64-bit kernel checks it"
#endif
        );
}
