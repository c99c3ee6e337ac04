/* SPDX-License-Identifier: BSD-2-Clause */
/* Simulated physical memory (see physmem.h). */
#include "physmem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REGIONS 64

static struct {
    paddr_t pa;
    size_t size;
    u8 *data;
} regions[MAX_REGIONS];
static unsigned int nr_regions;

struct copy {
    struct copy *next;
    unsigned char bytes[];
};
static struct copy *copies;

unsigned long physmem_map_calls, physmem_map_misses;

void physmem_reset(void)
{
    while (copies) {
        struct copy *c = copies;
        copies = c->next;
        free(c);
    }
    for (unsigned int i = 0; i < nr_regions; i++)
        free(regions[i].data);
    nr_regions = 0;
    physmem_map_calls = physmem_map_misses = 0;
}

u8 *physmem_add(paddr_t pa, size_t size)
{
    if (nr_regions == MAX_REGIONS)
        abort();
    regions[nr_regions].pa = pa;
    regions[nr_regions].size = size;
    regions[nr_regions].data = calloc(1, size ? size : 1);
    return regions[nr_regions++].data;
}

u8 *physmem_add_copy(paddr_t pa, const void *data, size_t size)
{
    u8 *p = physmem_add(pa, size);

    memcpy(p, data, size);
    return p;
}

u8 *physmem_at(paddr_t pa, size_t len)
{
    if (pa + len < pa)
        return NULL;
    for (unsigned int i = 0; i < nr_regions; i++)
        if (pa >= regions[i].pa && pa + len <= regions[i].pa + regions[i].size)
            return regions[i].data + (pa - regions[i].pa);
    return NULL;
}

const void *physmem_map(paddr_t pa, size_t len)
{
    const u8 *src;
    struct copy *c;

    physmem_map_calls++;
    src = len ? physmem_at(pa, len) : NULL;
    if (!src) {
        physmem_map_misses++;
        return NULL;
    }
    c = malloc(sizeof(*c) + len);
    if (!c)
        abort();
    memcpy(c->bytes, src, len);
    c->next = copies;
    copies = c;
    return c->bytes;
}
