/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rtc: the MC146818A real-time clock and CMOS RAM (ports 0x70/0x71), its interrupt
 * on ISA IRQ8 through the slave 8259 (vector 0x28) and the local APIC's LINT0 in
 * ExtINT mode. The 8259, not the IO-APIC: IRQ8 stays high until register C is read,
 * and plain QEMU's IO-APIC takes every "line high" for a new edge, where an
 * edge-triggered input (the 8259's, and the IO-APIC's on hardware) sees one.
 * Section names: Motorola MC146818A datasheet.
 *
 *   1. the time as found (under Petrel: the host's clock, UTC) is a sane date, year
 *      2024 or later
 *   2. the memory-size bytes agree with the loader's memory map: 0x30/0x31 (and
 *      0x17/0x18) the KiB above 1 MiB, at most 65535; 0x34/0x35 the 64 KiB units
 *      between 16 MiB and the end of low RAM. Under Petrel exactly; on plain QEMU
 *      the BIOS keeps up to 1 MiB at the top of RAM for itself
 *   3. NVRAM: 64 bytes (0x40-0x7f) read back what was written, two patterns; the
 *      index's bit 7 (the PC's NMI mask) does not change which byte is addressed
 *   4. the four formats: with SET held (register B, "SET"), 2024-02-29 11:59:59 PM
 *      written in BCD/binary (DM) and 12/24-hour form reads back exactly in that
 *      encoding (PM is bit 7 of the hours in 12-hour mode), SET or not
 *   5. the periodic interrupt at 1024 Hz and at 64 Hz (register A's RS bits 6 and
 *      10), register C read by the handler; PF is set with PIE off too (required
 *      under Petrel; plain QEMU runs the periodic timer only with PIE on)
 *   6. without reading register C no further interrupt comes ("IRQF ... the IRQ pin
 *      stays low until C is read"); reading C lets them go on
 *   7. UIP: it rises, falls, and then register C has UF and the seconds moved on by
 *      one; UIP lasts at most 244 + 1984 us, taken as 50 ms: an emulator on a busy
 *      host can stop the guest for many milliseconds between two polls, but UIP
 *      left set for a large part of the second is caught
 *   8. the update-ended and alarm interrupts: 2024-02-29 11:59:58 PM in 12-hour BCD,
 *      the alarm set to any hour (0xff, "don't care"), minute 0, second 0: three
 *      update interrupts one second apart (against the TSC), the seconds register
 *      one more each, the alarm flag with exactly the second update, which shows
 *      12:00:00 AM on 2024-03-01 (leap day to March)
 *
 * An exact hour in the alarm is not tried: plain QEMU turns a 12-hour alarm into a
 * 24-hour one with the PM bit of the current time, not the alarm's own.
 *
 * Tolerance: interrupt rates as in pit-pic (the typical interval within 10%, the
 * count at most 10% above the rate); the second between updates within 10% (the
 * host may hold the guest back for a while, but a wrong divider is off by 2x).
 */
#include "devices.h"

#define VEC_MASTER  0x20
#define VEC_SLAVE   0x28
#define VEC_RTC     (VEC_SLAVE + RTC_IRQ - 8)
#define REG_A_32KHZ 0x20            /* DV2-0 = 010: the 32.768 kHz time base */
#define RS_1024HZ   6
#define RS_64HZ     10
#define HOUR_PM     0x80
#define NVRAM_FIRST 0x40
#define NVRAM_LAST  0x7f
#define CMOS_EXT_LO 0x30            /* the PC's: KiB above 1 MiB (also 0x17/0x18) */
#define CMOS_EXT_HI 0x31
#define CMOS_EXT2_LO 0x17
#define CMOS_EXT2_HI 0x18
#define CMOS_16M_LO 0x34            /* 64 KiB above 16 MiB */
#define CMOS_16M_HI 0x35
#define MAX_UPDATES 4

struct update {
    uint64_t tsc;
    uint8_t c, sec, min, hour, day, month, year;
};

static struct tick_log periodic;
static volatile bool read_c = true;
static volatile uint8_t flags_seen;     /* register C as the handler read it, ORed */
static volatile unsigned long irqs;
static volatile bool log_updates;
static volatile unsigned int nr_updates;
static struct update updates[MAX_UPDATES];

static void rtc_handler(struct trap_frame *f)
{
    uint8_t c = 0;

    (void)f;
    irqs++;
    if (read_c) {
        c = cmos_read(RTC_REG_C);
        flags_seen |= c;
        if (c & RTC_C_PF)
            tick(&periodic);
        if ((c & (RTC_C_UF | RTC_C_AF)) && log_updates && nr_updates < MAX_UPDATES) {
            struct update *u = &updates[nr_updates++];

            /* Right after an update the registers hold still for nearly a second. */
            u->tsc = rdtsc();
            u->c = c;
            u->sec = cmos_read(RTC_SECONDS);
            u->min = cmos_read(RTC_MINUTES);
            u->hour = cmos_read(RTC_HOURS);
            u->day = cmos_read(RTC_DAY);
            u->month = cmos_read(RTC_MONTH);
            u->year = cmos_read(RTC_YEAR);
        }
    }
    pic_eoi(RTC_IRQ);
}

/* A value in register B's format. */
static uint8_t enc(uint8_t b, unsigned int v)
{
    return b & RTC_B_BINARY ? (uint8_t)v : to_bcd(v);
}

/* An hour 0-23 in register B's format: 12-hour form is 1-12 with the PM bit. */
static uint8_t enc_hour(uint8_t b, unsigned int h)
{
    if (b & RTC_B_24H)
        return enc(b, h);
    return enc(b, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0);
}

/* Register B without the interrupt enables; SET as asked. */
static void set_b(uint8_t fmt, uint8_t enables)
{
    cmos_write(RTC_REG_B, (fmt & (RTC_B_BINARY | RTC_B_24H)) | enables);
}

/* ---- 1 ---- */

static void test_time(void)
{
    struct rtc_time t;
    uint8_t b = cmos_read(RTC_REG_B), a = cmos_read(RTC_REG_A);

    printf("register A %#x, B %#x (%s, %s), D %#x\n", a, b,
           b & RTC_B_BINARY ? "binary" : "BCD", b & RTC_B_24H ? "24-hour" : "12-hour",
           cmos_read(RTC_REG_D));
    if (!rtc_read_time(&t)) {
        fail("the time registers never held still (UIP) for two reads");
        return;
    }
    printf("the RTC says %04u-%02u-%02u %02u:%02u:%02u%s\n", t.year, t.month, t.day,
           t.hour, t.min, t.sec, b & RTC_B_24H ? "" : t.pm ? " PM" : " AM");
    check(t.year >= 2024 && t.year < 2200, "year %u", t.year);
    check(t.month >= 1 && t.month <= 12, "month %u", t.month);
    check(t.day >= 1 && t.day <= 31, "day %u", t.day);
    check(b & RTC_B_24H ? t.hour < 24 : t.hour >= 1 && t.hour <= 12, "hour %u", t.hour);
    check(t.min < 60 && t.sec < 60, "time %u:%u", t.min, t.sec);
    check((a & 0x70) == REG_A_32KHZ, "register A %#x: the divider is not running", a);
}

/* ---- 2 ---- */

static uint16_t cmos_read16(uint8_t lo, uint8_t hi)
{
    return (uint16_t)(cmos_read(lo) | cmos_read(hi) << 8);
}

static void test_memory_bytes(bool petrel)
{
    uint64_t low_end = 0;
    uint16_t ext = cmos_read16(CMOS_EXT_LO, CMOS_EXT_HI);
    uint16_t ext2 = cmos_read16(CMOS_EXT2_LO, CMOS_EXT2_HI);
    uint16_t above16 = cmos_read16(CMOS_16M_LO, CMOS_16M_HI);
    uint64_t cmos_end, want_ext;

    for (uint32_t i = 0; i < boot_info.nr_ranges; i++) {
        const struct mem_range *r = &boot_info.ranges[i];

        if (r->type == MEM_RAM && r->start < 0x100000000ull &&
            r->start + r->size > low_end && r->start + r->size <= 0x100000000ull)
            low_end = r->start + r->size;
    }
    printf("CMOS: %u KiB above 1 MiB (0x17/0x18: %u), %u x 64 KiB above 16 MiB; "
           "the memory map's RAM ends at %#" PRIx64 "\n", ext, ext2, above16, low_end);
    if (!boot_info.have_map || low_end < 0x200000) {
        fail("no memory map to compare the CMOS memory size with");
        return;
    }
    check(ext == ext2, "0x30/0x31 (%u) and 0x17/0x18 (%u) differ", ext, ext2);
    cmos_end = above16 ? 0x1000000ull + ((uint64_t)above16 << 16) : 0;
    if (low_end > 0x1000000) {
        check(cmos_end >= low_end && cmos_end - low_end <= (petrel ? 0 : 0x100000),
              "0x34/0x35 say low RAM ends at %#" PRIx64 ", the memory map at %#" PRIx64,
              cmos_end, low_end);
        want_ext = (cmos_end - 0x100000) >> 10;
    } else {
        check(above16 == 0, "0x34/0x35: %u x 64 KiB above 16 MiB, with RAM ending at %#"
              PRIx64, above16, low_end);
        want_ext = (low_end - 0x100000) >> 10;
    }
    if (want_ext > 0xffff)
        want_ext = 0xffff;
    check(ext == want_ext || (!petrel && low_end <= 0x1000000),
          "0x30/0x31: %u KiB above 1 MiB, expected %" PRIu64, ext, want_ext);
}

/* ---- 3 ---- */

static void test_nvram(void)
{
    uint8_t saved[NVRAM_LAST - NVRAM_FIRST + 1];
    unsigned int bad = 0;

    for (unsigned int r = NVRAM_FIRST; r <= NVRAM_LAST; r++)
        saved[r - NVRAM_FIRST] = cmos_read(r);
    for (unsigned int pass = 0; pass < 2; pass++) {
        for (unsigned int r = NVRAM_FIRST; r <= NVRAM_LAST; r++)
            cmos_write(r, (uint8_t)((r * 37 + 0x5a) ^ (pass ? 0xff : 0)));
        for (unsigned int r = NVRAM_FIRST; r <= NVRAM_LAST; r++) {
            uint8_t want = (uint8_t)((r * 37 + 0x5a) ^ (pass ? 0xff : 0)), got = cmos_read(r);

            if (got != want && bad++ < 4)
                fail("CMOS byte %#x: wrote %#x, read %#x", r, want, got);
        }
    }
    /* Bit 7 of the index is the NMI mask on a PC, not an address bit. */
    cmos_write(NVRAM_FIRST, 0xa5);
    check(cmos_read(NVRAM_FIRST | 0x80) == 0xa5, "index %#x does not reach byte %#x",
          NVRAM_FIRST | 0x80, NVRAM_FIRST);
    outb(PLATFORM_RTC, 0x0d);           /* NMIs on again, an index of no harm */
    for (unsigned int r = NVRAM_FIRST; r <= NVRAM_LAST; r++)
        cmos_write(r, saved[r - NVRAM_FIRST]);
    if (!bad)
        printf("NVRAM %#x-%#x: two patterns read back\n", NVRAM_FIRST, NVRAM_LAST);
}

/* ---- 4 ---- */

static void test_formats(void)
{
    static const uint8_t fmts[] = {
        RTC_B_24H, RTC_B_BINARY | RTC_B_24H, 0, RTC_B_BINARY,
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(fmts); i++) {
        uint8_t f = fmts[i];
        uint8_t want[6] = {
            enc(f, 59), enc(f, 59), enc_hour(f, 23), enc(f, 29), enc(f, 2), enc(f, 24),
        };
        /* The values after the next update: 2024-03-01 00:00:00. */
        uint8_t next[6] = {
            enc(f, 0), enc(f, 0), enc_hour(f, 0), enc(f, 1), enc(f, 3), enc(f, 24),
        };
        static const uint8_t regs[6] = {
            RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY, RTC_MONTH, RTC_YEAR,
        };
        uint8_t held[6], got[6];

        set_b(f, RTC_B_SET);
        for (unsigned int r = 0; r < 6; r++)
            cmos_write(regs[r], want[r]);
        cmos_write(RTC_CENTURY, enc(f, 20));
        for (unsigned int r = 0; r < 6; r++)
            held[r] = cmos_read(regs[r]);
        set_b(f, 0);
        wait_for(!(cmos_read(RTC_REG_A) & RTC_A_UIP), 10000);
        for (unsigned int r = 0; r < 6; r++)
            got[r] = cmos_read(regs[r]);
        printf("%-6s %s: wrote %02x:%02x:%02x %02x-%02x-%02x; with SET %02x:%02x:%02x; "
               "running %02x:%02x:%02x %02x-%02x-%02x\n",
               f & RTC_B_BINARY ? "binary" : "BCD", f & RTC_B_24H ? "24-hour" : "12-hour",
               want[2], want[1], want[0], want[5], want[4], want[3], held[2], held[1],
               held[0], got[2], got[1], got[0], got[5], got[4], got[3]);
        check(!memcmp(held, want, 6), "%s %s: the registers do not hold what was written "
              "with SET", f & RTC_B_BINARY ? "binary" : "BCD",
              f & RTC_B_24H ? "24-hour" : "12-hour");
        check(!memcmp(got, want, 6) || !memcmp(got, next, 6),
              "%s %s: read %02x:%02x:%02x %02x-%02x-%02x, wrote %02x:%02x:%02x %02x-%02x-%02x",
              f & RTC_B_BINARY ? "binary" : "BCD", f & RTC_B_24H ? "24-hour" : "12-hour",
              got[2], got[1], got[0], got[5], got[4], got[3], want[2], want[1], want[0],
              want[5], want[4], want[3]);
    }
}

/* ---- 5, 6 ---- */

static void test_periodic(bool petrel)
{
    unsigned long c0;
    uint8_t c;

    /* PF follows the divider whether or not PIE lets it out ("Periodic Interrupt
     * Flag"): with PIE off it is set, IRQF is not. */
    cmos_write(RTC_REG_A, REG_A_32KHZ | RS_1024HZ);
    set_b(RTC_B_24H, 0);
    cmos_read(RTC_REG_C);
    mdelay(5);
    c = cmos_read(RTC_REG_C);
    printf("PIE off, 1024 Hz: register C %#x after 5 ms\n", c);
    check(!(c & RTC_C_IRQF), "PIE off: IRQF set in register C (%#x)", c);
    if (petrel)
        check(c & RTC_C_PF, "PIE off: PF not set in register C (%#x) after 5 ms", c);

    set_b(RTC_B_24H, RTC_B_PIE);
    cmos_read(RTC_REG_C);
    check_irq_rate("periodic, RS 6", &periodic, 1024000, 200, 10);
    cmos_write(RTC_REG_A, REG_A_32KHZ | RS_64HZ);
    check_irq_rate("periodic, RS 10", &periodic, 64000, 24, 10);

    cmos_write(RTC_REG_A, REG_A_32KHZ | RS_1024HZ);
    read_c = false;
    c0 = irqs;
    if (!wait_for(irqs != c0, 500000)) {
        fail("1024 Hz: no interrupt in 500 ms");
    } else {
        check(quiet_for(&irqs, 20), "register C not read: %lu more interrupts in 20 ms",
              irqs - c0 - 1);
        c = cmos_read(RTC_REG_C);
        check((c & (RTC_C_IRQF | RTC_C_PF)) == (RTC_C_IRQF | RTC_C_PF),
              "register C %#x after an unacknowledged periodic interrupt", c);
        read_c = true;
        c0 = irqs;
        check(wait_for(irqs - c0 >= 5, 500000), "register C read: %lu interrupts in 500 ms",
              irqs - c0);
        printf("register C not read: nothing for 20 ms (C %#x); read: interrupts again\n", c);
    }
    read_c = true;
    set_b(RTC_B_24H, 0);
    cmos_read(RTC_REG_C);
}

/* ---- 7 ---- */

static void test_uip(void)
{
    uint8_t s0 = 0, s1, c, a = 0;
    uint64_t t0, t1, end = rdtsc() + us_to_tsc(4500000);
    bool seen = false;

    set_b(RTC_B_24H | RTC_B_BINARY, 0);
    cmos_read(RTC_REG_C);
    /* The index stays on register A: one port access a poll, so that the 244 us
     * of UIP are not missed under an emulator (a busy host may still hold the guest
     * through one; hence up to four updates). Seconds are read right after a poll
     * saw UIP clear: they are good for 244 us ("UIP ... Update Cycle"). */
    while (!seen && rdtsc() < end) {
        outb(PLATFORM_RTC, RTC_SECONDS);
        s0 = inb(PLATFORM_RTC + 1);
        outb(PLATFORM_RTC, RTC_REG_A);
        for (unsigned int i = 0; i < 100000 && !seen; i++)
            seen = (a = inb(PLATFORM_RTC + 1)) & RTC_A_UIP;
    }
    t0 = rdtsc();
    if (!seen) {
        fail("UIP never seen set in 4.5 s");
        return;
    }
    while ((a = inb(PLATFORM_RTC + 1)) & RTC_A_UIP && rdtsc() - t0 < us_to_tsc(100000))
        ;
    t1 = rdtsc();
    s1 = cmos_read(RTC_SECONDS);
    c = cmos_read(RTC_REG_C);
    printf("UIP set for %" PRIu64 " us; seconds %u -> %u; then register C %#x\n",
           tsc_to_us(t1 - t0), s0, s1, c);
    check(!(a & RTC_A_UIP), "UIP still set after 100 ms");
    check(tsc_to_us(t1 - t0) <= 50000, "UIP set for %" PRIu64 " us", tsc_to_us(t1 - t0));
    check(s1 == (s0 + 1) % 60 || s1 == (s0 + 2) % 60,
          "the seconds went from %u to %u over an update", s0, s1);
    check(c & RTC_C_UF, "after UIP, UF not set in register C (%#x)", c);
    check(!(c & RTC_C_IRQF), "UIE off: IRQF set in register C (%#x)", c);
}

/* ---- 8 ---- */

static void test_update_alarm(void)
{
    const uint8_t f = 0;                    /* BCD, 12-hour */
    uint64_t end;

    set_b(f, RTC_B_SET);
    cmos_write(RTC_SECONDS, to_bcd(58));
    cmos_write(RTC_MINUTES, to_bcd(59));
    cmos_write(RTC_HOURS, to_bcd(11) | HOUR_PM);
    cmos_write(RTC_DAY, to_bcd(29));
    cmos_write(RTC_MONTH, to_bcd(2));
    cmos_write(RTC_YEAR, to_bcd(24));
    cmos_write(RTC_CENTURY, to_bcd(20));
    cmos_write(0x05, 0xff);                 /* hours alarm: any (0xc0-0xff) */
    cmos_write(0x03, to_bcd(0));               /* minutes alarm: 0 */
    cmos_write(0x01, to_bcd(0));               /* seconds alarm: 0 */
    nr_updates = 0;
    log_updates = true;
    cmos_read(RTC_REG_C);
    set_b(f, RTC_B_UIE | RTC_B_AIE);
    end = rdtsc() + us_to_tsc(4000000);
    while (nr_updates < 3 && rdtsc() < end)
        cpu_relax();
    log_updates = false;
    set_b(f, 0);
    cmos_read(RTC_REG_C);

    for (unsigned int i = 0; i < nr_updates; i++) {
        const struct update *u = &updates[i];

        printf("update %u: C %#x, %02x:%02x:%02x %s 20%02x-%02x-%02x", i, u->c,
               u->hour & 0x7f, u->min, u->sec, u->hour & HOUR_PM ? "PM" : "AM", u->year,
               u->month, u->day);
        if (i)
            printf(", %" PRIu64 " ms after the one before",
                   udiv64(tsc_to_us(u->tsc - updates[i - 1].tsc), 1000));
        printf("\n");
    }
    if (nr_updates < 3) {
        fail("%u update-ended interrupts in 4 s", nr_updates);
        return;
    }
    for (unsigned int i = 0; i < 3; i++) {
        const struct update *u = &updates[i];
        static const uint8_t sec[3] = { 0x59, 0x00, 0x01 };

        check(u->c & RTC_C_UF && u->c & RTC_C_IRQF, "update %u: register C %#x", i, u->c);
        check(!(u->c & RTC_C_AF) == (i != 1), "update %u (%02x seconds): AF %s", i,
              u->sec, u->c & RTC_C_AF ? "set" : "not set");
        check(u->sec == sec[i], "update %u: seconds %02x, expected %02x", i, u->sec, sec[i]);
        if (i)
            check_rate(i == 1 ? "update 0 to 1" : "update 1 to 2",
                       muldiv64(tsc_hz, 1000, u->tsc - updates[i - 1].tsc), 1000, 10, 10);
    }
    check(updates[0].hour == (to_bcd(11) | HOUR_PM) && updates[0].day == 0x29 &&
          updates[0].month == 0x02, "update 0: not 11:59:59 PM on February 29");
    check(updates[1].hour == to_bcd(12) && updates[1].min == 0 &&
          updates[1].day == 0x01 && updates[1].month == 0x03 && updates[1].year == 0x24,
          "update 1: %02x:%02x 20%02x-%02x-%02x, expected 12:00 AM 2024-03-01",
          updates[1].hour, updates[1].min, updates[1].year, updates[1].month,
          updates[1].day);
}

void test_main(void)
{
    bool petrel = running_on_petrel();
    uint8_t a0, b0;

    time_init();
    if (!lapic_present())
        skip("no local APIC");
    lapic_enable();
    lapic_write(APIC_LVT_LINT0, APIC_DM_EXTINT);
    pic_init(VEC_MASTER, VEC_SLAVE);
    set_trap_handler(VEC_RTC, rtc_handler);
    a0 = cmos_read(RTC_REG_A);
    b0 = cmos_read(RTC_REG_B);

    test_time();
    test_memory_bytes(petrel);
    test_nvram();
    pic_unmask_irq(RTC_IRQ);
    sti();
    test_formats();
    test_periodic(petrel);
    test_uip();
    test_update_alarm();

    cli();
    pic_set_mask(0xffff);
    cmos_write(RTC_REG_A, a0);
    cmos_write(RTC_REG_B, b0 & ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE));
    cmos_read(RTC_REG_C);
}
