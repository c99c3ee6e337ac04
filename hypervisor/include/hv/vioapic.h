/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated IO-APIC (common/hvm/vioapic.c): redirection entries for the domain's
 * GSIs, edge and level triggering with remote IRR, masking, the EOI register of
 * version 0x20. A pure state machine: a delivered interrupt goes to a callback as an
 * APIC message (destination, mode, vector, trigger), and the local APICs' EOIs come
 * back through vioapic_eoi(). Locking is the caller's.
 */
#ifndef HV_VIOAPIC_H
#define HV_VIOAPIC_H

#include <hv/types.h>

#define VIOAPIC_MAX_PINS 64

/* An interrupt message, as the IO-APIC and the local APICs' ICRs send them. */
struct apic_msg {
    u32 dest;           /* APIC ID, or logical destination */
    bool logical;
    u8 mode;            /* APIC_MODE_* */
    u8 vector;
    bool level;         /* level-triggered (the target sets TMR, and EOIs back) */
};

#define APIC_MODE_FIXED    0
#define APIC_MODE_LOWEST   1
#define APIC_MODE_SMI      2
#define APIC_MODE_NMI      4
#define APIC_MODE_INIT     5
#define APIC_MODE_STARTUP  6
#define APIC_MODE_EXTINT   7

struct vioapic {
    u32 id;
    unsigned int nr_pins;
    u8 regsel;
    u64 redir[VIOAPIC_MAX_PINS];
    u64 lines;          /* input levels, one bit a pin */
    void (*deliver)(void *ctx, const struct apic_msg *m);
    void *ctx;
};

void vioapic_init(struct vioapic *a, u32 id, unsigned int nr_pins,
                  void (*deliver)(void *ctx, const struct apic_msg *m), void *ctx);

/* MMIO at offset `off` of the IO-APIC's page (IOREGSEL 0x00, IOWIN 0x10, EOI 0x40). */
u32 vioapic_read(struct vioapic *a, u64 off);
void vioapic_write(struct vioapic *a, u64 off, u32 val);

/* A pin's input line changes. */
void vioapic_set_irq(struct vioapic *a, unsigned int pin, bool level);

/* A local APIC EOI'd a level-triggered `vector`: clear remote IRR where it matches,
 * and deliver again if the line is still asserted. */
void vioapic_eoi(struct vioapic *a, u8 vector);

#endif /* HV_VIOAPIC_H */
