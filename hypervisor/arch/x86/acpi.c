/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ACPI on the host: find and parse the tables (drivers/acpi/tables.c does the
 * parsing), and use them to power off (S5) and reset the machine.
 */
#include <hv/acpi.h>
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/panic.h>
#include <hv/shutdown.h>
#include <hv/time.h>
#include <asm/mm.h>
#include <asm/processor.h>

struct acpi_info acpi_info;

/* Firmware tables are ordinary memory: map them read-only, cached, in windows of at
 * least 64 KiB so that neighbouring tables share one. */
#define WINDOW_MIN (64 * 1024)
#define MAX_WINDOWS 32
static struct {
    paddr_t start, end;
    const u8 *va;
} windows[MAX_WINDOWS];
static unsigned int nr_windows;

static const void *acpi_map(paddr_t pa, size_t len)
{
    paddr_t start, end;
    const u8 *va;

    if (len == 0 || pa + len < pa)
        return NULL;
    for (unsigned int i = 0; i < nr_windows; i++)
        if (pa >= windows[i].start && pa + len <= windows[i].end)
            return windows[i].va + (pa - windows[i].start);
    if (nr_windows == MAX_WINDOWS)
        return NULL;
    start = ALIGN_DOWN(pa, PAGE_SIZE);
    end = ALIGN_UP(max(pa + len, start + WINDOW_MIN), PAGE_SIZE);
    va = vmap_phys(start, end - start, PAGE_HYPERVISOR_RO);
    if (!va)
        return NULL;
    windows[nr_windows].start = start;
    windows[nr_windows].end = end;
    windows[nr_windows].va = va;
    nr_windows++;
    return va + (pa - start);
}

static void acpi_warn(const char *msg)
{
    printk(LOG_WARN "ACPI: %s\n", msg);
}

int acpi_boot_init(char *err, size_t errlen)
{
    paddr_t rsdp = 0;
    int rc;

    if (!boot_info.have_rsdp) {
        rsdp = acpi_find_rsdp(acpi_map);
        if (!rsdp) {
            hv_strlcpy(err, "no ACPI RSDP found (in the loader's information, the EBDA "
                            "or the BIOS area)", errlen);
            return -1;
        }
    }
    rc = acpi_parse(rsdp, boot_info.have_rsdp ? boot_info.rsdp : NULL, acpi_map, acpi_warn,
                    &acpi_info, err, errlen);
    if (rc)
        return rc;

    printk("ACPI: RSDP revision %u from %s (OEM '%s'), %s\n", acpi_info.revision,
           rsdp ? "the BIOS area" : "the boot loader", acpi_info.oem_id,
           acpi_info.using_xsdt ? "XSDT" : "RSDT");
    {
        char list[ACPI_MAX_TABLES * 5 + 1];
        size_t n = 0;
        for (unsigned int i = 0; i < acpi_info.nr_tables; i++)
            n += snprintf(list + n, sizeof(list) - n, " %s", acpi_info.tables[i].sig);
        printk("ACPI: tables:%s\n", list);
    }
    printk("ACPI: %u CPUs, %u IO-APICs, HPET %s, PM timer %s, S5 %s, %u MCFG region(s)\n",
           acpi_info.nr_cpus, acpi_info.nr_ioapics, acpi_info.have_hpet ? "yes" : "no",
           acpi_info.pm_tmr ? "yes" : "no", acpi_info.have_s5 ? "yes" : "no",
           acpi_info.nr_mcfg);
    return 0;
}

/* 'a': every table in hex, one "ACPI table" header line then 16 bytes a line, so that
 * tools (and the unit tests' data, tests/unit/data/acpi) can rebuild the binaries. */
static void dump_hex(const u8 *p, u32 len)
{
    for (u32 off = 0; p && off < len; off += 16) {
        char line[16 * 3 + 1];
        size_t n = 0;
        for (u32 j = off; j < off + 16 && j < len; j++)
            n += snprintf(line + n, sizeof(line) - n, " %02x", p[j]);
        printk("  %04x:%s\n", off, line);
    }
}

static void dump_tables(unsigned char key)
{
    for (unsigned int i = 0; i < acpi_info.nr_tables; i++) {
        const struct acpi_table_ref *t = &acpi_info.tables[i];

        printk("ACPI table %s at %#llx, %u bytes, revision %u, OEM '%s'\n", t->sig, t->pa,
               t->length, t->revision, t->oem_id);
        dump_hex(acpi_map(t->pa, t->length), t->length);
    }
    if (acpi_info.rsdp_pa) {
        u32 len = acpi_info.revision >= 2 ? 36 : 20;
        printk("ACPI table RSDP at %#llx, %u bytes\n", acpi_info.rsdp_pa, len);
        dump_hex(acpi_map(acpi_info.rsdp_pa, len), len);
    }
    printk("ACPI tables: end of dump\n");
}
KEYHANDLER('a', dump_tables, "dump the ACPI tables in hex");

/* ---- power off and reset ---- */

static void pci_conf_write8(unsigned int bus, unsigned int dev, unsigned int fn,
                            unsigned int reg, u8 val)
{
    outl(0xcf8, 0x80000000u | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc));
    outb(0xcfc + (reg & 3), val);
}

static void acpi_enable_mode(void)
{
    if (!acpi_info.pm1a_cnt || (inw(acpi_info.pm1a_cnt) & PM1_CNT_SCI_EN))
        return;
    if (!acpi_info.smi_cmd || !acpi_info.acpi_enable)
        return;
    outb(acpi_info.smi_cmd, acpi_info.acpi_enable);
    for (unsigned int i = 0; i < 300 && !(inw(acpi_info.pm1a_cnt) & PM1_CNT_SCI_EN); i++)
        mdelay(10);
}

static void write_slp(u32 port, u8 typ)
{
    u16 v = inw(port);

    v &= ~(7u << PM1_CNT_SLP_TYP_SHIFT);
    v |= (typ & 7) << PM1_CNT_SLP_TYP_SHIFT;
    outw(port, v);
    outw(port, v | PM1_CNT_SLP_EN);
}

void machine_power_off(void)
{
    local_irq_disable();
    if (acpi_info.have_fadt && acpi_info.have_s5 && acpi_info.pm1a_cnt) {
        acpi_enable_mode();
        if (acpi_info.pm1b_cnt)
            write_slp(acpi_info.pm1b_cnt, acpi_info.s5_typ_b);
        write_slp(acpi_info.pm1a_cnt, acpi_info.s5_typ_a);
        mdelay(1000);
        printk(LOG_ERR "ACPI power-off did not take effect\n");
    } else {
        printk(LOG_ERR "Cannot power off: the firmware describes no ACPI S5 state\n");
    }
    printk(LOG_ERR "Halted: the machine can be switched off now.\n");
    halt_forever();
}

void machine_restart(void)
{
    const struct acpi_gas *r = &acpi_info.reset_reg;

    local_irq_disable();
    /* 1. The FADT's reset register (ACPI 4.8.3.6). */
    if (acpi_info.reset_supported) {
        switch (r->space_id) {
        case ACPI_GAS_IO:
            outb(r->address, acpi_info.reset_value);
            break;
        case ACPI_GAS_MEMORY: {
            volatile u8 *p = ioremap(r->address, 1);
            if (p)
                *p = acpi_info.reset_value;
            break;
        }
        case ACPI_GAS_PCI:
            pci_conf_write8(0, (r->address >> 32) & 0x1f, (r->address >> 16) & 7,
                            r->address & 0xff, acpi_info.reset_value);
            break;
        }
        mdelay(100);
    }
    /* 2. The keyboard controller's reset line. */
    for (unsigned int i = 0; i < 100 && (inb(0x64) & 0x02); i++)
        udelay(50);
    outb(0x64, 0xfe);
    mdelay(100);
    /* 3. The PCI reset control register. */
    outb(0xcf9, 0x02);
    udelay(50);
    outb(0xcf9, 0x06);
    mdelay(100);
    /* 4. A triple fault: an empty IDT and an exception. */
    {
        struct {
            u16 limit;
            u64 base;
        } __packed empty = { 0, 0 };
        __asm__ volatile("lidt %0; int3" ::"m"(empty));
    }
    halt_forever();
}

static void key_reboot(unsigned char key)
{
    printk("Rebooting the machine...\n");
    machine_restart();
}
KEYHANDLER('R', key_reboot, "reboot the machine");

static void key_power_off(unsigned char key)
{
    printk("Powering off...\n");
    machine_power_off();
}
KEYHANDLER('P', key_power_off, "power off the machine");
