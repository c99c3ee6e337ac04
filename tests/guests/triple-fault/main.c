/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * triple-fault: with an IDT of limit 0, INT3 cannot be delivered (#GP), nor can the
 * #GP (#DF), nor the #DF: the CPU shuts down. A hypervisor must end the domain, not
 * the machine and not itself. There is no RESULT line on success: the harness
 * expects the domain to crash. Still running afterwards is a failure.
 */
#include "framework.h"

void test_main(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        unsigned long base;
    } empty = { 0, 0 };

    printf("loading an empty IDT and executing int3: this must end in a triple fault\n");
    asm volatile("lidt %0\n\t"
                 "int3" :: "m"(empty) : "memory");
    abort_test("still running after int3 with an empty IDT");
}
