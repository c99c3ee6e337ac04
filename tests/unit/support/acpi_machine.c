/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The machines of the ACPI parser's unit tests: QEMU's dumped tables, installed in
 * simulated physical memory and edited there; running the parser and checking its
 * error and warnings; what QEMU's tables say (see acpi_machine.h).
 */
#include "acpi_machine.h"

#include <stdlib.h>

#include "physmem.h"

#include <hv/errno.h>

/* ---- the dumped machines ---- */

struct machine q35 = { .name = "q35" }, pc = { .name = "pc" };

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
        if (sscanf(line, "%4s %63s %llx %u", sig, file, &pa, &tlen) != 4 ||
            m->n == MAX_DUMPED) {
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

const struct dumped_table *dumped(const struct machine *m, const char *sig)
{
    for (unsigned int i = 0; i < m->n; i++)
        if (!strcmp(m->t[i].sig, sig))
            return &m->t[i];
    fail_msg("the %s dump has no %s", m->name, sig);
    return NULL;
}

/* ---- the simulated machine ---- */

/* The first occurrence of `needle` in `hay`, or NULL. */
u8 *find_bytes(u8 *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return hay + i;
    return NULL;
}

const struct machine *cur;      /* installed */
paddr_t rsdp_pa;                /* its RSDP */
static paddr_t free_pa;         /* next free byte for tables made here */

/* The bytes of simulated memory at pa, to be written. */
u8 *mem(paddr_t pa, size_t len)
{
    u8 *p = physmem_at(pa, len);

    if (!p)
        fail_msg("test bug: [%#llx, +%zu) is not in simulated memory", pa, len);
    return p;
}

/* Simulated memory holding machine m's tables where its firmware put them. */
void install(const struct machine *m)
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
u8 *table(const char *sig)
{
    const struct dumped_table *t = dumped(cur, sig);

    return mem(t->pa, t->len);
}

u32 table_len(const u8 *t)
{
    u32 len;

    memcpy(&len, t + 4, 4);
    return len;
}

void set_u32(u8 *p, u32 v)
{
    memcpy(p, &v, 4);
}

void set_u64(u8 *p, u64 v)
{
    memcpy(p, &v, 8);
}

/* Make a table's bytes (over its length field) sum to zero again. */
void fix_checksum(u8 *t)
{
    u8 sum = 0;
    u32 len = table_len(t);

    t[9] = 0;
    for (u32 i = 0; i < len; i++)
        sum += t[i];
    t[9] = -sum;
}

void fix_rsdp_checksums(u8 *r)
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
paddr_t place(const void *t, size_t len)
{
    paddr_t pa = free_pa;

    memcpy(mem(pa, len), t, len);
    free_pa = ALIGN_UP(pa + len, 16);
    return pa;
}

/* A zeroed table of `len` bytes with a header (the caller fills and checksums it). */
u8 *new_table(const char *sig, u32 len)
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
paddr_t set_rsdt(const paddr_t *entries, unsigned int n)
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
unsigned int rsdt_entries(paddr_t *out, unsigned int max)
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
paddr_t substitute(const char *sig, u8 *t)
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
void drop(const char *sig)
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

struct acpi_info ai;
char parse_err[256];
char warnings[MAX_WARNINGS][256];
unsigned int nr_warnings;

void record_warning(const char *msg)
{
    if (nr_warnings < MAX_WARNINGS)
        snprintf(warnings[nr_warnings], sizeof(warnings[0]), "%s", msg);
    nr_warnings++;
}

int parse_at(paddr_t pa)
{
    nr_warnings = 0;
    memset(&ai, 0x5a, sizeof(ai));  /* acpi_parse must clear what it does not set */
    memset(parse_err, 0, sizeof(parse_err));
    return acpi_parse(pa, NULL, physmem_map, record_warning, &ai, parse_err,
                      sizeof(parse_err));
}

int parse(void)
{
    return parse_at(rsdp_pa);
}

void assert_parsed(int rc)
{
    if (rc)
        fail_msg("acpi_parse returned %d: %s", rc, parse_err);
}

void assert_no_warnings(void)
{
    if (nr_warnings)
        fail_msg("%u warning(s), the first: %s", nr_warnings, warnings[0]);
}

/* Some warning contains each of the (up to three) strings. */
void assert_warned3(const char *a, const char *b, const char *c)
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

void assert_error(int rc, int want, const char *what)
{
    if (rc != want)
        fail_msg("acpi_parse returned %d, expected %d (err: \"%s\")", rc, want,
                 parse_err);
    assert_contains(parse_err, what);
}

int setup_machines(void **state)
{
    (void)state;
    return load_machine(&q35) || load_machine(&pc) ? -1 : 0;
}

int teardown_machines(void **state)
{
    (void)state;
    free_machine(&q35);
    free_machine(&pc);
    physmem_reset();
    return 0;
}

int fresh_q35(void **state)
{
    (void)state;
    install(&q35);
    return 0;
}

int fresh_pc(void **state)
{
    (void)state;
    install(&pc);
    return 0;
}

/* ---- what QEMU's tables say ---- */

void check_qemu_madt(void)
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
    /* IRQ0 -> GSI2 (edge, high: bus default), the PCI IRQs level-triggered, active
     * high */
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

void check_qemu_common(void)
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

