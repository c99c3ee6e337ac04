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
