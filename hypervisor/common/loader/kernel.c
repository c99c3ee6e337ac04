/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest kernel loader (see hv/loader.h). */
#include <hv/domain.h>
#include <hv/elf.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/loader.h>
#include <hv/multiboot1.h>
#include <public/elfnote.h>

#define MAX_SEGMENTS 16

struct segment_load {
    u64 paddr, filesz, memsz, offset;
};

struct load_ctx {
    const u8 *image;
    u64 size;
    char *err;
    size_t errlen;
    struct segment_load seg[MAX_SEGMENTS];
    unsigned int nr_seg;
};

static int bad(struct load_ctx *c, const char *fmt, ...) __printf(2, 3);
static int bad(struct load_ctx *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return -ENOEXEC;
}

/* Does [off, off + len) lie inside the file? */
static bool in_file(const struct load_ctx *c, u64 off, u64 len)
{
    return off <= c->size && len <= c->size - off;
}

static int add_segment(struct load_ctx *c, u64 paddr, u64 filesz, u64 memsz, u64 offset)
{
    if (c->nr_seg == MAX_SEGMENTS)
        return bad(c, "more than %u loadable segments", MAX_SEGMENTS);
    if (filesz > memsz)
        return bad(c, "a segment at %#llx has more file bytes (%#llx) than memory (%#llx)",
                   paddr, filesz, memsz);
    if (!in_file(c, offset, filesz))
        return bad(c, "a segment's bytes (offset %#llx, %#llx bytes) run past the end of "
                      "the file", offset, filesz);
    if (paddr + memsz < paddr || paddr + memsz > GiB(4))
        return bad(c, "a segment at %#llx (%#llx bytes) does not fit below 4 GiB", paddr,
                   memsz);
    for (unsigned int i = 0; i < c->nr_seg; i++) {
        const struct segment_load *s = &c->seg[i];
        if (paddr < s->paddr + s->memsz && s->paddr < paddr + memsz)
            return bad(c, "segments at %#llx and %#llx overlap", s->paddr, paddr);
    }
    c->seg[c->nr_seg++] = (struct segment_load){ paddr, filesz, memsz, offset };
    return 0;
}

/* Walk a PT_NOTE segment for the "Xen" note XEN_ELFNOTE_PHYS32_ENTRY. Notes are
 * 4-byte aligned: name and descriptor sizes round up. */
static bool find_pvh_note(const u8 *p, u64 len, u32 *entry)
{
    u64 off = 0;

    while (len - off >= sizeof(struct elf_note)) {
        const struct elf_note *n = (const void *)(p + off);
        u64 name = off + sizeof(*n), desc = name + ALIGN_UP((u64)n->namesz, 4);
        u64 next = desc + ALIGN_UP((u64)n->descsz, 4);

        if (next > len || next <= off)
            return false;
        if (n->namesz == 4 && !memcmp(p + name, "Xen", 4) &&
            n->type == XEN_ELFNOTE_PHYS32_ENTRY && n->descsz >= 4) {
            memcpy(entry, p + desc, 4);
            return true;
        }
        off = next;
    }
    return false;
}

/* The Multiboot 1 header: 4-byte aligned in the first 8 KiB, with a checksum. */
static const struct mb1_header *find_mb1_header(const struct load_ctx *c, u64 *offset)
{
    u64 end = min(c->size, (u64)MB1_HEADER_SEARCH);

    for (u64 off = 0; off + sizeof(struct mb1_header) <= end; off += 4) {
        const struct mb1_header *h = (const void *)(c->image + off);
        if (h->magic == MB1_HEADER_MAGIC && (u32)(h->magic + h->flags + h->checksum) == 0) {
            *offset = off;
            return h;
        }
    }
    return NULL;
}

/* Flag 16: load by the header's fields (the "a.out kludge", Multiboot spec 3.1.3). */
static int parse_mb1_addresses(struct load_ctx *c, const struct mb1_header *h, u64 hoff,
                               u32 *entry)
{
    u64 file_start, load_len, mem_len;

    if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > hoff)
        return bad(c, "the Multiboot header's load address is inconsistent with where "
                      "the header is");
    file_start = hoff - (h->header_addr - h->load_addr);
    load_len = h->load_end_addr ? (u64)h->load_end_addr - h->load_addr
                                : c->size - file_start;
    if (h->load_end_addr && h->load_end_addr < h->load_addr)
        return bad(c, "the Multiboot header's load end is below its load address");
    mem_len = h->bss_end_addr ? (u64)h->bss_end_addr - h->load_addr : load_len;
    if (h->bss_end_addr && mem_len < load_len)
        return bad(c, "the Multiboot header's bss end is below its load end");
    *entry = h->entry_addr;
    return add_segment(c, h->load_addr, load_len, mem_len, file_start);
}

/* Read the ELF header and program headers (32- or 64-bit) into c->seg, and look for
 * the PVH entry note. */
static int parse_elf(struct load_ctx *c, bool *has_pvh, u32 *pvh_entry)
{
    const u8 *id = c->image;
    bool is64 = id[4] == ELFCLASS64;
    u64 phoff, phentsize, phnum;
    u16 machine, type;

    if (id[4] != ELFCLASS32 && id[4] != ELFCLASS64)
        return bad(c, "not a 32- or 64-bit ELF file");
    if (id[5] != ELFDATA2LSB)
        return bad(c, "not a little-endian ELF file");
    if (!in_file(c, 0, is64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr)))
        return bad(c, "the ELF header is truncated");
    if (is64) {
        const struct elf64_ehdr *h = (const void *)c->image;
        phoff = h->phoff, phentsize = h->phentsize, phnum = h->phnum;
        machine = h->machine, type = h->type;
    } else {
        const struct elf32_ehdr *h = (const void *)c->image;
        phoff = h->phoff, phentsize = h->phentsize, phnum = h->phnum;
        machine = h->machine, type = h->type;
    }
    if (type != ET_EXEC || (machine != EM_386 && machine != EM_X86_64))
        return bad(c, "not an x86 executable ELF file (type %u, machine %u)", type, machine);
    if (phentsize < (is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr)) ||
        !in_file(c, phoff, phnum * phentsize) || phnum == 0)
        return bad(c, "the ELF program headers are missing or truncated");

    *has_pvh = false;
    for (u64 i = 0; i < phnum; i++) {
        const u8 *ph = c->image + phoff + i * phentsize;
        u64 ptype, off, filesz, memsz, paddr;
        int rc = 0;

        if (is64) {
            const struct elf64_phdr *p = (const void *)ph;
            ptype = p->type, off = p->offset, filesz = p->filesz;
            memsz = p->memsz, paddr = p->paddr;
        } else {
            const struct elf32_phdr *p = (const void *)ph;
            ptype = p->type, off = p->offset, filesz = p->filesz;
            memsz = p->memsz, paddr = p->paddr;
        }
        if (ptype == PT_LOAD && memsz)
            rc = add_segment(c, paddr, filesz, memsz, off);
        else if (ptype == PT_NOTE && in_file(c, off, filesz))
            rc = 0, *has_pvh |= find_pvh_note(c->image + off, filesz, pvh_entry);
        if (rc)
            return rc;
    }
    if (c->nr_seg == 0)
        return bad(c, "the ELF file has no loadable segment");
    return 0;
}

static int check_entry(struct load_ctx *c, u32 entry)
{
    for (unsigned int i = 0; i < c->nr_seg; i++)
        if (entry >= c->seg[i].paddr && entry < c->seg[i].paddr + c->seg[i].memsz)
            return 0;
    return bad(c, "the entry point %#x is not inside any loaded segment", entry);
}

static int copy_segments(struct domain *d, struct load_ctx *c, struct kernel_image *k)
{
    k->load_start = ~0ULL;
    k->load_end = 0;
    for (unsigned int i = 0; i < c->nr_seg; i++) {
        const struct segment_load *s = &c->seg[i];

        if (s->paddr < BOOTINFO_GPA + BOOTINFO_SIZE && BOOTINFO_GPA < s->paddr + s->memsz)
            return bad(c, "a segment at %#llx overlaps the boot information area "
                          "[%#llx, %#llx)", s->paddr, BOOTINFO_GPA, BOOTINFO_GPA + BOOTINFO_SIZE);
        if (copy_to_guest_phys(d, _gpa(s->paddr), c->image + s->offset, s->filesz) ||
            clear_guest_phys(d, _gpa(s->paddr + s->filesz), s->memsz - s->filesz))
            return bad(c, "the segment at %#llx-%#llx is not inside the guest's RAM",
                       s->paddr, s->paddr + s->memsz);
        k->load_start = min(k->load_start, s->paddr);
        k->load_end = max(k->load_end, s->paddr + s->memsz);
    }
    return 0;
}

int kernel_load(struct domain *d, const u8 *image, u64 size, struct kernel_image *k,
                char *err, size_t errlen)
{
    struct load_ctx c = { .image = image, .size = size, .err = err, .errlen = errlen };
    const struct mb1_header *mb;
    bool is_elf = size >= 16 && !memcmp(image, "\x7f" "ELF", 4);
    bool has_pvh = false;
    u32 pvh_entry = 0, entry = 0;
    u64 hoff = 0;
    int rc;

    mb = find_mb1_header(&c, &hoff);
    if (mb && (mb->flags & 0xffff & ~(MB1_HDR_PAGE_ALIGN | MB1_HDR_MEMINFO)))
        return bad(&c, "the Multiboot header requires features Petrel does not offer "
                       "(flags %#x: a video mode?)", mb->flags);
    if (mb && (mb->flags & MB1_HDR_ADDRESSES)) {
        rc = parse_mb1_addresses(&c, mb, hoff, &entry);
    } else if (is_elf) {
        rc = parse_elf(&c, &has_pvh, &pvh_entry);
        if (!rc)
            entry = is_elf && image[4] == ELFCLASS64 ? (u32)((const struct elf64_ehdr *)image)->entry
                                                      : ((const struct elf32_ehdr *)image)->entry;
    } else {
        return bad(&c, "neither an ELF file nor a Multiboot kernel with load addresses");
    }
    if (rc)
        return rc;
    if (has_pvh) {
        k->format = KERNEL_PVH;
        entry = pvh_entry;
    } else if (mb) {
        k->format = KERNEL_MULTIBOOT;
    } else {
        return bad(&c, "neither a PVH kernel (no XEN_ELFNOTE_PHYS32_ENTRY note) nor a "
                       "Multiboot kernel (no header in the first 8 KiB)");
    }
    rc = check_entry(&c, entry);
    if (!rc)
        rc = copy_segments(d, &c, k);
    k->entry = entry;
    return rc;
}
