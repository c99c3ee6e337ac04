/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated machine of x86_emulate()'s unit tests: the callbacks over the test
 * buffer, the machine's modes, and its one-time setup (see x86_machine.h).
 */
#include "x86_machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

u8 *mem_a;
u8 *mem_b;
struct machine m;

u64 addr_a(u64 off)
{
    return (u64)(unsigned long)mem_a + off;
}

/* ---- the callbacks ---- */

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

const struct x86_emulate_ops *ops(void)
{
    if (m.no_cmpxchg)
        return &ops_nocx;
    return m.fast ? &ops_fast : &ops_plain;
}

/* ---- the machine's modes ---- */

/* The host's segment selectors (64-bit machines take them) and CPU vendor. */
static u16 host_sel[6];
static enum x86_vendor host_vendor;

void set_seg(enum x86_segment s, u16 sel, u16 attr, u32 limit, u64 base)
{
    m.seg[s].sel = sel;
    m.seg[s].attr = attr;
    m.seg[s].limit = limit;
    m.seg[s].base = base;
}

/* A fresh machine in a mode: 64 (long mode), 32 (protected, flat), 33 (compatibility
 * mode, flat), 16 (real mode, segments at `base16`), 17 (16-bit protected mode). */
void machine_init(unsigned int mode, u64 base16)
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

/* ---- setup ---- */

int x86_machine_setup(void)
{
    mem_a = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    mem_b = malloc(MEM_SIZE);
    if (mem_a == MAP_FAILED || !mem_b || (u64)(unsigned long)mem_a >= (1ULL << 31)) {
        fprintf(stderr, "cannot map the test buffers below 2 GiB\n");
        return -1;
    }
    memset(mem_a, 0, MEM_SIZE);
    memset(mem_b, 0, MEM_SIZE);
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
    __asm__("mov %%es, %0; mov %%cs, %1; mov %%ss, %2; mov %%ds, %3; mov %%fs, %4; "
            "mov %%gs, %5"
            : "=r"(host_sel[0]), "=r"(host_sel[1]), "=r"(host_sel[2]), "=r"(host_sel[3]),
              "=r"(host_sel[4]), "=r"(host_sel[5]));
    return 0;
}
