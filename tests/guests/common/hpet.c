/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HPET at PLATFORM_HPET_BASE (IA-PC HPET specification 1.0a): a 64-bit main
 * counter at the rate its capabilities register states (the high half: the period in
 * femtoseconds), and timers whose comparators raise interrupts.
 *
 * In long mode registers are accessed 64 bits at a time; in 32-bit code, as two
 * 32-bit halves. The main counter can carry between the halves: read high, low, high
 * until the high half holds still.
 */
#include "devices.h"

uint64_t hpet_read(unsigned int reg)
{
#ifdef __x86_64__
    return *(volatile uint64_t *)phys_ptr(PLATFORM_HPET_BASE + reg);
#else
    uint32_t lo = hpet_read32(reg);

    return ((uint64_t)hpet_read32(reg + 4) << 32) | lo;
#endif
}

void hpet_write(unsigned int reg, uint64_t val)
{
#ifdef __x86_64__
    *(volatile uint64_t *)phys_ptr(PLATFORM_HPET_BASE + reg) = val;
#else
    hpet_write32(reg, (uint32_t)val);
    hpet_write32(reg + 4, (uint32_t)(val >> 32));
#endif
}

uint64_t hpet_counter(void)
{
#ifdef __x86_64__
    return hpet_read(HPET_COUNTER);
#else
    uint32_t hi, lo, hi2 = hpet_read32(HPET_COUNTER + 4);

    do {
        hi = hi2;
        lo = hpet_read32(HPET_COUNTER);
        hi2 = hpet_read32(HPET_COUNTER + 4);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
#endif
}

uint32_t hpet_period_fs(void)
{
    return hpet_read32(HPET_CAP + 4);
}

bool hpet_present(void)
{
    uint32_t period = hpet_period_fs();

    /* The specification: a period of at most 100 ns (10^8 fs), never 0. A floating
     * bus or an absent device reads all ones or zeros. */
    return period != 0 && period <= 100000000u && hpet_read32(HPET_CAP) != 0xffffffffu;
}

unsigned int hpet_timers(void)
{
    return ((hpet_read32(HPET_CAP) >> 8) & 0x1f) + 1;
}

uint64_t hpet_rate_mhz(void)
{
    /* 10^15 fs per second, 10^3 mHz per Hz. */
    return muldiv64(1000000000000000ull, 1000, hpet_period_fs());
}

uint32_t hpet_route_cap(unsigned int n)
{
    return hpet_read32(HPET_TN_CONFIG(n) + 4);
}
