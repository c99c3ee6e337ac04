/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a guest kernel finds at its entry: the PVH start info (struct hvm_start_info,
 * EBX) or a Multiboot 1 information block (EAX = 0x2badb002, EBX), with the guest's
 * memory map, its command line and the ramdisk as its one module. All of it goes in
 * the boot information area [BOOTINFO_GPA, +BOOTINFO_SIZE), which kernels may not
 * load into.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hvm.h>
#include <hv/lib.h>
#include <hv/loader.h>
#include <hv/multiboot1.h>
#include <public/arch-x86/hvm_start_info.h>

#define MAX_MAP 4

/* The area's layout. */
#define OFF_INFO     0x000   /* start info or Multiboot info */
#define OFF_MAP      0x100   /* memory map */
#define OFF_MODS     0x200   /* module list */
#define OFF_LOADER   0x280   /* boot loader name */
#define OFF_MODCMD   0x300   /* the module's command line */
#define OFF_CMDLINE  0x800   /* the kernel's command line (up to 2 KiB) */
#define CMDLINE_MAX  (BOOTINFO_SIZE - OFF_CMDLINE)

struct ramdisk {
    u64 gpa, size;
    const char *name;
};

static unsigned int guest_memmap(struct domain *d, u64 *start, u64 *size, u32 *type)
{
    unsigned int n = 0;

    start[n] = 0, size[n] = 0xa0000, type[n++] = XEN_HVM_MEMMAP_TYPE_RAM;
    start[n] = 0xa0000, size[n] = 0x60000, type[n++] = XEN_HVM_MEMMAP_TYPE_RESERVED;
    start[n] = 0x100000, size[n] = d->ram_low_end - 0x100000, type[n++] = XEN_HVM_MEMMAP_TYPE_RAM;
    if (d->ram_high_size)
        start[n] = GiB(4), size[n] = d->ram_high_size, type[n++] = XEN_HVM_MEMMAP_TYPE_RAM;
    return n;
}

static int put(struct domain *d, u64 off, const void *p, size_t len)
{
    return copy_to_guest_phys(d, _gpa(BOOTINFO_GPA + off), p, len);
}

static int write_pvh(struct domain *d, const char *cmdline, const struct ramdisk *rd)
{
    struct hvm_start_info si = { .magic = XEN_HVM_START_MAGIC_VALUE, .version = 1 };
    struct hvm_memmap_table_entry map[MAX_MAP] = { { 0 } };
    u64 start[MAX_MAP], size[MAX_MAP];
    u32 type[MAX_MAP];
    unsigned int n = guest_memmap(d, start, size, type);
    int rc = 0;

    for (unsigned int i = 0; i < n; i++)
        map[i] = (struct hvm_memmap_table_entry){ start[i], size[i], type[i], 0 };
    si.memmap_paddr = BOOTINFO_GPA + OFF_MAP;
    si.memmap_entries = n;
    si.cmdline_paddr = BOOTINFO_GPA + OFF_CMDLINE;
    if (rd->size) {
        struct hvm_modlist_entry mod = { rd->gpa, rd->size, BOOTINFO_GPA + OFF_MODCMD, 0 };
        si.nr_modules = 1;
        si.modlist_paddr = BOOTINFO_GPA + OFF_MODS;
        rc |= put(d, OFF_MODS, &mod, sizeof(mod));
        rc |= put(d, OFF_MODCMD, rd->name, strlen(rd->name) + 1);
    }
    rc |= put(d, OFF_MAP, map, n * sizeof(map[0]));
    rc |= put(d, OFF_CMDLINE, cmdline, strlen(cmdline) + 1);
    rc |= put(d, OFF_INFO, &si, sizeof(si));
    return rc ? -EFAULT : 0;
}

static int write_multiboot(struct domain *d, const char *cmdline, const struct ramdisk *rd)
{
    struct mb1_info mi = { 0 };
    struct mb1_mmap_entry map[MAX_MAP];
    u64 start[MAX_MAP], size[MAX_MAP];
    u32 type[MAX_MAP];
    unsigned int n = guest_memmap(d, start, size, type);
    static const char loader[] = "Petrel";
    int rc = 0;

    for (unsigned int i = 0; i < n; i++)
        map[i] = (struct mb1_mmap_entry){ 20, start[i], size[i], type[i] };
    mi.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER;
    mi.mem_lower = 640;
    mi.mem_upper = (d->ram_low_end - 0x100000) >> 10;
    mi.cmdline = BOOTINFO_GPA + OFF_CMDLINE;
    mi.mmap_addr = BOOTINFO_GPA + OFF_MAP;
    mi.mmap_length = n * sizeof(map[0]);
    mi.boot_loader_name = BOOTINFO_GPA + OFF_LOADER;
    if (rd->size) {
        struct mb1_module mod = { rd->gpa, rd->gpa + rd->size, BOOTINFO_GPA + OFF_MODCMD, 0 };
        mi.flags |= MB1_INFO_MODS;
        mi.mods_count = 1;
        mi.mods_addr = BOOTINFO_GPA + OFF_MODS;
        rc |= put(d, OFF_MODS, &mod, sizeof(mod));
        rc |= put(d, OFF_MODCMD, rd->name, strlen(rd->name) + 1);
    }
    rc |= put(d, OFF_MAP, map, n * sizeof(map[0]));
    rc |= put(d, OFF_LOADER, loader, sizeof(loader));
    rc |= put(d, OFF_CMDLINE, cmdline, strlen(cmdline) + 1);
    rc |= put(d, OFF_INFO, &mi, sizeof(mi));
    return rc ? -EFAULT : 0;
}

/*
 * Place the ramdisk (at the top of RAM below 4 GiB, clear of the kernel), write the
 * boot information and set vCPU 0's entry registers. 0, or -errno with err set.
 */
int guest_boot_setup(struct domain *d, const struct kernel_image *k, const char *cmdline,
                     const u8 *ramdisk, u64 ramdisk_size, const char *ramdisk_name,
                     char *err, size_t errlen)
{
    struct ramdisk rd = { 0, ramdisk_size, ramdisk_name };
    struct hvm_boot_state bs = { .protected_mode = true, .rip = k->entry };
    int rc;

    if (strlen(cmdline) >= CMDLINE_MAX) {
        snprintf(err, errlen, "the command line is longer than %llu bytes", CMDLINE_MAX - 1);
        return -E2BIG;
    }
    if (ramdisk_size) {
        rd.gpa = ALIGN_DOWN(d->ram_low_end - ramdisk_size, PAGE_SIZE);
        if (ramdisk_size > d->ram_low_end || rd.gpa < max(k->load_end, MiB(1))) {
            snprintf(err, errlen, "the ramdisk (%llu KiB) does not fit in RAM below 4 GiB "
                                  "above the kernel", ramdisk_size >> 10);
            return -E2BIG;
        }
        if (copy_to_guest_phys(d, _gpa(rd.gpa), ramdisk, ramdisk_size)) {
            snprintf(err, errlen, "cannot copy the ramdisk into guest RAM");
            return -EFAULT;
        }
    }
    rc = k->format == KERNEL_PVH ? write_pvh(d, cmdline, &rd)
                                 : write_multiboot(d, cmdline, &rd);
    if (rc) {
        snprintf(err, errlen, "cannot write the boot information into guest RAM");
        return rc;
    }
    if (k->format == KERNEL_MULTIBOOT)
        bs.gprs[GPR_RAX] = MB1_BOOT_MAGIC;
    bs.gprs[GPR_RBX] = BOOTINFO_GPA + OFF_INFO;
    hvm_set_boot_state(d->vcpus[0], &bs);
    return 0;
}
