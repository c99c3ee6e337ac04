/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's page walk: linear -> guest-physical (SDM vol. 3, chapter 4; APM vol. 2,
 * chapter 5), for 32-bit paging (4 KiB and, with CR4.PSE, 4 MiB pages), PAE paging,
 * and 4- and 5-level paging (2 MiB and 1 GiB pages).
 *
 * The walk reads entries through ops->read_pte and checks, level by level, the present
 * bit and then the reserved bits; at the leaf it checks the access against the rights
 * combined over all levels (R/W and U/S are ANDed, XD is ORed). Only a walk that
 * succeeds sets accessed bits (and the dirty bit of the leaf, for a write), by
 * compare-exchange: an entry that changed meanwhile restarts the walk.
 *
 * Modelled differences from hardware: a PAE PDPTE with reserved bits set gives #PF with
 * RSVD here (Intel faults at MOV CR3 instead; AMD with nested paging at the walk, as
 * here), and bits 8:5 of a PDPTE are ignored (walk_pae()). Protection keys and shadow
 * stacks are not modelled.
 */
#include "private.h"

#define PTE_P   (1ULL << 0)
#define PTE_RW  (1ULL << 1)
#define PTE_US  (1ULL << 2)
#define PTE_A   (1ULL << 5)
#define PTE_D   (1ULL << 6)
#define PTE_PS  (1ULL << 7)
#define PTE_XD  (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

/* Bits lo..hi (inclusive). */
#define BITS(lo, hi) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

#define MAX_LEVELS 5

enum { WALK_OK, WALK_NOT_PRESENT, WALK_RSVD, WALK_PROT };

struct walk {
    const struct x86_paging *pg;
    const struct x86_walk_ops *ops;
    void *priv;
    u64 la;
    unsigned int access;
    u64 rsvd_phys;        /* physical-address bits at or above MAXPHYADDR */
    bool nxe;
    /* the entries read, top first */
    unsigned int nent;
    u64 ent[MAX_LEVELS], ent_gpa[MAX_LEVELS];
    u8 ent_bytes[MAX_LEVELS];
    bool ent_ad[MAX_LEVELS]; /* has an accessed bit the walk maintains */
    /* combined rights and the result */
    bool rw, us, nx;
    u64 gpa, page_size;
};

static int read_entry(struct walk *w, u64 gpa, unsigned int bytes, bool ad, u64 *e)
{
    int rc;

    *e = 0;
    if ((rc = w->ops->read_pte(gpa, bytes, e, w->priv)))
        return rc;
    if (bytes == 4)
        *e &= 0xffffffffULL;
    w->ent[w->nent] = *e;
    w->ent_gpa[w->nent] = gpa;
    w->ent_bytes[w->nent] = (u8)bytes;
    w->ent_ad[w->nent] = ad;
    w->nent++;
    return X86EMUL_OKAY;
}

static void combine(struct walk *w, u64 e)
{
    w->rw &= !!(e & PTE_RW);
    w->us &= !!(e & PTE_US);
    if (w->nxe && (e & PTE_XD))
        w->nx = true;
}

static void leaf(struct walk *w, u64 frame, u64 size)
{
    w->page_size = size;
    w->gpa = (frame & ~(size - 1)) | (w->la & (size - 1));
}

/* 32-bit paging: a 4-byte PDE (maybe a 4 MiB page), then a 4-byte PTE. */
static int walk_32(struct walk *w, int *kind)
{
    const struct x86_paging *pg = w->pg;
    unsigned int maxphy = pg->maxphyaddr ? pg->maxphyaddr : 52;
    u64 e;
    int rc;

    rc = read_entry(w, (pg->cr3 & 0xfffff000) + ((w->la >> 22) & 0x3ff) * 4, 4, true, &e);
    if (rc)
        return rc;
    if (!(e & PTE_P))
        return *kind = WALK_NOT_PRESENT, X86EMUL_OKAY;
    combine(w, e);
    if ((e & PTE_PS) && (pg->cr4 & X86_CR4_PSE)) {
        /* bits 20:13 hold physical bits 39:32 (PSE-36/40); bit 21 is reserved */
        u64 rsvd = 1ULL << 21;

        if (maxphy < 40)
            rsvd |= BITS(maxphy - 19, 20);
        if (e & rsvd)
            return *kind = WALK_RSVD, X86EMUL_OKAY;
        leaf(w, (((e >> 13) & 0xff) << 32) | (e & 0xffc00000ULL), 1ULL << 22);
        return X86EMUL_OKAY;
    }
    rc = read_entry(w, (e & 0xfffff000) + ((w->la >> 12) & 0x3ff) * 4, 4, true, &e);
    if (rc)
        return rc;
    if (!(e & PTE_P))
        return *kind = WALK_NOT_PRESENT, X86EMUL_OKAY;
    combine(w, e);
    leaf(w, e & 0xfffff000, PAGE_SIZE);
    return X86EMUL_OKAY;
}

/*
 * The 8-byte levels of PAE and 4/5-level paging, from `top` (5, 4 or 2) down, starting
 * at the table at `table`.
 */
static int walk_levels(struct walk *w, unsigned int top, u64 table, int *kind)
{
    for (unsigned int lvl = top; lvl >= 1; lvl--) {
        unsigned int shift = 12 + 9 * (lvl - 1);
        u64 e, rsvd = w->rsvd_phys | (w->nxe ? 0 : PTE_XD);
        bool is_leaf = lvl == 1;
        int rc;

        rc = read_entry(w, table + ((w->la >> shift) & 0x1ff) * 8, 8, true, &e);
        if (rc)
            return rc;
        if (!(e & PTE_P))
            return *kind = WALK_NOT_PRESENT, X86EMUL_OKAY;
        if (lvl >= 4)
            rsvd |= PTE_PS;
        else if (lvl == 3 && (e & PTE_PS)) {
            rsvd |= w->pg->gbpages ? BITS(13, 29) : PTE_PS;
            is_leaf = true;
        } else if (lvl == 2 && (e & PTE_PS)) {
            rsvd |= BITS(13, 20);
            is_leaf = true;
        }
        if (e & rsvd)
            return *kind = WALK_RSVD, X86EMUL_OKAY;
        combine(w, e);
        if (is_leaf) {
            leaf(w, e & PTE_ADDR, 1ULL << shift);
            return X86EMUL_OKAY;
        }
        table = e & PTE_ADDR;
    }
    return X86EMUL_OKAY; /* not reached: level 1 is a leaf */
}

/*
 * PAE paging: one of four PDPTEs (no rights; no accessed bit set by this walk), then
 * two levels. Bits 2:1 and 63 of a PDPTE are reserved, and those above MAXPHYADDR;
 * bits 8:5, reserved in Intel's PDPTE registers, are ignored: QEMU's AMD model sets
 * bit 5 (accessed) in PDPTEs during its own walks, and a guest running on it must not
 * see our walk fault where its processor's does not.
 */
static int walk_pae(struct walk *w, int *kind)
{
    const struct x86_paging *pg = w->pg;
    unsigned int idx = (w->la >> 30) & 3;
    u64 e;
    int rc;

    if (pg->pdptes)
        e = pg->pdptes[idx];
    else if ((rc = read_entry(w, (pg->cr3 & 0xffffffe0ULL) + idx * 8, 8, false, &e)))
        return rc;
    if (!(e & PTE_P))
        return *kind = WALK_NOT_PRESENT, X86EMUL_OKAY;
    if (e & (w->rsvd_phys | BITS(1, 2) | PTE_XD))
        return *kind = WALK_RSVD, X86EMUL_OKAY;
    return walk_levels(w, 2, e & PTE_ADDR, kind);
}

/* Are the combined rights enough for the access? */
static bool rights_ok(const struct walk *w)
{
    const struct x86_paging *pg = w->pg;
    unsigned int acc = w->access;
    bool write = acc & X86_WALK_WRITE, fetch = acc & X86_WALK_FETCH;

    if (fetch && w->nx)
        return false;
    if (acc & X86_WALK_USER)
        return w->us && (!write || w->rw);
    if (fetch)
        return !(w->us && (pg->cr4 & X86_CR4_SMEP));
    if (w->us && (pg->cr4 & X86_CR4_SMAP) &&
        ((acc & X86_WALK_IMPLICIT) || !(pg->rflags & X86_FL_AC)))
        return false;
    return !write || w->rw || !(pg->cr0 & X86_CR0_WP);
}

/* Set the accessed bits, and the leaf's dirty bit for a write. */
static int set_ad(struct walk *w)
{
    for (unsigned int i = 0; i < w->nent; i++) {
        u64 e = w->ent[i], want = e | PTE_A;
        int rc;

        if (!w->ent_ad[i])
            continue;
        if (i == w->nent - 1 && (w->access & X86_WALK_WRITE))
            want |= PTE_D;
        if (want == e)
            continue;
        if (!w->ops->cmpxchg_pte)
            return X86EMUL_UNHANDLEABLE;
        rc = w->ops->cmpxchg_pte(w->ent_gpa[i], w->ent_bytes[i], e, want, w->priv);
        if (rc)
            return rc;
    }
    return X86EMUL_OKAY;
}

static int page_fault(const struct walk *w, int kind, struct x86_event *fault)
{
    const struct x86_paging *pg = w->pg;
    u32 ec = 0;

    if (kind != WALK_NOT_PRESENT)
        ec |= X86_PFEC_P;
    if (kind == WALK_RSVD)
        ec |= X86_PFEC_RSVD;
    if (w->access & X86_WALK_WRITE)
        ec |= X86_PFEC_W;
    if (w->access & X86_WALK_USER)
        ec |= X86_PFEC_U;
    if ((w->access & X86_WALK_FETCH) &&
        ((pg->cr4 & X86_CR4_SMEP) || ((pg->cr4 & X86_CR4_PAE) && w->nxe)))
        ec |= X86_PFEC_I;
    fault->vector = X86_EXC_PF;
    fault->has_error_code = true;
    fault->error_code = ec;
    fault->cr2 = w->la;
    return X86EMUL_EXCEPTION;
}

static int walk_once(struct walk *w, int *kind)
{
    const struct x86_paging *pg = w->pg;

    w->nent = 0;
    w->rw = w->us = true;
    w->nx = false;
    *kind = WALK_OK;
    if (pg->efer & X86_EFER_LMA)
        return walk_levels(w, (pg->cr4 & X86_CR4_LA57) ? 5 : 4, pg->cr3 & PTE_ADDR, kind);
    if (pg->cr4 & X86_CR4_PAE)
        return walk_pae(w, kind);
    return walk_32(w, kind);
}

int x86_walk(const struct x86_paging *pg, const struct x86_walk_ops *ops, void *priv,
             u64 linear, unsigned int access, struct x86_walk_result *res,
             struct x86_event *fault)
{
    unsigned int maxphy = pg->maxphyaddr ? pg->maxphyaddr : 52;
    struct walk w;
    int rc, kind;

    memset(res, 0, sizeof(*res));
    if (!(pg->cr0 & X86_CR0_PG) || !(pg->cr0 & X86_CR0_PE)) {
        res->gpa = linear & 0xffffffffULL;
        res->page_size = 1ULL << 32;
        res->writable = res->user = res->executable = true;
        return X86EMUL_OKAY;
    }
    memset(&w, 0, sizeof(w));
    w.pg = pg;
    w.ops = ops;
    w.priv = priv;
    w.access = access;
    w.la = (pg->efer & X86_EFER_LMA) ? linear : linear & 0xffffffffULL;
    w.nxe = (pg->efer & X86_EFER_NXE) && (pg->cr4 & X86_CR4_PAE);
    w.rsvd_phys = maxphy >= 52 ? 0 : BITS(maxphy, 51);

    for (unsigned int tries = 0;; tries++) {
        if ((rc = walk_once(&w, &kind)))
            return rc;
        if (kind == WALK_OK && !rights_ok(&w))
            kind = WALK_PROT;
        if (kind != WALK_OK)
            return page_fault(&w, kind, fault);
        if (access & X86_WALK_NO_AD)
            break;
        rc = set_ad(&w);
        if (rc != X86EMUL_RETRY)
            break;
        if (tries >= 16)
            return X86EMUL_RETRY;
    }
    if (rc)
        return rc;
    res->gpa = w.gpa;
    res->page_size = w.page_size;
    res->writable = w.rw;
    res->user = w.us;
    res->executable = !w.nx;
    return X86EMUL_OKAY;
}
