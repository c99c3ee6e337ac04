/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Constants shared by the C code, the linker script and the assembly (which gets them
 * through a generated NASM include: keep every definition a plain number).
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

/* Where the image is linked and loaded: 1 MiB, above the legacy PC areas. */
#define IMAGE_BASE      0x100000

/*
 * Real-mode code must run below 64 KiB (CS = 0, 16-bit IP). The image carries it at
 * its high address; the start-up code copies it to LOW_TEXT_BASE. The real-mode stack
 * (SS = 0, 16-bit SP) grows down from LOW_STACK_TOP to LOW_TEXT_LIMIT.
 */
#define LOW_TEXT_BASE   0x1000
#define LOW_TEXT_LIMIT  0xb000
#define LOW_STACK_TOP   0xfff0

/* The framework's GDT (head.asm). */
#define SEL_CODE32      0x08    /* flat 4 GiB, 32-bit code */
#define SEL_DATA32      0x10    /* flat 4 GiB data */
#define SEL_CODE64      0x18    /* 64-bit code (L=1) */
#define SEL_CODE16      0x20    /* base 0, limit 64 KiB, 16-bit code: the way to real mode */
#define SEL_DATA16      0x28    /* base 0, limit 4 GiB, 16-bit (B=0) data: "big real" */
#define GDT_FREE        6       /* entries from here on are for tests */
#define GDT_ENTRIES     10

/*
 * SMP (smp.c, ap_boot.asm). CPUs are numbered by their APIC IDs, 0 to MAX_CPUS - 1.
 * Each has a CPU_STACK_SIZE stack aligned to its size, whose lowest word holds the
 * CPU's number: smp_cpu_id() finds it from the stack pointer in every mode.
 */
#define MAX_CPUS        16
#define CPU_STACK_SIZE  0x4000
#define CPU_STACK_SHIFT 14

/* Vectors the framework keeps for itself once it uses the local APIC. */
#define SMP_CALL_VECTOR 0xf0    /* "look at your call slot" IPI (smp.c) */
#define SPURIOUS_VECTOR 0xff    /* the local APIC's spurious vector */

/* Which entry the loader used (boot_info.loader). */
#define BOOT_MULTIBOOT  1
#define BOOT_PVH        2

#define MULTIBOOT_HEADER_MAGIC 0x1badb002
#define MULTIBOOT_LOADER_MAGIC 0x2badb002

#endif /* GUEST_LAYOUT_H */
