/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * smp-ipi: four CPUs, started by the framework with INIT-SIPI-SIPI, exchange IPIs
 * through their local APICs; every CPU counts what it receives, by vector.
 *
 *   1. fixed IPIs from every CPU to every CPU, itself included (physical
 *      destination): vector 0x40 + sender, so each count says who sent it; each
 *      must arrive exactly once
 *   2. the shorthands: all-but-self (vector 0x50 + sender) from every CPU, all
 *      including self, and self
 *   3. logical destinations: flat model in xAPIC mode (LDR = 1 << (24 + id), DFR
 *      all ones), cluster model in x2APIC mode (the LDR the APIC derives from its
 *      ID, read-only): sets of CPUs by mask, each from a different sender
 *   4. NMI IPIs: one to a CPU spinning with IF=0 (an NMI ignores IF), then
 *      all-but-self; the NMI handler (vector 2) counts them
 *   5. "BENCH ipi-roundtrip iterations=N tsc=T": CPU 0 sends a fixed IPI to CPU 1
 *      (halted), whose handler answers with one to CPU 0; N round trips
 *
 * All of it in xAPIC mode, and again in x2APIC mode where CPUID offers it. The 64-bit
 * kernel starts the CPUs in x2APIC mode where available (then goes to xAPIC), the
 * others in xAPIC mode, so that both ways of starting them are exercised.
 */
#include "devices.h"

#define VEC_FIXED   0x40                /* + sender */
#define VEC_BCAST   0x50                /* + sender */
#define VEC_ALL     0x60
#define VEC_SELF    0x61
#define VEC_LOGICAL 0x62
#define VEC_PING    0x70
#define VEC_PONG    0x71
#define VEC_FIRST   0x40
#define VEC_LAST    0x71
#define NVEC        (VEC_LAST - VEC_FIRST + 1)

#define BENCH_ITERATIONS 2000u

static volatile unsigned long recv[MAX_CPUS][NVEC];
static unsigned long expect[MAX_CPUS][NVEC];
static volatile unsigned long nmis[MAX_CPUS];
static volatile unsigned long pongs;
static unsigned int n;

static void ipi_handler(struct trap_frame *f)
{
    unsigned int v = (unsigned int)f->vector;

    recv[smp_cpu_id()][v - VEC_FIRST]++;
    if (v == VEC_PING)
        lapic_send_ipi(0, APIC_DM_FIXED | VEC_PONG);
    if (v == VEC_PONG)
        pongs++;
    lapic_eoi();
}

static void nmi_handler(struct trap_frame *f)
{
    (void)f;
    nmis[smp_cpu_id()]++;
}

static void clear_counts(void)
{
    for (unsigned int c = 0; c < MAX_CPUS; c++)
        for (unsigned int v = 0; v < NVEC; v++)
            recv[c][v] = expect[c][v] = 0;
}

static bool all_arrived(void)
{
    for (unsigned int c = 0; c < n; c++)
        for (unsigned int v = 0; v < NVEC; v++)
            if (recv[c][v] < expect[c][v])
                return false;
    return true;
}

/* Wait for what `expect` says (ARRIVAL_TIMEOUT_US), then 10 ms more for anything
 * extra; report. */
static void verify(const char *what)
{
    unsigned int bad = 0, total = 0;

    wait_for(all_arrived(), ARRIVAL_TIMEOUT_US);
    mdelay(10);
    for (unsigned int c = 0; c < n; c++)
        for (unsigned int v = 0; v < NVEC; v++) {
            total += recv[c][v];
            if (recv[c][v] != expect[c][v]) {
                if (bad++ < 8)
                    printf("  CPU %u, vector %#x: received %lu, expected %lu\n", c,
                           VEC_FIRST + v, recv[c][v], expect[c][v]);
            }
        }
    printf("%s: %u interrupts received, %s\n", what, total,
           bad ? "WRONG" : "each where it should be");
    check(!bad, "%s: %u (CPU, vector) counts wrong", what, bad);
}

/* ---- 1. fixed IPIs between every pair ---- */

static void send_fixed_to_all(void *arg)
{
    unsigned int self = smp_cpu_id();

    (void)arg;
    for (unsigned int d = 0; d < n; d++)
        lapic_send_ipi(d, APIC_DM_FIXED | (VEC_FIXED + self));
}

static void test_fixed(const char *mode)
{
    char what[64];

    clear_counts();
    for (unsigned int s = 0; s < n; s++) {
        for (unsigned int d = 0; d < n; d++)
            expect[d][VEC_FIXED + s - VEC_FIRST] = 1;
        smp_run(s, send_fixed_to_all, NULL, 0);
    }
    snprintf(what, sizeof(what), "%s: fixed IPIs, every CPU to every CPU", mode);
    verify(what);
}

/* ---- 2. shorthands ---- */

static void send_all_but_self(void *arg)
{
    (void)arg;
    lapic_send_ipi(0, APIC_DM_FIXED | APIC_DEST_ALL_BUT_SELF | (VEC_BCAST + smp_cpu_id()));
}

static void send_all(void *arg)
{
    (void)arg;
    lapic_send_ipi(0, APIC_DM_FIXED | APIC_DEST_ALL | VEC_ALL);
}

static void send_self(void *arg)
{
    (void)arg;
    lapic_send_ipi(0, APIC_DM_FIXED | APIC_DEST_SELF | VEC_SELF);
}

static void test_shorthands(const char *mode)
{
    char what[64];

    clear_counts();
    for (unsigned int s = 0; s < n; s++) {
        for (unsigned int d = 0; d < n; d++)
            expect[d][VEC_BCAST + s - VEC_FIRST] = d != s;
        smp_run(s, send_all_but_self, NULL, 0);
    }
    snprintf(what, sizeof(what), "%s: all-but-self from every CPU", mode);
    verify(what);

    clear_counts();
    for (unsigned int d = 0; d < n; d++)
        expect[d][VEC_ALL - VEC_FIRST] = 1;
    smp_run(n - 1, send_all, NULL, 0);
    expect[2][VEC_SELF - VEC_FIRST] = 1;
    smp_run(2, send_self, NULL, 0);
    snprintf(what, sizeof(what), "%s: all-including-self from CPU %u, self on CPU 2",
             mode, n - 1);
    verify(what);
}

/* ---- 3. logical destinations ---- */

static volatile unsigned int ldr_wrong;

static void setup_logical(void *arg)
{
    unsigned int id = smp_cpu_id();
    uint32_t ldr;

    (void)arg;
    if (lapic_is_x2apic()) {
        /* Cluster (ID bits 4 and up) in bits 16-31, 1 << (ID bits 0-3) below. */
        ldr = lapic_read(APIC_LDR);
        if (ldr != (((id >> 4) << 16) | (1u << (id & 15))))
            ldr_wrong |= 1u << id;
    } else {
        lapic_set_flat_ldr(id);
        if (lapic_read(APIC_LDR) >> 24 != 1u << id ||
            (lapic_read(APIC_DFR) >> 28) != 0xf)
            ldr_wrong |= 1u << id;
    }
}

static void send_logical(void *arg)
{
    lapic_send_ipi((uint32_t)(unsigned long)arg,
                   APIC_DM_FIXED | APIC_DEST_LOGICAL | VEC_LOGICAL);
}

static void test_logical(const char *mode)
{
    static const struct { unsigned int sender, mask; } sends[] = {
        { 0, 0xa }, { 3, 0x5 }, { 1, 0xf }, { 2, 0x4 },
    };
    bool x2 = lapic_is_x2apic();
    char what[96];

    ldr_wrong = 0;
    smp_run_all(setup_logical, NULL, 0);
    check(!ldr_wrong, "%s: the LDR/DFR of CPUs %#x do not read as expected", mode, ldr_wrong);

    clear_counts();
    for (unsigned int i = 0; i < ARRAY_SIZE(sends); i++) {
        unsigned int mask = sends[i].mask & ((1u << n) - 1);
        /* flat: the mask in bits 24-31 of the ICR (the 8-bit destination); cluster:
         * cluster 0 in bits 16-31, the mask below */
        uint32_t dest = mask;

        for (unsigned int d = 0; d < n; d++)
            expect[d][VEC_LOGICAL - VEC_FIRST] += (mask >> d) & 1;
        smp_run(sends[i].sender, send_logical, (void *)(unsigned long)dest, 0);
        /* The sends share a vector: one still pending in a target's IRR would absorb
         * the next (an APIC holds one request per vector, SDM vol. 3, 11.8.4), so
         * each is let arrive before the next goes. */
        wait_for(all_arrived(), ARRIVAL_TIMEOUT_US);
    }
    snprintf(what, sizeof(what), "%s: logical (%s) destinations 0xa, 0x5, 0xf, 0x4",
             mode, x2 ? "cluster" : "flat");
    verify(what);
}

/* ---- 4. NMIs ---- */

static volatile bool nmi_waiting, nmi_seen_with_if_clear;

static void wait_nmi_if_clear(void *arg)
{
    unsigned long before = nmis[smp_cpu_id()];

    (void)arg;
    cli();
    nmi_waiting = true;
    nmi_seen_with_if_clear = wait_for(nmis[smp_cpu_id()] != before, ARRIVAL_TIMEOUT_US);
}

static void send_nmi_all_but_self(void *arg)
{
    (void)arg;
    lapic_send_ipi(0, APIC_DM_NMI | APIC_DEST_ALL_BUT_SELF);
}

static void test_nmi(const char *mode)
{
    unsigned long before[MAX_CPUS];
    unsigned int wrong = 0;

    nmi_waiting = false;
    nmi_seen_with_if_clear = false;
    smp_call(2, wait_nmi_if_clear, NULL);
    wait_for(nmi_waiting, ARRIVAL_TIMEOUT_US);
    lapic_send_ipi(2, APIC_DM_NMI);
    smp_wait(2, ARRIVAL_TIMEOUT_US + 1000000); /* its own wait ends first */
    printf("%s: NMI to CPU 2 spinning with IF=0: %s\n", mode,
           nmi_seen_with_if_clear ? "taken" : "NOT taken");
    check(nmi_seen_with_if_clear, "%s: an NMI IPI to CPU 2 (IF=0) was not taken within 5 s",
          mode);

    for (unsigned int c = 0; c < n; c++)
        before[c] = nmis[c];
    smp_run(1, send_nmi_all_but_self, NULL, 0);
    wait_for(({
        bool all = true;
        for (unsigned int c = 0; c < n; c++)
            all &= nmis[c] - before[c] == (c != 1);
        all;
    }), ARRIVAL_TIMEOUT_US);
    mdelay(10);
    for (unsigned int c = 0; c < n; c++)
        if (nmis[c] - before[c] != (c != 1)) {
            printf("  CPU %u: %lu NMIs, expected %u\n", c, nmis[c] - before[c], c != 1);
            wrong++;
        }
    printf("%s: NMI all-but-self from CPU 1: %s\n", mode, wrong ? "WRONG" : "one on each other CPU");
    check(!wrong, "%s: NMI all-but-self from CPU 1: %u CPUs got the wrong number", mode,
          wrong);
}

/* ---- 5. round trips ---- */

static void bench(const char *name)
{
    unsigned long target;
    uint64_t t0, t1, start, slowest = 0;

    pongs = 0;
    t0 = rdtsc();
    for (unsigned int i = 0; i < BENCH_ITERATIONS; i++) {
        target = pongs + 1;
        start = rdtsc();
        lapic_send_ipi(1, APIC_DM_FIXED | VEC_PING);
        if (!wait_for(pongs == target, ARRIVAL_TIMEOUT_US)) {
            fail("%s: round trip %u: no answer from CPU 1 within 5 s", name, i);
            return;
        }
        start = rdtsc() - start;
        if (start > slowest)
            slowest = start;
    }
    t1 = rdtsc();
    printf("BENCH %s iterations=%u tsc=%" PRIu64 "\n", name, BENCH_ITERATIONS, t1 - t0);
    printf("%s: %" PRIu64 " us per round trip, the slowest %" PRIu64 " us\n", name,
           udiv64(tsc_to_us(t1 - t0), BENCH_ITERATIONS), tsc_to_us(slowest));
}

static void run_all(const char *mode, const char *bench_name)
{
    test_fixed(mode);
    test_shorthands(mode);
    test_logical(mode);
    test_nmi(mode);
    bench(bench_name);
}

static volatile unsigned int id_wrong;

static void to_x2apic(void *arg)
{
    (void)arg;
    if (!lapic_enable_x2apic() || lapic_id() != smp_cpu_id())
        id_wrong |= 1u << smp_cpu_id();
}

static void to_xapic(void *arg)
{
    (void)arg;
    lapic_back_to_xapic();
    if (lapic_id() != smp_cpu_id())
        id_wrong |= 1u << smp_cpu_id();
}

void test_main(void)
{
    bool x2 = x2apic_available();
    bool start_x2 = false;

#ifdef MODE_64
    start_x2 = x2;
#endif
    n = test_vcpus;
    printf("x2APIC %s; starting %u CPUs in %s mode\n", x2 ? "available" : "not offered",
           n, start_x2 ? "x2APIC" : "xAPIC");
    for (unsigned int v = VEC_FIRST; v <= VEC_LAST; v++)
        set_trap_handler(v, ipi_handler);
    set_trap_handler(2, nmi_handler);
    smp_boot(n, start_x2 ? SMP_X2APIC : 0);
    sti();

    if (start_x2) {
        run_all("x2APIC", "ipi-roundtrip-x2apic");
        id_wrong = 0;
        smp_run_all(to_xapic, NULL, 0);
        check(!id_wrong, "back to xAPIC mode: CPUs %#x failed or read a wrong ID", id_wrong);
        run_all("xAPIC", "ipi-roundtrip");
    } else {
        run_all("xAPIC", "ipi-roundtrip");
        if (need_on_petrel(x2, "x2APIC (CPUID.1:ECX[21])")) {
            id_wrong = 0;
            smp_run_all(to_x2apic, NULL, 0);
            check(!id_wrong, "to x2APIC mode: CPUs %#x failed or read a wrong ID", id_wrong);
            run_all("x2APIC", "ipi-roundtrip-x2apic");
        }
    }
    /* A spurious-vector interrupt is the APIC finding nothing to deliver at the
     * acknowledge; Petrel's virtual APIC picks and acknowledges in one step, so there
     * none may come. Elsewhere they are only reported. */
    for (unsigned int c = 0; c < n; c++) {
        if (cpus[c].spurious)
            printf("CPU %u took %lu spurious interrupts\n", c, cpus[c].spurious);
        check(!running_on_petrel() || cpus[c].spurious == 0,
              "CPU %u took %lu spurious interrupts", c, cpus[c].spurious);
    }
}
