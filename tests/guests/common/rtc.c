/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MC146818 RTC and CMOS (index port 0x70, data port 0x71).
 *
 * The time registers hold BCD or binary (register B's DM bit) and a 12- or 24-hour
 * hour (its 24/12 bit; in 12-hour mode bit 7 of the hour is PM). They are undefined
 * while an update is in progress: read them while register A's UIP bit is clear, and
 * twice, until both reads agree (an update can begin right after UIP was seen clear,
 * but then it ends 244 us later... after which the second read differs). Writing the
 * time is done with register B's SET bit held, which stops updates.
 */
#include "devices.h"

uint8_t cmos_read(uint8_t reg)
{
    unsigned long flags = irq_save();
    uint8_t v;

    outb(PLATFORM_RTC, reg);
    v = inb(PLATFORM_RTC + 1);
    irq_restore(flags);
    return v;
}

void cmos_write(uint8_t reg, uint8_t val)
{
    unsigned long flags = irq_save();

    outb(PLATFORM_RTC, reg);
    outb(PLATFORM_RTC + 1, val);
    irq_restore(flags);
}

static unsigned int from_bcd(uint8_t v) { return (v >> 4) * 10 + (v & 15); }
uint8_t to_bcd(unsigned int v) { return (uint8_t)(((v / 10) << 4) | (v % 10)); }

static void read_raw(uint8_t r[7])
{
    r[0] = cmos_read(RTC_SECONDS);
    r[1] = cmos_read(RTC_MINUTES);
    r[2] = cmos_read(RTC_HOURS);
    r[3] = cmos_read(RTC_DAY);
    r[4] = cmos_read(RTC_MONTH);
    r[5] = cmos_read(RTC_YEAR);
    r[6] = cmos_read(RTC_CENTURY);
}

bool rtc_read_time(struct rtc_time *t)
{
    uint8_t a[7], b[7], regb = cmos_read(RTC_REG_B);
    bool binary = regb & RTC_B_BINARY, h24 = regb & RTC_B_24H;
    uint64_t end = rdtsc() + us_to_tsc(1000000);

    do {
        if (!wait_for(!(cmos_read(RTC_REG_A) & RTC_A_UIP), 1000000))
            return false;
        read_raw(a);
        if (cmos_read(RTC_REG_A) & RTC_A_UIP)
            continue;
        read_raw(b);
        if (!memcmp(a, b, sizeof(a)))
            break;
    } while (rdtsc() < end);
    if (memcmp(a, b, sizeof(a)))
        return false;

    t->pm = !h24 && (a[2] & 0x80);
    if (!h24)
        a[2] &= 0x7f;
#define CONV(x) (binary ? (x) : from_bcd(x))
    t->sec = CONV(a[0]);
    t->min = CONV(a[1]);
    t->hour = CONV(a[2]);
    t->day = CONV(a[3]);
    t->month = CONV(a[4]);
    t->year = CONV(a[6]) * 100 + CONV(a[5]);
#undef CONV
    return true;
}

void rtc_write_time(const struct rtc_time *t)
{
    uint8_t regb = cmos_read(RTC_REG_B);
    bool binary = regb & RTC_B_BINARY, h24 = regb & RTC_B_24H;
#define CONV(x) (binary ? (uint8_t)(x) : to_bcd(x))
    uint8_t hour = CONV(t->hour);

    if (!h24 && t->pm)
        hour |= 0x80;
    cmos_write(RTC_REG_B, regb | RTC_B_SET);
    cmos_write(RTC_SECONDS, CONV(t->sec));
    cmos_write(RTC_MINUTES, CONV(t->min));
    cmos_write(RTC_HOURS, hour);
    cmos_write(RTC_DAY, CONV(t->day));
    cmos_write(RTC_MONTH, CONV(t->month));
    cmos_write(RTC_YEAR, CONV(t->year % 100));
    cmos_write(RTC_CENTURY, CONV(t->year / 100));
#undef CONV
    cmos_write(RTC_REG_B, regb & ~RTC_B_SET);
}

unsigned int rtc_day_seconds(const struct rtc_time *t, bool twelve_hour)
{
    unsigned int hour = t->hour;

    if (twelve_hour)
        hour = (hour % 12) + (t->pm ? 12 : 0);
    return (hour * 60 + t->min) * 60 + t->sec;
}
