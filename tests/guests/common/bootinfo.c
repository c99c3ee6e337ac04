/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the loader says about the machine: the Multiboot 1 information structure or
 * the PVH struct hvm_start_info, copied into boot_info (framework.h) before anything
 * can overwrite it.
 *
 * In real-mode kernels this file is compiled as 32-bit code and runs before the drop
 * to real mode (head.asm): the loader's structures may lie in the low memory the
 * real-mode image is copied to. Its sections are renamed .boot32.* so that they stay
 * in the high image, and it must stay self-contained: a call out of this file would
 * reach 16-bit code (the build checks that the object has no undefined symbols).
 */
#include "private.h"

#include <arch-x86/hvm_start_info.h>

/* (In real-mode kernels the build renames this boot_info_high: it stays in the high
 * image, and framework_main() copies it down.) */
struct boot_info boot_info;

/* The Multiboot 1 information structure, as far as we read it. */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;      /* KiB below 1 MiB, KiB from 1 MiB (flag 0) */
    uint32_t boot_device;
    uint32_t cmdline;                   /* flag 2 */
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;    /* flag 6 */
};
#define MBI_FLAG_MEM     (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MMAP    (1u << 6)

/* A memory map entry; `size` counts the bytes after itself (at least 20). */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
} __attribute__((packed));

#define MMAP_MAX_BYTES (64 * 1024)      /* a sane bound on the map's length */

static void add_range(uint64_t start, uint64_t size, uint32_t type)
{
    if (boot_info.nr_ranges == BOOT_MAX_RANGES) {
        boot_info.map_truncated = true;
        return;
    }
    boot_info.ranges[boot_info.nr_ranges].start = start;
    boot_info.ranges[boot_info.nr_ranges].size = size;
    boot_info.ranges[boot_info.nr_ranges].type = type;
    boot_info.nr_ranges++;
}

static void copy_cmdline(uint64_t addr)
{
    const char *s = (const char *)(unsigned long)addr;
    unsigned int i;

    if (!addr || addr >= 0xffffffffu - sizeof(boot_info.cmdline))
        return;
    for (i = 0; i + 1 < sizeof(boot_info.cmdline) && s[i]; i++)
        boot_info.cmdline[i] = s[i];
    boot_info.cmdline[i] = '\0';
}

static void parse_multiboot(const struct multiboot_info *mbi)
{
    boot_info.mb_flags = mbi->flags;
    if (mbi->flags & MBI_FLAG_MEM) {
        boot_info.mem_lower_kib = mbi->mem_lower;
        boot_info.mem_upper_kib = mbi->mem_upper;
    }
    if (mbi->flags & MBI_FLAG_CMDLINE)
        copy_cmdline(mbi->cmdline);
    if (!(mbi->flags & MBI_FLAG_MMAP))
        return;
    if (mbi->mmap_length > MMAP_MAX_BYTES) {
        boot_info.problem = "Multiboot memory map longer than 64 KiB";
        return;
    }

    uint32_t off = 0;
    while (off + sizeof(struct multiboot_mmap_entry) <= mbi->mmap_length) {
        const struct multiboot_mmap_entry *e =
            (const void *)(unsigned long)(mbi->mmap_addr + off);

        if (e->size < 20) {
            boot_info.problem = "Multiboot memory map entry shorter than 20 bytes";
            return;
        }
        add_range(e->addr, e->len, e->type);
        off += e->size + 4;
    }
    boot_info.have_map = true;
}

static void parse_pvh(const struct hvm_start_info *si)
{
    if (si->magic != XEN_HVM_START_MAGIC_VALUE) {
        boot_info.problem = "hvm_start_info magic is not 0x336ec578";
        return;
    }
    boot_info.pvh_version = si->version;
    boot_info.rsdp = si->rsdp_paddr;
    copy_cmdline(si->cmdline_paddr);
    if (si->version < 1 || !si->memmap_paddr)
        return;                         /* no memory map: version 0 has none */
    if (si->memmap_paddr >= 0x100000000ull ||
        si->memmap_entries > MMAP_MAX_BYTES / sizeof(struct hvm_memmap_table_entry)) {
        boot_info.problem = "hvm_start_info memory map above 4 GiB or too long";
        return;
    }

    const struct hvm_memmap_table_entry *map =
        (const void *)(unsigned long)si->memmap_paddr;
    for (uint32_t i = 0; i < si->memmap_entries; i++)
        add_range(map[i].addr, map[i].size, map[i].type);
    boot_info.have_map = true;
}

void bootinfo_parse(uint32_t loader, uint32_t raw)
{
    if (boot_info.loader)
        return;                         /* done already (real-mode kernels) */
    boot_info.loader = loader;
    boot_info.raw = raw;
    if (!raw)
        boot_info.problem = "the loader passed no information (EBX = 0)";
    else if (loader == BOOT_MULTIBOOT)
        parse_multiboot((const void *)(unsigned long)raw);
    else
        parse_pvh((const void *)(unsigned long)raw);
}
