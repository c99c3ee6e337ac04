/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pit-ioapic: the 8254 PIT's channel 0 at 1 kHz (mode 2, rate generator, divisor 1193:
 * 1000.15 Hz) through the IO-APIC: ISA IRQ0 is GSI 2 on a PC (the MADT's interrupt
 * source override), an edge-triggered, active-high entry with vector 0x30 for APIC
 * ID 0. The 8259s are initialised and masked (ICW1-4, OCW1), and each interrupt ends
 * with an EOI to the local APIC.
 *
 *   1. the rate, measured against the TSC (calibrated against the PM timer), within
 *      tolerance; the 8259 sees the same IRQ0 (its IRR bit 0) but, masked, passes
 *      nothing on; the edge-triggered entry never shows a remote IRR
 *   2. without a local APIC EOI the vector stays in service (ISR) and nothing more
 *      arrives; after the EOI the interrupts go on
 *   3. the entry masked: nothing arrives; unmasked: interrupts again
 *   4. logical destination (flat, LDR bit 0 for this CPU): the interrupts go on
 *
 * Tolerance as in pit-pic, and for the same reason: the typical interval within 10%
 * of the period, the count over the whole time at most 10% above the rate (a busy
 * host loses ticks and delays them; it does not invent them).
 *
 * Mode 2, not 3: QEMU's IO-APIC takes every "line high" from the PIT as an edge and
 * its PIT can report OUT high twice around a square wave's half period, so in mode 3
 * plain QEMU delivers up to twice the rate (pit-pic uses mode 3: the 8259 follows
 * the line's level).
 */
#include "devices.h"

#define VEC_PIT     0x30
#define DIVISOR     1193

static struct tick_log pit;
static volatile bool eoi_in_handler = true;
static volatile bool remote_irr_seen;
static unsigned int pin = PLATFORM_IRQ0_GSI;

static void pit_handler(struct trap_frame *f)
{
    (void)f;
    tick(&pit);
    if (pit.count % 64 == 1 && ioapic_remote_irr(pin))
        remote_irr_seen = true;
    if (eoi_in_handler)
        lapic_eoi();
}

static void measure(void)
{
    uint16_t irr;

    check_irq_rate("IO-APIC", &pit, muldiv64(PIT_HZ, 1000, DIVISOR), 300, 10);
    irr = pic_irr();
    printf("the masked 8259 sees IRQ0 too: IRR %#x\n", irr);
    check(irr & 1, "the PIT's IRQ0 is not in the masked 8259's IRR (%#x)", irr);
    check(!remote_irr_seen, "an edge-triggered entry showed a remote IRR");
}

static void test_eoi(void)
{
    unsigned long c0;
    bool isr;

    eoi_in_handler = false;
    c0 = pit.count;
    if (!wait_for(pit.count != c0, 200000)) {
        fail("no interrupt within 200 ms");
        eoi_in_handler = true;
        return;
    }
    isr = lapic_isr(VEC_PIT);
    check(quiet_for(&pit.count, 20), "without an EOI, %lu more interrupts came in 20 ms",
          pit.count - c0 - 1);
    check(isr, "vector %#x not in service (ISR) before its EOI", VEC_PIT);
    check(lapic_irr(VEC_PIT), "vector %#x: the next tick is not pending in the IRR",
          VEC_PIT);
    eoi_in_handler = true;
    c0 = pit.count;
    lapic_eoi();
    check(wait_for(pit.count - c0 >= 5, 200000), "after the EOI, %lu interrupts in 200 ms",
          pit.count - c0);
    printf("no EOI: vector %#x in service, the next one pending, nothing more for 20 ms; "
           "EOI: it goes on\n", VEC_PIT);
}

static void test_mask(void)
{
    unsigned long c0;

    ioapic_mask(pin, true);
    mdelay(2);
    check(quiet_for(&pit.count, 20), "GSI %u masked: interrupts still came", pin);
    c0 = pit.count;
    ioapic_mask(pin, false);
    check(wait_for(pit.count - c0 >= 5, 200000), "GSI %u unmasked: %lu interrupts in 200 ms",
          pin, pit.count - c0);
    printf("IO-APIC mask: nothing for 20 ms; unmasked: interrupts again\n");
}

static void test_logical(void)
{
    unsigned long c0;

    lapic_set_flat_ldr(0);
    ioapic_route(pin, VEC_PIT, IOAPIC_DEST_LOGICAL, 0x01);
    c0 = pit.count;
    check(wait_for(pit.count - c0 >= 20, 200000),
          "logical destination 0x01: %lu interrupts in 200 ms", pit.count - c0);
    ioapic_route(pin, VEC_PIT, IOAPIC_DEST_LOGICAL, 0x02);
    mdelay(2);
    check(quiet_for(&pit.count, 20),
          "logical destination 0x02 (no such CPU): interrupts still came");
    printf("logical destination: 0x01 (this CPU) receives, 0x02 (nobody) does not\n");
}

void test_main(void)
{
    unsigned int pins = ioapic_pins();

    printf("IO-APIC: version %#x, %u pins\n", ioapic_version(), pins);
    check(pins > PLATFORM_IRQ0_GSI, "the IO-APIC has %u pins", pins);
    time_init();
    set_trap_handler(VEC_PIT, pit_handler);
    pic_init(0x20, 0x28);               /* all masked */
    lapic_enable();
    ioapic_mask_all();
    ioapic_route(pin, VEC_PIT, 0, 0);   /* edge, active high, fixed, APIC ID 0 */
    pit_start(PIT_MODE_RATE, DIVISOR);

    measure();
    test_eoi();
    test_mask();
    if (!lapic_is_x2apic())
        test_logical();

    cli();
    pit_stop();
    ioapic_mask(pin, true);
}
