/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Multiboot v1 and v2 information parsers. They only read the loader's memory through
 * the boot_mem_fn callback, check every length and pointer against the sizes the
 * structures declare, and report the first thing wrong in a sentence: a corrupt or
 * hostile info block must give a clear message, never a fault. Host unit tests feed
 * them crafted and corrupted structures (tests/unit/test_multiboot.c).
 *
 * Layouts: the Multiboot Specification 0.6.96 (v1) and 2.0 (v2), sections 3.3 and 3.6.
 */
#include <hv/bootinfo.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/multiboot1.h>

/* v2 tags. */
#define MB2_TAG_END       0
#define MB2_TAG_CMDLINE   1
#define MB2_TAG_LOADER    2
#define MB2_TAG_MODULE    3
#define MB2_TAG_MEMINFO   4
#define MB2_TAG_MMAP      6
#define MB2_TAG_ACPI_OLD  14
#define MB2_TAG_ACPI_NEW  15

#define MB2_MAX_TOTAL     (1u << 20)   /* far more than any loader produces */

struct mb2_tag {
    u32 type;
    u32 size;
} __packed;

struct mb2_tag_module {
    u32 type, size;
    u32 mod_start, mod_end;
    char string[];
} __packed;

struct mb2_tag_meminfo {
    u32 type, size;
    u32 mem_lower, mem_upper;
} __packed;

struct mb2_tag_mmap {
    u32 type, size;
    u32 entry_size, entry_version;
} __packed;

struct mb2_mmap_entry {
    u64 addr, len;
    u32 type, reserved;
} __packed;

struct parse_ctx {
    boot_mem_fn mem;
    struct boot_info *bi;
    char *err;
    size_t errlen;
};

static int fail(struct parse_ctx *c, const char *what)
{
    hv_strlcpy(c->err, what, c->errlen);
    return -EINVAL;
}

/* Copy a NUL-terminated string of at most `max` bytes (terminator included) that the
 * loader left at physical `pa`. Longer strings are an error: we would cut a command
 * line silently otherwise. */
static int copy_phys_string(struct parse_ctx *c, paddr_t pa, char *dst, size_t max,
                            const char *what)
{
    for (size_t i = 0; i < max; i++) {
        const char *p = c->mem(pa + i, 1);
        if (!p) {
            snprintf(c->err, c->errlen, "the %s string at %#llx is not readable", what,
                     (unsigned long long)pa);
            return -EINVAL;
        }
        dst[i] = *p;
        if (!*p)
            return 0;
    }
    snprintf(c->err, c->errlen, "the %s string at %#llx is longer than %zu bytes", what,
             (unsigned long long)pa, max - 1);
    return -EINVAL;
}

/*
 * Most loaders (QEMU, GRUB Legacy, iPXE) start the command line with the image's
 * name; GRUB 2 passes only the arguments. Drop the name where there is one.
 */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void cook_hv_cmdline(struct boot_info *bi)
{
    const char *p = bi->cmdline;

    while (is_blank(*p))
        p++;
    if (strncmp(bi->loader, "GRUB 2", 6)) {
        while (*p && !is_blank(*p))
            p++;
        while (is_blank(*p))
            p++;
    }
    memmove(bi->cmdline, p, strlen(p) + 1);
}

static int add_module(struct parse_ctx *c, u64 start, u64 end, const char *cmdline)
{
    struct boot_info *bi = c->bi;
    struct boot_module *m;
    const char *w, *base;
    size_t len;

    if (bi->nr_modules == BOOT_MAX_MODULES)
        return fail(c, "more than " STRINGIFY(BOOT_MAX_MODULES) " modules");
    if (end < start) {
        snprintf(c->err, c->errlen, "module %u ends (%#llx) before it starts (%#llx)",
                 bi->nr_modules, (unsigned long long)end, (unsigned long long)start);
        return -EINVAL;
    }
    m = &bi->modules[bi->nr_modules];
    m->start = start;
    m->size = end - start;
    hv_strlcpy(m->cmdline, cmdline, sizeof(m->cmdline));

    /* Name: the basename of the first word. */
    for (w = m->cmdline; is_blank(*w); w++)
        ;
    for (len = 0; w[len] && !is_blank(w[len]); len++)
        ;
    base = w;
    for (size_t i = 0; i < len; i++)
        if (w[i] == '/')
            base = w + i + 1;
    len -= base - w;
    if (len == 0)
        snprintf(m->name, sizeof(m->name), "module%u", bi->nr_modules);
    else
        snprintf(m->name, sizeof(m->name), "%.*s", (int)len, base);
    bi->nr_modules++;
    return 0;
}

static int add_range(struct parse_ctx *c, u64 start, u64 len, u32 type)
{
    struct boot_info *bi = c->bi;

    if (bi->nr_memmap == BOOT_MAX_MEMMAP)
        return fail(c, "the memory map has more than " STRINGIFY(BOOT_MAX_MEMMAP)
                       " entries");
    /* Types outside 1..5 are reserved by the ACPI specification: treat as reserved. */
    if (type < MEM_RAM || type > MEM_UNUSABLE)
        type = MEM_RESERVED;
    bi->memmap[bi->nr_memmap].start = start;
    bi->memmap[bi->nr_memmap].size = len;
    bi->memmap[bi->nr_memmap].type = type;
    bi->nr_memmap++;
    return 0;
}

/* Without a memory map, the two "basic" figures describe RAM below and above 1 MiB. */
static int add_basic_meminfo(struct parse_ctx *c, u32 lower_kib, u32 upper_kib)
{
    int rc = add_range(c, 0, (u64)lower_kib << 10, MEM_RAM);
    return rc ? rc : add_range(c, MiB(1), (u64)upper_kib << 10, MEM_RAM);
}

static int parse_mb1(struct parse_ctx *c, paddr_t mbi)
{
    const struct mb1_info *info = c->mem(mbi, sizeof(*info));
    struct boot_info *bi = c->bi;
    char buf[BOOT_CMDLINE_MAX];
    int rc;

    if (!info)
        return fail(c, "the Multiboot information structure is not readable");
    bi->protocol = 1;

    if (info->flags & MB1_INFO_CMDLINE) {
        rc = copy_phys_string(c, info->cmdline, buf, sizeof(buf), "command line");
        if (rc)
            return rc;
        hv_strlcpy(bi->cmdline, buf, sizeof(bi->cmdline));
    }
    if (info->flags & MB1_INFO_LOADER) {
        rc = copy_phys_string(c, info->boot_loader_name, buf, sizeof(buf),
                              "boot loader name");
        if (rc)
            return rc;
        hv_strlcpy(bi->loader, buf, sizeof(bi->loader));
    }

    if (info->flags & MB1_INFO_MODS) {
        if (info->mods_count > BOOT_MAX_MODULES)
            return fail(c, "more than " STRINGIFY(BOOT_MAX_MODULES) " modules");
        for (u32 i = 0; i < info->mods_count; i++) {
            const struct mb1_module *m =
                c->mem(info->mods_addr + (u64)i * sizeof(*m), sizeof(*m));
            if (!m)
                return fail(c, "the module list is not readable");
            buf[0] = '\0';
            if (m->string) {
                rc = copy_phys_string(c, m->string, buf, sizeof(buf),
                                      "module command line");
                if (rc)
                    return rc;
            }
            rc = add_module(c, m->mod_start, m->mod_end, buf);
            if (rc)
                return rc;
        }
    }

    if (info->flags & MB1_INFO_MMAP) {
        u64 off = 0;
        if (info->mmap_length == 0)
            return fail(c, "the memory map is empty");
        while (off < info->mmap_length) {
            const struct mb1_mmap_entry *e;
            if (off + sizeof(*e) > info->mmap_length)
                return fail(c, "a memory map entry runs past the map's end");
            e = c->mem(info->mmap_addr + off, sizeof(*e));
            if (!e)
                return fail(c, "the memory map is not readable");
            if (e->size < sizeof(*e) - sizeof(e->size))
                return fail(c, "a memory map entry is shorter than 20 bytes");
            rc = add_range(c, e->addr, e->len, e->type);
            if (rc)
                return rc;
            off += (u64)e->size + sizeof(e->size);
        }
    } else if (info->flags & MB1_INFO_MEM) {
        rc = add_basic_meminfo(c, info->mem_lower, info->mem_upper);
        if (rc)
            return rc;
    } else {
        return fail(c, "the loader gave no memory map and no memory size");
    }
    return 0;
}

static int parse_mb2_mmap(struct parse_ctx *c, paddr_t tag_pa, u32 size)
{
    const struct mb2_tag_mmap *t = c->mem(tag_pa, sizeof(*t));
    int rc;

    if (size < sizeof(*t) || !t)
        return fail(c, "the memory map tag is truncated");
    if (t->entry_size < sizeof(struct mb2_mmap_entry) || t->entry_size % 8)
        return fail(c, "the memory map's entry size is invalid");
    for (u64 off = sizeof(*t); off + t->entry_size <= size; off += t->entry_size) {
        const struct mb2_mmap_entry *e = c->mem(tag_pa + off, sizeof(*e));
        if (!e)
            return fail(c, "the memory map is not readable");
        rc = add_range(c, e->addr, e->len, e->type);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_mb2_tag(struct parse_ctx *c, paddr_t pa, const struct mb2_tag *tag,
                         bool *have_mmap, bool *have_meminfo, u32 *lower, u32 *upper)
{
    struct boot_info *bi = c->bi;
    char buf[BOOT_CMDLINE_MAX];
    size_t hdr = sizeof(*tag);
    int rc;

    switch (tag->type) {
    case MB2_TAG_CMDLINE:
    case MB2_TAG_LOADER:
        if (tag->size <= hdr)
            return fail(c, "a string tag is empty");
        rc = copy_phys_string(c, pa + hdr, buf, min((size_t)(tag->size - hdr), sizeof(buf)),
                              tag->type == MB2_TAG_CMDLINE ? "command line"
                                                           : "boot loader name");
        if (rc)
            return rc;
        if (tag->type == MB2_TAG_CMDLINE)
            hv_strlcpy(bi->cmdline, buf, sizeof(bi->cmdline));
        else
            hv_strlcpy(bi->loader, buf, sizeof(bi->loader));
        return 0;
    case MB2_TAG_MODULE: {
        const struct mb2_tag_module *m = c->mem(pa, sizeof(*m));
        if (tag->size <= sizeof(*m) || !m)
            return fail(c, "a module tag is truncated");
        rc = copy_phys_string(c, pa + sizeof(*m), buf,
                              min((size_t)(tag->size - sizeof(*m)), sizeof(buf)),
                              "module command line");
        return rc ? rc : add_module(c, m->mod_start, m->mod_end, buf);
    }
    case MB2_TAG_MEMINFO: {
        const struct mb2_tag_meminfo *mi = c->mem(pa, sizeof(*mi));
        if (tag->size < sizeof(*mi) || !mi)
            return fail(c, "the basic memory information tag is truncated");
        *have_meminfo = true;
        *lower = mi->mem_lower;
        *upper = mi->mem_upper;
        return 0;
    }
    case MB2_TAG_MMAP:
        *have_mmap = true;
        return parse_mb2_mmap(c, pa, tag->size);
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW: {
        size_t want = tag->type == MB2_TAG_ACPI_OLD ? 20 : 36;
        const u8 *r = c->mem(pa + hdr, want);
        if (tag->size < hdr + want || !r)
            return fail(c, "the ACPI RSDP tag is truncated");
        /* Prefer the v2 copy when the loader gives both. */
        if (!bi->have_rsdp || tag->type == MB2_TAG_ACPI_NEW) {
            memset(bi->rsdp, 0, sizeof(bi->rsdp));
            memcpy(bi->rsdp, r, want);
            bi->have_rsdp = true;
        }
        return 0;
    }
    default:
        return 0; /* framebuffer, ELF sections, EFI...: not used */
    }
}

static int parse_mb2(struct parse_ctx *c, paddr_t mbi)
{
    const u32 *hdr = c->mem(mbi, 8);
    bool have_mmap = false, have_meminfo = false, have_end = false;
    u32 total, lower = 0, upper = 0;
    int rc;

    if (!hdr)
        return fail(c, "the Multiboot 2 information is not readable");
    if (mbi % 8)
        return fail(c, "the Multiboot 2 information is not 8-byte aligned");
    total = hdr[0];
    if (total < 16 || total > MB2_MAX_TOTAL)
        return fail(c, "the Multiboot 2 information has an impossible total size");
    if (!c->mem(mbi, total))
        return fail(c, "the Multiboot 2 information runs past readable memory");
    c->bi->protocol = 2;

    for (u32 off = 8; off < total;) {
        const struct mb2_tag *tag;
        if (total - off < sizeof(*tag))
            return fail(c, "a Multiboot 2 tag runs past the information's end");
        tag = c->mem(mbi + off, sizeof(*tag));
        if (tag->size < sizeof(*tag) || tag->size > total - off)
            return fail(c, "a Multiboot 2 tag has an impossible size");
        if (tag->type == MB2_TAG_END) {
            have_end = true;
            break;
        }
        rc = parse_mb2_tag(c, mbi + off, tag, &have_mmap, &have_meminfo, &lower, &upper);
        if (rc)
            return rc;
        off += ALIGN_UP(tag->size, 8u);
    }
    if (!have_end)
        return fail(c, "the Multiboot 2 information has no end tag");
    if (!have_mmap) {
        if (!have_meminfo)
            return fail(c, "the loader gave no memory map and no memory size");
        rc = add_basic_meminfo(c, lower, upper);
        if (rc)
            return rc;
    }
    return 0;
}

int multiboot_parse(u32 magic, paddr_t mbi, boot_mem_fn mem, struct boot_info *bi,
                    char *err, size_t errlen)
{
    struct parse_ctx c = { .mem = mem, .bi = bi, .err = err, .errlen = errlen };
    int rc;

    memset(bi, 0, sizeof(*bi));
    hv_strlcpy(bi->loader, "unknown", sizeof(bi->loader));
    if (magic == MULTIBOOT1_BOOT_MAGIC)
        rc = parse_mb1(&c, mbi);
    else if (magic == MULTIBOOT2_BOOT_MAGIC)
        rc = parse_mb2(&c, mbi);
    else
        rc = fail(&c, "not started by a Multiboot loader");
    if (rc)
        return rc;

    cook_hv_cmdline(bi);
    bi->nr_memmap = memmap_sanitize(bi->memmap, bi->nr_memmap, BOOT_MAX_MEMMAP);
    if (memmap_total(bi->memmap, bi->nr_memmap, MEM_RAM) == 0)
        return fail(&c, "the memory map lists no RAM");
    return 0;
}
