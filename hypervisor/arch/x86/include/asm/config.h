/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's virtual memory layout and build-time limits. Shared by C and NASM
 * (config.inc is generated from this file's #defines by the Makefile), so keep every
 * definition here a plain number.
 *
 *   0xffff800000000000  direct map of all RAM (16 TiB window, PML4 slots 256-287)
 *   0xffffc00000000000  frame table: one struct page_info per frame (512 GiB)
 *   0xffffc80000000000  vmap area: stacks with guard pages, device mappings (512 GiB)
 *   0xffffffff80000000  the hypervisor image (top 2 GiB, -mcmodel=kernel)
 *
 * The lower half is left to guests' own address spaces (they never share ours: HVM
 * guests run under NPT/EPT) and to the AP start-up trampoline's identity mapping.
 */
#ifndef ASM_CONFIG_H
#define ASM_CONFIG_H

#define NR_CPUS 256

#define DIRECTMAP_BASE  0xffff800000000000
#define DIRECTMAP_SIZE  0x0000100000000000
#define FRAMETABLE_BASE 0xffffc00000000000
#define FRAMETABLE_SIZE 0x0000008000000000
#define VMAP_BASE       0xffffc80000000000
#define VMAP_SIZE       0x0000008000000000
#define HV_VIRT_BASE    0xffffffff80000000

/* Physical address the image is loaded at (the linker script uses it). */
#define HV_LOAD_PHYS 0x200000

/* Stacks: every CPU gets a main stack and IST stacks, each with a guard page below. */
#define STACK_ORDER 2                       /* 16 KiB main stack */
#define STACK_SIZE  (4096 << STACK_ORDER)
#define IST_STACK_SIZE 4096                 /* NMI, #DF, #MC */

#endif /* ASM_CONFIG_H */
