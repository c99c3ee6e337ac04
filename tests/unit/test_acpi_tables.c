/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/drivers/acpi/tables.c, the ACPI table parser: finding the
 * tables. The RSDP (searched for in the EBDA and the BIOS area, or handed over as a
 * copy), the XSDT or RSDT it points at, and the tables they list, with every way
 * these can be broken: bad checksums and signatures, lengths past readable memory,
 * null, unknown and too many entries; and the parser's callbacks. What the tables
 * say (MADT, FADT, HPET, MCFG, \_S5) is tested by test_acpi_contents.c.
 *
 * The machines are QEMU's q35 and pc, their tables dumped and installed in simulated
 * physical memory: see support/acpi_machine.h.
 */
#include "unit.h"

#include <stdlib.h>

#include "acpi_machine.h"
#include "physmem.h"

#include <hv/acpi.h>
#include <hv/errno.h>

/* tables[]: the RSDT, the tables it lists in its order, then the DSDT. */
static void check_table_list(const char *const *sigs, unsigned int n)
{
    assert_int_equal(ai.nr_tables, n);
    for (unsigned int i = 0; i < n; i++) {
        const struct dumped_table *t = dumped(cur, sigs[i]);
        assert_string_equal(ai.tables[i].sig, sigs[i]);
        assert_int_equal(ai.tables[i].pa, t->pa);
        assert_int_equal(ai.tables[i].length, t->len);
        assert_int_equal(ai.tables[i].revision, t->data[8]);
        assert_string_equal(ai.tables[i].oem_id, "BOCHS ");
    }
}

/* ---- the real tables ---- */

static void test_dumped_tables_are_intact(void **state)
{
    const struct machine *ms[] = { &q35, &pc };

    (void)state;
    for (size_t k = 0; k < ARRAY_SIZE(ms); k++) {
        for (unsigned int i = 0; i < ms[k]->n; i++) {
            const struct dumped_table *t = &ms[k]->t[i];
            u8 sum = 0;
            bool rsdp = !strcmp(t->sig, "RSDP");
            for (u32 j = 0; j < (rsdp ? 20 : t->len); j++)
                sum += t->data[j];
            if (sum)
                fail_msg("%s/%s: checksum %#x", ms[k]->name, t->sig, sum);
            if (rsdp) {
                assert_memory_equal(t->data, "RSD PTR ", 8);
                assert_in_range(t->pa, BIOS_AREA, BIOS_AREA + BIOS_AREA_SIZE - t->len);
            } else {
                assert_memory_equal(t->data, t->sig, 4);
                assert_int_equal(table_len(t->data), t->len);
                assert_in_range(t->pa, ACPI_AREA, FREE_SPACE - t->len);
            }
        }
    }
    assert_int_equal(q35.n, 8);
    assert_int_equal(pc.n, 7);
}

static void test_q35_tables(void **state)
{
    static const char *const sigs[] = { "RSDT", "FACP", "APIC", "HPET", "MCFG", "WAET",
                                        "DSDT" };

    (void)state;
    assert_parsed(parse());
    assert_no_warnings();
    check_qemu_common();
    check_table_list(sigs, ARRAY_SIZE(sigs));

    /* an ACPI 3.0 FADT (244 bytes), with a reset register: I/O port 0xcf9, value 0xf */
    assert_int_equal(ai.acpi_enable, 2);
    assert_int_equal(ai.iapc_boot_arch, 2);
    assert_true(ai.reset_supported);
    assert_int_equal(ai.reset_reg.space_id, ACPI_GAS_IO);
    assert_int_equal(ai.reset_reg.bit_width, 8);
    assert_int_equal(ai.reset_reg.address, 0xcf9);
    assert_int_equal(ai.reset_value, 0xf);

    /* PCI Express: ECAM at 0xb0000000 for buses 0-255 of segment 0 */
    assert_int_equal(ai.nr_mcfg, 1);
    assert_int_equal(ai.mcfg[0].base, 0xb0000000);
    assert_int_equal(ai.mcfg[0].segment, 0);
    assert_int_equal(ai.mcfg[0].bus_start, 0);
    assert_int_equal(ai.mcfg[0].bus_end, 255);
}

static void test_pc_tables(void **state)
{
    static const char *const sigs[] = { "RSDT", "FACP", "APIC", "HPET", "WAET", "DSDT" };

    (void)state;
    assert_parsed(parse());
    assert_no_warnings();
    check_qemu_common();
    check_table_list(sigs, ARRAY_SIZE(sigs));

    /* an ACPI 1.0 FADT: 116 bytes, no reset register, no X_ fields (which
     * AddressSanitizer would catch the parser reading: the copy it gets ends at byte
     * 116) */
    assert_int_equal(table_len(table("FACP")), 116);
    assert_int_equal(ai.acpi_enable, 0xf1);
    assert_int_equal(ai.iapc_boot_arch, 0);
    assert_false(ai.reset_supported);
    assert_int_equal(ai.nr_mcfg, 0);
}

static void test_rsdp_given_as_a_copy(void **state)
{
    u8 copy[36] = { 0 };

    (void)state;
    /* Multiboot 2 hands over a copy of the RSDP, not its address */
    memcpy(copy, dumped(cur, "RSDP")->data, 20);
    nr_warnings = 0;
    assert_parsed(acpi_parse(0, copy, physmem_map, record_warning, &ai, parse_err,
                             sizeof(parse_err)));
    assert_no_warnings();
    assert_int_equal(ai.rsdp_pa, 0);
    check_qemu_madt();
    assert_int_equal(ai.nr_mcfg, 1);

    /* neither an address nor a copy */
    assert_error(acpi_parse(0, NULL, physmem_map, record_warning, &ai, parse_err,
                            sizeof(parse_err)),
                 -ENOENT, "the ACPI RSDP is missing or has a bad checksum");
}

/* ---- finding the RSDP ---- */

static void test_find_rsdp_in_the_bios_area(void **state)
{
    const struct dumped_table *r = dumped(cur, "RSDP");
    u8 fake[20];

    (void)state;
    assert_int_equal(acpi_find_rsdp(physmem_map), r->pa);
    assert_int_equal(r->pa % 16, 0);

    /* "RSD PTR " with a bad checksum, lower in the area: skipped */
    memcpy(fake, r->data, 20);
    fake[8] ^= 1;
    memcpy(mem(0xe0000, 20), fake, 20);
    memcpy(mem(0xf0000, 20), fake, 20);
    memcpy(mem(r->pa - 32, 20), fake, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), r->pa);

    /* a good one lower in the area is the first found */
    memcpy(mem(0xe1230, 20), r->data, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), 0xe1230);

    /* a good one not on a 16-byte boundary is not an RSDP */
    memset(mem(0xe1230, 20), 0, 20);
    memset(mem(r->pa, 20), 0, 20);
    memcpy(mem(0xe1238, 20), r->data, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), 0);

    /* near the end of the area: still found (36 bytes are mapped, which fit) */
    memcpy(mem(0xfffd0, 20), r->data, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), 0xfffd0);
}

static void test_find_rsdp_checks_the_acpi2_checksum(void **state)
{
    u8 v2[36];

    (void)state;
    memset(mem(dumped(cur, "RSDP")->pa, 20), 0, 20);
    memcpy(v2, dumped(cur, "RSDP")->data, 20);
    v2[15] = 2;                       /* revision */
    set_u32(v2 + 20, 36);             /* length */
    set_u64(v2 + 24, 0x3ffe3000);     /* xsdt */
    memset(v2 + 33, 0, 3);
    fix_rsdp_checksums(v2);
    memcpy(mem(0xe4000, 36), v2, 36);
    assert_int_equal(acpi_find_rsdp(physmem_map), 0xe4000);

    /* the first 20 bytes good, the whole 36 not */
    mem(0xe4000, 36)[32] ^= 0x40;
    assert_int_equal(acpi_find_rsdp(physmem_map), 0);
    /* an ACPI 2.0 length that is too short */
    memcpy(mem(0xe4000, 36), v2, 36);
    set_u32(mem(0xe4000 + 20, 4), 20);
    fix_rsdp_checksums(mem(0xe4000, 36));
    assert_int_equal(acpi_find_rsdp(physmem_map), 0);
}

static void test_find_rsdp_in_the_ebda(void **state)
{
    const struct dumped_table *r = dumped(cur, "RSDP");
    u8 *bda;

    (void)state;
    /* the BIOS data area says the EBDA is at segment 0x9fc0 */
    bda = physmem_add(0x400, 0x100);
    bda[0x0e] = 0xc0;
    bda[0x0f] = 0x9f;
    physmem_add(0x9fc00, 0x800);
    memcpy(mem(0x9fc00 + 0x3c0, 20), r->data, 20);
    /* the EBDA is searched first */
    assert_int_equal(acpi_find_rsdp(physmem_map), 0x9ffc0);

    /* only its first KiB */
    memset(mem(0x9ffc0, 20), 0, 20);
    memcpy(mem(0x9fc00 + 0x400, 20), r->data, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), r->pa);

    /* no EBDA (segment 0): only the BIOS area */
    bda[0x0e] = bda[0x0f] = 0;
    memcpy(mem(0x9fc00, 20), r->data, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), r->pa);
}

static void test_find_rsdp_nowhere(void **state)
{
    (void)state;
    memset(mem(dumped(cur, "RSDP")->pa, 20), 0, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), 0);
    /* no readable memory at all: no crash, nothing found */
    physmem_reset();
    assert_int_equal(acpi_find_rsdp(physmem_map), 0);
}

/* Regression test (a bug fixed in the hypervisor): an ACPI 1.0 RSDP in the last
 * 16-byte slots of an area. */
static void test_find_rsdp_v1_in_the_last_slots(void **state)
{
    const struct dumped_table *r = dumped(cur, "RSDP");
    u8 *bda;

    (void)state;
    /* memory continues past 1 MiB, as on a real machine */
    physmem_reset();
    physmem_add(BIOS_AREA, BIOS_AREA_SIZE + 0x1000);
    memcpy(mem(0xfffe0, 20), r->data, 20);     /* [0xfffe0, 0xffff4): inside the area */
    assert_int_equal(acpi_find_rsdp(physmem_map), 0xfffe0);

    /* the EBDA's last slot a 20-byte RSDP fits in: its first KiB ends at +0x400 */
    bda = physmem_add(0x400, 0x100);
    bda[0x0e] = 0xc0;
    bda[0x0f] = 0x9f;
    physmem_add(0x9fc00, 0x800);
    memcpy(mem(0x9fc00 + 0x3e0, 20), r->data, 20);
    assert_int_equal(acpi_find_rsdp(physmem_map), 0x9ffe0);
}

/* ---- the RSDP, RSDT and XSDT broken ---- */

static void test_bad_rsdp(void **state)
{
    u8 *r = mem(rsdp_pa, 20);

    (void)state;
    r[8] ^= 0x10;                                   /* checksum */
    assert_error(parse(), -ENOENT, "the ACPI RSDP is missing or has a bad checksum");
    r[8] ^= 0x10;
    assert_parsed(parse());

    r[3] = 'X';                                     /* signature */
    fix_rsdp_checksums(r);
    assert_error(parse(), -ENOENT, "bad checksum");
    r[3] = ' ';
    fix_rsdp_checksums(r);

    assert_error(parse_at(UNREADABLE), -ENOENT, "the ACPI RSDP is missing");
}

/* Build an ACPI 2.0 RSDP (at 0xf5b00) for the installed machine, pointing at the given
 * XSDT; returns its address. */
static paddr_t make_rsdp_v2(paddr_t xsdt)
{
    u8 r[36];
    paddr_t pa = 0xf5b00;

    memcpy(r, mem(rsdp_pa, 20), 20);
    r[15] = 2;
    set_u32(r + 20, 36);
    set_u64(r + 24, xsdt);
    memset(r + 33, 0, 3);
    fix_rsdp_checksums(r);
    memcpy(mem(pa, 36), r, 36);
    return pa;
}

/* An XSDT listing the RSDT's tables, except `skip` (may be NULL). */
static paddr_t make_xsdt(const char *skip)
{
    paddr_t e[ACPI_MAX_TABLES];
    unsigned int n = rsdt_entries(e, ACPI_MAX_TABLES), m = 0;
    u8 *t = new_table("XSDT", 36 + 8 * n);
    paddr_t pa;

    for (unsigned int i = 0; i < n; i++)
        if (!skip || e[i] != dumped(cur, skip)->pa)
            set_u64(t + 36 + 8 * m++, e[i]);
    set_u32(t + 4, 36 + 8 * m);
    t[8] = 1;
    fix_checksum(t);
    pa = place(t, 36 + 8 * m);
    free(t);
    return pa;
}

static void test_xsdt_preferred_rsdt_as_fallback(void **state)
{
    paddr_t xsdt, r2;
    u8 *x;

    (void)state;
    /* The XSDT leaves out the HPET, so which root was used shows. */
    xsdt = make_xsdt("HPET");
    r2 = make_rsdp_v2(xsdt);
    assert_parsed(parse_at(r2));
    assert_no_warnings();
    assert_true(ai.using_xsdt);
    assert_int_equal(ai.revision, 2);
    assert_string_equal(ai.tables[0].sig, "XSDT");
    assert_int_equal(ai.tables[0].pa, xsdt);
    assert_false(ai.have_hpet);
    check_qemu_madt();
    assert_int_equal(ai.nr_mcfg, 1);

    /* a bad checksum: the RSDT is used instead, with a warning */
    x = mem(xsdt, 36);
    x[9] ^= 1;
    assert_parsed(parse_at(r2));
    assert_warned("XSDT", "bad checksum");
    assert_false(ai.using_xsdt);
    assert_string_equal(ai.tables[0].sig, "RSDT");
    assert_true(ai.have_hpet);
    check_qemu_madt();
    x[9] ^= 1;

    /* not an XSDT at that address */
    memcpy(x, "RSDT", 4);
    fix_checksum(x);
    assert_parsed(parse_at(r2));
    assert_warned("expected XSDT", "found 'RSDT'");
    assert_false(ai.using_xsdt);
    assert_true(ai.have_hpet);

    /* an XSDT outside readable memory */
    r2 = make_rsdp_v2(UNREADABLE);
    assert_parsed(parse_at(r2));
    assert_warned("not in readable memory");
    assert_false(ai.using_xsdt);
    assert_true(ai.have_hpet);

    /* no XSDT address at all: the RSDT, quietly */
    r2 = make_rsdp_v2(0);
    assert_parsed(parse_at(r2));
    assert_no_warnings();
    assert_false(ai.using_xsdt);

    /* a bad extended checksum makes the whole RSDP bad */
    r2 = make_rsdp_v2(make_xsdt(NULL));
    mem(r2, 36)[32] ^= 1;
    assert_error(parse_at(r2), -ENOENT, "bad checksum");
}

static void test_acpi1_rsdp_ignores_xsdt_field(void **state)
{
    u8 *after;

    (void)state;
    /* an ACPI 1.0 RSDP is 20 bytes: what follows it (here, an "XSDT address" pointing at
     * garbage) is not part of it */
    after = mem(rsdp_pa + 20, 16);
    set_u32(after, 36);
    set_u64(after + 4, ACPI_AREA + 0x10);
    assert_parsed(parse());
    assert_no_warnings();
    assert_false(ai.using_xsdt);
    check_qemu_common();
}

static void test_rsdt_unusable(void **state)
{
    u8 *r = mem(rsdp_pa, 20);
    u8 *rsdt = table("RSDT");

    (void)state;
    /* outside readable memory */
    set_u32(r + 16, (u32)UNREADABLE);
    fix_rsdp_checksums(r);
    assert_error(parse(), -EINVAL, "neither the XSDT nor the RSDT is valid");
    assert_warned("not in readable memory");

    /* no RSDT at all */
    set_u32(r + 16, 0);
    fix_rsdp_checksums(r);
    assert_error(parse(), -EINVAL, "neither the XSDT nor the RSDT is valid");

    /* back at the real one, with a bad checksum */
    set_u32(r + 16, (u32)dumped(cur, "RSDT")->pa);
    fix_rsdp_checksums(r);
    rsdt[36] ^= 0xff;
    assert_error(parse(), -EINVAL, "neither the XSDT nor the RSDT is valid");
    assert_warned("RSDT", "bad checksum");
    rsdt[36] ^= 0xff;

    /* pointing at another table */
    set_u32(r + 16, (u32)dumped(cur, "FACP")->pa);
    fix_rsdp_checksums(r);
    assert_error(parse(), -EINVAL, "neither the XSDT nor the RSDT");
    assert_warned("expected RSDT", "found 'FACP'");

    /* claiming to be longer than the memory there */
    set_u32(r + 16, (u32)dumped(cur, "RSDT")->pa);
    fix_rsdp_checksums(r);
    set_u32(rsdt + 4, 0x100000);
    assert_error(parse(), -EINVAL, "neither the XSDT nor the RSDT");
    assert_warned("RSDT", "runs past readable memory");
}

/* ---- tables broken ---- */

static void test_table_with_bad_checksum_is_skipped(void **state)
{
    static const char *const sigs[] = { "HPET", "MCFG", "WAET", "FACP" };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
        char where[64];
        u8 *t;

        install(&q35);
        t = table(sigs[i]);
        t[table_len(t) - 1] ^= 0x01;
        assert_parsed(parse());
        snprintf(where, sizeof(where), "%s at %#llx", sigs[i], dumped(cur, sigs[i])->pa);
        assert_warned(where, "bad checksum", "ignored");
        assert_int_equal(nr_warnings, 1);
        /* that table is gone, and only that table */
        assert_int_equal(ai.nr_tables, strcmp(sigs[i], "FACP") ? 6 : 5);
        for (unsigned int j = 0; j < ai.nr_tables; j++)
            assert_string_not_equal(ai.tables[j].sig, sigs[i]);
        check_qemu_madt();
        assert_int_equal(ai.have_hpet, strcmp(sigs[i], "HPET") != 0);
        assert_int_equal(ai.nr_mcfg, strcmp(sigs[i], "MCFG") != 0);
        assert_int_equal(ai.have_fadt, strcmp(sigs[i], "FACP") != 0);
        /* without the FADT, no DSDT, so no _S5 */
        assert_int_equal(ai.have_s5, strcmp(sigs[i], "FACP") != 0);
    }
}

static void test_table_length_past_readable_memory(void **state)
{
    u8 *hpet = table("HPET");
    paddr_t e[16];
    unsigned int n;

    (void)state;
    set_u32(hpet + 4, 0x100000);      /* 1 MiB: past the end of the ACPI area */
    assert_parsed(parse());
    assert_warned("HPET", "runs past readable memory");
    assert_false(ai.have_hpet);
    check_qemu_madt();

    set_u32(hpet + 4, 20);            /* shorter than a header */
    assert_parsed(parse());
    assert_warned("HPET", "impossible length 20");
    assert_false(ai.have_hpet);

    set_u32(hpet + 4, 0x2000000);     /* 32 MiB: no table is that long */
    assert_parsed(parse());
    assert_warned("HPET", "impossible length");

    /* an RSDT entry pointing outside readable memory, and one at the last bytes of it */
    install(&q35);
    n = rsdt_entries(e, 16);
    e[n++] = UNREADABLE;
    e[n++] = ACPI_AREA + ACPI_AREA_SIZE - 20;
    set_rsdt(e, n);
    assert_parsed(parse());
    assert_warned("table at 0x7fff0000 is not in readable memory");
    assert_warned("table at 0x3fffffec is not in readable memory");
    assert_int_equal(nr_warnings, 2);
    check_qemu_common();
}

static void test_unknown_and_null_rsdt_entries(void **state)
{
    paddr_t e[16];
    unsigned int n;
    u8 *t;

    (void)state;
    n = rsdt_entries(e, 16);
    e[n++] = 0;                               /* a null entry: skipped quietly */
    t = new_table("ZZZZ", 48);                /* a table nobody knows: recorded */
    fix_checksum(t);
    e[n++] = place(t, 48);
    free(t);
    set_rsdt(e, n);
    assert_parsed(parse());
    assert_no_warnings();
    assert_int_equal(ai.nr_tables, 8);
    assert_string_equal(ai.tables[6].sig, "ZZZZ");
    assert_int_equal(ai.tables[6].length, 48);
    assert_string_equal(ai.tables[6].oem_id, "PETREL");
    check_qemu_common();
}

static void test_more_tables_than_recorded(void **state)
{
    paddr_t e[ACPI_MAX_TABLES + 8];
    unsigned int n;

    (void)state;
    n = rsdt_entries(e, ACPI_MAX_TABLES);
    while (n < ACPI_MAX_TABLES + 8)
        e[n++] = dumped(cur, "WAET")->pa;
    set_rsdt(e, n);
    assert_parsed(parse());
    assert_int_equal(ai.nr_tables, ACPI_MAX_TABLES);
    check_qemu_madt();
}

/* ---- the callbacks ---- */

static void test_without_warning_callback(void **state)
{
    (void)state;
    table("HPET")[20] ^= 1;
    set_u32(table("WAET") + 4, 0x100000);
    assert_parsed(acpi_parse(rsdp_pa, NULL, physmem_map, NULL, &ai, parse_err,
                             sizeof(parse_err)));
    assert_false(ai.have_hpet);
    check_qemu_madt();
}

static void test_error_truncated_to_buffer(void **state)
{
    char small[10];

    (void)state;
    drop("APIC");
    memset(small, 'z', sizeof(small));
    assert_int_equal(acpi_parse(rsdp_pa, NULL, physmem_map, record_warning, &ai, small,
                                sizeof(small)), -EINVAL);
    assert_string_equal(small, "there is ");
}

int main(void)
{
#define Q(f) cmocka_unit_test_setup(f, fresh_q35)
#define P(f) cmocka_unit_test_setup(f, fresh_pc)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dumped_tables_are_intact),
        Q(test_q35_tables),
        P(test_pc_tables),
        Q(test_rsdp_given_as_a_copy),
        Q(test_find_rsdp_in_the_bios_area),
        Q(test_find_rsdp_checks_the_acpi2_checksum),
        P(test_find_rsdp_in_the_ebda),
        Q(test_find_rsdp_nowhere),
        P(test_bad_rsdp),
        Q(test_xsdt_preferred_rsdt_as_fallback),
        P(test_acpi1_rsdp_ignores_xsdt_field),
        Q(test_rsdt_unusable),
        Q(test_table_with_bad_checksum_is_skipped),
        Q(test_table_length_past_readable_memory),
        Q(test_unknown_and_null_rsdt_entries),
        Q(test_more_tables_than_recorded),
        Q(test_without_warning_callback),
        Q(test_error_truncated_to_buffer),
        Q(test_find_rsdp_v1_in_the_last_slots),
    };

    return cmocka_run_group_tests(tests, setup_machines, teardown_machines);
}
