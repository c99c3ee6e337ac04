/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of hypervisor/common/lib/parse.c: parse_u64, parse_size, hv_strlcpy. */
#include "unit.h"

#include <hv/errno.h>
#include <hv/lib.h>

#define UNTOUCHED 0xdeadbeefcafef00dULL

struct u64_case {
    const char *s;
    unsigned int base;
    int rc;
    u64 val;      /* when rc == 0 */
    size_t end;   /* offset of the end pointer */
};

static void check_u64_cases(const struct u64_case *tc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *end = NULL;
        u64 v = UNTOUCHED;
        int rc = parse_u64(tc[i].s, &end, tc[i].base, &v);

        /* the value is left untouched on error */
        if (rc != tc[i].rc || v != (rc ? UNTOUCHED : tc[i].val) || end != tc[i].s + tc[i].end)
            fail_msg("parse_u64(\"%s\", base %u): rc %d, value %#llx, end +%td; expected "
                     "rc %d, value %#llx, end +%zu", tc[i].s, tc[i].base, rc, v,
                     end - tc[i].s, tc[i].rc, tc[i].rc ? UNTOUCHED : tc[i].val, tc[i].end);
    }
}

static void test_parse_u64_decimal(void **state)
{
    static const struct u64_case tc[] = {
        { "0", 0, 0, 0, 1 },
        { "7", 0, 0, 7, 1 },
        { "123", 0, 0, 123, 3 },
        { "123", 10, 0, 123, 3 },
        { "42 rest", 0, 0, 42, 2 },
        { "99abc", 10, 0, 99, 2 },
        { "18446744073709551615", 0, 0, UINT64_MAX, 20 },
        { "000000000000000000000000000042", 10, 0, 42, 30 },
    };
    (void)state;
    check_u64_cases(tc, ARRAY_SIZE(tc));
}

static void test_parse_u64_hex(void **state)
{
    static const struct u64_case tc[] = {
        { "0x1F", 0, 0, 0x1f, 4 },
        { "0X1f", 0, 0, 0x1f, 4 },
        { "0xdeadBEEF", 0, 0, 0xdeadbeef, 10 },
        { "0xffffffffffffffff", 0, 0, UINT64_MAX, 18 },
        { "0x10g", 0, 0, 0x10, 4 },
        /* base 16: with or without the prefix */
        { "ff", 16, 0, 0xff, 2 },
        { "0xff", 16, 0, 0xff, 4 },
        { "FFz", 16, 0, 0xff, 2 },
        /* "0x" without a hex digit is the number 0 followed by 'x' */
        { "0x", 0, 0, 0, 1 },
        { "0xg", 0, 0, 0, 1 },
        { "0x", 16, 0, 0, 1 },
        /* with base 10 the prefix is not taken */
        { "0x10", 10, 0, 0, 1 },
    };
    (void)state;
    check_u64_cases(tc, ARRAY_SIZE(tc));
}

static void test_parse_u64_octal_and_other_bases(void **state)
{
    static const struct u64_case tc[] = {
        { "017", 0, 0, 017, 3 },
        { "0777", 0, 0, 0777, 4 },
        { "0778", 0, 0, 077, 3 },
        { "777", 8, 0, 0777, 3 },
        { "778", 8, 0, 077, 2 },
        { "1012", 2, 0, 5, 3 },
        { "z", 36, 0, 35, 1 },
        { "Zz", 36, 0, 35 * 36 + 35, 2 },
        { "01777777777777777777777", 0, 0, UINT64_MAX, 23 },
    };
    (void)state;
    check_u64_cases(tc, ARRAY_SIZE(tc));
}

static void test_parse_u64_no_digits(void **state)
{
    static const struct u64_case tc[] = {
        { "", 0, -EINVAL, 0, 0 },
        { "", 16, -EINVAL, 0, 0 },
        { "abc", 10, -EINVAL, 0, 0 },
        { "g", 16, -EINVAL, 0, 0 },
        { " 12", 0, -EINVAL, 0, 0 },  /* no leading blanks */
        { "-1", 0, -EINVAL, 0, 0 },   /* no sign */
        { "+1", 0, -EINVAL, 0, 0 },
        { "8", 8, -EINVAL, 0, 0 },
        { "=5", 0, -EINVAL, 0, 0 },
    };
    (void)state;
    check_u64_cases(tc, ARRAY_SIZE(tc));
}

static void test_parse_u64_overflow(void **state)
{
    /* The end pointer still goes past every digit, so callers see no trailing junk. */
    static const struct u64_case tc[] = {
        { "18446744073709551616", 0, -ERANGE, 0, 20 },
        { "18446744073709551620", 10, -ERANGE, 0, 20 },
        { "99999999999999999999999", 0, -ERANGE, 0, 23 },
        { "0x10000000000000000", 0, -ERANGE, 0, 19 },
        { "10000000000000000", 16, -ERANGE, 0, 17 },
        { "2000000000000000000000", 0, -ERANGE, 0, 22 },
    };
    (void)state;
    check_u64_cases(tc, ARRAY_SIZE(tc));
}

static void test_parse_u64_null_end_pointer(void **state)
{
    u64 v = 0;

    (void)state;
    assert_int_equal(parse_u64("0x20", NULL, 0, &v), 0);
    assert_int_equal(v, 0x20);
    assert_int_equal(parse_u64("", NULL, 0, &v), -EINVAL);
    assert_int_equal(parse_u64("99999999999999999999", NULL, 0, &v), -ERANGE);
    assert_int_equal(v, 0x20);
}

struct size_case {
    const char *s;
    int rc;
    u64 bytes;
    size_t end;
};

static void check_size_cases(const struct size_case *tc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *end = NULL;
        u64 v = UNTOUCHED;
        int rc = parse_size(tc[i].s, &end, &v);

        /* on error neither the value nor the end pointer is meaningful: the value
         * must be left alone */
        if (rc != tc[i].rc || v != (rc ? UNTOUCHED : tc[i].bytes) ||
            (rc == 0 && end != tc[i].s + tc[i].end))
            fail_msg("parse_size(\"%s\"): rc %d, bytes %#llx, end +%td; expected rc %d, "
                     "bytes %#llx, end +%zu", tc[i].s, rc, v, end ? end - tc[i].s : -1,
                     tc[i].rc, tc[i].rc ? UNTOUCHED : tc[i].bytes, tc[i].end);
    }
}

static void test_parse_size_suffixes(void **state)
{
    static const struct size_case tc[] = {
        { "4096", 0, 4096, 4 },
        { "4K", 0, KiB(4), 2 },
        { "4k", 0, KiB(4), 2 },
        { "256M", 0, MiB(256), 4 },
        { "256m", 0, MiB(256), 4 },
        { "8G", 0, GiB(8), 2 },
        { "8g", 0, GiB(8), 2 },
        { "8GiB", 0, GiB(8), 4 },
        { "8GB", 0, GiB(8), 3 },
        { "1KiB", 0, KiB(1), 4 },
        { "3MiB", 0, MiB(3), 4 },
        { "1T", 0, 1ULL << 40, 2 },
        { "2t", 0, 2ULL << 40, 2 },
        { "16B", 0, 16, 3 },
        { "0x10M", 0, MiB(16), 5 },
        { "010K", 0, KiB(8), 4 },
        { "0", 0, 0, 1 },
        { "0G", 0, 0, 2 },
        /* what does not belong to the size is left for the caller */
        { "5X", 0, 5, 1 },
        { "1Ki", 0, KiB(1), 2 },
        { "1iB", 0, 1, 1 },
        { "64M,rest", 0, MiB(64), 3 },
        { "16777215T", 0, 16777215ULL << 40, 9 },
        { "17179869183G", 0, 17179869183ULL << 30, 12 },
    };
    (void)state;
    check_size_cases(tc, ARRAY_SIZE(tc));
}

static void test_parse_size_errors(void **state)
{
    static const struct size_case tc[] = {
        { "", -EINVAL, 0, 0 },
        { "M", -EINVAL, 0, 0 },
        { "-4K", -EINVAL, 0, 0 },
        { "16777216T", -ERANGE, 0, 0 },          /* 2^64 */
        { "17179869184G", -ERANGE, 0, 0 },       /* 2^64 */
        { "18014398509481984K", -ERANGE, 0, 0 }, /* 2^64 */
        { "99999999999999999999", -ERANGE, 0, 0 },
    };
    (void)state;
    check_size_cases(tc, ARRAY_SIZE(tc));
}

static void test_hv_strlcpy(void **state)
{
    char buf[8];

    (void)state;
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hv_strlcpy(buf, "abc", sizeof(buf)), 3);
    assert_string_equal(buf, "abc");

    /* exactly fits: 7 characters and the terminator */
    assert_int_equal(hv_strlcpy(buf, "1234567", sizeof(buf)), 7);
    assert_string_equal(buf, "1234567");

    /* truncated, always terminated, returns the source length */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hv_strlcpy(buf, "a much longer string", sizeof(buf)), 20);
    assert_string_equal(buf, "a much ");

    /* size 1: only the terminator */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hv_strlcpy(buf, "abc", 1), 3);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'x');

    /* size 0: nothing written at all */
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(hv_strlcpy(buf, "abc", 0), 3);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 'x');

    /* empty source */
    assert_int_equal(hv_strlcpy(buf, "", sizeof(buf)), 0);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_u64_decimal),
        cmocka_unit_test(test_parse_u64_hex),
        cmocka_unit_test(test_parse_u64_octal_and_other_bases),
        cmocka_unit_test(test_parse_u64_no_digits),
        cmocka_unit_test(test_parse_u64_overflow),
        cmocka_unit_test(test_parse_u64_null_end_pointer),
        cmocka_unit_test(test_parse_size_suffixes),
        cmocka_unit_test(test_parse_size_errors),
        cmocka_unit_test(test_hv_strlcpy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
