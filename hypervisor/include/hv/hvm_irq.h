/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A domain's interrupt platform (common/hvm/irq.c): the 8259 pair, the IO-APIC and a
 * local APIC per vCPU, wired as on a PC. ISA IRQ lines reach both the 8259s and the
 * IO-APIC (ISA IRQ n on GSI n, IRQ0 on GSI 2); the IO-APIC's messages and the local
 * APICs' IPIs are delivered by destination to the vCPUs' local APICs; the 8259s' INT
 * reaches vCPU 0 through its LINT0 (virtual wire mode) or directly when its local
 * APIC is off.
 *
 * One lock per domain (struct hvm_irq.lock, taken through hvm_irq_lock()) guards all
 * of it. Lock order: this lock, then the scheduler's (a delivery wakes vCPUs); nothing
 * takes it while holding a scheduler lock. The IPIs that wake vCPUs on other pCPUs
 * go out only once it is dropped (held kicks, hv/sched.h): the woken vCPU's first act
 * is to take it.
 */
#ifndef HV_HVM_IRQ_H
#define HV_HVM_IRQ_H

#include <hv/i8259.h>
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/types.h>
#include <hv/vioapic.h>
#include <hv/vlapic.h>
#include <public/arch-x86/platform.h>

struct domain;
struct vcpu;

struct hvm_irq {
    spinlock_t lock;
    struct i8259 pic;
    struct vioapic ioapic;
    struct domain *d;
    unsigned int lowest_rr;     /* round-robin start for lowest-priority delivery */
    /* Who holds each line high (bits of enum hvm_irq_source): the ISA lines by ISA
     * IRQ, the IO-APIC's own lines by GSI - 16. */
    u8 isa_src[PLATFORM_ISA_IRQS];
    u8 gsi_src[PLATFORM_IOAPIC_PINS - PLATFORM_ISA_IRQS];
    /* PCI INTx: which pins of each bus-0 device are asserted, and how many asserted
     * pins each PCI GSI has (one more driver of the line while any is). */
    u8 intx[32];
    u8 pci_gsi_count[PLATFORM_PCI_GSIS];
    /* The platform's timers and clocks (each its own file, its own lock). */
    struct vpit *pit;           /* common/hvm/i8254.c glue */
    struct vrtc *rtc;           /* common/hvm/mc146818.c glue */
    struct vhpet *hpet;         /* common/hvm/hpet.c glue */
    struct vpmtimer *pmtimer;   /* common/hvm/pmtimer.c glue */
    /* The HPET's legacy replacement route is on (HPET_CFG.LEG_RT_CNF): its timers 0
     * and 1 drive IRQ0 and IRQ8, and the PIT's and the RTC's own outputs are cut
     * off from those lines (IA-PC HPET spec 2.3.9.1). Set by hvm_set_hpet_legacy(). */
    bool hpet_legacy;
};

static inline unsigned long hvm_irq_lock(struct hvm_irq *irq)
{
    unsigned long flags = spin_lock_irqsave(&irq->lock);

    sched_hold_kicks();
    return flags;
}

static inline void hvm_irq_unlock(struct hvm_irq *irq, unsigned long flags)
{
    spin_unlock(&irq->lock);
    sched_release_kicks();      /* interrupts still off: after the lock, before them */
    local_irq_restore(flags);
}

/*
 * A platform device of every domain with the platform: init registers its ports or
 * MMIO (hv/hvm_io.h) and sets its pointer above; destroy frees it (and kills its
 * timers). Listed in platform_devices[] (common/hvm/irq.c).
 */
struct platform_device {
    const char *name;
    int (*init)(struct domain *d);
    void (*destroy)(struct domain *d);
};

/* Create / free the platform of a domain (its vCPUs exist already). */
int hvm_irq_init(struct domain *d);
void hvm_irq_destroy(struct domain *d);

/*
 * The drivers of a line. A line is high while any of its drivers holds it (a wired
 * OR), so each says only what it drives itself. An edge-triggered driver pulses its
 * line: high, then low (no edge if another holds the line high).
 */
enum hvm_irq_source {
    HVM_IRQ_SRC_DEVICE,     /* an ISA line's own device: PIT IRQ0, RTC IRQ8, SCI IRQ9 */
    HVM_IRQ_SRC_HPET,       /* the HPET: legacy route (IRQ0, IRQ8) or its GSI routes */
    HVM_IRQ_SRC_COUNT
};

/* Drive ISA IRQ line `irq` (0-15), which reaches the 8259s and the IO-APIC. */
void hvm_isa_irq_set(struct domain *d, enum hvm_irq_source src, unsigned int irq,
                     bool level);
/* Drive an IO-APIC line with no ISA line (GSI 16-47); PCI INTx may share it. */
void hvm_gsi_set(struct domain *d, enum hvm_irq_source src, unsigned int gsi, bool level);
/* Assert or deassert PCI INTx pin `pin` (0-3: INTA#-INTD#) of bus-0 device `dev`
 * (0-31); shared lines are wire-ORed (PLATFORM_PCI_INTX_GSI). Idempotent. */
void hvm_pci_intx_set(struct domain *d, unsigned int dev, unsigned int pin, bool level);
/* Deliver an MSI: the device's write of `data` to `addr`. -EINVAL (and nothing
 * delivered) when the address is outside the MSI window or the message is one a
 * device cannot send (SMI, INIT, SIPI, ExtINT, reserved modes). */
int hvm_msi_deliver(struct domain *d, u64 addr, u32 data);
/* The HPET's legacy replacement route goes on or off: IRQ0 and IRQ8 follow the HPET
 * alone while it is on, the PIT and the RTC (and the HPET, if it still drives them)
 * again when it goes off. */
void hvm_set_hpet_legacy(struct domain *d, bool on);

/* For the run loop, with interrupts off: the vector to inject now, if the guest can
 * take one (acknowledging it at its controller), or -1. *blocked says a vector waits
 * for an interrupt window. Lock-free when nothing is pending. */
int hvm_irq_take(struct vcpu *v, bool interruptible, bool *blocked);
/* Is anything pending that would wake the vCPU from HLT? (Lock-free, may race.) */
bool hvm_irq_wakeable(struct vcpu *v);

/* A vCPU's INIT and SIPI (from an IPI), processed on its own pCPU by the run loop. */
void hvm_vcpu_init_signal(struct vcpu *v);
void hvm_vcpu_sipi(struct vcpu *v, u8 vector);

/* The local APIC's MSRs (IA32_APIC_BASE, TSC deadline, x2APIC range). */
bool hvm_irq_msr(struct vcpu *v, u32 msr, bool write, u64 *val, int *rc);

#endif /* HV_HVM_IRQ_H */
