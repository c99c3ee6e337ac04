/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/hvm/vioapic.c, the emulated IO-APIC, against the
 * Intel 82093AA I/O APIC datasheet (order 290566, section 3: the registers) and the
 * EOI register of the version 0x20 I/O APICs in Intel's ICH/PCH datasheets. The chip
 * is driven as a guest (IOREGSEL/IOWIN/EOI at their MMIO offsets) and the platform
 * (vioapic_set_irq for the pins, vioapic_eoi for the local APICs' EOI broadcast) drive
 * it; the APIC messages it sends are recorded.
 */
#include "unit.h"

#include <hv/vioapic.h>
#include <public/arch-x86/platform.h>

#define IOREGSEL 0x00
#define IOWIN    0x10
#define IOEOI    0x40

#define REG_ID      0x00
#define REG_VERSION 0x01
#define REG_ARB     0x02
#define REG_REDIR(pin) (0x10 + 2 * (pin))

/* Redirection entry fields (82093AA section 3.2.4, IOREDTBL). */
#define RE_MODE(m)      ((u64)(m) << 8)
#define RE_LOGICAL      (1ULL << 11)
#define RE_DELIVS       (1ULL << 12)
#define RE_POLARITY_LOW (1ULL << 13)
#define RE_REMOTE_IRR   (1ULL << 14)
#define RE_LEVEL        (1ULL << 15)
#define RE_MASKED       (1ULL << 16)
#define RE_DEST(d)      ((u64)(d) << 56)

#define NR_PINS PLATFORM_IOAPIC_PINS

static struct vioapic io;

#define MAX_MSGS 32
static struct apic_msg msgs[MAX_MSGS];
static unsigned int nr_msgs;

static void deliver(void *ctx, const struct apic_msg *m)
{
    assert_ptr_equal(ctx, &io);
    if (nr_msgs < MAX_MSGS)
        msgs[nr_msgs] = *m;
    nr_msgs++;
}

static int setup(void **state)
{
    (void)state;
    vioapic_init(&io, PLATFORM_IOAPIC_ID, NR_PINS, deliver, &io);
    nr_msgs = 0;
    memset(msgs, 0, sizeof(msgs));
    return 0;
}

static u32 reg_read(u8 reg)
{
    vioapic_write(&io, IOREGSEL, reg);
    return vioapic_read(&io, IOWIN);
}

static void reg_write(u8 reg, u32 val)
{
    vioapic_write(&io, IOREGSEL, reg);
    vioapic_write(&io, IOWIN, val);
}

static u64 entry(unsigned int pin)
{
    u64 lo = reg_read(REG_REDIR(pin)), hi = reg_read(REG_REDIR(pin) + 1);

    return hi << 32 | lo;
}

/* Program an entry as a guest does: the destination first, then the low half. */
static void set_entry(unsigned int pin, u64 e)
{
    reg_write(REG_REDIR(pin) + 1, e >> 32);
    reg_write(REG_REDIR(pin), (u32)e);
}

static void line(unsigned int pin, bool level)
{
    vioapic_set_irq(&io, pin, level);
}

/* The last message was `vector` (and there were `count` in all). */
static void expect_msgs(unsigned int count, u8 vector)
{
    assert_int_equal(nr_msgs, count);
    if (count)
        assert_int_equal(msgs[count - 1].vector, vector);
}

/* ---- the registers ---- */

/* 3.1.1 IOREGSEL: bits 7-0 select the register IOWIN reads and writes; reads back. */
static void test_ioregsel(void **state)
{
    (void)state;
    vioapic_write(&io, IOREGSEL, 0x12);
    assert_int_equal(vioapic_read(&io, IOREGSEL), 0x12);
    vioapic_write(&io, IOREGSEL, 0xabcd01);
    assert_int_equal(vioapic_read(&io, IOREGSEL) & 0xff, 0x01);
    assert_int_equal(vioapic_read(&io, IOWIN), 0x20 | (NR_PINS - 1) << 16);
}

/*
 * 3.2.1 IOAPICID (bits 27-24, read/write), 3.2.2 IOAPICVER (version in bits 7-0,
 * the maximum redirection entry, pins - 1, in bits 23-16; read-only), 3.2.3
 * IOAPICARB (the arbitration ID in bits 27-24, read-only, loaded from the ID).
 */
static void test_id_version_arbitration(void **state)
{
    (void)state;
    assert_int_equal(reg_read(REG_ID), PLATFORM_IOAPIC_ID << 24);
    assert_int_equal(reg_read(REG_VERSION), 0x00000020 | (NR_PINS - 1) << 16);
    assert_int_equal(reg_read(REG_VERSION) >> 16 & 0xff, 47);

    reg_write(REG_ID, 0x05000000);
    assert_int_equal(reg_read(REG_ID), 0x05000000);
    assert_int_equal(reg_read(REG_ARB), 0x05000000);
    reg_write(REG_ID, 0xffffffff);              /* only bits 27-24 are the ID */
    assert_int_equal(reg_read(REG_ID), 0x0f000000);

    reg_write(REG_VERSION, 0);                  /* read-only */
    assert_int_equal(reg_read(REG_VERSION), 0x00000020 | (NR_PINS - 1) << 16);
    reg_write(REG_ARB, 0x03000000);
    assert_int_equal(reg_read(REG_ARB), 0x0f000000);

    /* another pin count shows in the version register */
    vioapic_init(&io, 2, 24, deliver, &io);
    assert_int_equal(reg_read(REG_VERSION), 0x00170020);
    assert_int_equal(reg_read(REG_ID), 0x02000000);
}

/* 3.2.4: every entry starts masked (bit 16 = 1). */
static void test_entries_reset_masked(void **state)
{
    (void)state;
    for (unsigned int pin = 0; pin < NR_PINS; pin++) {
        assert_int_equal(reg_read(REG_REDIR(pin)), RE_MASKED);
        assert_int_equal(reg_read(REG_REDIR(pin) + 1), 0);
    }
}

/*
 * 3.2.4: both 32-bit halves read back what was written, except the reserved bits
 * (55-17) and the read-only delivery status (12) and remote IRR (14); writing one
 * half leaves the other alone.
 */
static void test_entry_read_write(void **state)
{
    static const struct {
        u32 lo, hi;
        u32 lo_read, hi_read;
    } cases[] = {
        { 0x00000031, 0x01000000, 0x00000031, 0x01000000 },
        { 0x0001a9fe, 0xff000000, 0x0001a9fe, 0xff000000 },
        { 0xffffffff, 0xffffffff, 0x0001afff, 0xff000000 },
        { 0x00005000, 0x00ffffff, 0x00000000, 0x00000000 },  /* only read-only/reserved */
        { 0xffff0000, 0x00000000, 0x00010000, 0x00000000 },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        unsigned int pin = i * 7 % NR_PINS;

        reg_write(REG_REDIR(pin), cases[i].lo);
        reg_write(REG_REDIR(pin) + 1, cases[i].hi);
        assert_int_equal(reg_read(REG_REDIR(pin)), cases[i].lo_read);
        assert_int_equal(reg_read(REG_REDIR(pin) + 1), cases[i].hi_read);
    }
    /* halves are independent */
    reg_write(REG_REDIR(3), 0x00008041);
    reg_write(REG_REDIR(3) + 1, 0x07000000);
    reg_write(REG_REDIR(3), 0x00010042);
    assert_int_equal(reg_read(REG_REDIR(3) + 1), 0x07000000);
    reg_write(REG_REDIR(3) + 1, 0x09000000);
    assert_int_equal(reg_read(REG_REDIR(3)), 0x00010042);
    /* the last entry is entry NR_PINS - 1; neighbours untouched */
    set_entry(NR_PINS - 1, RE_DEST(0xaa) | 0x99);
    assert_int_equal(entry(NR_PINS - 1), RE_DEST(0xaa) | 0x99);
    assert_int_equal(entry(NR_PINS - 2), RE_MASKED);
    assert_int_equal(nr_msgs, 0);
}

/* Remote IRR (bit 14) is the chip's: a guest rewriting either half of a level entry
 * whose interrupt is outstanding does not clear it, nor can it set it. */
static void test_remote_irr_is_read_only(void **state)
{
    (void)state;
    set_entry(9, RE_LEVEL | 0x39);
    line(9, true);
    expect_msgs(1, 0x39);
    assert_true(entry(9) & RE_REMOTE_IRR);
    reg_write(REG_REDIR(9), RE_LEVEL | 0x39);   /* bit 14 written as 0 */
    assert_true(entry(9) & RE_REMOTE_IRR);
    reg_write(REG_REDIR(9) + 1, 0x01000000);
    assert_true(entry(9) & RE_REMOTE_IRR);
    assert_false(entry(9) & RE_DELIVS);
    assert_int_equal(nr_msgs, 1);               /* and no delivery from rewriting */

    set_entry(10, RE_LEVEL | RE_REMOTE_IRR | RE_DELIVS | 0x3a);
    assert_false(entry(10) & (RE_REMOTE_IRR | RE_DELIVS));
}

/* ---- delivery ---- */

/* Edge (bit 15 = 0): a message on each rising edge of an unmasked pin, nothing while
 * it stays high or when it falls. */
static void test_edge_delivery(void **state)
{
    (void)state;
    set_entry(4, 0x34);
    line(4, true);
    expect_msgs(1, 0x34);
    line(4, true);
    line(4, false);
    assert_int_equal(nr_msgs, 1);
    line(4, true);
    expect_msgs(2, 0x34);
    line(4, false);
    line(4, true);
    line(4, false);
    expect_msgs(3, 0x34);
    assert_false(entry(4) & RE_REMOTE_IRR);     /* edges leave remote IRR alone */
}

/*
 * Mask (bit 16): "edge-sensitive interrupts signaled on a masked interrupt pin are
 * ignored (not delivered or held pending)": unmasking a pin left high sends nothing;
 * a level pin's message is only held back while its line stays asserted.
 */
static void test_masking(void **state)
{
    (void)state;
    set_entry(5, RE_MASKED | 0x35);
    line(5, true);
    assert_int_equal(nr_msgs, 0);
    set_entry(5, 0x35);                         /* unmasked, line still high */
    assert_int_equal(nr_msgs, 0);
    line(5, false);
    line(5, true);
    expect_msgs(1, 0x35);

    set_entry(6, RE_MASKED | RE_LEVEL | 0x36);
    line(6, true);
    line(6, false);
    set_entry(6, RE_LEVEL | 0x36);              /* withdrawn before the unmask */
    assert_int_equal(nr_msgs, 1);
    assert_false(entry(6) & RE_REMOTE_IRR);
}

/* Level: an asserted pin sends once and sets remote IRR; nothing more until the EOI
 * (the local APIC's broadcast), which clears it; a line gone low by then is done. */
static void test_level_remote_irr(void **state)
{
    (void)state;
    set_entry(16, RE_LEVEL | 0x50);
    line(16, true);
    expect_msgs(1, 0x50);
    assert_true(msgs[0].level);
    assert_true(entry(16) & RE_REMOTE_IRR);
    line(16, true);
    line(16, false);
    line(16, true);                             /* a new assertion: still outstanding */
    assert_int_equal(nr_msgs, 1);
    line(16, false);
    vioapic_eoi(&io, 0x50);
    assert_false(entry(16) & RE_REMOTE_IRR);
    assert_int_equal(nr_msgs, 1);
    line(16, true);
    expect_msgs(2, 0x50);
}

/* A line still asserted at the EOI (the device not serviced yet, or another device
 * sharing it) is delivered again, and remote IRR set again. */
static void test_level_redelivery_after_eoi(void **state)
{
    (void)state;
    set_entry(17, RE_LEVEL | 0x51);
    line(17, true);
    vioapic_eoi(&io, 0x51);
    expect_msgs(2, 0x51);
    assert_true(entry(17) & RE_REMOTE_IRR);
    vioapic_eoi(&io, 0x51);
    expect_msgs(3, 0x51);
    line(17, false);
    vioapic_eoi(&io, 0x51);
    expect_msgs(3, 0x51);
    assert_false(entry(17) & RE_REMOTE_IRR);
}

/*
 * The EOI register (offset 0x40, version 0x20 I/O APICs, ICH/PCH datasheets): the
 * low 8 bits written are compared with every entry's vector, and remote IRR is
 * cleared where they match. Other vectors, and edge entries, are untouched.
 */
static void test_eoi_register(void **state)
{
    (void)state;
    set_entry(20, RE_LEVEL | 0x60);
    set_entry(21, RE_LEVEL | 0x61);
    set_entry(22, 0x60);                        /* edge, same vector */
    line(20, true);
    line(21, true);
    line(22, true);
    assert_int_equal(nr_msgs, 3);
    line(20, false);
    line(21, false);

    vioapic_write(&io, IOEOI, 0x62);
    assert_true(entry(20) & RE_REMOTE_IRR);
    assert_true(entry(21) & RE_REMOTE_IRR);
    vioapic_write(&io, IOEOI, 0xffffff00 | 0x61);  /* bits 31-8 ignored */
    assert_true(entry(20) & RE_REMOTE_IRR);
    assert_false(entry(21) & RE_REMOTE_IRR);
    vioapic_write(&io, IOEOI, 0x60);
    assert_false(entry(20) & RE_REMOTE_IRR);
    assert_false(entry(22) & RE_REMOTE_IRR);
    assert_int_equal(nr_msgs, 3);
    assert_int_equal(vioapic_read(&io, IOEOI), 0);  /* write-only */

    /* the same through the local APICs' broadcast */
    line(21, true);
    expect_msgs(4, 0x61);
    vioapic_eoi(&io, 0x60);
    assert_true(entry(21) & RE_REMOTE_IRR);
    line(21, false);
    vioapic_eoi(&io, 0x61);
    assert_false(entry(21) & RE_REMOTE_IRR);
}

/* Two level pins sharing a vector: the EOI clears both, and each still asserted is
 * delivered again. */
static void test_eoi_shared_vector(void **state)
{
    (void)state;
    set_entry(30, RE_LEVEL | 0x70);
    set_entry(31, RE_LEVEL | 0x70);
    line(30, true);
    line(31, true);
    assert_int_equal(nr_msgs, 2);
    line(30, false);
    vioapic_eoi(&io, 0x70);
    assert_false(entry(30) & RE_REMOTE_IRR);
    assert_true(entry(31) & RE_REMOTE_IRR);     /* sent again */
    assert_int_equal(nr_msgs, 3);
}

/* Unmasking a level pin whose line is asserted delivers it; so does turning an
 * asserted edge pin into a level one. Masking does not cancel an outstanding one. */
static void test_unmask_asserted_level(void **state)
{
    (void)state;
    set_entry(11, RE_MASKED | RE_LEVEL | 0x3b);
    line(11, true);
    assert_int_equal(nr_msgs, 0);
    reg_write(REG_REDIR(11), RE_LEVEL | 0x3b);
    expect_msgs(1, 0x3b);
    assert_true(entry(11) & RE_REMOTE_IRR);

    reg_write(REG_REDIR(11), RE_MASKED | RE_LEVEL | 0x3b);
    vioapic_eoi(&io, 0x3b);                     /* masked: nothing sent */
    assert_int_equal(nr_msgs, 1);
    assert_false(entry(11) & RE_REMOTE_IRR);
    reg_write(REG_REDIR(11), RE_LEVEL | 0x3b);
    expect_msgs(2, 0x3b);

    set_entry(12, 0x3c);
    line(12, true);
    expect_msgs(3, 0x3c);
    set_entry(12, RE_LEVEL | 0x3c);
    expect_msgs(4, 0x3c);
}

/*
 * Remote IRR has no meaning for edge entries (3.2.4), and switching an entry to edge
 * and back is how an OS clears a stuck one on I/O APICs without the EOI register
 * (Linux's __eoi_ioapic_pin): the switch clears it.
 */
static void test_edge_switch_clears_remote_irr(void **state)
{
    (void)state;
    set_entry(13, RE_LEVEL | 0x3d);
    line(13, true);
    line(13, false);
    assert_true(entry(13) & RE_REMOTE_IRR);
    reg_write(REG_REDIR(13), RE_MASKED | 0x3d);
    assert_false(entry(13) & RE_REMOTE_IRR);
    reg_write(REG_REDIR(13), RE_LEVEL | 0x3d);
    assert_false(entry(13) & RE_REMOTE_IRR);
    assert_int_equal(nr_msgs, 1);
}

/* The message carries the entry's destination (63-56), destination mode (11),
 * delivery mode (10-8), vector (7-0) and trigger mode (15). */
static void test_message_fields(void **state)
{
    static const struct {
        u64 e;
        struct apic_msg m;
    } cases[] = {
        { RE_DEST(0x00) | RE_MODE(APIC_MODE_FIXED) | 0x30,
          { 0x00, false, APIC_MODE_FIXED, 0x30, false } },
        { RE_DEST(0x03) | RE_MODE(APIC_MODE_FIXED) | RE_LEVEL | 0xfe,
          { 0x03, false, APIC_MODE_FIXED, 0xfe, true } },
        { RE_DEST(0xff) | RE_MODE(APIC_MODE_LOWEST) | RE_LOGICAL | 0x41,
          { 0xff, true, APIC_MODE_LOWEST, 0x41, false } },
        { RE_DEST(0x0f) | RE_MODE(APIC_MODE_LOWEST) | RE_LOGICAL | RE_LEVEL | 0x42,
          { 0x0f, true, APIC_MODE_LOWEST, 0x42, true } },
        { RE_DEST(0x01) | RE_MODE(APIC_MODE_SMI), { 0x01, false, APIC_MODE_SMI, 0, false } },
        { RE_DEST(0x02) | RE_MODE(APIC_MODE_NMI) | RE_LOGICAL,
          { 0x02, true, APIC_MODE_NMI, 0, false } },
        { RE_DEST(0x80) | RE_MODE(APIC_MODE_INIT), { 0x80, false, APIC_MODE_INIT, 0, false } },
        { RE_DEST(0x00) | RE_MODE(APIC_MODE_EXTINT) | RE_POLARITY_LOW | 0x08,
          { 0x00, false, APIC_MODE_EXTINT, 0x08, false } },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        unsigned int pin = 16 + i;

        print_message("# entry %#llx\n", cases[i].e);
        set_entry(pin, cases[i].e);
        line(pin, true);
        assert_int_equal(nr_msgs, i + 1);
        assert_int_equal(msgs[i].dest, cases[i].m.dest);
        assert_int_equal(msgs[i].logical, cases[i].m.logical);
        assert_int_equal(msgs[i].mode, cases[i].m.mode);
        assert_int_equal(msgs[i].vector, cases[i].m.vector);
        assert_int_equal(msgs[i].level, cases[i].m.level);
    }
}

/* Pins are independent: one line's state does not leak into another's entry. */
static void test_pins_independent(void **state)
{
    (void)state;
    for (unsigned int pin = 0; pin < NR_PINS; pin++)
        set_entry(pin, RE_LEVEL | (0x20 + pin));
    for (unsigned int pin = 0; pin < NR_PINS; pin += 3)
        line(pin, true);
    assert_int_equal(nr_msgs, NR_PINS / 3);
    for (unsigned int pin = 0; pin < NR_PINS; pin++)
        assert_int_equal(!!(entry(pin) & RE_REMOTE_IRR), pin % 3 == 0);
    assert_int_equal(msgs[5].vector, 0x20 + 15);
}

/*
 * Regression: a pin the chip does not have is ignored. vioapic_set_irq() used to
 * compute 1 << pin before checking the pin, undefined for pins from 64 on (a GSI
 * from a caller that trusts its own numbering; UBSan stops this test then).
 */
static void test_pins_out_of_range(void **state)
{
    static const unsigned int pins[] = { NR_PINS, 63, 64, 100, 255, 0x80000000u };

    (void)state;
    for (unsigned int pin = 0; pin < NR_PINS; pin++)
        set_entry(pin, 0x80);
    for (size_t i = 0; i < ARRAY_SIZE(pins); i++) {
        line(pins[i], true);
        line(pins[i], false);
    }
    assert_int_equal(nr_msgs, 0);
    assert_int_equal(io.lines, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_ioregsel),
        T(test_id_version_arbitration),
        T(test_entries_reset_masked),
        T(test_entry_read_write),
        T(test_remote_irr_is_read_only),
        T(test_edge_delivery),
        T(test_masking),
        T(test_level_remote_irr),
        T(test_level_redelivery_after_eoi),
        T(test_eoi_register),
        T(test_eoi_shared_vector),
        T(test_unmask_asserted_level),
        T(test_edge_switch_clears_remote_irr),
        T(test_message_fields),
        T(test_pins_independent),
        T(test_pins_out_of_range),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
