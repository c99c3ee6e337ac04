/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the boot loader told us, in one loader-neutral form. The Multiboot parsers
 * (arch/x86/multiboot.c) fill it in the first moments of boot, copying every string
 * and the memory map, so nothing later depends on the loader's own structures (whose
 * memory the allocator is then free to reuse). Modules stay where the loader put
 * them; their ranges are kept out of the allocator.
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <hv/types.h>

#define BOOT_MAX_MODULES   64
#define BOOT_MAX_MEMMAP    128
#define BOOT_CMDLINE_MAX   1024
#define BOOT_MODNAME_MAX   64

/* Memory range types: the ACPI/E820 numbering, which Multiboot uses too. */
enum mem_type {
    MEM_RAM = 1,
    MEM_RESERVED = 2,
    MEM_ACPI = 3,      /* ACPI tables, reclaimable after parsing */
    MEM_NVS = 4,       /* ACPI non-volatile storage */
    MEM_UNUSABLE = 5,  /* bad RAM */
};

struct mem_range {
    u64 start;
    u64 size;
    u32 type;
};

struct boot_module {
    paddr_t start;
    u64 size;
    char name[BOOT_MODNAME_MAX];     /* basename of the first word of cmdline */
    char cmdline[BOOT_CMDLINE_MAX];  /* the module's whole command line */
};

struct boot_info {
    unsigned int protocol;           /* 1 or 2: the Multiboot version */
    char loader[64];
    char cmdline[BOOT_CMDLINE_MAX];  /* the hypervisor's options (the image name that
                                        most loaders put first is dropped) */
    unsigned int nr_modules;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned int nr_memmap;
    struct mem_range memmap[BOOT_MAX_MEMMAP];
    /* Multiboot 2 passes a copy of the ACPI RSDP (not its address). */
    bool have_rsdp;
    u8 rsdp[36];
};

/*
 * Reads `len` bytes of boot-loader memory at physical address `pa`: returns a pointer
 * to them, or NULL when that memory cannot be read (out of the early mapping, or in a
 * unit test, out of the test's buffer).
 */
typedef const void *(*boot_mem_fn)(paddr_t pa, size_t len);

#define MULTIBOOT1_BOOT_MAGIC 0x2badb002
#define MULTIBOOT2_BOOT_MAGIC 0x36d76289

/*
 * Parse the loader's information at physical `mbi` given the magic from EAX.
 * Returns 0, or -EINVAL with a sentence saying what was wrong in `err` (size
 * `errlen`). On success the memory map is sorted (see memmap_sanitize()).
 */
int multiboot_parse(u32 magic, paddr_t mbi, boot_mem_fn mem, struct boot_info *bi,
                    char *err, size_t errlen);

/*
 * Make a memory map usable: sort by start, clip overlaps (where two ranges overlap,
 * the more restrictive type wins: anything beats RAM), merge neighbours of the same
 * type, and drop empty ranges. Returns the new number of ranges.
 */
unsigned int memmap_sanitize(struct mem_range *map, unsigned int n, unsigned int max);

/* Total bytes of the given type. */
u64 memmap_total(const struct mem_range *map, unsigned int n, u32 type);

/* Name of a memory type, for the boot log. */
const char *mem_type_name(u32 type);

extern struct boot_info boot_info;

#endif /* HV_BOOTINFO_H */
