/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/arch/x86/multiboot.c: multiboot_parse() for Multiboot 1
 * and 2, over information structures built here in simulated physical memory
 * (support/physmem.c: every read the parser makes is an exact-size copy, so reading
 * past what it asked for is an AddressSanitizer error).
 *
 * The layouts below are written from the Multiboot Specification (0.6.96 and 2.0),
 * not taken from the parser, so that the two are checked against each other.
 */
#include "unit.h"

#include "physmem.h"

#include <hv/bootinfo.h>
#include <hv/errno.h>

/* ---- Multiboot 1 (specification 0.6.96, section 3.3) ---- */

struct mb1_info {
    u32 flags;
    u32 mem_lower, mem_upper;
    u32 boot_device;
    u32 cmdline;
    u32 mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
    u32 drives_length, drives_addr;
    u32 config_table;
    u32 boot_loader_name;
    u32 apm_table;
    u32 vbe_control_info, vbe_mode_info;
    u16 vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
} __packed;
BUILD_BUG_ON(__builtin_offsetof(struct mb1_info, mmap_length) != 44);
BUILD_BUG_ON(__builtin_offsetof(struct mb1_info, boot_loader_name) != 64);
BUILD_BUG_ON(sizeof(struct mb1_info) != 88);

#define MB1_MEM     (1u << 0)
#define MB1_CMDLINE (1u << 2)
#define MB1_MODS    (1u << 3)
#define MB1_MMAP    (1u << 6)
#define MB1_LOADER  (1u << 9)

struct mb1_module {
    u32 mod_start, mod_end, string, reserved;
} __packed;

struct mb1_mmap_entry {
    u32 size;
    u64 base_addr, length;
    u32 type;
} __packed;
BUILD_BUG_ON(sizeof(struct mb1_mmap_entry) != 24);

/* ---- Multiboot 2 (specification 2.0, section 3.6) ---- */

enum {
    MB2_END = 0, MB2_CMDLINE = 1, MB2_LOADER = 2, MB2_MODULE = 3, MB2_MEMINFO = 4,
    MB2_BOOTDEV = 5, MB2_MMAP = 6, MB2_FRAMEBUFFER = 8, MB2_ELF = 9, MB2_ACPI_OLD = 14,
    MB2_ACPI_NEW = 15,
};

struct mb2_mmap_entry {
    u64 base_addr, length;
    u32 type, reserved;
} __packed;

/* ---- the simulated machine ---- */

#define BOOT_BASE   0x10000ULL          /* readable loader memory: [64 KiB, 448 KiB) */
#define BOOT_SIZE   0x60000ULL
#define UNREADABLE  0x5000000ULL        /* nothing there */

static paddr_t next_pa;
static struct boot_info bi;              /* large: not on the stack */
static char err[256];

static int fresh_machine(void **state)
{
    (void)state;
    physmem_reset();
    physmem_add(BOOT_BASE, BOOT_SIZE);
    next_pa = BOOT_BASE;
    memset(err, 0, sizeof(err));
    memset(&bi, 0xcc, sizeof(bi));
    return 0;
}

static int forget_machine(void **state)
{
    (void)state;
    physmem_reset();
    return 0;
}

/* The bytes of loader memory at pa, for the test to write. */
static void *at(paddr_t pa, size_t len)
{
    void *p = physmem_at(pa, len);

    if (!p)
        fail_msg("test bug: [%#llx, +%zu) is outside the loader's memory", pa, len);
    return p;
}

/* Copy `data` into loader memory; returns its physical address. */
static paddr_t put(const void *data, size_t len, size_t align)
{
    paddr_t pa = ALIGN_UP(next_pa, (paddr_t)align);

    memcpy(at(pa, len), data, len);
    next_pa = pa + len;
    return pa;
}

static paddr_t put_str(const char *s)
{
    return put(s, strlen(s) + 1, 1);
}

static int parse(u32 magic, paddr_t mbi)
{
    return multiboot_parse(magic, mbi, physmem_map, &bi, err, sizeof(err));
}

/* The parse failed with -EINVAL and a one-line sentence containing `what`. */
static void assert_error(int rc, const char *what)
{
    size_t len = strnlen(err, sizeof(err));

    if (rc != -EINVAL)
        fail_msg("multiboot_parse returned %d, expected -EINVAL (err: \"%s\")", rc, err);
    assert_true(len > 10 && len < sizeof(err));
    assert_true(err[0] >= 'a' && err[0] <= 'z');
    assert_null(strchr(err, '\n'));
    assert_contains(err, what);
}

static void assert_ok(int rc)
{
    if (rc)
        fail_msg("multiboot_parse returned %d: %s", rc, err);
}

static void assert_range(unsigned int i, u64 start, u64 size, u32 type)
{
    assert_true(i < bi.nr_memmap);
    if (bi.memmap[i].start != start || bi.memmap[i].size != size || bi.memmap[i].type != type)
        fail_msg("memmap[%u] is [%#llx, +%#llx) type %u, expected [%#llx, +%#llx) type %u", i,
                 bi.memmap[i].start, bi.memmap[i].size, bi.memmap[i].type, start, size, type);
}

static void assert_module(unsigned int i, paddr_t start, u64 size, const char *name,
                          const char *cmdline)
{
    assert_true(i < bi.nr_modules);
    assert_int_equal(bi.modules[i].start, start);
    assert_int_equal(bi.modules[i].size, size);
    assert_string_equal(bi.modules[i].name, name);
    assert_string_equal(bi.modules[i].cmdline, cmdline);
}

/* ---- Multiboot 1 builders ---- */

/* A memory map as GRUB gives it for a 1 GiB PC, unsorted, with one entry carrying 4
 * extra bytes (the size field says how far the next one is) and one of type 7. */
struct mmap_item {
    u64 base, len;
    u32 type;
    u32 extra;      /* bytes after the standard 20 */
};
static const struct mmap_item pc_mmap[] = {
    { 0x100000, 0x3ff00000 - 0x100000, MEM_RAM, 0 }, /* overlaps the ACPI data */
    { 0x0, 0x9fc00, MEM_RAM, 0 },
    { 0x9fc00, 0x400, MEM_RESERVED, 4 },
    { 0xf0000, 0x10000, MEM_RESERVED, 0 },
    { 0x3fee0000, 0x20000, MEM_ACPI, 0 },
    { 0x100000000ULL, 0x10000000, 7, 0 },            /* persistent memory: not ours */
    { 0xfffc0000, 0x40000, MEM_RESERVED, 0 },
    { 0x3fe00000, 0x80000, MEM_RESERVED, 0 },        /* inside the RAM */
};
#define PC_MMAP_RAM (0x9fc00 + 0x3fe00000 - 0x100000 + 0x3fee0000 - 0x3fe80000)

/* What the parser must make of pc_mmap: sorted, clipped, merged. */
static void assert_pc_mmap_sanitized(void)
{
    assert_int_equal(bi.nr_memmap, 8);
    assert_range(0, 0x0, 0x9fc00, MEM_RAM);
    assert_range(1, 0x9fc00, 0x400, MEM_RESERVED);
    assert_range(2, 0xf0000, 0x10000, MEM_RESERVED);
    assert_range(3, 0x100000, 0x3fe00000 - 0x100000, MEM_RAM);
    assert_range(4, 0x3fe00000, 0x80000, MEM_RESERVED);
    assert_range(5, 0x3fe80000, 0x60000, MEM_RAM);
    assert_range(6, 0x3fee0000, 0x20000, MEM_ACPI);
    /* reserved, then "type 7" made reserved: one range */
    assert_range(7, 0xfffc0000, 0x40000 + 0x10000000, MEM_RESERVED);
    assert_int_equal(memmap_total(bi.memmap, bi.nr_memmap, MEM_RAM), PC_MMAP_RAM);
}

/* Put a memory map in loader memory and point info at it. */
static void put_mb1_mmap(struct mb1_info *info, const struct mmap_item *items, size_t n)
{
    paddr_t first = ALIGN_UP(next_pa, 8), pa = first;

    for (size_t i = 0; i < n; i++) {
        struct mb1_mmap_entry e = { 20 + items[i].extra, items[i].base, items[i].len,
                                    items[i].type };
        u8 pad[8] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };
        memcpy(at(pa, sizeof(e)), &e, sizeof(e));
        memcpy(at(pa + sizeof(e), items[i].extra), pad, items[i].extra);
        pa += sizeof(e) + items[i].extra;
    }
    next_pa = pa;
    info->mmap_addr = first;
    info->mmap_length = pa - first;
}

struct mod_item {
    u32 start, end;
    const char *string;    /* NULL: string pointer 0 */
};

static paddr_t put_mb1_modules(const struct mod_item *mods, size_t n)
{
    struct mb1_module m[80];
    assert_true(n <= ARRAY_SIZE(m));
    for (size_t i = 0; i < n; i++) {
        m[i].mod_start = mods[i].start;
        m[i].mod_end = mods[i].end;
        m[i].string = mods[i].string ? put_str(mods[i].string) : 0;
        m[i].reserved = 0;
    }
    return put(m, n * sizeof(m[0]), 4);
}

static const struct mod_item good_mods[] = {
    { 0x200000, 0x280000, "/boot/dom0.elf root=/dev/sda1 console=hvc0" },
    { 0x300000, 0x300000, "" },                 /* empty module, empty command line */
    { 0x301000, 0x302000, NULL },               /* no command line at all */
    { 0x400000, 0x400400, "   initrd.img   quiet" },
    { 0x500000, 0x500001, "/boot/dir/ arg" },   /* first word has no basename */
    { 0x600000, 0x601000, "relative/path/x" },
};

/* A complete, good Multiboot 1 information structure; returns its address. */
static paddr_t put_mb1_good(struct mb1_info **infop)
{
    struct mb1_info info;
    paddr_t pa;

    memset(&info, 0, sizeof(info));
    info.flags = MB1_MEM | MB1_CMDLINE | MB1_MODS | MB1_MMAP | MB1_LOADER;
    info.mem_lower = 639;
    info.mem_upper = 1047424;
    info.cmdline = put_str("/boot/hypervisor.elf console=com1 loglvl=debug");
    info.boot_loader_name = put_str("GNU GRUB 0.97");
    info.mods_count = ARRAY_SIZE(good_mods);
    info.mods_addr = put_mb1_modules(good_mods, ARRAY_SIZE(good_mods));
    put_mb1_mmap(&info, pc_mmap, ARRAY_SIZE(pc_mmap));
    pa = put(&info, sizeof(info), 8);
    *infop = at(pa, sizeof(info));
    return pa;
}

/* ---- Multiboot 1 cases ---- */

static void test_mb1_good_info(void **state)
{
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);

    (void)state;
    assert_ok(parse(MULTIBOOT1_BOOT_MAGIC, pa));
    assert_int_equal(bi.protocol, 1);
    assert_string_equal(bi.loader, "GNU GRUB 0.97");
    /* GRUB Legacy puts the image's name first: it is dropped */
    assert_string_equal(bi.cmdline, "console=com1 loglvl=debug");

    assert_int_equal(bi.nr_modules, ARRAY_SIZE(good_mods));
    assert_module(0, 0x200000, 0x80000, "dom0.elf", "/boot/dom0.elf root=/dev/sda1 console=hvc0");
    assert_module(1, 0x300000, 0, "module1", "");
    assert_module(2, 0x301000, 0x1000, "module2", "");
    assert_module(3, 0x400000, 0x400, "initrd.img", "   initrd.img   quiet");
    assert_module(4, 0x500000, 1, "module4", "/boot/dir/ arg");
    assert_module(5, 0x600000, 0x1000, "x", "relative/path/x");

    assert_pc_mmap_sanitized();
    assert_false(bi.have_rsdp);
}

static void test_mb1_command_line_forms(void **state)
{
    static const struct {
        const char *raw, *want;
    } tc[] = {
        { "hypervisor.elf", "" },
        { "hypervisor.elf ", "" },
        { "", "" },
        { "   /hv   a=1  b=2 ", "a=1  b=2 " },
        { "hv loglvl=debug", "loglvl=debug" },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(tc); i++) {
        struct mb1_info info = { .flags = MB1_CMDLINE | MB1_MEM, .mem_lower = 640,
                                 .mem_upper = 65536 };
        info.cmdline = put_str(tc[i].raw);
        assert_ok(parse(MULTIBOOT1_BOOT_MAGIC, put(&info, sizeof(info), 4)));
        assert_string_equal(bi.cmdline, tc[i].want);
        assert_string_equal(bi.loader, "unknown"); /* no loader name given */
        assert_int_equal(bi.nr_modules, 0);
    }
}

/* The image name comes first from every loader but GRUB 2, which passes only the
 * arguments (an MB2 helper below builds the Multiboot 2 cases). */
static paddr_t put_mb2_cmdline_and_loader(const char *cmdline, const char *loader,
                                          bool loader_first);

static void test_image_name_dropped_unless_grub2(void **state)
{
    static const struct {
        int protocol;
        const char *loader;      /* NULL: none given */
        const char *raw, *want;
    } tc[] = {
        { 1, "qemu", "/tmp/hypervisor.elf32 loglvl=debug", "loglvl=debug" },
        { 1, NULL, "hv a=1 b=2", "a=1 b=2" },
        { 1, "GNU GRUB 0.97", "(hd0,0)/boot/hv a=1", "a=1" },
        { 1, "GRUB 2.06", "a=1 b=2", "a=1 b=2" },       /* GRUB 2, "multiboot" command */
        { 2, "GRUB 2.06-13+deb12u1", "loglvl=debug  console=com1", "loglvl=debug  console=com1" },
        { 2, "GRUB 2.12", "   a=1 ", "a=1 " },            /* leading blanks still go */
        { 2, "GRUB 2.12", "", "" },
        { 2, "iPXE 1.21.1", "hv.elf a=1", "a=1" },
        { 2, NULL, "hv a=1", "a=1" },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(tc); i++) {
        for (int order = 0; order < (tc[i].protocol == 2 ? 2 : 1); order++) {
            paddr_t pa;
            if (tc[i].protocol == 1) {
                struct mb1_info info = { .flags = MB1_CMDLINE | MB1_MEM, .mem_lower = 640,
                                         .mem_upper = 65536 };
                info.cmdline = put_str(tc[i].raw);
                if (tc[i].loader) {
                    info.flags |= MB1_LOADER;
                    info.boot_loader_name = put_str(tc[i].loader);
                }
                pa = put(&info, sizeof(info), 4);
            } else {
                /* the loader's name before or after the command line: the same */
                pa = put_mb2_cmdline_and_loader(tc[i].raw, tc[i].loader, order);
            }
            assert_ok(parse(tc[i].protocol == 1 ? MULTIBOOT1_BOOT_MAGIC
                                                : MULTIBOOT2_BOOT_MAGIC, pa));
            if (strcmp(bi.cmdline, tc[i].want))
                fail_msg("Multiboot %d, loader '%s', command line \"%s\": got \"%s\", "
                         "expected \"%s\"", tc[i].protocol, bi.loader, tc[i].raw, bi.cmdline,
                         tc[i].want);
            assert_string_equal(bi.loader, tc[i].loader ? tc[i].loader : "unknown");
        }
    }
}

static void test_mb1_basic_memory_only(void **state)
{
    struct mb1_info info = { .flags = MB1_MEM, .mem_lower = 639, .mem_upper = 261120 };

    (void)state;
    assert_ok(parse(MULTIBOOT1_BOOT_MAGIC, put(&info, sizeof(info), 4)));
    assert_int_equal(bi.nr_memmap, 2);
    assert_range(0, 0, 639 * 1024, MEM_RAM);
    assert_range(1, MiB(1), 261120ULL * 1024, MEM_RAM);
    assert_string_equal(bi.cmdline, "");
}

static void test_mb1_mmap_preferred_over_basic_memory(void **state)
{
    struct mb1_info info = { .flags = MB1_MEM | MB1_MMAP, .mem_lower = 1, .mem_upper = 1 };

    (void)state;
    put_mb1_mmap(&info, pc_mmap, ARRAY_SIZE(pc_mmap));
    assert_ok(parse(MULTIBOOT1_BOOT_MAGIC, put(&info, sizeof(info), 4)));
    assert_pc_mmap_sanitized();
}

static void test_mb1_no_memory_information(void **state)
{
    struct mb1_info info = { .flags = MB1_CMDLINE };

    (void)state;
    info.cmdline = put_str("hv");
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, put(&info, sizeof(info), 4)),
                 "the loader gave no memory map and no memory size");
}

static void test_mb1_memory_without_ram(void **state)
{
    static const struct mmap_item only_reserved[] = { { 0, 0x100000, MEM_RESERVED, 0 },
                                                      { 0x100000, 0, MEM_RAM, 0 } };
    struct mb1_info info = { .flags = MB1_MMAP };

    (void)state;
    put_mb1_mmap(&info, only_reserved, 2);
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, put(&info, sizeof(info), 4)),
                 "the memory map lists no RAM");
}

static void test_mb1_mmap_entry_shorter_than_20_bytes(void **state)
{
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);
    struct mb1_mmap_entry *e = at(info->mmap_addr + 24, sizeof(*e)); /* the second entry */

    (void)state;
    e->size = 16;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "a memory map entry is shorter than 20 bytes");
    e->size = 0;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "shorter than 20 bytes");
}

static void test_mb1_mmap_running_past_its_length(void **state)
{
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);

    (void)state;
    /* the length cuts the last entry short */
    info->mmap_length -= 6;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "a memory map entry runs past the map's end");
    /* room for one entry and a piece of the next */
    info->mmap_length = 24 + 10;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "runs past the map's end");
    info->mmap_length = 0;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the memory map is empty");
    info->mmap_length = 24;
    info->mmap_addr = UNREADABLE;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the memory map is not readable");
    /* starting in readable memory and running out of it */
    info->mmap_addr = BOOT_BASE + BOOT_SIZE - 12;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the memory map is not readable");
}

static void test_mb1_module_list_not_readable(void **state)
{
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);

    (void)state;
    info->mods_addr = UNREADABLE;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the module list is not readable");
    /* the first modules readable, the last one not */
    info->mods_addr = BOOT_BASE + BOOT_SIZE - 2 * sizeof(struct mb1_module);
    info->mods_count = 3;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the module list is not readable");
}

static void test_mb1_too_many_modules(void **state)
{
    struct mod_item mods[BOOT_MAX_MODULES + 1];
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(mods); i++)
        mods[i] = (struct mod_item){ 0x1000000 + i * 0x1000, 0x1000800 + i * 0x1000, "m" };
    /* exactly the maximum is fine */
    info->mods_addr = put_mb1_modules(mods, BOOT_MAX_MODULES);
    info->mods_count = BOOT_MAX_MODULES;
    assert_ok(parse(MULTIBOOT1_BOOT_MAGIC, pa));
    assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
    assert_module(BOOT_MAX_MODULES - 1, 0x1000000 + 63 * 0x1000, 0x800, "m", "m");
    /* one more is not */
    info->mods_addr = put_mb1_modules(mods, BOOT_MAX_MODULES + 1);
    info->mods_count = BOOT_MAX_MODULES + 1;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "more than 64 modules");
    info->mods_count = 0xffffffff;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "more than 64 modules");
}

static void test_mb1_module_ends_before_it_starts(void **state)
{
    static const struct mod_item mods[] = { { 0x200000, 0x201000, "a" },
                                            { 0x300000, 0x2fffff, "b" } };
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);

    (void)state;
    info->mods_addr = put_mb1_modules(mods, 2);
    info->mods_count = 2;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa),
                 "module 1 ends (0x2fffff) before it starts (0x300000)");
}

static void test_mb1_unterminated_command_line(void **state)
{
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);
    char line[BOOT_CMDLINE_MAX + 1];

    (void)state;
    /* 1023 characters and the terminator fit */
    memset(line, 'c', BOOT_CMDLINE_MAX - 1);
    memcpy(line, "hv ", 3);
    line[BOOT_CMDLINE_MAX - 1] = '\0';
    info->cmdline = put_str(line);
    assert_ok(parse(MULTIBOOT1_BOOT_MAGIC, pa));
    assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1 - 3);

    /* 1024 characters do not: an error, not a cut command line */
    memset(line, 'c', BOOT_CMDLINE_MAX);
    line[BOOT_CMDLINE_MAX] = '\0';
    info->cmdline = put_str(line);
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the command line string at 0x");
    assert_contains(err, "is longer than 1023 bytes");

    /* a module's command line, the same */
    struct mb1_module *m = at(info->mods_addr, sizeof(*m));
    info->cmdline = put_str("hv");
    m->string = put_str(line);
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the module command line string");
    assert_contains(err, "longer than 1023 bytes");
}

static void test_mb1_strings_out_of_readable_memory(void **state)
{
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);
    char where[64];

    (void)state;
    info->boot_loader_name = UNREADABLE;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the boot loader name string at 0x5000000");
    assert_contains(err, "is not readable");

    /* a string running off the end of readable memory, unterminated */
    info->boot_loader_name = put_str("GRUB");
    memset(at(BOOT_BASE + BOOT_SIZE - 8, 8), 'x', 8);
    info->cmdline = BOOT_BASE + BOOT_SIZE - 8;
    snprintf(where, sizeof(where), "the command line string at %#llx is not readable",
             BOOT_BASE + BOOT_SIZE - 8);
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), where);

    info->cmdline = put_str("hv");
    ((struct mb1_module *)at(info->mods_addr, sizeof(struct mb1_module)))->string = 0xfffffff0;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, pa), "the module command line string at 0xfffffff0");
}

static void test_mb1_info_not_readable(void **state)
{
    (void)state;
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, UNREADABLE),
                 "the Multiboot information structure is not readable");
    /* the structure cut by the end of readable memory */
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, BOOT_BASE + BOOT_SIZE - 40), "not readable");
}

static void test_mmap_with_too_many_entries(void **state)
{
    struct mmap_item items[BOOT_MAX_MEMMAP + 1];
    struct mb1_info info = { .flags = MB1_MMAP };

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(items); i++)
        items[i] = (struct mmap_item){ i * 0x2000ULL, 0x1000, MEM_RAM, 0 };
    put_mb1_mmap(&info, items, BOOT_MAX_MEMMAP);
    assert_ok(parse(MULTIBOOT1_BOOT_MAGIC, put(&info, sizeof(info), 4)));
    assert_int_equal(bi.nr_memmap, BOOT_MAX_MEMMAP);

    put_mb1_mmap(&info, items, BOOT_MAX_MEMMAP + 1);
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC, put(&info, sizeof(info), 4)),
                 "the memory map has more than 128 entries");
}

static void test_bad_magic(void **state)
{
    struct mb1_info *info;
    paddr_t pa = put_mb1_good(&info);

    (void)state;
    assert_error(parse(0, pa), "not started by a Multiboot loader");
    assert_error(parse(0x1badb002, pa), "not started by a Multiboot loader"); /* header magic */
    assert_error(parse(0xe85250d6, pa), "not started by a Multiboot loader");
    assert_error(parse(MULTIBOOT1_BOOT_MAGIC + 1, pa), "not started by a Multiboot loader");
}

static void test_error_message_truncated_to_buffer(void **state)
{
    char small[12];

    (void)state;
    memset(small, 'z', sizeof(small));
    assert_int_equal(multiboot_parse(0, 0, physmem_map, &bi, small, sizeof(small)), -EINVAL);
    assert_string_equal(small, "not started");
}

/* ---- Multiboot 2 builder ---- */

static paddr_t mb2_start, mb2_pos;

static void mb2_begin(void)
{
    mb2_start = ALIGN_UP(next_pa, 8);
    mb2_pos = mb2_start + 8;        /* total_size, reserved */
    memset(at(mb2_start, 8), 0, 8);
}

/* A tag with `len` bytes of payload (its size is 8 + len), padded to 8 bytes. */
static paddr_t mb2_tag(u32 type, const void *payload, size_t len)
{
    paddr_t pa = mb2_pos;
    u32 hdr[2] = { type, (u32)(8 + len) };

    memcpy(at(pa, 8), hdr, 8);
    if (len)
        memcpy(at(pa + 8, len), payload, len);
    mb2_pos = ALIGN_UP(pa + 8 + len, 8);
    return pa;
}

static void mb2_string(u32 type, const char *s)
{
    mb2_tag(type, s, strlen(s) + 1);
}

static void mb2_module(u32 start, u32 end, const char *s)
{
    u8 buf[2048];
    size_t n = strlen(s) + 1;

    assert_true(8 + n <= sizeof(buf));
    memcpy(buf, &start, 4);
    memcpy(buf + 4, &end, 4);
    memcpy(buf + 8, s, n);
    mb2_tag(MB2_MODULE, buf, 8 + n);
}

static void mb2_meminfo(u32 lower, u32 upper)
{
    u32 v[2] = { lower, upper };

    mb2_tag(MB2_MEMINFO, v, sizeof(v));
}

static paddr_t mb2_mmap(const struct mmap_item *items, size_t n, u32 entry_size)
{
    u8 buf[8 + 64 * 160];
    u32 hdr[2] = { entry_size, 0 };

    assert_true(8 + n * entry_size <= sizeof(buf));
    memset(buf, 0xee, sizeof(buf));
    memcpy(buf, hdr, 8);
    for (size_t i = 0; i < n; i++) {
        struct mb2_mmap_entry e = { items[i].base, items[i].len, items[i].type, 0 };
        memcpy(buf + 8 + i * entry_size, &e, min((size_t)entry_size, sizeof(e)));
    }
    return mb2_tag(MB2_MMAP, buf, 8 + n * entry_size);
}

/* The end tag, and total_size set to cover it; returns the information's address. */
static paddr_t mb2_finish(void)
{
    u32 total;

    mb2_tag(MB2_END, NULL, 0);
    total = mb2_pos - mb2_start;
    memcpy(at(mb2_start, 4), &total, 4);
    next_pa = mb2_pos;
    return mb2_start;
}

static void mb2_set_total(u32 total)
{
    memcpy(at(mb2_start, 4), &total, 4);
}

/* RSDPs as the two ACPI tags carry them (checksums do not matter to the parser). */
static u8 rsdp_v1[20] = "RSD PTR \x11OLDOEM\x00\x78\x56\x34\x12";
static u8 rsdp_v2[36] = "RSD PTR \x22NEWOEM\x02\x78\x56\x34\x12\x24\x00\x00\x00"
                        "\x00\x10\xfe\x3f\x00\x00\x00\x00\x33\x00\x00";

/* The informations GRUB gives, in its order; returns its address. */
static paddr_t put_mb2_good(void)
{
    mb2_begin();
    mb2_string(MB2_CMDLINE, "loglvl=debug  console=com1"); /* GRUB 2: no image name */
    mb2_string(MB2_LOADER, "GRUB 2.06");
    mb2_module(0x200000, 0x280000, "/boot/dom0.elf root=/dev/sda1");
    mb2_module(0x300000, 0x301000, "");
    mb2_meminfo(639, 1047424);
    mb2_tag(MB2_BOOTDEV, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
    mb2_mmap(pc_mmap, ARRAY_SIZE(pc_mmap), 24);
    mb2_tag(MB2_FRAMEBUFFER, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22);
    mb2_tag(MB2_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
    mb2_tag(MB2_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
    mb2_tag(0x1234, "unknown tags are skipped", 24);
    return mb2_finish();
}

static paddr_t put_mb2_cmdline_and_loader(const char *cmdline, const char *loader,
                                          bool loader_first)
{
    mb2_begin();
    if (loader && loader_first)
        mb2_string(MB2_LOADER, loader);
    mb2_string(MB2_CMDLINE, cmdline);
    if (loader && !loader_first)
        mb2_string(MB2_LOADER, loader);
    mb2_meminfo(639, 65536);
    return mb2_finish();
}

/* ---- Multiboot 2 cases ---- */

static void test_mb2_good_info(void **state)
{
    paddr_t pa = put_mb2_good();

    (void)state;
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, pa));
    assert_int_equal(bi.protocol, 2);
    assert_string_equal(bi.loader, "GRUB 2.06");
    assert_string_equal(bi.cmdline, "loglvl=debug  console=com1");
    assert_int_equal(bi.nr_modules, 2);
    assert_module(0, 0x200000, 0x80000, "dom0.elf", "/boot/dom0.elf root=/dev/sda1");
    assert_module(1, 0x300000, 0x1000, "module1", "");
    /* the memory map, not the basic figures */
    assert_pc_mmap_sanitized();
    /* the ACPI 2.0 copy is preferred */
    assert_true(bi.have_rsdp);
    assert_memory_equal(bi.rsdp, rsdp_v2, 36);
}

static void test_mb2_acpi_tags(void **state)
{
    u8 want[36] = { 0 };

    (void)state;
    /* old only: 20 bytes, the rest zero */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_true(bi.have_rsdp);
    memcpy(want, rsdp_v1, 20);
    assert_memory_equal(bi.rsdp, want, 36);

    /* new before old: the new one stays */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
    mb2_tag(MB2_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_memory_equal(bi.rsdp, rsdp_v2, 36);

    /* none */
    mb2_begin();
    mb2_meminfo(639, 1024);
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_false(bi.have_rsdp);

    /* a tag too short for its RSDP */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_ACPI_NEW, rsdp_v2, 20);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "the ACPI RSDP tag is truncated");
    mb2_begin();
    mb2_tag(MB2_ACPI_OLD, rsdp_v1, 19);
    mb2_meminfo(639, 1024);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "the ACPI RSDP tag is truncated");
}

static void test_mb2_basic_memory_only(void **state)
{
    (void)state;
    mb2_begin();
    mb2_string(MB2_CMDLINE, "hv");
    mb2_meminfo(639, 523264);
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_int_equal(bi.nr_memmap, 2);
    assert_range(0, 0, 639 * 1024, MEM_RAM);
    assert_range(1, MiB(1), 523264ULL * 1024, MEM_RAM);
    assert_string_equal(bi.cmdline, "");
    assert_string_equal(bi.loader, "unknown");

    mb2_begin();
    mb2_string(MB2_CMDLINE, "hv");
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()),
                 "the loader gave no memory map and no memory size");

    mb2_begin();
    mb2_tag(MB2_MEMINFO, "\x7f\x02\0\0", 4);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()),
                 "the basic memory information tag is truncated");
}

static void test_mb2_mmap_entry_sizes(void **state)
{
    (void)state;
    /* larger entries than the specification's 24 bytes: stepped over by entry_size */
    mb2_begin();
    mb2_mmap(pc_mmap, ARRAY_SIZE(pc_mmap), 40);
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_pc_mmap_sanitized();

    mb2_begin();
    mb2_mmap(pc_mmap, ARRAY_SIZE(pc_mmap), 16);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()),
                 "the memory map's entry size is invalid");
    mb2_begin();
    mb2_mmap(pc_mmap, ARRAY_SIZE(pc_mmap), 28);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "entry size is invalid");
    mb2_begin();
    mb2_mmap(pc_mmap, ARRAY_SIZE(pc_mmap), 0);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "entry size is invalid");

    /* a tag too short for its own header */
    mb2_begin();
    mb2_tag(MB2_MMAP, "\x18\0\0\0", 4);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "the memory map tag is truncated");

    /* a partial entry at the end of the tag is not read */
    mb2_begin();
    paddr_t tag = mb2_mmap(pc_mmap, 2, 24);
    u32 size = 8 + 8 + 24 + 12;
    memcpy(at(tag + 4, 4), &size, 4);
    mb2_pos = tag + ALIGN_UP(size, 8); /* the end tag right after the shortened tag */
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_int_equal(bi.nr_memmap, 1);
    assert_range(0, 0x100000, 0x3ff00000 - 0x100000, MEM_RAM);
}

static void test_mb2_total_size(void **state)
{
    paddr_t pa = put_mb2_good();

    (void)state;
    mb2_set_total(8);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, pa), "impossible total size");
    mb2_set_total(15);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, pa), "impossible total size");
    mb2_set_total(0);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, pa), "impossible total size");
    mb2_set_total(0x100001);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, pa), "impossible total size");
    mb2_set_total(0xffffffff);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, pa), "impossible total size");
    /* plausible, but more than there is memory */
    mb2_set_total(BOOT_BASE + BOOT_SIZE - pa + 8);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, pa),
                 "the Multiboot 2 information runs past readable memory");
    /* a total that ends inside the tags: the tag crossing it is refused */
    mb2_set_total(40);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, pa), "a Multiboot 2 tag has an impossible size");
}

static void test_mb2_location(void **state)
{
    paddr_t pa = put_mb2_good();

    (void)state;
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, UNREADABLE),
                 "the Multiboot 2 information is not readable");
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, BOOT_BASE + BOOT_SIZE - 4), "is not readable");

    /* the same information 4 bytes further: not 8-byte aligned */
    u32 total;
    memcpy(&total, at(pa, 4), 4);
    next_pa = ALIGN_UP(next_pa, 8) + 4;
    paddr_t moved = put(at(pa, total), total, 1);
    assert_int_equal(moved % 8, 4);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, moved),
                 "the Multiboot 2 information is not 8-byte aligned");
}

static void test_mb2_bad_tags(void **state)
{
    paddr_t tag;
    u32 size;

    (void)state;
    /* a tag smaller than a tag header */
    for (size = 0; size < 8; size++) {
        mb2_begin();
        mb2_meminfo(639, 1024);
        tag = mb2_tag(MB2_LOADER, "GRUB", 5);
        memcpy(at(tag + 4, 4), &size, 4);
        assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()),
                     "a Multiboot 2 tag has an impossible size");
    }

    /* a tag running past total_size */
    mb2_begin();
    mb2_meminfo(639, 1024);
    tag = mb2_tag(MB2_LOADER, "GRUB", 5);
    size = 4096;
    memcpy(at(tag + 4, 4), &size, 4);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "impossible size");

    /* no end tag: total_size stops right after the last tag */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_finish();
    mb2_set_total(8 + 16);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_start),
                 "the Multiboot 2 information has no end tag");

    /* total_size leaves 4 bytes, too few for another tag header */
    mb2_set_total(8 + 16 + 4);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_start),
                 "a Multiboot 2 tag runs past the information's end");

    /* a last tag whose padding would run past total_size: no end tag either */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_LOADER, "GRUB", 5);
    mb2_finish();
    mb2_set_total(8 + 16 + 13);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_start), "has no end tag");
}

static void test_mb2_strings_and_modules(void **state)
{
    char line[BOOT_CMDLINE_MAX + 8];

    (void)state;
    /* a string tag with nothing in it */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_CMDLINE, NULL, 0);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "a string tag is empty");

    /* a string without its terminator inside the tag */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_CMDLINE, "hv abcdefgh", 11);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "the command line string at 0x");
    assert_contains(err, "longer than 10 bytes");
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_LOADER, "GRUB", 4);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "the boot loader name string at");

    /* the longest command line there is room for, then one more character */
    memset(line, 'c', sizeof(line));
    memcpy(line, "hv ", 3);
    line[BOOT_CMDLINE_MAX - 1] = '\0';
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_string(MB2_CMDLINE, line);
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 4);
    line[BOOT_CMDLINE_MAX - 1] = 'c';
    line[BOOT_CMDLINE_MAX] = '\0';
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_string(MB2_CMDLINE, line);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "longer than 1023 bytes");

    /* a module tag without room for a command line */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_tag(MB2_MODULE, "\0\0\x20\0\0\0\x30\0", 8);
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "a module tag is truncated");

    /* a module ending before it starts */
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_module(0x200000, 0x201000, "a");
    mb2_module(0x400000, 0x300000, "b");
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()),
                 "module 1 ends (0x300000) before it starts (0x400000)");

    /* 64 modules, then 65 */
    mb2_begin();
    mb2_meminfo(639, 1024);
    for (unsigned int i = 0; i < BOOT_MAX_MODULES; i++)
        mb2_module(0x1000000 + i * 0x1000, 0x1001000 + i * 0x1000, "/lib/mod.ko opt=1");
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
    assert_module(63, 0x1000000 + 63 * 0x1000, 0x1000, "mod.ko", "/lib/mod.ko opt=1");
    mb2_begin();
    mb2_meminfo(639, 1024);
    for (unsigned int i = 0; i <= BOOT_MAX_MODULES; i++)
        mb2_module(0x1000000 + i * 0x1000, 0x1001000 + i * 0x1000, "m");
    assert_error(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()), "more than 64 modules");
}

static void test_mb2_long_module_name_is_cut(void **state)
{
    char s[200], want[BOOT_MODNAME_MAX];

    (void)state;
    memset(s, 'n', sizeof(s));
    memcpy(s, "/boot/", 6);
    s[150] = ' ';
    s[sizeof(s) - 1] = '\0';
    mb2_begin();
    mb2_meminfo(639, 1024);
    mb2_module(0x200000, 0x201000, s);
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    memset(want, 'n', sizeof(want) - 1);
    want[sizeof(want) - 1] = '\0';
    assert_string_equal(bi.modules[0].name, want);
    assert_string_equal(bi.modules[0].cmdline, s);
}

/* Regression test (a bug fixed in the hypervisor): a tab after the first word of a command line. */
static void test_tab_ends_the_first_word(void **state)
{
    (void)state;
    mb2_begin();
    mb2_string(MB2_CMDLINE, "/boot/hypervisor.elf\tloglvl=debug console=com1");
    mb2_module(0x200000, 0x280000, "/boot/dom0.elf\troot=/dev/sda1");
    mb2_meminfo(639, 1024);
    assert_ok(parse(MULTIBOOT2_BOOT_MAGIC, mb2_finish()));
    /* the options are kept (param_parse() takes tabs as blanks) */
    assert_string_equal(bi.cmdline, "loglvl=debug console=com1");
    /* the module is named by its first word, not by the last '/' of its line */
    assert_string_equal(bi.modules[0].name, "dom0.elf");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, fresh_machine)
    const struct CMUnitTest tests[] = {
        T(test_mb1_good_info),
        T(test_mb1_command_line_forms),
        T(test_image_name_dropped_unless_grub2),
        T(test_mb1_basic_memory_only),
        T(test_mb1_mmap_preferred_over_basic_memory),
        T(test_mb1_no_memory_information),
        T(test_mb1_memory_without_ram),
        T(test_mb1_mmap_entry_shorter_than_20_bytes),
        T(test_mb1_mmap_running_past_its_length),
        T(test_mb1_module_list_not_readable),
        T(test_mb1_too_many_modules),
        T(test_mb1_module_ends_before_it_starts),
        T(test_mb1_unterminated_command_line),
        T(test_mb1_strings_out_of_readable_memory),
        T(test_mb1_info_not_readable),
        T(test_mmap_with_too_many_entries),
        T(test_bad_magic),
        T(test_error_message_truncated_to_buffer),
        T(test_mb2_good_info),
        T(test_mb2_acpi_tags),
        T(test_mb2_basic_memory_only),
        T(test_mb2_mmap_entry_sizes),
        T(test_mb2_total_size),
        T(test_mb2_location),
        T(test_mb2_bad_tags),
        T(test_mb2_strings_and_modules),
        T(test_mb2_long_module_name_is_cut),
        T(test_tab_ends_the_first_word),
    };

    return cmocka_run_group_tests(tests, NULL, forget_machine);
}
