/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The test kernels' layout (run through cpp with the kernel's MODE_* defined).
 *
 * The image is linked and loaded at IMAGE_BASE (1 MiB), virtual = physical, except
 * the "low" part, which must sit below 64 KiB to be usable in real mode: it is carried
 * inside the image (its load address, LMA, follows the high read-only sections) but
 * linked for LOW_TEXT_BASE (its VMA), and head.asm copies it there. Loaders load at
 * the program headers' physical addresses (p_paddr), as Multiboot and PVH loaders do.
 *
 * What is low: .lowtext (real-mode code of protected-mode kernels: the mode-switch
 * test) and, in real-mode kernels, all the C code and its data. gcc -m16 encodes
 * absolute addresses in 16 bits, so a real-mode kernel's code, data and .bss all
 * live below 64 KiB. Only the 32-bit start-up (head.asm's .head.* sections) and the
 * boot information parser (bootinfo32.o, sections .boot32.*), which run before the
 * drop to real mode, stay high.
 */
#include "layout.h"

ENTRY(multiboot_entry)

/* The real-mode interrupt vector table (traps.c). */
real_mode_ivt = 0;

PHDRS
{
    text PT_LOAD FLAGS(5);              /* R X */
    low  PT_LOAD FLAGS(7);              /* R W X: code and, in real mode, data */
    data PT_LOAD FLAGS(6);              /* R W */
    note PT_NOTE FLAGS(4);
}

SECTIONS
{
    . = IMAGE_BASE;
    __image_start = .;

    .text : {
        KEEP(*(.multiboot))             /* must be in the file's first 8 KiB */
        *(.head.text)
        *(.boot32.text*)
#ifndef MODE_REAL
        *(.text .text.*)
#endif
    } :text

    .note.Xen : { KEEP(*(.note.Xen)) } :text :note

    .rodata : {
        *(.head.rodata)
        *(.boot32.rodata*)
        *(.rodata.name)                 /* name.c: the kernel's name, for head.asm */
#ifndef MODE_REAL
        *(.rodata .rodata.*)
        __extable_start = .;
        KEEP(*(.extable))
        __extable_end = .;
#endif
    } :text

    __low_load = ALIGN(16);
    .low LOW_TEXT_BASE : AT(__low_load) {
        __low_start = .;
        KEEP(*(.lowtext.ap))            /* the APs' start (ap_boot.asm): page-aligned */
        *(.lowtext)
#ifdef MODE_REAL
        *(.text .text.*)
        *(.rodata .rodata.*)
        . = ALIGN(4);
        __extable_start = .;
        KEEP(*(.extable))
        __extable_end = .;
        *(.data .data.*)
#endif
        /* Never empty: the program header of an empty section would say address 0,
         * and loaders would think the image starts there. */
        LONG(0)
        __low_end = .;
    } :low
    /* In no program header: loaders would zero it at the load address, over the
     * image's data; head.asm zeroes it at its place instead. */
    .lowbss (NOLOAD) : {
        __lowbss_start = .;
#ifdef MODE_REAL
        *(.bss .bss.*)
        *(COMMON)
#endif
        __lowbss_end = .;
    } :NONE

    /* Back to the high image, virtual = physical (ld would otherwise keep the low
     * part's offset between the two). */
    . = __low_load + SIZEOF(.low);
    . = ALIGN(4096);
    .data : AT(ADDR(.data)) {
        *(.head.data)
#ifndef MODE_REAL
        *(.data .data.*)
#endif
    } :data
    .bss : AT(ADDR(.bss)) {
        __bss_start = .;
        *(.head.bss)
        *(.boot32.bss*)
#ifndef MODE_REAL
        *(.bss .bss.*)
        *(COMMON)
#endif
        __bss_end = .;
    } :data
    __image_end = .;

    /DISCARD/ : { *(.comment) *(.eh_frame) *(.note.gnu.*) *(.note.GNU-stack) }
}

/* A Startup IPI starts an AP at a page boundary below 1 MiB: LOW_TEXT_BASE. */
PROVIDE(ap_trampoline = LOW_TEXT_BASE);  /* (in kernels without SMP) */
ASSERT(ap_trampoline == LOW_TEXT_BASE, "the AP trampoline must come first in the low part")
ASSERT(__lowbss_end <= LOW_TEXT_LIMIT, "the real-mode image does not fit below LOW_TEXT_LIMIT")
