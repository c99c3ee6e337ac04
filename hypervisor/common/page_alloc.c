/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The buddy allocator for host frames.
 *
 * Free memory is kept as naturally aligned blocks of 2^order frames on per-zone,
 * per-order lists; the head page_info of a free block carries PGF_FREE and its order.
 * Zones split memory by address width (zone z: frames [2^z, 2^(z+1))), as Xen does,
 * so a caller can ask for memory below an address (alloc_pages_below) and ordinary
 * allocations take the highest memory first, leaving low memory for those who need it.
 * A naturally aligned block never crosses a zone boundary unless it starts at frame 0;
 * merging refuses that case.
 *
 * The allocator reads and writes only page_info entries, never the pages themselves,
 * so host unit tests drive it over a plain array (tests/unit/test_page_alloc.c).
 */
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/spinlock.h>

#define MAX_RANGES 128

static DEFINE_SPINLOCK(heap_lock);
static struct list_head free_lists[NR_ZONES][MAX_ORDER + 1];
static u32 avail_orders[NR_ZONES];   /* bit k: free_lists[z][k] is not empty */
static bool lists_ready;

/* The frame ranges given to the allocator: a buddy outside them has no page_info. */
static struct {
    mfn_t start, end;
} ranges[MAX_RANGES];
static unsigned int nr_ranges;

static u64 total_pages, nr_free_pages;
static u64 nr_free_blocks[MAX_ORDER + 1];

static unsigned int zone_of(mfn_t mfn)
{
    return mfn ? 63 - __builtin_clzll(mfn) : 0;
}

static bool mfn_managed(mfn_t mfn)
{
    for (unsigned int i = 0; i < nr_ranges; i++)
        if (mfn >= ranges[i].start && mfn < ranges[i].end)
            return true;
    return false;
}

static void init_lists(void)
{
    for (unsigned int z = 0; z < NR_ZONES; z++)
        for (unsigned int k = 0; k <= MAX_ORDER; k++)
            list_init(&free_lists[z][k]);
    lists_ready = true;
}

static void list_block(struct page_info *pg, unsigned int order)
{
    unsigned int z = zone_of(page_to_mfn(pg));

    pg->flags = PGF_FREE;
    pg->order = order;
    list_add(&pg->list, &free_lists[z][order]);
    avail_orders[z] |= 1u << order;
    nr_free_blocks[order]++;
}

static void unlist_block(struct page_info *pg)
{
    unsigned int z = zone_of(page_to_mfn(pg)), order = pg->order;

    list_del(&pg->list);
    if (list_empty(&free_lists[z][order]))
        avail_orders[z] &= ~(1u << order);
    pg->flags &= ~PGF_FREE;
    nr_free_blocks[order]--;
}

/* Put a block back, merging it with its buddy for as long as the buddy is free. */
static void free_block(mfn_t mfn, unsigned int order)
{
    while (order < MAX_ORDER) {
        mfn_t buddy = mfn ^ (1ULL << order);
        mfn_t merged = mfn & ~(1ULL << order);
        struct page_info *b;

        if (!mfn_managed(buddy))
            break;
        b = mfn_to_page(buddy);
        if (!(b->flags & PGF_FREE) || b->order != order)
            break;
        if (zone_of(merged) != zone_of(merged + (2ULL << order) - 1))
            break;
        unlist_block(b);
        mfn = merged;
        order++;
    }
    list_block(mfn_to_page(mfn), order);
}

void page_alloc_add_range(mfn_t start, mfn_t end)
{
    unsigned long flags;

    if (start >= end)
        return;
    flags = spin_lock_irqsave(&heap_lock);
    if (!lists_ready)
        init_lists();
    BUG_ON(nr_ranges == MAX_RANGES);
    ranges[nr_ranges].start = start;
    ranges[nr_ranges].end = end;
    nr_ranges++;

    /* Carve the range into the largest aligned blocks that fit, within one zone. */
    while (start < end) {
        unsigned int order = start ? __builtin_ctzll(start) : MAX_ORDER;

        if (order > MAX_ORDER)
            order = MAX_ORDER;
        while ((1ULL << order) > end - start ||
               zone_of(start) != zone_of(start + (1ULL << order) - 1))
            order--;
        for (mfn_t m = start; m < start + (1ULL << order); m++)
            memset(mfn_to_page(m), 0, sizeof(struct page_info));
        free_block(start, order);
        total_pages += 1ULL << order;
        nr_free_pages += 1ULL << order;
        start += 1ULL << order;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
}

static struct page_info *alloc_in_zones(unsigned int order, unsigned int max_zone)
{
    for (int z = max_zone; z >= 0; z--) {
        u32 usable = avail_orders[z] & ~((1u << order) - 1);
        struct page_info *pg;
        unsigned int k;

        if (!usable)
            continue;
        k = __builtin_ctz(usable);
        pg = list_first_entry(&free_lists[z][k], struct page_info, list);
        unlist_block(pg);
        /* Split: give back the upper halves until the block is the size asked for. */
        while (k > order) {
            k--;
            list_block(pg + (1ULL << k), k);
        }
        pg->flags = PGF_ALLOC;
        pg->order = order;
        nr_free_pages -= 1ULL << order;
        return pg;
    }
    return NULL;
}

static struct page_info *alloc_zoned(unsigned int order, unsigned int max_zone)
{
    struct page_info *pg;
    unsigned long flags;

    if (order > MAX_ORDER || !lists_ready)
        return NULL;
    flags = spin_lock_irqsave(&heap_lock);
    pg = alloc_in_zones(order, max_zone);
    spin_unlock_irqrestore(&heap_lock, flags);
    return pg;
}

struct page_info *alloc_pages(unsigned int order)
{
    return alloc_zoned(order, NR_ZONES - 1);
}

struct page_info *alloc_pages_below(unsigned int order, paddr_t limit)
{
    mfn_t lim = limit >> PAGE_SHIFT;

    /* Zone z ends at frame 2^(z+1): use the zones that end at or below the limit. */
    if (lim < 2)
        return NULL;
    return alloc_zoned(order, min(zone_of(lim) - 1, (unsigned int)NR_ZONES - 1));
}

void free_pages(struct page_info *pg, unsigned int order)
{
    mfn_t mfn = page_to_mfn(pg);
    unsigned long flags;

    BUG_ON(!(pg->flags & PGF_ALLOC) || pg->order != order);
    BUG_ON(mfn & ((1ULL << order) - 1));
    flags = spin_lock_irqsave(&heap_lock);
    pg->flags = 0;
    nr_free_pages += 1ULL << order;
    free_block(mfn, order);
    spin_unlock_irqrestore(&heap_lock, flags);
}

void *alloc_page_va(unsigned int order)
{
    struct page_info *pg = alloc_pages(order);
    return pg ? page_to_virt(pg) : NULL;
}

void free_page_va(void *va, unsigned int order)
{
    if (va)
        free_pages(virt_to_page(va), order);
}

void page_alloc_get_stats(struct page_alloc_stats *st)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    st->total_pages = total_pages;
    st->free_pages = nr_free_pages;
    memcpy(st->free_blocks, nr_free_blocks, sizeof(st->free_blocks));
    spin_unlock_irqrestore(&heap_lock, flags);
}
