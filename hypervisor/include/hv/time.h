/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System time: nanoseconds since the TSC was calibrated, from the TSC (which every
 * CPU must run at one constant rate; the hypervisor warns when CPUID does not promise
 * an invariant TSC). Before calibration NOW() is 0.
 */
#ifndef HV_TIME_H
#define HV_TIME_H

#include <hv/types.h>

#define NSEC_PER_SEC   1000000000LL
#define SECONDS(s)     ((s_time_t)(s) * NSEC_PER_SEC)
#define MILLISECS(ms)  ((s_time_t)(ms) * 1000000LL)
#define MICROSECS(us)  ((s_time_t)(us) * 1000LL)

/*
 * The guest-visible clocks (the PIT, the RTC, the HPET, the PM timer) count at a
 * fixed rate from a system time. Ticks of a `hz` clock in `ns` nanoseconds, rounded
 * down; split on seconds so that nothing overflows for any system time (hz < 2^33).
 */
static inline u64 ns_to_ticks(u64 ns, u64 hz)
{
    return ns / NSEC_PER_SEC * hz + ns % NSEC_PER_SEC * hz / NSEC_PER_SEC;
}

/* The other way, rounded up: the first nanosecond by which `ticks` have happened, so
 * that ns_to_ticks(ticks_to_ns_ceil(t, hz), hz) == t. */
static inline u64 ticks_to_ns_ceil(u64 ticks, u64 hz)
{
    return ticks / hz * NSEC_PER_SEC + (ticks % hz * NSEC_PER_SEC + hz - 1) / hz;
}

/*
 * The shortest period of a periodic platform timer's interrupts (the local APIC timer
 * in periodic mode, the HPET's periodic timer, the PIT): 100 us, so a guest asking for
 * a faster rate gets at most 10 kHz, as Xen bounds its periodic timers. Without it a
 * guest could program a 1 ns period and keep its pCPU in the timer softirq for good.
 *
 * It is part of the platform's missed-ticks policy: ticks that fall inside the floor
 * are missed ticks, folded into the interrupt delivered at its end as any other missed
 * ticks are (one interrupt, never a queue of them; Xen's "no_missed_ticks_pending").
 * The counters themselves still run at the programmed rate: the APIC's current count
 * and the HPET's main counter read as the hardware's would.
 */
#define PERIODIC_TIMER_MIN_NS MICROSECS(100)

s_time_t NOW(void);
u64 tsc_khz(void);

/* The TSC value at which system time reaches `t` (for TSC-deadline timers), and the
 * other way round (for guests' TSC deadlines). */
u64 ns_to_tsc_deadline(s_time_t t);
s_time_t tsc_to_system_time(u64 tsc);

/* Busy-wait (before calibration: a rough count of PIT-free port reads). */
void udelay(unsigned long us);
void mdelay(unsigned long ms);

/* Calibrate the TSC against the HPET (if there is one) or the PIT. */
void time_init(void);

/* Program this CPU's timer interrupt for `deadline` (0: none). */
void arch_set_timer_deadline(s_time_t deadline);

#endif /* HV_TIME_H */
