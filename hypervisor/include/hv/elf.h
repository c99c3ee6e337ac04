/* SPDX-License-Identifier: BSD-2-Clause */
/* The ELF structures the guest loader reads (System V ABI, ELF-32 and ELF-64). */
#ifndef HV_ELF_H
#define HV_ELF_H

#include <hv/types.h>

#define ELFCLASS32   1
#define ELFCLASS64   2
#define ELFDATA2LSB  1
#define ET_EXEC      2
#define EM_386       3
#define EM_X86_64    62
#define PT_LOAD      1
#define PT_NOTE      4

struct elf32_ehdr {
    u8 ident[16];
    u16 type, machine;
    u32 version, entry, phoff, shoff, flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_ehdr {
    u8 ident[16];
    u16 type, machine;
    u32 version;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};

struct elf_note {
    u32 namesz, descsz, type;
};

#endif /* HV_ELF_H */
