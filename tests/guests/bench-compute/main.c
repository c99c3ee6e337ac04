/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench-compute: a loop that never leaves the guest (no I/O, no CPUID, no faults):
 * integer multiply-adds and loads and stores in a 4 KiB table that stays in L1. Run
 * with and without the hypervisor, the two TSC counts compare the cost of running
 * under it when nothing exits. Prints
 *
 *     BENCH compute iterations=<N> tsc=<cycles>
 *
 * and checks the result against the one the loop must produce (a guest whose
 * registers or memory were disturbed would not get it).
 */
#include "framework.h"

#define ITERATIONS 300000000u
#define EXPECTED   UINT64_C(0xd4e9adc0e168c4a4)   /* the same loop, run on the host */

static uint64_t table[512];

static uint64_t compute(uint32_t n)
{
    uint64_t x = 1, sum = 0;

    for (uint32_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        table[i & 511] += x >> 7;
        sum ^= table[(x >> 17) & 511] + i;
    }
    return sum;
}

void test_main(void)
{
    uint64_t t0, t1, sum;

    memset(table, 0, sizeof(table));
    t0 = rdtsc();
    sum = compute(ITERATIONS);
    t1 = rdtsc();
    printf("BENCH compute iterations=%u tsc=%" PRIu64 "\n", ITERATIONS, t1 - t0);
    check(sum == EXPECTED, "the loop computed %#" PRIx64 ", expected %#" PRIx64, sum,
          EXPECTED);
}
