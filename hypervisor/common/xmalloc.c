/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hypervisor heap.
 *
 * Small requests (up to 2 KiB) come from slabs: a page split into objects of one size
 * class (16, 32, ... 2048 bytes), with a free list threaded through the free objects.
 * The slab's page_info records its class and how many objects are in use; partially
 * used slabs sit on their class's list, full ones on no list. An empty slab goes back
 * to the page allocator unless it is the class's last one.
 *
 * Larger requests get whole pages (the next power of two), marked PGF_HEAP with their
 * order, so xfree() tells the two kinds apart from the page_info alone.
 * All objects are aligned to their size class (16 bytes at least).
 */
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/spinlock.h>

#define MIN_SHIFT   4                  /* 16 bytes */
#define MAX_SHIFT   11                 /* 2048 bytes */
#define NR_CLASSES  (MAX_SHIFT - MIN_SHIFT + 1)

struct free_obj {
    struct free_obj *next;
};

/* The free list of a slab lives at the start of its page_info-described page, found
 * through the first free object; we keep it in a small header in the page itself. */
struct slab_hdr {
    struct free_obj *free;
    u64 pad;
};

static DEFINE_SPINLOCK(heap_lock);
static struct list_head partial[NR_CLASSES];
static bool ready;
static u64 slab_pages, large_pages, live_objects;

static unsigned int class_of(size_t size)
{
    unsigned int shift = MIN_SHIFT;

    while ((1UL << shift) < size)
        shift++;
    return shift - MIN_SHIFT;
}

static size_t class_size(unsigned int cls)
{
    return 1UL << (cls + MIN_SHIFT);
}

/* The first object sits after the header, at the class's alignment. */
static size_t first_offset(unsigned int cls)
{
    return max(class_size(cls), sizeof(struct slab_hdr));
}

static struct page_info *new_slab(unsigned int cls)
{
    struct page_info *pg = alloc_pages(0);
    struct slab_hdr *hdr;
    struct free_obj **link;
    size_t sz = class_size(cls);

    if (!pg)
        return NULL;
    hdr = page_to_virt(pg);
    link = &hdr->free;
    for (size_t off = first_offset(cls); off + sz <= PAGE_SIZE; off += sz) {
        struct free_obj *o = (struct free_obj *)((char *)hdr + off);
        *link = o;
        link = &o->next;
    }
    *link = NULL;
    pg->flags |= PGF_SLAB;
    pg->u.slab.inuse = 0;
    pg->u.slab.size_class = cls;
    list_add(&pg->list, &partial[cls]);
    slab_pages++;
    return pg;
}

static void *alloc_small(size_t size)
{
    unsigned int cls = class_of(size);
    struct page_info *pg;
    struct slab_hdr *hdr;
    struct free_obj *o;

    if (list_empty(&partial[cls]) && !new_slab(cls))
        return NULL;
    pg = list_first_entry(&partial[cls], struct page_info, list);
    hdr = page_to_virt(pg);
    o = hdr->free;
    hdr->free = o->next;
    pg->u.slab.inuse++;
    if (!hdr->free)
        list_del(&pg->list); /* now full */
    live_objects++;
    return o;
}

static void free_small(struct page_info *pg, void *p)
{
    unsigned int cls = pg->u.slab.size_class;
    struct slab_hdr *hdr = page_to_virt(pg);
    struct free_obj *o = p;
    size_t off = (char *)p - (char *)hdr;

    BUG_ON(off < first_offset(cls) || (off - first_offset(cls)) % class_size(cls));
    BUG_ON(pg->u.slab.inuse == 0);
    if (!hdr->free)
        list_add(&pg->list, &partial[cls]); /* was full */
    o->next = hdr->free;
    hdr->free = o;
    pg->u.slab.inuse--;
    live_objects--;

    /* Return an empty slab unless it is the last one of its class. */
    if (pg->u.slab.inuse == 0 && partial[cls].next->next != &partial[cls]) {
        list_del(&pg->list);
        pg->flags &= ~PGF_SLAB;
        slab_pages--;
        free_pages(pg, 0);
    }
}

void *xmalloc(size_t size)
{
    unsigned long flags;
    void *p = NULL;

    if (size == 0)
        return NULL;
    if (size > class_size(NR_CLASSES - 1)) {
        unsigned int order = 0;
        struct page_info *pg;

        if (size > (PAGE_SIZE << MAX_ORDER))
            return NULL;
        while ((PAGE_SIZE << order) < size)
            order++;
        pg = alloc_pages(order);
        if (!pg)
            return NULL;
        pg->flags |= PGF_HEAP;
        flags = spin_lock_irqsave(&heap_lock);
        large_pages += 1UL << order;
        spin_unlock_irqrestore(&heap_lock, flags);
        return page_to_virt(pg);
    }

    flags = spin_lock_irqsave(&heap_lock);
    if (!ready) {
        for (unsigned int i = 0; i < NR_CLASSES; i++)
            list_init(&partial[i]);
        ready = true;
    }
    p = alloc_small(size);
    spin_unlock_irqrestore(&heap_lock, flags);
    return p;
}

void *xzalloc(size_t size)
{
    void *p = xmalloc(size);

    if (p)
        memset(p, 0, size);
    return p;
}

void *xmalloc_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return xmalloc(n * size);
}

void *xzalloc_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return xzalloc(n * size);
}

void xfree(void *p)
{
    struct page_info *pg;
    unsigned long flags;

    if (!p)
        return;
    pg = virt_to_page(p);
    if (pg->flags & PGF_HEAP) {
        BUG_ON((uintptr_t)p & (PAGE_SIZE - 1));
        flags = spin_lock_irqsave(&heap_lock);
        large_pages -= 1UL << pg->order;
        spin_unlock_irqrestore(&heap_lock, flags);
        pg->flags &= ~PGF_HEAP;
        free_pages(pg, pg->order);
        return;
    }
    BUG_ON(!(pg->flags & PGF_SLAB));
    flags = spin_lock_irqsave(&heap_lock);
    free_small(pg, p);
    spin_unlock_irqrestore(&heap_lock, flags);
}

void xmalloc_get_stats(struct xmalloc_stats *st)
{
    unsigned long flags = spin_lock_irqsave(&heap_lock);

    st->slab_pages = slab_pages;
    st->large_pages = large_pages;
    st->objects = live_objects;
    spin_unlock_irqrestore(&heap_lock, flags);
}
