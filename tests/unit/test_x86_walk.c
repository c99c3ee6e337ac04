/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of x86_walk() (hypervisor/common/x86_emulate/walk.c), the guest's page
 * walk, over page tables built in a small guest-physical memory: every paging mode
 * (none, 32-bit with 4 KiB and 4 MiB pages, PAE, 4-level and 5-level with 2 MiB and
 * 1 GiB pages), every fault kind (not present at each level, R/W with CR0.WP on and
 * off, U/S, NX with EFER.NXE on and off, SMEP, SMAP with EFLAGS.AC and implicit
 * accesses, reserved bits), the exact #PF error code and CR2, and the accessed/dirty
 * updates (none on a faulting walk; retried when an entry changes underneath).
 */
#include "unit.h"

#include <hv/x86_emulate.h>

#define GMEM_SIZE (1024 * 1024)
#define PG_P   (1ULL << 0)
#define PG_RW  (1ULL << 1)
#define PG_US  (1ULL << 2)
#define PG_A   (1ULL << 5)
#define PG_D   (1ULL << 6)
#define PG_PS  (1ULL << 7)
#define PG_XD  (1ULL << 63)
#define PG_ALL (PG_P | PG_RW | PG_US)

static u8 gmem[GMEM_SIZE];
static u64 next_page;
static unsigned int cmpxchg_calls, reads;
static unsigned int meddle;     /* cmpxchg: change the entry under the walker N times */
static u64 meddle_set, meddle_clear, meddle_toggle;

static int read_pte(u64 gpa, unsigned int bytes, u64 *val, void *priv)
{
    (void)priv;
    reads++;
    if (gpa + bytes > GMEM_SIZE || (gpa & (bytes - 1)))
        return X86EMUL_UNHANDLEABLE;
    *val = 0;
    memcpy(val, gmem + gpa, bytes);
    return X86EMUL_OKAY;
}

static int cmpxchg_pte(u64 gpa, unsigned int bytes, u64 old, u64 new, void *priv)
{
    u64 cur = 0;

    (void)priv;
    cmpxchg_calls++;
    if (gpa + bytes > GMEM_SIZE)
        return X86EMUL_UNHANDLEABLE;
    memcpy(&cur, gmem + gpa, bytes);
    if (meddle) { /* another vCPU changes the entry first */
        meddle--;
        cur = ((cur | meddle_set) & ~meddle_clear) ^ meddle_toggle;
        memcpy(gmem + gpa, &cur, bytes);
    }
    if (cur != old)
        return X86EMUL_RETRY;
    memcpy(gmem + gpa, &new, bytes);
    return X86EMUL_OKAY;
}

static const struct x86_walk_ops wops = { read_pte, cmpxchg_pte };

/* ---- building page tables ---- */

enum { M32, PAE, L4, L5 };

struct pt {
    unsigned int mode;
    struct x86_paging pg;
};

static u64 alloc_table(void)
{
    u64 p = next_page;

    assert_true(p + PAGE_SIZE <= GMEM_SIZE);
    next_page += PAGE_SIZE;
    memset(gmem + p, 0, PAGE_SIZE);
    return p;
}

static u64 get_entry(u64 gpa, unsigned int bytes)
{
    u64 v = 0;

    memcpy(&v, gmem + gpa, bytes);
    return v;
}

static void set_entry(u64 gpa, unsigned int bytes, u64 v)
{
    memcpy(gmem + gpa, &v, bytes);
}

static void pt_init(struct pt *t, unsigned int mode)
{
    memset(gmem, 0, sizeof(gmem));
    next_page = 0x1000;
    memset(t, 0, sizeof(*t));
    t->mode = mode;
    t->pg.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
    t->pg.maxphyaddr = 48;
    t->pg.gbpages = true;
    switch (mode) {
    case M32:
        t->pg.cr4 = X86_CR4_PSE;
        t->pg.cr3 = alloc_table();
        break;
    case PAE:
        t->pg.cr4 = X86_CR4_PAE;
        t->pg.efer = X86_EFER_NXE;
        t->pg.cr3 = alloc_table() + 0x40; /* 32-byte aligned, not page aligned */
        break;
    default:
        t->pg.cr4 = X86_CR4_PAE | (mode == L5 ? X86_CR4_LA57 : 0);
        t->pg.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
        t->pg.cr3 = alloc_table();
        break;
    }
}

/* Entry size and the levels of a mode: index shifts, top first. */
static unsigned int levels(const struct pt *t, unsigned int *shift)
{
    static const unsigned int s32[] = { 22, 12 }, spae[] = { 30, 21, 12 },
                              s4[] = { 39, 30, 21, 12 }, s5[] = { 48, 39, 30, 21, 12 };
    const unsigned int *s = t->mode == M32 ? s32 : t->mode == PAE ? spae
                          : t->mode == L4 ? s4 : s5;
    unsigned int n = t->mode == M32 ? 2 : t->mode == PAE ? 3 : t->mode == L4 ? 4 : 5;

    memcpy(shift, s, n * sizeof(*s));
    return n;
}

/*
 * Map `la` to `pa` with a page of 1 << `page_shift` bytes; flags[i] are the flags of
 * the entry at level i from the top (the PS bit is added to a large leaf). Returns the
 * guest-physical address of each entry in gpa_out[] (optional).
 */
static void pt_map(struct pt *t, u64 la, u64 pa, unsigned int page_shift, const u64 *flags,
                   u64 *gpa_out)
{
    unsigned int shift[5], n = levels(t, shift), esz = t->mode == M32 ? 4 : 8;
    u64 table = t->mode == PAE ? t->pg.cr3 & ~0x1fULL : t->pg.cr3 & ~0xfffULL;

    for (unsigned int i = 0; i < n; i++) {
        unsigned int idx = t->mode == PAE && i == 0 ? (la >> 30) & 3
                         : (la >> shift[i]) & (t->mode == M32 ? 0x3ff : 0x1ff);
        u64 e_gpa = table + idx * esz, e = get_entry(e_gpa, esz);

        if (gpa_out)
            gpa_out[i] = e_gpa;
        if (shift[i] == page_shift) { /* the leaf */
            u64 frame = pa & ~((1ULL << page_shift) - 1);

            if (t->mode == M32 && page_shift == 22)
                frame = (pa & 0xffc00000ULL) | (((pa >> 32) & 0xff) << 13);
            set_entry(e_gpa, esz, frame | flags[i] | (page_shift > 12 ? PG_PS : 0));
            return;
        }
        if (!(e & PG_P) || !(e & ~0xfffULL & ~PG_XD)) {
            u64 next = alloc_table();

            e = next;
        }
        e = (e & ~0xfffULL & ~PG_XD) | flags[i];
        set_entry(e_gpa, esz, e);
        table = e & 0x000ffffffffff000ULL;
    }
    fail_msg("no level of %u bits", page_shift);
}

/* All levels with the same flags. */
static const u64 *same(u64 f)
{
    static u64 fl[5];

    for (int i = 0; i < 5; i++)
        fl[i] = f;
    return fl;
}

/* PAE PDPTEs take no rights bits (those are reserved). */
static const u64 *pae_flags(u64 f)
{
    static u64 fl[5];

    for (int i = 0; i < 5; i++)
        fl[i] = f;
    fl[0] = PG_P;
    return fl;
}

static const u64 *flags_for(const struct pt *t, u64 f)
{
    return t->mode == PAE ? pae_flags(f) : same(f);
}

/* ---- walking and checking ---- */

static int walk(const struct pt *t, u64 la, unsigned int access, struct x86_walk_result *r,
                struct x86_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    cmpxchg_calls = reads = 0;
    return x86_walk(&t->pg, &wops, NULL, la, access, r, ev);
}

static void expect_ok(const struct pt *t, u64 la, unsigned int access, u64 gpa, int line)
{
    struct x86_walk_result r;
    struct x86_event ev;
    int rc = walk(t, la, access, &r, &ev);

    if (rc != X86EMUL_OKAY || r.gpa != gpa)
        fail_msg("line %d: walk of %llx (access %x): rc %d gpa %llx ec %x, expected gpa %llx",
                 line, la, access, rc, r.gpa, ev.error_code, gpa);
}

static void expect_pf(const struct pt *t, u64 la, unsigned int access, u32 ec, int line)
{
    static u8 snapshot[GMEM_SIZE];
    struct x86_walk_result r;
    struct x86_event ev;
    int rc;

    memcpy(snapshot, gmem, GMEM_SIZE);
    rc = walk(t, la, access, &r, &ev);
    if (rc != X86EMUL_EXCEPTION || ev.vector != X86_EXC_PF || !ev.has_error_code ||
        ev.error_code != ec || ev.cr2 != la)
        fail_msg("line %d: walk of %llx (access %x): rc %d vector %u ec %x cr2 %llx, "
                 "expected #PF(%x)", line, la, access, rc, ev.vector, ev.error_code, ev.cr2,
                 ec);
    if (memcmp(snapshot, gmem, GMEM_SIZE) || cmpxchg_calls)
        fail_msg("line %d: a faulting walk changed the page tables", line);
}

#define OK(t, la, acc, gpa) expect_ok((t), (la), (acc), (gpa), __LINE__)
#define PF(t, la, acc, ec)  expect_pf((t), (la), (acc), (ec), __LINE__)

#define R  0
#define W  X86_WALK_WRITE
#define X  X86_WALK_FETCH
#define U  X86_WALK_USER
#define EP X86_PFEC_P
#define EW X86_PFEC_W
#define EU X86_PFEC_U
#define ER X86_PFEC_RSVD
#define EI X86_PFEC_I

static const unsigned int all_modes[] = { M32, PAE, L4, L5 };

/* The linear address we map in each mode, with bits in every index field. */
static u64 test_la(unsigned int mode)
{
    switch (mode) {
    case M32: return 0x8048a123ULL;
    case PAE: return 0xc0a0b123ULL;
    case L4: return 0xffff8881a2b3c123ULL;
    default: return 0xff12345678abc123ULL;
    }
}

/* ---- the tests ---- */

static void test_unpaged(void **state)
{
    struct x86_paging pg = { .cr0 = X86_CR0_PE };
    struct x86_walk_result r;
    struct x86_event ev;

    (void)state;
    assert_int_equal(x86_walk(&pg, &wops, NULL, 0x123456789ULL, W, &r, &ev), X86EMUL_OKAY);
    assert_int_equal(r.gpa, 0x23456789);
    pg.cr0 = 0; /* real mode */
    assert_int_equal(x86_walk(&pg, &wops, NULL, 0xb8000, R, &r, &ev), X86EMUL_OKAY);
    assert_int_equal(r.gpa, 0xb8000);
}

/* 4 KiB pages in every mode: translation, and A/D set as they should. */
static void test_basic_and_ad(void **state)
{
    (void)state;
    for (size_t m = 0; m < ARRAY_SIZE(all_modes); m++) {
        struct pt t;
        u64 la = test_la(all_modes[m]), pa = 0x12345000, e[5];
        unsigned int shift[5], n, esz = all_modes[m] == M32 ? 4 : 8;

        pt_init(&t, all_modes[m]);
        n = levels(&t, shift);
        pt_map(&t, la, pa, 12, flags_for(&t, PG_ALL), e);
        OK(&t, la, R | U, pa | 0x123);
        for (unsigned int i = 0; i < n; i++) {
            u64 v = get_entry(e[i], esz);

            /* PAE PDPTEs have no accessed bit */
            assert_int_equal(!!(v & PG_A), !(t.mode == PAE && i == 0));
            assert_false(v & PG_D);
        }
        /* set already: no update */
        OK(&t, la, R, pa | 0x123);
        assert_int_equal(cmpxchg_calls, 0);
        /* a write dirties the leaf only */
        OK(&t, la + 8, W, pa | 0x12b);
        assert_int_equal(cmpxchg_calls, 1);
        assert_true(get_entry(e[n - 1], esz) & PG_D);
        for (unsigned int i = 0; i + 1 < n; i++)
            assert_false(get_entry(e[i], esz) & PG_D);
        /* a probe sets nothing */
        pt_init(&t, all_modes[m]);
        pt_map(&t, la, pa, 12, flags_for(&t, PG_ALL), e);
        OK(&t, la, W | X86_WALK_NO_AD, pa | 0x123);
        assert_int_equal(cmpxchg_calls, 0);
        assert_false(get_entry(e[n - 1], esz) & (PG_A | PG_D));
        /* the walk reads one entry per level */
        OK(&t, la, R, pa | 0x123);
        assert_int_equal(reads, n);
    }
}

/* Not present at each level: P=0 in the error code, with W/U/I as per the access. */
static void test_not_present(void **state)
{
    (void)state;
    for (size_t m = 0; m < ARRAY_SIZE(all_modes); m++) {
        struct pt t;
        u64 la = test_la(all_modes[m]), e[5];
        unsigned int shift[5], n, esz = all_modes[m] == M32 ? 4 : 8;

        pt_init(&t, all_modes[m]);
        n = levels(&t, shift);
        pt_map(&t, la, 0x5000, 12, flags_for(&t, PG_ALL), e);
        for (unsigned int i = 0; i < n; i++) {
            u64 v = get_entry(e[i], esz);

            set_entry(e[i], esz, v & ~PG_P);
            PF(&t, la, R, 0);
            PF(&t, la, W | U, EW | EU);
            /* I/D: with NXE (PAE and up) or SMEP */
            PF(&t, la, X, t.mode == M32 ? 0 : EI);
            t.pg.cr4 |= X86_CR4_SMEP;
            PF(&t, la, X | U, EI | EU);
            t.pg.cr4 &= ~(u64)X86_CR4_SMEP;
            set_entry(e[i], esz, v);
        }
        OK(&t, la, R, 0x5123);
        /* a neighbour that was never mapped */
        PF(&t, la + (1ULL << shift[n - 2]), R, 0);
    }
}

/* R/W: user writes need R/W everywhere; supervisor writes only with CR0.WP. */
static void test_rw(void **state)
{
    (void)state;
    for (size_t m = 0; m < ARRAY_SIZE(all_modes); m++) {
        struct pt t;
        u64 la = test_la(all_modes[m]), e[5], fl[5];
        unsigned int shift[5], n;

        pt_init(&t, all_modes[m]);
        n = levels(&t, shift);
        for (unsigned int ro = 0; ro < n; ro++) {
            if (t.mode == PAE && ro == 0)
                continue;
            memcpy(fl, flags_for(&t, PG_ALL), sizeof(fl));
            fl[ro] &= ~PG_RW;            /* read-only at one level */
            pt_map(&t, la, 0x7000, 12, fl, e);
            OK(&t, la, R | U, 0x7123);
            PF(&t, la, W | U, EP | EW | EU);
            PF(&t, la, W, EP | EW);      /* CR0.WP = 1 */
            t.pg.cr0 &= ~(u64)X86_CR0_WP;
            OK(&t, la, W, 0x7123);       /* CR0.WP = 0: supervisor writes pass */
            PF(&t, la, W | U, EP | EW | EU);
            t.pg.cr0 |= X86_CR0_WP;
        }
        (void)e;
    }
}

/* U/S: user accesses need U/S everywhere. */
static void test_us(void **state)
{
    (void)state;
    for (size_t m = 0; m < ARRAY_SIZE(all_modes); m++) {
        struct pt t;
        u64 la = test_la(all_modes[m]), e[5], fl[5];
        unsigned int shift[5], n;

        pt_init(&t, all_modes[m]);
        n = levels(&t, shift);
        for (unsigned int sup = 0; sup < n; sup++) {
            if (t.mode == PAE && sup == 0)
                continue;
            memcpy(fl, flags_for(&t, PG_ALL), sizeof(fl));
            fl[sup] &= ~PG_US;
            pt_map(&t, la, 0x9000, 12, fl, e);
            OK(&t, la, R, 0x9123);
            OK(&t, la, W, 0x9123);
            PF(&t, la, R | U, EP | EU);
            PF(&t, la, W | U, EP | EW | EU);
            PF(&t, la, X | U, EP | EU | (t.mode == M32 ? 0 : EI));
            /* an implicit supervisor access is no user access */
            OK(&t, la, R | X86_WALK_IMPLICIT, 0x9123);
        }
        (void)e;
    }
}

/* NX: EFER.NXE makes bit 63 execute-disable; without it bit 63 is reserved. */
static void test_nx(void **state)
{
    (void)state;
    for (size_t m = 1; m < ARRAY_SIZE(all_modes); m++) { /* not in 32-bit paging */
        struct pt t;
        u64 la = test_la(all_modes[m]), e[5], fl[5];
        unsigned int shift[5], n;

        pt_init(&t, all_modes[m]);
        n = levels(&t, shift);
        for (unsigned int xd = 0; xd < n; xd++) {
            if (t.mode == PAE && xd == 0)
                continue; /* reserved in the PDPTE: see test_reserved */
            pt_init(&t, all_modes[m]);
            memcpy(fl, flags_for(&t, PG_ALL), sizeof(fl));
            fl[xd] |= PG_XD;
            pt_map(&t, la, 0xb000, 12, fl, e);
            OK(&t, la, R | U, 0xb123);
            PF(&t, la, X, EP | EI);
            PF(&t, la, X | U, EP | EI | EU);
            t.pg.efer &= ~(u64)X86_EFER_NXE;
            PF(&t, la, R, EP | ER);        /* bit 63 is reserved now */
            PF(&t, la, X, EP | ER);        /* and I/D is clear without NXE or SMEP */
            t.pg.cr4 |= X86_CR4_SMEP;
            PF(&t, la, X, EP | ER | EI);
        }
    }
    /* 32-bit paging has no NX: EFER.NXE does not matter */
    {
        struct pt t;

        pt_init(&t, M32);
        t.pg.efer = X86_EFER_NXE;
        pt_map(&t, 0x400000, 0xd000, 12, same(PG_ALL), NULL);
        OK(&t, 0x400000, X, 0xd000);
    }
}

/* SMEP: no supervisor fetch from user pages. SMAP: no supervisor data access to user
 * pages unless EFLAGS.AC is set and the access is explicit. */
static void test_smep_smap(void **state)
{
    (void)state;
    for (size_t m = 0; m < ARRAY_SIZE(all_modes); m++) {
        struct pt t;
        u64 la = test_la(all_modes[m]);
        u32 ei = EI;

        pt_init(&t, all_modes[m]);
        pt_map(&t, la, 0xe000, 12, flags_for(&t, PG_ALL), NULL);
        OK(&t, la, X, 0xe123);
        t.pg.cr4 |= X86_CR4_SMEP;
        PF(&t, la, X, EP | ei);
        OK(&t, la, X | U, 0xe123);
        OK(&t, la, R, 0xe123);              /* SMEP is about fetches only */
        t.pg.cr4 = (t.pg.cr4 & ~(u64)X86_CR4_SMEP) | X86_CR4_SMAP;
        PF(&t, la, R, EP);
        PF(&t, la, W, EP | EW);
        OK(&t, la, R | U, 0xe123);
        OK(&t, la, X, 0xe123);              /* SMAP is about data only */
        t.pg.rflags = X86_FL_AC;
        OK(&t, la, R, 0xe123);
        OK(&t, la, W, 0xe123);
        PF(&t, la, R | X86_WALK_IMPLICIT, EP); /* implicit: AC does not help */
        t.pg.rflags = 0;
        /* supervisor pages are not concerned */
        pt_init(&t, all_modes[m]);
        pt_map(&t, la, 0xe000, 12, flags_for(&t, PG_P | PG_RW), NULL);
        t.pg.cr4 |= X86_CR4_SMEP | X86_CR4_SMAP;
        OK(&t, la, X, 0xe123);
        OK(&t, la, W | X86_WALK_IMPLICIT, 0xe123);
        /* with WP=0, SMAP still stops supervisor writes to user pages */
        pt_init(&t, all_modes[m]);
        pt_map(&t, la, 0xe000, 12, flags_for(&t, PG_P | PG_US), NULL);
        t.pg.cr0 &= ~(u64)X86_CR0_WP;
        OK(&t, la, W, 0xe123);
        t.pg.cr4 |= X86_CR4_SMAP;
        PF(&t, la, W, EP | EW);
    }
}

/* Large pages and their reserved bits. */
static void test_large_pages(void **state)
{
    struct pt t;
    u64 e[5];

    (void)state;
    /* 32-bit: 4 MiB with CR4.PSE, including physical bits above 4 GiB (PSE-36) */
    pt_init(&t, M32);
    pt_map(&t, 0x80000000, 0x8340400000ULL, 22, same(PG_ALL), e);
    OK(&t, 0x80123456, R, 0x8340400000ULL + 0x123456);
    OK(&t, 0x80123456, W, 0x8340400000ULL + 0x123456);
    assert_true(get_entry(e[0], 4) & PG_D);
    set_entry(e[0], 4, get_entry(e[0], 4) | (1ULL << 21));     /* bit 21: reserved */
    PF(&t, 0x80123456, R, EP | ER);
    set_entry(e[0], 4, get_entry(e[0], 4) & ~(1ULL << 21));
    t.pg.maxphyaddr = 36;                                        /* PA bits 39:36 */
    PF(&t, 0x80123456, R | U, EP | ER | EU);                     /* 0x83_4040_0000 */
    t.pg.maxphyaddr = 40;
    OK(&t, 0x80123456, R, 0x8340523456ULL);
    /* without PSE the PS bit is ignored: the PDE points to a page table */
    t.pg.cr4 &= ~(u64)X86_CR4_PSE;
    set_entry(e[0], 4, 0x3000 | PG_ALL | PG_PS);
    set_entry(0x3000 + 0x123 * 4, 4, 0xabc000 | PG_ALL);
    OK(&t, 0x80123456, R, 0xabc456);

    /* PAE and 4-level: 2 MiB pages */
    for (unsigned int m = PAE; m <= L4; m++) {
        u64 la = m == PAE ? 0xc0200000 : 0x7f0000200000ULL, pa = 0x1234600000ULL;

        pt_init(&t, m);
        pt_map(&t, la, pa, 21, flags_for(&t, PG_ALL), e);
        OK(&t, la + 0x1abcde, R, pa + 0x1abcde);
        OK(&t, la + 0x1abcde, W, pa + 0x1abcde);
        assert_true(get_entry(e[m == PAE ? 1 : 2], 8) & PG_D);
        set_entry(e[m == PAE ? 1 : 2], 8, get_entry(e[m == PAE ? 1 : 2], 8) | (1ULL << 13));
        PF(&t, la, W, EP | EW | ER);                            /* bits 20:13 */
    }
    /* 4-level and 5-level: 1 GiB pages, reserved without gbpages */
    for (unsigned int m = L4; m <= L5; m++) {
        u64 la = m == L4 ? 0x40000000ULL : 0x100040000000ULL, pa = 0x3c0000000ULL;

        pt_init(&t, m);
        pt_map(&t, la, pa, 30, same(PG_ALL), e);
        OK(&t, la + 0x3abcdef1, R, pa + 0x3abcdef1);
        set_entry(e[m == L4 ? 1 : 2], 8, get_entry(e[m == L4 ? 1 : 2], 8) | (1ULL << 29));
        PF(&t, la, R, EP | ER);                                 /* bits 29:13 */
        set_entry(e[m == L4 ? 1 : 2], 8, get_entry(e[m == L4 ? 1 : 2], 8) & ~(1ULL << 29));
        OK(&t, la, R, pa);
        t.pg.gbpages = false;
        PF(&t, la, R, EP | ER);
    }
}

/* Reserved bits in ordinary entries: RSVD, and P set, in the error code. */
static void test_reserved(void **state)
{
    struct pt t;
    u64 e[5];

    (void)state;
    for (unsigned int m = PAE; m <= L5; m++) {
        u64 la = test_la(m);
        unsigned int shift[5], n;

        pt_init(&t, m);
        n = levels(&t, shift);
        pt_map(&t, la, 0xf000, 12, flags_for(&t, PG_ALL), e);
        t.pg.maxphyaddr = 40;
        for (unsigned int i = 0; i < n; i++) {
            u64 v = get_entry(e[i], 8);

            set_entry(e[i], 8, v | (1ULL << 45));               /* above MAXPHYADDR */
            PF(&t, la, R, EP | ER);
            PF(&t, la, W | U, EP | ER | EW | EU);
            set_entry(e[i], 8, v);
        }
        OK(&t, la, R, 0xf123);
        if (m != PAE) { /* PS in a PML4E (and PML5E) */
            set_entry(e[0], 8, get_entry(e[0], 8) | PG_PS);
            PF(&t, la, R, EP | ER);
        }
    }
    /* PAE PDPTEs: bits 2:1, 63 and above MAXPHYADDR are reserved */
    pt_init(&t, PAE);
    pt_map(&t, 0x40001000, 0xf000, 12, pae_flags(PG_ALL), e);
    OK(&t, 0x40001000, R, 0xf000);
    t.pg.maxphyaddr = 40;
    for (int bit = 0; bit < 4; bit++) {
        static const u64 b[] = { 1ULL << 1, 1ULL << 2, 1ULL << 63, 1ULL << 41 };
        u64 v = get_entry(e[0], 8);

        set_entry(e[0], 8, v | b[bit]);
        PF(&t, 0x40001000, R, EP | ER);
        set_entry(e[0], 8, v);
    }
    /* ... but bits 8:5 are ignored: QEMU's AMD model sets the accessed bit (5) there,
     * and the guest of tests/guests/ in PAE mode runs on such PDPTEs */
    {
        u64 v = get_entry(e[0], 8);

        set_entry(e[0], 8, v | PG_A);
        OK(&t, 0x40001000, R, 0xf000);
        set_entry(e[0], 8, v | (0xfULL << 5));
        OK(&t, 0x40001000, W, 0xf000);
        assert_int_equal(get_entry(e[0], 8), v | (0xfULL << 5)); /* left as it was */
        set_entry(e[0], 8, v);
    }
    /* the PDPTE registers, when the caller has them, replace memory */
    {
        u64 regs[4] = { 0, get_entry(e[0], 8), 0, 0 };

        set_entry(e[0], 8, 0);
        PF(&t, 0x40001000, R, 0);
        t.pg.pdptes = regs;
        OK(&t, 0x40001000, R, 0xf000);
        regs[1] = 0;
        PF(&t, 0x40001000, R, 0);
    }
}

/* A/D updates race with other vCPUs: a changed entry restarts the walk. */
static void test_ad_races(void **state)
{
    struct pt t;
    u64 la = test_la(L4), e[5];

    (void)state;
    pt_init(&t, L4);
    pt_map(&t, la, 0x2000, 12, same(PG_ALL), e);
    meddle = 1;                        /* someone sets the leaf's A bit meanwhile */
    meddle_set = 0;
    meddle_clear = 0;
    OK(&t, la, W, 0x2123);
    assert_true(get_entry(e[3], 8) & PG_D);
    /* an entry that becomes not-present meanwhile: the restarted walk faults */
    pt_init(&t, L4);
    pt_map(&t, la, 0x2000, 12, same(PG_ALL), e);
    meddle = 1;
    meddle_clear = PG_P;
    {
        struct x86_walk_result r;
        struct x86_event ev;

        assert_int_equal(walk(&t, la, R, &r, &ev), X86EMUL_EXCEPTION);
        assert_int_equal(ev.error_code, 0);
        assert_int_equal(ev.cr2, la);
    }
    meddle = 0;
    meddle_clear = 0;
    /* an entry that keeps changing: give up with RETRY, after a bounded number */
    pt_init(&t, L4);
    pt_map(&t, la, 0x2000, 12, same(PG_ALL), e);
    meddle = 1000;
    meddle_toggle = 1ULL << 9;         /* a software bit */
    {
        struct x86_walk_result r;
        struct x86_event ev;

        assert_int_equal(walk(&t, la, R, &r, &ev), X86EMUL_RETRY);
        assert_true(cmpxchg_calls <= 20);
    }
    meddle = 0;
    meddle_toggle = 0;
    /* page tables outside memory: the read callback's code comes back */
    pt_init(&t, L4);
    t.pg.cr3 = 0x7ffff000000ULL;
    {
        struct x86_walk_result r;
        struct x86_event ev;

        assert_int_equal(walk(&t, la, R, &r, &ev), X86EMUL_UNHANDLEABLE);
    }
}

/* The error code's W/U/I bits follow the access, not the entries. */
static void test_error_codes(void **state)
{
    static const struct { unsigned int access; u32 ec; } t32[] = {
        { R, EP | EU }, { W, EP | EW | EU }, { X, EP | EU },
    };
    struct pt t;

    (void)state;
    pt_init(&t, M32);
    pt_map(&t, 0x1000, 0x1000, 12, same(PG_P | PG_RW), NULL); /* supervisor only */
    for (size_t i = 0; i < ARRAY_SIZE(t32); i++)
        PF(&t, 0x1000, t32[i].access | U, t32[i].ec);
    t.pg.cr4 |= X86_CR4_SMEP;          /* I/D appears in 32-bit paging with SMEP */
    PF(&t, 0x1000, X | U, EP | EU | EI);
    /* CR2 is the faulting address itself, offset included */
    PF(&t, 0x1ffc, W | U, EP | EW | EU);
    /* a linear address beyond 32 bits is cut to 32 in 32-bit paging */
    OK(&t, 0x100001000ULL, R, 0x1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpaged),
        cmocka_unit_test(test_basic_and_ad),
        cmocka_unit_test(test_not_present),
        cmocka_unit_test(test_rw),
        cmocka_unit_test(test_us),
        cmocka_unit_test(test_nx),
        cmocka_unit_test(test_smep_smap),
        cmocka_unit_test(test_large_pages),
        cmocka_unit_test(test_reserved),
        cmocka_unit_test(test_ad_races),
        cmocka_unit_test(test_error_codes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
