/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for the x86 decoder and emulator (hypervisor/common/x86_emulate/).
 *
 *     make -f tests/fuzz/fuzz.mk fuzz-x86-decode              60 s (FUZZ_TIME=<s>)
 *     build/fuzz/x86_decode_fuzz -max_total_time=600 build/fuzz/x86_decode_corpus
 *
 * Built with clang -fsanitize=fuzzer,address,undefined. Each input is a mode selector
 * byte, up to 15 instruction bytes, then register values. For every input:
 *
 *  - the length decoder and Capstone 4 must agree on valid/invalid and on the length,
 *    but for the documented differences (tests/unit/x86/capstone_diff.c); a decoder
 *    result must never exceed the bytes given;
 *  - x86_emulate() runs the bytes in that mode over a 64 KiB sandbox (every callback
 *    bounds-checked, segments flat or based, a TSS for the I/O bitmap) and must return
 *    one of its result codes without tripping a sanitizer, leaving RIP either at the
 *    instruction or just after it.
 *
 * A disagreement or a broken invariant aborts, and libFuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86/capstone_diff.h"

#define SANDBOX 65536

static csh handles[3];
static u8 sandbox[SANDBOX];
static u8 xmm[16][16];
static struct x86_seg segs[x86_seg_idtr + 1];

static bool in_box(u64 la, unsigned int bytes)
{
    return la < SANDBOX && bytes <= SANDBOX - la;
}

static int fault(u64 la, struct x86_emulate_ctxt *c)
{
    c->event.vector = X86_EXC_PF;
    c->event.has_error_code = true;
    c->event.error_code = 0;
    c->event.cr2 = la;
    return X86EMUL_EXCEPTION;
}

static int f_fetch(u64 la, void *buf, unsigned int n, struct x86_emulate_ctxt *c)
{
    if (n < 1 || n > 15 || (la >> 12) != ((la + n - 1) >> 12))
        abort();
    if (!in_box(la, n))
        return fault(la, c);
    memcpy(buf, sandbox + la, n);
    return X86EMUL_OKAY;
}

static int f_read(u64 la, void *buf, unsigned int n, unsigned int fl, struct x86_emulate_ctxt *c)
{
    (void)fl;
    if (n < 1 || n > 16)
        abort();
    if (!in_box(la, n))
        return fault(la, c);
    memcpy(buf, sandbox + la, n);
    return X86EMUL_OKAY;
}

static int f_write(u64 la, const void *buf, unsigned int n, unsigned int fl,
                   struct x86_emulate_ctxt *c)
{
    (void)fl;
    if (n < 1 || n > 16)
        abort();
    if (!in_box(la, n))
        return fault(la, c);
    memcpy(sandbox + la, buf, n);
    return X86EMUL_OKAY;
}

static int f_cmpxchg(u64 la, void *old, const void *new, unsigned int n,
                     struct x86_emulate_ctxt *c)
{
    if (n != 1 && n != 2 && n != 4 && n != 8 && n != 16)
        abort();
    if (!in_box(la, n))
        return fault(la, c);
    if (!memcmp(sandbox + la, old, n))
        memcpy(sandbox + la, new, n);
    else
        memcpy(old, sandbox + la, n);
    return X86EMUL_OKAY;
}

static int f_read_io(unsigned int port, unsigned int n, u32 *v, struct x86_emulate_ctxt *c)
{
    (void)c;
    if (port > 0xffff || (n != 1 && n != 2 && n != 4))
        abort();
    *v = port * 0x01010101u;
    return X86EMUL_OKAY;
}

static int f_write_io(unsigned int port, unsigned int n, u32 v, struct x86_emulate_ctxt *c)
{
    (void)c, (void)v;
    if (port > 0xffff || (n != 1 && n != 2 && n != 4))
        abort();
    return X86EMUL_OKAY;
}

static int f_seg(enum x86_segment s, struct x86_seg *r, struct x86_emulate_ctxt *c)
{
    (void)c;
    if (s > x86_seg_idtr)
        abort();
    *r = segs[s];
    return X86EMUL_OKAY;
}

static int f_rxmm(unsigned int reg, void *buf, struct x86_emulate_ctxt *c)
{
    (void)c;
    if (reg > 15)
        abort();
    memcpy(buf, xmm[reg], 16);
    return X86EMUL_OKAY;
}

static int f_wxmm(unsigned int reg, const void *buf, struct x86_emulate_ctxt *c)
{
    (void)c;
    if (reg > 15)
        abort();
    memcpy(xmm[reg], buf, 16);
    return X86EMUL_OKAY;
}

static int f_rep_movs(u64 d, u64 s, unsigned int n, u64 *reps, bool back,
                      struct x86_emulate_ctxt *c)
{
    u64 lo_d = back ? d - (*reps - 1) * n : d, lo_s = back ? s - (*reps - 1) * n : s;

    (void)c;
    if (!*reps || (lo_d >> 12) != ((lo_d + *reps * n - 1) >> 12) ||
        (lo_s >> 12) != ((lo_s + *reps * n - 1) >> 12))
        abort(); /* the emulator promised one page per range */
    *reps = 0;   /* decline: exercise the fallback */
    return X86EMUL_UNHANDLEABLE;
}

static const struct x86_emulate_ops fops = {
    .insn_fetch = f_fetch, .read = f_read, .write = f_write, .cmpxchg = f_cmpxchg,
    .read_io = f_read_io, .write_io = f_write_io, .read_segment = f_seg,
    .read_xmm = f_rxmm, .write_xmm = f_wxmm, .rep_movs = f_rep_movs,
};

static u64 take64(const u8 **p, size_t *n)
{
    u64 v = 0;
    size_t k = *n < 8 ? *n : 8;

    memcpy(&v, *p, k);
    *p += k;
    *n -= k;
    return v;
}

static void check_decoder(const u8 *b, unsigned int len, unsigned int mode)
{
    struct x86_decoded insn;
    const cs_insn *ci;
    int ours = x86_decode(&insn, b, len, mode, X86_VENDOR_AMD), cs;

    if (ours > (int)len || ours == 0 || ours < X86_DECODE_TOOLONG)
        abort();
    if (x86_insn_length(b, len, mode, X86_VENDOR_INTEL) > (int)len)
        abort();
    if (len < 15)
        return; /* Capstone knows no "truncated": compare full buffers only */
    cs = x86_cs_length(handles[mode == 16 ? 0 : mode == 32 ? 1 : 2], b, len, &ci);
    if (ours == cs || (ours < 0 && cs < 0))
        return;
    if (x86_cs_explain(b, mode, ours, &insn, ci) >= 0)
        return;
    fprintf(stderr, "%u-bit: decoder %d, Capstone %d (%s %s):", mode, ours, cs,
            ci ? ci->mnemonic : "invalid", ci ? ci->op_str : "");
    for (unsigned int i = 0; i < len; i++)
        fprintf(stderr, " %02x", b[i]);
    fprintf(stderr, "\n");
    abort();
}

static void run_emulator(const u8 *b, unsigned int len, u8 sel, const u8 *rest, size_t n)
{
    static const u16 cs_attr[] = { 0x29b, 0x49b, 0xc9b, 0xa9b, 0x9b };
    struct x86_emulate_ctxt c;
    u64 rip0;
    int rc;

    memset(&c, 0, sizeof(c));
    for (int i = 0; i < 16; i++)
        c.regs.gpr[i] = take64(&rest, &n) & (i % 3 ? ~0ULL : 0xffff);
    c.regs.rflags = (take64(&rest, &n) & 0x3f7fd7) | 2;
    c.cr0 = X86_CR0_PE | X86_CR0_PG | (sel & 0x10 ? X86_CR0_TS : 0);
    c.cr4 = X86_CR4_OSFXSR | (sel & 0x20 ? X86_CR4_LA57 : 0);
    c.cpl = (sel >> 6) & 3;
    c.vendor = sel & 8 ? X86_VENDOR_INTEL : X86_VENDOR_AMD;
    c.max_reps = (sel >> 2) & 7;
    memset(segs, 0, sizeof(segs));
    for (int s = x86_seg_es; s <= x86_seg_gs; s++) {
        segs[s].attr = 0xc93;
        segs[s].limit = (sel & 0x80) ? 0xffff : 0xffffffff;
        segs[s].sel = 0x10;
    }
    segs[x86_seg_tr].attr = 0x8b;
    segs[x86_seg_tr].limit = 0x2067;
    segs[x86_seg_tr].base = 0x8000;
    segs[x86_seg_cs].attr = cs_attr[sel % 5];
    if (sel % 5 == 0)
        c.efer = X86_EFER_LMA | X86_EFER_LME;
    if (sel % 5 == 4)
        c.cr0 = 0; /* real mode */
    c.regs.rip = 0x1000 - (sel & 7);
    memcpy(sandbox + c.regs.rip, b, len);
    if (sel & 1) {
        memcpy(c.insn_buf, b, len < 15 ? len : 15);
        c.insn_buf_len = (u8)(len / 2);
    }
    rip0 = c.regs.rip;
    rc = x86_emulate(&c, &fops);
    if (rc < X86EMUL_OKAY || rc > X86EMUL_RETRY)
        abort();
    if (rc == X86EMUL_OKAY && c.regs.rip != rip0 &&
        c.regs.rip != ((rip0 + c.insn.len) & (x86_mode_bits(c.mode) == 64 ? ~0ULL
                                              : x86_mode_bits(c.mode) == 32 ? 0xffffffffULL
                                                                            : 0xffffULL)))
        abort();
    if (rc == X86EMUL_EXCEPTION && c.event.vector > 31)
        abort();
    if (rc == X86EMUL_UNHANDLEABLE && !c.reason)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned int modes[] = { 16, 32, 64 };
    unsigned int len;
    u8 sel;

    if (!handles[2]) {
        cs_open(CS_ARCH_X86, CS_MODE_16, &handles[0]);
        cs_open(CS_ARCH_X86, CS_MODE_32, &handles[1]);
        cs_open(CS_ARCH_X86, CS_MODE_64, &handles[2]);
    }
    if (size < 1)
        return 0;
    sel = data[0];
    data++, size--;
    len = size < 15 ? (unsigned int)size : 15;
    check_decoder(data, len, modes[sel % 3]);
    run_emulator(data, len, sel, data + len, size - len);
    return 0;
}
