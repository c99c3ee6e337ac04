/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Finding an ACPI table: the RSDP from the PVH start info (boot_info.rsdp), else by
 * its signature on a 16-byte boundary in the first KiB of the EBDA or in the BIOS
 * area 0xe0000-0xfffff (ACPI spec, "Finding the RSDP on IA-PC Systems"); then the
 * XSDT (revision 2 and later, 64-bit pointers) or the RSDT (32-bit pointers). Every
 * structure's checksum is verified; tables above 4 GiB are not looked at (the
 * identity map covers 4 GiB).
 */
#include "devices.h"

struct rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;                    /* revision 2 and later */
    uint64_t xsdt;
    uint8_t xchecksum, reserved[3];
} __attribute__((packed));

static bool sum_ok(const volatile void *p, uint32_t len)
{
    const volatile uint8_t *b = p;
    uint8_t sum = 0;

    for (uint32_t i = 0; i < len; i++)
        sum += b[i];
    return sum == 0;
}

static const struct rsdp *rsdp_at(unsigned long addr)
{
    const struct rsdp *r = (const struct rsdp *)phys_ptr(addr);

    if (memcmp(r->signature, "RSD PTR ", 8) || !sum_ok(r, 20))
        return NULL;
    return r;
}

static const struct rsdp *find_rsdp(void)
{
    const struct rsdp *r;
    unsigned long ebda;

    if (boot_info.rsdp && boot_info.rsdp < 0x100000000ull &&
        (r = rsdp_at((unsigned long)boot_info.rsdp)))
        return r;
    ebda = (unsigned long)*(volatile uint16_t *)phys_ptr(0x40e) << 4;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        for (unsigned long a = ebda; a < ebda + 1024; a += 16)
            if ((r = rsdp_at(a)))
                return r;
    for (unsigned long a = 0xe0000; a < 0x100000; a += 16)
        if ((r = rsdp_at(a)))
            return r;
    return NULL;
}

static const struct acpi_header *table_at(uint64_t addr)
{
    const struct acpi_header *h;

    if (!addr || addr >= 0x100000000ull)
        return NULL;
    h = (const struct acpi_header *)phys_ptr((unsigned long)addr);
    if (h->length < sizeof(*h) || !sum_ok(h, h->length))
        return NULL;
    return h;
}

const struct acpi_header *acpi_find_table(const char *signature)
{
    const struct rsdp *r = find_rsdp();
    const struct acpi_header *root, *t;
    bool x = false;
    unsigned int n;

    if (!r)
        return NULL;
    if (r->revision >= 2 && r->xsdt && sum_ok(r, r->length) && (root = table_at(r->xsdt)))
        x = true;
    else if (!(root = table_at(r->rsdt)))
        return NULL;

    n = (root->length - sizeof(*root)) / (x ? 8 : 4);
    for (unsigned int i = 0; i < n; i++) {
        const volatile uint8_t *e = (const volatile uint8_t *)(root + 1) + i * (x ? 8 : 4);
        uint64_t addr = *(const volatile uint32_t *)e;

        if (x)
            addr |= (uint64_t)*(const volatile uint32_t *)(e + 4) << 32;
        t = table_at(addr);
        if (t && !memcmp(t->signature, signature, 4))
            return t;
    }
    return NULL;
}
