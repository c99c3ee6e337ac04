/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PVH boot ABI: what a PVH kernel finds when it is entered at its
 * XEN_ELFNOTE_PHYS32_ENTRY address (32-bit protected mode, paging off, flat segments,
 * EBX = the guest-physical address of struct hvm_start_info). Layouts follow Xen's
 * documented public interface (xen/include/public/arch-x86/hvm/start_info.h), written
 * here from that documentation. All addresses are guest-physical; all fields little
 * endian; the structures are packed by construction (naturally aligned fields).
 */
#ifndef PUBLIC_ARCH_X86_HVM_START_INFO_H
#define PUBLIC_ARCH_X86_HVM_START_INFO_H

#include <stdint.h>

#define XEN_HVM_START_MAGIC_VALUE 0x336ec578

struct hvm_start_info {
    uint32_t magic;           /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;         /* 1: the memory map fields are valid */
    uint32_t flags;           /* SIF_* (none used for HVM/PVH domains here) */
    uint32_t nr_modules;
    uint64_t modlist_paddr;   /* array of struct hvm_modlist_entry */
    uint64_t cmdline_paddr;   /* NUL-terminated, or 0 */
    uint64_t rsdp_paddr;      /* ACPI RSDP, or 0 */
    /* version 1 */
    uint64_t memmap_paddr;    /* array of struct hvm_memmap_table_entry */
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

/* Memory map types: the E820/ACPI numbering. */
#define XEN_HVM_MEMMAP_TYPE_RAM      1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI     3
#define XEN_HVM_MEMMAP_TYPE_NVS      4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5

struct hvm_memmap_table_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap layout");

#endif /* PUBLIC_ARCH_X86_HVM_START_INFO_H */
