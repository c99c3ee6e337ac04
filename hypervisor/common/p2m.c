/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The p2m (see hv/p2m.h): the neutral half of the second-stage page table. It walks
 * and edits the table; the backend's struct p2m_format says what an entry looks like.
 * An entry is one of: empty (0: nothing, type p2m_invalid); a table; a leaf, present
 * (RAM, direct MMIO) or not (a typed hole such as emulated MMIO) — leaves may be at
 * any level up to fmt->max_leaf_level.
 */
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/panic.h>

#define ENTRIES 512
#define LEVEL_SHIFT(l) (9 * ((l) - 1))   /* in frames: level 1 maps 1, level 2 512... */

static u64 *table_of(mfn_t mfn)
{
    return __va((paddr_t)mfn << PAGE_SHIFT);
}

static int alloc_table(struct p2m *p2m, mfn_t *mfn)
{
    struct page_info *pg = alloc_pages(0);

    if (!pg)
        return -ENOMEM;
    memset(page_to_virt(pg), 0, PAGE_SIZE);
    p2m->table_pages++;
    *mfn = page_to_mfn(pg);
    return 0;
}

static void free_table(struct p2m *p2m, mfn_t mfn, unsigned int level)
{
    u64 *t = table_of(mfn);

    for (unsigned int i = 0; level > 1 && i < ENTRIES; i++)
        if (p2m->fmt->present(t[i]) && !p2m->fmt->is_leaf(t[i], level - 1))
            free_table(p2m, p2m->fmt->mfn(t[i]), level - 1);
    free_pages(mfn_to_page(mfn), 0);
    p2m->table_pages--;
}

int p2m_init(struct p2m *p2m, const struct p2m_format *fmt)
{
    spin_lock_init(&p2m->lock);
    p2m->fmt = fmt;
    p2m->pages_mapped = 0;
    p2m->table_pages = 0;
    return alloc_table(p2m, &p2m->root);
}

void p2m_teardown(struct p2m *p2m)
{
    free_table(p2m, p2m->root, p2m->fmt->levels);
    p2m->root = 0;
}

static bool has_frames(enum p2m_type t)
{
    return t == p2m_ram_rw || t == p2m_ram_ro || t == p2m_mmio_direct;
}

/* An entry is a leaf if it maps a page at this level, or is a typed hole. */
static bool is_leaf(const struct p2m *p2m, u64 e, unsigned int level)
{
    if (!e)
        return false;
    if (!p2m->fmt->present(e))
        return true;
    return p2m->fmt->is_leaf(e, level);
}

/* Replace a leaf at `level` with a table of equivalent leaves one level down. */
static int split(struct p2m *p2m, u64 *e, unsigned int level)
{
    enum p2m_type t = p2m->fmt->type(*e);
    mfn_t base = has_frames(t) ? p2m->fmt->mfn(*e) : 0, mfn;
    u64 *table;
    int rc = alloc_table(p2m, &mfn);

    if (rc)
        return rc;
    table = table_of(mfn);
    for (unsigned int i = 0; i < ENTRIES; i++)
        table[i] = p2m->fmt->leaf(base + ((mfn_t)i << LEVEL_SHIFT(level - 1)), t, level - 1);
    *e = p2m->fmt->table(mfn);
    return 0;
}

/* The entry for gfn at `level`, creating or splitting the tables above it. */
static u64 *walk_create(struct p2m *p2m, u64 gfn, unsigned int level, int *rc)
{
    u64 *table = table_of(p2m->root);

    for (unsigned int l = p2m->fmt->levels; l > level; l--) {
        u64 *e = &table[(gfn >> LEVEL_SHIFT(l)) & (ENTRIES - 1)];

        if (!*e) {
            mfn_t mfn;
            *rc = alloc_table(p2m, &mfn);
            if (*rc)
                return NULL;
            *e = p2m->fmt->table(mfn);
        } else if (is_leaf(p2m, *e, l)) {
            *rc = split(p2m, e, l);
            if (*rc)
                return NULL;
        }
        table = table_of(p2m->fmt->mfn(*e));
    }
    return &table[(gfn >> LEVEL_SHIFT(level)) & (ENTRIES - 1)];
}

static unsigned int pick_level(const struct p2m *p2m, u64 gfn, mfn_t mfn, u64 nr,
                               enum p2m_type t)
{
    for (unsigned int l = p2m->fmt->max_leaf_level; l > 1; l--) {
        u64 span = 1ULL << LEVEL_SHIFT(l);
        if (nr >= span && IS_ALIGNED(gfn, span) && (!has_frames(t) || IS_ALIGNED(mfn, span)))
            return l;
    }
    return 1;
}

int p2m_set_entry(struct p2m *p2m, gfn_t gfn_in, mfn_t mfn, unsigned long nr,
                  enum p2m_type t)
{
    u64 gfn = gfn_x(gfn_in);
    unsigned long flags = spin_lock_irqsave(&p2m->lock);
    int rc = 0;

    while (nr) {
        unsigned int level = pick_level(p2m, gfn, mfn, nr, t);
        u64 span = 1ULL << LEVEL_SHIFT(level);
        u64 *e = walk_create(p2m, gfn, level, &rc);

        if (!e)
            break;
        if (*e && !is_leaf(p2m, *e, level))
            free_table(p2m, p2m->fmt->mfn(*e), level); /* a large page replaces a table */
        if (is_leaf(p2m, *e, level) && has_frames(p2m->fmt->type(*e)) &&
            p2m->fmt->present(*e))
            p2m->pages_mapped -= span;
        *e = p2m->fmt->leaf(has_frames(t) ? mfn : 0, t, level);
        if (has_frames(t))
            p2m->pages_mapped += span;
        gfn += span;
        if (has_frames(t))
            mfn += span;
        nr -= span;
    }
    spin_unlock_irqrestore(&p2m->lock, flags);
    return rc;
}

mfn_t p2m_lookup(struct p2m *p2m, gfn_t gfn_in, enum p2m_type *t)
{
    u64 gfn = gfn_x(gfn_in), *table = table_of(p2m->root);

    /* Lock-free read: entries are written with single 64-bit stores, and tables are
     * freed only when their domain is destroyed. */
    for (unsigned int l = p2m->fmt->levels; l >= 1; l--) {
        u64 e = READ_ONCE(table[(gfn >> LEVEL_SHIFT(l)) & (ENTRIES - 1)]);

        if (!e)
            break;
        if (is_leaf(p2m, e, l)) {
            *t = p2m->fmt->type(e);
            if (!has_frames(*t))
                return INVALID_MFN;
            return p2m->fmt->mfn(e) + (gfn & ((1ULL << LEVEL_SHIFT(l)) - 1));
        }
        table = table_of(p2m->fmt->mfn(e));
    }
    *t = p2m_invalid;
    return INVALID_MFN;
}

const char *p2m_type_name(enum p2m_type t)
{
    static const char *const names[] = { "invalid", "ram_rw", "ram_ro", "mmio_emul",
                                         "mmio_direct" };
    return t < ARRAY_SIZE(names) ? names[t] : "?";
}
