/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The image layout. The ".boot" sections run before paging and are linked at their
 * physical address; everything else is linked in the high half (HV_VIRT_BASE + phys)
 * and loaded right after them. Each of text, rodata and data starts on a page so the
 * host page tables can map text read-only+executable, rodata read-only, data
 * read-write+no-execute (W^X).
 *
 * ENTRY is the physical 32-bit entry point: both GRUB and QEMU jump to e_entry.
 */
#include <asm/config.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(start32)

PHDRS
{
    boot   PT_LOAD FLAGS(7);
    text   PT_LOAD FLAGS(5);
    rodata PT_LOAD FLAGS(4);
    data   PT_LOAD FLAGS(6);
}

SECTIONS
{
    . = HV_LOAD_PHYS;
    __image_start_phys = .;

    .boot : {
        KEEP(*(.multiboot))
        *(.boot.text)
        . = ALIGN(4096);
        *(.boot.data)
    } :boot

    . = ALIGN(4096);
    . += HV_VIRT_BASE;

    __text_start = .;
    .text : AT(ADDR(.text) - HV_VIRT_BASE) {
        *(.text .text.*)
        *(.fixup)
    } :text
    . = ALIGN(4096);
    __text_end = .;

    __rodata_start = .;
    .rodata : AT(ADDR(.rodata) - HV_VIRT_BASE) {
        *(.rodata .rodata.*)
        . = ALIGN(8);
        __param_start = .;
        KEEP(*(.param))
        __param_end = .;
        . = ALIGN(8);
        __keyhandler_start = .;
        KEEP(*(.keyhandler))
        __keyhandler_end = .;
        . = ALIGN(8);
        __ex_table_start = .;
        KEEP(*(.ex_table))
        __ex_table_end = .;
        /* Last: the symbol table, whose size differs between the two links. */
        . = ALIGN(8);
        KEEP(*(.hvsyms))
    } :rodata
    . = ALIGN(4096);
    __rodata_end = .;

    __data_start = .;
    .data : AT(ADDR(.data) - HV_VIRT_BASE) {
        *(.data.ro_after_init)
        . = ALIGN(4096);
        __ro_after_init_end = .;
        *(.data .data.*)
    } :data
    . = ALIGN(4096);
    __percpu_start = .;
    .percpu : AT(ADDR(.percpu) - HV_VIRT_BASE) {
        KEEP(*(.percpu.first))
        *(.percpu.data)
    } :data
    . = ALIGN(64);
    __percpu_end = .;

    . = ALIGN(4096);
    .bss (NOLOAD) : AT(ADDR(.bss) - HV_VIRT_BASE) {
        __bss_start = .;
        /* The boot CPU's stack, with an unmapped guard page below it. */
        . = ALIGN(4096);
        __bsp_stack_guard = .;
        . += 4096;
        *(.bss.stack)
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(4096);
        __bss_end = .;
    } :data
    __image_end = .;
    __image_end_phys = . - HV_VIRT_BASE;

    /DISCARD/ : {
        *(.comment) *(.note.*) *(.eh_frame) *(.eh_frame_hdr)
    }
}
