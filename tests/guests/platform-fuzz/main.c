/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * platform-fuzz: a hostile guest. Two CPUs at once write pseudo-random values to
 * every register of the virtual platform (local APIC by MMIO on CPU 0, by x2APIC
 * MSRs on CPU 1; IO-APIC, 8259 pair and ELCR, PIT and port B, RTC/CMOS, HPET, PM1
 * block), with random access sizes and offsets, and read them back at random, while
 * taking whatever interrupts that produces. Then it puts the platform back in order and
 * checks that it works: a self IPI, an IPI to the other CPU, the PIT through the
 * IO-APIC, the HPET's counter, the RTC's clock.
 *
 * What it shows: garbage from a guest neither takes the hypervisor down nor wedges
 * the devices for good (the system test runs it beside another domain, which must
 * pass too); and, with two CPUs writing the shared chips at once, the platform's
 * locking holds.
 *
 * Left out, because they would end or freeze this guest rather than test the
 * hypervisor: INIT and Startup delivery (ICR, LVT, IO-APIC entries: changed to
 * fixed), writes to IA32_APIC_BASE, PM1_CNT's high byte (SLP_EN: power off), and
 * IA32_TSC (the test's own timeouts). Interrupt vectors 0-31, which would enter
 * exception handlers, are moved up by 32, in the APIC, the IO-APIC and the 8259s'
 * ICW2 (tracked under a lock: ICW2 is the data-port write after an ICW1). An
 * interrupt storm (a
 * level-triggered line re-delivered on every EOI) is broken by the handler masking
 * every source, so that the fuzzing always moves on.
 *
 * The pseudo-random sequence is fixed per mode and CPU: a failure reproduces.
 */
#include "devices.h"

#define OPS_PER_CPU     20000u
#define STORM_LIMIT     200u    /* interrupts between two operations */

static volatile unsigned long irqs[MAX_CPUS], nmis[MAX_CPUS], storms[MAX_CPUS];
static volatile unsigned long since_op[MAX_CPUS];
static volatile unsigned long self_ipis, pit_ticks;
enum { OP_LAPIC, OP_IOAPIC, OP_PORT, OP_HPET, OP_MSR, OP_READ, OP_NR };
static unsigned long ops[MAX_CPUS][OP_NR];
static const char *const op_names[OP_NR] = {
    "local APIC", "IO-APIC", "ports", "HPET", "MSRs", "reads",
};

/* ---- xorshift64* (Vigna), one state per CPU ---- */

static uint64_t rnd_state[MAX_CPUS];

static uint64_t rnd(void)
{
    uint64_t *s = &rnd_state[smp_cpu_id()];

    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static unsigned int rnd_below(unsigned int n)
{
    return (uint32_t)(rnd() >> 32) % n;
}

/* ---- interrupts ---- */

/* IOREGSEL is shared: a select and its window access go together, under a lock
 * (and with interrupts off, since a storm's handler takes it too). */
static spinlock_t ioapic_lock;

/* Mask everything that can interrupt: the fuzzing can go on. */
static void quiet_everything(void)
{
    unsigned long flags;

    for (unsigned int reg = APIC_LVT_TIMER; reg <= APIC_LVT_ERROR; reg += 0x10)
        lapic_write(reg, APIC_LVT_MASKED);
    lapic_write(APIC_TIMER_ICR, 0);
    flags = irq_save();
    spin_lock(&ioapic_lock);
    ioapic_mask_all();
    spin_unlock(&ioapic_lock);
    irq_restore(flags);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    hpet_write32(HPET_CONFIG, 0);
}

static void any_irq(struct trap_frame *f)
{
    unsigned int c = smp_cpu_id();

    (void)f;
    irqs[c]++;
    if (++since_op[c] == STORM_LIMIT) {
        storms[c]++;
        quiet_everything();
    }
    lapic_eoi();
    outb(0xa0, 0x20);   /* non-specific EOIs: the 8259s' vector bases are random too */
    outb(0x20, 0x20);
}

static void nmi(struct trap_frame *f)
{
    (void)f;
    nmis[smp_cpu_id()]++;
}

static void self_ipi_handler(struct trap_frame *f)
{
    (void)f;
    self_ipis++;
    lapic_eoi();
}

static void pit_handler(struct trap_frame *f)
{
    (void)f;
    pit_ticks++;
    lapic_eoi();
}

/* ---- sanitising what would stop this guest ---- */

/* Vectors 0-31 would enter exception handlers (some expecting an error code): a
 * local APIC refuses 0-15 (SDM vol. 3, 11.5.2), QEMU's delivers them. */
static uint32_t safe_vector(uint32_t v)
{
    uint32_t vec = v & 0xff;

    return vec < 32 ? (v & ~0xffu) | (vec + 32) : v;
}

/* Delivery mode (bits 10:8) INIT or Startup becomes fixed. */
static uint32_t safe_mode(uint32_t v)
{
    uint32_t mode = (v >> 8) & 7;

    return mode == 5 || mode == 6 ? v & ~0x700u : v;
}

static uint32_t safe_lapic_value(unsigned int reg, uint32_t v)
{
    if (reg == APIC_ICR || (reg >= APIC_LVT_TIMER && reg <= APIC_LVT_ERROR) ||
        reg == APIC_SELF_IPI)
        return safe_vector(safe_mode(v));
    if (reg == APIC_SVR)
        return safe_vector(v);  /* QEMU's APIC delivers its spurious vector */
    return v;
}

/* ---- one operation of each kind ---- */

static void fuzz_lapic(void)
{
    unsigned int reg = rnd_below(0x40) * 0x10;

    if (this_cpu()->x2apic) {
        /* x2APIC: reserved or read-only registers #GP; a fault is an answer too. */
        wrmsr_safe(MSR_X2APIC_BASE + (reg >> 4),
                   safe_lapic_value(reg, (uint32_t)rnd()) | (rnd() & 0xff00000000ull));
        return;
    }
    if (reg == APIC_ID && rnd_below(2))
        return; /* keep the ID most of the time: the other CPU sends us IPIs by it */
    if (rnd_below(8) == 0) {
        /* A byte or a word into the page: the APIC ignores it. */
        volatile uint8_t *p = phys_ptr(PLATFORM_LAPIC_BASE + rnd_below(0x1000));
        *p = (uint8_t)rnd();
        return;
    }
    lapic_write(reg, safe_lapic_value(reg, (uint32_t)rnd()));
}

static void fuzz_ioapic(void)
{
    unsigned int sel = rnd_below(4) ? 0x10 + rnd_below(2 * 48 + 8) : rnd_below(256);
    uint32_t v = (uint32_t)rnd();
    unsigned long flags = irq_save();

    spin_lock(&ioapic_lock);
    switch (rnd_below(4)) {
    case 0:
        mmio_write32(PLATFORM_IOAPIC_BASE + 0x40, v);  /* the EOI register */
        break;
    case 1: {
        volatile uint8_t *p = phys_ptr(PLATFORM_IOAPIC_BASE + rnd_below(0x100));
        *p = (uint8_t)v;            /* odd sizes and places (IOREGSEL takes a byte) */
        break;
    }
    default:
        mmio_write32(PLATFORM_IOAPIC_BASE, sel);
        if (sel >= 0x10 && !(sel & 1))
            v = safe_vector(safe_mode(v));              /* a redirection entry's low half */
        mmio_write32(PLATFORM_IOAPIC_BASE + 0x10, v);
        break;
    }
    spin_unlock(&ioapic_lock);
    irq_restore(flags);
}

static const uint16_t fuzz_ports[] = {
    0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71,
    0x600, 0x601, 0x602, 0x603, 0x604, 0x606, 0x607, 0x608, 0x609, 0x60a, 0x60b,
};

/* The 8259s: an ICW1 (command port, bit 4) makes the next data-port write ICW2,
 * the vector base. Both CPUs write them: under a lock. */
static spinlock_t pic_lock;
static bool icw2_next[2];

static void fuzz_pic(uint16_t port, uint8_t v)
{
    unsigned int chip = port >= 0xa0;
    unsigned long flags = irq_save();

    spin_lock(&pic_lock);
    if (!(port & 1)) {
        if (v & 0x10)
            icw2_next[chip] = true;     /* an OCW between does not end the sequence */
    } else if (icw2_next[chip]) {
        icw2_next[chip] = false;
        if (v < 0x20)
            v |= 0x20;
    }
    outb(port, v);
    spin_unlock(&pic_lock);
    irq_restore(flags);
}

static void fuzz_port(void)
{
    uint16_t port = fuzz_ports[rnd_below(ARRAY_SIZE(fuzz_ports))];
    uint32_t v = (uint32_t)rnd();
    unsigned int size = 1u << rnd_below(3);

    if (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1) {
        fuzz_pic(port, (uint8_t)v);
        return;
    }
    /* PM1_CNT's high byte is SLP_TYP and SLP_EN: a write could power us off. */
    if (port <= 0x605 && port + size > 0x605)
        size = 1;
    if (port == 0x604)
        v &= 0xff;
    switch (size) {
    case 1: outb(port, (uint8_t)v); break;
    case 2: outw(port, (uint16_t)v); break;
    default: outl(port, v); break;
    }
}

static void fuzz_hpet(void)
{
    unsigned int off = rnd_below(0x400 / 4) * 4;
    uint32_t v = (uint32_t)rnd();

    if (off == HPET_CONFIG && rnd_below(4) == 0)
        v &= ~HPET_CFG_LEGACY;  /* on most of the time is fine; sometimes let it go */
    /* FSB delivery (Tn_FSB_EN_CNF, bit 14) would write the timer's random FSB route
     * value anywhere in memory. Petrel offers none (Tn_FSB_INT_DEL_CAP clear); QEMU
     * does. */
    if (off >= HPET_TN_CONFIG(0) && off < HPET_TN_CONFIG(3) && (off & 0x1f) == 0)
        v &= ~(1u << 14);
    hpet_write32(off, v);
}

static void fuzz_msr(void)
{
    uint64_t v = rnd();

    if (this_cpu()->x2apic && rnd_below(2)) {
        fuzz_lapic();
        return;
    }
    if (rnd_below(2))
        wrmsr_safe(0x6e0, v >> rnd_below(64));         /* IA32_TSC_DEADLINE */
    else
        wrmsr_safe(0x6e0, rdtsc() + rnd_below(100000)); /* soon */
}

static void fuzz_read(void)
{
    uint64_t v;

    switch (rnd_below(5)) {
    case 0: (void)*(volatile uint32_t *)phys_ptr(PLATFORM_LAPIC_BASE +
                                                 rnd_below(0x1000 / 4) * 4); break;
    case 1: (void)*(volatile uint8_t *)phys_ptr(PLATFORM_IOAPIC_BASE + rnd_below(0x100));
            break;
    case 2: (void)*(volatile uint16_t *)phys_ptr(PLATFORM_HPET_BASE + rnd_below(0x800) * 2);
            break;
    case 3: (void)inb(fuzz_ports[rnd_below(ARRAY_SIZE(fuzz_ports))]); break;
    default: rdmsr_safe(0x800 + rnd_below(0x100), &v); break;
    }
}

/* ---- putting it back in order ---- */

static void restore_cpu(void *arg)
{
    unsigned int c = smp_cpu_id();

    (void)arg;
    quiet_everything();
    if (!this_cpu()->x2apic) {      /* in x2APIC mode these are read-only or absent */
        lapic_write(APIC_ID, c << 24);
        lapic_write(APIC_DFR, 0xffffffffu);
        lapic_write(APIC_LDR, 0);
    }
    lapic_enable();                     /* SVR enabled, spurious vector, TPR 0 */
    wrmsr_safe(0x6e0, 0);
    lapic_write(APIC_ESR, 0);
    for (unsigned int i = 0; i < 8; i++)    /* whatever is still in service */
        lapic_eoi();
}

static void fuzz(void *arg)
{
    unsigned int c = smp_cpu_id();

    (void)arg;
    rnd_state[c] = 0x9e3779b97f4a7c15ull ^ ((uint64_t)c << 32) ^
                   (uint64_t)mode_name[0] << 8;
    /* CPU 1 fuzzes its APIC through the x2APIC MSRs where offered (always under
     * Petrel), CPU 0 through the xAPIC page: both views at once. */
    if (c == 1)
        need_on_petrel(lapic_enable_x2apic(), "x2APIC");
    sti();
    for (unsigned int i = 0; i < OPS_PER_CPU; i++) {
        unsigned int kind = rnd_below(OP_NR);

        since_op[c] = 0;
        ops[c][kind]++;
        switch (kind) {
        case OP_LAPIC: fuzz_lapic(); break;
        case OP_IOAPIC: fuzz_ioapic(); break;
        case OP_PORT: fuzz_port(); break;
        case OP_HPET: fuzz_hpet(); break;
        case OP_MSR: fuzz_msr(); break;
        default: fuzz_read(); break;
        }
    }
    cli();
    restore_cpu(NULL);  /* its own APIC: the other CPU cannot reach it, maybe */
}

/* ---- checking it works ---- */

#define VEC_SELF    0x40
#define VEC_PIT     0x41
#define VEC_MASTER  0x20
#define VEC_SLAVE   0x28

static void send_self(void *arg)
{
    (void)arg;
    lapic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | VEC_SELF);
}

static void check_platform(void)
{
    struct rtc_time t;
    uint64_t h0;

    pic_init(VEC_MASTER, VEC_SLAVE);
    pic_set_mask(0xffff);
    outb(0x4d0, 0);
    outb(0x4d1, 0);
    for (unsigned int n = 0; n < 3; n++)
        hpet_write32(HPET_TN_CONFIG(n), 0);
    cmos_write(RTC_REG_A, 0x26);        /* 32.768 kHz, 1024 Hz */
    cmos_write(RTC_REG_B, RTC_B_24H);
    cmos_read(RTC_REG_C);

    self_ipis = 0;
    sti();
    send_self(NULL);
    check(wait_for(self_ipis == 1, ARRIVAL_TIMEOUT_US), "after the fuzzing: no self IPI");
    smp_run(1, send_self, NULL, 0);
    check(wait_for(self_ipis == 2, ARRIVAL_TIMEOUT_US),
          "after the fuzzing: no self IPI on CPU 1");

    ioapic_route(PLATFORM_IRQ0_GSI, VEC_PIT, 0, lapic_id());
    pit_ticks = 0;
    pit_start(PIT_MODE_RATE, 1193);
    check(wait_for(pit_ticks >= 5, ARRIVAL_TIMEOUT_US),
          "after the fuzzing: the PIT through the IO-APIC gave %lu ticks", pit_ticks);
    pit_stop();
    ioapic_mask(PLATFORM_IRQ0_GSI, true);

    hpet_write32(HPET_CONFIG, HPET_CFG_ENABLE);
    h0 = hpet_counter();
    mdelay(2);
    check(hpet_counter() > h0, "after the fuzzing: the HPET's counter stands still");
    hpet_write32(HPET_CONFIG, 0);
    check(rtc_read_time(&t), "after the fuzzing: the RTC's time cannot be read");
    cli();
    printf("after the fuzzing: self IPIs on both CPUs, the PIT on GSI 2, the HPET "
           "counting, the RTC readable\n");
}

void test_main(void)
{
    unsigned long total_irqs = 0, total_nmis = 0, total_storms = 0;

    time_init();
    if (!running_on_petrel())
        skip("the point is Petrel's robustness: other platforms' models are no reference "
             "for garbage (test.conf)");
    if (!lapic_present())
        skip("no local APIC");
    if (!hpet_present())
        skip("no HPET");
    for (unsigned int v = 0x20; v < 0x100; v++)
        if (v != SMP_CALL_VECTOR && v != SPURIOUS_VECTOR)
            set_trap_handler(v, any_irq);
    set_trap_handler(2, nmi);
    pic_init(VEC_MASTER, VEC_SLAVE);    /* vector bases out of the exceptions' way */
    smp_boot(2, 0);

    smp_call(1, fuzz, NULL);
    fuzz(NULL);
    smp_wait(1, 600 * 1000000ull);      /* Bochs is slow: the wait is for a hang */
    for (unsigned int c = 0; c < 2; c++) {
        total_irqs += irqs[c];
        total_nmis += nmis[c];
        total_storms += storms[c];
    }
    printf("%u operations on each of 2 CPUs:", OPS_PER_CPU);
    for (unsigned int k = 0; k < OP_NR; k++)
        printf(" %s %lu%s", op_names[k], ops[0][k] + ops[1][k], k + 1 < OP_NR ? "," : "\n");
    printf("they caused %lu interrupts, %lu NMIs, %lu storms broken\n", total_irqs,
           total_nmis, total_storms);

    set_trap_handler(VEC_SELF, self_ipi_handler);
    set_trap_handler(VEC_PIT, pit_handler);
    check_platform();
}
