/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Starting the other CPUs and giving them work (framework.h, "SMP").
 *
 * Bring-up (SDM vol. 3A, "MP Initialization Protocol Algorithm for MP Systems"; AMD
 * APM vol. 2, 16.5): for each AP, by its APIC ID, an INIT IPI; 10 ms later a Startup
 * IPI with the trampoline's page (ap_boot.asm); 200 us later a second one, as the
 * protocol asks (a CPU that is already running ignores it). Each AP checks in from
 * ap_main() exactly once: twice would mean the second Startup IPI restarted a
 * running CPU.
 *
 * An AP then loops: with interrupts off, look at its call slot; run what was posted,
 * or STI; HLT (STI's one-instruction shadow closes the race with the wake-up IPI),
 * so that an idle AP takes interrupts and costs the host nothing.
 */
#include "devices.h"
#include "private.h"

#ifndef MODE_REAL

#define DEFAULT_TIMEOUT_US 5000000ull

/* The APs' stacks (ap_boot.asm picks its own by its APIC ID; 0 is the boot CPU's,
 * which uses boot_stack instead). */
uint8_t cpu_stacks[MAX_CPUS][CPU_STACK_SIZE] __aligned(CPU_STACK_SIZE);
volatile uint32_t ap_bad_id;            /* APs with an APIC ID >= MAX_CPUS */
extern const char ap_trampoline[];
static unsigned int smp_flags;

unsigned int smp_cpus_reported(void)
{
    struct cpuid r;

    if (cpuid(0).a >= 0xb && cpuid_count(0xb, 0).b != 0) {
        /* The last level (type 2, core) counts all logical processors. */
        for (unsigned int sub = 0; sub < 8; sub++) {
            r = cpuid_count(0xb, sub);
            if (((r.c >> 8) & 0xff) == 0)
                break;
            if (((r.c >> 8) & 0xff) == 2)
                return r.b & 0xffff;
        }
    }
    r = cpuid(1);
    if (r.d & (1u << 28))               /* HTT: EBX[23:16] is meaningful */
        return (r.b >> 16) & 0xff;
    return 1;
}

static void call_interrupt(struct trap_frame *f)
{
    (void)f;
    lapic_eoi();                        /* the AP's loop looks at its slot */
}

void ap_main(unsigned int id);
void ap_main(unsigned int id)
{
    struct cpu_info *c = &cpus[id];

    traps_load();
    c->id = id;
    lapic_enable();
    if (smp_flags & SMP_X2APIC)
        lapic_enable_x2apic();
    __atomic_add_fetch(&c->checkins, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&c->online, true, __ATOMIC_SEQ_CST);

    for (;;) {
        unsigned long seq;

        cli();
        seq = __atomic_load_n(&c->call_seq, __ATOMIC_ACQUIRE);
        if (seq != c->call_done) {
            c->call_fn(c->call_arg);
            cli();
            __atomic_store_n(&c->call_done, seq, __ATOMIC_RELEASE);
            continue;
        }
        asm volatile("sti\n\thlt" ::: "memory");
    }
}

static const char *ids_missing(char *buf, size_t size, unsigned int n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (unsigned int i = 1; i < n && len + 4 < size; i++)
        if (!cpus[i].online)
            len += snprintf(buf + len, size - len, "%s%u", len ? "," : "", i);
    return buf;
}

void smp_boot(unsigned int n, unsigned int flags)
{
    unsigned long tramp = (unsigned long)ap_trampoline;
    unsigned int have = smp_cpus_reported(), vector;
    uint64_t t0, t1;
    char missing[64];

    if (n > MAX_CPUS)
        abort_test("smp_boot: %u CPUs asked for, the framework serves %u", n, MAX_CPUS);
    if (have < n)
        skip("needs %u CPUs, CPUID reports %u logical processors", n, have);
    if (!lapic_present())
        abort_test("smp_boot: CPUID says there is no local APIC");
    if (tramp & 0xfff || tramp >= 0x100000)
        abort_test("smp_boot: the AP trampoline is at %#lx, not a page below 1 MiB", tramp);
    vector = (unsigned int)(tramp >> 12);
    time_init();

    set_trap_handler(SMP_CALL_VECTOR, call_interrupt);
    lapic_enable();
    if ((flags & SMP_X2APIC) && !lapic_enable_x2apic())
        abort_test("smp_boot: x2APIC asked for, but CPUID.1:ECX.x2APIC is clear");
    if (lapic_id() != 0)
        abort_test("smp_boot: the boot CPU's APIC ID is %u, not 0", lapic_id());
    cpus[0].id = 0;
    cpus[0].online = true;
    cpus[0].checkins = 1;
    smp_flags = flags;
    __atomic_store_n(&smp_active, 1, __ATOMIC_SEQ_CST);

    t0 = rdtsc();
    for (unsigned int i = 1; i < n; i++)
        lapic_send_ipi(i, APIC_DM_INIT | APIC_LEVEL_ASSERT);
    mdelay(10);
    for (unsigned int i = 1; i < n; i++)
        lapic_send_ipi(i, APIC_DM_STARTUP | vector);
    udelay(200);
    for (unsigned int i = 1; i < n; i++)
        lapic_send_ipi(i, APIC_DM_STARTUP | vector);

    bool all = wait_for(({
        unsigned int up = 1;
        for (unsigned int i = 1; i < n; i++)
            up += cpus[i].online;
        up == n;
    }), DEFAULT_TIMEOUT_US);
    t1 = rdtsc();
    if (ap_bad_id)
        fail("smp_boot: %u CPU(s) started with an APIC ID of %u or more", ap_bad_id,
             MAX_CPUS);
    if (!all)
        abort_test("smp_boot: CPU(s) %s did not start within %" PRIu64 " ms of INIT-SIPI-SIPI",
                   ids_missing(missing, sizeof(missing), n),
                   udiv64(DEFAULT_TIMEOUT_US, 1000));
    /* A CPU that the second SIPI restarted checks in again soon after. */
    mdelay(20);
    for (unsigned int i = 1; i < n; i++)
        check(cpus[i].checkins == 1, "smp_boot: CPU %u started %u times (the second "
              "Startup IPI restarted a running CPU?)", i, cpus[i].checkins);
    nr_cpus = n;
    printf("smp: %u CPUs online (APIC IDs 0-%u, %s) in %" PRIu64 " us, trampoline at %#lx\n",
           n, n - 1, flags & SMP_X2APIC ? "x2APIC" : "xAPIC", tsc_to_us(t1 - t0), tramp);
}

bool smp_wait(unsigned int cpu, uint64_t timeout_us)
{
    struct cpu_info *c = &cpus[cpu];

    if (cpu == smp_cpu_id())
        return true;
    if (!wait_for(__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) == c->call_seq,
                  timeout_us ? timeout_us : DEFAULT_TIMEOUT_US)) {
        fail("CPU %u did not finish its function within %" PRIu64 " ms", cpu,
             udiv64(timeout_us ? timeout_us : DEFAULT_TIMEOUT_US, 1000));
        return false;
    }
    return true;
}

bool smp_call(unsigned int cpu, void (*fn)(void *), void *arg)
{
    struct cpu_info *c;

    if (cpu == smp_cpu_id()) {
        fn(arg);
        return true;
    }
    if (cpu >= NR_CPU_SLOTS || !cpus[cpu].online) {
        fail("smp_call: CPU %u is not online", cpu);
        return false;
    }
    c = &cpus[cpu];
    if (!smp_wait(cpu, 0))
        return false;
    c->call_fn = fn;
    c->call_arg = arg;
    __atomic_store_n(&c->call_seq, c->call_seq + 1, __ATOMIC_RELEASE);
    lapic_send_ipi(cpu, APIC_DM_FIXED | SMP_CALL_VECTOR);
    return true;
}

bool smp_run(unsigned int cpu, void (*fn)(void *), void *arg, uint64_t timeout_us)
{
    return smp_call(cpu, fn, arg) && smp_wait(cpu, timeout_us);
}

bool smp_run_all(void (*fn)(void *), void *arg, uint64_t timeout_us)
{
    unsigned int self = smp_cpu_id();
    bool ok = true;

    for (unsigned int i = 0; i < nr_cpus; i++)
        if (i != self)
            ok &= smp_call(i, fn, arg);
    fn(arg);
    for (unsigned int i = 0; i < nr_cpus; i++)
        ok &= smp_wait(i, timeout_us);
    return ok;
}

#else /* MODE_REAL */

unsigned int smp_cpus_reported(void)
{
    return 1;
}

void smp_boot(unsigned int n, unsigned int flags)
{
    (void)flags;
    if (n > 1)
        skip("no SMP in real-mode kernels");
}

bool smp_wait(unsigned int cpu, uint64_t timeout_us)
{
    (void)cpu;
    (void)timeout_us;
    return true;
}

bool smp_call(unsigned int cpu, void (*fn)(void *), void *arg)
{
    if (cpu != 0) {
        fail("smp_call: CPU %u is not online", cpu);
        return false;
    }
    fn(arg);
    return true;
}

bool smp_run(unsigned int cpu, void (*fn)(void *), void *arg, uint64_t timeout_us)
{
    (void)timeout_us;
    return smp_call(cpu, fn, arg);
}

bool smp_run_all(void (*fn)(void *), void *arg, uint64_t timeout_us)
{
    (void)timeout_us;
    fn(arg);
    return true;
}

#endif /* MODE_REAL */
