/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's wall-clock time (see hv/wallclock.h): the machine's own MC146818 RTC
 * (ports 0x70/0x71, the real CMOS) read once, on first use, then carried forward by
 * system time. The RTC is taken to hold UTC (as Linux and the BSDs keep it; a host
 * whose RTC keeps local time gives its guests local time).
 *
 * The read is the careful one: wait until no update is in progress (UIP clear
 * promises 244 us without one), read every register, and repeat until two reads in a
 * row agree, so that a read torn by an update (23:59:59 becoming 00:00:00 between the
 * hours and the day) is never used. The format follows the host's register B (BCD or
 * binary, 12- or 24-hour); the century comes from the CMOS byte the ACPI FADT names
 * (its CENTURY field), or, without one, the year is taken to be 20xx.
 */
#include <hv/acpi.h>
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/mc146818.h>        /* the register layout: the host's RTC is the same chip */
#include <hv/spinlock.h>
#include <hv/time.h>
#include <hv/wallclock.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/processor.h>

#define CMOS_INDEX          0x70
#define CMOS_DATA           0x71
#define FADT_CENTURY_OFFSET 108     /* ACPI 6.4, table 5.9 */
#define UIP_POLL_US         10
#define UIP_POLLS           1000    /* 10 ms: an update cycle lasts 244 + 1984 us */
#define READ_ATTEMPTS       10

struct cmos_time {
    u8 sec, min, hour, day, month, year, century, b;
};

static DEFINE_SPINLOCK(wallclock_lock);
static bool wallclock_ready;        /* (release/acquire) the two below are set */
static u64 wallclock_base;          /* seconds since 1970 at... */
static s_time_t wallclock_base_ns;  /* ...this system time */

static u8 cmos_read(u8 reg)
{
    outb(CMOS_INDEX, reg);          /* bit 7 clear: NMIs stay enabled */
    return inb(CMOS_DATA);
}

static bool wait_no_update(void)
{
    for (unsigned int i = 0; i < UIP_POLLS; i++) {
        if (!(cmos_read(RTC_REG_A) & RTC_A_UIP))
            return true;
        udelay(UIP_POLL_US);
    }
    return false;
}

static void read_regs(struct cmos_time *c, u8 century_reg)
{
    c->sec = cmos_read(RTC_SECONDS);
    c->min = cmos_read(RTC_MINUTES);
    c->hour = cmos_read(RTC_HOURS);
    c->day = cmos_read(RTC_DAY_OF_MONTH);
    c->month = cmos_read(RTC_MONTH);
    c->year = cmos_read(RTC_YEAR);
    c->century = century_reg ? cmos_read(century_reg) : 0;
    c->b = cmos_read(RTC_REG_B);
}

/* The CMOS index of the century byte the FADT names, or 0. */
static u8 fadt_century_reg(void)
{
    const u8 *fadt;
    u8 reg;

    for (unsigned int i = 0; i < acpi_info.nr_tables; i++) {
        const struct acpi_table_ref *t = &acpi_info.tables[i];

        if (memcmp(t->sig, "FACP", 4) || t->length <= FADT_CENTURY_OFFSET)
            continue;
        fadt = vmap_phys(t->pa, FADT_CENTURY_OFFSET + 1, PAGE_HYPERVISOR_RO);
        if (!fadt)
            return 0;
        reg = fadt[FADT_CENTURY_OFFSET];
        /* Only the first bank (0x0e-0x7f) is reachable through ports 0x70/0x71. */
        return reg >= RTC_REG_D + 1 && reg < MC146818_BYTES ? reg : 0;
    }
    return 0;
}

/* The time the registers hold, in seconds since 1970; false if it is no time. */
static bool cmos_to_secs(const struct cmos_time *c, bool have_century, u64 *secs)
{
    unsigned int sec = mc146818_dec(c->b, c->sec), min = mc146818_dec(c->b, c->min);
    unsigned int hour = mc146818_dec_hour(c->b, c->hour);
    unsigned int day = mc146818_dec(c->b, c->day), month = mc146818_dec(c->b, c->month);
    unsigned int year = mc146818_dec(c->b, c->year);
    unsigned int century = have_century ? mc146818_dec(c->b, c->century) : 20;
    s64 days;

    if (sec > 59 || min > 59 || hour > 23 || !day || day > 31 || !month || month > 12 ||
        year > 99 || century > 99)
        return false;
    days = wallclock_days_from_civil((s64)century * 100 + year, month, day);
    if (days < 0)
        return false;
    *secs = (u64)days * WALLCLOCK_SECS_PER_DAY + hour * 3600 + min * 60 + sec;
    return true;
}

/* Read the host's RTC: seconds since 1970, or 0 (with a warning) when it cannot be. */
static u64 read_host_rtc(void)
{
    u8 century_reg = fadt_century_reg();
    struct cmos_time a, b;
    u64 secs;

    for (unsigned int i = 0; i < READ_ATTEMPTS; i++) {
        if (!wait_no_update())
            break;
        read_regs(&a, century_reg);
        if (!wait_no_update())
            break;
        read_regs(&b, century_reg);
        if (memcmp(&a, &b, sizeof(a)))
            continue;               /* an update came between them: again */
        if (cmos_to_secs(&a, century_reg != 0, &secs))
            return secs;
        printk(LOG_WARN "wallclock: the host RTC holds no valid time (%02x:%02x:%02x "
               "%02x/%02x/%02x, register B %02x); guests' clocks start at 1970-01-01\n",
               a.hour, a.min, a.sec, a.day, a.month, a.year, a.b);
        return 0;
    }
    printk(LOG_WARN "wallclock: the host RTC cannot be read (updating without end, or "
           "never the same twice); guests' clocks start at 1970-01-01\n");
    return 0;
}

u64 wallclock_now(void)
{
    if (!__atomic_load_n(&wallclock_ready, __ATOMIC_ACQUIRE)) {
        /* Not the _irqsave form: the first read may poll the host RTC for as long as
         * 200 ms (READ_ATTEMPTS waits for UIP to clear, twice each), which is no time
         * to keep this CPU's interrupts off; and no interrupt handler calls this. */
        spin_lock(&wallclock_lock);
        if (!wallclock_ready) {
            s64 y;
            unsigned int m, d;
            u64 secs = read_host_rtc();

            wallclock_base = secs;
            wallclock_base_ns = NOW();
            wallclock_civil_from_days((s64)(secs / WALLCLOCK_SECS_PER_DAY), &y, &m, &d);
            printk(LOG_INFO "wallclock: %04lld-%02u-%02u %02llu:%02llu:%02llu UTC from the "
                   "host RTC\n", y, m, d, secs % WALLCLOCK_SECS_PER_DAY / 3600,
                   secs % 3600 / 60, secs % 60);
            __atomic_store_n(&wallclock_ready, true, __ATOMIC_RELEASE);
        }
        spin_unlock(&wallclock_lock);
    }
    return wallclock_base + (u64)((NOW() - wallclock_base_ns) / NSEC_PER_SEC);
}
