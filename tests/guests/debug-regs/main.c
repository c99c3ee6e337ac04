/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * debug-regs: the debug architecture as a guest sees it (Intel SDM vol. 3B, chapter
 * "Debug, Branch Profile, TSC, and Intel Resource Director Technology Features",
 * 18.2-18.3; AMD APM vol. 2, chapter 13 "Software Debug and Performance Resources").
 *
 *   DR6, DR7      the architectural values of their reserved bits: DR6 written 0 reads
 *                 0xffff0ff0, DR7 written 0 reads 0x400
 *   single-step   EFLAGS.TF: #DB after one instruction, RIP at the next, DR6.BS, TF in
 *                 the pushed flags; for an ordinary instruction and for three that a
 *                 hypervisor typically completes for the guest (CPUID, IN, a load
 *                 from the local APIC's MMIO page)
 *   DR0           instruction breakpoint: #DB before the instruction with DR6.B0;
 *                 RF set in the handler's frame lets the instruction run, and RF
 *                 lasts for that one instruction only (the next time it breaks
 *                 again); breakpoints on two instructions in a row, the first a
 *                 CPUID, both fire (RF cleared when CPUID completes)
 *   DR1           data write breakpoint (R/W=01, LEN=11: 4 bytes): #DB after the
 *                 write with DR6.B1, not for reads nor for the next dword, and for a
 *                 byte write inside the range
 *   sticky DR6    BS from an earlier single-step is still set at the next #DB (the
 *                 CPU never clears BD, BS, BT: software does)
 *   DR4/DR5       with CR4.DE=0 they are DR6/DR7; with CR4.DE=1, #UD
 *   64-bit        writing a 1 to bits 63:32 of DR6 or DR7: #GP
 *   INT1          (ICEBP, 0xf1): #DB, trap-like (RIP after it), no DR6 condition bit
 *
 * Real mode: the IVT's 16-bit frame has no RF (bit 16), so the instruction breakpoint's
 * handler disables the breakpoint in DR7 instead of setting RF there, and the "RF
 * lasts one instruction" checks are for the protected modes.
 */
#include "framework.h"
#include <arch-x86/platform.h>

#define DR6_B(n)        (1u << (n))
#define DR6_BD          (1u << 13)
#define DR6_BS          (1u << 14)
#define DR6_BT          (1u << 15)
#define DR6_CONDITIONS  (0xfu | DR6_BD | DR6_BS | DR6_BT)
#define DR6_RESET       0xffff0ff0ul
#define DR7_RESET       0x400ul
#define DR7_L(n)        (1ul << (2 * (n)))
#define DR7_LE          (1ul << 8)
#define DR7_RW(n, rw)   ((unsigned long)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, len) ((unsigned long)(len) << (18 + 4 * (n)))
#define DR7_RW_INSN     0
#define DR7_RW_WRITE    1
#define DR7_LEN_4       3

#define X86_FLAGS_TF    (1u << 8)
#define X86_FLAGS_RF    (1u << 16)
#define X86_CR4_DE      (1u << 3)

#define read_dr(n) ({                                                       \
        unsigned long v_;                                                   \
        asm volatile("mov %%dr" #n ", %0" : "=r"(v_));                      \
        v_;                                                                 \
    })
#define write_dr(n, v)                                                      \
    asm volatile("mov %0, %%dr" #n :: "r"((unsigned long)(v)) : "memory")

#ifdef MODE_64
#define PUSHF "pushfq"
#define POPF  "popfq"
#define OR_SP "orq"
#else
#define PUSHF "pushfl"
#define POPF  "popfl"
#define OR_SP "orl"
#endif

/* ---- the #DB handler ---- */

#define DB_LOG 4

struct db_event {
    unsigned long ip, dr6, flags;
    unsigned long runs;             /* bp_runs when it came (breakpoints) */
};

/* What the handler does besides logging: it always clears TF in the frame. */
#define DB_SET_RF       (1u << 0)   /* protected modes: resume past an insn breakpoint */
#define DB_DISABLE_BP0  (1u << 1)   /* real mode: the same by clearing DR7.L0 */

static volatile unsigned int db_count, db_action;
static volatile struct db_event db_log[DB_LOG];
static volatile unsigned long bp_runs;

static void db_handler(struct trap_frame *f)
{
    unsigned int n = db_count++;

    if (n < DB_LOG) {
        db_log[n].ip = f->ip;
        db_log[n].dr6 = read_dr(6);
        db_log[n].flags = f->flags;
        db_log[n].runs = bp_runs;
    }
    f->flags &= ~X86_FLAGS_TF;
#ifndef MODE_REAL
    if (db_action & DB_SET_RF)
        f->flags |= X86_FLAGS_RF;
#endif
    if (db_action & DB_DISABLE_BP0)
        write_dr(7, read_dr(7) & ~DR7_L(0));
}

static void db_reset(unsigned int action)
{
    db_count = 0;
    db_action = action;
    for (unsigned int i = 0; i < DB_LOG; i++)
        db_log[i].ip = db_log[i].dr6 = db_log[i].flags = db_log[i].runs = 0;
}

/* Exactly `n` #DBs came since db_reset(). */
static bool expect_db(const char *what, unsigned int n)
{
    if (db_count != n) {
        fail("%s: %u #DB, expected %u", what, db_count, n);
        return false;
    }
    return true;
}

/* The i-th (from 0) came at `ip`, with `dr6_bits` set in DR6. */
static bool expect_event(const char *what, unsigned int i, unsigned long ip,
                         unsigned long dr6_bits)
{
    bool ok = true;

    if (db_log[i].ip != ip) {
        fail("%s: #DB %u at ip %#lx, expected %#lx", what, i + 1, db_log[i].ip, ip);
        ok = false;
    }
    if ((db_log[i].dr6 & dr6_bits) != dr6_bits) {
        fail("%s: #DB %u: DR6 %#lx lacks %#lx", what, i + 1, db_log[i].dr6, dr6_bits);
        ok = false;
    }
    return ok;
}

/* ---- DR6 and DR7 reserved bits ---- */

static void test_reset_values(void)
{
    unsigned long v;

    write_dr(6, 0);
    v = read_dr(6);
    check(v == DR6_RESET, "DR6 written 0 reads %#lx, expected %#lx", v, DR6_RESET);
    write_dr(6, DR6_BS | DR6_B(0));
    v = read_dr(6);
    check(v == (DR6_RESET | DR6_BS | DR6_B(0)), "DR6 written %#x reads %#lx",
          DR6_BS | DR6_B(0), v);
    write_dr(6, 0);
    write_dr(7, 0);
    v = read_dr(7);
    check(v == DR7_RESET, "DR7 written 0 reads %#lx, expected %#lx", v, DR7_RESET);
    printf("  DR6 and DR7 written 0 read %#lx and %#lx\n", read_dr(6), v);
}

/* ---- single-step ---- */

/*
 * Set TF with POPF and run `insn`: the trap comes after it (POPF's own completion
 * does not trap, TF being clear when it began), at the label `after` names.
 */
#define SINGLE_STEP(after, insn, ...)                                       \
    asm volatile(PUSHF "\n\t"                                               \
                 OR_SP " $0x100, (%%" SP_REG ")\n\t"                        \
                 POPF "\n\t"                                                \
                 insn "\n\t"                                                \
                 "1: mov $1b, %[after]\n\t"                                 \
                 : [after] "=r"(after) __VA_ARGS__)

static void check_step(const char *what, unsigned long after)
{
    if (!expect_db(what, 1))
        return;
    if (!expect_event(what, 0, after, DR6_BS))
        return;
    check(db_log[0].flags & X86_FLAGS_TF, "%s: TF clear in the pushed flags %#lx", what,
          db_log[0].flags);
    printf("  single-step %-28s #DB at %#lx, DR6 %#lx: ok\n", what, after, db_log[0].dr6);
}

static void test_single_step(void)
{
    unsigned long after;
    uint32_t a, b, c, d;
    uint8_t al;

    db_reset(0);
    write_dr(6, 0);
    a = 0;
    SINGLE_STEP(after, "addl $1, %[x]", , [x] "+r"(a) : : "cc");
    check_step("over ADD", after);

    db_reset(0);
    write_dr(6, 0);
    a = 0;
    c = 0;
    SINGLE_STEP(after, "cpuid", , "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
    check_step("over CPUID", after);

    db_reset(0);
    write_dr(6, 0);
    SINGLE_STEP(after, "inb $0x61, %[al]", , [al] "=a"(al) : : "memory");
    check_step("over IN from port 0x61", after);

    db_reset(0);
    write_dr(6, 0);
    SINGLE_STEP(after, "movl (%[p]), %[v]", , [v] "=r"(a)
                : [p] "r"(phys_ptr(PLATFORM_LAPIC_BASE + 0x30)) : "memory");
    check_step("over a local APIC load", after);
    (void)b, (void)d, (void)al;
}

/* ---- instruction breakpoints (DR0) ---- */

/* The instruction a breakpoint is put on: it counts its own executions. A global
 * label in a function that is never inlined or cloned, so it exists once. */
extern const char bp_insn[], bp_cpuid[], bp_after_cpuid[];

__attribute__((noinline, noclone)) static void run_bp_insn(void)
{
    asm volatile(".globl bp_insn\n\t"
                 "bp_insn: incl %0" : "+m"(bp_runs) :: "memory");
}

#ifndef MODE_REAL
__attribute__((noinline, noclone)) static void run_bp_cpuid(void)
{
    uint32_t a = 0, b, c = 0, d;

    asm volatile(".globl bp_cpuid, bp_after_cpuid\n\t"
                 "bp_cpuid: cpuid\n\t"
                 "bp_after_cpuid: incl %[runs]"
                 : "+a"(a), "=b"(b), "+c"(c), "=d"(d), [runs] "+m"(bp_runs) :: "memory");
}
#endif

static void test_insn_breakpoint(void)
{
    const char *what = "DR0 instruction breakpoint";
    unsigned long target = (unsigned long)bp_insn;

    bp_runs = 0;
#ifdef MODE_REAL
    db_reset(DB_DISABLE_BP0);
#else
    db_reset(DB_SET_RF);
#endif
    write_dr(6, 0);
    write_dr(0, target);
    write_dr(7, DR7_RESET | DR7_L(0) | DR7_RW(0, DR7_RW_INSN) | DR7_LEN(0, 0));
    run_bp_insn();
    if (expect_db(what, 1) && expect_event(what, 0, target, DR6_B(0))) {
        check(db_log[0].runs == 0, "%s: the instruction ran before the #DB", what);
        check(bp_runs == 1, "%s: the instruction ran %lu times after the handler", what,
              bp_runs);
        printf("  %-40s #DB before it at %#lx, DR6 %#lx: ok\n", what, target,
               db_log[0].dr6);
    }
#ifndef MODE_REAL
    /* RF covered that one instruction: the next time, the breakpoint fires again. */
    run_bp_insn();
    if (expect_db("DR0 breakpoint, second run", 2) &&
        expect_event("DR0 breakpoint, second run", 1, target, DR6_B(0)))
        printf("  %-40s fires again: RF lasted one instruction: ok\n", "second run");

    /* Breakpoints on CPUID and on the instruction after it: RF, set to resume at
     * CPUID, must not outlive CPUID, whoever completes it. */
    what = "DR0 on CPUID, DR1 after it";
    db_reset(DB_SET_RF);
    write_dr(6, 0);
    write_dr(0, (unsigned long)bp_cpuid);
    write_dr(1, (unsigned long)bp_after_cpuid);
    write_dr(7, DR7_RESET | DR7_L(0) | DR7_L(1));
    run_bp_cpuid();
    if (expect_db(what, 2) &&
        expect_event(what, 0, (unsigned long)bp_cpuid, DR6_B(0)) &&
        expect_event(what, 1, (unsigned long)bp_after_cpuid, DR6_B(1)))
        printf("  %-40s both fire: ok\n", what);
#endif
    write_dr(7, DR7_RESET);
    write_dr(0, 0);
    write_dr(1, 0);
    write_dr(6, 0);
}

/* ---- data breakpoints (DR1) and DR6's sticky bits ---- */

static volatile struct {
    uint32_t before, watched, after;
} data __aligned(16);

static void test_data_breakpoint(void)
{
    const char *what = "DR1 data write breakpoint";
    unsigned long after;
    uint32_t v;

    db_reset(0);
    write_dr(6, 0);
    /* First a single-step, which sets DR6.BS: nothing but software clears it. */
    SINGLE_STEP(after, "nop", : : "memory");
    write_dr(1, (unsigned long)&data.watched);
    write_dr(7, DR7_RESET | DR7_LE | DR7_L(1) | DR7_RW(1, DR7_RW_WRITE) |
                DR7_LEN(1, DR7_LEN_4));

    v = data.watched;                       /* a read: no #DB */
    data.after = 0x1111;                    /* the next dword: no #DB */
    data.before = 0x2222;                   /* the dword before: no #DB */
    if (!expect_db("reads and neighbours of the watched dword", 1))
        goto out;

    asm volatile("movl %[v], %[m]\n\t"
                 "1: mov $1b, %[after]\n\t"
                 : [after] "=r"(after), [m] "=m"(data.watched)
                 : [v] "r"(0x5eed) : "memory");
    if (expect_db(what, 2) && expect_event(what, 1, after, DR6_B(1))) {
        check(data.watched == 0x5eed, "%s: the write did not happen (%#x)", what,
              data.watched);
        check(db_log[1].dr6 & DR6_BS, "DR6.BS, set by a single-step before, was cleared "
              "by the data breakpoint's #DB (DR6 %#lx): BS is sticky", db_log[1].dr6);
        printf("  %-40s #DB after the write at %#lx, DR6 %#lx (BS kept): ok\n", what,
               after, db_log[1].dr6);
    }

    /* A byte inside the 4-byte range. */
    asm volatile("movb $0x77, %[m]\n\t"
                 "1: mov $1b, %[after]\n\t"
                 : [after] "=r"(after), [m] "=m"(*((volatile uint8_t *)&data.watched + 3))
                 :: "memory");
    if (expect_db("byte write inside the range", 3))
        expect_event("byte write inside the range", 2, after, DR6_B(1));

    /* Software clears DR6: it reads its reset value again. */
    write_dr(6, 0);
    check(read_dr(6) == DR6_RESET, "DR6 reads %#lx after being written 0", read_dr(6));
out:
    (void)v;
    write_dr(7, DR7_RESET);
    write_dr(1, 0);
    write_dr(6, 0);
}

/* ---- DR4 and DR5 ---- */

static void test_dr4_dr5(void)
{
    unsigned long cr4 = read_cr4(), v4, v5;
    int ud_read, ud_write;

    write_cr4(cr4 & ~X86_CR4_DE);
    write_dr(6, DR6_B(2));
    write_dr(7, DR7_RESET | DR7_LE);
    asm volatile("mov %%dr4, %0" : "=r"(v4));
    asm volatile("mov %%dr5, %0" : "=r"(v5));
    check(v4 == (DR6_RESET | DR6_B(2)), "CR4.DE=0: DR4 reads %#lx, not DR6 (%#lx)", v4,
          DR6_RESET | DR6_B(2));
    check(v5 == (DR7_RESET | DR7_LE), "CR4.DE=0: DR5 reads %#lx, not DR7 (%#lx)", v5,
          DR7_RESET | DR7_LE);
    asm volatile("mov %0, %%dr4" :: "r"((unsigned long)DR6_B(3)));
    asm volatile("mov %0, %%dr5" :: "r"((unsigned long)DR7_RESET));
    v4 = read_dr(6);
    v5 = read_dr(7);
    check(v4 == (DR6_RESET | DR6_B(3)), "CR4.DE=0: DR4 written, DR6 reads %#lx", v4);
    check(v5 == DR7_RESET, "CR4.DE=0: DR5 written, DR7 reads %#lx", v5);
    printf("  CR4.DE=0: DR4 and DR5 are DR6 and DR7\n");

    write_cr4(cr4 | X86_CR4_DE);
    fault_clear();
    asm volatile("1: mov %%dr4, %0\n\t"
                 "2:\n\t"
                 ASM_EXTABLE(1b, 2b)
                 : "=r"(v4) :: "memory");
    ud_read = last_fault.vector;
    fault_clear();
    asm volatile("1: mov %0, %%dr5\n\t"
                 "2:\n\t"
                 ASM_EXTABLE(1b, 2b)
                 :: "r"(0ul) : "memory");
    ud_write = last_fault.vector;
    write_cr4(cr4);
    check(ud_read == X86_EXC_UD, "CR4.DE=1: MOV from DR4 gave %s, expected #UD",
          ud_read == NO_FAULT ? "no exception" : vector_name(ud_read));
    check(ud_write == X86_EXC_UD, "CR4.DE=1: MOV to DR5 gave %s, expected #UD",
          ud_write == NO_FAULT ? "no exception" : vector_name(ud_write));
    if (ud_read == X86_EXC_UD && ud_write == X86_EXC_UD)
        printf("  CR4.DE=1: MOV from DR4 and to DR5 raise #UD: ok\n");
    write_dr(6, 0);
    write_dr(7, DR7_RESET);
}

#ifdef MODE_64
/* ---- bits 63:32 of DR6 and DR7 ---- */

static void test_high_bits(void)
{
    static const struct {
        const char *name;
        int dr;
    } regs[] = { { "DR6", 6 }, { "DR7", 7 } };

    for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++) {
        unsigned long val = (1ul << 32) | (regs[i].dr == 6 ? DR6_RESET : DR7_RESET);

        fault_clear();
        if (regs[i].dr == 6)
            asm volatile("1: mov %0, %%dr6\n\t2:\n\t" ASM_EXTABLE(1b, 2b)
                         :: "r"(val) : "memory");
        else
            asm volatile("1: mov %0, %%dr7\n\t2:\n\t" ASM_EXTABLE(1b, 2b)
                         :: "r"(val) : "memory");
        if (last_fault.vector != X86_EXC_GP) {
            fail("MOV to %s of %#lx gave %s, expected #GP", regs[i].name, val,
                 last_fault.vector == NO_FAULT ? "no exception"
                                              : vector_name(last_fault.vector));
            write_dr(6, 0);
            write_dr(7, DR7_RESET);
            continue;
        }
        printf("  MOV to %s with bit 32 set: #GP: ok\n", regs[i].name);
    }
    check(read_dr(6) == DR6_RESET && read_dr(7) == DR7_RESET,
          "DR6/DR7 changed by refused writes: %#lx, %#lx", read_dr(6), read_dr(7));
}
#endif

/* ---- INT1 ---- */

/*
 * QEMU 7.2's TCG, the AMD test platform (PLATFORM.md), compiles ICEBP out of its
 * translator (it is under #ifdef WANT_ICEBP): 0xf1 raises #UD there, with or without
 * Petrel in between, whose SVM backend does not intercept it. QEMU's CPU model names
 * itself "AMD EPYC Processor" (a real EPYC's brand string has its model number): only
 * there is #UD reported instead of failed.
 */
static bool qemu_epyc_model(void)
{
    static const char name[] = "AMD EPYC Processor";
    char brand[49];

    if (cpuid(0x80000000).a < 0x80000004)
        return false;
    for (unsigned int i = 0; i < 3; i++) {
        struct cpuid r = cpuid(0x80000002 + i);
        memcpy(brand + 16 * i, &r, 16);
    }
    brand[48] = '\0';
    for (unsigned int n = strlen(brand); n && brand[n - 1] == ' '; n--)
        brand[n - 1] = '\0';
    return strcmp(brand, name) == 0;
}

static void test_icebp(void)
{
    const char *what = "INT1 (ICEBP)";
    unsigned long after;

    db_reset(0);
    write_dr(6, 0);
    fault_clear();
    asm volatile("1: .byte 0xf1\n\t"
                 "2: mov $2b, %0\n\t"
                 ASM_EXTABLE(1b, 2b)
                 : "=r"(after) :: "memory");
    if (last_fault.vector == X86_EXC_UD && qemu_epyc_model()) {
        printf("  %-40s #UD: QEMU 7.2's TCG does not implement ICEBP (PLATFORM.md); "
               "not tested on this CPU\n", what);
        return;
    }
    if (last_fault.vector != NO_FAULT) {
        fail("%s: %s instead of #DB", what, vector_name(last_fault.vector));
        return;
    }
    if (!expect_db(what, 1) || !expect_event(what, 0, after, 0))
        return;
    check(!(db_log[0].dr6 & DR6_CONDITIONS), "%s: DR6 %#lx has a condition bit set", what,
          db_log[0].dr6);
    printf("  %-40s #DB after it at %#lx, DR6 %#lx: ok\n", what, after, db_log[0].dr6);
}

void test_main(void)
{
    set_trap_handler(X86_EXC_DB, db_handler);
    test_reset_values();
    test_single_step();
    test_insn_breakpoint();
    test_data_breakpoint();
    test_dr4_dr5();
#ifdef MODE_64
    test_high_bits();
#endif
    test_icebp();
    set_trap_handler(X86_EXC_DB, NULL);
}
