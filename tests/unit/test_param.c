/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/param.c, the command-line option parser, over a
 * table of options built by hand (the param_* macros put them in a linker section,
 * which the host build has no use for).
 */
#include "unit.h"

#include <hv/errno.h>
#include <hv/param.h>

static bool flag, other_flag;
static u8 v8;
static u16 v16;
static u32 v32;
static u64 v64;
static u64 mem_size;
static u32 small_size;
static char name_buf[16];

static unsigned int custom_calls;
static char custom_seen[64];

/* A custom option: accepts "red" or "green". */
static int parse_colour(const char *val)
{
    custom_calls++;
    snprintf(custom_seen, sizeof(custom_seen), "%s", val);
    return strcmp(val, "red") && strcmp(val, "green") ? -EINVAL : 0;
}

static const struct param params[] = {
    { "flag", PARAM_BOOL, &flag, sizeof(flag), NULL, "a boolean" },
    { "other-flag", PARAM_BOOL, &other_flag, sizeof(other_flag), NULL, "a boolean" },
    { "v8", PARAM_UINT, &v8, sizeof(v8), NULL, "a number" },
    { "v16", PARAM_UINT, &v16, sizeof(v16), NULL, "a number" },
    { "v32", PARAM_UINT, &v32, sizeof(v32), NULL, "a number" },
    { "v64", PARAM_UINT, &v64, sizeof(v64), NULL, "a number" },
    { "mem", PARAM_SIZE, &mem_size, sizeof(mem_size), NULL, "a size" },
    { "small", PARAM_SIZE, &small_size, sizeof(small_size), NULL, "a size" },
    { "name", PARAM_STRING, name_buf, sizeof(name_buf), NULL, "a string" },
    { "colour", PARAM_CUSTOM, NULL, 0, parse_colour, "red|green" },
};

/* What the parser reported. */
#define MAX_REPORTS 16
static char reports[MAX_REPORTS][512];
static unsigned int nr_reports;

static void record_report(const char *msg)
{
    if (nr_reports < MAX_REPORTS)
        snprintf(reports[nr_reports], sizeof(reports[0]), "%s", msg);
    nr_reports++;
}

static int parse(const char *cmdline)
{
    return param_parse(cmdline, params, params + ARRAY_SIZE(params), record_report);
}

static int reset(void **state)
{
    (void)state;
    flag = other_flag = false;
    v8 = 0xaa;
    v16 = 0xaaaa;
    v32 = 0xaaaaaaaa;
    v64 = 0xaaaaaaaaaaaaaaaaULL;
    mem_size = 0xaaaa;
    small_size = 0xaaaa;
    strcpy(name_buf, "unset");
    custom_calls = 0;
    custom_seen[0] = '\0';
    nr_reports = 0;
    memset(reports, 0, sizeof(reports));
    return 0;
}

/* Parse a command line that must be accepted whole. */
static void parse_ok(const char *cmdline)
{
    int bad = parse(cmdline);

    if (bad || nr_reports)
        fail_msg("\"%s\": %d bad word(s), first report: %s", cmdline, bad,
                 nr_reports ? reports[0] : "none");
}

/* Parse a command line of one bad word; the report must contain `want`. */
static void parse_bad(const char *cmdline, const char *want)
{
    int bad = parse(cmdline);

    if (bad != 1 || nr_reports != 1)
        fail_msg("\"%s\": %d bad word(s) and %u report(s), expected 1", cmdline, bad,
                 nr_reports);
    assert_contains(reports[0], want);
    nr_reports = 0;
}

/* ---- booleans ---- */

static void test_bool_forms(void **state)
{
    static const struct {
        const char *cmdline;
        bool want;
    } tc[] = {
        { "flag", true },          { "no-flag", false },     { "flag=on", true },
        { "flag=off", false },     { "flag=1", true },       { "flag=0", false },
        { "flag=yes", true },      { "flag=no", false },     { "flag=true", true },
        { "flag=false", false },   { "flag=enable", true },  { "flag=disable", false },
        { "no-flag=off", true },   { "no-flag=on", false },  { "no-flag=0", true },
        { "no-flag=yes", false },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(tc); i++) {
        flag = !tc[i].want;
        parse_ok(tc[i].cmdline);
        if (flag != tc[i].want)
            fail_msg("\"%s\" left the flag %s", tc[i].cmdline, flag ? "true" : "false");
    }
    /* the last word wins; other options are left alone */
    parse_ok("flag no-flag flag");
    assert_true(flag);
    assert_false(other_flag);
    parse_ok("other-flag no-flag");
    assert_true(other_flag);
    assert_false(flag);
}

static void test_bool_bad_values(void **state)
{
    static const char *const bad[] = { "flag=maybe", "flag=", "flag=ON ", "flag=2",
                                       "flag=truee", "no-flag=maybe" };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        flag = true;
        parse_bad(bad[i], "bad value");
        assert_true(flag); /* unchanged */
    }
    parse_bad("flag=maybe", "option 'flag=...': bad value (expected a boolean)");
    parse_bad("no-flag=maybe", "option 'no-flag=...'");
}

/* ---- numbers ---- */

static void test_uint_ranges_per_size(void **state)
{
    (void)state;
    parse_ok("v8=255 v16=65535 v32=4294967295 v64=18446744073709551615");
    assert_int_equal(v8, 255);
    assert_int_equal(v16, 65535);
    assert_int_equal(v32, 4294967295u);
    assert_int_equal(v64, UINT64_MAX);

    parse_ok("v8=0 v16=0 v32=0 v64=0");
    assert_int_equal(v8 | v16 | v32 | v64, 0);

    /* one more than fits: an error, and the variable keeps its value */
    v8 = 7;
    parse_bad("v8=256", "option 'v8=...': bad value (expected a number)");
    assert_int_equal(v8, 7);
    v16 = 7;
    parse_bad("v16=65536", "'v16=...'");
    assert_int_equal(v16, 7);
    v32 = 7;
    parse_bad("v32=4294967296", "'v32=...'");
    assert_int_equal(v32, 7);
    v64 = 7;
    parse_bad("v64=18446744073709551616", "'v64=...'");
    assert_int_equal(v64, 7);
    /* a large value must not wrap into the variable */
    parse_bad("v8=0x100000000000000ff", "'v8=...'");
    parse_bad("v8=0x1ff", "'v8=...'");
    assert_int_equal(v8, 7);
}

static void test_uint_bases_and_junk(void **state)
{
    (void)state;
    parse_ok("v32=0x10 v16=010 v8=0");
    assert_int_equal(v32, 16);
    assert_int_equal(v16, 8);
    assert_int_equal(v8, 0);
    parse_ok("v64=0XFFFFFFFFFFFFFFFF");
    assert_int_equal(v64, UINT64_MAX);

    v32 = 5;
    parse_bad("v32=12abc", "'v32=...'");
    parse_bad("v32=-1", "'v32=...'");
    parse_bad("v32=", "'v32=...'");
    parse_bad("v32=0x", "'v32=...'");
    parse_bad("v32=1M", "'v32=...'");  /* sizes are not numbers */
    assert_int_equal(v32, 5);
    /* only booleans stand alone or take "no-" */
    parse_bad("v32", "option 'v32': bad value (expected a number)");
    parse_bad("no-v32", "option 'no-v32': bad value");
    parse_bad("no-v32=4", "option 'no-v32=...'");
    assert_int_equal(v32, 5);
}

static void test_size_suffixes(void **state)
{
    (void)state;
    parse_ok("mem=256M");
    assert_int_equal(mem_size, MiB(256));
    parse_ok("mem=8GiB");
    assert_int_equal(mem_size, GiB(8));
    parse_ok("mem=4K");
    assert_int_equal(mem_size, KiB(4));
    parse_ok("mem=4096");
    assert_int_equal(mem_size, 4096);
    parse_ok("mem=1T");
    assert_int_equal(mem_size, 1ULL << 40);
    parse_ok("mem=2GB");
    assert_int_equal(mem_size, GiB(2));
    parse_ok("mem=0x10m small=3G");
    assert_int_equal(mem_size, MiB(16));
    assert_int_equal(small_size, GiB(3));

    mem_size = 1;
    small_size = 1;
    parse_bad("mem=12X", "option 'mem=...': bad value (expected a size)");
    parse_bad("mem=8Gi", "'mem=...'");
    parse_bad("mem=M", "'mem=...'");
    parse_bad("mem=16777216T", "'mem=...'");  /* 2^64 */
    parse_bad("small=4G", "'small=...'");     /* does not fit 32 bits */
    parse_bad("mem", "option 'mem': bad value");
    assert_int_equal(mem_size, 1);
    assert_int_equal(small_size, 1);
}

/* ---- strings and custom options ---- */

static void test_strings(void **state)
{
    (void)state;
    parse_ok("name=hello");
    assert_string_equal(name_buf, "hello");
    parse_ok("name=a=b=c");           /* only the first '=' separates */
    assert_string_equal(name_buf, "a=b=c");
    parse_ok("name=");
    assert_string_equal(name_buf, "");
    parse_ok("name=123456789012345"); /* 15 characters: fits 16 bytes */
    assert_string_equal(name_buf, "123456789012345");

    parse_bad("name=1234567890123456", "option 'name=...': bad value (expected a string)");
    assert_string_equal(name_buf, "123456789012345");
    parse_bad("name", "option 'name'");
    parse_bad("no-name=x", "option 'no-name=...'");
    assert_string_equal(name_buf, "123456789012345");
}

static void test_custom_parser(void **state)
{
    (void)state;
    parse_ok("colour=red");
    assert_int_equal(custom_calls, 1);
    assert_string_equal(custom_seen, "red");
    parse_ok("colour=green flag");
    assert_int_equal(custom_calls, 2);
    assert_string_equal(custom_seen, "green");
    assert_true(flag);

    /* the parser's error is reported with the option's help text */
    parse_bad("colour=blue", "option 'colour=...': bad value (expected red|green); ignored");
    assert_int_equal(custom_calls, 3);
    assert_string_equal(custom_seen, "blue");
    /* without a value the parser is not even asked */
    parse_bad("colour", "option 'colour'");
    parse_bad("no-colour", "option 'no-colour'");
    assert_int_equal(custom_calls, 3);
}

/* ---- words ---- */

static void test_unknown_options_are_reported(void **state)
{
    (void)state;
    parse_bad("bogus", "unknown option 'bogus'; ignored");
    parse_bad("bogus=1", "unknown option 'bogus'");
    parse_bad("no-bogus", "unknown option 'no-bogus'");
    parse_bad("=5", "unknown option ''");
    parse_bad("Flag", "unknown option 'Flag'");   /* names are case-sensitive */
    parse_bad("fla", "unknown option 'fla'");     /* no prefix matching */
    parse_bad("flags", "unknown option 'flags'");

    /* the rest of the line is still applied, and every bad word counted */
    assert_int_equal(parse("v8=1 bogus v16=2 other=3 flag"), 2);
    assert_int_equal(nr_reports, 2);
    assert_contains(reports[0], "'bogus'");
    assert_contains(reports[1], "'other'");
    assert_int_equal(v8, 1);
    assert_int_equal(v16, 2);
    assert_true(flag);
}

static void test_bad_values_name_the_option(void **state)
{
    int bad;

    (void)state;
    bad = parse("v8=300 mem=huge name=0123456789abcdefXYZ colour=pink flag=perhaps");
    assert_int_equal(bad, 5);
    assert_int_equal(nr_reports, 5);
    assert_contains(reports[0], "'v8=...'");
    assert_contains(reports[1], "'mem=...'");
    assert_contains(reports[2], "'name=...'");
    assert_contains(reports[3], "'colour=...'");
    assert_contains(reports[4], "'flag=...'");
    for (unsigned int i = 0; i < 5; i++) {
        assert_contains(reports[i], "bad value");
        assert_contains(reports[i], "ignored");
    }
    assert_int_equal(v8, 0xaa);
    assert_int_equal(mem_size, 0xaaaa);
    assert_string_equal(name_buf, "unset");
}

static void test_spaces_tabs_and_empty(void **state)
{
    (void)state;
    assert_int_equal(parse(""), 0);
    assert_int_equal(parse("   "), 0);
    assert_int_equal(parse("\t \t"), 0);
    assert_int_equal(nr_reports, 0);

    parse_ok("  flag\t\tv8=7   v16=9 \tname=x\t");
    assert_true(flag);
    assert_int_equal(v8, 7);
    assert_int_equal(v16, 9);
    assert_string_equal(name_buf, "x");

    /* the value ends at a blank too */
    parse_bad("name=a b", "unknown option 'b'");
    assert_string_equal(name_buf, "a");
}

static void test_word_longer_than_256_characters(void **state)
{
    char line[700], word[300];

    (void)state;
    /* 255 characters still fit the word buffer: an ordinary (unknown) option */
    memset(word, 'w', 255);
    word[255] = '\0';
    parse_bad(word, "unknown option 'www");

    /* 256 and more: reported as too long (by its start), and skipped whole */
    for (size_t len = 256; len <= 290; len += 34) {
        memset(word, 'x', len);
        word[len] = '\0';
        snprintf(line, sizeof(line), "v8=3 %s v16=4", word);
        assert_int_equal(parse(line), 1);
        assert_int_equal(nr_reports, 1);
        assert_contains(reports[0], "too long");
        assert_contains(reports[0], "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
        assert_not_contains(reports[0], "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"); /* 33 */
        assert_int_equal(v8, 3);
        assert_int_equal(v16, 4);
        nr_reports = 0;
    }

    /* a long value of a known option is no exception */
    memset(word, 'y', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    memcpy(word, "name=", 5);
    assert_int_equal(parse(word), 1);
    assert_contains(reports[0], "'name=yyyy");
    assert_contains(reports[0], "too long");
    assert_string_equal(name_buf, "unset");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
    const struct CMUnitTest tests[] = {
        T(test_bool_forms),
        T(test_bool_bad_values),
        T(test_uint_ranges_per_size),
        T(test_uint_bases_and_junk),
        T(test_size_suffixes),
        T(test_strings),
        T(test_custom_parser),
        T(test_unknown_options_are_reported),
        T(test_bad_values_name_the_option),
        T(test_spaces_tabs_and_empty),
        T(test_word_longer_than_256_characters),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
