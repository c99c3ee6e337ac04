/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/hvm/vlapic.c, the emulated local APIC, against the
 * Intel SDM vol. 3, chapter 11 (section numbers below): reset and enabling,
 * priorities, IRR/ISR/TMR and EOI, errors, the ICR and IPIs, destinations, x2APIC,
 * the LVT's bits and LINT0's ExtINT. The APIC timer is test_vlapic_timer.c's. The
 * APIC is driven through its MMIO page and MSRs as a guest would, and through
 * vlapic_set_irq/ack as the platform does, over the fake machine of
 * support/vlapic_machine.c.
 */
#include "vlapic_machine.h"

/* Switch the APIC to x2APIC mode (from xAPIC). */
static void to_x2apic(void)
{
    msr_wr(MSR_APIC_BASE, BASE_X2APIC);
    assert_true(vlapic_x2apic(&lapic));
}

/* An interrupt arrives, and the CPU takes it: it is now in service. */
static void take(u8 vector, bool level)
{
    vlapic_set_irq(&lapic, vector, level);
    assert_int_equal(vlapic_pending(&lapic), vector);
    vlapic_ack(&lapic, vector);
}

/* Read the ESR the way software does: write, then read (SDM 11.5.3). */
static u32 esr(void)
{
    wr(APIC_ESR, 0);
    return rd(APIC_ESR);
}

/* ---- reset and enabling ---- */

/*
 * 11.4.7.1 (and 11.12.5.1): after reset IRR, ISR, TMR, ICR, LDR, TPR, the timer's
 * counts and divide configuration are 0; the LVT entries are 0 but for their mask
 * bits; SVR is 0xff; DFR all ones. The version register (11.4.8): version 0x14, six
 * LVT entries (max LVT 5). IA32_APIC_BASE (11.4.4): enabled at 0xfee00000, BSP flag
 * on the bootstrap processor only.
 */
static void test_reset_state(void **state)
{
    static const u32 zero[] = {
        APIC_TPR, APIC_APR, APIC_PPR, APIC_LDR, APIC_ESR, APIC_ICR, APIC_ICR2,
        APIC_TMICT, APIC_TMCCT, APIC_TDCR,
    };
    static const u32 lvts[] = {
        APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
    };

    (void)state;
    for (unsigned int bsp = 0; bsp < 2; bsp++) {
        init_apic(bsp ? 0 : 5, bsp);
        assert_int_equal(msr_rd(MSR_APIC_BASE), BASE_XAPIC | (bsp ? VLAPIC_BASE_BSP : 0));
        assert_true(vlapic_hw_enabled(&lapic));
        assert_false(vlapic_x2apic(&lapic));
        assert_false(vlapic_sw_enabled(&lapic));
        assert_int_equal(rd(APIC_ID), (bsp ? 0u : 5u) << 24);
        assert_int_equal(rd(APIC_LVR), 0x00050014);
        assert_int_equal(rd(APIC_SVR), 0xff);
        assert_int_equal(rd(APIC_DFR), 0xffffffff);
        for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
            assert_int_equal(rd(zero[i]), 0);
        for (size_t i = 0; i < ARRAY_SIZE(lvts); i++)
            assert_int_equal(rd(lvts[i]), LVT_MASKED);
        for (u32 w = 0; w < 8; w++) {
            assert_int_equal(rd(APIC_ISR + w * 0x10), 0);
            assert_int_equal(rd(APIC_TMR + w * 0x10), 0);
            assert_int_equal(rd(APIC_IRR + w * 0x10), 0);
        }
        assert_int_equal(vlapic_pending(&lapic), -1);
        assert_int_equal(msr_rd(MSR_TSC_DEADLINE), 0);
    }
}

/*
 * 11.4.7.3: INIT puts the registers back to their power-up state, except the APIC ID
 * (and IA32_APIC_BASE). Regression: vlapic_reset() used to reload the ID register
 * from the vCPU number, losing an xAPIC ID software had written (11.4.6 lets it).
 */
static void test_init_reset(void **state)
{
    (void)state;
    enable();
    wr(APIC_ID, 0x07000000);
    wr(APIC_TPR, 0x40);
    wr(APIC_LDR, 0x02000000);
    wr(APIC_DFR, 0x0fffffff);
    wr(APIC_LVT0, 0x700);
    wr(APIC_TDCR, 0xb);
    wr(APIC_TMICT, 1000);
    take(0x80, true);
    vlapic_set_irq(&lapic, 0x90, false);

    vlapic_reset(&lapic);
    assert_int_equal(rd(APIC_ID), 0x07000000);
    assert_int_equal(msr_rd(MSR_APIC_BASE), BASE_XAPIC);
    assert_int_equal(rd(APIC_TPR), 0);
    assert_int_equal(rd(APIC_LDR), 0);
    assert_int_equal(rd(APIC_DFR), 0xffffffff);
    assert_int_equal(rd(APIC_SVR), 0xff);
    assert_int_equal(rd(APIC_LVT0), LVT_MASKED);
    assert_int_equal(rd(APIC_TDCR), 0);
    assert_int_equal(rd(APIC_TMICT), 0);
    assert_int_equal(rd(APIC_TMCCT), 0);
    assert_int_equal(armed, 0);                 /* the timer stopped */
    assert_false(vec_bit(APIC_ISR, 0x80));
    assert_false(vec_bit(APIC_TMR, 0x80));
    assert_false(vec_bit(APIC_IRR, 0x90));
    /* and it still answers to its (new) ID */
    assert_true(vlapic_match_dest(&lapic, 7, false));
}

/*
 * 11.4.7.2: SVR bit 8 enables the APIC in software. While it is clear, every LVT
 * entry is masked and a write cannot unmask one; clearing it masks them all. IRR and
 * ISR are held: nothing is delivered until it is set again.
 */
static void test_software_enable(void **state)
{
    static const u32 lvts[] = {
        APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
    };

    (void)state;
    wr(APIC_LVT0, 0x700);
    assert_int_equal(rd(APIC_LVT0), LVT_MASKED | 0x700);
    wr(APIC_LVTERR, 0xfe);
    assert_int_equal(rd(APIC_LVTERR), LVT_MASKED | 0xfe);
    wr(APIC_LVTT, LVTT_PERIODIC | 0xfd);
    assert_int_equal(rd(APIC_LVTT), LVT_MASKED | LVTT_PERIODIC | 0xfd);

    wr(APIC_SVR, 0x1ff);
    assert_true(vlapic_sw_enabled(&lapic));
    assert_int_equal(rd(APIC_SVR), 0x1ff);
    wr(APIC_SVR, 0x3ef);                        /* focus checking off, vector 0xef */
    assert_int_equal(rd(APIC_SVR), 0x3ef);
    /* Bit 12, EOI-broadcast suppression, is reserved: the version register does not
     * offer it (bit 24 clear, 11.8.5). */
    assert_false(rd(APIC_LVR) & (1u << 24));
    wr(APIC_SVR, 0x11ff);
    assert_int_equal(rd(APIC_SVR), 0x1ff);
    wr(APIC_SVR, 0xfffff3ef);                   /* and bits 31-13, 11-10 */
    assert_int_equal(rd(APIC_SVR), 0x3ef);
    for (size_t i = 0; i < ARRAY_SIZE(lvts); i++) {
        wr(lvts[i], 0x31 + i);
        assert_int_equal(rd(lvts[i]), 0x31 + i);
    }
    vlapic_set_irq(&lapic, 0x60, false);
    assert_int_equal(vlapic_pending(&lapic), 0x60);

    wr(APIC_SVR, 0xff);
    assert_false(vlapic_sw_enabled(&lapic));
    for (size_t i = 0; i < ARRAY_SIZE(lvts); i++)
        assert_int_equal(rd(lvts[i]), LVT_MASKED | (0x31 + i));
    assert_int_equal(vlapic_pending(&lapic), -1);
    assert_true(vec_bit(APIC_IRR, 0x60));       /* held */
    enable();
    assert_int_equal(vlapic_pending(&lapic), 0x60);
    assert_int_equal(rd(APIC_LVT0), LVT_MASKED | 0x34);       /* stays masked */
}

/* ---- priorities ---- */

/*
 * 11.8.3.1: PPR[7:0] = TPR[7:0] when TPR[7:4] >= ISRV[7:4] (ISRV: the highest vector
 * in service), else PPR[7:4] = ISRV[7:4] and PPR[3:0] = 0. TPR keeps bits 7-0.
 */
static void test_tpr_ppr(void **state)
{
    static const struct {
        u32 tpr;
        int isrv;       /* -1: nothing in service */
        u32 ppr;
    } cases[] = {
        { 0x00, -1, 0x00 }, { 0x35, -1, 0x35 }, { 0x20, 0x51, 0x50 }, { 0x5a, 0x51, 0x5a },
        { 0x50, 0x5f, 0x50 }, { 0x6f, 0x51, 0x6f }, { 0x4f, 0x51, 0x50 }, { 0xff, 0xfe, 0xff },
        { 0x00, 0x10, 0x10 }, { 0x0f, 0xfe, 0xf0 }, { 0xffffff12, -1, 0x12 },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# TPR %#x, ISRV %d\n", cases[i].tpr, cases[i].isrv);
        setup(NULL);
        enable();
        if (cases[i].isrv >= 0)
            take(cases[i].isrv, false);
        wr(APIC_TPR, cases[i].tpr);
        assert_int_equal(rd(APIC_TPR), cases[i].tpr & 0xff);
        assert_int_equal(rd(APIC_PPR), cases[i].ppr);
        assert_int_equal(vlapic_ppr(&lapic), cases[i].ppr);
    }
}

/*
 * 11.8.3: the APIC delivers the highest vector in IRR only when its priority class
 * (bits 7-4) is above the PPR's class. TPR[3:0] and the vector's low bits do not
 * matter.
 */
static void test_priority_classes(void **state)
{
    static const struct {
        u32 tpr;
        int isrv;
        u8 irr[3];      /* 0: none */
        int pending;
    } cases[] = {
        { 0x00, -1, { 0x31 }, 0x31 },
        { 0x30, -1, { 0x3f }, -1 },
        { 0x30, -1, { 0x40 }, 0x40 },
        { 0x3f, -1, { 0x40 }, 0x40 },
        { 0x2f, -1, { 0x30 }, 0x30 },
        { 0x00, 0x45, { 0x4f }, -1 },
        { 0x00, 0x45, { 0x44 }, -1 },
        { 0x00, 0x45, { 0x50 }, 0x50 },
        { 0x60, 0x45, { 0x50 }, -1 },
        { 0x00, -1, { 0x31, 0x92, 0x60 }, 0x92 },
        { 0x00, 0x90, { 0x31, 0x9f, 0x60 }, -1 },
        { 0xf0, -1, { 0xff }, -1 },
        { 0xe0, -1, { 0xff }, 0xff },
        { 0x00, -1, { 0 }, -1 },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# case %zu\n", i);
        setup(NULL);
        enable();
        if (cases[i].isrv >= 0)
            take(cases[i].isrv, false);
        wr(APIC_TPR, cases[i].tpr);
        for (size_t k = 0; k < 3 && cases[i].irr[k]; k++)
            vlapic_set_irq(&lapic, cases[i].irr[k], false);
        assert_int_equal(vlapic_pending(&lapic), cases[i].pending);
    }
}

/* An arrival, a TPR drop and an EOI can make something deliverable: each kicks the
 * vCPU (so a halted one looks again). */
static void test_tpr_and_eoi_kick(void **state)
{
    (void)state;
    enable();
    wr(APIC_TPR, 0x50);
    nr_kicks = 0;
    vlapic_set_irq(&lapic, 0x41, false);
    assert_int_equal(nr_kicks, 1);
    assert_int_equal(vlapic_pending(&lapic), -1);
    wr(APIC_TPR, 0x30);
    assert_int_equal(nr_kicks, 2);
    assert_int_equal(vlapic_pending(&lapic), 0x41);

    take(0x81, false);
    nr_kicks = 0;
    wr(APIC_EOI, 0);
    assert_int_equal(nr_kicks, 1);
    assert_int_equal(vlapic_pending(&lapic), 0x41);
}

/* ---- IRR, ISR, TMR, EOI ---- */

/*
 * 11.8.4: the CPU's acknowledge moves the vector from IRR to ISR; lower classes wait
 * for its EOI (11.8.5), which clears the highest ISR bit. TMR records the trigger
 * mode of each accepted interrupt.
 */
static void test_ack_and_eoi(void **state)
{
    (void)state;
    enable();
    vlapic_set_irq(&lapic, 0x40, false);
    vlapic_set_irq(&lapic, 0x80, true);
    assert_true(vec_bit(APIC_IRR, 0x40));
    assert_true(vec_bit(APIC_IRR, 0x80));
    assert_true(vec_bit(APIC_TMR, 0x80));
    assert_false(vec_bit(APIC_TMR, 0x40));
    assert_int_equal(vlapic_pending(&lapic), 0x80);
    vlapic_ack(&lapic, 0x80);
    assert_false(vec_bit(APIC_IRR, 0x80));
    assert_true(vec_bit(APIC_ISR, 0x80));
    assert_int_equal(vlapic_pending(&lapic), -1);
    assert_int_equal(rd(APIC_PPR), 0x80);

    /* a higher class still interrupts the 0x80 routine */
    take(0xc3, false);
    wr(APIC_EOI, 0);                            /* ends 0xc3, the highest */
    assert_false(vec_bit(APIC_ISR, 0xc3));
    assert_true(vec_bit(APIC_ISR, 0x80));
    assert_int_equal(vlapic_pending(&lapic), -1);
    wr(APIC_EOI, 0);
    assert_false(vec_bit(APIC_ISR, 0x80));
    assert_int_equal(vlapic_pending(&lapic), 0x40);
    assert_int_equal(rd(APIC_EOI), 0);
}

/*
 * 11.8.5: the EOI of a level-triggered vector (TMR set) is broadcast to the IO-APICs
 * (the eoi_level callback); an edge one's is not. An EOI with nothing in service does
 * nothing. An edge arrival of a vector clears its TMR bit again.
 */
static void test_eoi_broadcast(void **state)
{
    (void)state;
    enable();
    take(0x61, true);
    take(0x71, false);
    wr(APIC_EOI, 0);
    assert_int_equal(nr_eois, 0);
    wr(APIC_EOI, 0);
    assert_int_equal(nr_eois, 1);
    assert_int_equal(eois[0], 0x61);
    wr(APIC_EOI, 0);
    assert_int_equal(nr_eois, 1);

    vlapic_set_irq(&lapic, 0x61, true);
    assert_true(vec_bit(APIC_TMR, 0x61));
    vlapic_set_irq(&lapic, 0x61, false);
    assert_false(vec_bit(APIC_TMR, 0x61));
    vlapic_ack(&lapic, 0x61);
    wr(APIC_EOI, 0);
    assert_int_equal(nr_eois, 1);
}

/*
 * 11.5.3: vectors 0-15 are illegal: one received sets ESR bit 6 (receive illegal
 * vector) and is not put in IRR; one sent through the ICR (fixed or lowest priority)
 * sets bit 5 and is not sent. An error raises the error LVT's interrupt when it is
 * unmasked; the ESR records errors either way.
 */
static void test_illegal_vectors(void **state)
{
    (void)state;
    enable();
    assert_int_equal(esr(), 0);
    for (u8 v = 0; v < 16; v++)
        vlapic_set_irq(&lapic, v, false);
    assert_int_equal(rd(APIC_IRR), 0);
    assert_int_equal(esr(), ESR_RECV_ILLEGAL);
    assert_int_equal(vlapic_pending(&lapic), -1);  /* error LVT masked */
    wr(APIC_LVTERR, LVT_MASKED | 0xe3);
    vlapic_set_irq(&lapic, 15, false);
    assert_int_equal(vlapic_pending(&lapic), -1);
    assert_int_equal(esr(), ESR_RECV_ILLEGAL);

    wr(APIC_LVTERR, 0xe3);
    wr(APIC_ICR2, 0x01000000);
    wr(APIC_ICR, ICR_MODE(APIC_MODE_FIXED) | 0x0f);
    assert_int_equal(nr_ipis, 0);
    assert_int_equal(vlapic_pending(&lapic), 0xe3);
    assert_false(vec_bit(APIC_TMR, 0xe3));
    wr(APIC_ICR, ICR_MODE(APIC_MODE_LOWEST) | 0x03);
    assert_int_equal(nr_ipis, 0);
    assert_int_equal(esr(), ESR_SEND_ILLEGAL);

    /* the vector of NMI, INIT and SMI messages is ignored: not illegal */
    wr(APIC_ICR, ICR_MODE(APIC_MODE_NMI));
    wr(APIC_ICR, ICR_MODE(APIC_MODE_INIT) | ICR_ASSERT);
    wr(APIC_ICR, ICR_MODE(APIC_MODE_SMI));
    assert_int_equal(nr_ipis, 3);
    assert_int_equal(esr(), 0);

    /* an illegal vector in an LVT entry */
    wr(APIC_LVTT, 0x05);
    wr(APIC_TDCR, 0xb);
    wr(APIC_TMICT, 10);
    clock_ns += 10;
    vlapic_timer_expired(&lapic);
    assert_false(vec_bit(APIC_IRR, 0x05));
    assert_int_equal(esr(), ESR_RECV_ILLEGAL);
}

/*
 * 11.5.3: the ESR is written before it is read: the write latches the errors found
 * since the previous write (and clears them); the value written does not matter.
 * A reserved register access is an error too (illegal register address, bit 7).
 */
static void test_esr_write_then_read(void **state)
{
    (void)state;
    enable();
    vlapic_set_irq(&lapic, 1, false);
    assert_int_equal(rd(APIC_ESR), 0);          /* not latched yet */
    wr(APIC_ESR, 0xffffffff);
    assert_int_equal(rd(APIC_ESR), ESR_RECV_ILLEGAL);
    wr(APIC_ICR, 2);
    assert_int_equal(rd(APIC_ESR), ESR_RECV_ILLEGAL); /* the old value until a write */
    wr(APIC_ESR, 0);
    assert_int_equal(rd(APIC_ESR), ESR_SEND_ILLEGAL);
    wr(APIC_ESR, 0);
    assert_int_equal(rd(APIC_ESR), 0);

    wr(0x040, 1);                               /* a reserved offset */
    assert_int_equal(esr(), ESR_ILLEGAL_REG);
    vlapic_set_irq(&lapic, 2, false);
    wr(0x3a0, 1);
    assert_int_equal(esr(), ESR_ILLEGAL_REG | ESR_RECV_ILLEGAL);
}

/* ---- the ICR ---- */

/*
 * 11.6.1: what the ICR sends, as the platform's send_ipi callback sees it: the
 * destination from ICR2 bits 31-24 (xAPIC), the destination mode, delivery mode,
 * vector, trigger mode and the shorthand. A fixed interrupt to "self" is taken
 * locally; an INIT level de-assert is not sent at all (Pentium 4 and later).
 */
static void test_icr_send(void **state)
{
    static const struct {
        const char *what;
        u32 icr2, icr;
        bool sent;
        struct apic_msg m;
        unsigned int shorthand;
    } cases[] = {
        { "fixed, physical", 0x03000000, ICR_MODE(APIC_MODE_FIXED) | ICR_ASSERT | 0x40,
          true, { 3, false, APIC_MODE_FIXED, 0x40, false }, APIC_SHORTHAND_NONE },
        { "fixed, logical, level", 0x0f000000,
          ICR_MODE(APIC_MODE_FIXED) | ICR_LOGICAL | ICR_LEVEL | ICR_ASSERT | 0x41,
          true, { 0x0f, true, APIC_MODE_FIXED, 0x41, true }, APIC_SHORTHAND_NONE },
        { "lowest priority, broadcast", 0xff000000, ICR_MODE(APIC_MODE_LOWEST) | ICR_LOGICAL | 0x42,
          true, { 0xff, true, APIC_MODE_LOWEST, 0x42, false }, APIC_SHORTHAND_NONE },
        { "SMI", 0x01000000, ICR_MODE(APIC_MODE_SMI),
          true, { 1, false, APIC_MODE_SMI, 0, false }, APIC_SHORTHAND_NONE },
        { "NMI", 0x02000000, ICR_MODE(APIC_MODE_NMI) | ICR_ASSERT,
          true, { 2, false, APIC_MODE_NMI, 0, false }, APIC_SHORTHAND_NONE },
        { "INIT assert", 0x01000000, ICR_MODE(APIC_MODE_INIT) | ICR_LEVEL | ICR_ASSERT,
          true, { 1, false, APIC_MODE_INIT, 0, true }, APIC_SHORTHAND_NONE },
        { "INIT, edge", 0x01000000, ICR_MODE(APIC_MODE_INIT),
          true, { 1, false, APIC_MODE_INIT, 0, false }, APIC_SHORTHAND_NONE },
        { "INIT level de-assert", 0x00000000, ICR_MODE(APIC_MODE_INIT) | ICR_LEVEL | ICR_SH(2),
          false, { 0 }, 0 },
        { "start-up", 0x01000000, ICR_MODE(APIC_MODE_STARTUP) | ICR_ASSERT | 0x9a,
          true, { 1, false, APIC_MODE_STARTUP, 0x9a, false }, APIC_SHORTHAND_NONE },
        { "self, NMI", 0, ICR_MODE(APIC_MODE_NMI) | ICR_SH(APIC_SHORTHAND_SELF),
          true, { 0, false, APIC_MODE_NMI, 0, false }, APIC_SHORTHAND_SELF },
        { "all including self, fixed", 0, ICR_MODE(APIC_MODE_FIXED) | ICR_SH(APIC_SHORTHAND_ALL) | 0x51,
          true, { 0, false, APIC_MODE_FIXED, 0x51, false }, APIC_SHORTHAND_ALL },
        { "all excluding self, INIT", 0,
          ICR_MODE(APIC_MODE_INIT) | ICR_LEVEL | ICR_ASSERT | ICR_SH(APIC_SHORTHAND_OTHERS),
          true, { 0, false, APIC_MODE_INIT, 0, true }, APIC_SHORTHAND_OTHERS },
        { "all excluding self, SIPI", 0x05000000,
          ICR_MODE(APIC_MODE_STARTUP) | ICR_SH(APIC_SHORTHAND_OTHERS) | 0x10,
          true, { 5, false, APIC_MODE_STARTUP, 0x10, false }, APIC_SHORTHAND_OTHERS },
        { "ICR2 bits 23-0 ignored", 0x0affffff, ICR_MODE(APIC_MODE_FIXED) | 0x52,
          true, { 0x0a, false, APIC_MODE_FIXED, 0x52, false }, APIC_SHORTHAND_NONE },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# %s\n", cases[i].what);
        setup(NULL);
        enable();
        wr(APIC_ICR2, cases[i].icr2);
        assert_int_equal(rd(APIC_ICR2), cases[i].icr2 & 0xff000000);
        wr(APIC_ICR, cases[i].icr);
        assert_int_equal(rd(APIC_ICR), cases[i].icr);   /* delivery status: idle */
        assert_int_equal(nr_ipis, cases[i].sent);
        assert_int_equal(rd(APIC_IRR + 0x20), 0);       /* nothing taken locally */
        if (!cases[i].sent)
            continue;
        assert_int_equal(ipis[0].m.dest, cases[i].m.dest);
        assert_int_equal(ipis[0].m.logical, cases[i].m.logical);
        assert_int_equal(ipis[0].m.mode, cases[i].m.mode);
        assert_int_equal(ipis[0].m.vector, cases[i].m.vector);
        assert_int_equal(ipis[0].m.level, cases[i].m.level);
        assert_int_equal(ipis[0].shorthand, cases[i].shorthand);
    }
}

/* A fixed interrupt with the self shorthand goes straight into this APIC's IRR (with
 * its trigger mode), not to the platform. */
static void test_icr_self(void **state)
{
    (void)state;
    enable();
    wr(APIC_ICR2, 0x07000000);
    wr(APIC_ICR, ICR_SH(APIC_SHORTHAND_SELF) | ICR_MODE(APIC_MODE_FIXED) | 0x55);
    assert_int_equal(nr_ipis, 0);
    assert_true(vec_bit(APIC_IRR, 0x55));
    assert_false(vec_bit(APIC_TMR, 0x55));
    assert_int_equal(vlapic_pending(&lapic), 0x55);
    wr(APIC_ICR, ICR_SH(APIC_SHORTHAND_SELF) | ICR_LEVEL | ICR_ASSERT | 0x66);
    assert_true(vec_bit(APIC_TMR, 0x66));
    assert_int_equal(nr_ipis, 0);
    /* delivery status (bit 12) is read-only: the send is complete at once */
    wr(APIC_ICR, ICR_SH(APIC_SHORTHAND_SELF) | 1u << 12 | 0x67);
    assert_int_equal(rd(APIC_ICR), ICR_SH(APIC_SHORTHAND_SELF) | 0x67);
}

/* ---- destinations ---- */

/*
 * 11.6.2: physical mode matches the 8-bit APIC ID, logical mode the LDR under the
 * DFR's model: flat (DFR 0xf...) ANDs the 8-bit destination with LDR bits 31-24;
 * cluster (DFR 0x0...) compares the cluster nibble and ANDs the member bits. 0xff
 * is a broadcast in both modes. A globally disabled APIC accepts nothing.
 */
static void test_match_dest_xapic(void **state)
{
    static const struct {
        u32 ldr, dfr;
        u32 dest;
        bool logical, match;
    } cases[] = {
        { 0, 0xffffffff, 0x03, false, true },
        { 0, 0xffffffff, 0x04, false, false },
        { 0, 0xffffffff, 0xff, false, true },
        { 0, 0xffffffff, 0x103, false, true },   /* 8 bits in xAPIC mode */
        { 0x01000000, 0xffffffff, 0x01, true, true },
        { 0x01000000, 0xffffffff, 0x03, true, true },
        { 0x01000000, 0xffffffff, 0x02, true, false },
        { 0x01000000, 0xffffffff, 0xff, true, true },
        { 0x80000000, 0xffffffff, 0x80, true, true },
        { 0x00000000, 0xffffffff, 0x7f, true, false },
        { 0x21000000, 0x0fffffff, 0x21, true, true },
        { 0x21000000, 0x0fffffff, 0x23, true, true },
        { 0x21000000, 0x0fffffff, 0x22, true, false },
        { 0x21000000, 0x0fffffff, 0x31, true, false },
        { 0x21000000, 0x0fffffff, 0x11, true, false },
        { 0x21000000, 0x0fffffff, 0xff, true, true },
        { 0x21000000, 0x0fffffff, 0x03, false, true },
    };

    (void)state;
    init_apic(3, false);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# case %zu\n", i);
        wr(APIC_LDR, cases[i].ldr);
        wr(APIC_DFR, cases[i].dfr);
        assert_int_equal(vlapic_match_dest(&lapic, cases[i].dest, cases[i].logical),
                         cases[i].match);
    }

    /* LDR keeps bits 31-24, DFR bits 31-28 (the rest read as ones) */
    wr(APIC_LDR, 0x12345678);
    assert_int_equal(rd(APIC_LDR), 0x12000000);
    wr(APIC_DFR, 0);
    assert_int_equal(rd(APIC_DFR), 0x0fffffff);
    /* the APIC ID is writable in xAPIC mode, and matching follows it */
    wr(APIC_ID, 0x09ffffff);
    assert_int_equal(rd(APIC_ID), 0x09000000);
    assert_true(vlapic_match_dest(&lapic, 9, false));
    assert_false(vlapic_match_dest(&lapic, 3, false));

    msr_wr(MSR_APIC_BASE, BASE_DISABLED);
    assert_false(vlapic_match_dest(&lapic, 0xff, false));
    assert_false(vlapic_match_dest(&lapic, 0, false));
}

/* ---- x2APIC ---- */

enum apic_state { DISABLED, XAPIC, X2APIC };

static enum apic_state apic_state(void)
{
    u64 base = msr_rd(MSR_APIC_BASE);

    if (!(base & VLAPIC_BASE_EN)) {
        assert_false(base & VLAPIC_BASE_EXTD);
        return DISABLED;
    }
    return base & VLAPIC_BASE_EXTD ? X2APIC : XAPIC;
}

static void go_to(enum apic_state s)
{
    if (s == X2APIC && apic_state() == DISABLED)
        msr_wr(MSR_APIC_BASE, BASE_XAPIC);
    msr_wr(MSR_APIC_BASE, s == DISABLED ? BASE_DISABLED : s == XAPIC ? BASE_XAPIC : BASE_X2APIC);
    assert_int_equal(apic_state(), s);
}

/*
 * 11.12.5, figure 11-27: from xAPIC mode, to x2APIC (EXTD) or disabled; from x2APIC,
 * only to disabled (not back to xAPIC); from disabled, only to xAPIC (not straight to
 * x2APIC). EN = 0 with EXTD = 1 is invalid from anywhere. Illegal writes give #GP
 * (-EPERM) and change nothing. The base address is the platform's; the BSP flag is
 * read-only.
 */
static void test_x2apic_transitions(void **state)
{
    static const struct {
        enum apic_state from;
        u64 val;
        int rc;
        enum apic_state to;
    } cases[] = {
        { XAPIC, BASE_X2APIC, 0, X2APIC },
        { XAPIC, BASE_DISABLED, 0, DISABLED },
        { XAPIC, BASE_XAPIC, 0, XAPIC },
        { XAPIC, BASE_DISABLED | VLAPIC_BASE_EXTD, -EPERM, XAPIC },
        { X2APIC, BASE_XAPIC, -EPERM, X2APIC },
        { X2APIC, BASE_DISABLED, 0, DISABLED },
        { X2APIC, BASE_X2APIC, 0, X2APIC },
        { X2APIC, BASE_DISABLED | VLAPIC_BASE_EXTD, -EPERM, X2APIC },
        { DISABLED, BASE_XAPIC, 0, XAPIC },
        { DISABLED, BASE_DISABLED, 0, DISABLED },
        { DISABLED, BASE_X2APIC, -EPERM, DISABLED },    /* regression */
        { DISABLED, BASE_DISABLED | VLAPIC_BASE_EXTD, -EPERM, DISABLED },
        { XAPIC, BASE_XAPIC | VLAPIC_BASE_BSP, 0, XAPIC },   /* BSP ignored */
        { XAPIC, (BASE_XAPIC & ~0xfffff000ULL) | 0xfec00000, -EPERM, XAPIC },
        { XAPIC, BASE_XAPIC | 1ULL << 40, -EPERM, XAPIC },
        { XAPIC, BASE_XAPIC | 1ULL << 9, -EPERM, XAPIC },
    };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# case %zu: %d -> %#llx\n", i, cases[i].from, cases[i].val);
        setup(NULL);
        go_to(cases[i].from);
        assert_int_equal(vlapic_msr_write(&lapic, MSR_APIC_BASE, cases[i].val), cases[i].rc);
        assert_int_equal(apic_state(), cases[i].to);
        assert_false(msr_rd(MSR_APIC_BASE) & VLAPIC_BASE_BSP);   /* an AP */
    }

    init_apic(0, true);
    msr_wr(MSR_APIC_BASE, BASE_X2APIC);
    assert_int_equal(msr_rd(MSR_APIC_BASE), BASE_X2APIC | VLAPIC_BASE_BSP);
}

/* 11.4.3: globally disabling the APIC loses its state; the APIC ID survives
 * (11.12.5.1: across x2APIC -> disabled too). */
static void test_disable_resets(void **state)
{
    (void)state;
    init_apic(0x23, false);
    enable();
    to_x2apic();
    msr_wr(X2(APIC_TPR), 0x70);
    vlapic_set_irq(&lapic, 0x80, false);
    msr_wr(MSR_APIC_BASE, BASE_DISABLED);
    assert_false(vlapic_hw_enabled(&lapic));
    assert_int_equal(vlapic_pending(&lapic), -1);
    vlapic_set_irq(&lapic, 0x90, false);        /* no APIC: nothing accepted */
    msr_wr(MSR_APIC_BASE, BASE_XAPIC);
    assert_int_equal(rd(APIC_TPR), 0);
    assert_int_equal(rd(APIC_SVR), 0xff);
    assert_int_equal(rd(APIC_IRR + 0x40), 0);
    assert_int_equal(rd(APIC_ID), 0x23000000);
}

/*
 * 11.12.1: in x2APIC mode the registers are MSRs 0x800 + offset / 16. The ID is the
 * 32-bit x2APIC ID; the LDR is derived from it (11.12.10.2: cluster ID bits 31-16 =
 * ID[19:4], bit ID[3:0] of the low 16); the 64-bit ICR is one MSR (11.12.9).
 */
static void test_x2apic_msr_view(void **state)
{
    (void)state;
    init_apic(0x23, false);
    enable();
    to_x2apic();
    assert_int_equal(msr_rd(X2(APIC_ID)), 0x23);
    assert_int_equal(msr_rd(X2(APIC_LVR)), 0x00050014);
    assert_int_equal(msr_rd(X2(APIC_LDR)), 0x00020008);
    assert_int_equal(msr_rd(X2(APIC_SVR)), 0x1ff);

    msr_wr(X2(APIC_TPR), 0x20);
    assert_int_equal(msr_rd(X2(APIC_TPR)), 0x20);
    take(0x91, true);
    assert_int_equal(msr_rd(X2(APIC_PPR)), 0x90);
    assert_int_equal(msr_rd(X2(APIC_ISR) + 4), 1u << (0x91 % 32));
    assert_int_equal(msr_rd(X2(APIC_TMR) + 4), 1u << (0x91 % 32));
    vlapic_set_irq(&lapic, 0xa2, false);
    assert_int_equal(msr_rd(X2(APIC_IRR) + 5), 1u << (0xa2 % 32));
    msr_wr(X2(APIC_EOI), 0);
    assert_int_equal(msr_rd(X2(APIC_ISR) + 4), 0);
    assert_int_equal(nr_eois, 1);

    msr_wr(X2(APIC_LVT0), 0x700);
    assert_int_equal(msr_rd(X2(APIC_LVT0)), 0x700);
    msr_wr(X2(APIC_TDCR), 0xb);
    assert_int_equal(msr_rd(X2(APIC_TDCR)), 0xb);
    msr_wr(X2(APIC_LVTT), 0x40);
    msr_wr(X2(APIC_TMICT), 500);
    assert_int_equal(msr_rd(X2(APIC_TMICT)), 500);
    clock_ns += 200;
    assert_int_equal(msr_rd(X2(APIC_TMCCT)), 300);

    msr_wr(X2(APIC_ICR), 0x0000000500004030ULL);
    assert_int_equal(msr_rd(X2(APIC_ICR)), 0x0000000500004030ULL);
    assert_int_equal(nr_ipis, 1);
    assert_int_equal(ipis[0].m.dest, 5);
    vlapic_set_irq(&lapic, 3, false);
    msr_wr(X2(APIC_ESR), 0);
    assert_int_equal(msr_rd(X2(APIC_ESR)), ESR_RECV_ILLEGAL);
}

/*
 * Table 11-6: in x2APIC mode, RDMSR of a write-only register (EOI, SELF IPI), WRMSR
 * of a read-only one (ID, version, PPR, LDR, ISR, TMR, IRR, current count), and any
 * access to a reserved one (the xAPIC-only APR, RRD, DFR, ICR2, and the gaps) give
 * #GP; so do non-zero writes to EOI and ESR (11.5.3) and reserved bits 63-32 of a
 * 32-bit register. Outside x2APIC mode every MSR of the range does.
 */
static void test_x2apic_msr_faults(void **state)
{
    static const u32 read_only[] = {
        X2(APIC_ID), X2(APIC_LVR), X2(APIC_PPR), X2(APIC_LDR), X2(APIC_ISR), X2(APIC_ISR) + 7,
        X2(APIC_TMR), X2(APIC_TMR) + 7, X2(APIC_IRR), X2(APIC_IRR) + 7, X2(APIC_TMCCT),
    };
    static const u32 write_only[] = { X2(APIC_EOI), X2(APIC_SELF_IPI) };
    static const u32 reserved[] = {
        0x800, 0x801, 0x804, 0x805, 0x806, 0x807, X2(APIC_APR), X2(APIC_RRD), X2(APIC_DFR),
        0x829, 0x82a, 0x82b, 0x82c, 0x82d, 0x82e, X2(APIC_ICR2), 0x83a, 0x83b, 0x83c,
        0x83d, 0x840, 0x8ff,
    };
    u64 val;

    (void)state;
    enable();
    /* xAPIC mode: the whole range faults */
    for (u32 msr = 0x800; msr <= 0x8ff; msr++) {
        assert_int_equal(vlapic_msr_read(&lapic, msr, &val), -EPERM);
        assert_int_equal(vlapic_msr_write(&lapic, msr, 0), -EPERM);
    }
    to_x2apic();
    for (size_t i = 0; i < ARRAY_SIZE(read_only); i++) {
        print_message("# read-only %#x\n", read_only[i]);
        assert_int_equal(vlapic_msr_read(&lapic, read_only[i], &val), 0);
        assert_int_equal(vlapic_msr_write(&lapic, read_only[i], 0), -EPERM);
    }
    for (size_t i = 0; i < ARRAY_SIZE(write_only); i++) {
        print_message("# write-only %#x\n", write_only[i]);
        assert_int_equal(vlapic_msr_read(&lapic, write_only[i], &val), -EPERM);
        assert_int_equal(vlapic_msr_write(&lapic, write_only[i], 0x20), write_only[i] == X2(APIC_EOI) ? -EPERM : 0);
    }
    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
        print_message("# reserved %#x\n", reserved[i]);
        assert_int_equal(vlapic_msr_read(&lapic, reserved[i], &val), -EPERM);
        assert_int_equal(vlapic_msr_write(&lapic, reserved[i], 0), -EPERM);
    }
    /* non-zero writes to EOI and ESR; bits 63-32 of 32-bit registers */
    assert_int_equal(vlapic_msr_write(&lapic, X2(APIC_EOI), 1), -EPERM);
    assert_int_equal(vlapic_msr_write(&lapic, X2(APIC_EOI), 0), 0);
    assert_int_equal(vlapic_msr_write(&lapic, X2(APIC_ESR), 1), -EPERM);   /* regression */
    assert_int_equal(vlapic_msr_write(&lapic, X2(APIC_ESR), 0), 0);
    assert_int_equal(vlapic_msr_write(&lapic, X2(APIC_TPR), 1ULL << 32), -EPERM);
    assert_int_equal(msr_rd(X2(APIC_TPR)), 0);
    /* in x2APIC mode, #GP rather than the ESR's illegal register bit */
    assert_int_equal(msr_rd(X2(APIC_ESR)), 0);
    msr_wr(X2(APIC_ESR), 0);
    assert_int_equal(msr_rd(X2(APIC_ESR)), 0);

    assert_true(vlapic_msr_is_apic(MSR_APIC_BASE));
    assert_true(vlapic_msr_is_apic(MSR_TSC_DEADLINE));
    assert_true(vlapic_msr_is_apic(0x800));
    assert_true(vlapic_msr_is_apic(0x8ff));
    assert_false(vlapic_msr_is_apic(0x7ff));
    assert_false(vlapic_msr_is_apic(0x900));
    assert_false(vlapic_msr_is_apic(0x10));
}

/* 11.12.11: SELF IPI (MSR 0x83f) sets the vector in this APIC's IRR, edge-triggered;
 * it exists in x2APIC mode only (offset 0x3f0 is reserved in the MMIO page). */
static void test_x2apic_self_ipi(void **state)
{
    (void)state;
    enable();
    wr(APIC_SELF_IPI, 0x57);
    assert_false(vec_bit(APIC_IRR, 0x57));
    to_x2apic();
    msr_wr(X2(APIC_SELF_IPI), 0x57);
    assert_int_equal(nr_ipis, 0);
    assert_int_equal(vlapic_pending(&lapic), 0x57);
    assert_int_equal(msr_rd(X2(APIC_TMR) + 2), 0);
    assert_int_equal(msr_rd(X2(APIC_IRR) + 2), 1u << (0x57 % 32));
}

/* 11.12.9: the x2APIC ICR's destination is its bits 63-32, all 32 of them. */
static void test_x2apic_icr(void **state)
{
    (void)state;
    enable();
    to_x2apic();
    msr_wr(X2(APIC_ICR), 0x12345678ULL << 32 | ICR_LOGICAL | ICR_ASSERT | 0x30);
    assert_int_equal(nr_ipis, 1);
    assert_int_equal(ipis[0].m.dest, 0x12345678);
    assert_true(ipis[0].m.logical);
    assert_int_equal(ipis[0].m.vector, 0x30);
    msr_wr(X2(APIC_ICR), 0xffffffffULL << 32 | ICR_MODE(APIC_MODE_NMI));
    assert_int_equal(ipis[1].m.dest, 0xffffffff);
    assert_int_equal(ipis[1].m.mode, APIC_MODE_NMI);
    msr_wr(X2(APIC_ICR), ICR_SH(APIC_SHORTHAND_SELF) | 0x58);
    assert_int_equal(nr_ipis, 2);
    assert_int_equal(vlapic_pending(&lapic), 0x58);
}

/* 11.12.1.2: in x2APIC mode the MMIO page does not decode: reads give 0, writes do
 * nothing. */
static void test_x2apic_no_mmio(void **state)
{
    (void)state;
    enable();
    to_x2apic();
    assert_int_equal(rd(APIC_LVR), 0);
    assert_int_equal(rd(APIC_SVR), 0);
    wr(APIC_TPR, 0x40);
    assert_int_equal(msr_rd(X2(APIC_TPR)), 0);
    wr(APIC_ICR, 0x30);
    assert_int_equal(nr_ipis, 0);
    assert_int_equal(msr_rd(X2(APIC_ESR)), 0);
}

/* 11.12.10: x2APIC destinations: physical is the 32-bit ID; logical is a cluster
 * (bits 31-16) and a member bitmap (15-0) against the derived LDR; 0xffffffff is a
 * broadcast. */
static void test_match_dest_x2apic(void **state)
{
    static const struct {
        u32 dest;
        bool logical, match;
    } cases[] = {
        { 0x00000123, false, true },
        { 0x00000023, false, false },
        { 0x01000123, false, false },
        { 0xffffffff, false, true },
        { 0xffffffff, true, true },
        { 0x00120008, true, true },
        { 0x0012ffff, true, true },
        { 0x00120004, true, false },
        { 0x00130008, true, false },
        { 0x00020008, true, false },
    };

    (void)state;
    init_apic(0x123, false);
    enable();
    to_x2apic();
    assert_int_equal(msr_rd(X2(APIC_LDR)), 0x00120008);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# %#x %s\n", cases[i].dest, cases[i].logical ? "logical" : "physical");
        assert_int_equal(vlapic_match_dest(&lapic, cases[i].dest, cases[i].logical),
                         cases[i].match);
    }
}

/* ---- the LVT and LINT0 ---- */

/*
 * Regression, figure 11-8: the delivery status bit (12) of every LVT entry, and the
 * remote IRR bit (14) of LINT0/1, are read-only; reserved bits read 0. The timer,
 * thermal and performance entries used to keep a 1 written to bit 12.
 */
static void test_lvt_writable_bits(void **state)
{
    static const struct {
        u32 off, mask;
    } cases[] = {
        { APIC_LVTT, 0x000700ff }, { APIC_LVTTHMR, 0x000107ff }, { APIC_LVTPC, 0x000107ff },
        { APIC_LVT0, 0x0001a7ff }, { APIC_LVT1, 0x0001a7ff }, { APIC_LVTERR, 0x000100ff },
    };

    (void)state;
    enable();
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# LVT %#x\n", cases[i].off);
        wr(cases[i].off, 0xffffffff);
        assert_int_equal(rd(cases[i].off), cases[i].mask);
        wr(cases[i].off, 0);
        assert_int_equal(rd(cases[i].off), 0);
        wr(cases[i].off, 1u << 12);
        assert_int_equal(rd(cases[i].off), 0);
    }
}

/*
 * LINT0 in ExtINT mode, unmasked, lets the 8259's INT through (11.5.1, the virtual
 * wire of the MP spec); a globally disabled APIC is not in the way at all (11.4.3).
 */
static void test_accepts_extint(void **state)
{
    static const struct {
        bool sw_enabled;
        u32 lvt0;
        bool accepts;
    } cases[] = {
        { true, 0x00000700, true },
        { true, 0x00008700, true },     /* level */
        { true, 0x00010700, false },    /* masked */
        { true, 0x00000400, false },    /* NMI */
        { true, 0x00000000, false },    /* fixed */
        { false, 0x00000700, false },   /* software-disabled: forced masked */
    };

    (void)state;
    assert_false(vlapic_accepts_extint(&lapic));    /* reset: LINT0 masked */
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        print_message("# case %zu\n", i);
        setup(NULL);
        enable();
        wr(APIC_LVT0, cases[i].lvt0);
        if (!cases[i].sw_enabled)
            wr(APIC_SVR, 0xff);
        assert_int_equal(vlapic_accepts_extint(&lapic), cases[i].accepts);
    }
    setup(NULL);
    msr_wr(MSR_APIC_BASE, BASE_DISABLED);
    assert_true(vlapic_accepts_extint(&lapic));
    /* and LINT0 changes kick the vCPU, as the 8259's INT may now get through */
    setup(NULL);
    enable();
    nr_kicks = 0;
    wr(APIC_LVT0, 0x700);
    assert_int_equal(nr_kicks, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_reset_state),
        T(test_init_reset),
        T(test_software_enable),
        T(test_tpr_ppr),
        T(test_priority_classes),
        T(test_tpr_and_eoi_kick),
        T(test_ack_and_eoi),
        T(test_eoi_broadcast),
        T(test_illegal_vectors),
        T(test_esr_write_then_read),
        T(test_icr_send),
        T(test_icr_self),
        T(test_match_dest_xapic),
        T(test_x2apic_transitions),
        T(test_disable_resets),
        T(test_x2apic_msr_view),
        T(test_x2apic_msr_faults),
        T(test_x2apic_self_ipi),
        T(test_x2apic_icr),
        T(test_x2apic_no_mmio),
        T(test_match_dest_x2apic),
        T(test_lvt_writable_bits),
        T(test_accepts_extint),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
