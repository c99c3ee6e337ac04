/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/drivers/acpi/tables.c, the ACPI table parser: what the
 * tables say. The MADT (processors, I/O APICs, interrupt overrides and how ISA IRQs
 * map through them, NMI entries; entries malformed, too many or of unknown kinds),
 * the FADT (its ACPI 1.0 and later lengths, PM blocks, reset register, DSDT), the
 * HPET and MCFG tables, and \_S5 found in the DSDT's or an SSDT's AML. Finding the
 * tables themselves is tested by test_acpi_tables.c.
 *
 * The machines are QEMU's q35 and pc, their tables dumped and installed in simulated
 * physical memory: see support/acpi_machine.h.
 */
#include "unit.h"

#include <stdlib.h>

#include "acpi_machine.h"

#include <hv/acpi.h>
#include <hv/errno.h>

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
    struct madt_lapic_override lo = { MADT_LAPIC_OVERRIDE, sizeof(lo), 0,
                                      0x1fee00000ULL };
    u8 short_cpu[6] = { MADT_LAPIC, 6, 9, 9, 1, 0 };
    u8 unknown[7] = { 0x7f, 7, 1, 2, 3, 4, 5 };

    (void)state;
    madt_begin(&b);
    madt_lapic(&b, 0, 0, MADT_CPU_ENABLED);
    /* hot-pluggable: listed, not enabled */
    madt_lapic(&b, 1, 4, MADT_CPU_ONLINE_CAPABLE);
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
    assert_int_equal(ai.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base,
                     (ACPI_MAX_IOAPICS - 1) * 24);
    assert_warned("MADT I/O APIC entry ignored", "too many");
    assert_int_equal(ai.nr_overrides, ACPI_MAX_OVERRIDES);
    assert_warned("MADT interrupt override ignored");
    assert_int_equal(nr_warnings, 2 + 1);

    /* more processors than NR_CPUS */
    install(&q35);
    madt_begin(&b);
    for (unsigned int i = 0; i < NR_CPUS + 1; i++) {
        struct madt_x2apic x = { MADT_X2APIC, sizeof(x), 0, 1000 + i, MADT_CPU_ENABLED,
                                 i };
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

/* ---- ISA IRQs through the MADT's interrupt overrides ---- */

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
    none.overrides[0] =
        (struct acpi_override){ 3, 20, INTI_POLARITY_LOW | INTI_TRIGGER_LEVEL };
    none.overrides[1] = (struct acpi_override){ 4, 21, INTI_TRIGGER_EDGE };
    none.overrides[2] = (struct acpi_override){ 3, 22, 0 };
    assert_int_equal(acpi_isa_irq_to_gsi(&none, 3, &flags), 20);
    assert_int_equal(flags, 0xf);
    assert_int_equal(acpi_isa_irq_to_gsi(&none, 4, &flags), 21);
    assert_int_equal(flags, INTI_TRIGGER_EDGE);
    assert_int_equal(acpi_isa_irq_to_gsi(&none, 0, &flags), 0);
    assert_int_equal(flags, 0);
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
    u8 *s5 = find_bytes(copy, table_len(dsdt), "\x08_S5_\x12\x06\x04\x00\x00\x00\x00",
                        12);
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
                 0x00, 0x00, NAME_S5, 0x12, 0x06, 0x04, 0x0a, 0x07, 0x00, 0x00, 0x00,
                 0xa3),
             7, 0);
    /* "_S5_" used not as a name first (a method call, a string), then named */
    S5_FOUND(AML(0x70, '_', 'S', '5', '_', 0x60, 0x0d, '_', 'S', '5', '_', 0x00, NAME_S5,
                 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00), 1, 0);
    /* a first _S5_ whose package is not integers, then a good one */
    S5_FOUND(AML(NAME_S5, 0x12, 0x07, 0x02, 0x0d, 'x', 0x00, 0x00, NAME_S5, 0x12, 0x04,
                 0x02, 0x0a, 0x09, 0x01), 9, 1);

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

int main(void)
{
#define Q(f) cmocka_unit_test_setup(f, fresh_q35)
#define P(f) cmocka_unit_test_setup(f, fresh_pc)
    const struct CMUnitTest tests[] = {
        Q(test_isa_irq_to_gsi),
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
    };

    return cmocka_run_group_tests(tests, setup_machines, teardown_machines);
}
