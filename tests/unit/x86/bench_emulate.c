/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cost of emulating one MMIO access on the host: fetch, decode and emulate
 * "mov %eax, 0x10(%rbx)" (a 32-bit store to an emulated device register) in a 64-bit
 * guest, with callbacks as cheap as they get (the device is a variable). Built by
 * tests/unit/unit.mk as $(BUILD)/unit/bench_x86_emulate, without sanitizers, -O2:
 *
 *     build/unit/bench_x86_emulate
 *     emulate mov-to-mmio: 52 ns/insn
 *
 * Also prints the cost of decoding alone and of the same store from 32-bit
 * protected-mode code (segment checks). Each figure is the best of several rounds, so
 * that other load on the machine disturbs it less.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hv/x86_emulate.h>

static const u8 code64[] = { 0x89, 0x43, 0x10 }; /* mov %eax, 0x10(%rbx) */
static volatile u32 device_reg;
static unsigned int mode_bits;

static int fetch(u64 linear, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt)
{
    u64 off = linear - 0x400000;

    (void)ctxt;
    memset(buf, 0x90, bytes);
    if (off < sizeof(code64))
        memcpy(buf, code64 + off, bytes < sizeof(code64) - off ? bytes : sizeof(code64) - off);
    return X86EMUL_OKAY;
}

static int mmio_read(u64 linear, void *buf, unsigned int bytes, unsigned int flags,
                     struct x86_emulate_ctxt *ctxt)
{
    u32 v = device_reg;

    (void)linear, (void)flags, (void)ctxt;
    memcpy(buf, &v, bytes < 4 ? bytes : 4);
    return X86EMUL_OKAY;
}

static int mmio_write(u64 linear, const void *buf, unsigned int bytes, unsigned int flags,
                      struct x86_emulate_ctxt *ctxt)
{
    u32 v = 0;

    (void)linear, (void)flags, (void)ctxt;
    memcpy(&v, buf, bytes < 4 ? bytes : 4);
    device_reg = v;
    return X86EMUL_OKAY;
}

static int read_segment(enum x86_segment seg, struct x86_seg *reg,
                        struct x86_emulate_ctxt *ctxt)
{
    (void)ctxt;
    reg->sel = seg == x86_seg_cs ? 0x8 : 0x10;
    reg->base = 0;
    reg->limit = 0xffffffff;
    if (seg == x86_seg_cs)
        reg->attr = 0xb | X86_SEG_S | X86_SEG_P | X86_SEG_G |
                    (mode_bits == 64 ? X86_SEG_L : X86_SEG_DB);
    else
        reg->attr = 0x3 | X86_SEG_S | X86_SEG_P | X86_SEG_G | X86_SEG_DB;
    return X86EMUL_OKAY;
}

static const struct x86_emulate_ops ops = {
    .insn_fetch = fetch,
    .read = mmio_read,
    .write = mmio_write,
    .read_segment = read_segment,
};

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void setup(struct x86_emulate_ctxt *c, unsigned int bits)
{
    memset(c, 0, sizeof(*c));
    mode_bits = bits;
    c->cr0 = X86_CR0_PE | X86_CR0_PG;
    c->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR;
    c->efer = bits == 64 ? X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE : 0;
    c->regs.rip = 0x400000;
    c->regs.rflags = 0x2;
    c->regs.rbx = 0xfed00000;
    c->regs.rax = 0x12345678;
}

static double bench(unsigned int bits, unsigned long n)
{
    struct x86_emulate_ctxt c;
    double t0, t1;

    setup(&c, bits);
    t0 = now_ns();
    for (unsigned long i = 0; i < n; i++) {
        c.regs.rip = 0x400000;
        c.insn_buf_len = 0;
        c.regs.rax = i;
        if (x86_emulate(&c, &ops) != X86EMUL_OKAY || c.regs.rip != 0x400003) {
            fprintf(stderr, "emulation failed\n");
            return -1;
        }
    }
    t1 = now_ns();
    if (device_reg != (u32)(n - 1)) {
        fprintf(stderr, "the device register was not written\n");
        return -1;
    }
    return (t1 - t0) / n;
}

static double best(unsigned int bits, unsigned long n)
{
    double b = 1e30;

    for (int round = 0; round < 7; round++) {
        double t = bench(bits, n);

        if (t < 0)
            return t;
        if (t < b)
            b = t;
    }
    return b;
}

int main(void)
{
    const unsigned long n = 300000;
    struct x86_decoded d;
    double t0, t1, ns64, ns32, dec = 1e30;
    volatile int sink = 0;

    bench(64, n); /* warm up */
    ns64 = best(64, n);
    ns32 = best(32, n);
    for (int round = 0; round < 7; round++) {
        t0 = now_ns();
        for (unsigned long i = 0; i < n; i++)
            sink += x86_decode(&d, code64, sizeof(code64), 64, X86_VENDOR_AMD);
        t1 = now_ns();
        if ((t1 - t0) / n < dec)
            dec = (t1 - t0) / n;
    }
    if (ns64 < 0 || ns32 < 0)
        return 1;
    printf("emulate mov-to-mmio: %.0f ns/insn\n", ns64);
    printf("emulate mov-to-mmio, 32-bit protected mode: %.0f ns/insn\n", ns32);
    printf("decode only: %.0f ns/insn\n", dec);
    return sink == 0;
}
