/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-exits: loops of instructions that each cost a VM exit under the hypervisor,
 * timed with the TSC, one line per kind:
 *
 *     BENCH <kind> iterations=<N> tsc=<cycles>
 *
 *   cpuid    CPUID leaf 0
 *   out      an 8-bit OUT to the test device's scratch port
 *   mmio     a 32-bit read of the test device's scratch register (the instruction
 *            emulator's path)
 *   vmmcall  VMMCALL (AMD; VMCALL on Intel, reported as "vmcall") with the Xen
 *            hypercall number for xen_version (17, version query): a hypercall
 *            round trip
 *
 * The device kinds need the test device and are reported as skipped without it; on
 * a CPU without SVM enabled (plain QEMU) VMMCALL raises #UD: "vmmcall unavailable".
 * The other tests check these exits in depth; this one only makes sure each loop did
 * its work (CPUID answered the same every time, the port and the register hold what
 * was written, the hypercall answered the same every time), so that a broken exit
 * cannot pass for a fast one.
 */
#include "framework.h"

#define ITERATIONS 20000u

#define HYPERCALL_XEN_VERSION 17
#define XENVER_VERSION        0

static void report(const char *kind, uint64_t t0, uint64_t t1)
{
    printf("BENCH %s iterations=%u tsc=%" PRIu64 "\n", kind, ITERATIONS, t1 - t0);
}

static bool intel;                      /* VMCALL, not VMMCALL */

static unsigned long vmmcall(unsigned long nr, unsigned long arg)
{
    if (intel)
        asm volatile("1: vmcall\n\t"
                     "2:\n\t"
                     ASM_EXTABLE(1b, 2b)
                     : "+a"(nr) : "D"(arg) : "memory");
    else
        asm volatile("1: vmmcall\n\t"
                     "2:\n\t"
                     ASM_EXTABLE(1b, 2b)
                     : "+a"(nr) : "D"(arg) : "memory");
    return nr;
}

static void bench_cpuid(void)
{
    uint32_t max = cpuid(0).a;
    unsigned int wrong = 0;
    uint64_t t0 = rdtsc();

    for (unsigned int i = 0; i < ITERATIONS; i++)
        wrong += cpuid(0).a != max;
    report("cpuid", t0, rdtsc());
    check(wrong == 0, "CPUID 0 changed its answer %u times", wrong);
}

static void bench_out(void)
{
    uint64_t t0;

    if (!testdev_ports_present()) {
        printf("BENCH out: skipped (no test device)\n");
        return;
    }
    t0 = rdtsc();
    for (unsigned int i = 0; i < ITERATIONS; i++)
        outb(TESTDEV_PORT_SCRATCH, (uint8_t)i);
    report("out", t0, rdtsc());
    check(inb(TESTDEV_PORT_SCRATCH) == (uint8_t)(ITERATIONS - 1),
          "the scratch port holds %#x after the OUT loop", inb(TESTDEV_PORT_SCRATCH));
}

static void bench_mmio(void)
{
    const unsigned long scratch = TESTDEV_MMIO_BASE + TESTDEV_SCRATCH;
    unsigned int wrong = 0;
    uint64_t t0;

    if (!testdev_mmio_present()) {
        printf("BENCH mmio: skipped (no test device)\n");
        return;
    }
    mmio_write32(scratch, 0x600dcafe);
    t0 = rdtsc();
    for (unsigned int i = 0; i < ITERATIONS; i++)
        wrong += mmio_read32(scratch) != 0x600dcafe;
    report("mmio", t0, rdtsc());
    check(wrong == 0, "the scratch register read wrong %u times", wrong);
}

static void bench_vmmcall(void)
{
    unsigned long first;
    const char *kind = intel ? "vmcall" : "vmmcall";
    unsigned int wrong = 0;
    uint64_t t0;

    fault_clear();
    first = vmmcall(HYPERCALL_XEN_VERSION, XENVER_VERSION);
    if (last_fault.vector != NO_FAULT) {
        printf("BENCH %s: unavailable (%s raised %s)\n", kind, intel ? "VMCALL" : "VMMCALL",
               vector_name(last_fault.vector));
        return;
    }
    printf("xen_version hypercall returned %#lx\n", first);
    t0 = rdtsc();
    for (unsigned int i = 0; i < ITERATIONS; i++)
        wrong += vmmcall(HYPERCALL_XEN_VERSION, XENVER_VERSION) != first;
    report(kind, t0, rdtsc());
    check(wrong == 0 && last_fault.vector == NO_FAULT,
          "the hypercall changed its answer %u times (or faulted: %s)", wrong,
          last_fault.vector == NO_FAULT ? "no" : vector_name(last_fault.vector));
}

void test_main(void)
{
    intel = cpuid(0).b == 0x756e6547;   /* "Genu" (GenuineIntel) */
    bench_cpuid();
    bench_out();
    bench_mmio();
    bench_vmmcall();
}
