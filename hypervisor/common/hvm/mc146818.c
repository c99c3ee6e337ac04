/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MC146818A real-time clock and CMOS RAM (see hv/mc146818.h), after the Motorola
 * MC146818A datasheet and the PC's conventions (IBM AT technical reference: the
 * century byte at 0x32 and the memory-size bytes).
 *
 * Implemented: the time, calendar and alarm registers in BCD or binary and 12- or
 * 24-hour form (bit 7 of the hours is PM), the alarm's "don't care" values (0xc0-
 * 0xff), register A's divider (running, in reset, stopped) and periodic rates (2 Hz
 * to 8192 Hz), UIP for the 244 us before each update, register B's SET (updates stop,
 * the time may be written; UIE is forced to 0), PIE/AIE/UIE, the flags of register C
 * (read to clear, IRQF = PF.PIE + AF.AIE + UF.UIE, IRQ8 following IRQF), VRT, and the
 * 128 bytes of RAM with the memory-size bytes firmware reads.
 *
 * The clock is not ticked: it holds a time at an update of the divider chain, whose
 * phase is a system time, and everything follows from the time now. Dates are
 * Gregorian with the century register as part of the year (2000 is a leap year, 2100
 * is not; 1999 rolls over to 2000), where the original chip, which knew no century,
 * took every fourth year for a leap year.
 *
 * Choices and omissions:
 *   - An update takes no time: the registers change at the second's boundary, where
 *     the chip takes 1984 us with UIP still set. UIP's guarantee (no update for 244 us
 *     after it reads 0) holds.
 *   - The registers always read in the format register B asks for now: the time is
 *     kept as a number, so changing DM or 24/12 converts it (the chip would go on
 *     counting the old bytes in the new format until the time is written again).
 *   - Out-of-range values written to the time registers are carried (seconds 75 are
 *     a minute and 15 seconds; February 30 is March 2), not kept as written.
 *   - The day of week counts on its own from whatever was written, as on the chip.
 *   - Not implemented: DSE (the daylight-saving updates of 1980s US rules; PCs keep
 *     it 0) and SQWE (the square-wave pin is not connected on a PC): both are kept.
 *     The divider's other time bases (4.194304 and 1.048576 MHz) and test modes stop
 *     the clock, as a PC's 32.768 kHz crystal would not run them.
 */
#include <hv/lib.h>
#include <hv/mc146818.h>
#include <hv/time.h>
#include <hv/wallclock.h>

#define DIVIDER_HZ          32768       /* the time base */
#define UIP_TICKS           8           /* 244.140625 us of it */
#define SECS_PER_DAY        WALLCLOCK_SECS_PER_DAY
#define ALARM_DONT_CARE     0xc0        /* alarm bytes 0xc0-0xff match any value */
#define NEVER               INT64_MAX
#define RESET_TO_UPDATE_NS  (NSEC_PER_SEC / 2) /* first update after the divider reset */

static s64 floor_div(s64 a, s64 b)
{
    return a / b - (a % b < 0);
}

static s64 floor_mod(s64 a, s64 b)
{
    return a - floor_div(a, b) * b;
}

/* ---- the divider chain ---- */

static bool divider_running(const struct mc146818 *rtc)
{
    return (rtc->ram[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32KHZ;
}

static bool clock_running(const struct mc146818 *rtc)
{
    return divider_running(rtc) && !(rtc->ram[RTC_REG_B] & RTC_B_SET);
}

/* Cycles of the 32.768 kHz time base from `phase` to t. */
static s64 ticks_at(const struct mc146818 *rtc, s_time_t t)
{
    s64 d = max(t - rtc->phase, 0LL);

    return (s64)ns_to_ticks((u64)d, DIVIDER_HZ);
}

/* The first system time by which time-base cycle j (>= 0) has happened. */
static s_time_t tick_time(const struct mc146818 *rtc, s64 j)
{
    return rtc->phase + (s_time_t)ticks_to_ns_ceil((u64)j, DIVIDER_HZ);
}

/* Updates (second boundaries) from `phase` to t. */
static s64 updates_at(const struct mc146818 *rtc, s_time_t t)
{
    return ticks_at(rtc, t) / DIVIDER_HZ;
}

/* The periodic interrupt's period in time-base cycles (0: none). Rates 1 and 2 are
 * 256 and 128 Hz with a 32.768 kHz time base; 3-15 are 8192 Hz down to 2 Hz. */
static s64 period_ticks(const struct mc146818 *rtc)
{
    unsigned int rs = rtc->ram[RTC_REG_A] & RTC_A_RS_MASK;

    if (!rs)
        return 0;
    return rs <= 2 ? 1LL << (rs + 6) : 1LL << (rs - 1);
}

/* The clock's time (seconds since 1970) at system time t. */
static s64 time_at(const struct mc146818 *rtc, s_time_t t)
{
    if (!clock_running(rtc))
        return rtc->time;
    return rtc->time + updates_at(rtc, t) - rtc->time_upd;
}

static bool uip(const struct mc146818 *rtc, s_time_t t)
{
    return clock_running(rtc) && ticks_at(rtc, t) % DIVIDER_HZ >= DIVIDER_HZ - UIP_TICKS;
}

/* ---- the calendar and the register formats ---- */

struct rtc_tm {
    s64 year;
    unsigned int month, day, hour, min, sec;
    unsigned int dow;       /* 1-7, Sunday 1 */
};

/* 0 for Sunday: 1970-01-01 was a Thursday. */
static unsigned int weekday(s64 time)
{
    return (unsigned int)floor_mod(floor_div(time, SECS_PER_DAY) + 4, 7);
}

static void breakdown(const struct mc146818 *rtc, s64 time, struct rtc_tm *tm)
{
    s64 days = floor_div(time, SECS_PER_DAY), sod = time - days * SECS_PER_DAY;

    wallclock_civil_from_days(days, &tm->year, &tm->month, &tm->day);
    tm->hour = (unsigned int)(sod / 3600);
    tm->min = (unsigned int)(sod / 60 % 60);
    tm->sec = (unsigned int)(sod % 60);
    tm->dow = (weekday(time) + rtc->dow_offset) % 7 + 1;
}

/* Seconds since 1970 of a date and time whose fields may be out of range (carried). */
static s64 make_time(s64 year, s64 month, s64 day, s64 hour, s64 min, s64 sec)
{
    s64 m0 = month - 1;

    year += floor_div(m0, 12);
    m0 = floor_mod(m0, 12);
    return (wallclock_days_from_civil(year, (unsigned int)m0 + 1, 1) + day - 1) * SECS_PER_DAY +
           hour * 3600 + min * 60 + sec;
}

/* A value 0-99 in register B's format `b`: BCD or binary. */
static u8 enc(u8 b, unsigned int v)
{
    v %= 100;
    return b & RTC_B_DM_BINARY ? v : ((v / 10) << 4) | (v % 10);
}

/* Hours 0-23: in 12-hour form 1-12 with bit 7 for PM (00:xx is 12 AM, 12:xx 12 PM). */
static u8 enc_hour(u8 b, unsigned int h)
{
    if (b & RTC_B_24H)
        return enc(b, h);
    return enc(b, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOURS_PM : 0);
}

static bool is_time_reg(unsigned int reg)
{
    switch (reg) {
    case RTC_SECONDS: case RTC_MINUTES: case RTC_HOURS: case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
        return true;
    default:
        return false;
    }
}

/* A time register as the clock shows it at time `time`, in the current format. */
static u8 time_reg(const struct mc146818 *rtc, unsigned int reg, s64 time)
{
    u8 b = rtc->ram[RTC_REG_B];
    struct rtc_tm tm;

    breakdown(rtc, time, &tm);
    switch (reg) {
    case RTC_SECONDS: return enc(b, tm.sec);
    case RTC_MINUTES: return enc(b, tm.min);
    case RTC_HOURS: return enc_hour(b, tm.hour);
    case RTC_DAY_OF_WEEK: return enc(b, tm.dow);
    case RTC_DAY_OF_MONTH: return enc(b, tm.day);
    case RTC_MONTH: return enc(b, tm.month);
    case RTC_YEAR: return enc(b, (unsigned int)floor_mod(tm.year, 100));
    default: return enc(b, (unsigned int)floor_mod(floor_div(tm.year, 100), 100));
    }
}

/* Set the clock to `time` with day-of-week register `dow`, from system time t on. */
static void set_time(struct mc146818 *rtc, s64 time, unsigned int dow, s_time_t t)
{
    rtc->time = time;
    rtc->time_upd = updates_at(rtc, t);
    rtc->dow_offset = (u8)floor_mod((s64)dow - 1 - weekday(time), 7);
}

/* SET goes off: the time is what the registers hold, in the format `b` they were
 * written in. */
static void load_time_regs(struct mc146818 *rtc, u8 b, s_time_t t)
{
    const u8 *r = rtc->ram;
    s64 year = (mc146818_dec(b, r[RTC_CENTURY]) % 100) * 100 +
               mc146818_dec(b, r[RTC_YEAR]) % 100;
    s64 time = make_time(year, mc146818_dec(b, r[RTC_MONTH]),
                         mc146818_dec(b, r[RTC_DAY_OF_MONTH]),
                         mc146818_dec_hour(b, r[RTC_HOURS]),
                         mc146818_dec(b, r[RTC_MINUTES]),
                         mc146818_dec(b, r[RTC_SECONDS]));

    set_time(rtc, time, mc146818_dec(b, r[RTC_DAY_OF_WEEK]), t);
}

/* A time register written while the clock runs: that field changes, the others and
 * the divider's phase do not. */
static void write_time_reg(struct mc146818 *rtc, unsigned int reg, u8 val, s_time_t t)
{
    u8 b = rtc->ram[RTC_REG_B];
    unsigned int v = mc146818_dec(b, val);
    struct rtc_tm tm;
    s64 sec, minute, hour, day, month;

    breakdown(rtc, time_at(rtc, t), &tm);
    sec = tm.sec;
    minute = tm.min;
    hour = tm.hour;
    day = tm.day;
    month = tm.month;
    switch (reg) {
    case RTC_SECONDS: sec = v; break;
    case RTC_MINUTES: minute = v; break;
    case RTC_HOURS: hour = mc146818_dec_hour(b, val); break;
    case RTC_DAY_OF_WEEK: tm.dow = v; break;
    case RTC_DAY_OF_MONTH: day = v; break;
    case RTC_MONTH: month = v; break;
    case RTC_YEAR: tm.year = floor_div(tm.year, 100) * 100 + v % 100; break;
    default: tm.year = (v % 100) * 100 + floor_mod(tm.year, 100); break;
    }
    set_time(rtc, make_time(tm.year, month, day, hour, minute, sec), tm.dow, t);
}

/* ---- the alarm ---- */

#define ALARM_ANY   (-1)
#define ALARM_NONE  (-2)

/* The value an alarm byte matches in the current format, ALARM_ANY, or ALARM_NONE
 * when no time register can ever hold that byte. */
static int alarm_value(u8 b, u8 byte, bool hours)
{
    if (byte >= ALARM_DONT_CARE)
        return ALARM_ANY;
    for (unsigned int v = 0; v < (hours ? 24u : 60u); v++)
        if ((hours ? enc_hour(b, v) : enc(b, v)) == byte)
            return (int)v;
    return ALARM_NONE;
}

/* The first time after `time` (seconds since 1970) whose time of day matches the
 * alarm registers, or NEVER. */
static s64 alarm_next(const struct mc146818 *rtc, s64 time)
{
    u8 b = rtc->ram[RTC_REG_B];
    int s = alarm_value(b, rtc->ram[RTC_SECONDS_ALARM], false);
    int m = alarm_value(b, rtc->ram[RTC_MINUTES_ALARM], false);
    int h = alarm_value(b, rtc->ram[RTC_HOURS_ALARM], true);
    s64 today = floor_div(time, SECS_PER_DAY) * SECS_PER_DAY;

    if (s == ALARM_NONE || m == ALARM_NONE || h == ALARM_NONE)
        return NEVER;
    /* Any alarm that can match does so within a day: look at today's and tomorrow's
     * minutes that match, in order. */
    for (s64 day = today; day <= today + SECS_PER_DAY; day += SECS_PER_DAY) {
        for (int hh = 0; hh < 24; hh++) {
            if (h != ALARM_ANY && hh != h)
                continue;
            for (int mm = 0; mm < 60; mm++) {
                s64 start = day + hh * 3600 + mm * 60;

                if ((m != ALARM_ANY && mm != m) || start + 59 <= time)
                    continue;
                if (s == ALARM_ANY)
                    return max(start, time + 1);
                if (start + s > time)
                    return start + s;
            }
        }
    }
    return NEVER;
}

/* ---- interrupts ---- */

/* Set the flags of what happened in (flags_at, t]. Several periods or updates gone
 * by unseen set a flag once: one interrupt, then on to the next period in the future
 * (missed ticks are not queued up; the local APIC timer's "no_missed_ticks_pending"
 * policy, common/hvm/vlapic.c). */
static void account(struct mc146818 *rtc, s_time_t t)
{
    s_time_t from = rtc->flags_at;
    s64 per = period_ticks(rtc), u0, u1, t0;

    if (t <= from)
        return;
    rtc->flags_at = t;
    if (!divider_running(rtc))
        return;
    if (per && ticks_at(rtc, t) / per > ticks_at(rtc, from) / per)
        rtc->ram[RTC_REG_C] |= RTC_C_PF;
    if (rtc->ram[RTC_REG_B] & RTC_B_SET)
        return;                             /* SET: no updates */
    u0 = updates_at(rtc, from);
    u1 = updates_at(rtc, t);
    if (u1 > u0) {
        rtc->ram[RTC_REG_C] |= RTC_C_UF;
        /* The alarm is compared at every update: times t0+1 to t0+(u1-u0). */
        t0 = rtc->time + u0 - rtc->time_upd;
        if (alarm_next(rtc, t0) <= t0 + (u1 - u0))
            rtc->ram[RTC_REG_C] |= RTC_C_AF;
    }
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE, and IRQ8 follows it. */
static void update_irq(struct mc146818 *rtc)
{
    u8 c = rtc->ram[RTC_REG_C], b = rtc->ram[RTC_REG_B];
    bool irqf = ((c & RTC_C_PF) && (b & RTC_B_PIE)) || ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
                ((c & RTC_C_UF) && (b & RTC_B_UIE));

    rtc->ram[RTC_REG_C] = irqf ? c | RTC_C_IRQF : c & ~RTC_C_IRQF;
    if (irqf != rtc->irq_level) {
        rtc->irq_level = irqf;
        rtc->ops->irq(rtc->ctx, irqf);
    }
}

/* The host timer: for the first enabled source due, if IRQF can still rise (once it
 * is set, nothing more can happen on IRQ8 until register C is read). */
static void arm_timer(struct mc146818 *rtc, s_time_t t)
{
    u8 b = rtc->ram[RTC_REG_B];
    s64 per = period_ticks(rtc), now_time, a;
    s_time_t next = NEVER;

    if (!(rtc->ram[RTC_REG_C] & RTC_C_IRQF) && divider_running(rtc)) {
        if ((b & RTC_B_PIE) && per)
            next = tick_time(rtc, (ticks_at(rtc, t) / per + 1) * per);
        if (!(b & RTC_B_SET) && (b & RTC_B_UIE))
            next = min(next, rtc->phase + (updates_at(rtc, t) + 1) * NSEC_PER_SEC);
        if (!(b & RTC_B_SET) && (b & RTC_B_AIE)) {
            now_time = time_at(rtc, t);
            a = alarm_next(rtc, now_time);
            if (a != NEVER)
                next = min(next, rtc->phase +
                                     (updates_at(rtc, t) + a - now_time) * NSEC_PER_SEC);
        }
    }
    if (next == NEVER)
        next = 0;
    if (next != rtc->deadline) {
        rtc->deadline = next;
        rtc->ops->set_timer(rtc->ctx, next);
    }
}

/* Before an access: the flags of what happened up to now, under the old settings. */
static s_time_t begin(struct mc146818 *rtc)
{
    s_time_t t = rtc->ops->now(rtc->ctx);

    if (t < rtc->last_now)
        t = rtc->last_now;  /* time never runs back, even if two pCPUs' clocks differ */
    rtc->last_now = t;
    account(rtc, t);
    update_irq(rtc);
    return t;
}

static void end(struct mc146818 *rtc, s_time_t t)
{
    update_irq(rtc);
    arm_timer(rtc, t);
}

void mc146818_timer_expired(struct mc146818 *rtc)
{
    rtc->deadline = 0;          /* it is not armed any more */
    end(rtc, begin(rtc));
}

/* ---- registers ---- */

/* Hold the time as it is now before register A or B changes how it runs. */
static void rebase(struct mc146818 *rtc, s_time_t t)
{
    rtc->time = time_at(rtc, t);
    rtc->time_upd = updates_at(rtc, t);
}

static void write_a(struct mc146818 *rtc, u8 val, s_time_t t)
{
    bool was_running = divider_running(rtc);

    rebase(rtc, t);
    rtc->ram[RTC_REG_A] = val & ~RTC_A_UIP;
    if (divider_running(rtc) && !was_running) {
        /* Out of reset: the first update comes half a second later. */
        rtc->phase = t - RESET_TO_UPDATE_NS;
        rtc->time_upd = updates_at(rtc, t);
    }
}

static void write_b(struct mc146818 *rtc, u8 val, s_time_t t)
{
    u8 old = rtc->ram[RTC_REG_B];

    rebase(rtc, t);
    if (val & RTC_B_SET)
        val &= ~RTC_B_UIE;  /* SET forces UIE off */
    rtc->ram[RTC_REG_B] = val;
    if ((val & RTC_B_SET) && !(old & RTC_B_SET)) {
        /* Updates stop; the registers hold the time for the guest to rewrite. */
        for (unsigned int reg = 0; reg < MC146818_BYTES; reg++)
            if (is_time_reg(reg))
                rtc->ram[reg] = time_reg(rtc, reg, rtc->time);
    } else if (!(val & RTC_B_SET) && (old & RTC_B_SET)) {
        load_time_regs(rtc, old, t);
    }
}

static u8 read_reg(struct mc146818 *rtc, unsigned int reg, s_time_t t)
{
    u8 val;

    switch (reg) {
    case RTC_REG_A:
        return rtc->ram[RTC_REG_A] | (uip(rtc, t) ? RTC_A_UIP : 0);
    case RTC_REG_C:
        val = rtc->ram[RTC_REG_C];
        rtc->ram[RTC_REG_C] = 0;    /* every flag clears on a read */
        return val;
    case RTC_REG_D:
        return RTC_D_VRT;           /* the battery is fine */
    default:
        if (is_time_reg(reg) && !(rtc->ram[RTC_REG_B] & RTC_B_SET))
            return time_reg(rtc, reg, time_at(rtc, t));
        return rtc->ram[reg];
    }
}

static void write_reg(struct mc146818 *rtc, unsigned int reg, u8 val, s_time_t t)
{
    switch (reg) {
    case RTC_REG_A:
        write_a(rtc, val, t);
        break;
    case RTC_REG_B:
        write_b(rtc, val, t);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;                      /* read-only */
    default:
        if (is_time_reg(reg) && !(rtc->ram[RTC_REG_B] & RTC_B_SET))
            write_time_reg(rtc, reg, val, t);
        else
            rtc->ram[reg] = val;
        break;
    }
}

u8 mc146818_read(struct mc146818 *rtc, u16 port)
{
    s_time_t t;
    u8 val;

    if (port != MC146818_PORT_DATA)
        return 0xff;
    t = begin(rtc);
    val = read_reg(rtc, rtc->index, t);
    end(rtc, t);
    return val;
}

void mc146818_write(struct mc146818 *rtc, u16 port, u8 val)
{
    s_time_t t;

    if (port == MC146818_PORT_INDEX) {
        rtc->index = val & (MC146818_BYTES - 1);
        rtc->nmi_disabled = val & 0x80;
        return;
    }
    if (port != MC146818_PORT_DATA)
        return;
    t = begin(rtc);
    write_reg(rtc, rtc->index, val, t);
    end(rtc, t);
}

/* ---- set-up ---- */

static void put16(u8 *ram, unsigned int lo, unsigned int hi, u64 v)
{
    ram[lo] = v & 0xff;
    ram[hi] = (v >> 8) & 0xff;
}

void mc146818_set_memory(struct mc146818 *rtc, u64 low_end, u64 high_size)
{
    u64 ext = low_end > MiB(1) ? (low_end - MiB(1)) >> 10 : 0;
    u64 above16 = low_end > MiB(16) ? (low_end - MiB(16)) >> 16 : 0;
    u64 above4g = min(high_size >> 16, 0xffffffULL);
    u16 sum = 0;

    put16(rtc->ram, CMOS_BASE_MEM_LO, CMOS_BASE_MEM_HI, 640);
    put16(rtc->ram, CMOS_EXT_MEM_LO, CMOS_EXT_MEM_HI, min(ext, 0xffffULL));
    put16(rtc->ram, CMOS_EXT_MEM2_LO, CMOS_EXT_MEM2_HI, min(ext, 0xffffULL));
    put16(rtc->ram, CMOS_MEM_16M_LO, CMOS_MEM_16M_HI, min(above16, 0xffffULL));
    rtc->ram[CMOS_MEM_4G_LO] = above4g & 0xff;
    rtc->ram[CMOS_MEM_4G_MID] = (above4g >> 8) & 0xff;
    rtc->ram[CMOS_MEM_4G_HI] = (above4g >> 16) & 0xff;
    for (unsigned int i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++)
        sum += rtc->ram[i];
    put16(rtc->ram, CMOS_CHECKSUM_LO, CMOS_CHECKSUM_HI, sum);
}

void mc146818_init(struct mc146818 *rtc, const struct mc146818_ops *ops, void *ctx,
                   s64 time)
{
    s_time_t t = ops->now(ctx);

    memset(rtc, 0, sizeof(*rtc));
    rtc->ops = ops;
    rtc->ctx = ctx;
    rtc->ram[RTC_REG_A] = RTC_A_DV_32KHZ | 6;   /* 1024 Hz, as PC firmware leaves it */
    rtc->ram[RTC_REG_B] = RTC_B_24H;
    rtc->ram[RTC_REG_D] = RTC_D_VRT;
    rtc->phase = rtc->last_now = rtc->flags_at = t;
    rtc->time = time;
    rtc->time_upd = 0;
}
