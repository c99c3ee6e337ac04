/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest test framework: everything a test kernel's main.c uses.
 *
 * A test kernel is built once per CPU mode it runs in; the mode is fixed at compile
 * time by one of these macros (the build defines exactly one):
 *
 *   MODE_REAL   16-bit real mode (CR0.PE=0), "big real": data segments keep 4 GiB
 *               limits, so C code addresses memory flat with 32-bit offsets
 *   MODE_32     32-bit protected mode, paging off
 *   MODE_PAE    32-bit protected mode, PAE paging, 0-4 GiB identity-mapped
 *   MODE_64     long mode, 4-level paging, 0-4 GiB identity-mapped
 *
 * A test defines test_main(); the framework has set up descriptor tables, the
 * exception handlers and (in paged modes) page tables before calling it. The test
 * reports problems with fail() and may give up with skip(); when test_main() returns,
 * the framework prints the one RESULT line and ends the domain through port 0xf4.
 */
#ifndef GUEST_FRAMEWORK_H
#define GUEST_FRAMEWORK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <petrel_test.h>

#include "layout.h"

#if defined(MODE_REAL) + defined(MODE_32) + defined(MODE_PAE) + defined(MODE_64) != 1
#error "define exactly one of MODE_REAL, MODE_32, MODE_PAE, MODE_64"
#endif
#if defined(MODE_PAE) || defined(MODE_64)
#define MODE_PAGING 1
#endif
#ifndef MODE_REAL
#define MODE_PROTECTED 1
#endif

/* printf formats for the fixed-width types (as <inttypes.h>, which needs a libc). */
#ifdef __x86_64__
#define PRIx64 "lx"
#define PRIu64 "lu"
#define PRId64 "ld"
#define SP_REG "rsp"
#else
#define PRIx64 "llx"
#define PRIu64 "llu"
#define PRId64 "lld"
#define SP_REG "esp"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __noreturn    __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))
#define __aligned(n)  __attribute__((aligned(n)))

/* ---- output and results (lib.c, setup.c) ---- */

int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* The test's name and mode as they appear on the RESULT line. */
extern const char test_name[];
extern const char mode_name[];

/* Which entries the kernel carries: bit (1 << BOOT_MULTIBOOT), bit (1 << BOOT_PVH). */
extern const unsigned int kernel_entries;

/* Defined by each test. */
void test_main(void);

/*
 * fail() records a failed check and lets the test go on, so that one run reports
 * every problem; the RESULT line names the first. skip() ends the test at once:
 * what it needs is not there (say what). abort_test() is a failure after which
 * going on makes no sense.
 */
void fail(const char *fmt, ...) __printf(1, 2);
void skip(const char *fmt, ...) __printf(1, 2) __noreturn;
void abort_test(const char *fmt, ...) __printf(1, 2) __noreturn;

#define check(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

/* Print the RESULT line, write `code` to the debug-exit port, and stop. */
void test_exit(int code, const char *reason) __noreturn;

/* ---- port I/O ---- */

static inline void outb(uint16_t port, uint8_t v)
{
    asm volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
    asm volatile("outw %0, %1" :: "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
    asm volatile("outl %0, %1" :: "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* ---- CPU ---- */

struct cpuid { uint32_t a, b, c, d; };

static inline struct cpuid cpuid_count(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid r;
    asm volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
                 : "a"(leaf), "c"(subleaf));
    return r;
}
static inline struct cpuid cpuid(uint32_t leaf) { return cpuid_count(leaf, 0); }

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline unsigned long read_cr0(void)
{
    unsigned long v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
static inline void write_cr0(unsigned long v) { asm volatile("mov %0, %%cr0" :: "r"(v)); }
static inline unsigned long read_cr2(void)
{
    unsigned long v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline unsigned long read_cr3(void)
{
    unsigned long v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void write_cr3(unsigned long v)
{
    asm volatile("mov %0, %%cr3" :: "r"(v) : "memory");
}
static inline unsigned long read_cr4(void)
{
    unsigned long v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
static inline void write_cr4(unsigned long v) { asm volatile("mov %0, %%cr4" :: "r"(v)); }
static inline void invlpg(const void *va)
{
    asm volatile("invlpg (%0)" :: "r"(va) : "memory");
}
static inline void cli(void) { asm volatile("cli" ::: "memory"); }
static inline void sti(void) { asm volatile("sti" ::: "memory"); }

#define X86_CR0_PE   (1u << 0)
#define X86_CR0_MP   (1u << 1)
#define X86_CR0_EM   (1u << 2)
#define X86_CR0_TS   (1u << 3)
#define X86_CR0_WP   (1u << 16)
#define X86_CR0_PG   (1u << 31)
#define X86_CR4_PAE  (1u << 5)
#define X86_CR4_OSFXSR (1u << 9)
#define X86_CR4_OSXMMEXCPT (1u << 10)

#define X86_FLAGS_CF (1u << 0)
#define X86_FLAGS_PF (1u << 2)
#define X86_FLAGS_AF (1u << 4)
#define X86_FLAGS_ZF (1u << 6)
#define X86_FLAGS_SF (1u << 7)
#define X86_FLAGS_IF (1u << 9)
#define X86_FLAGS_DF (1u << 10)
#define X86_FLAGS_OF (1u << 11)
#define X86_FLAGS_ARITH (X86_FLAGS_CF | X86_FLAGS_PF | X86_FLAGS_AF | X86_FLAGS_ZF | \
                         X86_FLAGS_SF | X86_FLAGS_OF)

#define MSR_IA32_APIC_BASE      0x0000001b
#define MSR_IA32_SYSENTER_CS    0x00000174
#define MSR_IA32_SYSENTER_ESP   0x00000175
#define MSR_IA32_SYSENTER_EIP   0x00000176
#define MSR_IA32_PAT            0x00000277
#define MSR_EFER                0xc0000080
#define  EFER_SCE               (1u << 0)
#define  EFER_LME               (1u << 8)
#define  EFER_LMA               (1u << 10)
#define  EFER_NXE               (1u << 11)
#define  EFER_SVME              (1u << 12)
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102

/* Set CR4.OSFXSR and CR0.MP, clear CR0.EM: SSE instructions may run. False if the
 * CPU has no SSE2 (or in real mode, where the tests do not use it). */
bool sse_enable(void);

/* ---- exceptions (traps.c) ---- */

/*
 * Every vector has a handler. When an exception hits an instruction listed in the
 * exception table, the handler records what happened in `last_fault` and resumes at
 * the entry's recovery address; any other exception ends the test with FAIL and a
 * report (vector, error code, instruction pointer). In inline assembly:
 *
 *     asm volatile("1: ud2\n\t"
 *                  "2:\n\t"
 *                  ASM_EXTABLE(1b, 2b));
 *
 * For faults the CPU reports the address of the faulting instruction (1b above);
 * for traps (int3, INT n) the address after it, so their table entry names the
 * label after the instruction: "int3; 1:" ASM_EXTABLE(1b, 1b).
 */
#ifdef __x86_64__
#define ASM_PTR ".quad"
#else
#define ASM_PTR ".long"
#endif
#define ASM_EXTABLE(from, to) \
    ".pushsection .extable, \"a\"\n\t" ASM_PTR " " #from ", " #to "\n\t.popsection\n\t"

#define NO_FAULT (-1)

struct fault {
    int vector;                 /* NO_FAULT when nothing was recorded */
    uint32_t error_code;        /* 0 for vectors without one (and in real mode) */
    unsigned long ip;           /* the instruction pointer the CPU pushed */
    unsigned long cr2;          /* for #PF */
};
extern volatile struct fault last_fault;

static inline void fault_clear(void)
{
    last_fault.vector = NO_FAULT;
    last_fault.error_code = 0;
    last_fault.ip = 0;
    last_fault.cr2 = 0;
}

/* "#GP" and the like, or "vector 0x40". */
const char *vector_name(int vector);

#define X86_EXC_DE  0
#define X86_EXC_DB  1
#define X86_EXC_BP  3
#define X86_EXC_UD  6
#define X86_EXC_DF  8
#define X86_EXC_TS  10
#define X86_EXC_NP  11
#define X86_EXC_SS  12
#define X86_EXC_GP  13
#define X86_EXC_PF  14

/* #PF error code bits */
#define PFEC_PRESENT (1u << 0)
#define PFEC_WRITE   (1u << 1)
#define PFEC_USER    (1u << 2)
#define PFEC_RSVD    (1u << 3)
#define PFEC_INSN    (1u << 4)

/*
 * What the common trap entry saved: general registers, the vector and error code
 * (0 when the CPU pushed none), then the frame the CPU pushed. A handler may change
 * `ip` (and, in real mode, only the low 16 bits matter) to resume elsewhere.
 */
#if defined(MODE_64)
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t ip, cs, flags, sp, ss;
};
#elif defined(MODE_REAL)
struct trap_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;   /* PUSHAD order */
    uint32_t vector;
    uint16_t ip, cs, flags;                            /* the real-mode frame */
};
#else
struct trap_frame {
    uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;   /* PUSHAD order */
    uint32_t vector, error_code;
    uint32_t ip, cs, flags;
};
#endif

/* Route a vector to `fn` instead of the exception table (interrupts, INT n). */
typedef void (*trap_handler_t)(struct trap_frame *frame);
void set_trap_handler(unsigned int vector, trap_handler_t fn);

/* RDMSR/WRMSR that report an exception instead of dying: NO_FAULT or the vector. */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);

/* ---- descriptor tables (head.asm) ---- */

/* The framework's GDT: selectors in layout.h; entries from GDT_FREE on are for tests
 * to fill (reload a selector after changing its entry). */
extern uint64_t gdt[GDT_ENTRIES];

/* ---- paging (paging.c; PAE and long mode) ---- */

#ifdef MODE_PAGING
#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PAGE_SIZE_2M (2ul << 20)

/* The page-directory entry that maps `va` (a 2 MiB page) in the identity map. */
uint64_t *pde_of(unsigned long va);
#endif
#ifdef MODE_64
/* Extend the identity map (2 MiB pages) to cover [0, end). False if the framework's
 * pool of page directories is too small; `mapped_end` says how far it got. */
bool map_identity_to(uint64_t end, uint64_t *mapped_end);
#endif

/* ---- what the loader told us (bootinfo.c) ---- */

#define BOOT_MAX_RANGES 64

#define MEM_RAM      1
#define MEM_RESERVED 2

struct mem_range {
    uint64_t start, size;
    uint32_t type;              /* E820 numbering: 1 RAM, 2 reserved, 3 ACPI, ... */
};

struct boot_info {
    uint32_t loader;            /* BOOT_MULTIBOOT or BOOT_PVH */
    uint32_t raw;               /* physical address of the loader's structure */
    const char *problem;        /* set when the structure was unusable: why */
    /* Multiboot: the flags and the basic memory fields (flags bit 0) */
    uint32_t mb_flags, mem_lower_kib, mem_upper_kib;
    /* PVH */
    uint32_t pvh_version;
    uint64_t rsdp;
    /* the memory map, as given (Multiboot mmap or hvm_start_info memmap) */
    bool have_map;
    bool map_truncated;         /* more than BOOT_MAX_RANGES entries */
    uint32_t nr_ranges;
    struct mem_range ranges[BOOT_MAX_RANGES];
    char cmdline[128];
};
extern struct boot_info boot_info;

const char *mem_type_name(uint32_t type);

/* ---- the image (linker script) ---- */

extern char __image_start[], __image_end[];

/* ---- arithmetic (math.c) ---- */

/*
 * 32-bit code has no 64-bit division instruction and no libgcc here: divide 64-bit
 * numbers with these (a plain `/` on uint64_t does not link in 32-bit and real-mode
 * kernels).
 */
uint64_t udiv64(uint64_t n, uint64_t d);
static inline uint64_t umod64(uint64_t n, uint64_t d) { return n - udiv64(n, d) * d; }
/* a * b / c without overflow of the product (saturated if the result needs more than
 * 64 bits; c must not be 0). */
uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c);

/* ---- atomics, locks, interrupt flag ---- */

static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
static inline void barrier(void) { asm volatile("" ::: "memory"); }

static inline unsigned long irq_save(void)
{
    unsigned long flags;

    asm volatile("pushf\n\tpop %0\n\tcli" : "=r"(flags) :: "memory");
    return flags;
}
static inline void irq_restore(unsigned long flags)
{
    if (flags & X86_FLAGS_IF)
        sti();
}
static inline bool irqs_enabled(void)
{
    unsigned long flags;

    asm volatile("pushf\n\tpop %0" : "=r"(flags) :: "memory");
    return flags & X86_FLAGS_IF;
}

typedef struct {
    volatile unsigned int locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (l->locked)
            cpu_relax();
}
static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* ---- SMP and per-CPU data (smp.c; not in real mode) ---- */

/*
 * smp_boot(n, flags) starts CPUs 1 to n-1 (INIT, then two Startup IPIs, through the
 * local APIC) and waits for each to check in; they are found by their APIC IDs, which
 * must be 0 to n-1 (the boot CPU's is 0). The test skips if CPUID reports fewer than
 * n logical processors, and fails if one does not start within 5 seconds. Each AP
 * arrives in the kernel's mode with its own stack, the framework's IDT and its local
 * APIC enabled (x2APIC with SMP_X2APIC), and waits with interrupts on (STI; HLT) for
 * work: smp_call() posts a function to its call slot and sends it SMP_CALL_VECTOR.
 * Interrupt handlers run on whichever CPU takes the interrupt (set_trap_handler()
 * is for all CPUs); smp_cpu_id() says which.
 *
 * test_vcpus is the kernel's test.conf `vcpus` (1 by default), which the manifest
 * passes on as the number of CPUs to give the machine.
 */
extern const unsigned int test_vcpus;

#define SMP_X2APIC  (1u << 0)   /* every CPU's local APIC in x2APIC mode */

struct cpu_info {
    unsigned int id;                    /* its number: its APIC ID */
    bool x2apic;                        /* its local APIC is in x2APIC mode */
    volatile bool online;
    volatile unsigned int checkins;     /* times it arrived in ap_main() (must be 1) */
    volatile unsigned long spurious;    /* spurious-vector interrupts it took */
    /* the call slot: smp_call() fills fn and arg, then bumps seq; the CPU runs the
     * function and sets done = seq */
    void (*volatile call_fn)(void *arg);
    void *volatile call_arg;
    volatile unsigned long call_seq, call_done;
    /* for tests: counters and values of their own, per CPU */
    volatile unsigned long count[8];
    volatile uint64_t value[4];
};

#ifdef MODE_REAL
#define NR_CPU_SLOTS 1
#else
#define NR_CPU_SLOTS MAX_CPUS
#endif
extern struct cpu_info cpus[NR_CPU_SLOTS];
extern unsigned int nr_cpus;            /* CPUs online: 1 until smp_boot() */
extern volatile unsigned int smp_active;    /* set once APs may be running */

/* This CPU's number (0 for the boot CPU, and in real mode). */
static inline unsigned int smp_cpu_id(void)
{
#ifdef MODE_REAL
    return 0;
#else
    unsigned long sp;

    if (!smp_active)
        return 0;
    asm volatile("mov %%" SP_REG ", %0" : "=r"(sp));
    return *(volatile uint32_t *)(sp & ~(unsigned long)(CPU_STACK_SIZE - 1));
#endif
}
static inline struct cpu_info *this_cpu(void) { return &cpus[smp_cpu_id()]; }

/* How many logical processors CPUID reports (leaf 0xB, else leaf 1). */
unsigned int smp_cpus_reported(void);
void smp_boot(unsigned int n, unsigned int flags);
/* Run fn(arg) on `cpu` (at once if it is this CPU); smp_call() only posts it. One
 * caller at a time per target CPU. On a timeout (timeout_us, 0: 5 seconds) they
 * fail() the test and return false. */
bool smp_call(unsigned int cpu, void (*fn)(void *), void *arg);
bool smp_wait(unsigned int cpu, uint64_t timeout_us);
bool smp_run(unsigned int cpu, void (*fn)(void *), void *arg, uint64_t timeout_us);
/* On every online CPU, this one included (last), then wait for all. */
bool smp_run_all(void (*fn)(void *), void *arg, uint64_t timeout_us);

/* ---- time (time.c) ---- */

/*
 * The time base is the TSC, calibrated once by time_init() against the first clock
 * that works of: the ACPI PM timer, the HPET, the PIT's channel 2, the local APIC
 * timer (at its nominal PLATFORM_APIC_TIMER_HZ). A test that measures one of these
 * calibrates against another with tsc_calibrate(). Every wait has a timeout.
 */
enum clock_source { CLOCK_PMTIMER, CLOCK_HPET, CLOCK_PIT, CLOCK_LAPIC, CLOCK_NONE };
extern uint64_t tsc_hz;                 /* 0 until time_init() */
extern enum clock_source tsc_source;    /* what it was calibrated against */
const char *clock_name(enum clock_source src);
/* Calibrate (prints one line). False if no clock works: tsc_hz is then a guess of
 * 2 GHz, good enough for timeouts only. */
bool time_init(void);
/* The TSC's rate measured against `src` over about `ms` milliseconds: 0 if that
 * clock does not work. Does not change tsc_hz. */
uint64_t tsc_calibrate(enum clock_source src, unsigned int ms);

uint64_t us_to_tsc(uint64_t us);
uint64_t tsc_to_us(uint64_t tsc);
void udelay(uint64_t us);
#define mdelay(ms) udelay((uint64_t)(ms) * 1000)

/*
 * How long to wait for an interrupt that should come at once (an IPI, an MSI, a line
 * just raised) before calling it lost. Delivery takes microseconds, but emulated CPUs
 * are host threads: on a loaded 2-core host one can go unscheduled for a few hundred
 * milliseconds (seen: 0.8 s). A lost interrupt never comes, so a long wait misses
 * none, and a delivered one ends the wait at once. Not for rates or deadlines.
 */
#define ARRIVAL_TIMEOUT_US 5000000u

/* Wait until `cond` holds, or `timeout_us` passes: the value of `cond` at the end. */
#define wait_for(cond, timeout_us) ({                                   \
        uint64_t wait_end_ = rdtsc() + us_to_tsc(timeout_us);           \
        bool wait_ok_;                                                  \
        while (!(wait_ok_ = (cond)) && rdtsc() < wait_end_)             \
            cpu_relax();                                                \
        wait_ok_;                                                       \
    })

/*
 * Rates. A rate is in milli-hertz (mHz), so that 1000.150 Hz is exact enough;
 * print_mhz() formats one as "1000.150 Hz" into buf.
 */
const char *print_mhz(char *buf, size_t size, uint64_t mhz);
/*
 * Check that `measured` is within [expected * (100 - below) / 100, expected * (100 +
 * above) / 100] (all in mHz): prints a line with both and the deviation, and fails
 * the check otherwise. Returns whether it held.
 */
bool check_rate(const char *what, uint64_t measured, uint64_t expected,
                unsigned int below_pct, unsigned int above_pct);

/*
 * An interrupt's rate. Its handler calls tick() with a tick_log of its own, which
 * counts the interrupts and logs the TSC interval between each and the one before.
 *
 * On an emulator whose host is busy, interrupts go missing (the guest was not running
 * when a tick came, and the controller held one request for several ticks) or come
 * in bursts (a timer catching up), but most arrive one period apart. So the rate is
 * taken from the typical interval: the median of those within half a period of the
 * expected one. check_irq_rate() requires it within `tol_pct` of the expected rate,
 * at least a tenth of the intervals near it (a device at another rate has few), and
 * the count over the whole time at most 10% above the expected rate (lost ticks are
 * the host's doing; extra ones are the device's) and at least 10% of it. Under Petrel
 * (running_on_petrel()), whose delivery of the ticks is what is tested, it requires
 * more: at least 75% of the intervals near the period, and the count at most 25% low,
 * in one of up to three measurements (a loaded host spoils one now and then).
 */
#define TICK_LOG_SIZE 512

struct tick_log {
    volatile unsigned long count;       /* interrupts */
    volatile uint64_t last_tsc;         /* the TSC at the latest */
    volatile unsigned int n;            /* intervals logged */
    volatile bool logging;
    volatile uint32_t interval[TICK_LOG_SIZE];  /* TSC cycles (saturated) */
};

static inline void tick(struct tick_log *l)
{
    uint64_t now = rdtsc(), d = now - l->last_tsc;

    if (l->logging && l->count && l->n < TICK_LOG_SIZE)
        l->interval[l->n++] = d > 0xffffffffu ? 0xffffffffu : (uint32_t)d;
    l->last_tsc = now;
    l->count++;
}

struct irq_rate {
    uint64_t typical_mhz;               /* from the median interval near the period */
    uint64_t overall_mhz;               /* interrupts counted over the whole time */
    unsigned int intervals, near, shorter, longer;
    unsigned long interrupts;
    uint64_t tsc;                       /* the whole time */
};

/* Log `intervals` intervals (interrupts on, and left on): false (and a failed check)
 * if none come for 500 ms, or they take more than 10 times as long as they should. */
bool measure_irq_rate(const char *what, struct tick_log *l, uint64_t expected_mhz,
                      unsigned int intervals, struct irq_rate *r);
/* Measure, print, check as described above. */
bool check_irq_rate(const char *what, struct tick_log *l, uint64_t expected_mhz,
                    unsigned int intervals, unsigned int tol_pct);

/* True if *count (an interrupt handler's) does not change for `ms` milliseconds. */
bool quiet_for(volatile unsigned long *count, unsigned int ms);

/* ---- the test device (petrel_test.h) ---- */

/*
 * A pointer to physical address `addr` (identity-mapped in every mode), hidden from
 * the optimiser: gcc -m16 would otherwise fold a constant address into an absolute
 * memory operand, which the assembler encodes in 16 bits (the build makes that
 * truncation an error). Through a register, real-mode code reaches all 4 GiB.
 */
static inline volatile void *phys_ptr(unsigned long addr)
{
    asm("" : "+r"(addr));
    return (volatile void *)addr;
}
static inline uint32_t mmio_read32(unsigned long addr)
{
    return *(volatile uint32_t *)phys_ptr(addr);
}
static inline void mmio_write32(unsigned long addr, uint32_t v)
{
    *(volatile uint32_t *)phys_ptr(addr) = v;
}

/* True when the ID register reads TESTDEV_ID_VALUE. */
bool testdev_mmio_present(void);
/* True when the scratch port reads back what was written. */
bool testdev_ports_present(void);

/* Registers of the test device's MMIO page, by their offset in it. */
static inline uint32_t testdev_read32(unsigned int reg)
{
    return mmio_read32(TESTDEV_MMIO_BASE + reg);
}
static inline void testdev_write32(unsigned int reg, uint32_t v)
{
    mmio_write32(TESTDEV_MMIO_BASE + reg, v);
}

/* A Petrel domain: CPUID 0x40000000 says "XenVMMXenVMM". */
bool running_on_petrel(void);

/*
 * For a feature every Petrel domain has (x2APIC, TSC-deadline, the IO-APIC's EOI
 * register, the HPET, ...): a test that only printed "not offered" would pass with
 * it gone. Returns `have`; when it is false, fails the test under Petrel, and on
 * other platforms, where the feature is optional, prints that `what` is not there.
 */
bool need_on_petrel(bool have, const char *what);

#endif /* GUEST_FRAMEWORK_H */
