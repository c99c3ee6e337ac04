/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/xmalloc.c, the heap, over the real page allocator.
 *
 * The machine: ARENA_PAGES frames at ARENA_MFN, backed by a host arena that the stub
 * direct map (__va) points at, so that the heap's slabs and objects are real memory.
 * Both allocators keep static state: the cases share it, and each one frees all it
 * allocated (assert_heap_empty).
 */
#include "unit.h"

#include <stdlib.h>

#include <hv/mm.h>

#define ARENA_MFN   0x100ULL
#define ARENA_PAGES 4096ULL
#define NR_CLASSES  8         /* 16, 32, ... 2048 bytes */

static struct page_info *table;
static u8 *arena;

/* ---- helpers ---- */

static u64 free_pages_now(void)
{
    struct page_alloc_stats st;

    page_alloc_get_stats(&st);
    return st.free_pages;
}

static struct xmalloc_stats heap_stats(void)
{
    struct xmalloc_stats st;

    memset(&st, 0xff, sizeof(st));
    xmalloc_get_stats(&st);
    return st;
}

static void assert_heap_empty(void)
{
    struct xmalloc_stats st = heap_stats();

    assert_int_equal(st.objects, 0);
    assert_int_equal(st.large_pages, 0);
    /* at most one empty slab kept per size class */
    assert_in_range(st.slab_pages, 0, NR_CLASSES);
    assert_in_range(free_pages_now(), ARENA_PAGES - NR_CLASSES, ARENA_PAGES);
    assert_true(unit_irqs_enabled);
}

/* The size class of a small request: the next power of two, 16 at least. */
static size_t class_of(size_t size)
{
    size_t c = 16;

    while (c < size)
        c <<= 1;
    return c;
}

static bool in_arena(const void *p, size_t size)
{
    return (const u8 *)p >= arena && (const u8 *)p + size <= arena + ARENA_PAGES * PAGE_SIZE;
}

/* Check an allocation of `size` bytes: placement, alignment and its page's kind. */
static void check_alloc(const void *p, size_t size)
{
    struct page_info *pg;

    assert_non_null(p);
    assert_true(unit_irqs_enabled);
    if (!in_arena(p, size))
        fail_msg("xmalloc(%zu) = %p is outside the memory given to the allocator", size, p);
    pg = virt_to_page(p);
    if (size <= 2048) {
        if ((uintptr_t)p % class_of(size))
            fail_msg("xmalloc(%zu) = %p is not aligned to its class (%zu)", size, p,
                     class_of(size));
        assert_true(pg->flags & PGF_SLAB);
    } else {
        if ((uintptr_t)p % PAGE_SIZE)
            fail_msg("xmalloc(%zu) = %p is not page-aligned", size, p);
        assert_true(pg->flags & PGF_HEAP);
    }
}

static u8 pattern(u64 id, size_t i)
{
    return (u8)(id * 131 + i * 7 + (i >> 8));
}

static void fill(void *p, size_t size, u64 id)
{
    for (size_t i = 0; i < size; i++)
        ((u8 *)p)[i] = pattern(id, i);
}

static void verify(const void *p, size_t size, u64 id)
{
    for (size_t i = 0; i < size; i++)
        if (((const u8 *)p)[i] != pattern(id, i))
            fail_msg("allocation %llu (%zu bytes at %p): byte %zu was overwritten", id, size,
                     p, i);
}

static int setup_heap(void **state)
{
    (void)state;
    table = calloc(ARENA_MFN + ARENA_PAGES, sizeof(*table));
    arena = aligned_alloc(PAGE_SIZE, ARENA_PAGES * PAGE_SIZE);
    if (!table || !arena)
        return -1;
    unit_frame_table = table;
    unit_directmap_offset = (uintptr_t)arena - (uintptr_t)(ARENA_MFN << PAGE_SHIFT);
    page_alloc_add_range(ARENA_MFN, ARENA_MFN + ARENA_PAGES);
    return free_pages_now() == ARENA_PAGES ? 0 : -1;
}

static int teardown_heap(void **state)
{
    (void)state;
    free(table);
    free(arena);
    return 0;
}

/* ---- cases ---- */

static void test_xmalloc_zero_and_xfree_null(void **state)
{
    struct xmalloc_stats before = heap_stats(), after;

    (void)state;
    assert_null(xmalloc(0));
    assert_null(xzalloc(0));
    xfree(NULL);
    after = heap_stats();
    assert_memory_equal(&before, &after, sizeof(before));
    assert_int_equal(free_pages_now(), ARENA_PAGES);
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

    return x < y ? -1 : x > y;
}

static void test_small_sizes_come_from_slabs_aligned_to_class(void **state)
{
    enum { N = 2048 };
    void **p = calloc(N + 1, sizeof(*p)), **sorted = calloc(N + 1, sizeof(*p));

    (void)state;
    for (size_t size = 1; size <= N; size++) {
        p[size] = xmalloc(size);
        check_alloc(p[size], size);
        fill(p[size], size, size);
    }
    assert_int_equal(heap_stats().objects, N);
    assert_int_equal(heap_stats().large_pages, 0);

    /* no two objects overlap: sorted by address, each ends before the next starts */
    memcpy(sorted, p + 1, N * sizeof(*p));
    qsort(sorted, N, sizeof(*sorted), cmp_ptr);
    for (size_t i = 0; i + 1 < N; i++) {
        size_t size = 0;
        for (size_t s = 1; s <= N; s++)
            if (p[s] == sorted[i])
                size = s;
        if ((u8 *)sorted[i] + class_of(size) > (u8 *)sorted[i + 1])
            fail_msg("object of %zu bytes at %p overlaps the next, at %p", size, sorted[i],
                     sorted[i + 1]);
    }
    for (size_t size = 1; size <= N; size++) {
        verify(p[size], size, size);
        xfree(p[size]);
    }
    free(p);
    free(sorted);
    assert_heap_empty();
}

static void test_large_sizes_come_from_pages(void **state)
{
    static const size_t sizes[] = { 2049, 3000, 4095, 4096, 4097, 8192, 8193, 12289,
                                    65536, 65537, MiB(1) };
    void *p[ARRAY_SIZE(sizes)];
    u64 pages = 0, start = free_pages_now();

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        u64 order_pages = 1;
        while (order_pages * PAGE_SIZE < sizes[i])
            order_pages <<= 1;
        p[i] = xmalloc(sizes[i]);
        check_alloc(p[i], sizes[i]);
        fill(p[i], sizes[i], i);
        pages += order_pages;
        assert_int_equal(heap_stats().large_pages, pages);
        assert_int_equal(free_pages_now(), start - pages);
    }
    assert_int_equal(heap_stats().objects, 0);
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        verify(p[i], sizes[i], i);
        xfree(p[i]);
    }
    assert_int_equal(free_pages_now(), start);
    assert_heap_empty();
}

static void test_xzalloc_zeroes(void **state)
{
    static const size_t sizes[] = { 1, 15, 16, 17, 100, 1000, 2047, 2048, 2049, 5000, 20000 };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        /* dirty the memory the next allocation of this size is likely to get */
        void *dirty[4];
        for (size_t j = 0; j < ARRAY_SIZE(dirty); j++) {
            dirty[j] = xmalloc(sizes[i]);
            assert_non_null(dirty[j]);
            memset(dirty[j], 0xa5, sizes[i]);
        }
        for (size_t j = 0; j < ARRAY_SIZE(dirty); j++)
            xfree(dirty[j]);

        u8 *z = xzalloc(sizes[i]);
        check_alloc(z, sizes[i]);
        for (size_t j = 0; j < sizes[i]; j++)
            if (z[j])
                fail_msg("xzalloc(%zu): byte %zu is %#x", sizes[i], j, z[j]);
        xfree(z);
    }

    u8 *a = xzalloc_array(7, 33);
    check_alloc(a, 7 * 33);
    for (size_t j = 0; j < 7 * 33; j++)
        assert_int_equal(a[j], 0);
    xfree(a);
    assert_heap_empty();
}

static void test_array_overflow_is_null(void **state)
{
    u64 start = free_pages_now();
    void *p;

    (void)state;
    assert_null(xmalloc_array(SIZE_MAX / 2 + 1, 2));
    assert_null(xmalloc_array(2, SIZE_MAX / 2 + 1));
    assert_null(xmalloc_array(3, SIZE_MAX / 3 + 1));
    assert_null(xmalloc_array(SIZE_MAX, SIZE_MAX));
    assert_null(xmalloc_array((size_t)1 << 32, (size_t)1 << 32));
    assert_null(xzalloc_array(SIZE_MAX / 2 + 1, 2));
    assert_null(xzalloc_array(SIZE_MAX, 16));
    /* zero elements or zero-sized elements: zero bytes */
    assert_null(xmalloc_array(0, 8));
    assert_null(xmalloc_array(8, 0));
    assert_null(xzalloc_array(0, 8));
    /* sizes no page block can hold */
    assert_null(xmalloc(SIZE_MAX));
    assert_null(xmalloc(GiB(4) + 1));
    assert_null(xmalloc(ARENA_PAGES * PAGE_SIZE + 1)); /* more than there is */
    assert_int_equal(free_pages_now(), start);

    /* the largest product that does not overflow is simply a size */
    p = xmalloc_array(10, 24);
    check_alloc(p, 240);
    assert_int_equal((uintptr_t)p % 256, 0);
    xfree(p);
    assert_heap_empty();
}

/* Objects a fresh slab of `cls` bytes holds: after the slab header, at the class's
 * alignment (16 bytes at least), up to the end of the page. */
static unsigned int slab_capacity(size_t cls)
{
    size_t first = cls > 16 ? cls : 16;

    return (PAGE_SIZE - first) / cls;
}

static void test_slab_and_object_stats(void **state)
{
    static const size_t classes[] = { 16, 64, 256, 2048 };

    (void)state;
    for (size_t c = 0; c < ARRAY_SIZE(classes); c++) {
        unsigned int cap = slab_capacity(classes[c]), n = 2 * cap + 1;
        void **p = calloc(n, sizeof(*p));
        struct xmalloc_stats base = heap_stats();
        u64 slabs = base.slab_pages;

        /* the kept empty slab of the class, if there is one, fills up first */
        for (unsigned int i = 0; i < n; i++) {
            p[i] = xmalloc(classes[c]);
            check_alloc(p[i], classes[c]);
            assert_int_equal(heap_stats().objects, i + 1);
        }
        /* 2 * cap + 1 objects: three slabs (one of them possibly the kept one) */
        assert_in_range(heap_stats().slab_pages, slabs + 2, slabs + 3);
        for (unsigned int i = 0; i < n; i++) {
            xfree(p[n - 1 - i]);
            assert_int_equal(heap_stats().objects, n - 1 - i);
        }
        free(p);
        assert_heap_empty();
    }
}

static void test_empty_slabs_go_back_to_the_page_allocator(void **state)
{
    enum { N = 3000 };
    void **p = calloc(N, sizeof(*p));
    u64 seed = 7, pages_before = free_pages_now();
    u64 slabs_before = heap_stats().slab_pages, peak;

    (void)state;
    for (unsigned int i = 0; i < N; i++) {
        p[i] = xmalloc(128);
        check_alloc(p[i], 128);
    }
    peak = heap_stats().slab_pages;
    assert_true(peak >= slabs_before + N / slab_capacity(128));
    assert_true(free_pages_now() <= pages_before - (peak - slabs_before));

    /* free in a random order: slabs empty at random moments */
    for (unsigned int i = N - 1; i > 0; i--) {
        unsigned int j = unit_rand(&seed) % (i + 1);
        void *t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
    for (unsigned int i = 0; i < N; i++)
        xfree(p[i]);
    free(p);
    /* every empty slab went back, except at most the one the class keeps */
    assert_in_range(heap_stats().slab_pages, 0, slabs_before + 1);
    assert_in_range(free_pages_now(), pages_before - 1, ARENA_PAGES);
    assert_heap_empty();
}

static void test_random_stress_with_content_checks(void **state)
{
    enum { OPS = 60000, MAX_LIVE = 1500 };
    struct {
        u8 *p;
        size_t size;
        u64 id;
    } *live = calloc(MAX_LIVE, sizeof(*live));
    unsigned int nlive = 0, nulls = 0;
    u64 seed = 0xc0ffee, next_id = 1;

    (void)state;
    for (unsigned int op = 0; op < OPS; op++) {
        u64 r = unit_rand(&seed);

        if (nlive < MAX_LIVE && (nlive == 0 || (r & 0xff) < 135)) {
            unsigned int kind = (r >> 8) % 100;
            size_t size = kind < 80   ? 1 + (r >> 16) % 256
                          : kind < 96 ? 257 + (r >> 16) % (2048 - 256)
                                      : 2049 + (r >> 16) % 40000;
            u8 *p = xmalloc(size);
            if (!p) {
                nulls++;
                continue;
            }
            check_alloc(p, size);
            fill(p, size, next_id);
            live[nlive].p = p;
            live[nlive].size = size;
            live[nlive].id = next_id++;
            nlive++;
        } else {
            unsigned int i = (r >> 8) % nlive;
            verify(live[i].p, live[i].size, live[i].id);
            xfree(live[i].p);
            live[i] = live[--nlive];
        }
        if (op % 5000 == 0) {
            unsigned int small = 0;
            for (unsigned int i = 0; i < nlive; i++) {
                verify(live[i].p, live[i].size, live[i].id);
                small += live[i].size <= 2048;
            }
            assert_int_equal(heap_stats().objects, small);
        }
    }
    /* the arena is large enough for the whole run */
    assert_int_equal(nulls, 0);
    while (nlive) {
        nlive--;
        verify(live[nlive].p, live[nlive].size, live[nlive].id);
        xfree(live[nlive].p);
    }
    free(live);
    assert_heap_empty();
}

static void test_exhaustion_returns_null_then_recovers(void **state)
{
    void **p = calloc(ARENA_PAGES + 1, sizeof(*p));
    unsigned int n = 0;

    (void)state;
    /* 2 KiB objects, one per slab page: they use up all the memory */
    while ((p[n] = xmalloc(2048))) {
        check_alloc(p[n], 2048);
        assert_true(n < ARENA_PAGES);
        n++;
    }
    assert_true(n >= ARENA_PAGES - NR_CLASSES);
    assert_null(xmalloc(2048));
    assert_null(xmalloc(4096));
    assert_null(xmalloc(100000));
    assert_int_equal(heap_stats().objects, n);

    /* one object back: its slab serves the next request */
    xfree(p[n / 2]);
    p[n / 2] = xmalloc(2048);
    check_alloc(p[n / 2], 2048);

    for (unsigned int i = 0; i < n; i++)
        xfree(p[i]);
    free(p);
    assert_heap_empty();

    /* everything is usable again, large blocks included */
    p = xmalloc(MiB(1));
    check_alloc(p, MiB(1));
    xfree(p);
    assert_heap_empty();
}

static void test_bad_xfree_is_a_bug(void **state)
{
    struct page_info *pg;
    u8 *large, *small;

    (void)state;
    /* A page the heap does not own. (Only errors caught before xfree() takes its lock:
     * a bad pointer into a slab is caught with the lock held, which no test can leave
     * behind.) */
    pg = alloc_pages(0);
    assert_non_null(pg);
    expect_assert_failure(xfree(page_to_virt(pg)));
    free_pages(pg, 0);
    /* a pointer into a large allocation, not its start */
    large = xmalloc(8192);
    check_alloc(large, 8192);
    expect_assert_failure(xfree(large + 16));
    expect_assert_failure(xfree(large + 4096));
    xfree(large);
    /* a large allocation freed twice */
    small = xmalloc(8192);
    xfree(small);
    expect_assert_failure(xfree(small));
    assert_heap_empty();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xmalloc_zero_and_xfree_null),
        cmocka_unit_test(test_small_sizes_come_from_slabs_aligned_to_class),
        cmocka_unit_test(test_large_sizes_come_from_pages),
        cmocka_unit_test(test_xzalloc_zeroes),
        cmocka_unit_test(test_array_overflow_is_null),
        cmocka_unit_test(test_slab_and_object_stats),
        cmocka_unit_test(test_empty_slabs_go_back_to_the_page_allocator),
        cmocka_unit_test(test_random_stress_with_content_checks),
        cmocka_unit_test(test_exhaustion_returns_null_then_recovers),
        cmocka_unit_test(test_bad_xfree_is_a_bug),
    };

    return cmocka_run_group_tests(tests, setup_heap, teardown_heap);
}
