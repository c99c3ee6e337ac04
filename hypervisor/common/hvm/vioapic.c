/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IO-APIC (Intel 82093AA datasheet, order 290566; the EOI register from the
 * ICH/PCH datasheets' I/O APIC, version 0x20). Registers through IOREGSEL/IOWIN:
 * 0x00 ID, 0x01 version, 0x02 arbitration ID, 0x10 + 2n redirection entry n.
 *
 * Edge: a rising edge on an unmasked pin sends the message. Level: an asserted,
 * unmasked pin whose remote IRR is clear sends it and sets remote IRR; the target
 * APIC's EOI clears remote IRR, and a line still asserted sends it again. A masked
 * level pin that is unmasked while asserted sends then.
 */
#include <hv/lib.h>
#include <hv/vioapic.h>

#define REG_ID      0x00
#define REG_VERSION 0x01
#define REG_ARB     0x02
#define REG_REDIR   0x10

#define OFF_REGSEL  0x00
#define OFF_WIN     0x10
#define OFF_EOI     0x40

#define VERSION     0x20

/* Redirection entry bits. */
#define RE_VECTOR(e)    ((u8)(e))
#define RE_MODE(e)      (((e) >> 8) & 7)
#define RE_LOGICAL      (1ULL << 11)
#define RE_DELIVS       (1ULL << 12)   /* read-only: delivery status */
#define RE_POLARITY_LOW (1ULL << 13)
#define RE_REMOTE_IRR   (1ULL << 14)   /* read-only */
#define RE_LEVEL        (1ULL << 15)
#define RE_MASKED       (1ULL << 16)
#define RE_DEST(e)      ((u32)((e) >> 56))
#define RE_WRITABLE     (0xff000000000000ffULL | (7ULL << 8) | RE_LOGICAL | \
                         RE_POLARITY_LOW | RE_LEVEL | RE_MASKED)

void vioapic_init(struct vioapic *a, u32 id, unsigned int nr_pins,
                  void (*deliver)(void *ctx, const struct apic_msg *m), void *ctx)
{
    memset(a, 0, sizeof(*a));
    a->id = id;
    a->nr_pins = nr_pins > VIOAPIC_MAX_PINS ? VIOAPIC_MAX_PINS : nr_pins;
    a->deliver = deliver;
    a->ctx = ctx;
    for (unsigned int i = 0; i < a->nr_pins; i++)
        a->redir[i] = RE_MASKED;
}

static void send(struct vioapic *a, unsigned int pin)
{
    u64 e = a->redir[pin];
    struct apic_msg m = {
        .dest = RE_DEST(e),
        .logical = e & RE_LOGICAL,
        .mode = RE_MODE(e),
        .vector = RE_VECTOR(e),
        .level = e & RE_LEVEL,
    };

    if (m.level)
        a->redir[pin] |= RE_REMOTE_IRR;
    a->deliver(a->ctx, &m);
}

/* Send what a level pin owes: asserted, unmasked, nothing outstanding. */
static void service_level(struct vioapic *a, unsigned int pin)
{
    u64 e = a->redir[pin];

    if ((e & RE_LEVEL) && !(e & (RE_MASKED | RE_REMOTE_IRR)) && (a->lines & (1ULL << pin)))
        send(a, pin);
}

void vioapic_set_irq(struct vioapic *a, unsigned int pin, bool level)
{
    u64 bit, e;
    bool was;

    if (pin >= a->nr_pins)
        return;
    bit = 1ULL << pin; /* only now: a shift by 64 or more is undefined */
    e = a->redir[pin];
    was = a->lines & bit;
    /* The line is what the device drives, as the pin's polarity interprets it. */
    if (level)
        a->lines |= bit;
    else
        a->lines &= ~bit;
    if (e & RE_LEVEL)
        service_level(a, pin);
    else if (level && !was && !(e & RE_MASKED))
        send(a, pin);
}

u32 vioapic_read(struct vioapic *a, u64 off)
{
    unsigned int reg = a->regsel;

    if (off == OFF_REGSEL)
        return a->regsel;
    if (off != OFF_WIN)
        return 0;
    switch (reg) {
    case REG_ID:
    case REG_ARB:
        return (a->id & 0xf) << 24;
    case REG_VERSION:
        return VERSION | ((a->nr_pins - 1) << 16);
    default:
        if (reg >= REG_REDIR && reg < REG_REDIR + 2 * a->nr_pins) {
            u64 e = a->redir[(reg - REG_REDIR) / 2];
            return (reg & 1) ? (u32)(e >> 32) : (u32)e;
        }
        return 0xffffffff;
    }
}

void vioapic_write(struct vioapic *a, u64 off, u32 val)
{
    unsigned int reg = a->regsel, pin;
    u64 e;

    if (off == OFF_REGSEL) {
        a->regsel = val;
        return;
    }
    if (off == OFF_EOI) {
        vioapic_eoi(a, val);
        return;
    }
    if (off != OFF_WIN)
        return;
    if (reg == REG_ID) {
        a->id = (val >> 24) & 0xf;
        return;
    }
    if (reg < REG_REDIR || reg >= REG_REDIR + 2 * a->nr_pins)
        return;
    pin = (reg - REG_REDIR) / 2;
    e = a->redir[pin];
    if (reg & 1)
        e = (e & 0xffffffffULL) | ((u64)val << 32);
    else
        e = (e & ~0xffffffffULL) | val;
    a->redir[pin] = (a->redir[pin] & ~RE_WRITABLE) | (e & RE_WRITABLE);
    /* An edge pin has no remote IRR; a level pin unmasked while asserted fires. */
    if (!(a->redir[pin] & RE_LEVEL))
        a->redir[pin] &= ~RE_REMOTE_IRR;
    service_level(a, pin);
}

void vioapic_eoi(struct vioapic *a, u8 vector)
{
    for (unsigned int pin = 0; pin < a->nr_pins; pin++) {
        if (RE_VECTOR(a->redir[pin]) != vector || !(a->redir[pin] & RE_REMOTE_IRR))
            continue;
        a->redir[pin] &= ~RE_REMOTE_IRR;
        service_level(a, pin);
    }
}
