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
#else
#define PRIx64 "llx"
#define PRIu64 "llu"
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

/* A Petrel domain: CPUID 0x40000000 says "XenVMMXenVMM". */
bool running_on_petrel(void);

#endif /* GUEST_FRAMEWORK_H */
