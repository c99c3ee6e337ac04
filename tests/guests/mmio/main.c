/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mmio: every form of instruction that can touch memory, run against the test
 * device's MMIO page, where the hypervisor must decode and emulate it, and against
 * an ordinary RAM buffer, where the CPU runs it itself. The CPU's answer is the
 * oracle: registers, arithmetic flags and memory afterwards must be the same.
 *
 * A form is one instruction (or a short sequence around one) written against fixed
 * registers: RAX, RBX, RCX hold values, RSI and RDI point into the memory under test
 * (M: the device's 256-byte buffer or its 8-byte scratch register, or the RAM
 * buffer) and an auxiliary RAM buffer (A), and RDX carries RFLAGS in and out. Each
 * form runs twice, with all arithmetic flags clear and all set, so that flags an
 * instruction must leave alone are checked too, and flags it leaves undefined are
 * masked out.
 *
 * The forms: MOV in every shape (register, immediate, moffs A0-A3, high-byte
 * registers, SIB addressing), MOVZX/MOVSX, MOVS/STOS/LODS/CMPS/SCAS with and without
 * REP and with DF set, MMIO to RAM, RAM to MMIO and MMIO to MMIO, the ALU operations
 * with memory operands, INC/DEC/NEG/NOT, XCHG, CMPXCHG with and without LOCK,
 * BT/BTS/BTR/BTC (register offsets reach outside the operand), PUSH/POP of memory,
 * MOVNTI, and MOVD/MOVQ/MOVDQA/MOVDQU/MOVAPS/MOVUPS. 64-bit operand forms and REX
 * registers in long mode only; MOVNTI and the SSE forms in protected modes (real
 * mode runs no SSE here). A failing form is reported by name with what differed.
 *
 * Without the test device the test is skipped.
 */
#include "framework.h"

/* Where M lives on the device. */
#define MMIO_SCRATCH (TESTDEV_MMIO_BASE + TESTDEV_SCRATCH)
#define MMIO_BUFFER  (TESTDEV_MMIO_BASE + TESTDEV_BUFFER)
#define M_SIZE       TESTDEV_BUFFER_SIZE
#define SCRATCH_SIZE 8

/* The registers a form sees and leaves. */
struct regs {
    unsigned long a, b, c, si, di, flags;
};

/* Layouts: where SI and DI point. "Down" layouts start high and set DF. */
enum layout {
    L_DST,          /* DI = M + 0x20, SI = A + 0x20 */
    L_DST_DOWN,     /* DI = M + 0x60, SI = A + 0x60, DF=1 */
    L_SRC,          /* SI = M + 0x20, DI = A + 0x20 */
    L_SRC_DOWN,     /* SI = M + 0x60, DI = A + 0x60, DF=1 */
    L_BOTH,         /* SI = M + 0xa0, DI = M + 0x20: MMIO to MMIO */
    L_BOTH_DOWN,    /* SI = M + 0xe0, DI = M + 0x60, DF=1 */
};

/* Form flags. */
#define F_SCRATCH  (1u << 0)    /* also run on the 8-byte scratch register (at DI) */
#define F_SSE      (1u << 1)    /* needs SSE2 enabled */
#define F_A_MATCH  (1u << 2)    /* RAX = M's 8 bytes at DI (CMPXCHG succeeds) */
#define F_A_MATCH3 (1u << 3)    /* RAX = M's byte at DI + 3 (REPNE SCASB finds it) */

/* Flags each instruction defines (or must leave alone): compared between runs. */
#define ALL   X86_FLAGS_ARITH
#define LOGIC (X86_FLAGS_ARITH & ~X86_FLAGS_AF)    /* AND/OR/XOR/TEST: AF undefined */
#define BITOP X86_FLAGS_CF                         /* BT*: only CF is defined */

struct form {
    const char *name;
    void (*run_ram)(struct regs *r);
    void (*run_mmio)(struct regs *r);   /* differs only for moffs forms */
    unsigned long mask;
    enum layout layout;
    unsigned int flags;
    unsigned long c;                    /* RCX: count or bit offset */
};

/*
 * One form's code. RFLAGS goes in and out through RDX (PUSH/POPF around the
 * instruction); CLD afterwards because C code expects DF=0. The SSE forms use XMM0,
 * which the compiler never does here (-mgeneral-regs-only), so it is not listed.
 */
#ifdef MODE_64
#define FORM_CLOBBERS "memory", "cc", "r8"     /* R8: for forms with REX registers */
#else
#define FORM_CLOBBERS "memory", "cc"
#endif
#define FORM_ASM(insn, ...)                                                                \
    asm volatile("push %[fl]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[fl]\n\tcld"             \
                 : [a] "+a"(r->a), [b] "+b"(r->b), [c] "+c"(r->c), [fl] "+d"(r->flags),    \
                   [si] "+S"(r->si), [di] "+D"(r->di)                                      \
                 : __VA_ARGS__ : FORM_CLOBBERS)

#define DEFINE_FORM(name, mask, layout, flags, c, insn)                                    \
    static void name(struct regs *r) { FORM_ASM(insn, "i"(0)); }
#define TABLE_FORM(name, mask, layout, flags, c, insn)                                     \
    { #name, name, name, mask, layout, flags, c },

/* ---- the forms (name, flags compared, layout, form flags, RCX, instruction) ---- */

#define MOV_FORMS(X)                                                                       \
    X(mov_r8_m,       ALL, L_DST, F_SCRATCH, 0, "movb %b[b], (%[di])")                     \
    X(mov_r16_m,      ALL, L_DST, F_SCRATCH, 0, "movw %w[b], (%[di])")                     \
    X(mov_r32_m,      ALL, L_DST, F_SCRATCH, 0, "movl %k[b], (%[di])")                     \
    X(mov_m_r8,       ALL, L_DST, F_SCRATCH, 0, "movb (%[di]), %b[a]")                     \
    X(mov_m_r16,      ALL, L_DST, F_SCRATCH, 0, "movw (%[di]), %w[a]")                     \
    X(mov_m_r32,      ALL, L_DST, F_SCRATCH, 0, "movl (%[di]), %k[a]")                     \
    X(mov_ah_m,       ALL, L_DST, F_SCRATCH, 0, "movb %%ah, 1(%[di])")                     \
    X(mov_m_bh,       ALL, L_DST, F_SCRATCH, 0, "movb 3(%[di]), %%bh")                     \
    X(mov_imm8_m,     ALL, L_DST, F_SCRATCH, 0, "movb $0x5a, (%[di])")                     \
    X(mov_imm16_m,    ALL, L_DST, F_SCRATCH, 0, "movw $0xa55a, 2(%[di])")                  \
    X(mov_imm32_m,    ALL, L_DST, F_SCRATCH, 0, "movl $0xdeadbeef, 4(%[di])")              \
    X(mov_sib_r32,    ALL, L_DST, 0, 3, "movl %k[b], 0x10(%[di],%[c],4)")                  \
    X(mov_sib_m32,    ALL, L_DST, 0, 3, "movl -8(%[di],%[c],8), %k[a]")                    \
    X(movzx_m8_r32,   ALL, L_DST, F_SCRATCH, 0, "movzbl 5(%[di]), %k[a]")                  \
    X(movzx_m16_r32,  ALL, L_DST, F_SCRATCH, 0, "movzwl 6(%[di]), %k[a]")                  \
    X(movzx_m8_r16,   ALL, L_DST, F_SCRATCH, 0, "movzbw 7(%[di]), %w[a]")                  \
    X(movsx_m8_r32,   ALL, L_DST, F_SCRATCH, 0, "movsbl 7(%[di]), %k[a]")                  \
    X(movsx_m16_r32,  ALL, L_DST, F_SCRATCH, 0, "movswl 4(%[di]), %k[a]")                  \
    X(movsx_m8_r16,   ALL, L_DST, F_SCRATCH, 0, "movsbw 2(%[di]), %w[a]")

/* String instructions: with and without REP (RCX = 5), up and down, and between MMIO
 * and RAM either way or MMIO and MMIO. CMPS/SCAS stop early where the patterns
 * differ (A differs from M in every eighth byte) or the byte is found. */
#define STRING_FORMS(X)                                                                    \
    X(movsb,          ALL, L_DST, 0, 0, "movsb (%[si]), %%es:(%[di])")                     \
    X(movsl_from,     ALL, L_SRC, 0, 0, "movsl (%[si]), %%es:(%[di])")                     \
    X(rep_movsb,      ALL, L_DST, 0, 5, "rep movsb (%[si]), %%es:(%[di])")                 \
    X(rep_movsw_from, ALL, L_SRC, 0, 5, "rep movsw (%[si]), %%es:(%[di])")                 \
    X(rep_movsl_both, ALL, L_BOTH, 0, 5, "rep movsl (%[si]), %%es:(%[di])")                \
    X(rep_movsb_down, ALL, L_DST_DOWN, 0, 5, "rep movsb (%[si]), %%es:(%[di])")            \
    X(rep_movsl_from_down, ALL, L_SRC_DOWN, 0, 5, "rep movsl (%[si]), %%es:(%[di])")       \
    X(rep_movsw_both_down, ALL, L_BOTH_DOWN, 0, 5, "rep movsw (%[si]), %%es:(%[di])")      \
    X(stosb,          ALL, L_DST, 0, 0, "stosb %%al, %%es:(%[di])")                        \
    X(rep_stosw,      ALL, L_DST, 0, 5, "rep stosw %%ax, %%es:(%[di])")                    \
    X(rep_stosl_down, ALL, L_DST_DOWN, 0, 5, "rep stosl %%eax, %%es:(%[di])")              \
    X(lodsb,          ALL, L_SRC, 0, 0, "lodsb (%[si]), %%al")                             \
    X(lodsl_down,     ALL, L_SRC_DOWN, 0, 0, "lodsl (%[si]), %%eax")                       \
    X(rep_lodsw,      ALL, L_SRC, 0, 5, "rep lodsw (%[si]), %%ax")                         \
    X(cmpsb,          ALL, L_DST, 0, 0, "cmpsb %%es:(%[di]), (%[si])")                     \
    X(repe_cmpsb,     ALL, L_DST, 0, 5, "repe cmpsb %%es:(%[di]), (%[si])")                \
    X(repe_cmpsw_from, ALL, L_SRC, 0, 5, "repe cmpsw %%es:(%[di]), (%[si])")               \
    X(repe_cmpsl_both, ALL, L_BOTH, 0, 5, "repe cmpsl %%es:(%[di]), (%[si])")              \
    X(repne_cmpsb_down, ALL, L_DST_DOWN, 0, 5, "repne cmpsb %%es:(%[di]), (%[si])")        \
    X(scasb,          ALL, L_DST, 0, 0, "scasb %%es:(%[di]), %%al")                        \
    X(repne_scasb,    ALL, L_DST, F_A_MATCH3, 5, "repne scasb %%es:(%[di]), %%al")         \
    X(repe_scasl_down, ALL, L_DST_DOWN, 0, 5, "repe scasl %%es:(%[di]), %%eax")

/* Each ALU operation: r8 to m8, imm16 to m16, m32 to r32, sign-extended imm8 to m32. */
#define ALU_FORMS(X, op, fl)                                                               \
    X(op##_r8_m,      fl, L_DST, F_SCRATCH, 0, #op "b %b[b], (%[di])")                     \
    X(op##_imm16_m,   fl, L_DST, F_SCRATCH, 0, #op "w $0x8421, 2(%[di])")                  \
    X(op##_m_r32,     fl, L_DST, F_SCRATCH, 0, #op "l 4(%[di]), %k[a]")                    \
    X(op##_imm8_m32,  fl, L_DST, F_SCRATCH, 0, #op "l $-3, (%[di])")

#define ARITH_FORMS(X)                                                                     \
    ALU_FORMS(X, add, ALL) ALU_FORMS(X, or, LOGIC) ALU_FORMS(X, adc, ALL)                  \
    ALU_FORMS(X, sbb, ALL) ALU_FORMS(X, and, LOGIC) ALU_FORMS(X, sub, ALL)                 \
    ALU_FORMS(X, xor, LOGIC) ALU_FORMS(X, cmp, ALL)                                        \
    X(test_r32_m,     LOGIC, L_DST, F_SCRATCH, 0, "testl %k[b], (%[di])")                  \
    X(test_imm8_m,    LOGIC, L_DST, F_SCRATCH, 0, "testb $0x81, 1(%[di])")                 \
    X(test_imm16_m,   LOGIC, L_DST, F_SCRATCH, 0, "testw $0x8001, 6(%[di])")               \
    X(incb_m,         ALL, L_DST, F_SCRATCH, 0, "incb (%[di])")                            \
    X(incl_m,         ALL, L_DST, F_SCRATCH, 0, "incl 4(%[di])")                           \
    X(decw_m,         ALL, L_DST, F_SCRATCH, 0, "decw 2(%[di])")                           \
    X(decl_m,         ALL, L_DST, F_SCRATCH, 0, "decl (%[di])")                            \
    X(negb_m,         ALL, L_DST, F_SCRATCH, 0, "negb 7(%[di])")                           \
    X(negl_m,         ALL, L_DST, F_SCRATCH, 0, "negl (%[di])")                            \
    X(notw_m,         ALL, L_DST, F_SCRATCH, 0, "notw (%[di])")                            \
    X(notl_m,         ALL, L_DST, F_SCRATCH, 0, "notl 4(%[di])")

#define ATOMIC_BIT_STACK_FORMS(X)                                                          \
    X(xchg_r8_m,      ALL, L_DST, F_SCRATCH, 0, "xchgb %b[b], 3(%[di])")                   \
    X(xchg_r16_m,     ALL, L_DST, F_SCRATCH, 0, "xchgw %w[b], (%[di])")                    \
    X(xchg_r32_m,     ALL, L_DST, F_SCRATCH, 0, "xchgl %k[b], 4(%[di])")                   \
    X(cmpxchg_fail,   ALL, L_DST, F_SCRATCH, 0, "cmpxchgl %k[b], (%[di])")                 \
    X(lock_cmpxchg_ok, ALL, L_DST, F_SCRATCH | F_A_MATCH, 0, "lock cmpxchgl %k[b], (%[di])") \
    X(lock_cmpxchg8_ok, ALL, L_DST, F_SCRATCH | F_A_MATCH, 0, "lock cmpxchgb %b[b], (%[di])") \
    X(lock_cmpxchg16_fail, ALL, L_DST, F_SCRATCH, 0, "lock cmpxchgw %w[b], 2(%[di])")      \
    X(bt_r32,         BITOP, L_DST, 0, 37, "btl %k[c], (%[di])")                           \
    X(bt_r32_neg,     BITOP, L_DST, 0, -5, "btl %k[c], (%[di])")                           \
    X(bts_r16,        BITOP, L_DST, 0, 19, "btsw %w[c], (%[di])")                          \
    X(btr_r32,        BITOP, L_DST, 0, 100, "btrl %k[c], (%[di])")                         \
    X(btc_r32,        BITOP, L_DST, F_SCRATCH, 6, "btcl %k[c], (%[di])")                   \
    X(lock_bts_r32,   BITOP, L_DST, 0, 45, "lock btsl %k[c], (%[di])")                     \
    X(bt_imm,         BITOP, L_DST, F_SCRATCH, 0, "btl $13, (%[di])")                      \
    X(bts_imm,        BITOP, L_DST, F_SCRATCH, 0, "btsw $9, 2(%[di])")                     \
    X(btr_imm,        BITOP, L_DST, F_SCRATCH, 0, "btrl $31, 4(%[di])")                    \
    X(btc_imm,        BITOP, L_DST, F_SCRATCH, 0, "btcl $0, (%[di])")                      \
    X(push_m16,       ALL, L_DST, F_SCRATCH, 0, "pushw 2(%[di])\n\tpopw %w[a]")            \
    X(pop_m16,        ALL, L_DST, F_SCRATCH, 0, "pushw %w[b]\n\tpopw 6(%[di])")

/* 32-bit PUSH/POP of memory does not exist in long mode (64-bit there). */
#ifdef MODE_64
#define PUSH_POP_FORMS(X)                                                                  \
    X(push_m64,       ALL, L_DST, F_SCRATCH, 0, "pushq (%[di])\n\tpopq %q[a]")             \
    X(pop_m64,        ALL, L_DST, F_SCRATCH, 0, "pushq %q[b]\n\tpopq (%[di])")
#else
#define PUSH_POP_FORMS(X)                                                                  \
    X(push_m32,       ALL, L_DST, F_SCRATCH, 0, "pushl 4(%[di])\n\tpopl %k[a]")            \
    X(pop_m32,        ALL, L_DST, F_SCRATCH, 0, "pushl %k[b]\n\tpopl (%[di])")
#endif

#define SSE_FORMS(X)                                                                       \
    X(movnti_r32,     ALL, L_DST, F_SCRATCH | F_SSE, 0, "movnti %k[b], 4(%[di])")          \
    X(movd_load,      ALL, L_DST, F_SSE, 0, "movd 4(%[di]), %%xmm0\n\tmovdqu %%xmm0, (%[si])") \
    X(movd_store,     ALL, L_DST, F_SSE, 0, "movdqu (%[si]), %%xmm0\n\tmovd %%xmm0, (%[di])") \
    X(movq_load,      ALL, L_DST, F_SSE, 0, "movq (%[di]), %%xmm0\n\tmovdqu %%xmm0, (%[si])") \
    X(movq_store,     ALL, L_DST, F_SSE, 0, "movdqu (%[si]), %%xmm0\n\tmovq %%xmm0, 8(%[di])") \
    X(movdqa_load,    ALL, L_DST, F_SSE, 0, "movdqa (%[di]), %%xmm0\n\tmovdqu %%xmm0, (%[si])") \
    X(movdqa_store,   ALL, L_DST, F_SSE, 0, "movdqu (%[si]), %%xmm0\n\tmovdqa %%xmm0, 16(%[di])") \
    X(movdqu_load,    ALL, L_DST, F_SSE, 0, "movdqu 3(%[di]), %%xmm0\n\tmovdqu %%xmm0, (%[si])") \
    X(movdqu_store,   ALL, L_DST, F_SSE, 0, "movdqu (%[si]), %%xmm0\n\tmovdqu %%xmm0, 5(%[di])") \
    X(movaps_load,    ALL, L_DST, F_SSE, 0, "movaps 16(%[di]), %%xmm0\n\tmovups %%xmm0, (%[si])") \
    X(movaps_store,   ALL, L_DST, F_SSE, 0, "movups (%[si]), %%xmm0\n\tmovaps %%xmm0, (%[di])") \
    X(movups_load,    ALL, L_DST, F_SSE, 0, "movups 9(%[di]), %%xmm0\n\tmovups %%xmm0, (%[si])") \
    X(movups_store,   ALL, L_DST, F_SSE, 0, "movups (%[si]), %%xmm0\n\tmovups %%xmm0, 1(%[di])")

#ifdef MODE_64
#define LONG_FORMS(X)                                                                      \
    X(mov_r64_m,      ALL, L_DST, F_SCRATCH, 0, "movq %q[b], (%[di])")                     \
    X(mov_m_r64,      ALL, L_DST, F_SCRATCH, 0, "movq (%[di]), %q[a]")                     \
    X(mov_imm32_m64,  ALL, L_DST, F_SCRATCH, 0, "movq $-0x1234568, (%[di])")               \
    X(mov_rex_r8b_m,     ALL, L_DST, F_SCRATCH, 0, "movl %k[b], %%r8d\n\tmovb %%r8b, 3(%[di])") \
    X(mov_rex_m_r8,   ALL, L_DST, F_SCRATCH, 0, "movq (%[di]), %%r8\n\tmovq %%r8, %q[a]")  \
    X(movsx_m32_r64,  ALL, L_DST, F_SCRATCH, 0, "movslq 4(%[di]), %q[a]")                  \
    X(movsx_m8_r64,   ALL, L_DST, F_SCRATCH, 0, "movsbq 7(%[di]), %q[a]")                  \
    X(movzx_m16_r64,  ALL, L_DST, F_SCRATCH, 0, "movzwq 6(%[di]), %q[a]")                  \
    X(mov_m_r32_zext, ALL, L_DST, F_SCRATCH, 0, "movl 4(%[di]), %k[a]")                    \
    X(rep_movsq,      ALL, L_DST, 0, 5, "rep movsq (%[si]), %%es:(%[di])")                 \
    X(rep_movsq_both_down, ALL, L_BOTH_DOWN, 0, 5, "rep movsq (%[si]), %%es:(%[di])")      \
    X(rep_stosq,      ALL, L_DST, 0, 5, "rep stosq %%rax, %%es:(%[di])")                   \
    X(lodsq,          ALL, L_SRC, 0, 0, "lodsq (%[si]), %%rax")                            \
    X(repe_cmpsq,     ALL, L_DST, 0, 5, "repe cmpsq %%es:(%[di]), (%[si])")                \
    X(scasq,          ALL, L_DST, 0, 0, "scasq %%es:(%[di]), %%rax")                       \
    X(add_r64_m,      ALL, L_DST, F_SCRATCH, 0, "addq %q[b], (%[di])")                     \
    X(sub_m_r64,      ALL, L_DST, F_SCRATCH, 0, "subq (%[di]), %q[a]")                     \
    X(and_imm32_m64,  LOGIC, L_DST, F_SCRATCH, 0, "andq $-0x0f0f0f10, (%[di])")            \
    X(cmp_imm8_m64,   ALL, L_DST, F_SCRATCH, 0, "cmpq $5, (%[di])")                        \
    X(adc_r64_m,      ALL, L_DST, F_SCRATCH, 0, "adcq %q[b], (%[di])")                     \
    X(negq_m,         ALL, L_DST, F_SCRATCH, 0, "negq (%[di])")                            \
    X(incq_m,         ALL, L_DST, F_SCRATCH, 0, "incq (%[di])")                            \
    X(xchg_r64_m,     ALL, L_DST, F_SCRATCH, 0, "xchgq %q[b], (%[di])")                    \
    X(lock_cmpxchg64_ok, ALL, L_DST, F_SCRATCH | F_A_MATCH, 0, "lock cmpxchgq %q[b], (%[di])") \
    X(btq_r64,        BITOP, L_DST, 0, 130, "btq %q[c], (%[di])")                          \
    X(btsq_r64_neg,   BITOP, L_DST, 0, -70, "btsq %q[c], (%[di])")                         \
    X(movnti_r64,     ALL, L_DST, F_SCRATCH | F_SSE, 0, "movnti %q[b], (%[di])")
#else
#define LONG_FORMS(X)
#endif

MOV_FORMS(DEFINE_FORM)
STRING_FORMS(DEFINE_FORM)
ARITH_FORMS(DEFINE_FORM)
ATOMIC_BIT_STACK_FORMS(DEFINE_FORM)
PUSH_POP_FORMS(DEFINE_FORM)
#ifdef MODE_PROTECTED
SSE_FORMS(DEFINE_FORM)
#endif
LONG_FORMS(DEFINE_FORM)

/*
 * MOV with a memory offset in the instruction (opcodes A0-A3, "moffs"): the address
 * is a constant, so each form exists twice, for the RAM buffer and for the device.
 * In long mode the offset is 64 bits (MOVABS); in real mode an address-size prefix
 * makes it 32.
 */
#if defined(MODE_64)
#define MOFFS(op) "movabs " op
#elif defined(MODE_REAL)
#define MOFFS(op) "addr32 mov " op
#else
#define MOFFS(op) "mov " op
#endif
#define MOFFS_AT 0x24                   /* M + 0x24: inside the L_DST window */

static uint8_t m_ram[M_SIZE] __aligned(16);

#define DEFINE_MOFFS_FORM(name, insn)                                                      \
    static void name##_ram(struct regs *r)                                                 \
    {                                                                                      \
        FORM_ASM(insn, [m] "i"(&m_ram[MOFFS_AT]));                                         \
    }                                                                                      \
    static void name##_mmio(struct regs *r)                                                \
    {                                                                                      \
        FORM_ASM(insn, [m] "i"((unsigned long)MMIO_BUFFER + MOFFS_AT));                    \
    }
#define TABLE_MOFFS_FORM(name, insn) { #name, name##_ram, name##_mmio, ALL, L_DST, 0, 0 },

#define MOFFS_FORMS(X)                                                                     \
    X(moffs_a0, MOFFS("%P[m], %%al"))                                                      \
    X(moffs_a1_16, MOFFS("%P[m], %%ax"))                                                   \
    X(moffs_a1_32, MOFFS("%P[m], %%eax"))                                                  \
    X(moffs_a2, MOFFS("%%al, %P[m]"))                                                      \
    X(moffs_a3_16, MOFFS("%%ax, %P[m]"))                                                   \
    X(moffs_a3_32, MOFFS("%%eax, %P[m]"))                                                  \
    MOFFS_FORMS_64(X)
#ifdef MODE_64
#define MOFFS_FORMS_64(X)                                                                  \
    X(moffs_a1_64, MOFFS("%P[m], %%rax"))                                                  \
    X(moffs_a3_64, MOFFS("%%rax, %P[m]"))
#else
#define MOFFS_FORMS_64(X)
#endif

MOFFS_FORMS(DEFINE_MOFFS_FORM)

static const struct form forms[] = {
    MOV_FORMS(TABLE_FORM)
    MOFFS_FORMS(TABLE_MOFFS_FORM)
    STRING_FORMS(TABLE_FORM)
    ARITH_FORMS(TABLE_FORM)
    ATOMIC_BIT_STACK_FORMS(TABLE_FORM)
    PUSH_POP_FORMS(TABLE_FORM)
#ifdef MODE_PROTECTED
    SSE_FORMS(TABLE_FORM)
#endif
    LONG_FORMS(TABLE_FORM)
};

/* ---- running a form and comparing ---- */

static uint8_t aux_ram[M_SIZE] __aligned(16), aux_mmio[M_SIZE] __aligned(16);
static uint8_t m_after[M_SIZE];

static uint8_t pattern(unsigned int i)
{
    return (uint8_t)(i * 0x1d + 0x35) ^ (i & 0x10 ? 0xff : 0);
}

static uint8_t aux_pattern(unsigned int i)
{
    return pattern(i) ^ (i % 8 == 3 ? 0x55 : 0);
}

/* Fill M through 32-bit stores (the simplest access there is), A directly. */
static void fill(volatile uint32_t *m, unsigned int size, uint8_t *aux)
{
    for (unsigned int i = 0; i < size; i += 4)
        m[i / 4] = pattern(i) | pattern(i + 1) << 8 | (uint32_t)pattern(i + 2) << 16 |
                   (uint32_t)pattern(i + 3) << 24;
    for (unsigned int i = 0; i < M_SIZE; i++)
        aux[i] = aux_pattern(i);
}

static void read_back(const volatile uint32_t *m, unsigned int size, uint8_t *out)
{
    for (unsigned int i = 0; i < size; i += 4) {
        uint32_t v = m[i / 4];
        memcpy(&out[i], &v, 4);
    }
}

/* Set up the registers for `f` with M at `m` (DI's offset moved to 0 for the
 * scratch register) and A at `aux`. */
static void setup(struct regs *r, const struct form *f, unsigned long m, bool scratch,
                  unsigned long aux, unsigned long flags)
{
    static const unsigned int m_off[] = { 0x20, 0x60, 0x20, 0x60, 0x20, 0x60 };
    unsigned int off = scratch ? 0 : m_off[f->layout];
    uint64_t match = 0;

    r->a = (unsigned long)0x8899aabbccddeeffull;
    r->b = (unsigned long)0x0123456789abcdefull;
    r->c = f->c;
    r->flags = flags;
    switch (f->layout) {
    case L_DST: case L_DST_DOWN:
        r->di = m + off;
        r->si = aux + off;
        break;
    case L_SRC: case L_SRC_DOWN:
        r->si = m + off;
        r->di = aux + off;
        break;
    case L_BOTH: case L_BOTH_DOWN:
        r->si = m + off + 0x80;
        r->di = m + off;
        break;
    }
    if (f->flags & (F_A_MATCH | F_A_MATCH3)) {
        unsigned int at = off + (f->flags & F_A_MATCH3 ? 3 : 0);
        for (unsigned int i = 0; i < 8; i++)
            match |= (uint64_t)pattern(at + i) << (8 * i);
        r->a = (unsigned long)match;
    }
}

/* SI/DI as offsets into the region each started in, so the two runs compare. */
static void relative(struct regs *r, const struct form *f, unsigned long m, unsigned long aux)
{
    bool si_in_m = f->layout >= L_SRC, di_in_m = f->layout != L_SRC && f->layout != L_SRC_DOWN;

    r->si -= si_in_m ? m : aux;
    r->di -= di_in_m ? m : aux;
}

static bool is_down(const struct form *f)
{
    return f->layout == L_DST_DOWN || f->layout == L_SRC_DOWN || f->layout == L_BOTH_DOWN;
}

/* Run `f` on RAM and on the device; report any difference. True if they agree. */
static bool run_form(const struct form *f, bool scratch, unsigned long flags_in)
{
    unsigned long mmio = scratch ? MMIO_SCRATCH : MMIO_BUFFER;
    unsigned int size = scratch ? SCRATCH_SIZE : M_SIZE;
    unsigned long mask = f->mask | X86_FLAGS_DF;
    struct regs ram, dev;
    const char *where = scratch ? "scratch" : "buffer";
    char what[96];

    if (is_down(f))
        flags_in |= X86_FLAGS_DF;
    fill((volatile uint32_t *)m_ram, size, aux_ram);
    setup(&ram, f, (unsigned long)m_ram, scratch, (unsigned long)aux_ram, flags_in);
    f->run_ram(&ram);
    relative(&ram, f, (unsigned long)m_ram, (unsigned long)aux_ram);

    fill(phys_ptr(mmio), size, aux_mmio);
    setup(&dev, f, mmio, scratch, (unsigned long)aux_mmio, flags_in);
    f->run_mmio(&dev);
    relative(&dev, f, mmio, (unsigned long)aux_mmio);
    read_back(phys_ptr(mmio), size, m_after);

    snprintf(what, sizeof(what), "%s (%s, flags in %#lx)", f->name, where, flags_in);
    if (dev.a != ram.a || dev.b != ram.b || dev.c != ram.c) {
        fail("%s: RAX/RBX/RCX %#lx/%#lx/%#lx, on RAM %#lx/%#lx/%#lx", what, dev.a, dev.b,
             dev.c, ram.a, ram.b, ram.c);
        return false;
    }
    if (dev.si != ram.si || dev.di != ram.di) {
        fail("%s: RSI/RDI end at +%#lx/+%#lx, on RAM +%#lx/+%#lx", what, dev.si, dev.di,
             ram.si, ram.di);
        return false;
    }
    if ((dev.flags & mask) != (ram.flags & mask)) {
        fail("%s: flags %#lx, on RAM %#lx (compared: %#lx)", what, dev.flags & mask,
             ram.flags & mask, mask);
        return false;
    }
    for (unsigned int i = 0; i < size; i++)
        if (m_after[i] != m_ram[i]) {
            fail("%s: device byte %#x is %#x, on RAM %#x", what, i, m_after[i], m_ram[i]);
            return false;
        }
    if (memcmp(aux_mmio, aux_ram, M_SIZE)) {
        fail("%s: the RAM buffer differs after the instruction", what);
        return false;
    }
    return true;
}

void test_main(void)
{
    bool sse = sse_enable();
    unsigned int runs = 0, failed = 0, skipped = 0, len = 0;
    char failed_names[160] = "";

    if (!testdev_mmio_present())
        skip("no test device: the MMIO ID register at %#x reads %#x", TESTDEV_MMIO_BASE,
             mmio_read32(TESTDEV_MMIO_BASE + TESTDEV_ID));
    printf("%u instruction forms; SSE %s\n", (unsigned int)ARRAY_SIZE(forms),
           sse ? "enabled" : "not available in this mode");

    for (unsigned int i = 0; i < ARRAY_SIZE(forms); i++) {
        const struct form *f = &forms[i];
        bool ok = true;

        if ((f->flags & F_SSE) && !sse) {
            skipped++;
            continue;
        }
        for (int scratch = 0; scratch <= !!(f->flags & F_SCRATCH); scratch++) {
            ok &= run_form(f, scratch, 0x2);
            ok &= run_form(f, scratch, 0x2 | X86_FLAGS_ARITH);
            runs += 2;
        }
        if (!ok && failed++ < 8 && len < sizeof(failed_names))
            len += snprintf(failed_names + len, sizeof(failed_names) - len, " %s", f->name);
    }
    printf("%u runs of %u forms: %u forms failed, %u not run (no SSE)\n", runs,
           (unsigned int)ARRAY_SIZE(forms), failed, skipped);
    if (failed)
        printf("failed forms:%s%s\n", failed_names, failed > 8 ? " ..." : "");
}
