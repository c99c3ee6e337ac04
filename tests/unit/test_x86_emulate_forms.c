/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of x86_emulate() (hypervisor/common/x86_emulate/), judged by the host CPU.
 *
 * Every supported instruction form below is assembled into the test (64-bit code; the
 * 16- and 32-bit ones alongside), then run with random operands (fixed seed) twice:
 * natively, by tests/unit/x86/native.c, on a buffer of host memory with all registers,
 * RFLAGS and XMM registers set; and through x86_emulate() with callbacks over a copy
 * of that buffer (support/x86_machine.c). Registers, arithmetic flags, XMM registers
 * and the whole buffer must come out the same. The 32-bit and 16-bit encodings cannot
 * run natively in a 64-bit process: they are emulated in protected, compatibility,
 * real and 16-bit protected mode and compared with the native run of the equivalent
 * 64-bit instruction.
 *
 * X86_TEST_ITERS=<runs per form> and X86_TEST_SEED=<n> in the environment make longer
 * or different random runs.
 *
 * What the CPU cannot judge this way (exceptions, segment checks, REP splitting, port
 * I/O, retries) is hand-checked by test_x86_emulate_cases.c.
 */
#include "unit.h"

#include <stdlib.h>

#include <hv/x86_emulate.h>

#include "x86/native.h"
#include "x86_machine.h"

#define DATA_LO   1024    /* pointers go between DATA_LO and MEM_SIZE - DATA_LO */

#define FL_MASK (X86_FL_ARITH | X86_FL_DF)

static u64 rng = 0x243f6a8885a308d3ULL;

static u64 rnd(void)
{
    return unit_rand(&rng);
}

/* Values with more than their share of edge cases. */
static u64 rnd_value(void)
{
    static const u64 edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffULL,
                                0x8000000000000000ULL, ~0ULL, 0x100, 0x10000 };
    u64 r = rnd();

    switch (r & 7) {
    case 0:
    case 1:
        return edge[(r >> 3) % ARRAY_SIZE(edge)];
    case 2: /* an edge value sign- or zero-extended from some width */
        return (u64)(s64)(s8)(r >> 8) ^ (((r >> 16) & 1) ? 0 : ~0ULL << 8);
    default:
        return rnd();
    }
}

static u8 rnd_byte(bool low_entropy)
{
    return low_entropy ? (u8)(rnd() & 1) : (u8)rnd_value();
}

/* ---- running the emulator ---- */

/* Run until the instruction retires (REP instructions may take several calls). */
static int emulate_all(unsigned int *calls)
{
    u64 rip = m.ctxt.regs.rip;
    int rc;

    for (*calls = 1;; (*calls)++) {
        m.ctxt.insn_buf_len = 0;
        rc = x86_emulate(&m.ctxt, ops());
        if (rc != X86EMUL_OKAY || m.ctxt.regs.rip != rip)
            return rc;
        assert_true(*calls < 100000);
    }
}

/* ---- the instruction forms ---- */

/* Setup flags: pointer registers and special operands. */
#define P(r)        (1u << (r))     /* register r points into the buffer */
#define P_RBX       P(3)
#define P_RSP       P(4)
#define P_RSI       P(6)
#define P_RDI       P(7)
#define F_STR       (P_RSI | P_RDI | F_COUNT | F_DF)
#define F_COUNT     (1u << 16)      /* rcx: a small count (0..64) */
#define F_DF        (1u << 17)      /* random DF */
#define F_BITS      (1u << 18)      /* rcx: a signed bit offset within +-4096 */
#define F_BITS32    (1u << 19)      /* ... in ecx, garbage above */
#define F_BITS16    (1u << 20)      /* ... in cx, garbage above */
#define F_MATCH     (1u << 21)      /* rax equals the memory operand half the time */
#define F_MATCH_RDX (1u << 22)      /* rax equals rdx half the time */
#define F_MATCH8B   (1u << 23)      /* edx:eax / rdx:rax equal the memory half the time */
#define F_ALIGN16   (1u << 24)      /* pointers aligned to 16 */
#define F_LOWENT    (1u << 25)      /* memory and rax of 0s and 1s (long CMPS/SCAS) */
#define F_MOFFS     (1u << 26)      /* patch the moffs immediate with a buffer address */
#define F_IDX       (1u << 27)      /* rcx: a small index (0..64) */
#define F_A32       (1u << 28)      /* garbage in the upper halves of rsi/rdi/rcx */
#define F_ALIGN8    (1u << 29)
#define F_IDXDI     (1u << 30)      /* rdi: a small index (0..64) */

struct form {
    const char *text;
    const u8 *start, *end;
    u32 flags;
};

/* Emit a 64-bit form as data: x86f_<id>_s .. x86f_<id>_e. */
#define EMIT(id, text, fl)                                                               \
    __asm__(".pushsection .rodata.x86forms, \"a\"\n"                                     \
            ".globl x86f_" #id "_s, x86f_" #id "_e\n"                                    \
            "x86f_" #id "_s:\n\t" text "\nx86f_" #id "_e:\n.popsection\n");              \
    extern const u8 x86f_##id##_s[], x86f_##id##_e[];
#define ENTRY(id, text, fl) { text, x86f_##id##_s, x86f_##id##_e, fl },

#define ALU_FORMS(X, op)                                                                 \
    X(op##_m8, #op "b %dl, 1(%rbx)", P_RBX)                                              \
    X(op##_m16, #op "w %ax, (%rbx)", P_RBX)                                              \
    X(op##_m32, #op "l %eax, (%rbx)", P_RBX)                                             \
    X(op##_m64, #op "q %rax, 8(%rbx)", P_RBX)                                            \
    X(op##_r8h, #op "b (%rbx), %ch", P_RBX)                                              \
    X(op##_r16, #op "w 2(%rbx), %si", P_RBX)                                             \
    X(op##_r32, #op "l (%rbx), %ecx", P_RBX)                                             \
    X(op##_r64, #op "q (%rbx), %r9", P_RBX)                                              \
    X(op##_i8, #op "b $0x80, (%rbx)", P_RBX)                                             \
    X(op##_i16, #op "w $0x7fff, (%rbx)", P_RBX)                                          \
    X(op##_i32, #op "l $0x80000000, (%rbx)", P_RBX)                                      \
    X(op##_i8sx, #op "l $0x7f, (%rbx)", P_RBX)                                           \
    X(op##_i16sx, #op "w $-2, (%rbx)", P_RBX)                                            \
    X(op##_i64, #op "q $-1, (%rbx)", P_RBX)                                              \
    X(op##_i64b, #op "q $0x12345678, (%rbx)", P_RBX)                                     \
    X(op##_rr, #op " %ecx, %edx", 0)                                                     \
    X(op##_rr8, #op " %sil, %r8b", 0)                                                    \
    X(op##_rr64, #op " %r8, %r9", 0)                                                     \
    X(op##_acc, #op " $0x12345678, %eax", 0)                                             \
    X(op##_acc8, #op " $0x80, %al", 0)                                                   \
    X(op##_acc64, #op " $-0x80000000, %rax", 0)
#define LOCK_FORMS(X, op)                                                                \
    X(lock_##op, "lock " #op "l %ecx, (%rbx)", P_RBX)                                    \
    X(lock_##op##8, "lock " #op "b $0x81, 3(%rbx)", P_RBX)                               \
    X(lock_##op##64, "lock " #op "q %r10, (%rbx)", P_RBX)

#define FORMS(X)                                                                         \
    X(mov_st8, "mov %al, (%rbx)", P_RBX)                                                 \
    X(mov_st16, "mov %ax, 2(%rbx)", P_RBX)                                               \
    X(mov_st32, "mov %eax, -4(%rbx)", P_RBX)                                             \
    X(mov_st64, "mov %rax, 0x100(%rbx)", P_RBX)                                          \
    X(mov_ld8, "mov (%rbx), %cl", P_RBX)                                                 \
    X(mov_ld16, "mov (%rbx), %cx", P_RBX)                                                \
    X(mov_ld32, "mov (%rbx), %ecx", P_RBX)                                               \
    X(mov_ld64, "mov (%rbx), %rcx", P_RBX)                                               \
    X(mov_ah, "mov %ah, 1(%rbx)", P_RBX)                                                 \
    X(mov_dh, "mov 3(%rbx), %dh", P_RBX)                                                 \
    X(mov_sil, "mov %sil, (%rbx)", P_RBX)                                                \
    X(mov_r13b, "mov (%rbx), %r13b", P_RBX)                                              \
    X(mov_idx4, "mov %r9d, 8(%rbx,%rcx,4)", P_RBX | F_IDX)                               \
    X(mov_idx8, "mov 0x10(%rbx,%rcx,8), %r10", P_RBX | F_IDX)                            \
    X(mov_r12, "mov %eax, (%r12)", P(12))                                                \
    X(mov_r13, "mov 0x10(%r13), %eax", P(13))                                            \
    X(mov_rsp, "mov %rdx, 8(%rsp)", P_RSP)                                               \
    X(mov_rbp, "mov -8(%rbp), %rdx", P(5))                                               \
    X(mov_i8, "movb $0x92, (%rbx)", P_RBX)                                               \
    X(mov_i16, "movw $0x1234, 2(%rbx)", P_RBX)                                           \
    X(mov_i32, "movl $0x87654321, (%rbx)", P_RBX)                                        \
    X(mov_i64, "movq $-5, (%rbx)", P_RBX)                                                \
    X(mov_ri8, "mov $0x99, %ah", 0)                                                      \
    X(mov_ri64, "movabs $0x1122334455667788, %r11", 0)                                   \
    X(mov_rr, "mov %ecx, %edx", 0)                                                       \
    X(mov_rip_st, "mov %eax, 0x200(%rip)", 0)                                            \
    X(mov_rip_ld, "mov 0x300(%rip), %rdx", 0)                                            \
    X(mov_moffs_ld, "movabs 0x1122334455667788, %eax", F_MOFFS)                          \
    X(mov_moffs_st, "movabs %rax, 0x1122334455667788", F_MOFFS)                          \
    X(mov_moffs_al, "movabs 0x1122334455667788, %al", F_MOFFS)                           \
    X(mov_moffs_ax, "movabs %ax, 0x1122334455667788", F_MOFFS)                           \
    X(mov_a32, "mov %eax, 4(%ebx)", P_RBX)                                               \
    X(mov_a32_moffs, "addr32 movabs 0x12345678, %eax", F_MOFFS)                          \
    X(movzbl, "movzbl (%rbx), %ecx", P_RBX)                                              \
    X(movzwl, "movzwl (%rbx), %ecx", P_RBX)                                              \
    X(movzbw, "movzbw (%rbx), %cx", P_RBX)                                               \
    X(movzbq, "movzbq (%rbx), %rcx", P_RBX)                                              \
    X(movzwq, "movzwq (%rbx), %rcx", P_RBX)                                              \
    X(movsbl, "movsbl (%rbx), %ecx", P_RBX)                                              \
    X(movswl, "movswl (%rbx), %ecx", P_RBX)                                              \
    X(movsbw, "movsbw (%rbx), %cx", P_RBX)                                               \
    X(movsbq, "movsbq (%rbx), %rcx", P_RBX)                                              \
    X(movswq, "movswq (%rbx), %rcx", P_RBX)                                              \
    X(movslq, "movslq (%rbx), %rcx", P_RBX)                                              \
    X(movsxd32, ".byte 0x63, 0x0b", P_RBX)                                               \
    X(movsxd16, ".byte 0x66, 0x63, 0x0b", P_RBX)                                         \
    X(movzbl_ah, "movzbl %ah, %ecx", 0)                                                  \
    X(movsbq_r, "movsbq %dl, %rcx", 0)                                                   \
    X(movslq_r, "movslq %edx, %r14", 0)                                                  \
    ALU_FORMS(X, add) ALU_FORMS(X, or) ALU_FORMS(X, adc) ALU_FORMS(X, sbb)               \
    ALU_FORMS(X, and) ALU_FORMS(X, sub) ALU_FORMS(X, xor) ALU_FORMS(X, cmp)              \
    LOCK_FORMS(X, add) LOCK_FORMS(X, or) LOCK_FORMS(X, adc) LOCK_FORMS(X, sbb)           \
    LOCK_FORMS(X, and) LOCK_FORMS(X, sub) LOCK_FORMS(X, xor)                             \
    X(test_m32, "test %eax, (%rbx)", P_RBX)                                              \
    X(test_m8, "test %ch, (%rbx)", P_RBX)                                                \
    X(test_i8, "testb $0x81, (%rbx)", P_RBX)                                             \
    X(test_i16, "testw $0x8000, (%rbx)", P_RBX)                                          \
    X(test_i32, "testl $0x80000001, (%rbx)", P_RBX)                                      \
    X(test_i64, "testq $-2, (%rbx)", P_RBX)                                              \
    X(test_f6_1, ".byte 0xf6, 0x0b, 0x55", P_RBX)                                        \
    X(test_acc, "test $0x80, %al", 0)                                                    \
    X(test_rr, "test %rcx, %rdx", 0)                                                     \
    X(inc_m8, "incb (%rbx)", P_RBX)                                                      \
    X(inc_m16, "incw (%rbx)", P_RBX)                                                     \
    X(inc_m32, "incl (%rbx)", P_RBX)                                                     \
    X(inc_m64, "incq (%rbx)", P_RBX)                                                     \
    X(dec_m8, "decb 1(%rbx)", P_RBX)                                                     \
    X(dec_m16, "decw (%rbx)", P_RBX)                                                     \
    X(dec_m32, "decl (%rbx)", P_RBX)                                                     \
    X(dec_m64, "decq (%rbx)", P_RBX)                                                     \
    X(not_m8, "notb (%rbx)", P_RBX)                                                      \
    X(not_m16, "notw (%rbx)", P_RBX)                                                     \
    X(not_m32, "notl (%rbx)", P_RBX)                                                     \
    X(not_m64, "notq (%rbx)", P_RBX)                                                     \
    X(neg_m8, "negb (%rbx)", P_RBX)                                                      \
    X(neg_m16, "negw (%rbx)", P_RBX)                                                     \
    X(neg_m32, "negl (%rbx)", P_RBX)                                                     \
    X(neg_m64, "negq (%rbx)", P_RBX)                                                     \
    X(lock_inc, "lock incl (%rbx)", P_RBX)                                               \
    X(lock_dec, "lock decq (%rbx)", P_RBX)                                               \
    X(lock_not, "lock notw (%rbx)", P_RBX)                                               \
    X(lock_neg, "lock negb (%rbx)", P_RBX)                                               \
    X(inc_r, "inc %ecx", 0)                                                              \
    X(dec_r8, "dec %bh", 0)                                                              \
    X(neg_r, "neg %rdx", 0)                                                              \
    X(not_r, "not %r15w", 0)                                                             \
    X(xchg_m32, "xchg %eax, (%rbx)", P_RBX)                                              \
    X(xchg_m8, "xchgb %cl, (%rbx)", P_RBX)                                               \
    X(xchg_m16, "xchgw %si, (%rbx)", P_RBX)                                              \
    X(xchg_m64, "xchgq %rdx, (%rbx)", P_RBX)                                             \
    X(xchg_ah, "xchg %ah, (%rbx)", P_RBX)                                                \
    X(lock_xchg, "lock xchg %eax, (%rbx)", P_RBX)                                        \
    X(xchg_rr, "xchg %ecx, %edx", 0)                                                     \
    X(xchg_rr8, "xchg %cl, %ch", 0)                                                      \
    X(cmpxchg_m8, "cmpxchgb %cl, (%rbx)", P_RBX | F_MATCH)                               \
    X(cmpxchg_m16, "cmpxchgw %cx, (%rbx)", P_RBX | F_MATCH)                              \
    X(cmpxchg_m32, "cmpxchgl %ecx, (%rbx)", P_RBX | F_MATCH)                             \
    X(cmpxchg_m64, "cmpxchgq %rcx, (%rbx)", P_RBX | F_MATCH)                             \
    X(lock_cmpxchg, "lock cmpxchg %ecx, (%rbx)", P_RBX | F_MATCH)                        \
    X(lock_cmpxchg64, "lock cmpxchg %r8, (%rbx)", P_RBX | F_MATCH)                       \
    X(cmpxchg_rr, "cmpxchg %ecx, %edx", F_MATCH_RDX)                                     \
    X(cmpxchg_rr16, "cmpxchg %cx, %dx", F_MATCH_RDX)                                     \
    X(cmpxchg_rr64, "cmpxchg %rcx, %rdx", F_MATCH_RDX)                                   \
    X(cmpxchg8b, "cmpxchg8b (%rbx)", P_RBX | F_MATCH8B)                                  \
    X(lock_cmpxchg8b, "lock cmpxchg8b (%rbx)", P_RBX | F_MATCH8B)                        \
    X(cmpxchg16b, "cmpxchg16b (%rbx)", P_RBX | F_MATCH8B | F_ALIGN16)                    \
    X(lock_cmpxchg16b, "lock cmpxchg16b (%rbx)", P_RBX | F_MATCH8B | F_ALIGN16)          \
    X(xadd_m32, "xadd %ecx, (%rbx)", P_RBX)                                              \
    X(xadd_m8, "xaddb %cl, (%rbx)", P_RBX)                                               \
    X(xadd_m16, "xaddw %cx, (%rbx)", P_RBX)                                              \
    X(lock_xadd64, "lock xaddq %rcx, (%rbx)", P_RBX)                                     \
    X(xadd_rr, "xadd %ecx, %edx", 0)                                                     \
    X(xadd_same, "xadd %ecx, %ecx", 0)                                                   \
    X(bt_m32, "btl %ecx, (%rbx)", P_RBX | F_BITS32)                                      \
    X(bt_m16, "btw %cx, (%rbx)", P_RBX | F_BITS16)                                       \
    X(bt_m64, "btq %rcx, (%rbx)", P_RBX | F_BITS)                                        \
    X(bts_m64, "btsq %rcx, (%rbx)", P_RBX | F_BITS)                                      \
    X(btr_m32, "btrl %ecx, 4(%rbx)", P_RBX | F_BITS32)                                   \
    X(btc_m16, "btcw %cx, (%rbx)", P_RBX | F_BITS16)                                     \
    X(lock_bts, "lock btsl %ecx, (%rbx)", P_RBX | F_BITS32)                              \
    X(lock_btr64, "lock btrq %rcx, (%rbx)", P_RBX | F_BITS)                              \
    X(bt_i32, "btl $13, (%rbx)", P_RBX)                                                  \
    X(bts_i64, "btsq $63, (%rbx)", P_RBX)                                                \
    X(btr_i16, "btrw $15, (%rbx)", P_RBX)                                                \
    X(btc_i32, "btcl $31, 4(%rbx)", P_RBX)                                               \
    X(bt_i_big, ".byte 0x0f, 0xba, 0x23, 0x45", P_RBX)                                   \
    X(lock_btc_i, "lock btcw $5, (%rbx)", P_RBX)                                         \
    X(bt_rr, "bt %ecx, %edx", 0)                                                         \
    X(bts_rr64, "bts %rcx, %rdx", 0)                                                     \
    X(btr_rr16, "btr %cx, %dx", 0)                                                       \
    X(push_m64, "pushq (%rbx)", P_RBX | P_RSP | F_ALIGN8)                                \
    X(push_m16, "pushw (%rbx)", P_RBX | P_RSP)                                           \
    X(pop_m64, "popq (%rbx)", P_RBX | P_RSP | F_ALIGN8)                                  \
    X(pop_m16, "popw 2(%rbx)", P_RBX | P_RSP)                                            \
    X(pop_rsp_rel, "popq 8(%rsp)", P_RSP)                                                \
    X(push_rsp_rel, "pushq 8(%rsp)", P_RSP)                                              \
    X(pop_rsp_w, "popw (%rsp)", P_RSP)                                                   \
    X(movnti32, "movnti %ecx, (%rbx)", P_RBX)                                            \
    X(movnti64, "movnti %rcx, 8(%rbx)", P_RBX)                                           \
    X(mov_ds_m, "mov %ds, (%rbx)", P_RBX)                                                \
    X(mov_ss_r, "mov %ss, %ecx", 0)                                                      \
    X(mov_cs_r16, "mov %cs, %cx", 0)                                                     \
    X(mov_es_r64, "mov %es, %rcx", 0)                                                    \
    X(nop, "nop", 0)                                                                     \
    X(pause, "pause", 0)                                                                 \
    X(nopw, ".byte 0x66, 0x90", 0)                                                       \
    X(movsb, "movsb", F_STR)                                                             \
    X(movsw, "movsw", F_STR)                                                             \
    X(movsl, "movsl", F_STR)                                                             \
    X(movsq, "movsq", F_STR)                                                             \
    X(rep_movsb, "rep movsb", F_STR)                                                     \
    X(rep_movsw, "rep movsw", F_STR)                                                     \
    X(rep_movsl, "rep movsl", F_STR)                                                     \
    X(rep_movsq, "rep movsq", F_STR)                                                     \
    X(repne_movsb, ".byte 0xf2, 0xa4", F_STR)                                            \
    X(stosb, "stosb", F_STR)                                                             \
    X(rep_stosb, "rep stosb", F_STR)                                                     \
    X(rep_stosw, "rep stosw", F_STR)                                                     \
    X(rep_stosl, "rep stosl", F_STR)                                                     \
    X(rep_stosq, "rep stosq", F_STR)                                                     \
    X(lodsb, "lodsb", F_STR)                                                             \
    X(lodsw, "lodsw", F_STR)                                                             \
    X(lodsq, "lodsq", F_STR)                                                             \
    X(rep_lodsl, "rep lodsl", F_STR)                                                     \
    X(cmpsb, "cmpsb", F_STR | F_LOWENT)                                                  \
    X(cmpsq, "cmpsq", F_STR | F_LOWENT)                                                  \
    X(repe_cmpsb, "repe cmpsb", F_STR | F_LOWENT)                                        \
    X(repne_cmpsw, "repne cmpsw", F_STR | F_LOWENT)                                      \
    X(repe_cmpsl, "repe cmpsl", F_STR | F_LOWENT)                                        \
    X(repne_cmpsq, "repne cmpsq", F_STR | F_LOWENT)                                      \
    X(scasb, "scasb", F_STR | F_LOWENT)                                                  \
    X(repne_scasb, "repne scasb", F_STR | F_LOWENT)                                      \
    X(repe_scasw, "repe scasw", F_STR | F_LOWENT)                                        \
    X(repe_scasq, "repe scasq", F_STR | F_LOWENT)                                        \
    X(a32_rep_movsb, "addr32 rep movsb", F_STR | F_A32)                                  \
    X(a32_rep_stosl, "addr32 rep stosl", F_STR | F_A32)                                  \
    X(a32_repe_cmpsw, "addr32 repe cmpsw", F_STR | F_A32 | F_LOWENT)                     \
    X(a32_lodsb, "addr32 lodsb", F_STR | F_A32)                                          \
    X(movdqu_ld, "movdqu (%rbx), %xmm1", P_RBX)                                          \
    X(movdqu_st, "movdqu %xmm2, 3(%rbx)", P_RBX)                                         \
    X(movdqa_ld, "movdqa (%rbx), %xmm3", P_RBX | F_ALIGN16)                              \
    X(movdqa_st, "movdqa %xmm4, (%rbx)", P_RBX | F_ALIGN16)                              \
    X(movdqa_rr, "movdqa %xmm4, %xmm12", 0)                                              \
    X(movaps_ld, "movaps (%rbx), %xmm5", P_RBX | F_ALIGN16)                              \
    X(movaps_st, "movaps %xmm6, (%rbx)", P_RBX | F_ALIGN16)                              \
    X(movups_ld, "movups 1(%rbx), %xmm7", P_RBX)                                         \
    X(movups_st, "movups %xmm8, (%rbx)", P_RBX)                                          \
    X(movapd_ld, "movapd (%rbx), %xmm9", P_RBX | F_ALIGN16)                              \
    X(movupd_st, "movupd %xmm10, 5(%rbx)", P_RBX)                                        \
    X(movss_ld, "movss (%rbx), %xmm1", P_RBX)                                            \
    X(movss_st, "movss %xmm1, (%rbx)", P_RBX)                                            \
    X(movss_rr, "movss %xmm2, %xmm3", 0)                                                 \
    X(movss_rr2, ".byte 0xf3, 0x0f, 0x11, 0xd3", 0)                                      \
    X(movsd_ld, "movsd (%rbx), %xmm11", P_RBX)                                           \
    X(movsd_st, "movsd %xmm12, 8(%rbx)", P_RBX)                                          \
    X(movsd_rr, "movsd %xmm13, %xmm14", 0)                                               \
    X(movd_ld, "movd (%rbx), %xmm1", P_RBX)                                              \
    X(movd_st, "movd %xmm2, (%rbx)", P_RBX)                                              \
    X(movq_ld, "movq (%rbx), %xmm3", P_RBX)                                              \
    X(movq_st, "movq %xmm4, (%rbx)", P_RBX)                                              \
    X(movq_ld6e, ".byte 0x66, 0x48, 0x0f, 0x6e, 0x2b", P_RBX)                            \
    X(movq_st7e, ".byte 0x66, 0x48, 0x0f, 0x7e, 0x33", P_RBX)                            \
    X(movq_gx, "movq %rcx, %xmm1", 0)                                                    \
    X(movq_xg, "movq %xmm1, %rcx", 0)                                                    \
    X(movd_xg, "movd %xmm15, %ecx", 0)                                                   \
    X(movd_gx, "movd %ecx, %xmm9", 0)                                                    \
    X(movq_rr, "movq %xmm1, %xmm2", 0)                                                   \
    X(movq_rrd6, ".byte 0x66, 0x0f, 0xd6, 0xca", 0)                                      \
    X(movntdq, "movntdq %xmm1, (%rbx)", P_RBX | F_ALIGN16)                               \
    X(movntps, "movntps %xmm3, (%rbx)", P_RBX | F_ALIGN16)                               \
    X(movntpd, "movntpd %xmm3, 16(%rbx)", P_RBX | F_ALIGN16)                             \
    X(movntdqa, "movntdqa (%rbx), %xmm11", P_RBX | F_ALIGN16)                            \
    X(movdqu_x15, "movdqu %xmm15, 0x10(%rbx)", P_RBX)                                    \
    X(movdqu_rip, "movdqu 0x400(%rip), %xmm3", 0)

FORMS(EMIT)
static const struct form forms[] = { FORMS(ENTRY) };

/*
 * Forms whose 32-bit and 16-bit encodings do the same as the 64-bit one on the same
 * operands: the 64-bit one runs natively, the others are emulated in 32-bit protected
 * and compatibility mode (flat segments), real mode and 16-bit protected mode
 * (segments based at the buffer, pointers as offsets).
 */
#define EMIT3(id, t64, t32, t16, fl)                                                     \
    __asm__(".pushsection .rodata.x86forms, \"a\"\n"                                     \
            ".globl x86d_" #id "_64, x86d_" #id "_64e, x86d_" #id "_32, x86d_" #id       \
            "_32e, x86d_" #id "_16, x86d_" #id "_16e\n"                                  \
            "x86d_" #id "_64:\n\t" t64 "\nx86d_" #id "_64e:\n.code32\n"                  \
            "x86d_" #id "_32:\n\t" t32 "\nx86d_" #id "_32e:\n.code16\n"                  \
            "x86d_" #id "_16:\n\t" t16 "\nx86d_" #id "_16e:\n.code64\n.popsection\n");  \
    extern const u8 x86d_##id##_64[], x86d_##id##_64e[], x86d_##id##_32[],               \
        x86d_##id##_32e[], x86d_##id##_16[], x86d_##id##_16e[];
#define ENTRY3(id, t64, t32, t16, fl)                                                    \
    { { t64, x86d_##id##_64, x86d_##id##_64e, fl },                                      \
      { t32, x86d_##id##_32, x86d_##id##_32e, fl },                                      \
      { t16, x86d_##id##_16, x86d_##id##_16e, fl } },

#define DUALS(X)                                                                         \
    X(mov_st, "mov %ecx, (%rbx)", "mov %ecx, (%ebx)", "mov %ecx, (%bx)", P_RBX)          \
    X(mov_ld16, "mov 2(%rbx), %dx", "mov 2(%ebx), %dx", "mov 2(%bx), %dx", P_RBX)        \
    X(mov_st8h, "mov %ch, -1(%rbx)", "mov %ch, -1(%ebx)", "mov %ch, -1(%bx)", P_RBX)     \
    X(mov_i16, "movw $0x8001, (%rbx)", "movw $0x8001, (%ebx)", "movw $0x8001, (%bx)",    \
      P_RBX)                                                                             \
    X(mov_si, "mov %eax, 4(%rsi)", "mov %eax, 4(%esi)", "mov %eax, 4(%si)", P_RSI)       \
    X(mov_bpdi, "mov 6(%rbp,%rdi), %eax", "mov 6(%ebp,%edi), %eax",                      \
      "mov 6(%bp,%di), %eax", P(5) | F_IDXDI)                                            \
    X(add, "add %eax, (%rbx)", "add %eax, (%ebx)", "add %eax, (%bx)", P_RBX)             \
    X(sub8, "subb $0x80, 1(%rbx)", "subb $0x80, 1(%ebx)", "subb $0x80, 1(%bx)", P_RBX)   \
    X(adc16, "adcw %cx, (%rbx)", "adcw %cx, (%ebx)", "adcw %cx, (%bx)", P_RBX)           \
    X(sbb32, "sbb (%rbx), %edx", "sbb (%ebx), %edx", "sbb (%bx), %edx", P_RBX)           \
    X(cmp, "cmp (%rbx), %edx", "cmp (%ebx), %edx", "cmp (%bx), %edx", P_RBX)             \
    X(and_i, "andl $0x0ff0f0f0, (%rbx)", "andl $0x0ff0f0f0, (%ebx)",                     \
      "andl $0x0ff0f0f0, (%bx)", P_RBX)                                                  \
    X(or16, "orw $-3, (%rbx)", "orw $-3, (%ebx)", "orw $-3, (%bx)", P_RBX)               \
    X(xor8, "xor %dl, (%rbx)", "xor %dl, (%ebx)", "xor %dl, (%bx)", P_RBX)               \
    X(lock_add, "lock addw %dx, (%rbx)", "lock addw %dx, (%ebx)", "lock addw %dx, (%bx)",\
      P_RBX)                                                                             \
    X(xchg, "xchg %edx, (%rbx)", "xchg %edx, (%ebx)", "xchg %edx, (%bx)", P_RBX)         \
    X(cmpxchg, "cmpxchg %ecx, (%rbx)", "cmpxchg %ecx, (%ebx)", "cmpxchg %ecx, (%bx)",    \
      P_RBX | F_MATCH)                                                                   \
    X(cmpxchg8b, "cmpxchg8b (%rsi)", "cmpxchg8b (%esi)", "cmpxchg8b (%si)",              \
      P_RSI | F_MATCH8B)                                                                 \
    X(xadd8, "xaddb %cl, (%rbx)", "xaddb %cl, (%ebx)", "xaddb %cl, (%bx)", P_RBX)        \
    X(neg16, "negw (%rbx)", "negw (%ebx)", "negw (%bx)", P_RBX)                          \
    X(inc, "incl (%rbx)", "incl (%ebx)", "incl (%bx)", P_RBX)                            \
    X(not8, "notb (%rbx)", "notb (%ebx)", "notb (%bx)", P_RBX)                           \
    X(test, "testl $0x80000001, (%rbx)", "testl $0x80000001, (%ebx)",                    \
      "testl $0x80000001, (%bx)", P_RBX)                                                 \
    X(bt, "btsl %ecx, (%rbx)", "btsl %ecx, (%ebx)", "btsl %ecx, (%bx)", P_RBX | F_BITS32)\
    X(btw, "btcw %cx, (%rbx)", "btcw %cx, (%ebx)", "btcw %cx, (%bx)", P_RBX | F_BITS16)  \
    X(bti, "btrl $7, (%rbx)", "btrl $7, (%ebx)", "btrl $7, (%bx)", P_RBX)                \
    X(movzx, "movzbl 1(%rbx), %edx", "movzbl 1(%ebx), %edx", "movzbl 1(%bx), %edx",      \
      P_RBX)                                                                             \
    X(movsx, "movswl (%rbx), %edx", "movswl (%ebx), %edx", "movswl (%bx), %edx", P_RBX)  \
    X(pushw, "pushw (%rbx)", "pushw (%ebx)", "pushw (%bx)", P_RBX | P_RSP)               \
    X(popw, "popw (%rbx)", "popw (%ebx)", "popw (%bx)", P_RBX | P_RSP)                   \
    X(movdqu, "movdqu (%rbx), %xmm1", "movdqu (%ebx), %xmm1", "movdqu (%bx), %xmm1",     \
      P_RBX)                                                                             \
    X(movd, "movd %xmm3, 4(%rbx)", "movd %xmm3, 4(%ebx)", "movd %xmm3, 4(%bx)", P_RBX)   \
    X(movaps, "movaps %xmm2, (%rbx)", "movaps %xmm2, (%ebx)", "movaps %xmm2, (%bx)",     \
      P_RBX | F_ALIGN16)                                                                 \
    X(rep_movsl, "rep movsl", "rep movsl", "rep movsl", F_STR)                           \
    X(rep_movsb, "rep movsb", "rep movsb", "rep movsb", F_STR)                           \
    X(rep_stosw, "rep stosw", "rep stosw", "rep stosw", F_STR)                           \
    X(lodsl, "lodsl", "lodsl", "lodsl", F_STR)                                           \
    X(repe_cmpsb, "repe cmpsb", "repe cmpsb", "repe cmpsb", F_STR | F_LOWENT)            \
    X(repne_scasw, "repne scasw", "repne scasw", "repne scasw", F_STR | F_LOWENT)

DUALS(EMIT3)
static const struct form duals[][3] = { DUALS(ENTRY3) };

/* ---- one random run ---- */

/* Random bytes in [lo, hi) of both buffers. */
static void randomize(u64 lo, u64 hi, bool low_entropy)
{
    lo = lo < 64 ? 64 : lo;
    hi = hi > MEM_SIZE ? MEM_SIZE : hi;
    for (u64 i = lo; i < hi; i++)
        mem_a[i] = mem_b[i] = rnd_byte(low_entropy);
}

/* Registers, flags, XMM and memory around the pointers, for one run of form `f`. */
static void prepare(struct native_state *in, u32 fl)
{
    u64 lo = DATA_LO, span = MEM_SIZE - 2 * DATA_LO;

    for (int r = 0; r < 16; r++)
        in->gpr[r] = rnd_value();
    for (int i = 0; i < 16; i++)
        for (int k = 0; k < 16; k += 8) {
            u64 v = rnd_value();

            memcpy(&in->xmm[i][k], &v, 8);
        }
    in->rflags = 0x2 | (rnd() & X86_FL_ARITH) |
                 ((fl & F_DF) && (rnd() & 1) ? X86_FL_DF : 0);
    randomize(64, DATA_LO, false);
    for (int r = 0; r < 16; r++) {
        u64 off;

        if (!(fl & (1u << r)))
            continue;
        off = lo + rnd() % span;
        if (fl & F_ALIGN16)
            off &= ~15ULL;
        if (fl & F_ALIGN8)
            off &= ~7ULL;
        in->gpr[r] = addr_a(off);
        randomize(off - 640, off + 640, fl & F_LOWENT);
    }
    if (fl & (F_COUNT | F_IDX))
        in->gpr[1] = rnd() % 4 ? rnd() % 65 : rnd() % 3;
    if (fl & F_IDXDI)
        in->gpr[7] = rnd() % 65;
    if (fl & F_BITS)
        in->gpr[1] = (u64)((s64)(rnd() % 8192) - 4096);
    if (fl & F_BITS32)
        in->gpr[1] = (rnd() << 32) | (u32)(s32)((s64)(rnd() % 8192) - 4096);
    if (fl & F_BITS16)
        in->gpr[1] = (rnd() << 16) | (u16)(s16)((s64)(rnd() % 8192) - 4096);
    if (fl & F_LOWENT)
        in->gpr[0] = rnd() & 1;
    if (fl & F_A32)
        for (int r = 6; r <= 7; r++)
            in->gpr[r] |= rnd() << 32;
    if ((fl & F_A32) && (rnd() & 1))
        in->gpr[1] |= rnd() << 32;
    if ((fl & F_MATCH) && (rnd() & 1))
        memcpy(&in->gpr[0], mem_a + (in->gpr[fl & P_RSI ? 6 : 3] - addr_a(0)), 8);
    if ((fl & F_MATCH_RDX) && (rnd() & 1))
        in->gpr[0] = in->gpr[2] ^ (rnd() & 1 ? rnd() << 32 : 0);
    if ((fl & F_MATCH8B) && (rnd() & 1)) {
        const u8 *p = mem_a + (in->gpr[fl & P_RSI ? 6 : 3] - addr_a(0));
        u32 lo32, hi32;

        if (rnd() & 1) { /* CMPXCHG16B view */
            memcpy(&in->gpr[0], p, 8);
            memcpy(&in->gpr[2], p + 8, 8);
        }
        memcpy(&lo32, p, 4); /* CMPXCHG8B view, garbage above */
        memcpy(&hi32, p + 4, 4);
        if (rnd() & 1) {
            in->gpr[0] = (rnd() << 32) | lo32;
            in->gpr[2] = (rnd() << 32) | hi32;
        }
    }
}

static bool same_regs(const struct native_state *want, unsigned int mode16_ptrs,
                      u64 base, const char **what, int *which)
{
    for (int r = 0; r < 16; r++) {
        u64 w = want->gpr[r];

        if (mode16_ptrs & (1u << r))
            w -= base;
        if (m.ctxt.regs.gpr[r] != w) {
            *what = "register";
            *which = r;
            return false;
        }
    }
    if ((m.ctxt.regs.rflags ^ want->rflags) & FL_MASK) {
        *what = "flags";
        return false;
    }
    for (int i = 0; i < 16; i++)
        if (memcmp(m.xmm[i], want->xmm[i], 16)) {
            *what = "xmm";
            *which = i;
            return false;
        }
    if (memcmp(mem_a + 64, mem_b + 64, MEM_SIZE - 64)) {
        *what = "memory";
        for (int i = 64; i < MEM_SIZE; i++)
            if (mem_a[i] != mem_b[i]) {
                *which = i;
                break;
            }
        return false;
    }
    return true;
}

static void report(const char *text, unsigned int mode, const struct native_state *in,
                   const struct native_state *want, const char *what, int which, int rc)
{
    print_message("%u-bit \"%s\": %s differs (%d), rc %d, event %u/%x\n", mode, text,
                  what, which, rc, m.ctxt.event.vector, m.ctxt.event.error_code);
    for (int r = 0; r < 16; r++)
        print_message("  r%-2d in %016llx native %016llx emulated %016llx\n", r,
                      in->gpr[r], want->gpr[r], m.ctxt.regs.gpr[r]);
    print_message("  flags in %llx native %llx emulated %llx\n", in->rflags, want->rflags,
                  m.ctxt.regs.rflags);
    if (!strcmp(what, "memory"))
        print_message("  byte %d: native %02x emulated %02x\n", which, mem_a[which],
                      mem_b[which]);
}

/* Put the code in both buffers (and the jump back in the native one). */
static unsigned int place_code(const struct form *f, unsigned int mode)
{
    unsigned int len = (unsigned int)(f->end - f->start);
    struct x86_decoded d;

    memcpy(mem_a + CODE_OFF, f->start, len);
    memcpy(mem_b + CODE_OFF, f->start, len);
    if (mode == 64)
        native_jump_back(mem_a + CODE_OFF + len);
    if (f->flags & F_MOFFS) { /* the absolute address of the operand */
        u64 a = addr_a(0x500 + rnd() % 0x100);

        assert_int_equal(x86_decode(&d, f->start, len, 64, X86_VENDOR_AMD), (int)len);
        memcpy(mem_a + d.imm_off, &a, d.imm_bytes);
        memcpy(mem_b + d.imm_off, &a, d.imm_bytes);
    }
    return len;
}

static void emulated_setup(const struct native_state *in, unsigned int mode)
{
    machine_init(mode, addr_a(0));
    memcpy(m.ctxt.regs.gpr, in->gpr, sizeof(in->gpr));
    m.ctxt.regs.rflags = in->rflags;
    memcpy(m.xmm, in->xmm, sizeof(m.xmm));
    m.fast = rnd() & 1;
    m.no_cmpxchg = !(rnd() % 4);
    m.ctxt.max_reps = rnd() & 1 ? 1 + rnd() % 8 : 0;
}

/* Run a form natively and emulated in `mode` (64, or 32/33/16/17 for `alt`). */
static bool run_one(const struct form *f, const struct form *alt, unsigned int mode)
{
    struct native_state in;
    unsigned int len, alen, calls, ptrs16 = 0;
    const char *what = "";
    int rc, which = -1;

    prepare(&in, f->flags);
    len = place_code(f, 64);
    native_in = in;
    native_run(mem_a + CODE_OFF);
    /* the emulated run, on mem_b: still the buffer as it was */
    alen = alt ? place_code(alt, mode) : len;
    emulated_setup(&in, mode);
    if (mode == 16 || mode == 17) {
        ptrs16 = (f->flags & 0xffff) | P_RSP;
        for (int r = 0; r < 16; r++)
            if (ptrs16 & (1u << r))
                m.ctxt.regs.gpr[r] -= addr_a(0);
        m.ctxt.regs.rip = 0;
    } else
        m.ctxt.regs.rip = addr_a(CODE_OFF);
    rc = emulate_all(&calls);
    if (rc == X86EMUL_OKAY &&
        m.ctxt.regs.rip != (ptrs16 ? alen : addr_a(CODE_OFF) + alen)) {
        what = "rip";
        rc = -1;
    }
    if (rc != X86EMUL_OKAY || !same_regs(&native_out, ptrs16, addr_a(0), &what, &which)) {
        report(alt ? alt->text : f->text, mode, &in, &native_out, what, which, rc);
        memcpy(mem_b, mem_a, MEM_SIZE);
        return false;
    }
    (void)calls;
    return true;
}

/* Random runs per form; X86_TEST_ITERS and X86_TEST_SEED in the environment change
 * them (for longer hunts). */
static unsigned int iters = 40;
#define ITERS iters

static void test_forms_64(void **state)
{
    unsigned int bad = 0;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(forms); i++)
        for (unsigned int it = 0; it < ITERS; it++)
            if (!run_one(&forms[i], NULL, 64)) {
                bad++;
                break;
            }
    printf("# %zu 64-bit forms x %u random runs against the host CPU\n",
           ARRAY_SIZE(forms), ITERS);
    if (bad)
        fail_msg("%u of %zu 64-bit forms differ from the CPU", bad, ARRAY_SIZE(forms));
}

static void run_duals(unsigned int alt, unsigned int mode_a, unsigned int mode_b)
{
    unsigned int bad = 0;

    for (size_t i = 0; i < ARRAY_SIZE(duals); i++)
        for (unsigned int it = 0; it < ITERS; it++)
            if (!run_one(&duals[i][0], &duals[i][alt], it & 1 ? mode_a : mode_b)) {
                bad++;
                break;
            }
    if (bad)
        fail_msg("%u of %zu %s forms differ", bad, ARRAY_SIZE(duals),
                 alt == 1 ? "32-bit" : "16-bit");
}

static void test_forms_32(void **state)
{
    (void)state;
    run_duals(1, 32, 33);
}

static void test_forms_16(void **state)
{
    (void)state;
    run_duals(2, 16, 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms_64),
        cmocka_unit_test(test_forms_32),
        cmocka_unit_test(test_forms_16),
    };

    if (x86_machine_setup())
        return 1;
    if (getenv("X86_TEST_ITERS"))
        iters = (unsigned int)strtoul(getenv("X86_TEST_ITERS"), NULL, 0);
    if (getenv("X86_TEST_SEED"))
        rng = strtoull(getenv("X86_TEST_SEED"), NULL, 0) | 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
