/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cpuid: what a guest learns from CPUID under Petrel.
 *
 *   0x40000000  EBX,ECX,EDX = "XenVMMXenVMM" (the Xen signature Linux, SeaBIOS and
 *               Windows PV drivers look for), EAX = the highest hypervisor leaf,
 *               at least 0x40000001
 *   0x40000001  EAX = the version, major << 16 | minor
 *   1           ECX bit 31, "a hypervisor is present", set
 *   hidden      what a guest must not try to use: VMX (1:ECX[5]), SVM
 *               (0x80000001:ECX[2]), MONITOR/MWAIT (1:ECX[3])
 *
 * Without the signature (a plain CPU or emulator) there is nothing to test: SKIP.
 */
#include "framework.h"

#define CPUID1_ECX_MONITOR    (1u << 3)
#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUIDX1_ECX_SVM       (1u << 2)

/* The 12 bytes of EBX, ECX, EDX as text. */
static void signature(const struct cpuid *r, char out[13])
{
    const uint32_t words[3] = { r->b, r->c, r->d };

    for (unsigned int i = 0; i < 12; i++) {
        char c = (char)(words[i / 4] >> (8 * (i % 4)));
        out[i] = c >= 0x20 && c < 0x7f ? c : '.';
    }
    out[12] = '\0';
}

void test_main(void)
{
    struct cpuid base = cpuid(0x40000000), version, leaf1 = cpuid(1);
    char sig[13];

    signature(&base, sig);
    printf("CPUID 0x40000000: eax %#x, signature \"%s\"\n", base.a, sig);
    if (!running_on_petrel())
        skip("no hypervisor signature at CPUID 0x40000000 (\"%s\"): not under Petrel", sig);

    check(base.a >= 0x40000001 && base.a < 0x40000100,
          "CPUID 0x40000000: max leaf %#x, expected 0x40000001-0x400000ff", base.a);
    version = cpuid(0x40000001);
    printf("CPUID 0x40000001: version %u.%u\n", version.a >> 16, version.a & 0xffff);
    check(version.a != 0, "CPUID 0x40000001: version 0.0");

    check(leaf1.c & CPUID1_ECX_HYPERVISOR, "CPUID 1: the hypervisor bit (ECX[31]) is clear");
    check(!(leaf1.c & CPUID1_ECX_VMX), "CPUID 1: VMX (ECX[5]) is visible");
    check(!(leaf1.c & CPUID1_ECX_MONITOR), "CPUID 1: MONITOR/MWAIT (ECX[3]) is visible");
    if (cpuid(0x80000000).a >= 0x80000001)
        check(!(cpuid(0x80000001).c & CPUIDX1_ECX_SVM),
              "CPUID 0x80000001: SVM (ECX[2]) is visible");
}
