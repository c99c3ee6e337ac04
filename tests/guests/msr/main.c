/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msr: the MSRs a guest may use read and write as on hardware, and the others are
 * refused with #GP.
 *
 *   allowed   EFER (LME/LMA as the mode says), PAT and SYSENTER_CS/ESP/EIP (write
 *             and read back), TSC (RDTSC moves forward), APIC base
 *             (the architectural 0xfee00000, this CPU the BSP); 64-bit: FS_BASE,
 *             GS_BASE, KERNEL_GS_BASE (read back, and FS/GS-relative loads and
 *             SWAPGS use them)
 *   refused   RDMSR/WRMSR of MSRs that do not exist, WRMSR of EFER with a reserved
 *             bit: #GP
 *
 * The refusals are the hypervisor's to make: they are required under Petrel. Plain
 * QEMU TCG reads unknown MSRs as 0 and ignores reserved EFER bits, so elsewhere they
 * are only reported.
 */
#include "framework.h"

static bool strict;                     /* under Petrel: refusals are required */

/* Write `val`, read it back, put the old value back. */
static void check_readback(const char *name, uint32_t msr, uint64_t val)
{
    uint64_t old, got;
    int v;

    if ((v = rdmsr_safe(msr, &old)) != NO_FAULT) {
        fail("RDMSR %s (%#x): %s", name, msr, vector_name(v));
        return;
    }
    if ((v = wrmsr_safe(msr, val)) != NO_FAULT) {
        fail("WRMSR %s (%#x) = %#" PRIx64 ": %s", name, msr, val, vector_name(v));
        return;
    }
    got = rdmsr(msr);
    wrmsr(msr, old);
    check(got == val, "%s (%#x): wrote %#" PRIx64 ", read back %#" PRIx64, name, msr, val, got);
    printf("  %-16s was %#" PRIx64 ", wrote and read back %#" PRIx64 "\n", name, old, got);
}

static void expect_refused(const char *what, int vector)
{
    if (vector == X86_EXC_GP) {
        printf("  %-40s #GP: ok\n", what);
        return;
    }
    if (strict)
        fail("%s: expected #GP, got %s", what,
             vector == NO_FAULT ? "no exception" : vector_name(vector));
    else
        printf("  %-40s %s (not under Petrel: not required)\n", what,
               vector == NO_FAULT ? "no exception" : vector_name(vector));
}

static void test_refused(void)
{
    static const uint32_t bogus[] = { 0xdeadbeef, 0xc0011234 };
    uint64_t efer = rdmsr(MSR_EFER), val;
    char what[48];

    for (unsigned int i = 0; i < ARRAY_SIZE(bogus); i++) {
        snprintf(what, sizeof(what), "RDMSR %#x", bogus[i]);
        expect_refused(what, rdmsr_safe(bogus[i], &val));
        snprintf(what, sizeof(what), "WRMSR %#x", bogus[i]);
        expect_refused(what, wrmsr_safe(bogus[i], 0));
    }
    /* Bit 2 and bit 63 are reserved (must be zero) on every CPU. */
    expect_refused("WRMSR EFER with bit 2 set", wrmsr_safe(MSR_EFER, efer | (1ull << 2)));
    expect_refused("WRMSR EFER with bit 63 set", wrmsr_safe(MSR_EFER, efer | (1ull << 63)));
    val = rdmsr(MSR_EFER);
    if (val != efer) {
        fail("EFER changed from %#" PRIx64 " to %#" PRIx64 " by refused writes", efer, val);
        wrmsr(MSR_EFER, efer);
    }
}

static void test_efer(void)
{
    uint64_t efer = rdmsr(MSR_EFER);
#ifdef MODE_64
    const uint64_t want = EFER_LME | EFER_LMA;
#else
    const uint64_t want = 0;
#endif

    printf("  EFER             %#" PRIx64 "\n", efer);
    check((efer & (EFER_LME | EFER_LMA)) == want,
          "EFER %#" PRIx64 ": LME/LMA should be %s in this mode", efer, want ? "set" : "clear");
}

static void test_tsc_apic(void)
{
    uint64_t t0 = rdtsc(), t1 = rdtsc(), t2 = rdtsc();
    uint64_t apic = rdmsr(MSR_IA32_APIC_BASE);

    /* (Not the TSC MSR: QEMU's TCG reads it as 0.) */
    check(t0 < t1 && t1 < t2, "TSC does not move forward: %" PRIu64 ", %" PRIu64 ", %" PRIu64,
          t0, t1, t2);
    printf("  TSC              %" PRIu64 ", %" PRIu64 ", %" PRIu64 "\n", t0, t1, t2);
    printf("  APIC_BASE        %#" PRIx64 "\n", apic);
    check((apic & ~0xfffull) == 0xfee00000, "APIC base %#" PRIx64 ": not at 0xfee00000", apic);
    check(apic & (1u << 8), "APIC base %#" PRIx64 ": the BSP bit (8) is clear", apic);
}

#ifdef MODE_64
static void test_segment_bases(void)
{
    static uint32_t fs_area[4] = { 0x11, 0x22, 0x33, 0x44 };
    static uint32_t gs_area[4] = { 0x55, 0x66, 0x77, 0x88 };
    static uint32_t kgs_area[4] = { 0x99, 0xaa, 0xbb, 0xcc };
    uint32_t via_fs, via_gs, via_kgs;

    check_readback("FS_BASE", MSR_FS_BASE, 0x0000123456789000ull);
    check_readback("GS_BASE", MSR_GS_BASE, 0xffff800000001000ull);
    check_readback("KERNEL_GS_BASE", MSR_KERNEL_GS_BASE, 0x00007fff00002000ull);

    wrmsr(MSR_FS_BASE, (unsigned long)fs_area);
    wrmsr(MSR_GS_BASE, (unsigned long)gs_area);
    wrmsr(MSR_KERNEL_GS_BASE, (unsigned long)kgs_area);
    asm volatile("movl %%fs:8, %0" : "=r"(via_fs));
    asm volatile("movl %%gs:4, %0" : "=r"(via_gs));
    /* SWAPGS exchanges GS_BASE and KERNEL_GS_BASE. */
    asm volatile("swapgs; movl %%gs:12, %0; swapgs" : "=r"(via_kgs));
    check(via_fs == 0x33, "%%fs:8 read %#x, not FS_BASE's area", via_fs);
    check(via_gs == 0x66, "%%gs:4 read %#x, not GS_BASE's area", via_gs);
    check(via_kgs == 0xcc, "%%gs:12 after SWAPGS read %#x, not KERNEL_GS_BASE's area",
          via_kgs);
    check(rdmsr(MSR_GS_BASE) == (unsigned long)gs_area, "GS_BASE changed by two SWAPGS");
    printf("  FS/GS-relative loads and SWAPGS use the bases: %s\n",
           via_fs == 0x33 && via_gs == 0x66 && via_kgs == 0xcc ? "ok" : "no");
    wrmsr(MSR_FS_BASE, 0);
    wrmsr(MSR_GS_BASE, 0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}
#endif

void test_main(void)
{
    strict = running_on_petrel();

    test_efer();
    /* PAT: make entry 1 write-combining (type 1) instead of the reset write-through. */
    check_readback("PAT", MSR_IA32_PAT, (rdmsr(MSR_IA32_PAT) & ~0xff00ull) | 0x0100);
    check_readback("SYSENTER_CS", MSR_IA32_SYSENTER_CS, SEL_CODE32);
    check_readback("SYSENTER_ESP", MSR_IA32_SYSENTER_ESP, 0x12345678);
    check_readback("SYSENTER_EIP", MSR_IA32_SYSENTER_EIP, 0x9abcdef0);
#ifdef MODE_64
    test_segment_bases();
#endif
    test_tsc_apic();
    test_refused();
}
