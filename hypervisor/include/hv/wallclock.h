/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's wall-clock time (arch/x86/wallclock.c): read once from the machine's own
 * RTC, then carried forward by system time. And the proleptic Gregorian calendar
 * arithmetic that reader and the emulated RTC (common/hvm/mc146818.c) share.
 */
#ifndef HV_WALLCLOCK_H
#define HV_WALLCLOCK_H

#include <hv/types.h>

/*
 * Seconds since 1970-01-01 00:00:00 UTC now: the host RTC's time, read (and taken to
 * be UTC) on the first call, plus the system time elapsed since. The first call waits
 * for the RTC to leave an update (a few milliseconds, ~200 ms at the very worst, with
 * interrupts on); later calls are cheap. From any context but an interrupt handler.
 */
u64 wallclock_now(void);

#define WALLCLOCK_SECS_PER_DAY 86400

/* Days from 1970-01-01 to year-month-day (month 1-12, day 1-31; the year may be
 * anything, before 1970 too). Counts 400-year eras of 146097 days, each from a
 * March 1st so that the leap day ends a year. */
static inline s64 wallclock_days_from_civil(s64 year, unsigned int month, unsigned int day)
{
    s64 y = month <= 2 ? year - 1 : year;
    s64 era = (y >= 0 ? y : y - 399) / 400;
    s64 yoe = y - era * 400;                                    /* 0-399 */
    s64 doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1; /* 0-365 */
    s64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* 0-146096 */

    return era * 146097 + doe - 719468;   /* 719468: days from 0000-03-01 to 1970-01-01 */
}

/* The other way: the date `days` after 1970-01-01. */
static inline void wallclock_civil_from_days(s64 days, s64 *year, unsigned int *month,
                                             unsigned int *day)
{
    s64 z = days + 719468;
    s64 era = (z >= 0 ? z : z - 146096) / 146097;
    s64 doe = z - era * 146097;                                 /* 0-146096 */
    s64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0-399 */
    s64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* 0-365, from March */
    s64 mp = (5 * doy + 2) / 153;                               /* 0-11, March = 0 */

    *day = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

/* Is `year` a leap year (Gregorian: every 4th, but not every 100th, but every 400th)? */
static inline bool wallclock_leap_year(s64 year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

#endif /* HV_WALLCLOCK_H */
