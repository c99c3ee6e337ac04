/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of x86_emulate() (hypervisor/common/x86_emulate/): hand-checked cases.
 *
 * Exceptions (#GP/#SS/#UD/#NM/#PF with their error codes), canonical addresses,
 * segment limits and types, SSE alignment and availability, instruction fetch, REP
 * splitting and the fast paths, port I/O and the TSS bitmap, HLT/STI/CLI, LOCK under
 * contention, retries, the modes, and what cannot be emulated: each instruction given
 * as bytes, emulated on the machine of support/x86_machine.c, and its effects checked
 * one by one. The random runs against the host CPU are test_x86_emulate_forms.c.
 */
#include "unit.h"

#include <stdlib.h>

#include <hv/x86_emulate.h>

#include "x86_machine.h"

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

/* Where emu() puts RIP: the start of the buffer (as CS sees it) unless a test moves
 * it. */
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
    m.ctxt.regs.rbx = 0x00007ffffffffffcULL;              /* canonical: callback's #PF */
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
            memmove(want + (df ? 0x2000 - 99 : 0x2000),
                    want + (df ? 0x1000 - 99 : 0x1000), 100);
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
    static const struct {
        unsigned int init;
        enum x86_mode mode;
        unsigned int bits;
    } t[] = {
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
    assert_int_equal(x86_mode_of(X86_CR0_PE, X86_EFER_LMA, 0, ATTR_CODE16),
                     X86_MODE_COMPAT16);
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

    if (x86_machine_setup())
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
