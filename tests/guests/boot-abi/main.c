/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * boot-abi: the kernel came in through the entry it was built with (this test is
 * built once with only a Multiboot header and once with only a PVH note), and the
 * memory map that loader gave is sane: present, sorted out of overlaps, covering the
 * kernel image with RAM, and (Multiboot) agreeing with the basic mem_lower/mem_upper
 * fields.
 */
#include "framework.h"

static void print_map(void)
{
    uint64_t ram = 0;

    printf("memory map (%u entries%s):\n", boot_info.nr_ranges,
           boot_info.map_truncated ? ", truncated" : "");
    for (unsigned int i = 0; i < boot_info.nr_ranges; i++) {
        const struct mem_range *r = &boot_info.ranges[i];

        printf("  %016" PRIx64 "-%016" PRIx64 " %s\n", r->start, r->start + r->size - 1,
               mem_type_name(r->type));
        if (r->type == MEM_RAM)
            ram += r->size;
    }
    printf("RAM: %" PRIu64 " KiB\n", ram >> 10);
}

static void check_no_overlaps(void)
{
    for (unsigned int i = 0; i < boot_info.nr_ranges; i++) {
        const struct mem_range *a = &boot_info.ranges[i];

        check(a->size != 0, "memory map entry %u is empty", i);
        check(a->start + a->size > a->start, "memory map entry %u wraps around", i);
        for (unsigned int j = i + 1; j < boot_info.nr_ranges; j++) {
            const struct mem_range *b = &boot_info.ranges[j];

            check(a->start + a->size <= b->start || b->start + b->size <= a->start,
                  "memory map entries %u and %u overlap", i, j);
        }
    }
}

/* The RAM range containing [start, end), or NULL. */
static const struct mem_range *ram_covering(uint64_t start, uint64_t end)
{
    for (unsigned int i = 0; i < boot_info.nr_ranges; i++) {
        const struct mem_range *r = &boot_info.ranges[i];

        if (r->type == MEM_RAM && r->start <= start && end <= r->start + r->size)
            return r;
    }
    return NULL;
}

static void check_multiboot_basic_fields(void)
{
    const struct mem_range *upper = ram_covering(0x100000, 0x100000 + 1);

    if (!(boot_info.mb_flags & 1)) {
        printf("no mem_lower/mem_upper (flags %#x)\n", boot_info.mb_flags);
        return;
    }
    printf("mem_lower %u KiB, mem_upper %u KiB\n", boot_info.mem_lower_kib,
           boot_info.mem_upper_kib);
    check(boot_info.mem_lower_kib <= 640, "mem_lower is %u KiB, more than 640",
          boot_info.mem_lower_kib);
    /* mem_upper is the RAM from 1 MiB up to the first hole, so the map's RAM range
     * at 1 MiB must hold at least that much. */
    check(upper && upper->size >= (uint64_t)boot_info.mem_upper_kib << 10,
          "mem_upper (%u KiB) is more than the memory map's RAM at 1 MiB",
          boot_info.mem_upper_kib);
}

void test_main(void)
{
    unsigned long image_start = (unsigned long)__image_start;
    unsigned long image_end = (unsigned long)__image_end;
    bool multiboot = boot_info.loader == BOOT_MULTIBOOT;

    printf("this kernel has %s; it came in through %s, information at %#x\n",
           kernel_entries == (1u << BOOT_MULTIBOOT) ? "only a Multiboot header" :
           kernel_entries == (1u << BOOT_PVH) ? "only a PVH note" : "both entries",
           multiboot ? "Multiboot" : "PVH", boot_info.raw);
    check(kernel_entries & (1u << boot_info.loader),
          "entered through %s, an entry this kernel does not have",
          multiboot ? "Multiboot" : "PVH");
    if (boot_info.problem)
        abort_test("unusable boot information: %s", boot_info.problem);
    if (!multiboot)
        printf("hvm_start_info version %u, RSDP at %#" PRIx64 "\n", boot_info.pvh_version,
               boot_info.rsdp);
    if (boot_info.cmdline[0])
        printf("command line: \"%s\"\n", boot_info.cmdline);

    if (!boot_info.have_map)
        abort_test("the loader gave no memory map");
    print_map();
    check(boot_info.nr_ranges > 0, "the memory map is empty");
    check(!boot_info.map_truncated, "more than %u memory map entries", BOOT_MAX_RANGES);
    check_no_overlaps();
    check(ram_covering(image_start, image_end) != NULL,
          "the kernel image (%#lx-%#lx) is not inside one RAM range", image_start,
          image_end - 1);
    if (multiboot)
        check_multiboot_basic_fields();
}
