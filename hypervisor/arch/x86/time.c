/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time: the TSC, calibrated once against the HPET (when ACPI describes one) or the
 * 8254 PIT's channel 2, gives system time in nanoseconds on every CPU.
 */
#include <hv/acpi.h>
#include <hv/console.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/panic.h>
#include <hv/param.h>
#include <hv/time.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/mm.h>
#include <asm/processor.h>

#define CALIBRATE_MS 50

/* HPET registers (IA-PC HPET specification 1.0a, 2.3). */
#define HPET_GCAP_ID      0x000
#define HPET_GEN_CONF     0x010
#define  HPET_CONF_ENABLE 1
#define HPET_MAIN_COUNTER 0x0f0

/* 8254 PIT. */
#define PIT_HZ       1193182
#define PIT_CH2      0x42
#define PIT_MODE     0x43
#define PORT_B       0x61    /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */

static u64 tsc_hz __ro_after_init;
static u64 tsc_at_zero __ro_after_init;
static u64 ns_mul __ro_after_init;   /* ns = (tsc * ns_mul) >> 32 */
static u64 tsc_mul __ro_after_init;  /* tsc = (ns * tsc_mul) >> 30 */
static const char *calibration_source = "none";
static volatile u64 *hpet __ro_after_init;

static bool opt_hpet = true;
param_bool("hpet", opt_hpet);

s_time_t NOW(void)
{
    if (!ns_mul)
        return 0;
    return (s_time_t)(((unsigned __int128)(rdtsc() - tsc_at_zero) * ns_mul) >> 32);
}

s_time_t tsc_to_system_time(u64 tsc)
{
    if (!ns_mul || tsc <= tsc_at_zero)
        return 0;
    return (s_time_t)(((unsigned __int128)(tsc - tsc_at_zero) * ns_mul) >> 32);
}

u64 ns_to_tsc_deadline(s_time_t t)
{
    return tsc_at_zero + (u64)(((unsigned __int128)t * tsc_mul) >> 30);
}

u64 tsc_khz(void)
{
    return tsc_hz / 1000;
}

void udelay(unsigned long us)
{
    if (!tsc_hz) {
        /* Before calibration: a port 0x80 read takes about a microsecond on PCs. */
        while (us--)
            inb(0x80);
        return;
    }
    u64 end = rdtsc() + us * (tsc_hz / 1000000);
    while (rdtsc() < end)
        cpu_relax();
}

void mdelay(unsigned long ms)
{
    while (ms--)
        udelay(1000);
}

static u64 calibrate_hpet(void)
{
    u64 cap, period_fs, ticks, start, tsc0, tsc1;

    hpet = ioremap(acpi_info.hpet_address, 1024);
    if (!hpet)
        return 0;
    cap = hpet[HPET_GCAP_ID / 8];
    period_fs = cap >> 32;
    /* The spec bounds the period: non-zero and at most 100 ns (10^8 fs). */
    if (period_fs == 0 || period_fs > 100000000) {
        printk(LOG_WARN "HPET: impossible period %llu fs; not used\n",
               (unsigned long long)period_fs);
        return 0;
    }
    hpet[HPET_GEN_CONF / 8] |= HPET_CONF_ENABLE;
    ticks = (u64)CALIBRATE_MS * 1000000000000ULL / period_fs;
    start = hpet[HPET_MAIN_COUNTER / 8];
    tsc0 = rdtsc_ordered();
    while ((u32)(hpet[HPET_MAIN_COUNTER / 8] - start) < ticks)
        cpu_relax();
    tsc1 = rdtsc_ordered();
    if (hpet[HPET_MAIN_COUNTER / 8] == start) {
        printk(LOG_WARN "HPET: counter does not run; not used\n");
        return 0;
    }
    calibration_source = "HPET";
    return (tsc1 - tsc0) * 1000 / CALIBRATE_MS;
}

static u64 calibrate_pit(void)
{
    u32 latch = PIT_HZ * CALIBRATE_MS / 1000;
    u64 tsc0, tsc1, spins = 0;

    /* Channel 2, gate on, speaker off; mode 0 (OUT goes high at terminal count). */
    outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
    outb(PIT_MODE, 0xb0);
    outb(PIT_CH2, latch & 0xff);
    outb(PIT_CH2, latch >> 8);
    tsc0 = rdtsc_ordered();
    while (!(inb(PORT_B) & 0x20)) {
        if (++spins > 100000000)
            return 0;
    }
    tsc1 = rdtsc_ordered();
    calibration_source = "PIT";
    return (tsc1 - tsc0) * 1000 / CALIBRATE_MS;
}

void time_init(void)
{
    u64 hz = 0;

    if (acpi_info.have_hpet && opt_hpet)
        hz = calibrate_hpet();
    if (!hz)
        hz = calibrate_pit();
    if (!hz)
        panic("time: cannot calibrate the TSC (no working HPET or PIT)");

    tsc_hz = hz;
    ns_mul = ((u64)NSEC_PER_SEC << 32) / hz;
    tsc_mul = (hz << 30) / NSEC_PER_SEC;
    tsc_at_zero = rdtsc();
    printk("time: TSC at %llu.%03llu MHz (calibrated against the %s)%s\n",
           (unsigned long long)(hz / 1000000), (unsigned long long)(hz / 1000 % 1000),
           calibration_source,
           boot_cpu.invariant_tsc ? "" : "; not advertised invariant, assumed constant");
}

static void dump_time(unsigned char key)
{
    s_time_t now = NOW();

    printk("Time: %lld.%06lld s since calibration; TSC %llu kHz (%s); APIC timer %s\n",
           (long long)(now / NSEC_PER_SEC), (long long)(now / 1000 % 1000000),
           (unsigned long long)tsc_khz(), calibration_source, apic_timer_mode());
}
KEYHANDLER('t', dump_time, "show system time and the timer hardware");
