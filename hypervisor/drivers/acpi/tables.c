/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ACPI table parser (see hv/acpi.h). Every table is read through the map
 * callback, its length bounded and its checksum verified before any field is used.
 */
#include <hv/acpi.h>
#include <hv/errno.h>
#include <hv/lib.h>

BUILD_BUG_ON(sizeof(struct acpi_rsdp) != 36);
BUILD_BUG_ON(sizeof(struct acpi_header) != 36);
BUILD_BUG_ON(__builtin_offsetof(struct acpi_fadt, iapc_boot_arch) != 109);
BUILD_BUG_ON(__builtin_offsetof(struct acpi_fadt, flags) != 112);
BUILD_BUG_ON(__builtin_offsetof(struct acpi_fadt, reset_reg) != 116);
BUILD_BUG_ON(__builtin_offsetof(struct acpi_fadt, x_dsdt) != 140);
BUILD_BUG_ON(__builtin_offsetof(struct acpi_fadt, x_pm1a_cnt_blk) != 172);
BUILD_BUG_ON(__builtin_offsetof(struct acpi_fadt, x_pm_tmr_blk) != 208);
BUILD_BUG_ON(sizeof(struct mcfg_entry) != 16);

#define MAX_TABLE_LEN (16u << 20)  /* no sane table is larger; DSDTs are < 1 MiB */

struct ctx {
    acpi_map_fn map;
    acpi_warn_fn warn;
    struct acpi_info *ai;
};

static u8 checksum(const void *p, size_t len)
{
    const u8 *b = p;
    u8 sum = 0;

    while (len--)
        sum += *b++;
    return sum;
}

static void warnf(struct ctx *c, const char *fmt, ...) __printf(2, 3);
static void warnf(struct ctx *c, const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    if (!c->warn)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->warn(msg);
}

/* An RSDP at `pa` (or given as `copy` when pa is 0): 20 bytes in ACPI 1.0, 36 after. */
static bool rsdp_valid(acpi_map_fn map, paddr_t pa, const void *copy)
{
    const struct acpi_rsdp *r = pa ? map(pa, 20) : copy;

    if (!r || memcmp(r->signature, "RSD PTR ", 8) || checksum(r, 20))
        return false;
    if (r->revision < 2)
        return true;
    if (pa)
        r = map(pa, 36);
    return r && r->length >= 36 && !checksum(r, 36);
}

paddr_t acpi_find_rsdp(acpi_map_fn map)
{
    const u16 *ebda_seg = map(0x40e, 2);
    struct {
        paddr_t start, len;
    } areas[2] = { { 0, 0 }, { 0xe0000, 0x20000 } };

    if (ebda_seg && *ebda_seg)
        areas[0].start = (paddr_t)*ebda_seg << 4, areas[0].len = 1024;
    for (unsigned int a = 0; a < 2; a++) {
        for (paddr_t pa = areas[a].start; pa + 20 <= areas[a].start + areas[a].len;
             pa += 16) {
            if (rsdp_valid(map, pa, NULL))
                return pa;
        }
    }
    return 0;
}

/* Map a whole table after checking its header; NULL (with a warning) if unusable. */
static const struct acpi_header *map_table(struct ctx *c, paddr_t pa, const char *want)
{
    const struct acpi_header *h = c->map(pa, sizeof(*h));
    char sig[5];

    if (!h) {
        warnf(c, "table at %#llx is not in readable memory", (unsigned long long)pa);
        return NULL;
    }
    memcpy(sig, h->signature, 4);
    sig[4] = '\0';
    if (want && memcmp(sig, want, 4)) {
        warnf(c, "expected %s at %#llx, found '%.4s'", want, (unsigned long long)pa, sig);
        return NULL;
    }
    if (h->length < sizeof(*h) || h->length > MAX_TABLE_LEN) {
        warnf(c, "%s at %#llx has an impossible length %u", sig, (unsigned long long)pa,
              h->length);
        return NULL;
    }
    h = c->map(pa, h->length);
    if (!h) {
        warnf(c, "%s at %#llx runs past readable memory", sig, (unsigned long long)pa);
        return NULL;
    }
    if (checksum(h, h->length)) {
        warnf(c, "%s at %#llx has a bad checksum; ignored", sig, (unsigned long long)pa);
        return NULL;
    }
    return h;
}

static void parse_madt(struct ctx *c, const struct acpi_madt *m)
{
    struct acpi_info *ai = c->ai;
    const u8 *p = (const u8 *)(m + 1), *end = (const u8 *)m + m->h.length;

    if (m->h.length < sizeof(*m)) {
        warnf(c, "MADT is too short");
        return;
    }
    ai->have_madt = true;
    ai->lapic_address = m->lapic_address;
    ai->pcat_compat = m->flags & MADT_PCAT_COMPAT;

    while (p + sizeof(struct madt_entry) <= end) {
        const struct madt_entry *e = (const void *)p;

        if (e->length < 2 || p + e->length > end) {
            warnf(c, "MADT entry of type %u has a bad length %u; rest of MADT ignored",
                  e->type, e->length);
            return;
        }
        switch (e->type) {
        case MADT_LAPIC:
        case MADT_X2APIC: {
            u32 id, uid, flags;
            if (e->type == MADT_LAPIC && e->length >= sizeof(struct madt_lapic)) {
                const struct madt_lapic *l = (const void *)e;
                id = l->apic_id, uid = l->acpi_uid, flags = l->flags;
            } else if (e->type == MADT_X2APIC && e->length >= sizeof(struct madt_x2apic)) {
                const struct madt_x2apic *x = (const void *)e;
                id = x->x2apic_id, uid = x->acpi_uid, flags = x->flags;
            } else {
                warnf(c, "MADT processor entry is too short");
                break;
            }
            if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
                break; /* not present at all */
            if (ai->nr_cpus == NR_CPUS) {
                warnf(c, "more than %u CPUs; APIC ID %u ignored", NR_CPUS, id);
                break;
            }
            ai->cpus[ai->nr_cpus].apic_id = id;
            ai->cpus[ai->nr_cpus].acpi_uid = uid;
            ai->cpus[ai->nr_cpus].enabled = flags & MADT_CPU_ENABLED;
            ai->nr_cpus++;
            break;
        }
        case MADT_IOAPIC: {
            const struct madt_ioapic *io = (const void *)e;
            if (e->length < sizeof(*io) || ai->nr_ioapics == ACPI_MAX_IOAPICS) {
                warnf(c, "MADT I/O APIC entry ignored (too short, or too many)");
                break;
            }
            ai->ioapics[ai->nr_ioapics].id = io->id;
            ai->ioapics[ai->nr_ioapics].address = io->address;
            ai->ioapics[ai->nr_ioapics].gsi_base = io->gsi_base;
            ai->nr_ioapics++;
            break;
        }
        case MADT_INT_OVERRIDE: {
            const struct madt_int_override *o = (const void *)e;
            if (e->length < sizeof(*o) || ai->nr_overrides == ACPI_MAX_OVERRIDES ||
                o->bus != 0) {
                warnf(c, "MADT interrupt override ignored");
                break;
            }
            ai->overrides[ai->nr_overrides].isa_irq = o->source;
            ai->overrides[ai->nr_overrides].gsi = o->gsi;
            ai->overrides[ai->nr_overrides].flags = o->flags;
            ai->nr_overrides++;
            break;
        }
        case MADT_LAPIC_NMI:
        case MADT_X2APIC_NMI: {
            struct acpi_lapic_nmi *n = &ai->lapic_nmis[ai->nr_lapic_nmis];
            if (ai->nr_lapic_nmis == ACPI_MAX_NMIS)
                break;
            if (e->type == MADT_LAPIC_NMI && e->length >= sizeof(struct madt_lapic_nmi)) {
                const struct madt_lapic_nmi *l = (const void *)e;
                n->acpi_uid = l->acpi_uid == 0xff ? 0xffffffff : l->acpi_uid;
                n->lint = l->lint;
                n->flags = l->flags;
            } else if (e->type == MADT_X2APIC_NMI &&
                       e->length >= sizeof(struct madt_x2apic_nmi)) {
                const struct madt_x2apic_nmi *x = (const void *)e;
                n->acpi_uid = x->acpi_uid;
                n->lint = x->lint;
                n->flags = x->flags;
            } else {
                break;
            }
            ai->nr_lapic_nmis++;
            break;
        }
        case MADT_LAPIC_OVERRIDE: {
            const struct madt_lapic_override *o = (const void *)e;
            if (e->length >= sizeof(*o))
                ai->lapic_address = o->address;
            break;
        }
        default:
            break;
        }
        p += e->length;
    }
}

/* Does the FADT (of length len) contain the field at [off, off+size)? */
#define FADT_HAS(len, field)                                                             \
    ((len) >= __builtin_offsetof(struct acpi_fadt, field) +                              \
                  sizeof(((struct acpi_fadt *)0)->field))

static u32 fadt_io_port(u32 legacy, const struct acpi_gas *x, bool have_x)
{
    if (have_x && x->address && x->space_id == ACPI_GAS_IO)
        return (u32)x->address;
    return legacy;
}

static void parse_fadt(struct ctx *c, const struct acpi_fadt *f)
{
    struct acpi_info *ai = c->ai;
    u32 len = f->h.length;

    if (!FADT_HAS(len, flags)) {
        warnf(c, "FADT is too short (%u bytes)", len);
        return;
    }
    ai->have_fadt = true;
    ai->sci_irq = f->sci_int;
    ai->smi_cmd = f->smi_cmd;
    ai->acpi_enable = f->acpi_enable;
    ai->hw_reduced = f->flags & FADT_HW_REDUCED;
    ai->iapc_boot_arch = f->iapc_boot_arch;
    ai->pm1a_cnt = fadt_io_port(f->pm1a_cnt_blk, &f->x_pm1a_cnt_blk,
                                FADT_HAS(len, x_pm1a_cnt_blk));
    ai->pm1b_cnt = fadt_io_port(f->pm1b_cnt_blk, &f->x_pm1b_cnt_blk,
                                FADT_HAS(len, x_pm1b_cnt_blk));
    ai->pm_tmr = f->pm_tmr_len == 4 ? fadt_io_port(f->pm_tmr_blk, &f->x_pm_tmr_blk,
                                                   FADT_HAS(len, x_pm_tmr_blk))
                                    : 0;
    ai->pm_tmr_32bit = f->flags & FADT_TMR_VAL_EXT;
    if (FADT_HAS(len, reset_value) && (f->flags & FADT_RESET_REG_SUP) &&
        f->reset_reg.address) {
        ai->reset_supported = true;
        ai->reset_reg = f->reset_reg;
        ai->reset_value = f->reset_value;
    }
    ai->dsdt = (FADT_HAS(len, x_dsdt) && f->x_dsdt) ? f->x_dsdt : f->dsdt;
}

static void parse_hpet(struct ctx *c, const struct acpi_hpet *h)
{
    if (h->h.length < sizeof(*h) || h->address.space_id != ACPI_GAS_MEMORY) {
        warnf(c, "HPET table is malformed; ignored");
        return;
    }
    c->ai->have_hpet = true;
    c->ai->hpet_address = h->address.address;
    c->ai->hpet_number = h->hpet_number;
    c->ai->hpet_min_tick = h->min_tick;
}

static void parse_mcfg(struct ctx *c, const struct acpi_mcfg *m)
{
    const struct mcfg_entry *e = (const void *)(m + 1);
    size_t n = (m->h.length - sizeof(*m)) / sizeof(*e);

    if (m->h.length < sizeof(*m))
        return;
    for (size_t i = 0; i < n && c->ai->nr_mcfg < ACPI_MAX_MCFG; i++) {
        if (e[i].bus_end < e[i].bus_start) {
            warnf(c, "MCFG entry %zu has an empty bus range; ignored", i);
            continue;
        }
        c->ai->mcfg[c->ai->nr_mcfg].base = e[i].base;
        c->ai->mcfg[c->ai->nr_mcfg].segment = e[i].segment;
        c->ai->mcfg[c->ai->nr_mcfg].bus_start = e[i].bus_start;
        c->ai->mcfg[c->ai->nr_mcfg].bus_end = e[i].bus_end;
        c->ai->nr_mcfg++;
    }
}

/* AML: read one package element that is a small integer (ACPI 20.2.3). */
static bool aml_small_int(const u8 **p, const u8 *end, u8 *val)
{
    if (*p >= end)
        return false;
    switch (**p) {
    case 0x00: /* ZeroOp */
        *val = 0, (*p)++;
        return true;
    case 0x01: /* OneOp */
        *val = 1, (*p)++;
        return true;
    case 0x0a: /* BytePrefix */
        if (*p + 2 > end)
            return false;
        *val = (*p)[1], *p += 2;
        return true;
    case 0x0b: /* WordPrefix: the sleep types are 3 bits, take the low byte */
        if (*p + 3 > end)
            return false;
        *val = (*p)[1], *p += 3;
        return true;
    default:
        return false;
    }
}

bool acpi_aml_find_s5(const u8 *aml, size_t len, u8 *typ_a, u8 *typ_b)
{
    const u8 *end = aml + len;

    for (const u8 *p = aml; p + 4 < end; p++) {
        const u8 *q;
        unsigned int pkglen_bytes;

        if (memcmp(p, "_S5_", 4))
            continue;
        /* NameOp, optionally followed by the root prefix '\'. */
        if (!((p > aml && p[-1] == 0x08) || (p > aml + 1 && p[-1] == '\\' && p[-2] == 0x08)))
            continue;
        q = p + 4;
        if (q >= end || *q != 0x12) /* PackageOp */
            continue;
        q++;
        if (q >= end)
            continue;
        pkglen_bytes = (*q >> 6) + 1; /* PkgLength lead byte: bits 7-6 = extra bytes */
        q += pkglen_bytes + 1;         /* skip PkgLength and NumElements */
        if (q >= end)
            continue;
        if (aml_small_int(&q, end, typ_a) && aml_small_int(&q, end, typ_b))
            return true;
    }
    return false;
}

static void record(struct ctx *c, const struct acpi_header *h, paddr_t pa)
{
    struct acpi_table_ref *t;

    if (c->ai->nr_tables == ACPI_MAX_TABLES)
        return;
    t = &c->ai->tables[c->ai->nr_tables++];
    memcpy(t->sig, h->signature, 4);
    t->sig[4] = '\0';
    t->pa = pa;
    t->length = h->length;
    t->revision = h->revision;
    memcpy(t->oem_id, h->oem_id, 6);
    t->oem_id[6] = '\0';
}

static void parse_table(struct ctx *c, paddr_t pa)
{
    const struct acpi_header *h = map_table(c, pa, NULL);

    if (!h)
        return;
    record(c, h, pa);
    if (!memcmp(h->signature, "APIC", 4))
        parse_madt(c, (const void *)h);
    else if (!memcmp(h->signature, "FACP", 4))
        parse_fadt(c, (const void *)h);
    else if (!memcmp(h->signature, "HPET", 4))
        parse_hpet(c, (const void *)h);
    else if (!memcmp(h->signature, "MCFG", 4))
        parse_mcfg(c, (const void *)h);
    else if (!memcmp(h->signature, "SSDT", 4) && !c->ai->have_s5)
        c->ai->have_s5 = acpi_aml_find_s5((const u8 *)(h + 1), h->length - sizeof(*h),
                                          &c->ai->s5_typ_a, &c->ai->s5_typ_b);
}

/* Walk the RSDT (4-byte entries) or XSDT (8-byte entries). */
static bool parse_root(struct ctx *c, paddr_t pa, bool xsdt)
{
    const struct acpi_header *root = map_table(c, pa, xsdt ? "XSDT" : "RSDT");
    size_t esz = xsdt ? 8 : 4, n;
    const u8 *entries;

    if (!root)
        return false;
    record(c, root, pa);
    entries = (const u8 *)(root + 1);
    n = (root->length - sizeof(*root)) / esz;
    for (size_t i = 0; i < n; i++) {
        u64 tpa = 0;
        memcpy(&tpa, entries + i * esz, esz);
        if (tpa)
            parse_table(c, tpa);
    }
    return true;
}

int acpi_parse(paddr_t rsdp_pa, const void *rsdp_copy, acpi_map_fn map, acpi_warn_fn warn,
               struct acpi_info *out, char *err, size_t errlen)
{
    struct ctx c = { .map = map, .warn = warn, .ai = out };
    const struct acpi_rsdp *r;
    bool ok = false;

    memset(out, 0, sizeof(*out));
    if (!rsdp_valid(map, rsdp_pa, rsdp_copy)) {
        hv_strlcpy(err, "the ACPI RSDP is missing or has a bad checksum", errlen);
        return -ENOENT;
    }
    r = rsdp_pa ? map(rsdp_pa, 20) : rsdp_copy;
    out->rsdp_pa = rsdp_pa;
    out->revision = r->revision;
    memcpy(out->oem_id, r->oem_id, 6);

    /* ACPI 2.0+: the XSDT takes precedence; fall back to the RSDT if it is broken. */
    if (r->revision >= 2) {
        const struct acpi_rsdp *r2 = rsdp_pa ? map(rsdp_pa, 36) : rsdp_copy;
        if (r2->xsdt_address)
            ok = parse_root(&c, r2->xsdt_address, true);
        out->using_xsdt = ok;
    }
    if (!ok && r->rsdt_address)
        ok = parse_root(&c, r->rsdt_address, false);
    if (!ok) {
        hv_strlcpy(err, "neither the XSDT nor the RSDT is valid", errlen);
        return -EINVAL;
    }

    if (out->dsdt && !out->have_s5) {
        const struct acpi_header *d = map_table(&c, out->dsdt, "DSDT");
        if (d) {
            record(&c, d, out->dsdt);
            out->have_s5 = acpi_aml_find_s5((const u8 *)(d + 1), d->length - sizeof(*d),
                                            &out->s5_typ_a, &out->s5_typ_b);
        }
    }
    if (!out->have_madt) {
        hv_strlcpy(err, "there is no valid MADT (the table of CPUs and interrupt "
                        "controllers)", errlen);
        return -EINVAL;
    }
    if (out->nr_cpus == 0) {
        hv_strlcpy(err, "the MADT lists no processor", errlen);
        return -EINVAL;
    }
    return 0;
}

u32 acpi_isa_irq_to_gsi(const struct acpi_info *ai, unsigned int irq, u16 *flags)
{
    for (unsigned int i = 0; i < ai->nr_overrides; i++) {
        if (ai->overrides[i].isa_irq == irq) {
            *flags = ai->overrides[i].flags;
            return ai->overrides[i].gsi;
        }
    }
    *flags = 0; /* conforms to the bus: ISA is edge-triggered, active high */
    return irq;
}
