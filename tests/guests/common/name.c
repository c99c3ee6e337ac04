/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compiled once per kernel by the build (guests.mk), which defines TEST_NAME,
 * MODE_NAME, TEST_VCPUS and KERNEL_ENTRIES_<both|multiboot|pvh>: what the kernel
 * calls itself on its RESULT line, how many CPUs it asks for, and which entries it
 * carries (bootsig.asm).
 */
#include "framework.h"

/* In the high image in every mode (see kernel.lds.S): head.asm prints them before a
 * real-mode kernel's low part is in place. */
const char test_name[] __attribute__((section(".rodata.name"))) = TEST_NAME;
const char mode_name[] __attribute__((section(".rodata.name"))) = MODE_NAME;

/* test.conf's `vcpus`: the CPUs the test asks the machine for (smp_boot()). */
const unsigned int test_vcpus = TEST_VCPUS;

#if defined(KERNEL_ENTRIES_multiboot)
const unsigned int kernel_entries = 1u << BOOT_MULTIBOOT;
#elif defined(KERNEL_ENTRIES_pvh)
const unsigned int kernel_entries = 1u << BOOT_PVH;
#else
const unsigned int kernel_entries = (1u << BOOT_MULTIBOOT) | (1u << BOOT_PVH);
#endif
