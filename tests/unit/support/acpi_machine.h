/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The machines of the ACPI parser's unit tests (test_acpi_tables.c and
 * test_acpi_contents.c), built in support/acpi_machine.c.
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
#ifndef UNIT_ACPI_MACHINE_H
#define UNIT_ACPI_MACHINE_H

#include "unit.h"

#include <hv/acpi.h>

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

/* Loaded by setup_machines(), freed by teardown_machines(). */
extern struct machine q35, pc;

/* Where QEMU (SeaBIOS) puts its tables: the last 128 KiB below 1 GiB. */
#define ACPI_AREA      0x3ffe0000ULL
#define ACPI_AREA_SIZE 0x20000ULL
#define FREE_SPACE     0x3ffe8000ULL   /* above QEMU's tables: for tables made here */
#define BIOS_AREA      0xe0000ULL
#define BIOS_AREA_SIZE 0x20000ULL
#define UNREADABLE     0x7fff0000ULL

/* Machine m's dumped table `sig` (fails the test when it has none). */
const struct dumped_table *dumped(const struct machine *m, const char *sig);

/* ---- the simulated machine ---- */

extern const struct machine *cur;       /* installed */
extern paddr_t rsdp_pa;                  /* its RSDP */

/* The first occurrence of `needle` in `hay`, or NULL. */
u8 *find_bytes(u8 *hay, size_t n, const void *needle, size_t m);

/* The bytes of simulated memory at pa, to be written. */
u8 *mem(paddr_t pa, size_t len);

/* Simulated memory holding machine m's tables where its firmware put them. */
void install(const struct machine *m);

/* An installed table, in simulated memory. */
u8 *table(const char *sig);

u32 table_len(const u8 *t);
void set_u32(u8 *p, u32 v);
void set_u64(u8 *p, u64 v);

/* Make a table's bytes (over its length field) sum to zero again. */
void fix_checksum(u8 *t);

/* The same for an RSDP: the ACPI 1.0 checksum, and the extended one from revision 2. */
void fix_rsdp_checksums(u8 *r);

/* Copy a table made here into free simulated memory; returns its address. */
paddr_t place(const void *t, size_t len);

/* A zeroed table of `len` bytes with a header (the caller fills and checksums it). */
u8 *new_table(const char *sig, u32 len);

/* Replace the RSDT by one listing `entries` (made here), and point the RSDP at it. */
paddr_t set_rsdt(const paddr_t *entries, unsigned int n);

/* The installed RSDT's entries, in a caller's array; returns their count. */
unsigned int rsdt_entries(paddr_t *out, unsigned int max);

/* Put table `t` (made here, then freed) where the RSDT listed `sig`, or add it when
 * `sig` is NULL. */
paddr_t substitute(const char *sig, u8 *t);

/* Drop the table `sig` from the RSDT. */
void drop(const char *sig);

/* ---- parsing, warnings ---- */

/* What the last parse found, its error message, and the warnings it gave. */
extern struct acpi_info ai;
extern char parse_err[256];
#define MAX_WARNINGS 64
extern char warnings[MAX_WARNINGS][256];
extern unsigned int nr_warnings;

/* The warning callback given to acpi_parse(): records into warnings[]. */
void record_warning(const char *msg);

/* acpi_parse() of the RSDP at pa (parse(): the installed one), after scribbling over
 * ai so that what the parser does not set shows. */
int parse_at(paddr_t pa);
int parse(void);

void assert_parsed(int rc);
void assert_no_warnings(void);

/* Some warning contains each of the (up to three) strings. */
void assert_warned3(const char *a, const char *b, const char *c);
#define assert_warned(...) assert_warned_(__VA_ARGS__, NULL, NULL)
#define assert_warned_(a, b, c, ...) assert_warned3(a, b, c)

/* acpi_parse() returned `want`, with an error message containing `what`. */
void assert_error(int rc, int want, const char *what);

/* cmocka group setup and teardown (loading the dumps), and test setups installing a
 * fresh machine. */
int setup_machines(void **state);
int teardown_machines(void **state);
int fresh_q35(void **state);
int fresh_pc(void **state);

/* ---- what QEMU's tables say ---- */

/* ai holds QEMU's MADT (both machines' are the same). */
void check_qemu_madt(void);

/* ai holds what both machines' tables say: the MADT, FADT, HPET and \_S5. */
void check_qemu_common(void);

#endif /* UNIT_ACPI_MACHINE_H */
