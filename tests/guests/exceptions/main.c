/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * exceptions: the guest's exceptions reach its own handlers with the right vector,
 * error code and instruction pointer (and CR2 for page faults), and execution resumes
 * where the handler says. Under a hypervisor this checks that exceptions the guest
 * causes are delivered to the guest, not swallowed or reflected wrongly.
 *
 *   all modes        #UD (ud2), #DE (divide by zero), #BP (int3), INT n, both
 *                    through the exception table and through a handler that edits
 *                    the saved registers; in real mode through the IVT
 *   protected modes  #GP: loading a selector beyond the GDT limit, loading SS with a
 *                    read-only data segment; 64-bit: a non-canonical address. (Not a
 *                    write through a read-only segment: QEMU's TCG, the test
 *                    platform, does not check data segment permissions on access.)
 *   PAE and 64-bit   #PF: not present (read and write), write to read-only with
 *                    CR0.WP, with the error code and CR2; and no fault with CR0.WP=0
 */
#include "framework.h"

/*
 * Run `insn` with a recovery point: `at` gets the instruction's address, `mark` ends
 * as 2 when the fault resumed at the recovery point (the instruction after `insn`,
 * which sets bit 0, was skipped), 3 when nothing faulted.
 */
#define FAULT_PROBE(at, mark, insn, ...)                                                   \
    asm volatile("mov $1f, %[at]\n\t"                                                      \
                 "mov $0, %[mark]\n\t"                                                     \
                 "1: " insn "\n\t"                                                         \
                 "or $1, %[mark]\n\t"                                                      \
                 "2: or $2, %[mark]\n\t"                                                   \
                 ASM_EXTABLE(1b, 2b)                                                       \
                 : [at] "=&r"(at), [mark] "=&r"(mark) __VA_ARGS__)

static void expect_fault(const char *what, int vector, uint32_t error_code,
                         unsigned long ip, unsigned long mark)
{
    if (last_fault.vector != vector) {
        fail("%s: expected %s, got %s", what, vector_name(vector),
             last_fault.vector == NO_FAULT ? "no exception" : vector_name(last_fault.vector));
        return;
    }
    check(last_fault.ip == ip, "%s: %s at ip %#lx, expected %#lx", what,
          vector_name(vector), last_fault.ip, ip);
    check(last_fault.error_code == error_code, "%s: error code %#x, expected %#x", what,
          last_fault.error_code, error_code);
    check(mark == 2, "%s: did not resume at the recovery point (mark %lu)", what, mark);
    printf("  %-40s %s, error code %#x: ok\n", what, vector_name(vector), error_code);
}

static void test_ud_de(void)
{
    unsigned long at, mark;

    fault_clear();
    FAULT_PROBE(at, mark, "ud2", : : "memory");
    expect_fault("ud2", X86_EXC_UD, 0, at, mark);

    fault_clear();
    FAULT_PROBE(at, mark, "divl %%ecx", : "a"(1), "d"(0), "c"(0) : "memory");
    expect_fault("div by zero", X86_EXC_DE, 0, at, mark);

    /* The quotient does not fit: also #DE. */
    fault_clear();
    FAULT_PROBE(at, mark, "divl %%ecx", : "a"(0), "d"(2), "c"(1) : "memory");
    expect_fault("div overflow", X86_EXC_DE, 0, at, mark);
}

/* Traps report the address after the instruction: there is nothing to skip. */
static void test_traps(void)
{
    unsigned long after;

    fault_clear();
    asm volatile("int3\n\t"
                 "1: mov $1b, %0\n\t"
                 ASM_EXTABLE(1b, 1b)
                 : "=r"(after) :: "memory");
    expect_fault("int3", X86_EXC_BP, 0, after, 2);

    fault_clear();
    asm volatile("int $0x41\n\t"
                 "1: mov $1b, %0\n\t"
                 ASM_EXTABLE(1b, 1b)
                 : "=r"(after) :: "memory");
    expect_fault("int $0x41", 0x41, 0, after, 2);
}

/* A handler that checks its frame and changes a saved register. */
static volatile unsigned long handler_ip, handler_vector, handler_calls;

static void int42_handler(struct trap_frame *f)
{
    handler_calls++;
    handler_vector = f->vector;
    handler_ip = f->ip;
#ifdef MODE_64
    f->rax = 0x600d;
#else
    f->eax = 0x600d;
#endif
}

static void test_handler(void)
{
    unsigned long after, ax = 0;

    set_trap_handler(0x42, int42_handler);
    asm volatile("int $0x42\n\t"
                 "1: mov $1b, %1\n\t"
                 : "+a"(ax), "=r"(after) :: "memory");
    set_trap_handler(0x42, NULL);
    check(handler_calls == 1, "int $0x42: the handler ran %lu times", handler_calls);
    check(handler_vector == 0x42, "int $0x42: the handler saw vector %#lx", handler_vector);
    check(handler_ip == after, "int $0x42: the handler saw ip %#lx, expected %#lx",
          handler_ip, after);
    check(ax == 0x600d, "int $0x42: the handler's change to EAX did not stick (%#lx)", ax);
    printf("  %-40s handler saw its frame: ok\n", "int $0x42");
}

#ifdef MODE_PROTECTED
/* A read-only data segment (type 1: data, read-only, accessed) in a free GDT slot. */
#define SEL_RODATA (GDT_FREE * 8)

static void test_gp(void)
{
    unsigned long at, mark;

    gdt[GDT_FREE] = 0x00cf91000000ffffull;

    /* A selector beyond the GDT's limit: #GP with the selector as error code. */
    fault_clear();
    FAULT_PROBE(at, mark, "mov %%ax, %%fs", : "a"(0xfff8) : "memory");
    expect_fault("load FS beyond the GDT limit", X86_EXC_GP, 0xfff8, at, mark);

    /* SS must be a writable data segment. */
    fault_clear();
    FAULT_PROBE(at, mark, "mov %%ax, %%ss", : "a"(SEL_RODATA) : "memory");
    expect_fault("load SS with a read-only segment", X86_EXC_GP, SEL_RODATA, at, mark);

#ifdef MODE_64
    /* Bits 63:47 must all equal bit 47. */
    fault_clear();
    FAULT_PROBE(at, mark, "mov (%%rbx), %%rcx",
                : "b"(0x8000000000000000ull) : "rcx", "memory");
    expect_fault("non-canonical load", X86_EXC_GP, 0, at, mark);
#endif
    gdt[GDT_FREE] = 0;
}
#endif

#ifdef MODE_PAGING
/*
 * Page faults on the 2 MiB page at 4 MiB (RAM in any domain of 8 MiB or more, unused
 * by the kernel), made not-present or read-only in the identity map. CR2 is the exact
 * faulting address, not the page's.
 */
#define PF_PAGE   0x400000ul
#define PF_ADDR   (PF_PAGE + 0x1238)

static void set_pde(uint64_t *pde, uint64_t val)
{
    *pde = val;
    invlpg((void *)PF_ADDR);
}

static void test_pf(void)
{
    uint64_t *pde = pde_of(PF_PAGE), saved = *pde;
    volatile uint32_t *p = phys_ptr(PF_ADDR);
    unsigned long at, mark;
    uint32_t v = 0;

    set_pde(pde, saved & ~PTE_P);
    fault_clear();
    FAULT_PROBE(at, mark, "movl (%[p]), %%ecx", : [p] "r"(p) : "ecx", "memory");
    expect_fault("read, not present", X86_EXC_PF, 0, at, mark);
    check(last_fault.cr2 == PF_ADDR, "read, not present: CR2 %#lx, expected %#lx",
          last_fault.cr2, PF_ADDR);
    fault_clear();
    FAULT_PROBE(at, mark, "movl $1, (%[p])", : [p] "r"(p) : "memory");
    expect_fault("write, not present", X86_EXC_PF, PFEC_WRITE, at, mark);
    check(last_fault.cr2 == PF_ADDR, "write, not present: CR2 %#lx", last_fault.cr2);

    /* Read-only. CR0.WP (set by the start-up code) makes it so for the kernel too. */
    set_pde(pde, saved & ~PTE_RW);
    check(read_cr0() & X86_CR0_WP, "CR0.WP is clear");
    fault_clear();
    FAULT_PROBE(at, mark, "movl (%[p]), %%ecx", : [p] "r"(p) : "ecx", "memory");
    check(last_fault.vector == NO_FAULT, "read of a read-only page faulted (%s)",
          vector_name(last_fault.vector));
    FAULT_PROBE(at, mark, "movl $1, (%[p])", : [p] "r"(p) : "memory");
    expect_fault("write, read-only, CR0.WP=1", X86_EXC_PF, PFEC_PRESENT | PFEC_WRITE,
                 at, mark);
    check(last_fault.cr2 == PF_ADDR, "write, read-only: CR2 %#lx", last_fault.cr2);

    /* Without WP, the kernel may write to read-only pages. */
    write_cr0(read_cr0() & ~X86_CR0_WP);
    fault_clear();
    FAULT_PROBE(at, mark, "movl $0x5eed, (%[p])", : [p] "r"(p) : "memory");
    write_cr0(read_cr0() | X86_CR0_WP);
    check(last_fault.vector == NO_FAULT, "write, read-only, CR0.WP=0: %s",
          vector_name(last_fault.vector));
    set_pde(pde, saved);
    v = *p;
    check(v == 0x5eed, "write, read-only, CR0.WP=0: memory holds %#x", v);
    if (last_fault.vector == NO_FAULT && v == 0x5eed)
        printf("  %-40s no fault: ok\n", "write, read-only, CR0.WP=0");
}
#endif

void test_main(void)
{
    test_ud_de();
    test_traps();
    test_handler();
#ifdef MODE_PROTECTED
    test_gp();
#endif
#ifdef MODE_PAGING
    test_pf();
#endif
}
