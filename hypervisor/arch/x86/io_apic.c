/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IO-APICs (Intel 82093AA datasheet) and the legacy 8259 pair. At boot every IO-APIC
 * pin is masked; drivers unmask the lines they use (the serial console's, today).
 * The 8259s are re-based to vectors 0x20-0x2f (so a stray interrupt can never look
 * like an exception) and masked for good, before the local APIC's LINT0 is masked:
 * the PIC's output must drop while LINT0 still listens, or the CPU may keep an INTR
 * request with no vector behind it (QEMU then delivers "vector -1" as a #GP).
 */
#include <hv/acpi.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/spinlock.h>
#include <asm/io_apic.h>
#include <asm/mm.h>
#include <asm/processor.h>

#define IOAPIC_REGSEL  0x00
#define IOAPIC_WINDOW  0x10
#define IOAPIC_REG_ID  0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDIR(n) (0x10 + 2 * (n))

#define REDIR_MASKED     (1u << 16)
#define REDIR_LEVEL      (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

struct io_apic {
    volatile u32 *regs;
    paddr_t address;
    u32 id, version, gsi_base;
    unsigned int nr_pins;
};

static struct io_apic io_apics[ACPI_MAX_IOAPICS];
static unsigned int nr_io_apics;
static DEFINE_SPINLOCK(io_apic_lock);

static u32 io_apic_read(struct io_apic *a, unsigned int reg)
{
    a->regs[IOAPIC_REGSEL / 4] = reg;
    return a->regs[IOAPIC_WINDOW / 4];
}

static void io_apic_write(struct io_apic *a, unsigned int reg, u32 val)
{
    a->regs[IOAPIC_REGSEL / 4] = reg;
    a->regs[IOAPIC_WINDOW / 4] = val;
}

void i8259_disable(void)
{
    /* ICW1-4: cascade, vectors 0x20 / 0x28, slave on IRQ2, 8086 mode; then mask all. */
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

static const char *inti_polarity(u16 f)
{
    switch (f & INTI_POLARITY_MASK) {
    case INTI_POLARITY_HIGH: return "high";
    case INTI_POLARITY_LOW: return "low";
    default: return "bus default";
    }
}

static const char *inti_trigger(u16 f)
{
    switch (f & INTI_TRIGGER_MASK) {
    case INTI_TRIGGER_EDGE: return "edge";
    case INTI_TRIGGER_LEVEL: return "level";
    default: return "bus default";
    }
}

void io_apic_init(const struct acpi_info *ai)
{
    for (unsigned int i = 0; i < ai->nr_ioapics; i++) {
        struct io_apic *a = &io_apics[nr_io_apics];

        a->address = ai->ioapics[i].address;
        a->gsi_base = ai->ioapics[i].gsi_base;
        a->regs = ioremap(a->address, PAGE_SIZE);
        if (!a->regs) {
            printk(LOG_WARN "IO-APIC: cannot map %#llx\n", (unsigned long long)a->address);
            continue;
        }
        a->id = io_apic_read(a, IOAPIC_REG_ID) >> 24;
        a->version = io_apic_read(a, IOAPIC_REG_VER);
        a->nr_pins = ((a->version >> 16) & 0xff) + 1;
        for (unsigned int pin = 0; pin < a->nr_pins; pin++) {
            io_apic_write(a, IOAPIC_REDIR(pin), REDIR_MASKED);
            io_apic_write(a, IOAPIC_REDIR(pin) + 1, 0);
        }
        printk("IO-APIC %u: ID %u, version %#x, %u pins (GSI %u-%u) at %#llx; all masked\n",
               nr_io_apics, a->id, a->version & 0xff, a->nr_pins, a->gsi_base,
               a->gsi_base + a->nr_pins - 1, (unsigned long long)a->address);
        nr_io_apics++;
    }
    for (unsigned int i = 0; i < ai->nr_overrides; i++)
        printk("IO-APIC: ISA IRQ %u -> GSI %u (%s, %s)\n", ai->overrides[i].isa_irq,
               ai->overrides[i].gsi, inti_trigger(ai->overrides[i].flags),
               inti_polarity(ai->overrides[i].flags));
    if (!nr_io_apics)
        printk(LOG_WARN "IO-APIC: none found; device interrupts are not available\n");
}

int io_apic_route_isa_irq(unsigned int irq, u8 vector, u32 dest)
{
    u16 flags;
    u32 gsi = acpi_isa_irq_to_gsi(&acpi_info, irq, &flags);
    u32 low = vector;

    /* ISA defaults: edge-triggered, active high (ACPI 5.2.12.5). */
    if ((flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW)
        low |= REDIR_ACTIVE_LOW;
    if ((flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL)
        low |= REDIR_LEVEL;

    for (unsigned int i = 0; i < nr_io_apics; i++) {
        struct io_apic *a = &io_apics[i];
        unsigned long f;

        if (gsi < a->gsi_base || gsi >= a->gsi_base + a->nr_pins)
            continue;
        f = spin_lock_irqsave(&io_apic_lock);
        /* Physical destination mode, fixed delivery; high word first, then unmask. */
        io_apic_write(a, IOAPIC_REDIR(gsi - a->gsi_base) + 1, dest << 24);
        io_apic_write(a, IOAPIC_REDIR(gsi - a->gsi_base), low);
        spin_unlock_irqrestore(&io_apic_lock, f);
        return 0;
    }
    return -ENODEV;
}

static void dump_io_apics(unsigned char key)
{
    for (unsigned int i = 0; i < nr_io_apics; i++) {
        struct io_apic *a = &io_apics[i];
        unsigned long f = spin_lock_irqsave(&io_apic_lock);

        printk("IO-APIC %u (ID %u) at %#llx:\n", i, a->id, (unsigned long long)a->address);
        for (unsigned int pin = 0; pin < a->nr_pins; pin++) {
            u32 lo = io_apic_read(a, IOAPIC_REDIR(pin));
            u32 hi = io_apic_read(a, IOAPIC_REDIR(pin) + 1);
            if (!(lo & REDIR_MASKED))
                printk("  GSI %u: vector %#x, dest %u, %s, %s\n", a->gsi_base + pin,
                       lo & 0xff, hi >> 24, (lo & REDIR_LEVEL) ? "level" : "edge",
                       (lo & REDIR_ACTIVE_LOW) ? "low" : "high");
        }
        spin_unlock_irqrestore(&io_apic_lock, f);
    }
}
KEYHANDLER('i', dump_io_apics, "show the IO-APICs' unmasked pins");
