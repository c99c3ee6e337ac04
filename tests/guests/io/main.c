/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * io: port I/O to the test device, which the hypervisor emulates.
 *
 *   IN/OUT     8, 16 and 32 bits to the scratch port read back what was written; a
 *              narrower IN after a 32-bit OUT reads the low bytes
 *   REP OUTSB  a known buffer into the FIFO, the FIFO length port counts it, REP
 *   REP INSB   INSB brings it back: with DF=0 and DF=1 (which reverses the order),
 *              the full 4 KiB FIFO, a count of 0 and a single non-REP OUTSB/INSB
 *   REP OUTSW/INSW, OUTSD/INSD   through the scratch port: the last element written
 *              is what every IN reads
 *
 * and after every string instruction the pointer and count registers hold what the
 * architecture says, at the mode's address size: SI/DI/CX in real mode (whose upper
 * halves must not change), ESI/EDI/ECX in 32-bit modes, RSI/RDI/RCX in long mode.
 * The hypervisor must emulate the count and the pointer updates, so both are checked
 * as carefully as the data.
 *
 * Without the test device (the scratch port reads 0xff) the test is skipped.
 */
#include "framework.h"

/*
 * The pointer registers as written in the instructions. In real mode the operands
 * name SI/DI, which makes the assembler use 16-bit addressing, so REP counts in CX;
 * elsewhere the pointer-sized registers.
 */
#ifdef MODE_REAL
#define AREG(op) "%w[" #op "]"
/* Bits the CPU must leave alone in ESI/EDI/ECX when it uses SI/DI/CX. */
#define UPPER 0x5a5a0000ul
#define ADDR_MASK 0xfffful
#else
#define AREG(op) "%[" #op "]"
#define UPPER 0ul
#define ADDR_MASK (~0ul)
#endif

/* The registers a string instruction uses. */
struct sregs {
    unsigned long si, di, cx;
};

/* OUTS/INS of `size` (b, w, l) with REP, DF set when `down`. */
#define DEFINE_REP_OUTS(name, sfx)                                                         \
static void name(struct sregs *r, uint16_t port, bool down)                                \
{                                                                                          \
    if (down)                                                                              \
        asm volatile("std\n\trep outs" sfx " (" AREG(si) "), %%dx\n\tcld"                  \
                     : [si] "+S"(r->si), "+c"(r->cx) : "d"(port) : "memory");              \
    else                                                                                   \
        asm volatile("rep outs" sfx " (" AREG(si) "), %%dx"                                \
                     : [si] "+S"(r->si), "+c"(r->cx) : "d"(port) : "memory");              \
}
#define DEFINE_REP_INS(name, sfx)                                                          \
static void name(struct sregs *r, uint16_t port, bool down)                                \
{                                                                                          \
    if (down)                                                                              \
        asm volatile("std\n\trep ins" sfx " %%dx, %%es:(" AREG(di) ")\n\tcld"              \
                     : [di] "+D"(r->di), "+c"(r->cx) : "d"(port) : "memory");              \
    else                                                                                   \
        asm volatile("rep ins" sfx " %%dx, %%es:(" AREG(di) ")"                            \
                     : [di] "+D"(r->di), "+c"(r->cx) : "d"(port) : "memory");              \
}
DEFINE_REP_OUTS(rep_outsb, "b")
DEFINE_REP_OUTS(rep_outsw, "w")
DEFINE_REP_OUTS(rep_outsl, "l")
DEFINE_REP_INS(rep_insb, "b")
DEFINE_REP_INS(rep_insw, "w")
DEFINE_REP_INS(rep_insl, "l")

typedef void (*string_io_fn)(struct sregs *r, uint16_t port, bool down);

static uint8_t src[TESTDEV_FIFO_SIZE], dst[TESTDEV_FIFO_SIZE];

static uint16_t fifo_len(void)
{
    return inw(TESTDEV_PORT_FIFO_LEN);
}

/* Run one REP string instruction and check the registers it leaves. `ptr` is the
 * buffer address it starts at (SI for OUTS, DI for INS). */
static void run_string_io(const char *what, string_io_fn fn, bool is_out, void *ptr,
                          unsigned long count, unsigned int size, uint16_t port, bool down)
{
    unsigned long start = UPPER | (unsigned long)ptr;
    struct sregs r = { .si = start, .di = start, .cx = UPPER | count };
    unsigned long moved = count * size;
    unsigned long want = (start & ~ADDR_MASK) |
                         ((down ? start - moved : start + moved) & ADDR_MASK);

    fn(&r, port, down);
    check((is_out ? r.si : r.di) == want, "%s: %s ends at %#lx, expected %#lx", what,
          is_out ? "SI" : "DI", is_out ? r.si : r.di, want);
    check(r.cx == UPPER, "%s: CX ends at %#lx, expected %#lx", what, r.cx, UPPER);
}

static void test_scratch(void)
{
    static const uint8_t bytes[] = { 0x00, 0xff, 0x5a, 0xa5 };
    static const uint16_t words[] = { 0x1234, 0xfedc };
    static const uint32_t dwords[] = { 0x12345678, 0x89abcdef, 0 };

    for (unsigned int i = 0; i < ARRAY_SIZE(bytes); i++) {
        outb(TESTDEV_PORT_SCRATCH, bytes[i]);
        check(inb(TESTDEV_PORT_SCRATCH) == bytes[i], "outb %#x: inb reads %#x", bytes[i],
              inb(TESTDEV_PORT_SCRATCH));
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(words); i++) {
        outw(TESTDEV_PORT_SCRATCH, words[i]);
        check(inw(TESTDEV_PORT_SCRATCH) == words[i], "outw %#x: inw reads %#x", words[i],
              inw(TESTDEV_PORT_SCRATCH));
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(dwords); i++) {
        outl(TESTDEV_PORT_SCRATCH, dwords[i]);
        check(inl(TESTDEV_PORT_SCRATCH) == dwords[i], "outl %#x: inl reads %#x", dwords[i],
              inl(TESTDEV_PORT_SCRATCH));
    }

    outl(TESTDEV_PORT_SCRATCH, 0x11223344);
    check(inb(TESTDEV_PORT_SCRATCH) == 0x44, "outl 0x11223344: inb reads %#x (not 0x44)",
          inb(TESTDEV_PORT_SCRATCH));
    check(inw(TESTDEV_PORT_SCRATCH) == 0x3344, "outl 0x11223344: inw reads %#x (not 0x3344)",
          inw(TESTDEV_PORT_SCRATCH));
    printf("scratch port: 8/16/32-bit round trips done\n");
}

static void fill_source(unsigned int seed)
{
    for (unsigned int i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 7 + seed + (i >> 8));
    memset(dst, 0, sizeof(dst));
}

/* `n` bytes through the FIFO with REP OUTSB then REP INSB, each going up or down.
 * When exactly one of them goes down, the bytes come back reversed. */
static void fifo_round_trip(unsigned int n, bool out_down, bool in_down)
{
    char what[64];
    bool reversed = out_down != in_down;
    unsigned int bad = 0;

    snprintf(what, sizeof(what), "FIFO %u bytes, outsb %s, insb %s", n,
             out_down ? "DF=1" : "DF=0", in_down ? "DF=1" : "DF=0");
    fill_source(n + out_down * 2 + in_down);

    run_string_io(what, rep_outsb, true, out_down ? &src[n - 1] : &src[0], n, 1,
                  TESTDEV_PORT_FIFO, out_down);
    check(fifo_len() == n, "%s: the FIFO holds %u bytes after REP OUTSB", what, fifo_len());
    run_string_io(what, rep_insb, false, in_down ? &dst[n - 1] : &dst[0], n, 1,
                  TESTDEV_PORT_FIFO, in_down);
    check(fifo_len() == 0, "%s: the FIFO holds %u bytes after REP INSB", what, fifo_len());

    for (unsigned int i = 0; i < n; i++)
        if (dst[i] != src[reversed ? n - 1 - i : i] && !bad++)
            fail("%s: byte %u is %#x, expected %#x", what, i, dst[i],
                 src[reversed ? n - 1 - i : i]);
    check(bad <= 1, "%s: %u bytes differ", what, bad);
    printf("%s: done\n", what);
}

static void test_fifo(void)
{
    unsigned int drained = 0;
    struct sregs r;

    while (fifo_len() && drained++ < TESTDEV_FIFO_SIZE)
        inb(TESTDEV_PORT_FIFO);
    check(fifo_len() == 0, "the FIFO does not drain (length %u)", fifo_len());
    check(inb(TESTDEV_PORT_FIFO) == 0xff, "an empty FIFO does not read 0xff");

    fifo_round_trip(64, false, false);
    fifo_round_trip(64, true, false);
    fifo_round_trip(64, false, true);
    fifo_round_trip(TESTDEV_FIFO_SIZE, false, false);

    /* A count of zero moves nothing and changes no register. */
    fill_source(1);
    run_string_io("REP OUTSB, count 0", rep_outsb, true, src, 0, 1, TESTDEV_PORT_FIFO, false);
    check(fifo_len() == 0, "REP OUTSB with count 0 pushed %u bytes", fifo_len());

    /* Without REP: one byte, and the pointer moves by one. */
    r.si = r.di = UPPER | (unsigned long)src;
    asm volatile("outsb (" AREG(si) "), %%dx" : [si] "+S"(r.si) : "d"(TESTDEV_PORT_FIFO)
                 : "memory");
    check(fifo_len() == 1, "OUTSB pushed %u bytes", fifo_len());
    asm volatile("insb %%dx, %%es:(" AREG(di) ")" : [di] "+D"(r.di) : "d"(TESTDEV_PORT_FIFO)
                 : "memory");
    check(r.si == (UPPER | ((unsigned long)src + 1)), "OUTSB: SI ends at %#lx", r.si);
    check(r.di == (UPPER | ((unsigned long)src + 1)), "INSB: DI ends at %#lx", r.di);
    check(fifo_len() == 0, "INSB left %u bytes in the FIFO", fifo_len());
}

/* REP OUTS of 8 elements to the scratch port, then REP INS of 8: every IN reads the
 * last element the OUTs wrote (the first one, when they went down). */
static void scratch_string(const char *name, string_io_fn outs, string_io_fn ins,
                           unsigned int size, bool down)
{
    const unsigned int n = 8;
    char what[48];
    uint32_t want = 0, got;

    snprintf(what, sizeof(what), "scratch port, %s, %s", name, down ? "DF=1" : "DF=0");
    fill_source(size + down);
    run_string_io(what, outs, true, &src[down ? (n - 1) * size : 0], n, size,
                  TESTDEV_PORT_SCRATCH, down);
    memcpy(&want, &src[down ? 0 : (n - 1) * size], size);
    run_string_io(what, ins, false, &dst[down ? (n - 1) * size : 0], n, size,
                  TESTDEV_PORT_SCRATCH, down);
    for (unsigned int i = 0; i < n; i++) {
        got = 0;
        memcpy(&got, &dst[i * size], size);
        check(got == want, "%s: element %u reads %#x, expected %#x", what, i, got, want);
    }
    check(dst[n * size] == 0, "%s: wrote past the end", what);
    printf("%s: done\n", what);
}

void test_main(void)
{
    if (!testdev_ports_present())
        skip("no test device: the scratch port %#x does not read back (reads %#x)",
             TESTDEV_PORT_SCRATCH, inb(TESTDEV_PORT_SCRATCH));

    test_scratch();
    test_fifo();
    for (int down = 0; down <= 1; down++) {
        scratch_string("outsb/insb", rep_outsb, rep_insb, 1, down);
        scratch_string("outsw/insw", rep_outsw, rep_insw, 2, down);
        scratch_string("outsd/insd", rep_outsl, rep_insl, 4, down);
    }
}
