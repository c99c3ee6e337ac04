/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hlt-irq: interrupts the hypervisor injects, through the test device's IRQ register
 * (vector in bits 0-7, delay in microseconds in bits 8-31).
 *
 *   1. Ask for vector 0x40 in 1000 us, then STI; HLT. The handler runs, and it
 *      interrupted the instruction after HLT (so HLT really waited: the interrupt
 *      cannot come earlier, as STI holds interrupts off until HLT has started).
 *   2. With IF=0, ask for it at once and keep working (each MMIO read is a VM exit,
 *      a chance to deliver wrongly): nothing arrives. After STI and one more
 *      instruction (STI's interrupt shadow), it arrives, once.
 *
 * There is no interrupt controller to acknowledge: the device raises the vector and
 * the hypervisor injects it. If the interrupt never comes, step 1 halts forever and
 * the test's time limit reports it. Without the test device the test is skipped.
 */
#include "framework.h"

#define IRQ_VECTOR 0x40

static volatile unsigned int irq_count;
static volatile unsigned long irq_ip;

static void irq_handler(struct trap_frame *f)
{
    irq_count++;
    irq_ip = f->ip;
}

static void raise_irq(unsigned int delay_us)
{
    mmio_write32(TESTDEV_MMIO_BASE + TESTDEV_IRQ, IRQ_VECTOR | delay_us << 8);
}

static void test_hlt_wakeup(void)
{
    unsigned long after_hlt;
    uint64_t t0, t1;

    irq_count = 0;
    raise_irq(1000);
    t0 = rdtsc();
    asm volatile("sti\n\t"
                 "hlt\n\t"
                 "1: cli\n\t"
                 "mov $1b, %0"
                 : "=r"(after_hlt) :: "memory");
    t1 = rdtsc();
    printf("STI; HLT: woken after %" PRIu64 " TSC cycles, %u interrupt(s)\n", t1 - t0,
           irq_count);
    check(irq_count == 1, "STI; HLT: %u interrupts, expected 1", irq_count);
    check(irq_ip == after_hlt, "STI; HLT: the interrupt came at ip %#lx, not right after "
          "HLT (%#lx)", irq_ip, after_hlt);
}

static void test_held_while_if_clear(void)
{
    unsigned long after_nop;

    irq_count = 0;
    raise_irq(0);
    for (unsigned int i = 0; i < 200; i++)
        (void)testdev_mmio_present();
    check(irq_count == 0, "IF=0: the interrupt was delivered anyway");

    asm volatile("sti\n\t"
                 "nop\n\t"              /* STI's shadow: the interrupt comes after this */
                 "1: cli\n\t"
                 "mov $1b, %0"
                 : "=r"(after_nop) :: "memory");
    check(irq_count == 1, "after STI: %u interrupts, expected 1", irq_count);
    check(irq_count != 1 || irq_ip == after_nop,
          "after STI: the interrupt came at ip %#lx, expected %#lx (after STI; NOP)",
          irq_ip, after_nop);

    /* Once only. */
    sti();
    for (unsigned int i = 0; i < 200; i++)
        (void)testdev_mmio_present();
    cli();
    check(irq_count == 1, "the interrupt was delivered %u times", irq_count);
    printf("IF=0: held until STI, then delivered once\n");
}

void test_main(void)
{
    if (!testdev_mmio_present())
        skip("no test device: the MMIO ID register at %#x reads %#x", TESTDEV_MMIO_BASE,
             mmio_read32(TESTDEV_MMIO_BASE + TESTDEV_ID));

    set_trap_handler(IRQ_VECTOR, irq_handler);
    test_hlt_wakeup();
    test_held_while_if_clear();
    set_trap_handler(IRQ_VECTOR, NULL);
}
