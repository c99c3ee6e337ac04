/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * demo: the guest `make run` starts. It says what it finds (the hypervisor's CPUID
 * signature, its vCPU, its memory), then ticks once a second: the test device raises
 * an interrupt after a second and the vCPU halts until it comes, so the guest costs
 * nothing in between. "ticks=N" on its command line stops after N ticks and passes
 * (the default, 3, is what the test suite runs); "ticks=0" runs until the machine is
 * powered off (the hypervisor's 'P' key).
 */
#include "framework.h"

#define TICK_VECTOR 0x41
#define TICK_US     1000000u

static volatile unsigned int ticks_seen;

static void tick_handler(struct trap_frame *f)
{
    (void)f;
    ticks_seen++;
}

static unsigned int ticks_wanted(void)
{
    const char *p = boot_info.cmdline;
    unsigned int n = 0;

    for (; *p; p++) {
        if (!memcmp(p, "ticks=", 6)) {
            for (p += 6; *p >= '0' && *p <= '9'; p++)
                n = n * 10 + (*p - '0');
            return n;
        }
    }
    return 3;
}

static uint64_t ram_mib(void)
{
    uint64_t bytes = 0;

    for (unsigned int i = 0; i < boot_info.nr_ranges; i++)
        if (boot_info.ranges[i].type == MEM_RAM)
            bytes += boot_info.ranges[i].size;
    return bytes >> 20;
}

void test_main(void)
{
    struct cpuid sig = cpuid(0x40000000), ver = cpuid(0x40000001);
    char name[13];
    unsigned int want = ticks_wanted();

    memcpy(name + 0, &sig.b, 4);
    memcpy(name + 4, &sig.c, 4);
    memcpy(name + 8, &sig.d, 4);
    name[12] = '\0';
    printf("Hello from the demo guest: %s mode, %" PRIu64 " MiB of RAM, command line '%s'\n",
           mode_name, ram_mib(), boot_info.cmdline);
    printf("The hypervisor says '%s', ABI version %u.%u\n", name, ver.a >> 16,
           ver.a & 0xffff);
    if (!testdev_mmio_present())
        skip("no test device to tick with");
    set_trap_handler(TICK_VECTOR, tick_handler);
    if (want)
        printf("Ticking %u times, once a second\n", want);
    else
        printf("Ticking once a second until the machine is powered off (type 'P' on "
               "the hypervisor console; 'h' lists the other keys)\n");
    for (unsigned int t = 1; !want || t <= want; t++) {
        unsigned int before = ticks_seen;

        mmio_write32(TESTDEV_MMIO_BASE + TESTDEV_IRQ, TICK_VECTOR | TICK_US << 8);
        while (ticks_seen == before)
            asm volatile("sti; hlt; cli" ::: "memory");
        printf("demo: uptime %u s\n", t);
    }
}
