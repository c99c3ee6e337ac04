/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pit-pic: the 8254 PIT's channel 0 at 1 kHz (mode 3, square wave, divisor 1193: 1000.15 Hz) on
 * IRQ0 of the 8259 master, remapped to vector 0x20 (ICW2), each interrupt ended with
 * a non-specific EOI to the 8259.
 *
 *   1. virtual wire: the local APIC enabled, LINT0 in ExtINT mode (how the 8259's
 *      INTR reaches the CPU through its APIC): the rate, measured against the TSC
 *      (calibrated against the PM timer), within tolerance
 *   2. without an EOI the 8259 holds IRQ0 in service (ISR bit 0) and sends nothing
 *      more; the EOI lets the interrupts go on
 *   3. masked in the 8259 (OCW1): nothing arrives, but the request is latched in the
 *      IRR, and delivered once unmasked
 *   4. LINT0 masked: nothing arrives
 *   5. the local APIC disabled (IA32_APIC_BASE.EN = 0): the 8259 reaches the CPU
 *      directly; the rate again
 *
 * Tolerance: the typical interval between interrupts (framework.h, check_irq_rate())
 * within 10% of 1000.15 Hz's; the count over the whole time at most 10% above it. On
 * an emulator whose host is busy, ticks go missing (the 8259's edge-triggered IRR
 * holds one request while the guest is not running) and come late, but most arrive
 * one period apart, and none appear from nowhere. The errors worth catching are
 * larger: a wrong input clock (1 MHz for 1.193 MHz: 16%), square-wave edges counted
 * twice (100%), the wrong divisor.
 */
#include "devices.h"

#define VEC_MASTER 0x20
#define VEC_SLAVE  0x28
#define DIVISOR    1193

static struct tick_log pit;
static volatile unsigned long spurious;
static volatile bool eoi_in_handler = true;

static void irq0_handler(struct trap_frame *f)
{
    (void)f;
    tick(&pit);
    if (eoi_in_handler)
        pic_eoi(0);
}

/* IRQ7: what the 8259 gives when a request went away before the acknowledge. */
static void irq7_handler(struct trap_frame *f)
{
    (void)f;
    spurious++;
}

static void measure(const char *what)
{
    check_irq_rate(what, &pit, muldiv64(PIT_HZ, 1000, DIVISOR), 300, 10);
}

static void test_eoi(void)
{
    unsigned long c0;
    uint16_t isr;

    eoi_in_handler = false;
    c0 = pit.count;
    if (!wait_for(pit.count != c0, 200000)) {
        fail("no interrupt within 200 ms");
        eoi_in_handler = true;
        return;
    }
    isr = pic_isr();
    check(quiet_for(&pit.count, 20), "without an EOI, %lu more interrupts came in 20 ms",
          pit.count - c0 - 1);
    check(isr & 1, "IRQ0 not in service (ISR %#x) before its EOI", isr);
    eoi_in_handler = true;
    c0 = pit.count;
    pic_eoi(0);
    check(wait_for(pit.count - c0 >= 5, 200000), "after the EOI, %lu interrupts in 200 ms",
          pit.count - c0);
    printf("no EOI: IRQ0 held in service (ISR %#x), nothing more for 20 ms; EOI: it goes on\n",
           isr);
}

static void test_pic_mask(void)
{
    unsigned long c0;
    uint16_t irr;

    pic_mask_irq(0);
    mdelay(2);                          /* one may have been on its way */
    check(quiet_for(&pit.count, 20), "IRQ0 masked in the 8259: interrupts still came");
    irr = pic_irr();
    check(irr & 1, "IRQ0 masked: the PIT's request is not in the IRR (%#x)", irr);
    c0 = pit.count;
    pic_unmask_irq(0);
    check(wait_for(pit.count != c0, 200000), "IRQ0 unmasked: no interrupt within 200 ms");
    printf("8259 mask: nothing for 20 ms, the request latched in the IRR (%#x), "
           "delivered when unmasked\n", irr);
}

static void test_lint0_mask(void)
{
    unsigned long c0;

    lapic_write(APIC_LVT_LINT0, APIC_DM_EXTINT | APIC_LVT_MASKED);
    mdelay(2);
    check(quiet_for(&pit.count, 20), "LINT0 masked: interrupts still came");
    c0 = pit.count;
    lapic_write(APIC_LVT_LINT0, APIC_DM_EXTINT);
    check(wait_for(pit.count != c0, 200000), "LINT0 unmasked: no interrupt within 200 ms");
    printf("LINT0 masked: nothing for 20 ms; unmasked: interrupts again\n");
}

void test_main(void)
{
    time_init();
    set_trap_handler(VEC_MASTER, irq0_handler);
    set_trap_handler(VEC_MASTER + 7, irq7_handler);
    pic_init(VEC_MASTER, VEC_SLAVE);

    if (need_on_petrel(lapic_present(), "the local APIC (CPUID.1:EDX[9])")) {
        lapic_enable();
        lapic_write(APIC_LVT_LINT0, APIC_DM_EXTINT);
        printf("local APIC on, LINT0 in ExtINT mode (virtual wire)\n");
        pic_unmask_irq(0);
        pit_start(PIT_MODE_SQUARE, DIVISOR);
        measure("virtual wire");
        test_eoi();
        test_pic_mask();
        test_lint0_mask();

        cli();
        lapic_global_disable();
        printf("local APIC off (IA32_APIC_BASE.EN = 0)\n");
    } else {
        printf("the 8259 reaches the CPU directly\n");
        pic_unmask_irq(0);
        pit_start(PIT_MODE_SQUARE, DIVISOR);
    }
    measure("APIC off");
    test_eoi();

    cli();
    pit_stop();
    pic_set_mask(0xffff);
    /* A spurious IRQ7 is an acknowledge that found no request: the request went
     * away between INTR and INTA. Petrel acknowledges the 8259 in the same step as
     * it picks the interrupt to inject, so there none may come. */
    if (spurious)
        printf("%lu spurious IRQ7\n", spurious);
    check(!running_on_petrel() || spurious == 0, "%lu spurious IRQ7", spurious);
}
