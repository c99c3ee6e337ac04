/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fake machine of the emulated local APIC's unit tests (test_vlapic.c and
 * test_vlapic_timer.c), built in support/vlapic_machine.c: one struct vlapic, driven
 * through its MMIO page and MSRs as a guest would, whose callbacks are fakes: a clock
 * the test moves, and recorders for the timer, the IPIs, the level EOIs and the kicks.
 * Register and field names below follow the Intel SDM vol. 3, chapter 11.
 */
#ifndef UNIT_VLAPIC_MACHINE_H
#define UNIT_VLAPIC_MACHINE_H

#include "unit.h"

#include <hv/errno.h>
#include <hv/time.h>
#include <hv/vlapic.h>
#include <public/arch-x86/platform.h>

/* Register offsets (SDM table 11-1); x2APIC MSR = 0x800 + offset / 16 (table 11-6). */
#define APIC_ID      0x020
#define APIC_LVR     0x030
#define APIC_TPR     0x080
#define APIC_APR     0x090
#define APIC_PPR     0x0a0
#define APIC_EOI     0x0b0
#define APIC_RRD     0x0c0
#define APIC_LDR     0x0d0
#define APIC_DFR     0x0e0
#define APIC_SVR     0x0f0
#define APIC_ISR     0x100
#define APIC_TMR     0x180
#define APIC_IRR     0x200
#define APIC_ESR     0x280
#define APIC_ICR     0x300
#define APIC_ICR2    0x310
#define APIC_LVTT    0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC   0x340
#define APIC_LVT0    0x350
#define APIC_LVT1    0x360
#define APIC_LVTERR  0x370
#define APIC_TMICT   0x380
#define APIC_TMCCT   0x390
#define APIC_TDCR    0x3e0
#define APIC_SELF_IPI 0x3f0

#define MSR_APIC_BASE    0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define X2(off)          (0x800 + (off) / 16)

#define BASE_XAPIC    (PLATFORM_LAPIC_BASE | VLAPIC_BASE_EN)
#define BASE_X2APIC   (PLATFORM_LAPIC_BASE | VLAPIC_BASE_EN | VLAPIC_BASE_EXTD)
#define BASE_DISABLED ((u64)PLATFORM_LAPIC_BASE)

#define LVT_MASKED    (1u << 16)
#define LVTT_PERIODIC (1u << 17)
#define LVTT_TSCDL    (2u << 17)
#define SVR_ENABLE    (1u << 8)

#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG  (1u << 7)

/* ICR fields (SDM figure 11-12). */
#define ICR_MODE(m)      ((u32)(m) << 8)
#define ICR_LOGICAL      (1u << 11)
#define ICR_ASSERT       (1u << 14)
#define ICR_LEVEL        (1u << 15)
#define ICR_SH(s)        ((u32)(s) << 18)

/* ---- the fake machine ---- */

extern struct vlapic lapic;
extern s_time_t clock_ns;       /* what ops->now returns */
extern s_time_t armed;          /* the last set_timer deadline (0: stopped) */
extern unsigned int nr_set_timer;

#define MAX_IPIS 16
struct recorded_ipi {
    struct apic_msg m;
    unsigned int shorthand;
};
extern struct recorded_ipi ipis[MAX_IPIS];
extern unsigned int nr_ipis;
extern u8 eois[16];
extern unsigned int nr_eois;
extern unsigned int nr_kicks;

/* Clear the recorders (timer, IPIs, EOIs, kicks). */
void reset_recorders(void);
/* vlapic_init() the APIC over the fakes, and clear the recorders. */
void init_apic(u32 id, bool bsp);
/* The test setup: the clock at 1 ms, APIC 1 just reset (an AP). */
int setup(void **state);

/* ---- the guest's view ---- */

/* MMIO read and write at register offset `off`. */
u32 rd(u32 off);
void wr(u32 off, u32 val);
/* MSR read and write, which must succeed. */
u64 msr_rd(u32 msr);
void msr_wr(u32 msr, u64 val);
/* Software-enable the APIC (SVR), spurious vector 0xff. */
void enable(void);
/* Is `v` set in the 256-bit register at `base` (IRR, ISR, TMR), read as a guest does? */
bool vec_bit(u32 base, u8 v);

#endif
