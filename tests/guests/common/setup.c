/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * framework_main(): what runs between the start-up code and the test, and the
 * reporting of the test's result.
 *
 * The result is one line on the debug console,
 *
 *     RESULT: <test> <mode>: PASS
 *     RESULT: <test> <mode>: FAIL: <reason>
 *     RESULT: <test> <mode>: SKIP: <reason>
 *
 * followed by the result code (petrel_test.h) written to the debug-exit port, which
 * ends the domain (or, on plain QEMU with isa-debug-exit, QEMU itself). Should that
 * write do nothing, the CPU halts with interrupts off.
 */
#include "private.h"


static unsigned int nr_failures;
static char first_failure[160];

/* SMP state every kernel has (smp.c starts the other CPUs). */
volatile unsigned int smp_active;
struct cpu_info cpus[NR_CPU_SLOTS];
unsigned int nr_cpus = 1;

/* The RESULT line must stay one line. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

void test_exit(int code, const char *reason)
{
    static const char *const words[] = { "PASS", "FAIL", "SKIP" };

    console_lock();                     /* and keep it: nothing prints after this */
    if (code == PETREL_RESULT_PASS)
        printf("RESULT: %s %s: PASS\n", test_name, mode_name);
    else
        printf("RESULT: %s %s: %s: %s\n", test_name, mode_name, words[code], reason);
    outb(PETREL_PORT_DEBUG_EXIT, (uint8_t)code);
    for (;;)
        asm volatile("cli; hlt");
}

void fail(const char *fmt, ...)
{
    char msg[sizeof(first_failure)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    one_line(msg);
    console_lock();                     /* any CPU may fail a check */
    printf("  check failed: %s\n", msg);
    if (nr_failures++ == 0)
        memcpy(first_failure, msg, sizeof(msg));
    console_unlock();
}

static __noreturn void finish(void)
{
    char reason[sizeof(first_failure) + 32];

    if (!nr_failures)
        test_exit(PETREL_RESULT_PASS, NULL);
    if (nr_failures == 1)
        test_exit(PETREL_RESULT_FAIL, first_failure);
    snprintf(reason, sizeof(reason), "%s (and %u more)", first_failure, nr_failures - 1);
    test_exit(PETREL_RESULT_FAIL, reason);
}

void skip(const char *fmt, ...)
{
    char reason[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    one_line(reason);
    if (nr_failures)                    /* a failure before the skip still counts */
        finish();
    test_exit(PETREL_RESULT_SKIP, reason);
}

void abort_test(const char *fmt, ...)
{
    char msg[sizeof(first_failure)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fail("%s", msg);
    finish();
}

const char *mem_type_name(uint32_t type)
{
    static const char *const names[] = {
        "?", "RAM", "reserved", "ACPI", "ACPI NVS", "unusable", "disabled", "persistent",
    };

    return type < ARRAY_SIZE(names) ? names[type] : "other";
}

bool sse_enable(void)
{
#ifdef MODE_REAL
    return false;
#else
    struct cpuid r = cpuid(1);

    /* FXSR (EDX 24), SSE (25), SSE2 (26) */
    if ((r.d & (7u << 24)) != (7u << 24))
        return false;
    write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    write_cr0((read_cr0() | X86_CR0_MP) & ~(X86_CR0_EM | X86_CR0_TS));
    return true;
#endif
}

bool testdev_mmio_present(void)
{
    return testdev_read32(TESTDEV_ID) == TESTDEV_ID_VALUE;
}

bool testdev_ports_present(void)
{
    /* Two patterns: a floating bus reads 0xff, and a port that happens to hold one
     * value would not follow the second write. */
    outb(TESTDEV_PORT_SCRATCH, 0xa5);
    if (inb(TESTDEV_PORT_SCRATCH) != 0xa5)
        return false;
    outb(TESTDEV_PORT_SCRATCH, 0x5a);
    return inb(TESTDEV_PORT_SCRATCH) == 0x5a;
}

bool running_on_petrel(void)
{
    struct cpuid r = cpuid(0x40000000);

    /* "XenVMMXenVMM" in EBX, ECX, EDX */
    return r.b == 0x566e6558 && r.c == 0x65584d4d && r.d == 0x4d4d566e;
}

bool need_on_petrel(bool have, const char *what)
{
    if (have)
        return true;
    if (running_on_petrel())
        fail("%s: not offered, but every Petrel domain has it", what);
    else
        printf("%s: not offered (not Petrel): not tested\n", what);
    return false;
}

#ifdef MODE_REAL
/* bootinfo.c filled boot_info_high in 32-bit code before the drop to real mode. */
extern struct boot_info boot_info_high;
struct boot_info boot_info;
#endif

void framework_main(void)
{
#ifdef MODE_REAL
    memcpy(&boot_info, &boot_info_high, sizeof(boot_info));
#else
    bootinfo_parse(boot_loader, boot_raw_info);
#endif
    traps_init();
    /* The BIOS leaves the 8259s set up for itself: the PIT's IRQ0 unmasked at vector
     * 8, which a test that enables interrupts would take for a #DF. Mask both chips
     * (OCW1); tests that want the 8259 program it (devices.h). */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    printf("--- guest test %s, %s mode, entered through %s ---\n", test_name, mode_name,
           boot_info.loader == BOOT_PVH ? "the PVH entry" : "Multiboot");
    if (boot_info.problem)
        printf("boot information: %s\n", boot_info.problem);
    test_main();
    finish();
}
