/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loading a guest kernel image into a domain (common/loader/kernel.c). Supported
 * formats: an ELF kernel with a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY), and a
 * Multiboot 1 kernel, loaded by its ELF program headers or, when its header's flag 16
 * is set, by the header's address fields. Every offset and size in the image is
 * checked against the file and against the guest's RAM: a malformed image gives a
 * sentence saying what is wrong, never a fault.
 */
#ifndef HV_LOADER_H
#define HV_LOADER_H

#include <hv/types.h>

struct domain;

enum kernel_format { KERNEL_PVH, KERNEL_MULTIBOOT };

struct kernel_image {
    enum kernel_format format;
    u32 entry;              /* 32-bit physical entry point */
    u64 load_start, load_end; /* guest-physical range the image occupies */
};

/* Guest-physical area the loader keeps for the boot information (start info, memory
 * map, module list, command lines). A kernel may not load there. */
#define BOOTINFO_GPA  0x6000ULL
#define BOOTINFO_SIZE 0x3000ULL

/*
 * Load `image` (`size` bytes) into the domain's RAM. Returns 0 and fills *k, or
 * -EINVAL/-ENOEXEC with a sentence in err.
 */
int kernel_load(struct domain *d, const u8 *image, u64 size, struct kernel_image *k,
                char *err, size_t errlen);

/*
 * Place the ramdisk, write the boot information a PVH or Multiboot kernel expects
 * (start info or Multiboot info with the memory map, command line and ramdisk), and
 * set vCPU 0's registers for the entry. 0, or -errno with a sentence in err.
 */
int guest_boot_setup(struct domain *d, const struct kernel_image *k, const char *cmdline,
                     const u8 *ramdisk, u64 ramdisk_size, const char *ramdisk_name,
                     char *err, size_t errlen);

#endif /* HV_LOADER_H */
