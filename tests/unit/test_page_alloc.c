/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/page_alloc.c, the buddy allocator.
 *
 * The allocator keeps static state and can only be given memory, so the cases share
 * one machine: the frame ranges below (with holes, an out-of-order pair that must
 * merge, frame 0, and a range across 4 GiB), added once by
 * test_add_ranges_with_holes. Every later case leaves the allocator as it found it,
 * and checks that it did (assert_initial_state).
 *
 * The allocator only reads and writes page_info entries (the stub frame_table), never
 * the pages: there is no memory behind the frames.
 */
#include "unit.h"

#include <stdlib.h>

#include <hv/mm.h>

static const struct {
    mfn_t start, end;
} ranges[] = {
    { 0x0, 0x9f },         /* frame 0 up to the EBDA; hole to 1 MiB */
    { 0x100, 0x4000 },     /* 1 MiB - 64 MiB */
    { 0x6000, 0x8000 },    /* 96 - 128 MiB, given before... */
    { 0x4000, 0x6000 },    /* ...its buddy 64 - 96 MiB; hole from 128 MiB to 4080 MiB */
    { 0xff000, 0x101000 }, /* 4080 MiB - 4112 MiB: across the 4 GiB line */
};
#define NR_FRAMES   0x101000ULL
#define TOTAL_PAGES (0x9fULL + 0x3f00 + 0x2000 + 0x2000 + 0x2000)
#define FRAMES_BELOW_4G (TOTAL_PAGES - 0x1000)

/*
 * The free blocks right after the ranges are added, worked out by hand: each range cut
 * into the largest naturally aligned blocks, buddies merged, and no block across a
 * zone boundary ([0,1] is zone 0 and [2,3] zone 1, so they stay apart).
 */
static const u64 initial_blocks[MAX_ORDER + 1] = {
    [0] = 1,  /* 0x9e */
    [1] = 3,  /* 0x0, 0x2, 0x9c */
    [2] = 2,  /* 0x4, 0x98 */
    [3] = 2,  /* 0x8, 0x90 */
    [4] = 2,  /* 0x10, 0x80 */
    [5] = 1,  /* 0x20 */
    [6] = 1,  /* 0x40 */
    [8] = 1,  /* 0x100 */
    [9] = 1,  /* 0x200 */
    [10] = 1, /* 0x400 */
    [11] = 1, /* 0x800 */
    [12] = 3, /* 0x1000, 0xff000, 0x100000 */
    [13] = 1, /* 0x2000 */
    [14] = 1, /* 0x4000: 0x4000 and 0x6000 merged */
};

/* Hole frames whose page_info the allocator must never touch. */
static const struct {
    mfn_t start, end;
} watched_holes[] = {
    { 0x9f, 0x100 }, { 0x8000, 0x8400 }, { 0xfe800, 0xff000 },
};
#define POISON 0xa5

static struct page_info *table;
static bool ranges_added;
static u8 *owned;            /* one bit per frame: handed out and not yet freed */

/* ---- helpers ---- */

static bool frame_managed(mfn_t mfn)
{
    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
        if (mfn >= ranges[i].start && mfn < ranges[i].end)
            return true;
    return false;
}

static u64 managed_frames_below(mfn_t limit)
{
    u64 n = 0;

    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++) {
        mfn_t e = min(ranges[i].end, limit);
        if (e > ranges[i].start)
            n += e - ranges[i].start;
    }
    return n;
}

static void claim(mfn_t mfn, unsigned int order)
{
    for (mfn_t m = mfn; m < mfn + (1ULL << order); m++) {
        if (owned[m / 8] & (1u << (m % 8)))
            fail_msg("frame %#llx handed out twice (block %#llx, order %u)", m, mfn, order);
        owned[m / 8] |= 1u << (m % 8);
    }
}

static void release(mfn_t mfn, unsigned int order)
{
    for (mfn_t m = mfn; m < mfn + (1ULL << order); m++) {
        assert_true(owned[m / 8] & (1u << (m % 8)));
        owned[m / 8] &= ~(1u << (m % 8));
    }
}

/* Check a block alloc_pages() returned, and record its frames as owned. */
static mfn_t take(struct page_info *pg, unsigned int order)
{
    mfn_t mfn;

    assert_non_null(pg);
    assert_true(unit_irqs_enabled);
    assert_true(pg >= table && pg < table + NR_FRAMES);
    mfn = page_to_mfn(pg);
    if (mfn & ((1ULL << order) - 1))
        fail_msg("order-%u block at frame %#llx is not %llu-aligned", order, mfn,
                 1ULL << order);
    for (mfn_t m = mfn; m < mfn + (1ULL << order); m++)
        if (!frame_managed(m))
            fail_msg("order-%u block at %#llx contains frame %#llx, in a hole", order, mfn, m);
    assert_true(pg->flags & PGF_ALLOC);
    assert_false(pg->flags & PGF_FREE);
    assert_int_equal(pg->order, order);
    claim(mfn, order);
    return mfn;
}

static void give_back(mfn_t mfn, unsigned int order)
{
    release(mfn, order);
    free_pages(mfn_to_page(mfn), order);
    assert_true(unit_irqs_enabled);
}

static struct page_alloc_stats stats(void)
{
    struct page_alloc_stats st;

    memset(&st, 0xff, sizeof(st));
    page_alloc_get_stats(&st);
    return st;
}

static void assert_histogram(const u64 *got, const u64 *want)
{
    for (unsigned int k = 0; k <= MAX_ORDER; k++)
        if (got[k] != want[k])
            fail_msg("free blocks of order %u: %llu, expected %llu", k, got[k], want[k]);
}

static void assert_holes_untouched(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(watched_holes); i++) {
        const u8 *p = (const u8 *)&table[watched_holes[i].start];
        size_t n = (watched_holes[i].end - watched_holes[i].start) * sizeof(*table);
        for (size_t j = 0; j < n; j++)
            if (p[j] != POISON)
                fail_msg("page_info of hole frame %#llx was written",
                         watched_holes[i].start + j / sizeof(*table));
    }
}

/* Everything free again, and in the very blocks the ranges were first cut into. */
static void assert_initial_state(void)
{
    struct page_alloc_stats st = stats();

    assert_int_equal(st.total_pages, TOTAL_PAGES);
    assert_int_equal(st.free_pages, TOTAL_PAGES);
    assert_histogram(st.free_blocks, initial_blocks);
    assert_true(unit_irqs_enabled);
    for (u64 i = 0; i < NR_FRAMES / 8; i++)
        if (owned[i])
            fail_msg("test bug: frames around %#llx still owned", i * 8);
}

static void ensure_ranges_added(void)
{
    if (ranges_added)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
        page_alloc_add_range(ranges[i].start, ranges[i].end);
    ranges_added = true;
}

static int setup_frame_table(void **state)
{
    (void)state;
    table = malloc(NR_FRAMES * sizeof(*table));
    owned = calloc(NR_FRAMES / 8, 1);
    if (!table || !owned)
        return -1;
    /* the ranges' entries zeroed, as the allocator requires; the rest poisoned */
    memset(table, POISON, NR_FRAMES * sizeof(*table));
    for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
        memset(&table[ranges[i].start], 0,
               (ranges[i].end - ranges[i].start) * sizeof(*table));
    unit_frame_table = table;
    unit_directmap_offset = 0x100000000000UL; /* any: the pages are never touched */
    return 0;
}

static int free_frame_table(void **state)
{
    (void)state;
    free(table);
    free(owned);
    return 0;
}

/* ---- cases ---- */

static void test_alloc_before_any_range_is_null(void **state)
{
    struct page_alloc_stats st;

    (void)state;
    if (ranges_added)
        skip();
    assert_null(alloc_pages(0));
    assert_null(alloc_pages_below(0, GiB(4)));
    assert_null(alloc_page_va(0));
    st = stats();
    assert_int_equal(st.total_pages, 0);
    assert_int_equal(st.free_pages, 0);
}

static void test_add_ranges_with_holes(void **state)
{
    struct page_alloc_stats st;

    (void)state;
    ensure_ranges_added();
    st = stats();
    assert_int_equal(st.total_pages, TOTAL_PAGES);
    assert_int_equal(st.free_pages, TOTAL_PAGES);
    assert_histogram(st.free_blocks, initial_blocks);
    assert_holes_untouched();

    /* an empty or reversed range adds nothing */
    page_alloc_add_range(0x9000, 0x9000);
    page_alloc_add_range(0x9100, 0x9000);
    assert_initial_state();
}

static void test_blocks_are_naturally_aligned(void **state)
{
    mfn_t mfn[15];

    (void)state;
    ensure_ranges_added();
    /* largest first, so that each order still finds a block */
    for (unsigned int k = ARRAY_SIZE(mfn); k-- > 0;)
        mfn[k] = take(alloc_pages(k), k);
    /* the largest block there was is gone: nothing of order 14 or more is left */
    for (unsigned int k = 14; k <= MAX_ORDER; k++)
        assert_null(alloc_pages(k));
    for (unsigned int k = 0; k < ARRAY_SIZE(mfn); k++)
        give_back(mfn[k], k);
    assert_initial_state();
}

static void test_order_above_max_is_null(void **state)
{
    (void)state;
    ensure_ranges_added();
    assert_null(alloc_pages(MAX_ORDER + 1));
    assert_null(alloc_pages(32));
    assert_null(alloc_pages(~0u));
    assert_null(alloc_pages_below(MAX_ORDER + 1, ~0ULL));
    assert_null(alloc_page_va(MAX_ORDER + 1));
    assert_initial_state();
}

static void test_split_takes_the_highest_zone_and_merges_back(void **state)
{
    struct page_alloc_stats st;
    u64 want[MAX_ORDER + 1];
    mfn_t a, b;

    (void)state;
    ensure_ranges_added();
    /* The highest memory goes first: the block at 4 GiB, split in halves down to one
     * frame, keeping the lowest frame; each split leaves one free block per order. */
    a = take(alloc_pages(0), 0);
    assert_int_equal(a, 0x100000);
    memcpy(want, initial_blocks, sizeof(want));
    want[12]--;
    for (unsigned int k = 0; k < 12; k++)
        want[k]++;
    st = stats();
    assert_int_equal(st.free_pages, TOTAL_PAGES - 1);
    assert_histogram(st.free_blocks, want);

    /* No order-12 block is left above 4 GiB: the next comes from just below. */
    b = take(alloc_pages(12), 12);
    assert_int_equal(b, 0xff000);
    assert_int_equal(stats().free_pages, TOTAL_PAGES - 1 - 4096);

    give_back(a, 0);
    give_back(b, 12);
    assert_initial_state();
}

/* Allocate order-`order` blocks below `limit` until none is left; returns their count. */
static unsigned int drain_below(unsigned int order, paddr_t limit, mfn_t *out, unsigned int max)
{
    unsigned int n = 0;
    struct page_info *pg;

    while ((pg = alloc_pages_below(order, limit))) {
        mfn_t mfn = take(pg, order);
        if (((mfn + (1ULL << order)) << PAGE_SHIFT) > limit)
            fail_msg("alloc_pages_below(%u, %#llx) gave frames %#llx-%#llx", order, limit, mfn,
                     mfn + (1ULL << order) - 1);
        assert_true(n < max);
        out[n++] = mfn;
    }
    return n;
}

static void test_alloc_below_stays_below_the_limit(void **state)
{
    /* power-of-two limits: every frame below them can be had */
    static const paddr_t limits[] = { KiB(8), MiB(1), MiB(64), MiB(128), GiB(4) };
    /* other limits: nothing may end above them */
    static const paddr_t odd_limits[] = { KiB(12), KiB(636), KiB(640), MiB(1) + 4096,
                                          MiB(100), GiB(4) - 4096, GiB(4) + MiB(8) };
    mfn_t *got = malloc(TOTAL_PAGES * sizeof(*got));
    unsigned int n;

    (void)state;
    ensure_ranges_added();
    for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
        n = drain_below(0, limits[i], got, TOTAL_PAGES);
        assert_int_equal(n, managed_frames_below(limits[i] >> PAGE_SHIFT));
        for (unsigned int j = 0; j < n; j++)
            give_back(got[j], 0);
        assert_initial_state();
    }
    for (size_t i = 0; i < ARRAY_SIZE(odd_limits); i++) {
        for (unsigned int order = 0; order <= 12; order += 3) {
            n = drain_below(order, odd_limits[i], got, TOTAL_PAGES);
            assert_true(n > 0 || order > 0);
            for (unsigned int j = 0; j < n; j++)
                give_back(got[j], order);
            assert_initial_state();
        }
    }
    free(got);
}

static void test_alloc_below_tiny_limits(void **state)
{
    mfn_t mfn;

    (void)state;
    ensure_ranges_added();
    /* nothing ends at or below 4 KiB except frame 0, which is one zone with frame 1 */
    assert_null(alloc_pages_below(0, 0));
    assert_null(alloc_pages_below(0, 4095));
    assert_null(alloc_pages_below(0, KiB(4)));
    assert_null(alloc_pages_below(0, KiB(8) - 1));
    /* 8 KiB: the block of frames 0-1 */
    mfn = take(alloc_pages_below(1, KiB(8)), 1);
    assert_int_equal(mfn, 0);
    assert_null(alloc_pages_below(0, KiB(8)));
    give_back(mfn, 1);
    assert_initial_state();
}

static void test_alloc_below_null_when_only_high_memory_is_free(void **state)
{
    mfn_t *low = malloc(TOTAL_PAGES * sizeof(*low));
    unsigned int n;
    mfn_t high;

    (void)state;
    ensure_ranges_added();
    n = drain_below(0, GiB(4), low, TOTAL_PAGES);
    assert_int_equal(n, FRAMES_BELOW_4G);
    assert_null(alloc_pages_below(0, GiB(4)));
    assert_null(alloc_pages_below(3, GiB(4)));
    assert_int_equal(stats().free_pages, TOTAL_PAGES - FRAMES_BELOW_4G);
    /* memory above 4 GiB is still there for anyone else */
    high = take(alloc_pages(3), 3);
    assert_true(high >= 0x100000);
    /* and a limit above 4 GiB may use it */
    give_back(high, 3);
    high = take(alloc_pages_below(0, GiB(8)), 0);
    assert_true(high >= 0x100000);
    give_back(high, 0);
    /* one frame back below 4 GiB: that is the one handed out */
    give_back(low[n / 2], 0);
    assert_int_equal(take(alloc_pages_below(0, GiB(4)), 0), low[n / 2]);
    for (unsigned int i = 0; i < n; i++)
        give_back(low[i], 0);
    free(low);
    assert_initial_state();
}

static void test_exhaustion_then_recovery(void **state)
{
    mfn_t *all = malloc(TOTAL_PAGES * sizeof(*all));
    u64 seed = 0x1234;
    unsigned int n = 0;
    struct page_info *pg;
    mfn_t one;

    (void)state;
    ensure_ranges_added();
    while ((pg = alloc_pages(0))) {
        assert_true(n < TOTAL_PAGES);
        all[n++] = take(pg, 0);
    }
    assert_int_equal(n, TOTAL_PAGES);
    assert_int_equal(stats().free_pages, 0);
    for (unsigned int k = 0; k <= MAX_ORDER; k++)
        assert_int_equal(stats().free_blocks[k], 0);
    assert_null(alloc_pages(0));
    assert_null(alloc_pages_below(0, GiB(4)));

    /* one frame back: it is the only one to be had, and only at order 0 */
    one = all[n - 1];
    give_back(one, 0);
    assert_null(alloc_pages(1));
    all[n - 1] = take(alloc_pages(0), 0);
    assert_int_equal(all[n - 1], one);

    /* free the frames in a random order: everything coalesces back */
    for (unsigned int i = n - 1; i > 0; i--) {
        unsigned int j = unit_rand(&seed) % (i + 1);
        mfn_t t = all[i];
        all[i] = all[j];
        all[j] = t;
    }
    for (unsigned int i = 0; i < n; i++)
        give_back(all[i], 0);
    free(all);
    assert_initial_state();
    assert_holes_untouched();
}

static void test_random_stress_never_hands_out_a_frame_twice(void **state)
{
    enum { OPS = 200000, MAX_LIVE = 4096 };
    struct {
        mfn_t mfn;
        unsigned int order;
    } *live = malloc(MAX_LIVE * sizeof(*live));
    unsigned int nlive = 0, allocs = 0;
    u64 seed = 0x9e3779b97f4a7c15ULL;

    (void)state;
    ensure_ranges_added();
    for (unsigned int op = 0; op < OPS; op++) {
        u64 r = unit_rand(&seed);
        bool do_alloc = nlive == 0 || (nlive < MAX_LIVE && (r & 0xff) < 140);

        if (do_alloc) {
            /* mostly small orders, now and then a large one */
            unsigned int order = (r >> 8) % 16 == 0 ? (r >> 12) % 13 : (r >> 12) % 4;
            struct page_info *pg;
            paddr_t limit = 0;

            if ((r >> 20) % 8 == 0) {
                limit = ((r >> 24) % (NR_FRAMES + 0x1000)) << PAGE_SHIFT;
                pg = alloc_pages_below(order, limit);
            } else {
                pg = alloc_pages(order);
            }
            if (!pg)
                continue; /* nothing that large, or that low, is free */
            live[nlive].mfn = take(pg, order);
            live[nlive].order = order;
            if (limit && ((live[nlive].mfn + (1ULL << order)) << PAGE_SHIFT) > limit)
                fail_msg("alloc_pages_below(%u, %#llx) gave frame %#llx", order, limit,
                         live[nlive].mfn);
            nlive++;
            allocs++;
        } else {
            unsigned int i = (r >> 8) % nlive;
            give_back(live[i].mfn, live[i].order);
            live[i] = live[--nlive];
        }
        if (op % 20000 == 0) {
            /* the free count adds up with what is out */
            u64 out = 0;
            for (unsigned int i = 0; i < nlive; i++)
                out += 1ULL << live[i].order;
            assert_int_equal(stats().free_pages, TOTAL_PAGES - out);
        }
    }
    assert_true(allocs > OPS / 4);
    while (nlive) {
        nlive--;
        give_back(live[nlive].mfn, live[nlive].order);
    }
    free(live);
    assert_initial_state();
    assert_holes_untouched();
}

static void test_page_va_helpers(void **state)
{
    void *va;
    mfn_t mfn;

    (void)state;
    ensure_ranges_added();
    va = alloc_page_va(3);
    assert_non_null(va);
    mfn = take(virt_to_page(va), 3);
    assert_ptr_equal(va, (void *)(uintptr_t)((mfn << PAGE_SHIFT) + unit_directmap_offset));
    assert_int_equal(stats().free_pages, TOTAL_PAGES - 8);
    release(mfn, 3);
    free_page_va(va, 3);
    free_page_va(NULL, 0); /* does nothing */
    assert_initial_state();
}

static void test_bad_frees_are_bugs(void **state)
{
    struct page_info *pg;
    mfn_t mfn;

    (void)state;
    ensure_ranges_added();
    /* a page that was never allocated */
    expect_assert_failure(free_pages(mfn_to_page(0x2345), 0));
    /* the wrong order */
    pg = alloc_pages(2);
    mfn = take(pg, 2);
    expect_assert_failure(free_pages(pg, 3));
    expect_assert_failure(free_pages(pg, 1));
    give_back(mfn, 2);
    /* twice */
    expect_assert_failure(free_pages(pg, 2));
    assert_initial_state();
}

/* Regression test (a bug fixed in the hypervisor): a limit above the largest zone indexes past the zone arrays. */
static void test_alloc_below_a_huge_limit_is_no_limit(void **state)
{
    mfn_t mfn;

    (void)state;
    ensure_ranges_added();
    /* ~0: "anywhere", the same as alloc_pages(): the highest memory first */
    mfn = take(alloc_pages_below(0, ~0ULL), 0);
    assert_int_equal(mfn, 0x100000);
    give_back(mfn, 0);
    mfn = take(alloc_pages_below(3, 1ULL << 60), 3);
    assert_int_equal(mfn, 0x100000);
    give_back(mfn, 3);
    assert_initial_state();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_before_any_range_is_null),
        cmocka_unit_test(test_add_ranges_with_holes),
        cmocka_unit_test(test_blocks_are_naturally_aligned),
        cmocka_unit_test(test_order_above_max_is_null),
        cmocka_unit_test(test_split_takes_the_highest_zone_and_merges_back),
        cmocka_unit_test(test_alloc_below_stays_below_the_limit),
        cmocka_unit_test(test_alloc_below_tiny_limits),
        cmocka_unit_test(test_alloc_below_null_when_only_high_memory_is_free),
        cmocka_unit_test(test_exhaustion_then_recovery),
        cmocka_unit_test(test_random_stress_never_hands_out_a_frame_twice),
        cmocka_unit_test(test_page_va_helpers),
        cmocka_unit_test(test_bad_frees_are_bugs),
        cmocka_unit_test(test_alloc_below_a_huge_limit_is_no_limit),
    };

    return cmocka_run_group_tests(tests, setup_frame_table, free_frame_table);
}
