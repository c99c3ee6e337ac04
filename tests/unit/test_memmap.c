/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of hypervisor/common/memmap.c: memmap_sanitize, memmap_total. */
#include "unit.h"

#include <hv/bootinfo.h>

#define RAM MEM_RAM
#define RES MEM_RESERVED
#define ACPI MEM_ACPI
#define NVS MEM_NVS
#define BAD MEM_UNUSABLE

#define R(s, z, t) { .start = (s), .size = (z), .type = (t) }

/* Sanitize `in` (n entries, room for `max`) and compare with `want`. */
static void check_sanitize(const struct mem_range *in, unsigned int n, unsigned int max,
                           const struct mem_range *want, unsigned int nwant)
{
    struct mem_range map[BOOT_MAX_MEMMAP], before[BOOT_MAX_MEMMAP];
    unsigned int got;

    assert_true(n <= BOOT_MAX_MEMMAP && max <= BOOT_MAX_MEMMAP);
    memset(map, 0xee, sizeof(map));
    memcpy(map, in, n * sizeof(*in));
    memcpy(before, map, sizeof(map));
    got = memmap_sanitize(map, n, max);
    assert_true(got <= max);
    /* nothing written past the room the caller gave */
    assert_memory_equal(&map[max], &before[max], (BOOT_MAX_MEMMAP - max) * sizeof(*map));
    for (unsigned int i = 0; i < got || i < nwant; i++) {
        if (i < got && i < nwant && map[i].start == want[i].start &&
            map[i].size == want[i].size && map[i].type == want[i].type)
            continue;
        for (unsigned int j = 0; j < got; j++)
            print_error("  got  [%#llx, %#llx) type %u\n", map[j].start,
                        map[j].start + map[j].size, map[j].type);
        for (unsigned int j = 0; j < nwant; j++)
            print_error("  want [%#llx, %#llx) type %u\n", want[j].start,
                        want[j].start + want[j].size, want[j].type);
        fail_msg("memmap_sanitize gave %u ranges, expected %u; first difference at %u", got,
                 nwant, i);
    }
}

#define CHECK_SANITIZE(in, want)                                                         \
    check_sanitize(in, ARRAY_SIZE(in), BOOT_MAX_MEMMAP, want, ARRAY_SIZE(want))

static void test_sorts_unsorted_input(void **state)
{
    static const struct mem_range in[] = {
        R(0x100000, 0x3fe00000, RAM), R(0xf0000, 0x10000, RES), R(0, 0x9fc00, RAM),
        R(0xfec00000, 0x1000, RES), R(0x9fc00, 0x400, RES),
    };
    static const struct mem_range want[] = {
        R(0, 0x9fc00, RAM), R(0x9fc00, 0x400, RES), R(0xf0000, 0x10000, RES),
        R(0x100000, 0x3fe00000, RAM), R(0xfec00000, 0x1000, RES),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
}

static void test_reserved_beats_ram(void **state)
{
    /* RAM [0, 1 MiB + 64 KiB) overlapped by reserved [960 KiB, 1 MiB + 64 KiB + 4 KiB) */
    static const struct mem_range in[] = {
        R(0, 0x110000, RAM), R(0xf0000, 0x21000, RES), R(0x200000, 0x100000, RAM),
    };
    static const struct mem_range want[] = {
        R(0, 0xf0000, RAM), R(0xf0000, 0x21000, RES), R(0x200000, 0x100000, RAM),
    };
    /* the same, listed the other way round: the order of the input does not matter */
    static const struct mem_range in2[] = {
        R(0x200000, 0x100000, RAM), R(0xf0000, 0x21000, RES), R(0, 0x110000, RAM),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
    CHECK_SANITIZE(in2, want);
}

static void test_acpi_and_nvs_beat_ram(void **state)
{
    static const struct mem_range in[] = {
        R(0, 0x40000000, RAM), R(0x3ffe0000, 0x10000, ACPI), R(0x3fff0000, 0x10000, NVS),
    };
    static const struct mem_range want[] = {
        R(0, 0x3ffe0000, RAM), R(0x3ffe0000, 0x10000, ACPI), R(0x3fff0000, 0x10000, NVS),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
}

static void test_type_precedence(void **state)
{
    /* Each pair overlaps on [0x1000, 0x2000): the more restrictive type keeps it.
     * RAM < ACPI data < ACPI NVS < reserved (and unknown types) < unusable. */
    static const struct {
        u32 a, b, winner;
    } tc[] = {
        { RAM, ACPI, ACPI }, { ACPI, RAM, ACPI }, { ACPI, NVS, NVS },  { NVS, ACPI, NVS },
        { NVS, RES, RES },   { RES, NVS, RES },   { RES, BAD, BAD },   { BAD, RES, BAD },
        { RAM, BAD, BAD },   { ACPI, BAD, BAD },  { RAM, 7, 7 },       { 12, RAM, 12 },
        { 7, BAD, BAD },     { RAM, RAM, RAM },
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(tc); i++) {
        const struct mem_range in[] = { R(0, 0x2000, tc[i].a), R(0x1000, 0x2000, tc[i].b) };
        struct mem_range want[3] = {
            R(0, 0x1000, tc[i].a), R(0x1000, 0x1000, tc[i].winner),
            R(0x2000, 0x1000, tc[i].b),
        };
        unsigned int nwant = 3;
        /* neighbours of the same type are one range */
        if (tc[i].a == tc[i].winner && tc[i].b == tc[i].winner) {
            want[0] = (struct mem_range)R(0, 0x3000, tc[i].winner);
            nwant = 1;
        } else if (tc[i].a == tc[i].winner) {
            want[0] = (struct mem_range)R(0, 0x2000, tc[i].a);
            want[1] = (struct mem_range)R(0x2000, 0x1000, tc[i].b);
            nwant = 2;
        } else if (tc[i].b == tc[i].winner) {
            want[1] = (struct mem_range)R(0x1000, 0x2000, tc[i].b);
            nwant = 2;
        }
        check_sanitize(in, 2, BOOT_MAX_MEMMAP, want, nwant);
    }
}

static void test_nested_ranges(void **state)
{
    /* RAM holding a reserved range holding an unusable one; and a RAM range inside a
     * reserved one vanishes */
    static const struct mem_range in[] = {
        R(0, GiB(1), RAM),
        R(MiB(16), MiB(4), RES),
        R(MiB(17), MiB(1), BAD),
        R(GiB(2), MiB(64), RES),
        R(GiB(2) + MiB(8), MiB(8), RAM),
    };
    static const struct mem_range want[] = {
        R(0, MiB(16), RAM),
        R(MiB(16), MiB(1), RES),
        R(MiB(17), MiB(1), BAD),
        R(MiB(18), MiB(2), RES),
        R(MiB(20), GiB(1) - MiB(20), RAM),
        R(GiB(2), MiB(64), RES),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
}

static void test_adjacent_and_overlapping_same_type_merge(void **state)
{
    static const struct mem_range in[] = {
        R(0x3000, 0x1000, RAM), R(0, 0x1000, RAM), R(0x1000, 0x2000, RAM), /* adjacent */
        R(0x10000, 0x8000, RAM), R(0x14000, 0x8000, RAM),                   /* overlapping */
        R(0x30000, 0x1000, RES), R(0x31000, 0x1000, ACPI),                  /* not the same */
        R(0x40000, 0x1000, RES), R(0x40000, 0x1000, RES),                   /* duplicates */
    };
    static const struct mem_range want[] = {
        R(0, 0x4000, RAM), R(0x10000, 0xc000, RAM), R(0x30000, 0x1000, RES),
        R(0x31000, 0x1000, ACPI), R(0x40000, 0x1000, RES),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
}

static void test_empty_and_wrapping_entries_dropped(void **state)
{
    static const struct mem_range in[] = {
        R(0x1000, 0, RAM),                       /* empty */
        R(0x100000, 0x100000, RAM),
        R(0xfffffffffffff000ULL, 0x2000, RES),  /* wraps past 2^64 */
        R(0x8000, 0, RES),                       /* empty, would split RAM if kept */
        R(0x150000, ~0ULL, RES),                 /* wraps */
        R(0x0, 0x9f000, RAM),
    };
    static const struct mem_range want[] = {
        R(0, 0x9f000, RAM), R(0x100000, 0x100000, RAM),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
}

static void test_holes_stay_holes(void **state)
{
    /* no range covers [0x9f000, 0x100000) or [1 GiB, 4 GiB): nothing may fill them */
    static const struct mem_range in[] = {
        R(GiB(4), GiB(4), RAM), R(0, 0x9f000, RAM), R(0x100000, GiB(1) - 0x100000, RAM),
    };
    static const struct mem_range want[] = {
        R(0, 0x9f000, RAM), R(0x100000, GiB(1) - 0x100000, RAM), R(GiB(4), GiB(4), RAM),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
}

static void test_top_of_address_space(void **state)
{
    /* a range ending just below 2^64 is fine */
    static const struct mem_range in[] = {
        R(0xffffffff00000000ULL, 0xfffff000ULL, RES),
        R(0xfffffff000000000ULL, 0x1000, RAM),
    };
    static const struct mem_range want[] = {
        R(0xfffffff000000000ULL, 0x1000, RAM),
        R(0xffffffff00000000ULL, 0xfffff000ULL, RES),
    };
    (void)state;
    CHECK_SANITIZE(in, want);
}

static void test_output_limited_to_max(void **state)
{
    static const struct mem_range in[] = {
        R(0x5000, 0x1000, RAM), R(0x1000, 0x1000, RAM), R(0x3000, 0x1000, RAM),
    };
    static const struct mem_range want[] = { R(0x1000, 0x1000, RAM), R(0x3000, 0x1000, RAM) };
    static const struct mem_range none[1];
    (void)state;
    check_sanitize(in, 3, 2, want, 2);
    check_sanitize(in, 0, BOOT_MAX_MEMMAP, none, 0);
}

static void test_full_table(void **state)
{
    /* BOOT_MAX_MEMMAP disjoint ranges, in reverse order, alternating types */
    struct mem_range in[BOOT_MAX_MEMMAP], want[BOOT_MAX_MEMMAP];

    (void)state;
    for (unsigned int i = 0; i < BOOT_MAX_MEMMAP; i++) {
        unsigned int j = BOOT_MAX_MEMMAP - 1 - i;
        in[i] = (struct mem_range)R(j * 0x10000ULL, 0x8000, j % 2 ? RES : RAM);
        want[j] = in[i];
    }
    check_sanitize(in, BOOT_MAX_MEMMAP, BOOT_MAX_MEMMAP, want, BOOT_MAX_MEMMAP);
}

/*
 * Random maps over a small universe of 4 KiB units, against a brute-force model:
 * for every unit the most restrictive type of the ranges covering it, or a hole.
 * The output must be sorted, non-overlapping, with no empty range and no two
 * touching ranges of one type, and give every unit the model's type.
 */
static int model_rank(u32 type)
{
    switch (type) {
    case RAM: return 1;
    case ACPI: return 2;
    case NVS: return 3;
    case BAD: return 5;
    default: return 4;
    }
}

static void test_random_maps_match_a_model(void **state)
{
    enum { UNITS = 96, MAPS = 3000 };
    static const u32 types[] = { RAM, RAM, RAM, ACPI, NVS, RES, BAD };
    u64 seed = 42;

    (void)state;
    for (unsigned int m = 0; m < MAPS; m++) {
        struct mem_range map[64]; /* up to 24 ranges in, up to 47 out */
        u32 model[UNITS] = { 0 };
        unsigned int n = 1 + unit_rand(&seed) % 24, out;

        for (unsigned int i = 0; i < n; i++) {
            u64 r = unit_rand(&seed);
            u64 s = r % UNITS, len = (r >> 8) % 24;
            u32 t = types[(r >> 16) % ARRAY_SIZE(types)];
            if (s + len > UNITS)
                len = UNITS - s;
            map[i] = (struct mem_range)R(s * PAGE_SIZE, len * PAGE_SIZE, t);
            for (u64 u = s; u < s + len; u++)
                if (!model[u] || model_rank(t) > model_rank(model[u]))
                    model[u] = t;
        }
        out = memmap_sanitize(map, n, ARRAY_SIZE(map));

        u32 got[UNITS] = { 0 };
        for (unsigned int i = 0; i < out; i++) {
            assert_true(map[i].size > 0);
            assert_true(map[i].start % PAGE_SIZE == 0 && map[i].size % PAGE_SIZE == 0);
            if (i > 0) {
                u64 prev_end = map[i - 1].start + map[i - 1].size;
                assert_true(map[i].start >= prev_end);
                if (map[i].start == prev_end && map[i].type == map[i - 1].type)
                    fail_msg("map %u: touching ranges of type %u not merged", m, map[i].type);
            }
            for (u64 u = map[i].start / PAGE_SIZE; u < (map[i].start + map[i].size) / PAGE_SIZE;
                 u++)
                got[u] = map[i].type;
        }
        for (unsigned int u = 0; u < UNITS; u++)
            if (got[u] != model[u])
                fail_msg("map %u: unit %u has type %u, expected %u", m, u, got[u], model[u]);
    }
}

static void test_memmap_total(void **state)
{
    static const struct mem_range map[] = {
        R(0, 0x9f000, RAM), R(0x9f000, 0x1000, RES), R(0x100000, 0x3fe00000, RAM),
        R(0x3ff00000, 0x80000, ACPI), R(0x3ff80000, 0x80000, NVS),
        R(0x100000000ULL, 0x100000000ULL, RAM),
    };
    (void)state;
    assert_int_equal(memmap_total(map, ARRAY_SIZE(map), RAM),
                     0x9f000 + 0x3fe00000ULL + 0x100000000ULL);
    assert_int_equal(memmap_total(map, ARRAY_SIZE(map), RES), 0x1000);
    assert_int_equal(memmap_total(map, ARRAY_SIZE(map), ACPI), 0x80000);
    assert_int_equal(memmap_total(map, ARRAY_SIZE(map), NVS), 0x80000);
    assert_int_equal(memmap_total(map, ARRAY_SIZE(map), BAD), 0);
    assert_int_equal(memmap_total(map, 0, RAM), 0);
    assert_int_equal(memmap_total(map, 1, RAM), 0x9f000);
}

static void test_mem_type_names(void **state)
{
    (void)state;
    assert_string_equal(mem_type_name(RAM), "RAM");
    assert_string_equal(mem_type_name(RES), "reserved");
    assert_string_equal(mem_type_name(ACPI), "ACPI data");
    assert_string_equal(mem_type_name(NVS), "ACPI NVS");
    assert_string_equal(mem_type_name(BAD), "unusable");
    assert_string_equal(mem_type_name(0), "unknown");
    assert_string_equal(mem_type_name(99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorts_unsorted_input),
        cmocka_unit_test(test_reserved_beats_ram),
        cmocka_unit_test(test_acpi_and_nvs_beat_ram),
        cmocka_unit_test(test_type_precedence),
        cmocka_unit_test(test_nested_ranges),
        cmocka_unit_test(test_adjacent_and_overlapping_same_type_merge),
        cmocka_unit_test(test_empty_and_wrapping_entries_dropped),
        cmocka_unit_test(test_holes_stay_holes),
        cmocka_unit_test(test_top_of_address_space),
        cmocka_unit_test(test_output_limited_to_max),
        cmocka_unit_test(test_full_table),
        cmocka_unit_test(test_random_maps_match_a_model),
        cmocka_unit_test(test_memmap_total),
        cmocka_unit_test(test_mem_type_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
