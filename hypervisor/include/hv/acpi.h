/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ACPI tables the hypervisor reads: RSDP, RSDT/XSDT, MADT, FADT, HPET, MCFG, and the
 * \_S5 sleep type from the DSDT/SSDTs. Layouts from the ACPI Specification 6.4,
 * chapter 5.2. The parser (drivers/acpi/tables.c) is neutral: it reads physical
 * memory only through a callback, checks every checksum and length, and fills one
 * struct acpi_info. Host unit tests run it over tables dumped from QEMU's pc and q35
 * machines and over corrupted copies of them.
 */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include <hv/compiler.h>
#include <hv/types.h>
#include <asm/config.h>

struct acpi_rsdp {
    char signature[8];       /* "RSD PTR " */
    u8 checksum;             /* of the first 20 bytes */
    char oem_id[6];
    u8 revision;             /* 0: ACPI 1.0 (20 bytes); 2: ACPI 2.0+ (36 bytes) */
    u32 rsdt_address;
    u32 length;
    u64 xsdt_address;
    u8 extended_checksum;    /* of all `length` bytes */
    u8 reserved[3];
} __packed;

struct acpi_header {
    char signature[4];
    u32 length;
    u8 revision;
    u8 checksum;
    char oem_id[6];
    char oem_table_id[8];
    u32 oem_revision;
    u32 creator_id;
    u32 creator_revision;
} __packed;

/* Generic Address Structure (5.2.3.2). */
struct acpi_gas {
    u8 space_id;             /* ACPI_GAS_* */
    u8 bit_width;
    u8 bit_offset;
    u8 access_size;
    u64 address;
} __packed;

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1
#define ACPI_GAS_PCI    2

struct acpi_madt {
    struct acpi_header h;
    u32 lapic_address;
    u32 flags;               /* bit 0: PC-AT compatible dual 8259s present */
} __packed;

#define MADT_PCAT_COMPAT 1

enum {
    MADT_LAPIC = 0,
    MADT_IOAPIC = 1,
    MADT_INT_OVERRIDE = 2,
    MADT_NMI_SOURCE = 3,
    MADT_LAPIC_NMI = 4,
    MADT_LAPIC_OVERRIDE = 5,
    MADT_X2APIC = 9,
    MADT_X2APIC_NMI = 10,
};

struct madt_entry {
    u8 type, length;
} __packed;

struct madt_lapic {
    u8 type, length;
    u8 acpi_uid;
    u8 apic_id;
    u32 flags;               /* bit 0: enabled; bit 1: online capable */
} __packed;

struct madt_ioapic {
    u8 type, length;
    u8 id, reserved;
    u32 address;
    u32 gsi_base;
} __packed;

struct madt_int_override {
    u8 type, length;
    u8 bus;                  /* 0: ISA */
    u8 source;               /* ISA IRQ */
    u32 gsi;
    u16 flags;               /* MPS INTI flags: polarity bits 0-1, trigger bits 2-3 */
} __packed;

struct madt_lapic_nmi {
    u8 type, length;
    u8 acpi_uid;             /* 0xff: all processors */
    u16 flags;
    u8 lint;
} __packed;

struct madt_lapic_override {
    u8 type, length;
    u16 reserved;
    u64 address;
} __packed;

struct madt_x2apic {
    u8 type, length;
    u16 reserved;
    u32 x2apic_id;
    u32 flags;
    u32 acpi_uid;
} __packed;

struct madt_x2apic_nmi {
    u8 type, length;
    u16 flags;
    u32 acpi_uid;            /* 0xffffffff: all processors */
    u8 lint;
    u8 reserved[3];
} __packed;

#define MADT_CPU_ENABLED        (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* MPS INTI flags (ACPI 5.2.12.5). */
#define INTI_POLARITY_MASK  0x3
#define INTI_POLARITY_HIGH  0x1
#define INTI_POLARITY_LOW   0x3
#define INTI_TRIGGER_MASK   0xc
#define INTI_TRIGGER_EDGE   0x4
#define INTI_TRIGGER_LEVEL  0xc

/* The FADT, up to the fields we use (the table is longer in newer revisions). */
struct acpi_fadt {
    struct acpi_header h;
    u32 firmware_ctrl;
    u32 dsdt;
    u8 reserved0;
    u8 preferred_pm_profile;
    u16 sci_int;
    u32 smi_cmd;
    u8 acpi_enable;
    u8 acpi_disable;
    u8 s4bios_req;
    u8 pstate_cnt;
    u32 pm1a_evt_blk, pm1b_evt_blk;
    u32 pm1a_cnt_blk, pm1b_cnt_blk;
    u32 pm2_cnt_blk;
    u32 pm_tmr_blk;
    u32 gpe0_blk, gpe1_blk;
    u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
    u8 gpe0_blk_len, gpe1_blk_len, gpe1_base;
    u8 cst_cnt;
    u16 p_lvl2_lat, p_lvl3_lat;
    u16 flush_size, flush_stride;
    u8 duty_offset, duty_width;
    u8 day_alrm, mon_alrm, century;
    u16 iapc_boot_arch;      /* offset 109 */
    u8 reserved1;
    u32 flags;               /* offset 112 */
    struct acpi_gas reset_reg; /* offset 116, ACPI 2.0+ */
    u8 reset_value;          /* offset 128 */
    u16 arm_boot_arch;
    u8 minor_version;
    u64 x_firmware_ctrl;     /* offset 132 */
    u64 x_dsdt;              /* offset 140 */
    struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
    struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk; /* offsets 172, 184 */
    struct acpi_gas x_pm2_cnt_blk;
    struct acpi_gas x_pm_tmr_blk;                 /* offset 208 */
} __packed;

#define FADT_TMR_VAL_EXT   (1u << 8)   /* PM timer is 32 bits (else 24) */
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED    (1u << 20)

#define PM1_CNT_SCI_EN     (1u << 0)
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN     (1u << 13)

struct acpi_hpet {
    struct acpi_header h;
    u32 event_timer_block_id;
    struct acpi_gas address;
    u8 hpet_number;
    u16 min_tick;
    u8 page_protection;
} __packed;

struct acpi_mcfg {
    struct acpi_header h;
    u64 reserved;
} __packed;

struct mcfg_entry {
    u64 base;
    u16 segment;
    u8 bus_start, bus_end;
    u32 reserved;
} __packed;

/* ---- what the parser found ---- */

#define ACPI_MAX_TABLES   64
#define ACPI_MAX_IOAPICS  16
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_NMIS     16
#define ACPI_MAX_MCFG     8

struct acpi_table_ref {
    char sig[5];
    paddr_t pa;
    u32 length;
    u8 revision;
    char oem_id[7];
};

struct acpi_cpu {
    u32 apic_id;
    u32 acpi_uid;
    bool enabled;            /* usable now (else: only online-capable, or disabled) */
};

struct acpi_ioapic {
    u32 id;
    paddr_t address;
    u32 gsi_base;
};

struct acpi_override {
    u8 isa_irq;
    u32 gsi;
    u16 flags;
};

struct acpi_lapic_nmi {
    u32 acpi_uid;            /* 0xffffffff: all */
    u8 lint;
    u16 flags;
};

struct acpi_info {
    paddr_t rsdp_pa;         /* 0 when the RSDP came as a copy (Multiboot 2) */
    u8 revision;
    char oem_id[7];
    bool using_xsdt;

    unsigned int nr_tables;
    struct acpi_table_ref tables[ACPI_MAX_TABLES];

    /* MADT */
    bool have_madt;
    paddr_t lapic_address;
    bool pcat_compat;
    unsigned int nr_cpus;    /* entries in cpus[] (enabled or not) */
    struct acpi_cpu cpus[NR_CPUS];
    unsigned int nr_ioapics;
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    unsigned int nr_overrides;
    struct acpi_override overrides[ACPI_MAX_OVERRIDES];
    unsigned int nr_lapic_nmis;
    struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_NMIS];

    /* FADT */
    bool have_fadt;
    bool hw_reduced;
    u16 sci_irq;
    u32 smi_cmd;
    u8 acpi_enable;
    u32 pm1a_cnt, pm1b_cnt;  /* I/O ports, 0 when absent */
    u32 pm_tmr;              /* I/O port, 0 when absent */
    bool pm_tmr_32bit;
    bool reset_supported;
    struct acpi_gas reset_reg;
    u8 reset_value;
    u16 iapc_boot_arch;
    paddr_t dsdt;

    /* \_S5 (soft off) sleep type values, from the DSDT or an SSDT */
    bool have_s5;
    u8 s5_typ_a, s5_typ_b;

    /* HPET */
    bool have_hpet;
    paddr_t hpet_address;
    u8 hpet_number;
    u16 hpet_min_tick;

    /* MCFG: PCI Express memory-mapped configuration */
    unsigned int nr_mcfg;
    struct {
        paddr_t base;
        u16 segment;
        u8 bus_start, bus_end;
    } mcfg[ACPI_MAX_MCFG];
};

/* Map `len` bytes of physical memory for reading, or NULL when impossible. */
typedef const void *(*acpi_map_fn)(paddr_t pa, size_t len);
/* Called with a sentence for every problem that does not stop the parse. */
typedef void (*acpi_warn_fn)(const char *msg);

/*
 * Look for the RSDP where the BIOS puts it: the first KiB of the EBDA and the BIOS
 * area 0xE0000-0xFFFFF, on 16-byte boundaries, with a valid checksum.
 * Returns its physical address, or 0.
 */
paddr_t acpi_find_rsdp(acpi_map_fn map);

/*
 * Parse the tables from an RSDP (at physical `rsdp_pa`, or given as a copy in
 * `rsdp_copy` when rsdp_pa is 0). Returns 0, or -ENOENT / -EINVAL with a sentence in
 * err when the table tree cannot be used at all (bad RSDP, no valid RSDT/XSDT, no MADT).
 * A bad table other than those is skipped with a warning.
 */
int acpi_parse(paddr_t rsdp_pa, const void *rsdp_copy, acpi_map_fn map, acpi_warn_fn warn,
               struct acpi_info *out, char *err, size_t errlen);

/* The GSI and INTI flags for an ISA IRQ, after the MADT's overrides. */
u32 acpi_isa_irq_to_gsi(const struct acpi_info *ai, unsigned int irq, u16 *flags);

/*
 * Find "\_S5_" in AML and read its first two package elements (SLP_TYPa, SLP_TYPb).
 * Returns true when found.
 */
bool acpi_aml_find_s5(const u8 *aml, size_t len, u8 *typ_a, u8 *typ_b);

extern struct acpi_info acpi_info;

/* Find and parse the host's tables into acpi_info; 0, or -1 with a sentence in err. */
int acpi_boot_init(char *err, size_t errlen);

#endif /* HV_ACPI_H */
