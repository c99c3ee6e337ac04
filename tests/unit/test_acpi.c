/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/drivers/acpi/tables.c, the ACPI table parser.
 *
 * The tables are real: dumped from QEMU's q35 and pc machines (4 CPUs, 1 GiB) by
 * tests/unit/data/acpi/dump_tables.py, one file per table, with a manifest giving the
 * address the firmware put each at. A test "installs" a machine: simulated physical
 * memory (support/physmem.c) holding every table at its original address, the RSDP
 * in the BIOS area. Corrupted variants are made from the real tables in that memory.
 *
 * Every read the parser makes is an exact-size heap copy of what it asked for, and
 * the whole build runs under AddressSanitizer: reading one byte past a table, an
 * entry or the AML it was given fails the test.
 */
#include "unit.h"

#include <stdlib.h>

#include "physmem.h"

#include <hv/acpi.h>
#include <hv/errno.h>

/* ---- the dumped machines ---- */

#define MAX_DUMPED 16

struct dumped_table {
    char sig[5];
    paddr_t pa;
    u8 *data;
    u32 len;
};

struct machine {
    const char *name;
    unsigned int n;
    struct dumped_table t[MAX_DUMPED];
};

static struct machine q35 = { .name = "q35" }, pc = { .name = "pc" };

/* Where QEMU (SeaBIOS) puts its tables: the last 128 KiB below 1 GiB. */
#define ACPI_AREA      0x3ffe0000ULL
#define ACPI_AREA_SIZE 0x20000ULL
#define FREE_SPACE     0x3ffe8000ULL   /* above QEMU's tables: for tables made here */
#define BIOS_AREA      0xe0000ULL
#define BIOS_AREA_SIZE 0x20000ULL
#define UNREADABLE     0x7fff0000ULL

static int load_machine(struct machine *m)
{
    char path[128], line[256];
    size_t len, file_len;
    char *manifest, *p;

    snprintf(path, sizeof(path), "acpi/%s/manifest.txt", m->name);
    manifest = unit_read_data_file(path, &len);
    if (!manifest) {
        fprintf(stderr, "cannot read tests/unit/data/%s\n", path);
        return -1;
    }
    m->n = 0;
    for (p = manifest; p < manifest + len;) {
        char *nl = memchr(p, '\n', manifest + len - p);
        size_t l = nl ? (size_t)(nl - p) : (size_t)(manifest + len - p);
        char sig[8], file[64];
        unsigned long long pa;
        unsigned int tlen;

        snprintf(line, sizeof(line), "%.*s", (int)l, p);
        p += l + 1;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (sscanf(line, "%4s %63s %llx %u", sig, file, &pa, &tlen) != 4 || m->n == MAX_DUMPED) {
            fprintf(stderr, "%s: bad manifest line '%s'\n", m->name, line);
            free(manifest);
            return -1;
        }
        snprintf(path, sizeof(path), "acpi/%s/%s", m->name, file);
        struct dumped_table *t = &m->t[m->n++];
        memcpy(t->sig, sig, 5);
        t->pa = pa;
        t->data = unit_read_data_file(path, &file_len);
        t->len = tlen;
        if (!t->data || file_len != tlen) {
            fprintf(stderr, "%s: %s is missing or not %u bytes\n", m->name, file, tlen);
            free(manifest);
            return -1;
        }
    }
    free(manifest);
    return 0;
}

static void free_machine(struct machine *m)
{
    for (unsigned int i = 0; i < m->n; i++)
        free(m->t[i].data);
    m->n = 0;
}

static const struct dumped_table *dumped(const struct machine *m, const char *sig)
{
    for (unsigned int i = 0; i < m->n; i++)
        if (!strcmp(m->t[i].sig, sig))
            return &m->t[i];
    fail_msg("the %s dump has no %s", m->name, sig);
    return NULL;
}

/* ---- the simulated machine ---- */

/* The first occurrence of `needle` in `hay`, or NULL. */
static u8 *find_bytes(u8 *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return hay + i;
    return NULL;
}

static const struct machine *cur;       /* installed */
static paddr_t rsdp_pa;                  /* its RSDP */
static paddr_t free_pa;                  /* next free byte for tables made here */

/* The bytes of simulated memory at pa, to be written. */
static u8 *mem(paddr_t pa, size_t len)
{
    u8 *p = physmem_at(pa, len);

    if (!p)
        fail_msg("test bug: [%#llx, +%zu) is not in simulated memory", pa, len);
    return p;
}

/* Simulated memory holding machine m's tables where its firmware put them. */
static void install(const struct machine *m)
{
    physmem_reset();
    physmem_add(ACPI_AREA, ACPI_AREA_SIZE);
    physmem_add(BIOS_AREA, BIOS_AREA_SIZE);
    for (unsigned int i = 0; i < m->n; i++)
        memcpy(mem(m->t[i].pa, m->t[i].len), m->t[i].data, m->t[i].len);
    cur = m;
    rsdp_pa = dumped(m, "RSDP")->pa;
    free_pa = FREE_SPACE;
}

/* An installed table, in simulated memory. */
static u8 *table(const char *sig)
{
    const struct dumped_table *t = dumped(cur, sig);

    return mem(t->pa, t->len);
}

static u32 table_len(const u8 *t)
{
    u32 len;

    memcpy(&len, t + 4, 4);
    return len;
}

static void set_u32(u8 *p, u32 v)
{
    memcpy(p, &v, 4);
}

static void set_u64(u8 *p, u64 v)
{
    memcpy(p, &v, 8);
}

/* Make a table's bytes (over its length field) sum to zero again. */
static void fix_checksum(u8 *t)
{
    u8 sum = 0;
    u32 len = table_len(t);

    t[9] = 0;
    for (u32 i = 0; i < len; i++)
        sum += t[i];
    t[9] = -sum;
}

static void fix_rsdp_checksums(u8 *r)
{
    u8 sum = 0;

    r[8] = 0;
    for (int i = 0; i < 20; i++)
        sum += r[i];
    r[8] = -sum;
    if (r[15] >= 2) {
        r[32] = 0;
        sum = 0;
        for (int i = 0; i < 36; i++)
            sum += r[i];
        r[32] = -sum;
    }
}

/* Copy a table made here into free simulated memory; returns its address. */
static paddr_t place(const void *t, size_t len)
{
    paddr_t pa = free_pa;

    memcpy(mem(pa, len), t, len);
    free_pa = ALIGN_UP(pa + len, 16);
    return pa;
}

/* A zeroed table of `len` bytes with a header (the caller fills and checksums it). */
static u8 *new_table(const char *sig, u32 len)
{
    u8 *t = calloc(1, len);
    struct acpi_header *h = (struct acpi_header *)t;

    memcpy(h->signature, sig, 4);
    h->length = len;
    h->revision = 1;
    memcpy(h->oem_id, "PETREL", 6);
    memcpy(h->oem_table_id, "UNITTEST", 8);
    return t;
}

/* Replace the RSDT by one listing `entries` (made here), and point the RSDP at it. */
static paddr_t set_rsdt(const paddr_t *entries, unsigned int n)
{
    u8 *t = new_table("RSDT", 36 + 4 * n);
    paddr_t pa;

    for (unsigned int i = 0; i < n; i++)
        set_u32(t + 36 + 4 * i, (u32)entries[i]);
    fix_checksum(t);
    pa = place(t, table_len(t));
    free(t);
    set_u32(mem(rsdp_pa + 16, 4), (u32)pa);
    fix_rsdp_checksums(mem(rsdp_pa, 20));
    return pa;
}

/* The installed RSDT's entries, in a caller's array; returns their count. */
static unsigned int rsdt_entries(paddr_t *out, unsigned int max)
{
    const u8 *r = table("RSDT");
    unsigned int n = (table_len(r) - 36) / 4;

    assert_true(n <= max);
    for (unsigned int i = 0; i < n; i++) {
        u32 e;
        memcpy(&e, r + 36 + 4 * i, 4);
        out[i] = e;
    }
    return n;
}

/* Put table `t` (made here) where the RSDT listed `sig`, or add it when `sig` is NULL. */
static paddr_t substitute(const char *sig, u8 *t)
{
    paddr_t e[ACPI_MAX_TABLES + 8], pa;
    unsigned int n = rsdt_entries(e, ACPI_MAX_TABLES);
    bool found = false;

    fix_checksum(t);
    pa = place(t, table_len(t));
    for (unsigned int i = 0; sig && i < n; i++) {
        if (e[i] == dumped(cur, sig)->pa) {
            e[i] = pa;
            found = true;
        }
    }
    if (!sig)
        e[n++] = pa;
    else
        assert_true(found);
    set_rsdt(e, n);
    free(t);
    return pa;
}

/* Drop the table `sig` from the RSDT. */
static void drop(const char *sig)
{
    paddr_t e[ACPI_MAX_TABLES + 8];
    unsigned int n = rsdt_entries(e, ACPI_MAX_TABLES), m = 0;

    for (unsigned int i = 0; i < n; i++)
        if (e[i] != dumped(cur, sig)->pa)
            e[m++] = e[i];
    assert_int_equal(m, n - 1);
    set_rsdt(e, m);
}

/* ---- parsing, warnings ---- */

static struct acpi_info ai;
static char err[256];
#define MAX_WARNINGS 64
static char warnings[MAX_WARNINGS][256];
static unsigned int nr_warnings;

static void record_warning(const char *msg)
{
    if (nr_warnings < MAX_WARNINGS)
        snprintf(warnings[nr_warnings], sizeof(warnings[0]), "%s", msg);
    nr_warnings++;
}

static int parse_at(paddr_t pa)
{
    nr_warnings = 0;
    memset(&ai, 0x5a, sizeof(ai));  /* acpi_parse must clear what it does not set */
    memset(err, 0, sizeof(err));
    return acpi_parse(pa, NULL, physmem_map, record_warning, &ai, err, sizeof(err));
}

static int parse(void)
{
    return parse_at(rsdp_pa);
}

static void assert_parsed(int rc)
{
    if (rc)
        fail_msg("acpi_parse returned %d: %s", rc, err);
}

static void assert_no_warnings(void)
{
    if (nr_warnings)
        fail_msg("%u warning(s), the first: %s", nr_warnings, warnings[0]);
}

/* Some warning contains each of the (up to three) strings. */
static void assert_warned3(const char *a, const char *b, const char *c)
{
    for (unsigned int i = 0; i < nr_warnings && i < MAX_WARNINGS; i++)
        if (strstr(warnings[i], a) && (!b || strstr(warnings[i], b)) &&
            (!c || strstr(warnings[i], c)))
            return;
    for (unsigned int i = 0; i < nr_warnings && i < MAX_WARNINGS; i++)
        print_error("  warning: %s\n", warnings[i]);
    fail_msg("no warning mentions '%s'%s%s%s%s", a, b ? " and '" : "", b ? b : "",
             c ? "' and '" : "", c ? c : "");
}
#define assert_warned(...) assert_warned_(__VA_ARGS__, NULL, NULL)
#define assert_warned_(a, b, c, ...) assert_warned3(a, b, c)

static void assert_error(int rc, int want, const char *what)
{
    if (rc != want)
        fail_msg("acpi_parse returned %d, expected %d (err: \"%s\")", rc, want, err);
    assert_contains(err, what);
}

static int setup_machines(void **state)
{
    (void)state;
    return load_machine(&q35) || load_machine(&pc) ? -1 : 0;
}

static int teardown_machines(void **state)
{
    (void)state;
    free_machine(&q35);
    free_machine(&pc);
    physmem_reset();
    return 0;
}

static int fresh_q35(void **state)
{
    (void)state;
    install(&q35);
    return 0;
}

static int fresh_pc(void **state)
{
    (void)state;
    install(&pc);
    return 0;
}

/* ---- what QEMU's tables say ---- */

static void check_qemu_madt(void)
{
    static const struct acpi_override want_overrides[] = {
        { 0, 2, 0 }, { 5, 5, 0xd }, { 9, 9, 0xd }, { 10, 10, 0xd }, { 11, 11, 0xd },
    };

    assert_true(ai.have_madt);
    assert_int_equal(ai.lapic_address, 0xfee00000);
    assert_true(ai.pcat_compat);
    assert_int_equal(ai.nr_cpus, 4);
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(ai.cpus[i].apic_id, i);
        assert_int_equal(ai.cpus[i].acpi_uid, i);
        assert_true(ai.cpus[i].enabled);
    }
    assert_int_equal(ai.nr_ioapics, 1);
    assert_int_equal(ai.ioapics[0].id, 0);
    assert_int_equal(ai.ioapics[0].address, 0xfec00000);
    assert_int_equal(ai.ioapics[0].gsi_base, 0);
    /* IRQ0 -> GSI2 (edge, high: bus default), the PCI IRQs level-triggered, active high */
    assert_int_equal(ai.nr_overrides, ARRAY_SIZE(want_overrides));
    for (unsigned int i = 0; i < ARRAY_SIZE(want_overrides); i++) {
        assert_int_equal(ai.overrides[i].isa_irq, want_overrides[i].isa_irq);
        assert_int_equal(ai.overrides[i].gsi, want_overrides[i].gsi);
        assert_int_equal(ai.overrides[i].flags, want_overrides[i].flags);
    }
    assert_int_equal(ai.overrides[1].flags, INTI_TRIGGER_LEVEL | INTI_POLARITY_HIGH);
    /* LINT1 is the NMI on every processor */
    assert_int_equal(ai.nr_lapic_nmis, 1);
    assert_int_equal(ai.lapic_nmis[0].acpi_uid, 0xffffffff);
    assert_int_equal(ai.lapic_nmis[0].lint, 1);
    assert_int_equal(ai.lapic_nmis[0].flags, 0);
}

static void check_qemu_common(void)
{
    assert_int_equal(ai.rsdp_pa, rsdp_pa);
    assert_int_equal(ai.revision, 0);
    assert_string_equal(ai.oem_id, "BOCHS ");
    assert_false(ai.using_xsdt);
    check_qemu_madt();

    /* FADT: the PIIX4 / ICH9 power management block at 0x600 */
    assert_true(ai.have_fadt);
    assert_false(ai.hw_reduced);
    assert_int_equal(ai.sci_irq, 9);
    assert_int_equal(ai.smi_cmd, 0xb2);
    assert_int_equal(ai.pm1a_cnt, 0x604);
    assert_int_equal(ai.pm1b_cnt, 0);
    assert_int_equal(ai.pm_tmr, 0x608);
    assert_false(ai.pm_tmr_32bit);
    assert_int_equal(ai.dsdt, 0x3ffe0040);

    assert_true(ai.have_hpet);
    assert_int_equal(ai.hpet_address, 0xfed00000);
    assert_int_equal(ai.hpet_number, 0);
    assert_int_equal(ai.hpet_min_tick, 0);

    /* Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) in both DSDTs */
    assert_true(ai.have_s5);
    assert_int_equal(ai.s5_typ_a, 0);
    assert_int_equal(ai.s5_typ_b, 0);
}

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
    static const char *const sigs[] = { "RSDT", "FACP", "APIC", "HPET", "MCFG", "WAET", "DSDT" };

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

    /* an ACPI 1.0 FADT: 116 bytes, no reset register, no X_ fields (which AddressSanitizer
     * would catch the parser reading: the copy it gets ends at byte 116) */
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
    assert_parsed(acpi_parse(0, copy, physmem_map, record_warning, &ai, err, sizeof(err)));
    assert_no_warnings();
    assert_int_equal(ai.rsdp_pa, 0);
    check_qemu_madt();
    assert_int_equal(ai.nr_mcfg, 1);

    /* neither an address nor a copy */
    assert_error(acpi_parse(0, NULL, physmem_map, record_warning, &ai, err, sizeof(err)),
                 -ENOENT, "the ACPI RSDP is missing or has a bad checksum");
}

static void test_isa_irq_to_gsi(void **state)
{
    struct acpi_info none;
    u16 flags;

    (void)state;
    assert_parsed(parse());
    flags = 0xffff;
    assert_int_equal(acpi_isa_irq_to_gsi(&ai, 0, &flags), 2);
    assert_int_equal(flags, 0);
    flags = 0xffff;
    assert_int_equal(acpi_isa_irq_to_gsi(&ai, 9, &flags), 9);
    assert_int_equal(flags, INTI_TRIGGER_LEVEL | INTI_POLARITY_HIGH);
    assert_int_equal(acpi_isa_irq_to_gsi(&ai, 11, &flags), 11);
    assert_int_equal(flags, 0xd);
    /* no override: identity, flags of the ISA bus (0) */
    for (unsigned int irq = 1; irq < 16; irq++) {
        if (irq == 5 || irq == 9 || irq == 10 || irq == 11)
            continue;
        flags = 0xffff;
        assert_int_equal(acpi_isa_irq_to_gsi(&ai, irq, &flags), irq);
        assert_int_equal(flags, 0);
    }

    /* no overrides at all */
    memset(&none, 0, sizeof(none));
    for (unsigned int irq = 0; irq < 16; irq++) {
        flags = 0xffff;
        assert_int_equal(acpi_isa_irq_to_gsi(&none, irq, &flags), irq);
        assert_int_equal(flags, 0);
    }

    /* overrides of one's own: the first match counts */
    none.nr_overrides = 3;
    none.overrides[0] = (struct acpi_override){ 3, 20, INTI_POLARITY_LOW | INTI_TRIGGER_LEVEL };
    none.overrides[1] = (struct acpi_override){ 4, 21, INTI_TRIGGER_EDGE };
    none.overrides[2] = (struct acpi_override){ 3, 22, 0 };
    assert_int_equal(acpi_isa_irq_to_gsi(&none, 3, &flags), 20);
    assert_int_equal(flags, 0xf);
    assert_int_equal(acpi_isa_irq_to_gsi(&none, 4, &flags), 21);
    assert_int_equal(flags, INTI_TRIGGER_EDGE);
    assert_int_equal(acpi_isa_irq_to_gsi(&none, 0, &flags), 0);
    assert_int_equal(flags, 0);
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

/* Regression test (a bug fixed in the hypervisor): an ACPI 1.0 RSDP in the last 16-byte slots of an area. */
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

/* ---- the MADT ---- */

static void test_madt_entry_with_length_zero(void **state)
{
    u8 *madt = table("APIC");

    (void)state;
    /* the third processor entry (44 + 2 * 8) says it is 0 bytes long */
    assert_int_equal(madt[60], MADT_LAPIC);
    madt[61] = 0;
    fix_checksum(madt);
    assert_parsed(parse());
    assert_warned("MADT entry of type 0 has a bad length 0", "rest of MADT ignored");
    assert_int_equal(ai.nr_cpus, 2);
    assert_int_equal(ai.nr_ioapics, 0);
    assert_int_equal(ai.nr_overrides, 0);
    assert_true(ai.have_fadt);
    assert_true(ai.have_hpet);

    madt[61] = 1;
    fix_checksum(madt);
    assert_parsed(parse());
    assert_warned("bad length 1");
    assert_int_equal(ai.nr_cpus, 2);
}

static void test_madt_entry_running_past_the_table(void **state)
{
    u8 *madt = table("APIC");
    u32 len = table_len(madt);

    (void)state;
    /* the last entry (the LAPIC NMI, 6 bytes) claims 8 */
    assert_int_equal(madt[len - 6], MADT_LAPIC_NMI);
    madt[len - 5] = 8;
    fix_checksum(madt);
    assert_parsed(parse());
    assert_warned("MADT entry of type 4 has a bad length 8");
    assert_int_equal(ai.nr_cpus, 4);
    assert_int_equal(ai.nr_ioapics, 1);
    assert_int_equal(ai.nr_overrides, 5);
    assert_int_equal(ai.nr_lapic_nmis, 0);

    /* the table ends in the middle of the I/O APIC entry (after the 4 processors) */
    install(&q35);
    madt = table("APIC");
    set_u32(madt + 4, 44 + 4 * 8 + 5);
    fix_checksum(madt);
    assert_parsed(parse());
    assert_warned("MADT entry of type 1 has a bad length 12");
    assert_int_equal(ai.nr_cpus, 4);
    assert_int_equal(ai.nr_ioapics, 0);

    /* ...or one byte into the next entry: too little for an entry header, ignored */
    set_u32(madt + 4, 44 + 4 * 8 + 1);
    fix_checksum(madt);
    assert_parsed(parse());
    assert_no_warnings();
    assert_int_equal(ai.nr_cpus, 4);
    assert_int_equal(ai.nr_ioapics, 0);

    /* shorter than its fixed fields */
    set_u32(madt + 4, 40);
    fix_checksum(madt);
    assert_error(parse(), -EINVAL, "there is no valid MADT");
    assert_warned("MADT is too short");
}

/* A MADT made here: the header and local APIC address, then entries. */
struct madt_builder {
    u8 buf[8192];
    u32 len;
};

static void madt_begin(struct madt_builder *b)
{
    u8 *t = new_table("APIC", 44);

    memcpy(b->buf, t, 44);
    free(t);
    set_u32(b->buf + 36, 0xfee00000);
    set_u32(b->buf + 40, MADT_PCAT_COMPAT);
    b->len = 44;
}

static void madt_add(struct madt_builder *b, const void *e, u32 len)
{
    assert_true(b->len + len <= sizeof(b->buf));
    memcpy(b->buf + b->len, e, len);
    b->len += len;
}

static void madt_lapic(struct madt_builder *b, u8 uid, u8 id, u32 flags)
{
    struct madt_lapic l = { MADT_LAPIC, sizeof(l), uid, id, flags };

    madt_add(b, &l, sizeof(l));
}

static void madt_ioapic(struct madt_builder *b, u8 id, u32 address, u32 gsi_base)
{
    struct madt_ioapic io = { MADT_IOAPIC, sizeof(io), id, 0, address, gsi_base };

    madt_add(b, &io, sizeof(io));
}

static void madt_override(struct madt_builder *b, u8 bus, u8 irq, u32 gsi, u16 flags)
{
    struct madt_int_override o = { MADT_INT_OVERRIDE, sizeof(o), bus, irq, gsi, flags };

    madt_add(b, &o, sizeof(o));
}

/* Put the MADT in place of QEMU's. */
static void madt_install(struct madt_builder *b)
{
    u8 *t = malloc(b->len);

    set_u32(b->buf + 4, b->len);
    memcpy(t, b->buf, b->len);
    substitute("APIC", t);
}

static void test_no_madt(void **state)
{
    (void)state;
    drop("APIC");
    assert_error(parse(), -EINVAL,
                 "there is no valid MADT (the table of CPUs and interrupt controllers)");
    /* the other tables were still read */
    assert_true(ai.have_fadt);
    assert_true(ai.have_hpet);

    install(&q35);
    table("APIC")[40] ^= 0x80;     /* a bad checksum */
    assert_error(parse(), -EINVAL, "there is no valid MADT");
    assert_warned("APIC", "bad checksum");
}

static void test_madt_without_processors(void **state)
{
    struct madt_builder b;
    u8 *madt = table("APIC");

    (void)state;
    /* QEMU's MADT with every processor marked neither enabled nor online-capable */
    for (unsigned int i = 0; i < 4; i++)
        set_u32(madt + 44 + 8 * i + 4, 0);
    fix_checksum(madt);
    assert_error(parse(), -EINVAL, "the MADT lists no processor");
    assert_int_equal(ai.nr_cpus, 0);
    assert_int_equal(ai.nr_ioapics, 1);

    /* a MADT of interrupt controllers only */
    install(&q35);
    madt_begin(&b);
    madt_ioapic(&b, 0, 0xfec00000, 0);
    madt_override(&b, 0, 0, 2, 0);
    madt_install(&b);
    assert_error(parse(), -EINVAL, "the MADT lists no processor");
}

static void test_madt_entry_kinds(void **state)
{
    struct madt_builder b;
    struct madt_x2apic x2 = { MADT_X2APIC, sizeof(x2), 0, 0x100, MADT_CPU_ENABLED, 7 };
    struct madt_x2apic x2off = { MADT_X2APIC, sizeof(x2off), 0, 0x101, 0, 8 };
    struct madt_x2apic_nmi x2nmi = { MADT_X2APIC_NMI, sizeof(x2nmi), 0xd, 7, 1, { 0 } };
    struct madt_lapic_nmi nmi = { MADT_LAPIC_NMI, sizeof(nmi), 2, 0x5, 0 };
    struct madt_lapic_override lo = { MADT_LAPIC_OVERRIDE, sizeof(lo), 0, 0x1fee00000ULL };
    u8 short_cpu[6] = { MADT_LAPIC, 6, 9, 9, 1, 0 };
    u8 unknown[7] = { 0x7f, 7, 1, 2, 3, 4, 5 };

    (void)state;
    madt_begin(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    madt_lapic(&b, 1, 4, MADT_CPU_ONLINE_CAPABLE);     /* hot-pluggable: listed, not enabled */
    madt_lapic(&b, 2, 5, 0);                           /* absent: not listed */
    madt_add(&b, short_cpu, sizeof(short_cpu));        /* too short for a processor */
    madt_add(&b, &x2, sizeof(x2));
    madt_add(&b, &x2off, sizeof(x2off));               /* absent */
    madt_add(&b, unknown, sizeof(unknown));            /* skipped */
    madt_ioapic(&b, 3, 0xfec01000, 24);
    madt_override(&b, 0, 4, 4, INTI_TRIGGER_LEVEL);
    madt_override(&b, 1, 5, 5, 0);                     /* not the ISA bus: ignored */
    madt_add(&b, &nmi, sizeof(nmi));
    madt_add(&b, &x2nmi, sizeof(x2nmi));
    madt_add(&b, &lo, sizeof(lo));                     /* a 64-bit local APIC address */
    set_u32(b.buf + 40, 0);                            /* no 8259s */
    madt_install(&b);

    assert_parsed(parse());
    assert_warned("MADT processor entry is too short");
    assert_warned("MADT interrupt override ignored");
    assert_int_equal(nr_warnings, 2);
    assert_false(ai.pcat_compat);
    assert_int_equal(ai.lapic_address, 0x1fee00000ULL);
    assert_int_equal(ai.nr_cpus, 3);
    assert_int_equal(ai.cpus[0].apic_id, 0);
    assert_true(ai.cpus[0].enabled);
    assert_int_equal(ai.cpus[1].apic_id, 4);
    assert_int_equal(ai.cpus[1].acpi_uid, 1);
    assert_false(ai.cpus[1].enabled);
    assert_int_equal(ai.cpus[2].apic_id, 0x100);
    assert_int_equal(ai.cpus[2].acpi_uid, 7);
    assert_true(ai.cpus[2].enabled);
    assert_int_equal(ai.nr_ioapics, 1);
    assert_int_equal(ai.ioapics[0].id, 3);
    assert_int_equal(ai.ioapics[0].address, 0xfec01000);
    assert_int_equal(ai.ioapics[0].gsi_base, 24);
    assert_int_equal(ai.nr_overrides, 1);
    assert_int_equal(ai.overrides[0].isa_irq, 4);
    assert_int_equal(ai.nr_lapic_nmis, 2);
    assert_int_equal(ai.lapic_nmis[0].acpi_uid, 2);
    assert_int_equal(ai.lapic_nmis[0].flags, 5);
    assert_int_equal(ai.lapic_nmis[0].lint, 0);
    assert_int_equal(ai.lapic_nmis[1].acpi_uid, 7);
    assert_int_equal(ai.lapic_nmis[1].flags, 0xd);
    assert_int_equal(ai.lapic_nmis[1].lint, 1);
}

static void test_madt_limits(void **state)
{
    struct madt_builder b;

    (void)state;
    /* more I/O APICs and overrides than there is room for */
    madt_begin(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    for (unsigned int i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
        madt_ioapic(&b, i, 0xfec00000 + i * 0x1000, i * 24);
    for (unsigned int i = 0; i < ACPI_MAX_OVERRIDES + 1; i++)
        madt_override(&b, 0, i, 100 + i, 0);
    madt_install(&b);
    assert_parsed(parse());
    assert_int_equal(ai.nr_ioapics, ACPI_MAX_IOAPICS);
    assert_int_equal(ai.ioapics[ACPI_MAX_IOAPICS - 1].id, ACPI_MAX_IOAPICS - 1);
    assert_int_equal(ai.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base, (ACPI_MAX_IOAPICS - 1) * 24);
    assert_warned("MADT I/O APIC entry ignored", "too many");
    assert_int_equal(ai.nr_overrides, ACPI_MAX_OVERRIDES);
    assert_warned("MADT interrupt override ignored");
    assert_int_equal(nr_warnings, 2 + 1);

    /* more processors than NR_CPUS */
    install(&q35);
    madt_begin(&b);
    for (unsigned int i = 0; i < NR_CPUS + 1; i++) {
        struct madt_x2apic x = { MADT_X2APIC, sizeof(x), 0, 1000 + i, MADT_CPU_ENABLED, i };
        madt_add(&b, &x, sizeof(x));
    }
    madt_install(&b);
    assert_parsed(parse());
    assert_int_equal(ai.nr_cpus, NR_CPUS);
    assert_int_equal(ai.cpus[NR_CPUS - 1].apic_id, 1000 + NR_CPUS - 1);
    assert_warned("more than 256 CPUs; APIC ID 1256 ignored");

    /* more NMI entries than recorded */
    install(&q35);
    madt_begin(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    for (unsigned int i = 0; i < ACPI_MAX_NMIS + 3; i++) {
        struct madt_lapic_nmi n = { MADT_LAPIC_NMI, sizeof(n), (u8)i, 0, 1 };
        madt_add(&b, &n, sizeof(n));
    }
    madt_install(&b);
    assert_parsed(parse());
    assert_int_equal(ai.nr_lapic_nmis, ACPI_MAX_NMIS);
    assert_int_equal(ai.lapic_nmis[ACPI_MAX_NMIS - 1].acpi_uid, ACPI_MAX_NMIS - 1);
}

/* ---- the FADT, HPET and MCFG ---- */

static void test_fadt_acpi1_length(void **state)
{
    u8 *fadt = table("FACP");

    (void)state;
    /* q35's ACPI 3.0 FADT cut to the ACPI 1.0 length: the X_ fields and the reset
     * register are gone (the X_DSDT and X_PM1a_CNT_BLK changed here must not be read) */
    set_u64(fadt + 140, 0x12345678);
    set_u32(fadt + 172 + 4, 0x1004);
    set_u32(fadt + 4, 116);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_no_warnings();
    assert_true(ai.have_fadt);
    assert_int_equal(ai.pm1a_cnt, 0x604);
    assert_int_equal(ai.pm_tmr, 0x608);
    assert_int_equal(ai.dsdt, 0x3ffe0040);
    assert_false(ai.reset_supported);
    assert_true(ai.have_s5);

    /* up to the reset value (129 bytes): the reset register, still no X_ fields */
    set_u32(fadt + 4, 129);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_true(ai.reset_supported);
    assert_int_equal(ai.reset_reg.address, 0xcf9);
    assert_int_equal(ai.dsdt, 0x3ffe0040);

    /* too short for the flags */
    set_u32(fadt + 4, 100);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_warned("FADT is too short (100 bytes)");
    assert_false(ai.have_fadt);
    assert_false(ai.have_s5);
    assert_int_equal(ai.pm1a_cnt, 0);
}

static void test_fadt_fields(void **state)
{
    u8 *fadt = table("FACP");
    u32 flags;

    (void)state;
    /* the X_ blocks win when they are I/O ports */
    set_u64(fadt + 172 + 4, 0x1004);                   /* X_PM1a_CNT_BLK */
    set_u64(fadt + 208 + 4, 0x1008);                   /* X_PM_TMR_BLK */
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_int_equal(ai.pm1a_cnt, 0x1004);
    assert_int_equal(ai.pm_tmr, 0x1008);

    /* ...not when they are memory */
    fadt[172] = ACPI_GAS_MEMORY;
    fadt[208] = ACPI_GAS_MEMORY;
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_int_equal(ai.pm1a_cnt, 0x604);
    assert_int_equal(ai.pm_tmr, 0x608);

    /* a PM timer block of another length than 4 is no PM timer */
    fadt[91] = 0;
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_int_equal(ai.pm_tmr, 0);

    /* flags: 32-bit timer, hardware-reduced, no reset register */
    memcpy(&flags, fadt + 112, 4);
    flags |= FADT_TMR_VAL_EXT | FADT_HW_REDUCED;
    flags &= ~FADT_RESET_REG_SUP;
    set_u32(fadt + 112, flags);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_true(ai.pm_tmr_32bit);
    assert_true(ai.hw_reduced);
    assert_false(ai.reset_supported);

    /* reset supported but no register address */
    flags |= FADT_RESET_REG_SUP;
    set_u32(fadt + 112, flags);
    set_u64(fadt + 116 + 4, 0);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_false(ai.reset_supported);
}

static void test_fadt_x_dsdt(void **state)
{
    u8 *fadt = table("FACP");
    u8 *dsdt = table("DSDT");
    u8 *copy;
    paddr_t pa;

    (void)state;
    /* a copy of the DSDT elsewhere, with _S5 patched to { 5, 6 }: X_DSDT points at it */
    copy = malloc(table_len(dsdt));
    memcpy(copy, dsdt, table_len(dsdt));
    u8 *s5 = find_bytes(copy, table_len(dsdt), "\x08_S5_\x12\x06\x04\x00\x00\x00\x00", 12);
    assert_non_null(s5);
    memcpy(s5 + 8, "\x0a\x05\x0a\x06", 4);
    fix_checksum(copy);
    pa = place(copy, table_len(copy));
    free(copy);
    set_u64(fadt + 140, pa);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_int_equal(ai.dsdt, pa);
    assert_true(ai.have_s5);
    assert_int_equal(ai.s5_typ_a, 5);
    assert_int_equal(ai.s5_typ_b, 6);
    assert_string_equal(ai.tables[ai.nr_tables - 1].sig, "DSDT");
    assert_int_equal(ai.tables[ai.nr_tables - 1].pa, pa);

    /* X_DSDT 0: the 32-bit field */
    set_u64(fadt + 140, 0);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_int_equal(ai.dsdt, 0x3ffe0040);
    assert_int_equal(ai.s5_typ_a, 0);

    /* the DSDT field pointing at something else */
    set_u64(fadt + 140, dumped(cur, "HPET")->pa);
    fix_checksum(fadt);
    assert_parsed(parse());
    assert_warned("expected DSDT", "found 'HPET'");
    assert_false(ai.have_s5);

    /* the DSDT with a bad checksum */
    set_u64(fadt + 140, 0);
    fix_checksum(fadt);
    dsdt[100] ^= 0x20;
    assert_parsed(parse());
    assert_warned("DSDT", "bad checksum");
    assert_false(ai.have_s5);
}

static void test_hpet_fields(void **state)
{
    u8 *hpet = table("HPET");

    (void)state;
    hpet[52] = 3;                       /* HPET number */
    hpet[53] = 0x80;                    /* minimum tick, 16 bits */
    hpet[54] = 0x01;
    set_u64(hpet + 44, 0xfed01000);
    fix_checksum(hpet);
    assert_parsed(parse());
    assert_true(ai.have_hpet);
    assert_int_equal(ai.hpet_address, 0xfed01000);
    assert_int_equal(ai.hpet_number, 3);
    assert_int_equal(ai.hpet_min_tick, 0x180);

    hpet[40] = ACPI_GAS_IO;             /* an HPET in I/O space: not one we can use */
    fix_checksum(hpet);
    assert_parsed(parse());
    assert_warned("HPET table is malformed; ignored");
    assert_false(ai.have_hpet);

    hpet[40] = ACPI_GAS_MEMORY;         /* too short */
    set_u32(hpet + 4, 52);
    fix_checksum(hpet);
    assert_parsed(parse());
    assert_warned("HPET table is malformed");
    assert_false(ai.have_hpet);
}

static void test_mcfg_entries(void **state)
{
    u8 *t;

    (void)state;
    /* two segments, a third entry with an empty bus range */
    t = new_table("MCFG", 44 + 3 * 16);
    set_u64(t + 44, 0xb0000000);
    t[44 + 10] = 0, t[44 + 11] = 0x7f;
    set_u64(t + 60, 0xc0000000);
    t[60 + 8] = 1, t[60 + 10] = 0x10, t[60 + 11] = 0x1f;
    set_u64(t + 76, 0xd0000000);
    t[76 + 10] = 5, t[76 + 11] = 4;
    substitute("MCFG", t);
    assert_parsed(parse());
    assert_warned("MCFG entry 2 has an empty bus range; ignored");
    assert_int_equal(ai.nr_mcfg, 2);
    assert_int_equal(ai.mcfg[0].base, 0xb0000000);
    assert_int_equal(ai.mcfg[0].bus_end, 0x7f);
    assert_int_equal(ai.mcfg[1].base, 0xc0000000);
    assert_int_equal(ai.mcfg[1].segment, 1);
    assert_int_equal(ai.mcfg[1].bus_start, 0x10);
    assert_int_equal(ai.mcfg[1].bus_end, 0x1f);

    /* more entries than recorded; and a partial entry at the end, not read */
    install(&q35);
    t = new_table("MCFG", 44 + (ACPI_MAX_MCFG + 2) * 16 + 10);
    for (unsigned int i = 0; i < ACPI_MAX_MCFG + 2; i++) {
        set_u64(t + 44 + 16 * i, 0x100000000ULL * (i + 1));
        t[44 + 16 * i + 11] = 0xff;
    }
    substitute("MCFG", t);
    assert_parsed(parse());
    assert_int_equal(ai.nr_mcfg, ACPI_MAX_MCFG);
    assert_int_equal(ai.mcfg[ACPI_MAX_MCFG - 1].base, 0x100000000ULL * ACPI_MAX_MCFG);

    /* shorter than its header and reserved field */
    install(&q35);
    substitute("MCFG", new_table("MCFG", 40));
    assert_parsed(parse());
    assert_int_equal(ai.nr_mcfg, 0);
    check_qemu_madt();
}

/* ---- \_S5 in AML ---- */

/* Run acpi_aml_find_s5 over an exact-size heap copy of `aml`, so that any read outside
 * it is an AddressSanitizer error. */
static bool find_s5(const void *aml, size_t len, u8 *a, u8 *b)
{
    u8 *copy = malloc(len ? len : 1);
    bool found;

    memcpy(copy, aml, len);
    *a = *b = 0xee;
    found = acpi_aml_find_s5(copy, len, a, b);
    free(copy);
    return found;
}

#define S5_FOUND(bytes, want_a, want_b)                                                  \
    do {                                                                                 \
        static const u8 aml_[] = bytes;                                                  \
        u8 a_, b_;                                                                       \
        if (!find_s5(aml_, sizeof(aml_), &a_, &b_))                                      \
            fail_msg("line %d: _S5_ not found", __LINE__);                               \
        if (a_ != (want_a) || b_ != (want_b))                                            \
            fail_msg("line %d: _S5_ gave %u, %u; expected %u, %u", __LINE__, a_, b_,     \
                     (want_a), (want_b));                                                \
    } while (0)

#define S5_NOT_FOUND(bytes)                                                              \
    do {                                                                                 \
        static const u8 aml_[] = bytes;                                                  \
        u8 a_, b_;                                                                       \
        if (find_s5(aml_, sizeof(aml_), &a_, &b_))                                       \
            fail_msg("line %d: _S5_ found (%u, %u) where there is none", __LINE__, a_,  \
                     b_);                                                                \
    } while (0)

#define AML(...) { __VA_ARGS__ }
#define NAME_S5 0x08, '_', 'S', '5', '_'

static void test_aml_find_s5_hand_built(void **state)
{
    (void)state;
    /* Name (_S5, Package (4) { Zero, Zero, Zero, Zero }), as QEMU writes it */
    S5_FOUND(AML(NAME_S5, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00), 0, 0);
    /* OneOp */
    S5_FOUND(AML(NAME_S5, 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00), 1, 1);
    S5_FOUND(AML(NAME_S5, 0x12, 0x04, 0x02, 0x00, 0x01), 0, 1);
    /* BytePrefix, WordPrefix (the low byte counts) and mixes */
    S5_FOUND(AML(NAME_S5, 0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00), 5, 7);
    S5_FOUND(AML(NAME_S5, 0x12, 0x08, 0x02, 0x0b, 0x05, 0x00, 0x0b, 0x07, 0x01), 5, 7);
    S5_FOUND(AML(NAME_S5, 0x12, 0x06, 0x02, 0x0a, 0x07, 0x01), 7, 1);
    S5_FOUND(AML(NAME_S5, 0x12, 0x06, 0x02, 0x00, 0x0a, 0x03), 0, 3);
    /* the root-prefixed name, \_S5_ */
    S5_FOUND(AML(0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x02, 0x0a, 0x03,
                 0x00, 0x00), 2, 3);
    /* a two-byte PkgLength */
    S5_FOUND(AML(NAME_S5, 0x12, 0x40, 0x01, 0x04, 0x0a, 0x03, 0x0a, 0x04), 3, 4);
    /* inside other AML: a scope, other names before it */
    S5_FOUND(AML(0x10, 0x20, '\\', 0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01,
                 0x00, 0x00, NAME_S5, 0x12, 0x06, 0x04, 0x0a, 0x07, 0x00, 0x00, 0x00, 0xa3),
             7, 0);
    /* "_S5_" used not as a name first (a method call, a string), then named */
    S5_FOUND(AML(0x70, '_', 'S', '5', '_', 0x60, 0x0d, '_', 'S', '5', '_', 0x00, NAME_S5,
                 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00), 1, 0);
    /* a first _S5_ whose package is not integers, then a good one */
    S5_FOUND(AML(NAME_S5, 0x12, 0x07, 0x02, 0x0d, 'x', 0x00, 0x00, NAME_S5, 0x12, 0x04, 0x02,
                 0x0a, 0x09, 0x01), 9, 1);

    /* not preceded by NameOp */
    S5_NOT_FOUND(AML(0x10, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00));
    S5_NOT_FOUND(AML('\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00));
    /* at the very start: nothing before it to read */
    S5_NOT_FOUND(AML('_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00));
    /* named, but not a package */
    S5_NOT_FOUND(AML(NAME_S5, 0x0a, 0x05, 0x00, 0x00));
    /* other sleep states only */
    S5_NOT_FOUND(AML(0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00));
    /* elements that are not small integers */
    S5_NOT_FOUND(AML(NAME_S5, 0x12, 0x09, 0x02, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00));
    S5_NOT_FOUND(AML(NAME_S5, 0x12, 0x05, 0x02, 0xff, 0x00));
}

static void test_aml_find_s5_truncated(void **state)
{
    static const u8 full[] = { NAME_S5, 0x12, 0x08, 0x04, 0x0b, 0x05, 0x00, 0x0a, 0x07 };
    u8 a, b;

    (void)state;
    /* the whole: found */
    assert_true(find_s5(full, sizeof(full), &a, &b));
    assert_int_equal(a, 5);
    assert_int_equal(b, 7);
    /* every shorter prefix: not found, and nothing read past its end */
    for (size_t len = 0; len < sizeof(full); len++)
        if (find_s5(full, len, &a, &b))
            fail_msg("_S5_ found in the first %zu of %zu bytes", len, sizeof(full));
    /* a two-byte PkgLength cut after its lead byte */
    static const u8 cut[] = { NAME_S5, 0x12, 0x40 };
    assert_false(find_s5(cut, sizeof(cut), &a, &b));
    /* a four-byte PkgLength (lead byte 0xc0) running past the end */
    static const u8 cut4[] = { NAME_S5, 0x12, 0xc0, 0x01, 0x00 };
    assert_false(find_s5(cut4, sizeof(cut4), &a, &b));
    assert_false(find_s5("", 0, &a, &b));
}

static void test_aml_find_s5_real_dsdts(void **state)
{
    const struct machine *ms[] = { &q35, &pc };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(ms); i++) {
        const struct dumped_table *d = dumped(ms[i], "DSDT");
        u8 a, b;

        assert_true(find_s5(d->data + 36, d->len - 36, &a, &b));
        assert_int_equal(a, 0);
        assert_int_equal(b, 0);
        /* the same search in the whole table, header included, finds the same */
        assert_true(find_s5(d->data, d->len, &a, &b));
        assert_int_equal(a, 0);
    }
}

static void test_s5_values_come_from_the_dsdt(void **state)
{
    u8 *dsdt = table("DSDT");
    u8 *s5 = find_bytes(dsdt, table_len(dsdt), "\x08_S5_\x12\x06\x04", 8);

    (void)state;
    assert_non_null(s5);
    /* { Zero, Zero, Zero, Zero } -> { 5, 6, Zero, Zero } */
    memcpy(s5 + 8, "\x0a\x05\x0a\x06", 4);
    fix_checksum(dsdt);
    assert_parsed(parse());
    assert_no_warnings();
    assert_true(ai.have_s5);
    assert_int_equal(ai.s5_typ_a, 5);
    assert_int_equal(ai.s5_typ_b, 6);

    /* a DSDT without _S5: no soft-off */
    memcpy(s5 + 1, "_S9_", 4);
    fix_checksum(dsdt);
    assert_parsed(parse());
    assert_false(ai.have_s5);

    /* ...unless an SSDT has it */
    u8 *ssdt = new_table("SSDT", 36 + 10);
    memcpy(ssdt + 36, "\x08_S5_\x12\x04\x02\x01\x01", 10);
    substitute(NULL, ssdt);
    assert_parsed(parse());
    assert_no_warnings();
    assert_true(ai.have_s5);
    assert_int_equal(ai.s5_typ_a, 1);
    assert_int_equal(ai.s5_typ_b, 1);
}

/* ---- the callbacks ---- */

static void test_without_warning_callback(void **state)
{
    (void)state;
    table("HPET")[20] ^= 1;
    set_u32(table("WAET") + 4, 0x100000);
    assert_parsed(acpi_parse(rsdp_pa, NULL, physmem_map, NULL, &ai, err, sizeof(err)));
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
        Q(test_isa_irq_to_gsi),
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
        Q(test_madt_entry_with_length_zero),
        Q(test_madt_entry_running_past_the_table),
        Q(test_no_madt),
        P(test_madt_without_processors),
        Q(test_madt_entry_kinds),
        Q(test_madt_limits),
        Q(test_fadt_acpi1_length),
        Q(test_fadt_fields),
        Q(test_fadt_x_dsdt),
        P(test_hpet_fields),
        Q(test_mcfg_entries),
        cmocka_unit_test(test_aml_find_s5_hand_built),
        cmocka_unit_test(test_aml_find_s5_truncated),
        cmocka_unit_test(test_aml_find_s5_real_dsdts),
        P(test_s5_values_come_from_the_dsdt),
        Q(test_without_warning_callback),
        Q(test_error_truncated_to_buffer),
        Q(test_find_rsdp_v1_in_the_last_slots),
    };

    return cmocka_run_group_tests(tests, setup_machines, teardown_machines);
}
