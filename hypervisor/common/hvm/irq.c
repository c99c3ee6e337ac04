/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A domain's interrupt platform (see hv/hvm_irq.h): the wiring between the 8259s, the
 * IO-APIC, the local APICs and the vCPUs, and the devices' ports and MMIO.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hpet.h>
#include <hv/hvm.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/i8254.h>
#include <hv/lib.h>
#include <hv/mc146818.h>
#include <hv/mm.h>
#include <hv/pmtimer.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <asm/processor.h>
#include <public/arch-x86/platform.h>

static struct hvm_irq *irq_of(struct domain *d)
{
    return d->irq;
}

static unsigned int isa_irq_to_gsi(unsigned int irq)
{
    return irq == 0 ? PLATFORM_IRQ0_GSI : irq;
}

/* ---- waking vCPUs ---- */

/* Something became pending for v: wake it from HLT, or make it look again. */
static void irq_kick(struct vcpu *v)
{
    /* The pending bit the caller set must be visible before we read the state:
     * vcpu_block() stores the state, then reads the pending bits; without a full
     * barrier here, x86 may order our load before our store and both sides miss
     * (the store-buffer case of Intel SDM vol. 3, 9.2.3.4). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&v->state, __ATOMIC_SEQ_CST) == VCPU_BLOCKED) {
        if (v->hvm.halted_with_if)
            vcpu_wake(v);
    } else {
        vcpu_kick(v);
    }
}

/* ---- delivery of APIC messages ---- */

static void deliver_to(struct vcpu *v, const struct apic_msg *m)
{
    switch (m->mode) {
    case APIC_MODE_FIXED:
    case APIC_MODE_LOWEST:
        vlapic_set_irq(v->hvm.vlapic, m->vector, m->level);
        break;
    case APIC_MODE_NMI:
        hvm_inject_nmi(v);
        break;
    case APIC_MODE_INIT:
        hvm_vcpu_init_signal(v);
        break;
    case APIC_MODE_STARTUP:
        hvm_vcpu_sipi(v, m->vector);
        break;
    default:
        break; /* SMI: no SMM; ExtINT through the IO-APIC: not wired on a PC */
    }
}

/*
 * Send a message to the local APICs it names (SDM vol. 3, 11.6). Lowest priority
 * goes to one of the targets, the one with the lowest processor priority (ties
 * taken in turn), as the hardware's arbitration would.
 */
static void apic_deliver(struct hvm_irq *irq, struct vcpu *src, const struct apic_msg *m,
                         unsigned int shorthand)
{
    struct domain *d = irq->d;
    struct vcpu *lowest = NULL;
    unsigned int n = d->nr_vcpus;

    for (unsigned int k = 0; k < n; k++) {
        unsigned int i = (irq->lowest_rr + k) % n;
        struct vcpu *v = d->vcpus[i];
        bool target;

        switch (shorthand) {
        case APIC_SHORTHAND_SELF: target = v == src; break;
        case APIC_SHORTHAND_ALL: target = vlapic_hw_enabled(v->hvm.vlapic); break;
        case APIC_SHORTHAND_OTHERS: target = v != src && vlapic_hw_enabled(v->hvm.vlapic); break;
        default: target = vlapic_match_dest(v->hvm.vlapic, m->dest, m->logical); break;
        }
        if (!target)
            continue;
        if (m->mode == APIC_MODE_LOWEST && shorthand == APIC_SHORTHAND_NONE) {
            if (!lowest || vlapic_ppr(v->hvm.vlapic) < vlapic_ppr(lowest->hvm.vlapic))
                lowest = v;
            continue;
        }
        deliver_to(v, m);
    }
    if (lowest) {
        irq->lowest_rr = lowest->id + 1;
        deliver_to(lowest, m);
    }
}

static void ioapic_deliver(void *ctx, const struct apic_msg *m)
{
    apic_deliver(ctx, NULL, m, APIC_SHORTHAND_NONE);
}

static void pic_output(void *ctx, bool level)
{
    struct hvm_irq *irq = ctx;

    if (level)
        irq_kick(irq->d->vcpus[0]); /* the 8259 is wired to the BSP's LINT0 */
}

/* ---- the local APICs' callbacks (ctx: the vCPU) ---- */

static s_time_t lapic_now(void *ctx)
{
    return NOW();
}

static void lapic_set_timer(void *ctx, s_time_t deadline)
{
    struct vcpu *v = ctx;

    if (deadline)
        set_timer(&v->hvm.lapic_timer, deadline);
    else
        stop_timer(&v->hvm.lapic_timer);
}

static u64 lapic_guest_tsc(void *ctx)
{
    struct vcpu *v = ctx;

    return rdtsc() + __atomic_load_n(&v->hvm.tsc_offset, __ATOMIC_RELAXED);
}

static s_time_t lapic_tsc_to_time(void *ctx, u64 guest_tsc)
{
    struct vcpu *v = ctx;

    return tsc_to_system_time(guest_tsc - __atomic_load_n(&v->hvm.tsc_offset,
                                                           __ATOMIC_RELAXED));
}

static void lapic_send_ipi(void *ctx, const struct apic_msg *m, unsigned int shorthand)
{
    struct vcpu *v = ctx;

    apic_deliver(irq_of(v->domain), v, m, shorthand);
}

static void lapic_eoi_level(void *ctx, u8 vector)
{
    struct vcpu *v = ctx;

    vioapic_eoi(&irq_of(v->domain)->ioapic, vector);
}

static void lapic_kick(void *ctx)
{
    irq_kick(ctx);
}

static const struct vlapic_ops lapic_ops = {
    .now = lapic_now,
    .set_timer = lapic_set_timer,
    .guest_tsc = lapic_guest_tsc,
    .tsc_to_time = lapic_tsc_to_time,
    .send_ipi = lapic_send_ipi,
    .eoi_level = lapic_eoi_level,
    .kick = lapic_kick,
};

static void lapic_timer_fn(void *data)
{
    struct vcpu *v = data;
    struct hvm_irq *irq = irq_of(v->domain);
    unsigned long flags = hvm_irq_lock(irq);

    vlapic_timer_expired(v->hvm.vlapic);
    hvm_irq_unlock(irq, flags);
}

/* ---- lines ---- */

/*
 * Each line is the OR of its drivers (enum hvm_irq_source; PCI INTx pins counted
 * apart): a driver going low lowers the line only if no other holds it, and a pulse
 * on a line another driver holds high is no edge, as on a wire. The chips see only
 * the line's changes. While the HPET's legacy route is on, the PIT's and the RTC's
 * own outputs are cut off from IRQ0 and IRQ8 (IA-PC HPET spec 2.3.9.1) but still
 * recorded, so that the line takes their level again when the route goes off.
 */
static bool legacy_cut(const struct hvm_irq *irq, unsigned int isa_irq)
{
    return irq->hpet_legacy && (isa_irq == 0 || isa_irq == PLATFORM_RTC_IRQ);
}

static bool isa_line(const struct hvm_irq *irq, unsigned int isa_irq)
{
    u8 src = irq->isa_src[isa_irq];

    if (legacy_cut(irq, isa_irq))
        src &= ~(1u << HVM_IRQ_SRC_DEVICE);
    return src;
}

static bool gsi_line(const struct hvm_irq *irq, unsigned int gsi)
{
    return irq->gsi_src[gsi - PLATFORM_ISA_IRQS] || (gsi >= PLATFORM_PCI_GSI_BASE &&
                                 irq->pci_gsi_count[gsi - PLATFORM_PCI_GSI_BASE]);
}

/* The ISA line's chips, after a change of its drivers (`was`: its level before). */
static void isa_line_changed(struct hvm_irq *irq, unsigned int isa_irq, bool was)
{
    bool level = isa_line(irq, isa_irq);

    if (level == was)
        return;
    i8259_set_irq(&irq->pic, isa_irq, level);
    vioapic_set_irq(&irq->ioapic, isa_irq_to_gsi(isa_irq), level);
}

static void gsi_line_changed(struct hvm_irq *irq, unsigned int gsi, bool was)
{
    bool level = gsi_line(irq, gsi);

    if (level != was)
        vioapic_set_irq(&irq->ioapic, gsi, level);
}

static void set_src(u8 *mask, enum hvm_irq_source src, bool level)
{
    if (level)
        *mask |= 1u << src;
    else
        *mask &= ~(1u << src);
}

void hvm_isa_irq_set(struct domain *d, enum hvm_irq_source src, unsigned int isa_irq,
                     bool level)
{
    struct hvm_irq *irq = irq_of(d);
    unsigned long flags;
    bool was;

    if (!irq || isa_irq >= PLATFORM_ISA_IRQS || src >= HVM_IRQ_SRC_COUNT)
        return;
    flags = hvm_irq_lock(irq);
    was = isa_line(irq, isa_irq);
    set_src(&irq->isa_src[isa_irq], src, level);
    isa_line_changed(irq, isa_irq, was);
    hvm_irq_unlock(irq, flags);
}

void hvm_gsi_set(struct domain *d, enum hvm_irq_source src, unsigned int gsi, bool level)
{
    struct hvm_irq *irq = irq_of(d);
    unsigned long flags;
    bool was;

    if (!irq || gsi < PLATFORM_ISA_IRQS || gsi >= PLATFORM_IOAPIC_PINS ||
        src >= HVM_IRQ_SRC_COUNT)
        return;
    flags = hvm_irq_lock(irq);
    was = gsi_line(irq, gsi);
    set_src(&irq->gsi_src[gsi - PLATFORM_ISA_IRQS], src, level);
    gsi_line_changed(irq, gsi, was);
    hvm_irq_unlock(irq, flags);
}

void hvm_pci_intx_set(struct domain *d, unsigned int dev, unsigned int pin, bool level)
{
    struct hvm_irq *irq = irq_of(d);
    unsigned int gsi = PLATFORM_PCI_INTX_GSI(dev, pin);
    unsigned long flags;
    u8 bit, *count;
    bool was;

    if (!irq || dev >= ARRAY_SIZE(irq->intx) || pin > 3)
        return;
    bit = 1u << pin;
    count = &irq->pci_gsi_count[gsi - PLATFORM_PCI_GSI_BASE];
    flags = hvm_irq_lock(irq);
    was = gsi_line(irq, gsi);
    if (level && !(irq->intx[dev] & bit)) {
        irq->intx[dev] |= bit;
        (*count)++;
    } else if (!level && (irq->intx[dev] & bit)) {
        irq->intx[dev] &= ~bit;
        (*count)--;
    }
    gsi_line_changed(irq, gsi, was);
    hvm_irq_unlock(irq, flags);
}

void hvm_set_hpet_legacy(struct domain *d, bool on)
{
    struct hvm_irq *irq = irq_of(d);
    unsigned long flags;
    bool was0, was8;

    if (!irq)
        return;
    flags = hvm_irq_lock(irq);
    was0 = isa_line(irq, 0);
    was8 = isa_line(irq, PLATFORM_RTC_IRQ);
    irq->hpet_legacy = on;
    isa_line_changed(irq, 0, was0);
    isa_line_changed(irq, PLATFORM_RTC_IRQ, was8);
    hvm_irq_unlock(irq, flags);
}

/*
 * An MSI (Intel SDM vol. 3, 11.11.1 and 11.11.2). The redirection hint with a
 * logical destination makes the message lowest-priority among its targets (as the
 * chipset would); with a physical destination it is ignored. A level-triggered
 * message with bit 14 clear (deassert) does nothing: local APICs ignore it.
 */
int hvm_msi_deliver(struct domain *d, u64 addr, u32 data)
{
    struct hvm_irq *irq = irq_of(d);
    bool logical = addr & (1u << 2), rh = addr & (1u << 3);
    struct apic_msg m = {
        .dest = (addr >> 12) & 0xff,
        .logical = logical,
        .mode = (data >> 8) & 7,
        .vector = data & 0xff,
        .level = data & (1u << 15),
    };
    unsigned long flags;

    if (!irq || addr < PLATFORM_MSI_BASE || addr >= PLATFORM_MSI_BASE + PLATFORM_MSI_SIZE)
        return -EINVAL;
    if (m.mode != APIC_MODE_FIXED && m.mode != APIC_MODE_LOWEST && m.mode != APIC_MODE_NMI)
        return -EINVAL;
    if (m.level && !(data & (1u << 14)))
        return 0;
    if (rh && logical)
        m.mode = m.mode == APIC_MODE_FIXED ? APIC_MODE_LOWEST : m.mode;
    flags = hvm_irq_lock(irq);
    apic_deliver(irq, NULL, &m, APIC_SHORTHAND_NONE);
    hvm_irq_unlock(irq, flags);
    return 0;
}

/* ---- the run loop's side ---- */

static bool extint_pending(struct hvm_irq *irq, struct vcpu *v)
{
    return v->id == 0 && i8259_int(&irq->pic) && vlapic_accepts_extint(v->hvm.vlapic);
}

bool hvm_irq_wakeable(struct vcpu *v)
{
    struct hvm_irq *irq = irq_of(v->domain);

    if (!irq)
        return false;
    return vlapic_pending(v->hvm.vlapic) >= 0 || extint_pending(irq, v);
}

/*
 * Pick the interrupt to inject. An 8259 interrupt through LINT0 (ExtINT) is taken
 * before the local APIC's own: ExtINT is not subject to the APIC's priority (SDM
 * 11.6.1, delivery mode 111).
 *
 * Most entries have nothing pending: a lock-free look first, which asks exactly what
 * the locked one does (ExtINT or a deliverable APIC vector; either is what *blocked
 * reports, so neither is lost by returning early). A vector that becomes pending just
 * after that look is no worse off than one that comes just after the lock is dropped:
 * its sender kicks the vCPU after making it pending (irq_kick). From another pCPU the
 * kick is an IPI, which stays pending while this CPU enters the guest with interrupts
 * off, so the entry exits at once and the run loop looks again; on this pCPU the
 * sender (a timer, an exit handler) ran before the loop came here.
 */
int hvm_irq_take(struct vcpu *v, bool interruptible, bool *blocked)
{
    struct hvm_irq *irq = irq_of(v->domain);
    unsigned long flags;
    int vec = -1;
    bool ext;

    *blocked = false;
    if (!hvm_irq_wakeable(v))
        return -1;
    flags = hvm_irq_lock(irq);
    ext = extint_pending(irq, v);
    if (!ext)
        vec = vlapic_pending(v->hvm.vlapic);
    if (ext || vec >= 0) {
        if (!interruptible) {
            *blocked = true;
            vec = -1;
        } else if (ext) {
            vec = i8259_ack(&irq->pic);
        } else {
            vlapic_ack(v->hvm.vlapic, vec);
        }
    }
    hvm_irq_unlock(irq, flags);
    return vec;
}

/* ---- INIT and SIPI ---- */

void hvm_vcpu_init_signal(struct vcpu *v)
{
    __atomic_store_n(&v->hvm.init_pending, true, __ATOMIC_SEQ_CST);
    vcpu_wake(v); /* its run loop, on its own pCPU, resets it */
}

void hvm_vcpu_sipi(struct vcpu *v, u8 vector)
{
    /* A SIPI counts only in the wait-for-SIPI state (SDM vol. 3, 9.4.4). */
    if (!__atomic_load_n(&v->hvm.wait_sipi, __ATOMIC_SEQ_CST))
        return;
    __atomic_store_n(&v->hvm.sipi_vector, vector, __ATOMIC_SEQ_CST);
    __atomic_store_n(&v->hvm.sipi_pending, true, __ATOMIC_SEQ_CST);
    vcpu_wake(v);
}

/* ---- the devices' ports and MMIO ---- */

/* What a read of `size` bytes at `off` gets of the 32-bit register holding `word`. */
static u64 dword_lanes(u32 word, u64 off, unsigned int size)
{
    return (word >> (8 * (off & 3))) & (size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void lapic_mmio(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val,
                       void *data)
{
    struct hvm_irq *irq = data;
    u32 off = gpa - PLATFORM_LAPIC_BASE;
    unsigned long flags = hvm_irq_lock(irq);

    /* Registers are 32 bits at 16-byte offsets; other sizes read the lanes of one. */
    if (write) {
        if (size == 4 && !(off & 3))
            vlapic_mmio_write(v->hvm.vlapic, off, (u32)*val);
    } else {
        *val = dword_lanes(vlapic_mmio_read(v->hvm.vlapic, off & ~3u), off, size);
    }
    hvm_irq_unlock(irq, flags);
}

static void ioapic_mmio(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val,
                        void *data)
{
    struct hvm_irq *irq = data;
    u64 off = gpa - PLATFORM_IOAPIC_BASE;
    unsigned long flags = hvm_irq_lock(irq);

    /* The 82093AA's registers are dwords ("must be accessed as dwords"); a narrower
     * write reaches only IOREGSEL, an 8-bit register (QEMU's model does the same), so
     * that a stray byte cannot become half a redirection entry. A narrower read gets
     * the lanes of the dword. */
    if (write) {
        if ((size == 4 && !(off & 3)) || off == 0)
            vioapic_write(&irq->ioapic, off, size == 4 ? (u32)*val : (u8)*val);
    } else {
        *val = dword_lanes(vioapic_read(&irq->ioapic, off & ~3ULL), off, size);
    }
    hvm_irq_unlock(irq, flags);
}

/* One port: the chip reads 0xff and ignores writes for ports not its own. */
static u8 pic_byte(void *data, u16 port, bool write, u8 val)
{
    struct hvm_irq *irq = data;

    if (!write)
        return i8259_read(&irq->pic, port);
    i8259_write(&irq->pic, port, val);
    return 0;
}

/* Ports 0x20-0x21, 0xa0-0xa1 and the ELCR's 0x4d0-0x4d1: 8-bit registers, a wider
 * access a byte access to each port in turn (a 16-bit write of OCW1 at 0x21 goes on
 * to 0x22, which is not the 8259's). */
static void pic_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                   void *data)
{
    struct hvm_irq *irq = data;
    unsigned long flags = hvm_irq_lock(irq);

    hvm_io_bytewise(port, size, write, val, pic_byte, irq);
    hvm_irq_unlock(irq, flags);
}

bool hvm_irq_msr(struct vcpu *v, u32 msr, bool write, u64 *val, int *rc)
{
    struct hvm_irq *irq = irq_of(v->domain);
    unsigned long flags;

    if (!irq || !vlapic_msr_is_apic(msr))
        return false;
    flags = hvm_irq_lock(irq);
    *rc = write ? vlapic_msr_write(v->hvm.vlapic, msr, *val)
                : vlapic_msr_read(v->hvm.vlapic, msr, val);
    hvm_irq_unlock(irq, flags);
    return true;
}

/* ---- set-up ---- */

/* The timers and clocks, after the interrupt controllers they drive. */
static const struct platform_device platform_devices[] = {
    { "pit", vpit_init, vpit_destroy },
    { "rtc", vrtc_init, vrtc_destroy },
    { "hpet", vhpet_init, vhpet_destroy },
    { "pmtimer", pmtimer_init, pmtimer_destroy },
};

static int platform_devices_init(struct domain *d)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(platform_devices); i++) {
        int rc = platform_devices[i].init(d);
        if (rc) {
            printk(LOG_WARN "d%u: platform device %s: %d\n", d->id,
                   platform_devices[i].name, rc);
            return rc;
        }
    }
    return 0;
}

static void platform_devices_destroy(struct domain *d)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(platform_devices); i++)
        platform_devices[i].destroy(d);
}

int hvm_irq_init(struct domain *d)
{
    struct hvm_irq *irq = xnew(struct hvm_irq);
    int rc;

    if (!irq)
        return -ENOMEM;
    spin_lock_init(&irq->lock);
    irq->d = d;
    i8259_init(&irq->pic, pic_output, irq);
    vioapic_init(&irq->ioapic, PLATFORM_IOAPIC_ID, PLATFORM_IOAPIC_PINS, ioapic_deliver, irq);
    d->irq = irq;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        v->hvm.vlapic = xnew(struct vlapic);
        if (!v->hvm.vlapic)
            return -ENOMEM;
        vlapic_init(v->hvm.vlapic, v->id, v->id == 0, &lapic_ops, v);
        init_timer(&v->hvm.lapic_timer, lapic_timer_fn, v, v->processor);
    }
    rc = hvm_register_mmio(d, PLATFORM_LAPIC_BASE, PAGE_SIZE, lapic_mmio, irq, "lapic");
    if (!rc)
        rc = hvm_register_mmio(d, PLATFORM_IOAPIC_BASE, PAGE_SIZE, ioapic_mmio, irq,
                               "ioapic");
    if (!rc)
        rc = hvm_register_io(d, PLATFORM_PIC_MASTER, 2, pic_io, irq, "pic");
    if (!rc)
        rc = hvm_register_io(d, PLATFORM_PIC_SLAVE, 2, pic_io, irq, "pic");
    if (!rc)
        rc = hvm_register_io(d, PLATFORM_ELCR, 2, pic_io, irq, "elcr");
    if (!rc)
        rc = platform_devices_init(d);
    return rc;
}

void hvm_irq_destroy(struct domain *d)
{
    if (!d->irq)
        return;
    platform_devices_destroy(d);
    for (unsigned int i = 0; d->vcpus && i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v && v->hvm.vlapic) {
            kill_timer(&v->hvm.lapic_timer);
            xfree(v->hvm.vlapic);
            v->hvm.vlapic = NULL;
        }
    }
    xfree(d->irq);
    d->irq = NULL;
}
