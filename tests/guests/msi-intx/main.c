/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msi-intx: the two ways PCI devices interrupt, driven from the test device
 * (include/public/petrel_test.h: TESTDEV_MSI_*, TESTDEV_INTX) into the platform's
 * interrupt router (hypervisor/common/hvm/irq.c), with two CPUs in xAPIC mode.
 *
 *   1. MSI, fixed, physical destination: one to each CPU, each arrives there once
 *   2. MSI, logical destination (flat model, LDR = 1 << (24 + id)) naming both CPUs:
 *      each gets one; with the redirection hint (address bit 3) the message is
 *      lowest priority: exactly one CPU gets each of four
 *   3. MSI with NMI delivery to CPU 1: its NMI handler runs once
 *   4. refusals: an address outside 0xfee00000-0xfeefffff and the INIT delivery
 *      mode are refused (TESTDEV_MSI_SEND reads 1) and deliver nothing; a level
 *      message with bit 14 clear (deassert) is accepted and delivers nothing (local
 *      APICs ignore it: Intel SDM vol. 3, 11.11.2)
 *   5. PCI INTx: device 3's INTB# (GSI 16 + (4 * 3 + 1) % 32 = 29, by
 *      PLATFORM_PCI_INTX_GSI) routed level-triggered, active low, in the IO-APIC:
 *      while the device keeps it asserted, every EOI brings it back (remote IRR);
 *      the handler deasserts it at the third interrupt and then it stops
 *   6. a shared line: device 11's INTB# is GSI 16 + 45 % 32 = 29 too; with both
 *      asserted, deasserting one leaves the line up (one more interrupt), the other
 *      brings it down
 *   7. asserting a pin twice and deasserting it once leaves it deasserted (a pin
 *      is a wire, not a counter)
 */
#include "devices.h"

#define VEC_MSI   0x40
#define VEC_INTX  0x50
#define MSI_ADDR(dest)  (PLATFORM_MSI_BASE | ((uint32_t)(dest) << 12))
#define MSI_LOGICAL     (1u << 2)
#define MSI_RH          (1u << 3)
#define MSI_DM_NMI      (4u << 8)
#define MSI_DM_INIT     (5u << 8)
#define MSI_LEVEL       (1u << 15)
#define INTX(dev, pin)  ((dev) | ((pin) << 8))

static volatile unsigned long msis[MAX_CPUS], nmis[MAX_CPUS];
static volatile unsigned long intx_irqs;
static volatile unsigned int intx_stop_at;  /* deassert device 3 at this count */
static volatile bool shared_mode;
static unsigned int n;

/* Send (addr, data); true when the platform accepted it. */
static bool msi_send(uint32_t addr, uint32_t data)
{
    testdev_write32(TESTDEV_MSI_ADDR, addr);
    testdev_write32(TESTDEV_MSI_ADDR + 4, 0);
    testdev_write32(TESTDEV_MSI_DATA, data);
    testdev_write32(TESTDEV_MSI_SEND, 1);
    return testdev_read32(TESTDEV_MSI_SEND) == 0;
}

static void intx_set(unsigned int dev, unsigned int pin, bool asserted)
{
    testdev_write32(TESTDEV_INTX, INTX(dev, pin) | (asserted ? TESTDEV_INTX_ASSERT : 0));
}

static void msi_handler(struct trap_frame *f)
{
    (void)f;
    msis[smp_cpu_id()]++;
    lapic_eoi();
}

static void nmi_handler(struct trap_frame *f)
{
    (void)f;
    nmis[smp_cpu_id()]++;
}

static void intx_handler(struct trap_frame *f)
{
    (void)f;
    intx_irqs++;
    if (shared_mode) {
        /* first interrupt: device 3 lets go; second: device 11 */
        intx_set(intx_irqs == 1 ? 3 : 11, 1, false);
    } else if (intx_irqs == intx_stop_at) {
        intx_set(3, 1, false);
    }
    lapic_eoi();
}

static void clear_counts(void)
{
    for (unsigned int c = 0; c < MAX_CPUS; c++)
        msis[c] = nmis[c] = 0;
}

static unsigned long total_msis(void)
{
    unsigned long t = 0;

    for (unsigned int c = 0; c < n; c++)
        t += msis[c];
    return t;
}

static void set_flat_ldr(void *arg)
{
    (void)arg;
    lapic_set_flat_ldr(smp_cpu_id());
}

static void test_fixed(void)
{
    for (unsigned int c = 0; c < n; c++) {
        clear_counts();
        check(msi_send(MSI_ADDR(c), VEC_MSI), "fixed MSI to CPU %u refused", c);
        wait_for(msis[c] != 0, ARRIVAL_TIMEOUT_US);
        mdelay(5);
        check(msis[c] == 1 && total_msis() == 1,
              "fixed MSI to APIC ID %u: CPU %u got %lu, %lu in all", c, c, msis[c],
              total_msis());
    }
    printf("MSI fixed, physical: each CPU got its own\n");
}

static void test_logical(void)
{
    smp_run_all(set_flat_ldr, NULL, 0);
    clear_counts();
    check(msi_send(MSI_ADDR(0x03) | MSI_LOGICAL, VEC_MSI), "logical MSI refused");
    wait_for(total_msis() == 2, ARRIVAL_TIMEOUT_US);
    mdelay(5);
    check(msis[0] == 1 && msis[1] == 1, "logical MSI to CPUs 0 and 1: they got %lu and %lu",
          msis[0], msis[1]);

    clear_counts();
    for (unsigned int i = 0; i < 4; i++) {
        check(msi_send(MSI_ADDR(0x03) | MSI_LOGICAL | MSI_RH, VEC_MSI),
              "lowest-priority MSI refused");
        /* One at a time: a second message of the same vector to a CPU that has not
         * taken the first yet would merge with it in its IRR (SDM vol. 3, 11.8.4). */
        wait_for(total_msis() == i + 1, ARRIVAL_TIMEOUT_US);
    }
    mdelay(5);
    check(total_msis() == 4, "4 lowest-priority MSIs to 2 CPUs: %lu delivered (%lu + %lu)",
          total_msis(), msis[0], msis[1]);
    printf("MSI logical: both CPUs; lowest priority: %lu and %lu of 4\n", msis[0], msis[1]);
}

static void test_nmi(void)
{
    clear_counts();
    check(msi_send(MSI_ADDR(1), MSI_DM_NMI), "NMI MSI refused");
    wait_for(nmis[1] != 0, ARRIVAL_TIMEOUT_US);
    mdelay(5);
    check(nmis[1] == 1 && nmis[0] == 0, "NMI MSI to CPU 1: NMIs %lu on CPU 0, %lu on CPU 1",
          nmis[0], nmis[1]);
    printf("MSI NMI: taken on CPU 1\n");
}

static void test_refusals(void)
{
    clear_counts();
    check(!msi_send(0xfed00000u, VEC_MSI), "an MSI to 0xfed00000 was accepted");
    check(!msi_send(MSI_ADDR(1), MSI_DM_INIT), "an INIT MSI was accepted");
    check(msi_send(MSI_ADDR(0), MSI_LEVEL | VEC_MSI), "a level deassert MSI was refused");
    mdelay(10);
    check(total_msis() == 0 && nmis[1] == 0, "refused or deassert messages delivered %lu",
          total_msis());
    printf("MSI refusals: outside the window and INIT refused; deassert ignored\n");
}

static void test_intx(void)
{
    unsigned int gsi = PLATFORM_PCI_INTX_GSI(3, 1);

    if (PLATFORM_PCI_INTX_GSI(11, 1) != gsi || gsi != 29)
        abort_test("the INTx swizzle changed: update this test");
    ioapic_route(gsi, VEC_INTX, IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW, 0);

    /* 5. re-delivery while asserted */
    intx_irqs = 0;
    intx_stop_at = 3;
    intx_set(3, 1, true);
    wait_for(intx_irqs >= 3, ARRIVAL_TIMEOUT_US);
    mdelay(10);
    check(intx_irqs == 3, "INTx held for 3 interrupts: %lu came", intx_irqs);
    check(!ioapic_remote_irr(gsi), "remote IRR still set after the last EOI");

    /* 6. a shared line */
    intx_irqs = 0;
    intx_stop_at = 0;
    shared_mode = true;
    ioapic_mask(gsi, true);
    intx_set(3, 1, true);
    intx_set(11, 1, true);
    ioapic_mask(gsi, false);
    wait_for(intx_irqs >= 2, ARRIVAL_TIMEOUT_US);
    mdelay(10);
    shared_mode = false;
    check(intx_irqs == 2, "a line shared by two devices: %lu interrupts, 2 expected",
          intx_irqs);

    /* 7. a wire, not a counter */
    ioapic_mask(gsi, true);
    intx_set(3, 1, true);
    intx_set(3, 1, true);
    intx_set(3, 1, false);
    intx_irqs = 0;
    ioapic_mask(gsi, false);
    mdelay(10);
    check(intx_irqs == 0, "asserted twice, deasserted once: %lu interrupts", intx_irqs);
    ioapic_mask(gsi, true);
    printf("PCI INTx: level re-delivery, a shared line, idempotent asserts: GSI %u\n", gsi);
}

void test_main(void)
{
    if (!testdev_mmio_present())
        skip("no test device to send MSIs and drive INTx with");
    n = test_vcpus;
    set_trap_handler(VEC_MSI, msi_handler);
    set_trap_handler(VEC_INTX, intx_handler);
    set_trap_handler(2, nmi_handler);
    smp_boot(n, 0);
    if (nr_cpus < 2)
        abort_test("%u CPUs online, 2 needed", nr_cpus);
    ioapic_mask_all();
    sti();
    test_fixed();
    test_logical();
    test_nmi();
    test_refusals();
    test_intx();
}
