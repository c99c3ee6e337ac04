/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * event-mmio: INT3 with the stack pointer in the HPET's MMIO page. Delivering the
 * breakpoint writes the return frame there; the write is a nested page fault in the
 * middle of event delivery, with the event still pending (SVM EXITINTINFO, VMX
 * IDT-vectoring information). The hypervisor cannot emulate a push by the CPU's
 * delivery microcode: emulating "the instruction at RIP" would run the INT3 (or
 * whatever sits there) a second time, wrongly. It must crash this domain, and say why.
 * There is no RESULT line on success: the harness expects the crash.
 */
#include "devices.h"

void test_main(void)
{
    unsigned long sp = PLATFORM_HPET_BASE + 0x800; /* past the registers: reads 0 */

    if (!running_on_petrel())
        skip("the point is Petrel's answer; elsewhere the guest dies of its own accord");

    printf("INT3 with the stack at %#lx (the HPET's page): this domain must be crashed\n",
           sp);
    asm volatile("mov %0, %%" SP_REG "\n\t"
                 "int3" :: "r"(sp) : "memory");
    abort_test("still running after INT3 delivered through MMIO");
}
