/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Multiboot 1 structures (Multiboot Specification 0.6.96, section 3): read by the
 * hypervisor when a loader starts it (arch/x86/multiboot.c) and written by it when it
 * starts a Multiboot guest kernel (common/loader/).
 */
#ifndef HV_MULTIBOOT1_H
#define HV_MULTIBOOT1_H

#include <hv/compiler.h>
#include <hv/types.h>

#define MB1_HEADER_MAGIC      0x1badb002
#define MB1_BOOT_MAGIC        0x2badb002
#define MB1_HEADER_SEARCH     8192    /* the header sits in the image's first 8 KiB */

/* Header flags: bits 0-15 are requirements a loader must meet or refuse the image. */
#define MB1_HDR_PAGE_ALIGN    (1u << 0)  /* modules on page boundaries */
#define MB1_HDR_MEMINFO       (1u << 1)  /* memory information wanted */
#define MB1_HDR_VIDEO         (1u << 2)  /* a video mode wanted */
#define MB1_HDR_ADDRESSES     (1u << 16) /* the header's load address fields are valid */

struct mb1_header {
    u32 magic, flags, checksum;
    u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
} __packed;

/* Information flags. */
#define MB1_INFO_MEM          (1u << 0)
#define MB1_INFO_CMDLINE      (1u << 2)
#define MB1_INFO_MODS         (1u << 3)
#define MB1_INFO_MMAP         (1u << 6)
#define MB1_INFO_LOADER       (1u << 9)

struct mb1_info {
    u32 flags;
    u32 mem_lower, mem_upper;  /* KiB below 1 MiB, KiB from 1 MiB to the first hole */
    u32 boot_device;
    u32 cmdline;
    u32 mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
    u32 drives_length, drives_addr;
    u32 config_table;
    u32 boot_loader_name;
} __packed;

struct mb1_module {
    u32 mod_start, mod_end;    /* [start, end) */
    u32 string;
    u32 reserved;
} __packed;

struct mb1_mmap_entry {
    u32 size;                  /* of the rest of the entry: 20 */
    u64 addr;
    u64 len;
    u32 type;
} __packed;

#endif /* HV_MULTIBOOT1_H */
