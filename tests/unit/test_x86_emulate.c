/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of x86_emulate() (hypervisor/common/x86_emulate/), judged by the host CPU.
 *
 * Every supported instruction form below is assembled into the test (64-bit code; the
 * 16- and 32-bit ones alongside), then run with random operands (fixed seed) twice:
 * natively, by tests/unit/x86/native.c, on a buffer of host memory with all registers,
 * RFLAGS and XMM registers set; and through x86_emulate() with callbacks over a copy
 * of that buffer. Registers, arithmetic flags, XMM registers and the whole buffer must
 * come out the same. The 32-bit and 16-bit encodings cannot run natively in a 64-bit
 * process: they are emulated in protected, compatibility, real and 16-bit protected
 * mode and compared with the native run of the equivalent 64-bit instruction.
 *
 * X86_TEST_ITERS=<runs per form> and X86_TEST_SEED=<n> in the environment make longer
 * or different random runs.
 *
 * Then hand-checked cases: exceptions (#GP/#SS/#UD/#NM/#PF with their error codes),
 * segment limits and types, REP splitting and the fast paths, port I/O and the TSS
 * bitmap, retries, what cannot be emulated.
 */
#include "unit.h"

#include <stdlib.h>
#include <sys/mman.h>

#include <hv/x86_emulate.h>

#include "x86/native.h"

#define MEM_SIZE  (32 * 1024)
#define CODE_OFF  0       /* the instruction under test, in both buffers */
#define DATA_LO   1024    /* pointers go between DATA_LO and MEM_SIZE - DATA_LO */

#define FL_MASK (X86_FL_ARITH | X86_FL_DF)

static u8 *mem_a; /* the native machine's memory: executable, below 2 GiB */
static u8 *mem_b; /* the emulated machine's copy */
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

/* ---- the emulated machine ---- */

struct machine {
    struct x86_emulate_ctxt ctxt;
    struct x86_seg seg[x86_seg_idtr + 1];
    u8 xmm[16][16];
    bool fast;              /* offer the REP fast paths */
    bool no_cmpxchg;        /* ...and the cmpxchg callback */
    unsigned int contend;   /* cmpxchg: change memory under the first N calls */
    int retry_write_after;  /* write: X86EMUL_RETRY on write number N (-1: never) */
    unsigned int writes, reads, fast_calls, fast_elems, cmpxchg_calls;
    /* port I/O: reads return port_next++, writes are logged */
    u32 port_next;
    unsigned int nr_out;
    struct { unsigned int port, bytes; u32 val; } out[64];
    /* TSS image for the I/O bitmap: linear tss_base maps here */
    u8 tss[0x100];
    u64 tss_base;
};

static struct machine m;

static bool mapped(u64 la, unsigned int bytes, u8 **p)
{
    u64 base = (u64)(unsigned long)mem_a;

    if (m.tss_base && la >= m.tss_base && la + bytes <= m.tss_base + sizeof(m.tss)) {
        *p = m.tss + (la - m.tss_base);
        return true;
    }
    if (la < base || la + bytes > base + MEM_SIZE || la + bytes < la)
        return false;
    *p = mem_b + (la - base);
    return true;
}

static int page_fault(u64 la, struct x86_emulate_ctxt *ctxt, bool write)
{
    ctxt->event.vector = X86_EXC_PF;
    ctxt->event.has_error_code = true;
    ctxt->event.error_code = write ? X86_PFEC_W : 0;
    ctxt->event.cr2 = la;
    return X86EMUL_EXCEPTION;
}

static int cb_fetch(u64 la, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt)
{
    u8 *p;

    /* never across a page: the emulator splits */
    assert_true((la & ~0xfffULL) == ((la + bytes - 1) & ~0xfffULL));
    if (!mapped(la, bytes, &p))
        return page_fault(la, ctxt, false);
    memcpy(buf, p, bytes);
    return X86EMUL_OKAY;
}

static int cb_read(u64 la, void *buf, unsigned int bytes, unsigned int flags,
                   struct x86_emulate_ctxt *ctxt)
{
    u8 *p;

    (void)flags;
    assert_true(bytes >= 1 && bytes <= 16);
    m.reads++;
    if (!mapped(la, bytes, &p))
        return page_fault(la, ctxt, false);
    memcpy(buf, p, bytes);
    return X86EMUL_OKAY;
}

static int cb_write(u64 la, const void *buf, unsigned int bytes, unsigned int flags,
                    struct x86_emulate_ctxt *ctxt)
{
    u8 *p;

    (void)flags;
    assert_true(bytes >= 1 && bytes <= 16);
    if (m.retry_write_after >= 0 && m.writes == (unsigned int)m.retry_write_after)
        return X86EMUL_RETRY;
    m.writes++;
    if (!mapped(la, bytes, &p))
        return page_fault(la, ctxt, true);
    memcpy(p, buf, bytes);
    return X86EMUL_OKAY;
}

static int cb_cmpxchg(u64 la, void *old, const void *new, unsigned int bytes,
                      struct x86_emulate_ctxt *ctxt)
{
    u8 *p;

    m.cmpxchg_calls++;
    if (!mapped(la, bytes, &p))
        return page_fault(la, ctxt, true);
    if (m.contend) { /* another CPU got there first */
        m.contend--;
        p[0] ^= 0x5a;
    }
    if (!memcmp(p, old, bytes))
        memcpy(p, new, bytes);
    else
        memcpy(old, p, bytes);
    return X86EMUL_OKAY;
}

static int cb_read_io(unsigned int port, unsigned int bytes, u32 *val,
                      struct x86_emulate_ctxt *ctxt)
{
    (void)ctxt;
    assert_true(bytes == 1 || bytes == 2 || bytes == 4);
    *val = (m.port_next++ + port) & (bytes == 4 ? ~0u : (1u << (8 * bytes)) - 1);
    return X86EMUL_OKAY;
}

static int cb_write_io(unsigned int port, unsigned int bytes, u32 val,
                       struct x86_emulate_ctxt *ctxt)
{
    (void)ctxt;
    if (m.nr_out < ARRAY_SIZE(m.out)) {
        m.out[m.nr_out].port = port;
        m.out[m.nr_out].bytes = bytes;
        m.out[m.nr_out].val = val;
    }
    m.nr_out++;
    return X86EMUL_OKAY;
}

static int cb_read_segment(enum x86_segment seg, struct x86_seg *reg,
                           struct x86_emulate_ctxt *ctxt)
{
    (void)ctxt;
    assert_true(seg <= x86_seg_idtr);
    *reg = m.seg[seg];
    return X86EMUL_OKAY;
}

static int cb_read_xmm(unsigned int reg, void *buf, struct x86_emulate_ctxt *ctxt)
{
    (void)ctxt;
    assert_true(reg < 16);
    memcpy(buf, m.xmm[reg], 16);
    return X86EMUL_OKAY;
}

static int cb_write_xmm(unsigned int reg, const void *buf, struct x86_emulate_ctxt *ctxt)
{
    (void)ctxt;
    assert_true(reg < 16);
    memcpy(m.xmm[reg], buf, 16);
    return X86EMUL_OKAY;
}

/* The fast paths: the range must stay within one page. */
static void check_range(u64 la, unsigned int bytes, u64 reps, bool back)
{
    u64 lo = back ? la - (reps - 1) * bytes : la, hi = lo + reps * bytes - 1;

    assert_true((lo & ~0xfffULL) == (hi & ~0xfffULL));
}

static int cb_rep_movs(u64 dst, u64 src, unsigned int bytes, u64 *reps, bool back,
                       struct x86_emulate_ctxt *ctxt)
{
    u8 *d, *s;

    (void)ctxt;
    check_range(dst, bytes, *reps, back);
    check_range(src, bytes, *reps, back);
    m.fast_calls++;
    m.fast_elems += *reps;
    for (u64 i = 0; i < *reps; i++) {
        u64 k = back ? -(i * bytes) : i * bytes;

        if (!mapped(src + k, bytes, &s) || !mapped(dst + k, bytes, &d)) {
            *reps = i;
            return page_fault(src + k, ctxt, false);
        }
        memmove(d, s, bytes);
    }
    return X86EMUL_OKAY;
}

static int cb_rep_stos(u64 dst, u64 val, unsigned int bytes, u64 *reps, bool back,
                       struct x86_emulate_ctxt *ctxt)
{
    u8 *d;

    (void)ctxt;
    check_range(dst, bytes, *reps, back);
    m.fast_calls++;
    m.fast_elems += *reps;
    for (u64 i = 0; i < *reps; i++) {
        if (!mapped(dst + (back ? -(i * bytes) : i * bytes), bytes, &d)) {
            *reps = i;
            return page_fault(dst, ctxt, true);
        }
        memcpy(d, &val, bytes);
    }
    return X86EMUL_OKAY;
}

static int cb_rep_ins(unsigned int port, u64 dst, unsigned int bytes, u64 *reps,
                      bool back, struct x86_emulate_ctxt *ctxt)
{
    u8 *d;

    check_range(dst, bytes, *reps, back);
    m.fast_calls++;
    m.fast_elems += *reps;
    for (u64 i = 0; i < *reps; i++) {
        u32 v;

        cb_read_io(port, bytes, &v, ctxt);
        if (!mapped(dst + (back ? -(i * bytes) : i * bytes), bytes, &d))
            return *reps = i, page_fault(dst, ctxt, true);
        memcpy(d, &v, bytes);
    }
    return X86EMUL_OKAY;
}

static int cb_rep_outs(unsigned int port, u64 src, unsigned int bytes, u64 *reps,
                       bool back, struct x86_emulate_ctxt *ctxt)
{
    u8 *s;

    check_range(src, bytes, *reps, back);
    m.fast_calls++;
    m.fast_elems += *reps;
    for (u64 i = 0; i < *reps; i++) {
        u32 v = 0;

        if (!mapped(src + (back ? -(i * bytes) : i * bytes), bytes, &s))
            return *reps = i, page_fault(src, ctxt, false);
        memcpy(&v, s, bytes);
        cb_write_io(port, bytes, v, ctxt);
    }
    return X86EMUL_OKAY;
}

static struct x86_emulate_ops ops_plain = {
    .insn_fetch = cb_fetch, .read = cb_read, .write = cb_write, .cmpxchg = cb_cmpxchg,
    .read_io = cb_read_io, .write_io = cb_write_io, .read_segment = cb_read_segment,
    .read_xmm = cb_read_xmm, .write_xmm = cb_write_xmm,
};
static struct x86_emulate_ops ops_fast;
static struct x86_emulate_ops ops_nocx;

static const struct x86_emulate_ops *ops(void)
{
    if (m.no_cmpxchg)
        return &ops_nocx;
    return m.fast ? &ops_fast : &ops_plain;
}

/* Segment attributes: type | S | P | DB/L | G. */
#define ATTR_DATA  (0x3 | X86_SEG_S | X86_SEG_P | X86_SEG_DB | X86_SEG_G)
#define ATTR_CODE32 (0xb | X86_SEG_S | X86_SEG_P | X86_SEG_DB | X86_SEG_G)
#define ATTR_CODE64 (0xb | X86_SEG_S | X86_SEG_P | X86_SEG_L | X86_SEG_G)
#define ATTR_CODE16 (0xb | X86_SEG_S | X86_SEG_P)
#define ATTR_DATA16 (0x3 | X86_SEG_S | X86_SEG_P)

static u16 host_sel[6];
static enum x86_vendor host_vendor;

static void set_seg(enum x86_segment s, u16 sel, u16 attr, u32 limit, u64 base)
{
    m.seg[s].sel = sel;
    m.seg[s].attr = attr;
    m.seg[s].limit = limit;
    m.seg[s].base = base;
}

/* A fresh machine in a mode: 64 (long mode), 32 (protected, flat), 33 (compatibility
 * mode, flat), 16 (real mode, segments at `base16`), 17 (16-bit protected mode). */
static void machine_init(unsigned int mode, u64 base16)
{
    memset(&m.ctxt, 0, sizeof(m.ctxt));
    memset(m.seg, 0, sizeof(m.seg));
    m.ctxt.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP;
    m.ctxt.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR;
    m.ctxt.efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
    m.ctxt.vendor = host_vendor;
    m.ctxt.regs.rflags = 0x2;
    m.retry_write_after = -1;
    m.contend = 0;
    m.tss_base = 0;
    for (int s = x86_seg_es; s <= x86_seg_gs; s++)
        set_seg(s, host_sel[s], ATTR_DATA, 0xffffffff, 0);
    set_seg(x86_seg_tr, 0x40, 0xb | X86_SEG_P, 0x67, 0);
    switch (mode) {
    case 64:
        set_seg(x86_seg_cs, host_sel[x86_seg_cs], ATTR_CODE64, 0xffffffff, 0);
        break;
    case 32:
    case 33:
        set_seg(x86_seg_cs, 0x8, ATTR_CODE32, 0xffffffff, 0);
        for (int s = x86_seg_es; s <= x86_seg_gs; s++)
            if (s != x86_seg_cs)
                set_seg(s, 0x10, ATTR_DATA, 0xffffffff, 0);
        if (mode == 32)
            m.ctxt.efer = 0;
        break;
    case 16:
    case 17:
        m.ctxt.efer = 0;
        m.ctxt.cr0 = mode == 16 ? 0 : X86_CR0_PE;
        for (int s = x86_seg_es; s <= x86_seg_gs; s++)
            set_seg(s, mode == 16 ? (u16)(base16 >> 4) : 0x18,
                    s == x86_seg_cs ? ATTR_CODE16 : ATTR_DATA16, 0xffff, base16);
        break;
    }
}

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
#define F_LOWENT    (1u << 25)      /* memory and rax of 0s and 1s (long CMPS/SCAS runs) */
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
    __asm__(".pushsection .rodata.x86forms, \"a\"\n.globl x86f_" #id "_s, x86f_" #id "_e\n" \
            "x86f_" #id "_s:\n\t" text "\nx86f_" #id "_e:\n.popsection\n");               \
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
    X(mov_bpdi, "mov 6(%rbp,%rdi), %eax", "mov 6(%ebp,%edi), %eax", "mov 6(%bp,%di), %eax", \
      P(5) | F_IDXDI)                                                                    \
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

static u64 addr_a(u64 off)
{
    return (u64)(unsigned long)mem_a + off;
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
    in->rflags = 0x2 | (rnd() & X86_FL_ARITH) | ((fl & F_DF) && (rnd() & 1) ? X86_FL_DF : 0);
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
    print_message("%u-bit \"%s\": %s differs (%d), rc %d, event %u/%x\n", mode, text, what,
                  which, rc, m.ctxt.event.vector, m.ctxt.event.error_code);
    for (int r = 0; r < 16; r++)
        print_message("  r%-2d in %016llx native %016llx emulated %016llx\n", r, in->gpr[r],
                      want->gpr[r], m.ctxt.regs.gpr[r]);
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
    printf("# %zu 64-bit forms x %u random runs against the host CPU\n", ARRAY_SIZE(forms),
           ITERS);
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

/* ---- hand-checked cases ---- */

static unsigned int unhex(const char *s, u8 *b)
{
    unsigned int n = 0;

    for (; s[0] && s[1]; s += 2) {
        if (s[0] == ' ') {
            s--;
            continue;
        }
        b[n++] = (u8)strtoul((char[]){ s[0], s[1], 0 }, NULL, 16);
    }
    return n;
}

/* Where emu() puts RIP: the start of the buffer (as CS sees it) unless a test moves it. */
static u64 code_rip;

/* Emulate `hex` placed at the start of the buffer, once, RIP at code_rip. */
static int emu(const char *hex)
{
    u8 b[32];
    unsigned int n = unhex(hex, b);

    memcpy(mem_b + CODE_OFF, b, n);
    m.ctxt.regs.rip = code_rip;
    m.ctxt.insn_buf_len = 0;
    m.writes = m.reads = m.fast_calls = m.fast_elems = m.cmpxchg_calls = 0;
    return x86_emulate(&m.ctxt, ops());
}

/* A machine in `mode` with its registers zeroed and RIP at the buffer. */
static void fresh(unsigned int mode)
{
    memset(mem_b, 0, MEM_SIZE);
    machine_init(mode, addr_a(0));
    m.fast = m.no_cmpxchg = false;
    m.nr_out = 0;
    m.port_next = 0x10;
    code_rip = m.ctxt.regs.rip = mode == 16 || mode == 17 ? 0 : addr_a(CODE_OFF);
}

static void expect_exception_at(int rc, unsigned int vector, int error_code, int line)
{
    const struct x86_event *e = &m.ctxt.event;

    if (rc != X86EMUL_EXCEPTION || e->vector != vector ||
        e->has_error_code != (error_code >= 0) ||
        (error_code >= 0 && e->error_code != (u32)error_code))
        fail_msg("line %d: rc %d, vector %u, error code %s%x; expected exception %u (%d)",
                 line, rc, e->vector, e->has_error_code ? "" : "none ", e->error_code,
                 vector, error_code);
}
#define expect_exception(rc, v, ec) expect_exception_at((rc), (v), (ec), __LINE__)

static void test_canonical(void **state)
{
    struct x86_regs before;

    (void)state;
    fresh(64);
    m.ctxt.regs.rbx = 0x0000800000000000ULL;
    before = m.ctxt.regs;
    expect_exception(emu("8903"), X86_EXC_GP, 0);         /* mov %eax, (%rbx) */
    assert_memory_equal(&m.ctxt.regs, &before, sizeof(before));
    assert_int_equal(m.writes, 0);
    m.ctxt.regs.rbx = 0xffff7fffffffffffULL;
    expect_exception(emu("8b03"), X86_EXC_GP, 0);
    m.ctxt.regs.rbx = 0x00007ffffffffffeULL;              /* the last bytes are not */
    expect_exception(emu("8903"), X86_EXC_GP, 0);
    m.ctxt.regs.rbx = 0x00007ffffffffffcULL;              /* canonical: the callback's #PF */
    expect_exception(emu("8903"), X86_EXC_PF, X86_PFEC_W);
    /* with 5-level paging the same address is canonical */
    m.ctxt.cr4 |= X86_CR4_LA57;
    m.ctxt.regs.rbx = 0x0000800000000000ULL;
    expect_exception(emu("8903"), X86_EXC_PF, X86_PFEC_W);
    m.ctxt.regs.rbx = 0x0100000000000000ULL;
    expect_exception(emu("8903"), X86_EXC_GP, 0);
    m.ctxt.cr4 &= ~(u64)X86_CR4_LA57;
    /* SS-relative: #SS(0) */
    m.ctxt.regs.rsp = 0x0000900000000000ULL;
    expect_exception(emu("890424"), X86_EXC_SS, 0);        /* mov %eax, (%rsp) */
    m.ctxt.regs.rbp = 0x8000000000000000ULL;
    expect_exception(emu("894508"), X86_EXC_SS, 0);        /* mov %eax, 8(%rbp) */
    m.ctxt.regs.r13 = 0x8000000000000000ULL;
    expect_exception(emu("41894500"), X86_EXC_GP, 0);      /* r13 is not rBP */
    m.ctxt.regs.rbx = addr_a(0x1000);
    expect_exception(emu("ff33"), X86_EXC_SS, 0);          /* push (%rbx): the stack */
    m.ctxt.regs.rbx = 0x8000000000000000ULL;
    expect_exception(emu("368b03"), X86_EXC_GP, 0);        /* SS override ignored */
    /* FS and GS bases count in 64-bit mode */
    m.ctxt.regs.rbx = 0x100;
    m.ctxt.regs.rax = 0xdeadbeef;
    set_seg(x86_seg_fs, 0, ATTR_DATA, 0, addr_a(0));
    assert_int_equal(emu("648903"), X86EMUL_OKAY);         /* mov %eax, %fs:(%rbx) */
    assert_int_equal(*(u32 *)(mem_b + 0x100), 0xdeadbeef);
    set_seg(x86_seg_gs, 0, ATTR_DATA, 0, 0x00007ffffffff000ULL);
    m.ctxt.regs.rbx = 0x2000;
    expect_exception(emu("658903"), X86_EXC_GP, 0);
    /* other segment bases do not */
    set_seg(x86_seg_ds, 0, ATTR_DATA, 0, 0x1000);
    m.ctxt.regs.rbx = addr_a(0x200);
    assert_int_equal(emu("8903"), X86EMUL_OKAY);
    assert_int_equal(*(u32 *)(mem_b + 0x200), 0xdeadbeef);
    /* RIP itself */
    code_rip = 0x0000800000000000ULL;
    expect_exception(emu("90"), X86_EXC_GP, 0);
}

static void test_segment_limits(void **state)
{
    (void)state;
    fresh(32);
    m.ctxt.regs.rax = 0x11223344;
    set_seg(x86_seg_ds, 0x10, ATTR_DATA & ~X86_SEG_G, 0xfff, addr_a(0));
    m.ctxt.regs.rbx = 0xffc;
    assert_int_equal(emu("8903"), X86EMUL_OKAY);           /* the last 4 bytes */
    assert_int_equal(*(u32 *)(mem_b + 0xffc), 0x11223344);
    m.ctxt.regs.rbx = 0xffd;
    expect_exception(emu("8903"), X86_EXC_GP, 0);
    m.ctxt.regs.rbx = 0x1000;
    expect_exception(emu("8b03"), X86_EXC_GP, 0);
    /* SS: #SS(0) */
    set_seg(x86_seg_ss, 0x10, ATTR_DATA & ~X86_SEG_G, 0xfff, addr_a(0));
    m.ctxt.regs.rbp = 0xffe;
    expect_exception(emu("894500"), X86_EXC_SS, 0);        /* mov %eax, 0(%ebp) */
    m.ctxt.regs.rsp = 0x1002;
    m.ctxt.regs.rbx = 0x10;
    expect_exception(emu("ff33"), X86_EXC_SS, 0);          /* push (%ebx): the stack */
    /* expand-down: valid offsets are above the limit */
    set_seg(x86_seg_ds, 0x10, 0x7 | X86_SEG_S | X86_SEG_P | X86_SEG_DB, 0xfff, addr_a(0));
    m.ctxt.regs.rbx = 0x800;
    expect_exception(emu("8903"), X86_EXC_GP, 0);
    m.ctxt.regs.rbx = 0x1000;
    assert_int_equal(emu("8903"), X86EMUL_OKAY);
    assert_int_equal(*(u32 *)(mem_b + 0x1000), 0x11223344);
    set_seg(x86_seg_ds, 0x10, 0x7 | X86_SEG_S | X86_SEG_P, 0xfff, addr_a(0)); /* B=0 */
    m.ctxt.regs.rbx = 0xfffd;
    expect_exception(emu("8903"), X86_EXC_GP, 0);          /* crosses 0xffff */
    /* types: read-only data, execute-only and readable code, null selector */
    set_seg(x86_seg_ds, 0x10, 0x1 | X86_SEG_S | X86_SEG_P | X86_SEG_DB | X86_SEG_G,
            0xffffffff, 0);
    m.ctxt.regs.rbx = addr_a(0x2000);
    expect_exception(emu("8903"), X86_EXC_GP, 0);
    assert_int_equal(emu("8b0b"), X86EMUL_OKAY);
    set_seg(x86_seg_cs, 0x8, 0x9 | X86_SEG_S | X86_SEG_P | X86_SEG_DB | X86_SEG_G,
            0xffffffff, 0);
    expect_exception(emu("2e8b03"), X86_EXC_GP, 0);        /* execute-only */
    set_seg(x86_seg_cs, 0x8, ATTR_CODE32, 0xffffffff, 0);
    assert_int_equal(emu("2e8b03"), X86EMUL_OKAY);         /* readable */
    expect_exception(emu("2e8903"), X86_EXC_GP, 0);        /* never writable */
    set_seg(x86_seg_es, 0, 0, 0, 0);
    expect_exception(emu("268903"), X86_EXC_GP, 0);        /* null ES */
    m.ctxt.regs.rdi = addr_a(0x3000);
    expect_exception(emu("aa"), X86_EXC_GP, 0);            /* STOSB goes through ES */
    /* CS limit: the instruction must fit */
    set_seg(x86_seg_cs, 0x8, ATTR_CODE32 & ~X86_SEG_G, 0, addr_a(0));
    code_rip = 0;
    expect_exception(emu("8b03"), X86_EXC_GP, 0);
    set_seg(x86_seg_cs, 0x8, ATTR_CODE32 & ~X86_SEG_G, 1, addr_a(0));
    assert_int_equal(emu("8b03"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rip, 2);
    /* real mode: the (cached) limit applies, and no error code is pushed */
    fresh(16);
    set_seg(x86_seg_ds, 0x100, ATTR_DATA16, 0x1fff, addr_a(0));
    m.ctxt.regs.rbx = 0x1fff;
    expect_exception(emu("8907"), X86_EXC_GP, -1);         /* mov %ax, (%bx) */
    m.ctxt.regs.rbx = 0x1ffe;
    assert_int_equal(emu("8907"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.mode, X86_MODE_REAL);
    /* big real mode: a 4 GiB limit admits 32-bit offsets */
    set_seg(x86_seg_ds, 0, ATTR_DATA16, 0xffffffff, 0);
    m.ctxt.regs.rbx = addr_a(0x100);
    m.ctxt.regs.rax = 0x55667788;
    assert_int_equal(emu("67668903"), X86EMUL_OKAY);       /* mov %eax, (%ebx) */
    assert_int_equal(*(u32 *)(mem_b + 0x100), 0x55667788);
}

static void test_sse_checks(void **state)
{
    u8 x[16];

    (void)state;
    fresh(64);
    for (int i = 0; i < 16; i++)
        x[i] = (u8)(0xa0 + i);
    memcpy(m.xmm[1], x, 16);
    m.ctxt.regs.rbx = addr_a(0x1008);
    expect_exception(emu("660f7f0b"), X86_EXC_GP, 0);      /* movdqa %xmm1, (%rbx) */
    assert_int_equal(m.writes, 0);
    expect_exception(emu("0f290b"), X86_EXC_GP, 0);        /* movaps */
    expect_exception(emu("660f382a0b"), X86_EXC_GP, 0);    /* movntdqa */
    assert_int_equal(emu("f30f7f0b"), X86EMUL_OKAY);       /* movdqu: any alignment */
    assert_memory_equal(mem_b + 0x1008, x, 16);
    m.ctxt.regs.rbx = addr_a(0x1010);
    assert_int_equal(emu("660f7f0b"), X86EMUL_OKAY);
    assert_memory_equal(mem_b + 0x1010, x, 16);
    m.ctxt.cr0 |= X86_CR0_TS;
    expect_exception(emu("660f7f0b"), X86_EXC_NM, -1);
    m.ctxt.cr0 &= ~(u64)X86_CR0_TS;
    m.ctxt.cr4 &= ~(u64)X86_CR4_OSFXSR;
    expect_exception(emu("660f7f0b"), X86_EXC_UD, -1);
    m.ctxt.cr4 |= X86_CR4_OSFXSR;
    m.ctxt.cr0 |= X86_CR0_EM;
    expect_exception(emu("660f6e0b"), X86_EXC_UD, -1);
    m.ctxt.cr0 &= ~(u64)X86_CR0_EM;
    m.ctxt.regs.rbx = addr_a(0x1008);
    expect_exception(emu("480fc70b"), X86_EXC_GP, 0);      /* cmpxchg16b misaligned */
    /* MMX forms and VEX moves are not emulated */
    assert_int_equal(emu("0f6f0b"), X86EMUL_UNHANDLEABLE);
    assert_non_null(m.ctxt.reason);
    assert_int_equal(emu("c5f8280b"), X86EMUL_UNHANDLEABLE);
}

static void test_invalid(void **state)
{
    struct x86_regs before;

    (void)state;
    fresh(64);
    m.ctxt.regs.rbx = addr_a(0x1000);
    before = m.ctxt.regs;
    expect_exception(emu("f08903"), X86_EXC_UD, -1);       /* lock mov */
    expect_exception(emu("f001c0"), X86_EXC_UD, -1);       /* lock add reg, reg */
    expect_exception(emu("f00303"), X86_EXC_UD, -1);       /* lock add (%rbx), %eax */
    expect_exception(emu("f00fa303"), X86_EXC_UD, -1);     /* lock bt */
    expect_exception(emu("f03903"), X86_EXC_UD, -1);       /* lock cmp */
    expect_exception(emu("0f04"), X86_EXC_UD, -1);
    expect_exception(emu("c7c8 00000000"), X86_EXC_UD, -1); /* C7 /1 */
    assert_memory_equal(&m.ctxt.regs, &before, sizeof(before));
    assert_int_equal(m.writes, 0);
    /* 15 bytes is the limit */
    assert_int_equal(emu("2e2e2e2e2e2e2e2e2e2e2e2e2e8903"), X86EMUL_OKAY);
    m.ctxt.regs.rip = addr_a(CODE_OFF);
    expect_exception(emu("2e2e2e2e2e2e2e2e2e2e2e2e2e2e8903"), X86_EXC_GP, 0);
    expect_exception(emu("f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"), X86_EXC_GP, 0);
    m.ctxt.regs = before;
    /* not emulated: reported with the bytes, the mode and RIP */
    assert_int_equal(emu("f733"), X86EMUL_UNHANDLEABLE);   /* div (%rbx) */
    assert_string_equal(m.ctxt.reason, "instruction not emulated");
    assert_true(m.ctxt.insn_buf_len >= 2);
    assert_int_equal(m.ctxt.insn_buf[0], 0xf7);
    assert_int_equal(m.ctxt.insn_buf[1], 0x33);
    assert_int_equal(m.ctxt.mode, X86_MODE_LONG64);
    assert_int_equal(m.ctxt.insn.len, 2);
    assert_memory_equal(&m.ctxt.regs, &before, sizeof(before));
    assert_int_equal(emu("d123"), X86EMUL_UNHANDLEABLE);   /* shl (%rbx) */
    assert_int_equal(emu("0f0b"), X86EMUL_UNHANDLEABLE);   /* ud2: valid, not emulated */
    assert_int_equal(emu("4990"), X86EMUL_UNHANDLEABLE);   /* xchg %r8, %rax */
    fresh(32);
    assert_int_equal(emu("6303"), X86EMUL_UNHANDLEABLE);   /* arpl */
}

/* Instruction fetch: a page at a time, and the next page only when needed. */
static void test_fetch(void **state)
{
    u64 end = addr_a(MEM_SIZE); /* page aligned; unmapped beyond */

    (void)state;
    fresh(64);
    mem_b[MEM_SIZE - 1] = 0x90;                             /* nop on the last byte */
    m.ctxt.regs.rip = end - 1;
    m.ctxt.insn_buf_len = 0;
    assert_int_equal(x86_emulate(&m.ctxt, ops()), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rip, end);
    mem_b[MEM_SIZE - 1] = 0x89;                             /* mov: needs the next page */
    m.ctxt.regs.rip = end - 1;
    m.ctxt.insn_buf_len = 0;
    expect_exception(x86_emulate(&m.ctxt, ops()), X86_EXC_PF, 0);
    assert_int_equal(m.ctxt.event.cr2, end);
    assert_int_equal(m.ctxt.regs.rip, end - 1);
    /* bytes the caller has (decode assists) are used as they are */
    fresh(64);
    m.ctxt.regs.rip = 0x1000; /* unmapped: only the given bytes exist */
    m.ctxt.regs.rbx = addr_a(0x2000);
    m.ctxt.regs.rax = 0x1234;
    memcpy(m.ctxt.insn_buf, "\x89\x03", 2);
    m.ctxt.insn_buf_len = 2;
    assert_int_equal(x86_emulate(&m.ctxt, ops()), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rip, 0x1002);
    assert_int_equal(*(u32 *)(mem_b + 0x2000), 0x1234);
    /* ... and only what they lack is fetched */
    memcpy(m.ctxt.insn_buf, "\x48", 1);
    m.ctxt.insn_buf_len = 1;
    m.ctxt.regs.rip = 0x1000;
    expect_exception(x86_emulate(&m.ctxt, ops()), X86_EXC_PF, 0);
    assert_int_equal(m.ctxt.event.cr2, 0x1001);
}

/* REP: split by max_reps, with RIP kept until the count runs out. */
static void test_rep_split(void **state)
{
    u8 want[MEM_SIZE];
    unsigned int calls;

    (void)state;
    for (int fast = 0; fast < 2; fast++)
        for (int df = 0; df < 2; df++) {
            fresh(64);
            for (int i = 0; i < MEM_SIZE; i++)
                mem_b[i] = (u8)(i * 7 + 3);
            mem_b[0] = 0xf3;
            mem_b[1] = 0xa4;                               /* rep movsb */
            memcpy(want, mem_b, MEM_SIZE);
            memmove(want + (df ? 0x2000 - 99 : 0x2000), want + (df ? 0x1000 - 99 : 0x1000), 100);
            m.fast = fast;
            m.ctxt.max_reps = 7;
            m.ctxt.regs.rcx = 100;
            m.ctxt.regs.rsi = addr_a(0x1000);
            m.ctxt.regs.rdi = addr_a(0x2000);
            m.ctxt.regs.rflags = 0x2 | (df ? X86_FL_DF : 0);
            for (calls = 0; m.ctxt.regs.rip == addr_a(0); calls++) {
                m.ctxt.insn_buf_len = 0;
                assert_int_equal(x86_emulate(&m.ctxt, ops()), X86EMUL_OKAY);
                if (m.ctxt.regs.rip == addr_a(0))
                    assert_int_equal(m.ctxt.regs.rcx, 100 - 7 * (calls + 1));
            }
            assert_int_equal(calls, 15);
            assert_int_equal(m.ctxt.regs.rcx, 0);
            assert_int_equal(m.ctxt.regs.rsi, addr_a(df ? 0x1000 - 100 : 0x1000 + 100));
            assert_int_equal(m.ctxt.regs.rdi, addr_a(df ? 0x2000 - 100 : 0x2000 + 100));
            assert_int_equal(m.ctxt.regs.rip, addr_a(2));
            assert_memory_equal(mem_b, want, MEM_SIZE);
        }
    /* the fast path never crosses a page (check_range asserts it) and moves many;
     * elements straddling a page go one at a time */
    fresh(64);
    for (int i = 0; i < MEM_SIZE; i++)
        mem_b[i] = (u8)(i * 13 + 1);
    mem_b[0] = 0xf3;
    mem_b[1] = 0x48;
    mem_b[2] = 0xa5;                                       /* rep movsq */
    memcpy(want, mem_b, MEM_SIZE);
    memmove(want + 0x3004, want + 0x0ff8, 1000 * 8);
    m.fast = true;
    m.ctxt.max_reps = 1000;
    m.ctxt.regs.rcx = 1000;
    m.ctxt.regs.rsi = addr_a(0x0ff8);
    m.ctxt.regs.rdi = addr_a(0x3004);
    m.ctxt.insn_buf_len = 0;
    m.fast_calls = m.fast_elems = 0;
    assert_int_equal(x86_emulate(&m.ctxt, ops()), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rcx, 0);
    assert_int_equal(m.ctxt.regs.rip, addr_a(3));
    /* 1 alone (source page end), 510 fast, 2 alone (destination, then source page
     * end), 487 fast */
    assert_int_equal(m.fast_calls, 2);
    assert_int_equal(m.fast_elems, 997);
    assert_memory_equal(mem_b, want, MEM_SIZE);
    /* count 0: nothing done, RIP moves on */
    m.ctxt.regs.rcx = 0;
    assert_int_equal(emu("f3a4"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rip, addr_a(2));
    assert_int_equal(m.writes + m.fast_calls, 0);
    /* 32-bit address size: ECX counts, and the count is a 32-bit register */
    m.ctxt.regs.rcx = 0xffffffff00000003ULL;
    m.ctxt.regs.rsi = addr_a(0x1000);
    m.ctxt.regs.rdi = addr_a(0x2000);
    m.ctxt.max_reps = 0;
    assert_int_equal(emu("67f3a4"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rcx, 0);
    /* TF: one iteration, then #DB */
    m.ctxt.regs.rcx = 5;
    m.ctxt.regs.rflags = 0x2 | X86_FL_TF;
    assert_int_equal(emu("f3a4"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rcx, 4);
    assert_int_equal(m.ctxt.regs.rip, addr_a(0));
    assert_true(m.ctxt.retire & X86EMUL_RETIRE_SINGLESTEP);
    (void)calls;
}

/* RETRY and faults part-way: completed iterations stay, nothing else. */
static void test_retry_and_faults(void **state)
{
    struct x86_regs before;

    (void)state;
    fresh(64);
    m.ctxt.regs.rbx = addr_a(0x1000);
    m.ctxt.regs.rax = 0x77;
    before = m.ctxt.regs;
    m.retry_write_after = 0;
    assert_int_equal(emu("8903"), X86EMUL_RETRY);
    assert_memory_equal(&m.ctxt.regs, &before, sizeof(before));
    m.no_cmpxchg = true;                                    /* lock add: read + write */
    assert_int_equal(emu("f00103"), X86EMUL_RETRY);
    assert_memory_equal(&m.ctxt.regs, &before, sizeof(before));
    m.no_cmpxchg = false;
    /* rep movsb: the 4th write asks for a retry */
    m.ctxt.regs.rcx = 10;
    m.ctxt.regs.rsi = addr_a(0x1000);
    m.ctxt.regs.rdi = addr_a(0x2000);
    m.retry_write_after = 3;
    assert_int_equal(emu("f3a4"), X86EMUL_RETRY);
    assert_int_equal(m.ctxt.regs.rcx, 7);
    assert_int_equal(m.ctxt.regs.rsi, addr_a(0x1003));
    assert_int_equal(m.ctxt.regs.rdi, addr_a(0x2003));
    assert_int_equal(m.ctxt.regs.rip, addr_a(0));
    m.retry_write_after = -1;
    assert_int_equal(emu("f3a4"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rcx, 0);
    assert_int_equal(m.ctxt.regs.rip, addr_a(2));
    /* rep stosl running off the mapped memory: #PF after the elements that fit */
    m.ctxt.regs.rip = addr_a(0);
    m.ctxt.regs.rcx = 10;
    m.ctxt.regs.rdi = addr_a(MEM_SIZE - 12);
    expect_exception(emu("f3ab"), X86_EXC_PF, X86_PFEC_W);
    assert_int_equal(m.ctxt.event.cr2, addr_a(MEM_SIZE));
    assert_int_equal(m.ctxt.regs.rcx, 7);
    assert_int_equal(m.ctxt.regs.rdi, addr_a(MEM_SIZE));
    assert_int_equal(m.ctxt.regs.rip, addr_a(0));
}

static void test_io(void **state)
{
    (void)state;
    fresh(64);
    assert_int_equal(emu("e460"), X86EMUL_OKAY);            /* in $0x60, %al */
    assert_int_equal(m.ctxt.regs.rax, 0x70);
    m.ctxt.regs.rax = ~0ULL;
    assert_int_equal(emu("e560"), X86EMUL_OKAY);            /* in $0x60, %eax */
    assert_int_equal(m.ctxt.regs.rax, 0x71);                /* zero-extended */
    m.ctxt.regs.rax = ~0ULL;
    m.ctxt.regs.rdx = 0xabcd03f8;
    assert_int_equal(emu("66ed"), X86EMUL_OKAY);            /* in %dx, %ax */
    assert_int_equal(m.ctxt.regs.rax, 0xffffffffffff0000ULL | ((0x12 + 0x3f8) & 0xffff));
    m.ctxt.regs.rax = 0x12345678;
    assert_int_equal(emu("ee"), X86EMUL_OKAY);              /* out %al, %dx */
    assert_int_equal(emu("e780"), X86EMUL_OKAY);            /* out %eax, $0x80 */
    assert_int_equal(m.nr_out, 2);
    assert_int_equal(m.out[0].port, 0x3f8);
    assert_int_equal(m.out[0].bytes, 1);
    assert_int_equal(m.out[0].val, 0x78);
    assert_int_equal(m.out[1].port, 0x80);
    assert_int_equal(m.out[1].val, 0x12345678);
    /* INS/OUTS, with and without the fast path, both directions */
    for (int fast = 0; fast < 2; fast++)
        for (int df = 0; df < 2; df++) {
            fresh(64);
            m.fast = fast;
            m.ctxt.regs.rdx = 0x1f0;
            m.ctxt.regs.rcx = 5;
            m.ctxt.regs.rdi = addr_a(0x1000);
            m.ctxt.regs.rflags = 0x2 | (df ? X86_FL_DF : 0);
            assert_int_equal(emu("f3666d"), X86EMUL_OKAY);  /* rep insw */
            for (int i = 0; i < 5; i++)
                assert_int_equal(*(u16 *)(mem_b + 0x1000 + (df ? -2 : 2) * i),
                                 0x10 + i + 0x1f0);
            assert_int_equal(m.ctxt.regs.rdi, addr_a(0x1000 + (df ? -10 : 10)));
            m.ctxt.regs.rip = addr_a(0);
            m.ctxt.regs.rcx = 5;
            m.ctxt.regs.rsi = addr_a(0x1000);
            assert_int_equal(emu("f3666f"), X86EMUL_OKAY);  /* rep outsw */
            assert_int_equal(m.nr_out, 5);
            for (int i = 0; i < 5; i++)
                assert_int_equal(m.out[i].val, 0x10 + i + 0x1f0);
            assert_int_equal(m.fast_calls, (unsigned int)fast);
        }
}

/* The TSS I/O permission bitmap: CPL > IOPL in protected mode, always in VM86. */
static void test_io_bitmap(void **state)
{
    (void)state;
    fresh(32);
    m.tss_base = 0x7000;
    memset(m.tss, 0, sizeof(m.tss));
    *(u16 *)(m.tss + 0x66) = 0x68;                          /* I/O map base */
    m.tss[0x68 + 0x60 / 8] = 0x02;                          /* port 0x61 denied */
    set_seg(x86_seg_tr, 0x28, 0xb | X86_SEG_P, 0x68 + 0x20, m.tss_base);
    m.ctxt.cpl = 3;
    assert_int_equal(emu("e460"), X86EMUL_OKAY);
    expect_exception(emu("e461"), X86_EXC_GP, 0);
    expect_exception(emu("66e560"), X86_EXC_GP, 0);         /* 0x60 and 0x61 */
    assert_int_equal(emu("e462"), X86EMUL_OKAY);
    m.ctxt.regs.rdx = 0x1000;                               /* beyond the TSS limit */
    expect_exception(emu("ec"), X86_EXC_GP, 0);
    m.ctxt.regs.rflags |= X86_FL_IOPL;                      /* IOPL 3: no check */
    assert_int_equal(emu("e461"), X86EMUL_OKAY);
    m.ctxt.regs.rflags &= ~(u64)X86_FL_IOPL;
    m.ctxt.cpl = 0;
    assert_int_equal(emu("e461"), X86EMUL_OKAY);
    /* virtual-8086 mode checks the bitmap whatever IOPL */
    m.ctxt.regs.rflags |= X86_FL_VM | X86_FL_IOPL;
    set_seg(x86_seg_cs, 0, ATTR_CODE16, 0xffff, addr_a(0));
    code_rip = 0;
    expect_exception(emu("e461"), X86_EXC_GP, 0);
    assert_int_equal(m.ctxt.mode, X86_MODE_VM86);
    assert_int_equal(emu("e460"), X86EMUL_OKAY);
    /* an unusable TR */
    set_seg(x86_seg_tr, 0, 0, 0, 0);
    expect_exception(emu("e460"), X86_EXC_GP, 0);
    /* real mode: never */
    fresh(16);
    m.ctxt.regs.rflags = 0x2;
    assert_int_equal(emu("e461"), X86EMUL_OKAY);
}

static void test_hlt_sti_cli(void **state)
{
    (void)state;
    fresh(64);
    assert_int_equal(emu("f4"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.retire, X86EMUL_RETIRE_HLT);
    assert_int_equal(m.ctxt.regs.rip, addr_a(1));
    m.ctxt.cpl = 3;
    expect_exception(emu("f4"), X86_EXC_GP, 0);
    expect_exception(emu("fb"), X86_EXC_GP, 0);             /* sti, IOPL 0 */
    m.ctxt.regs.rflags |= X86_FL_IOPL;
    assert_int_equal(emu("fa"), X86EMUL_OKAY);               /* cli */
    assert_false(m.ctxt.regs.rflags & X86_FL_IF);
    assert_int_equal(emu("fb"), X86EMUL_OKAY);
    assert_true(m.ctxt.regs.rflags & X86_FL_IF);
    assert_int_equal(m.ctxt.retire, X86EMUL_RETIRE_STI_SHADOW);
    assert_int_equal(emu("fb"), X86EMUL_OKAY);               /* IF already set */
    assert_int_equal(m.ctxt.retire, 0);
    m.ctxt.regs.rflags |= X86_FL_TF | X86_FL_RF;
    assert_int_equal(emu("90"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.retire, X86EMUL_RETIRE_SINGLESTEP);
    assert_false(m.ctxt.regs.rflags & X86_FL_RF);           /* cleared on retirement */
}

/* LOCKed read-modify-writes are recomputed when memory changes under them. */
static void test_lock_contention(void **state)
{
    u32 v;

    (void)state;
    fresh(64);
    m.ctxt.regs.rbx = addr_a(0x1000);
    m.ctxt.regs.rcx = 0x100;
    *(u32 *)(mem_b + 0x1000) = 0x1000;
    m.contend = 3;
    assert_int_equal(emu("f0010b"), X86EMUL_OKAY);          /* lock add %ecx, (%rbx) */
    v = 0x1000 ^ 0x5a;                                      /* flipped three times */
    assert_int_equal(*(u32 *)(mem_b + 0x1000), v + 0x100);
    assert_int_equal(m.cmpxchg_calls, 4);
    /* xchg is always locked */
    assert_int_equal(emu("870b"), X86EMUL_OKAY);
    assert_int_equal(m.cmpxchg_calls, 1);
    assert_int_equal(m.ctxt.regs.rcx, v + 0x100);
    /* contention without end: give up with RETRY, nothing done */
    m.contend = 1000;
    m.ctxt.regs.rip = addr_a(0);
    assert_int_equal(emu("f0010b"), X86EMUL_RETRY);
    m.contend = 0;
}

static void test_modes(void **state)
{
    static const struct { unsigned int init; enum x86_mode mode; unsigned int bits; } t[] = {
        { 64, X86_MODE_LONG64, 64 }, { 32, X86_MODE_PROT32, 32 },
        { 33, X86_MODE_COMPAT32, 32 }, { 16, X86_MODE_REAL, 16 },
        { 17, X86_MODE_PROT16, 16 },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        fresh(t[i].init);
        assert_int_equal(emu("90"), X86EMUL_OKAY);
        assert_int_equal(m.ctxt.mode, t[i].mode);
        assert_int_equal(x86_mode_bits(t[i].mode), t[i].bits);
    }
    assert_int_equal(x86_mode_of(X86_CR0_PE, X86_EFER_LMA, 0, ATTR_CODE16), X86_MODE_COMPAT16);
    assert_int_equal(x86_mode_bits(X86_MODE_VM86), 16);
    /* a 16-bit stack wraps at 64 KiB; a 32-bit one does not */
    fresh(16);
    set_seg(x86_seg_ss, 0, ATTR_DATA16, 0xffff, addr_a(0) - 0xf000);
    m.ctxt.regs.rsp = 0xffff0000;                          /* only SP counts */
    m.ctxt.regs.rbx = 0x100;
    *(u16 *)(mem_b + 0x100) = 0xbeef;
    assert_int_equal(emu("ff37"), X86EMUL_OKAY);           /* push (%bx) */
    assert_int_equal(m.ctxt.regs.rsp, 0xfffffffe);
    assert_int_equal(*(u16 *)(mem_b + 0xffe), 0xbeef);
    assert_int_equal(m.ctxt.regs.rip, 2);
    set_seg(x86_seg_ss, 0, ATTR_DATA | X86_SEG_DB, 0xffffffff, 0);
    fresh(32);
    m.ctxt.regs.rsp = addr_a(0x2000);
    m.ctxt.regs.rbx = addr_a(0x100);
    assert_int_equal(emu("ff33"), X86EMUL_OKAY);           /* push (%ebx) */
    assert_int_equal(m.ctxt.regs.rsp, addr_a(0x2000 - 4));
    /* IP wraps in 16-bit code */
    code_rip = 0xffff;
    set_seg(x86_seg_cs, 0, ATTR_CODE16, 0xffff, addr_a(0) - 0xffff);
    assert_int_equal(emu("90"), X86EMUL_OKAY);
    assert_int_equal(m.ctxt.regs.rip, 0);
    /* MOV from a segment register */
    fresh(16);
    m.ctxt.regs.rax = 0x12345678;
    assert_int_equal(emu("8cd8"), X86EMUL_OKAY);           /* mov %ds, %ax */
    assert_int_equal(m.ctxt.regs.rax, 0x12340000 | (addr_a(0) >> 4 & 0xffff));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms_64),
        cmocka_unit_test(test_forms_32),
        cmocka_unit_test(test_forms_16),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_segment_limits),
        cmocka_unit_test(test_sse_checks),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_fetch),
        cmocka_unit_test(test_rep_split),
        cmocka_unit_test(test_retry_and_faults),
        cmocka_unit_test(test_io),
        cmocka_unit_test(test_io_bitmap),
        cmocka_unit_test(test_hlt_sti_cli),
        cmocka_unit_test(test_lock_contention),
        cmocka_unit_test(test_modes),
    };

    mem_a = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    mem_b = malloc(MEM_SIZE);
    if (mem_a == MAP_FAILED || !mem_b || (u64)(unsigned long)mem_a >= (1ULL << 31)) {
        fprintf(stderr, "cannot map the test buffers below 2 GiB\n");
        return 1;
    }
    memset(mem_a, 0, MEM_SIZE);
    memset(mem_b, 0, MEM_SIZE);
    if (getenv("X86_TEST_ITERS"))
        iters = (unsigned int)strtoul(getenv("X86_TEST_ITERS"), NULL, 0);
    if (getenv("X86_TEST_SEED"))
        rng = strtoull(getenv("X86_TEST_SEED"), NULL, 0) | 1;
    ops_fast = ops_plain;
    ops_fast.rep_movs = cb_rep_movs;
    ops_fast.rep_stos = cb_rep_stos;
    ops_fast.rep_ins = cb_rep_ins;
    ops_fast.rep_outs = cb_rep_outs;
    ops_nocx = ops_plain;
    ops_nocx.cmpxchg = NULL;
    {
        u32 a, b, c, d;

        __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
        host_vendor = b == 0x756e6547 ? X86_VENDOR_INTEL : X86_VENDOR_AMD; /* "Genu" */
    }
    __asm__("mov %%es, %0; mov %%cs, %1; mov %%ss, %2; mov %%ds, %3; mov %%fs, %4; mov %%gs, %5"
            : "=r"(host_sel[0]), "=r"(host_sel[1]), "=r"(host_sel[2]), "=r"(host_sel[3]),
              "=r"(host_sel[4]), "=r"(host_sel[5]));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
