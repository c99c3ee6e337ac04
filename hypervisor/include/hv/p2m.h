/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The p2m: a domain's guest-physical to host-frame map. It is the second-stage page
 * table itself (NPT or EPT): the neutral code below walks and edits it through the
 * backend's entry-format hooks (struct p2m_format), and keeps each entry's type in
 * the entry's software bits. Large pages (2 MiB, 1 GiB) are used where a range is
 * aligned and uniform, and split on demand.
 */
#ifndef HV_P2M_H
#define HV_P2M_H

#include <hv/guest_access.h>
#include <hv/spinlock.h>
#include <hv/types.h>

/* What a guest-physical page is. Fits in 3 bits (stored in the entry). */
enum p2m_type {
    p2m_invalid = 0,    /* nothing: a hole (accesses fault to the hypervisor) */
    p2m_ram_rw = 1,     /* guest RAM */
    p2m_ram_ro = 2,     /* guest RAM, writes fault */
    p2m_mmio_emul = 3,  /* emulated MMIO: not present, accesses fault and are emulated */
    p2m_mmio_direct = 4,/* host device memory given to the guest (later: passthrough) */
};

/* The backend's second-stage page-table entry format. */
struct p2m_format {
    const char *name;            /* "NPT", "EPT" */
    unsigned int levels;         /* 4 */
    unsigned int max_leaf_level; /* 3 with 1 GiB pages, 2 with only 2 MiB, 1 */
    /* A leaf mapping host frame `mfn` as `t` at `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB);
     * for types with no access (invalid, mmio_emul) a not-present entry holding t. */
    u64 (*leaf)(mfn_t mfn, enum p2m_type t, unsigned int level);
    u64 (*table)(mfn_t mfn);     /* an entry pointing to a next-level table */
    bool (*present)(u64 e);      /* maps something (leaf or table) */
    bool (*is_leaf)(u64 e, unsigned int level);
    mfn_t (*mfn)(u64 e);
    enum p2m_type (*type)(u64 e);
};

struct p2m {
    spinlock_t lock;
    const struct p2m_format *fmt;
    mfn_t root;                  /* top-level table (NPT: nCR3; EPT: the EPTP's table) */
    u64 pages_mapped;            /* 4 KiB pages of RAM mapped */
    u64 table_pages;             /* pages used by the table itself */
};

struct domain;

/* Create an empty p2m (just a root table). 0 or -ENOMEM. */
int p2m_init(struct p2m *p2m, const struct p2m_format *fmt);
/* Free the tables (not the RAM frames they map: their owner frees those). */
void p2m_teardown(struct p2m *p2m);

/*
 * Map [gfn, gfn + nr) to [mfn, mfn + nr) with type t (mfn is ignored for types that
 * map nothing). Uses the largest pages alignment allows. The caller must flush the
 * domain's guest TLBs (hvm_flush_guest_tlbs) if it replaced present entries.
 * Returns 0 or -ENOMEM (the range may be partly mapped then).
 */
int p2m_set_entry(struct p2m *p2m, gfn_t gfn, mfn_t mfn, unsigned long nr, enum p2m_type t);

/* Look up one frame: the host frame (INVALID_MFN when none) and its type. */
mfn_t p2m_lookup(struct p2m *p2m, gfn_t gfn, enum p2m_type *t);

const char *p2m_type_name(enum p2m_type t);

#endif /* HV_P2M_H */
