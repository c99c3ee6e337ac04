/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mbshim: a test boot loader. QEMU loads it by Multiboot 1 with the real hypervisor
 * image (build/hypervisor.elf) as its first module. It loads that ELF64 image by its
 * program headers, as GRUB would, then enters it with boot information broken in the
 * way the module's command line asks ("hypervisor.elf mode=<mode>"):
 *
 *   good        a correct Multiboot 1 information block (proves the shim itself works)
 *   badmagic    EAX holds no Multiboot magic
 *   nomem       Multiboot 1, with neither a memory map nor memory sizes
 *   shortmmap   Multiboot 1, a memory map entry shorter than 20 bytes
 *   longcmd     Multiboot 1, a command line with no terminator for 4 KiB
 *   mb2noend    Multiboot 2, tags with no end tag
 *   mb2bigtag   Multiboot 2, a tag whose size runs past the information's end
 *
 * 32-bit, freestanding, paging off, as the Multiboot entry state leaves it.
 */
#include <stddef.h>
#include <stdint.h>

#define MB1_BOOT_MAGIC 0x2badb002
#define MB2_BOOT_MAGIC 0x36d76289

struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb1_module {
    uint32_t start, end, string, reserved;
};

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static void say(const char *s)
{
    for (; *s; s++)
        outb(0x3f8, *s);
}

static void stop(const char *why)
{
    say("mbshim: ");
    say(why);
    say("\n");
    for (;;)
        __asm__ volatile("cli; hlt");
}

static void copy(void *d, const void *s, size_t n)
{
    uint8_t *dd = d;
    const uint8_t *ss = s;
    while (n--)
        *dd++ = *ss++;
}

static void fill(void *d, int c, size_t n)
{
    uint8_t *dd = d;
    while (n--)
        *dd++ = c;
}

static int starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

static const char *find_mode(const char *cmdline)
{
    for (const char *p = cmdline; *p; p++)
        if (starts(p, "mode="))
            return p + 5;
    return "good";
}

static uint32_t load_elf(const uint8_t *file)
{
    const struct elf64_ehdr *eh = (const void *)file;

    if (eh->ident[0] != 0x7f || eh->ident[1] != 'E' || eh->ident[4] != 2)
        stop("module 0 is not an ELF64 image");
    for (unsigned int i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = (const void *)(file + eh->phoff + i * eh->phentsize);
        if (ph->type != 1) /* PT_LOAD */
            continue;
        copy((void *)(uintptr_t)ph->paddr, file + ph->offset, ph->filesz);
        fill((void *)(uintptr_t)(ph->paddr + ph->filesz), 0, ph->memsz - ph->filesz);
    }
    return (uint32_t)eh->entry;
}

/* Where the broken information is built (8-byte aligned, as Multiboot 2 wants). */
static uint8_t info_buf[8192] __attribute__((aligned(8)));
static char long_cmdline[4096];
static char good_cmdline[] = "hypervisor.elf";

__attribute__((noreturn)) static void enter(uint32_t entry, uint32_t magic, void *info)
{
    __asm__ volatile("jmp *%0" ::"r"(entry), "a"(magic), "b"(info));
    __builtin_unreachable();
}

void shim_main(uint32_t magic, const struct mb1_info *mbi);
void shim_main(uint32_t magic, const struct mb1_info *mbi)
{
    const struct mb1_module *mod;
    struct mb1_info *out = (void *)info_buf;
    uint32_t *w = (void *)info_buf;
    const char *mode;
    uint32_t entry;

    if (magic != MB1_BOOT_MAGIC || !(mbi->flags & (1u << 3)) || mbi->mods_count < 1)
        stop("boot me by Multiboot 1 with the hypervisor image as module 0");
    mod = (const void *)(uintptr_t)mbi->mods_addr;
    mode = find_mode((const char *)(uintptr_t)mod->string);
    entry = load_elf((const uint8_t *)(uintptr_t)mod->start);

    /* Start from the real information: the loader's memory map, our command line. */
    copy(out, mbi, sizeof(*mbi));
    out->flags &= (1u << 0) | (1u << 6); /* memory sizes and map only */
    out->flags |= 1u << 2;
    out->cmdline = (uint32_t)(uintptr_t)good_cmdline;

    if (starts(mode, "good")) {
        enter(entry, MB1_BOOT_MAGIC, out);
    } else if (starts(mode, "badmagic")) {
        enter(entry, 0x12345678, out);
    } else if (starts(mode, "nomem")) {
        out->flags &= ~((1u << 0) | (1u << 6));
        enter(entry, MB1_BOOT_MAGIC, out);
    } else if (starts(mode, "shortmmap")) {
        uint32_t *e = (void *)(info_buf + 4096);
        e[0] = 4; /* this entry claims 4 bytes: less than addr+len+type */
        out->mmap_addr = (uint32_t)(uintptr_t)e;
        out->mmap_length = 24;
        enter(entry, MB1_BOOT_MAGIC, out);
    } else if (starts(mode, "longcmd")) {
        fill(long_cmdline, 'x', sizeof(long_cmdline));
        long_cmdline[0] = 'h';
        out->cmdline = (uint32_t)(uintptr_t)long_cmdline;
        enter(entry, MB1_BOOT_MAGIC, out);
    } else if (starts(mode, "mb2noend")) {
        /* total 24: header, then a 16-byte unknown tag, and no end tag. */
        w[0] = 24, w[1] = 0;
        w[2] = 21, w[3] = 16, w[4] = 0, w[5] = 0;
        enter(entry, MB2_BOOT_MAGIC, w);
    } else if (starts(mode, "mb2bigtag")) {
        /* total 32: a tag claiming 4096 bytes, then an end tag. */
        w[0] = 32, w[1] = 0;
        w[2] = 1, w[3] = 4096, w[4] = 0, w[5] = 0;
        w[6] = 0, w[7] = 8;
        enter(entry, MB2_BOOT_MAGIC, w);
    }
    stop("unknown mode");
}
