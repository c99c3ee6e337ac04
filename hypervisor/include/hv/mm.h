/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Physical memory: the frame table (one struct page_info per host frame), the buddy
 * page allocator (common/page_alloc.c) and the small-object heap (common/xmalloc.c).
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/compiler.h>
#include <hv/list.h>
#include <hv/types.h>
#include <asm/page.h>

/*
 * One per host frame, in the frame table. Fields are owned by whoever owns the page:
 * the allocator while it is free (list, order, PGF_FREE), the heap while it holds
 * small objects (list, slab fields).
 */
struct page_info {
    struct list_head list;  /* free list / slab list */
    u32 order;              /* size of the block this page heads, as 2^order pages */
    u32 flags;              /* PGF_* */
    union {
        struct {
            u16 inuse;      /* objects handed out */
            u16 size_class; /* index into the heap's size classes */
            u32 pad;
        } slab;
        u64 raw;
    } u;
};

#define PGF_FREE   (1u << 0)  /* heads a free block on a buddy list */
#define PGF_ALLOC  (1u << 1)  /* heads a block handed out by alloc_pages() */
#define PGF_SLAB   (1u << 2)  /* holds small heap objects */
#define PGF_HEAP   (1u << 3)  /* heads a large heap allocation */

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
    return frame_table + mfn;
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
    return pg - frame_table;
}

static inline void *page_to_virt(const struct page_info *pg)
{
    return __va((paddr_t)page_to_mfn(pg) << PAGE_SHIFT);
}

static inline struct page_info *virt_to_page(const void *va)
{
    return mfn_to_page(__pa(va) >> PAGE_SHIFT);
}

/* Blocks are 2^order pages; the largest is 2^MAX_ORDER pages (4 GiB). */
#define MAX_ORDER 20

/* Address-width zones: zone z holds frames in [2^z, 2^(z+1)) (zone 0: frames 0-1). */
#define NR_ZONES  (52 - PAGE_SHIFT + 1)

/*
 * Hand the frames [start, end) to the allocator. Their page_info entries must exist
 * (frame table mapped) and be zeroed.
 */
void page_alloc_add_range(mfn_t start, mfn_t end);

/*
 * Allocate 2^order contiguous, naturally aligned frames. Returns NULL when no block is
 * free. alloc_pages_below() only returns frames that end at or below `limit` (a
 * physical address, e.g. 4 GiB for devices that take 32-bit addresses).
 */
struct page_info *alloc_pages(unsigned int order);
struct page_info *alloc_pages_below(unsigned int order, paddr_t limit);
void free_pages(struct page_info *pg, unsigned int order);

/* The same, as direct-map addresses; the memory is not cleared. */
void *alloc_page_va(unsigned int order);
void free_page_va(void *va, unsigned int order);

struct page_alloc_stats {
    u64 total_pages;  /* ever given to the allocator */
    u64 free_pages;
    u64 free_blocks[MAX_ORDER + 1];
};
void page_alloc_get_stats(struct page_alloc_stats *st);

/* Heap: xmalloc(0) returns NULL; xfree(NULL) does nothing. */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xmalloc_array(size_t n, size_t size);
void *xzalloc_array(size_t n, size_t size);
void xfree(void *p);

#define xnew(type)  ((type *)xzalloc(sizeof(type)))

struct xmalloc_stats {
    u64 slab_pages;   /* pages holding small objects */
    u64 large_pages;  /* pages of large allocations */
    u64 objects;      /* live small objects */
};
void xmalloc_get_stats(struct xmalloc_stats *st);

#endif /* HV_MM_H */
