/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated local APIC of a vCPU (common/hvm/vlapic.c): xAPIC through its MMIO
 * page and x2APIC through MSRs 0x800-0x8ff, TPR/PPR, IRR/ISR/TMR, EOI (broadcast to
 * the IO-APIC for level-triggered vectors), LDR/DFR, the spurious vector, the error
 * register, the ICR with every delivery mode and shorthand, and the timer in one-shot,
 * periodic and TSC-deadline modes (Intel SDM vol. 3, chapter 11).
 *
 * A state machine: it reaches the rest of the machine only through struct
 * vlapic_ops (time, its timer, sending IPIs, level EOIs, waking its vCPU), so host
 * unit tests can drive it. Locking is the caller's (the domain's interrupt lock),
 * except vlapic_pending(), which may be called without it (a racy answer is fixed by
 * the wake-up protocol, see hv/sched.h).
 */
#ifndef HV_VLAPIC_H
#define HV_VLAPIC_H

#include <hv/types.h>
#include <hv/vioapic.h>

/* ICR destination shorthands (bits 18-19). */
#define APIC_SHORTHAND_NONE     0
#define APIC_SHORTHAND_SELF     1
#define APIC_SHORTHAND_ALL      2
#define APIC_SHORTHAND_OTHERS   3

struct vlapic;

struct vlapic_ops {
    s_time_t (*now)(void *ctx);                       /* system time, ns */
    void (*set_timer)(void *ctx, s_time_t deadline);  /* 0: stop */
    u64 (*guest_tsc)(void *ctx);                      /* the vCPU's TSC now */
    s_time_t (*tsc_to_time)(void *ctx, u64 guest_tsc);/* when the guest TSC reaches it */
    void (*send_ipi)(void *ctx, const struct apic_msg *m, unsigned int shorthand);
    void (*eoi_level)(void *ctx, u8 vector);          /* to the IO-APIC */
    void (*kick)(void *ctx);                          /* an interrupt became pending */
};

struct vlapic {
    u32 id;                     /* the APIC ID: the vCPU id */
    u64 base_msr;               /* IA32_APIC_BASE */
    u32 regs[1024];             /* the 4 KiB register page, by 32-bit word */
    /* The timer: */
    s_time_t timer_period;      /* ns a full count takes (one-shot and periodic) */
    s_time_t timer_deadline;    /* the next expiry (periodic: the next interrupt, at
                                   least PERIODIC_TIMER_MIN_NS after the last); 0 when
                                   not armed */
    u64 tsc_deadline;           /* IA32_TSC_DEADLINE */
    u32 esr_pending;            /* errors since the last ESR write */
    const struct vlapic_ops *ops;
    void *ctx;
};

/* The IA32_APIC_BASE bits (SDM vol. 3, 11.4.4). */
#define VLAPIC_BASE_BSP     (1ULL << 8)
#define VLAPIC_BASE_EXTD    (1ULL << 10)  /* x2APIC mode */
#define VLAPIC_BASE_EN      (1ULL << 11)

void vlapic_init(struct vlapic *l, u32 id, bool bsp, const struct vlapic_ops *ops,
                 void *ctx);
/* The state after INIT (SDM 11.4.7.3): registers reset, APIC ID and base MSR kept. */
void vlapic_reset(struct vlapic *l);

/* Globally enabled in IA32_APIC_BASE, in x2APIC mode, software-enabled (SVR). */
bool vlapic_hw_enabled(const struct vlapic *l);
bool vlapic_x2apic(const struct vlapic *l);
bool vlapic_sw_enabled(const struct vlapic *l);

/* The MMIO page (xAPIC mode): `off` 0-0xfff, 4-byte accesses at 16-byte registers. */
u32 vlapic_mmio_read(struct vlapic *l, u32 off);
void vlapic_mmio_write(struct vlapic *l, u32 off, u32 val);

/* MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE and, in x2APIC mode, 0x800-0x8ff.
 * 0, or -EPERM when the guest must get #GP. */
int vlapic_msr_read(struct vlapic *l, u32 msr, u64 *val);
int vlapic_msr_write(struct vlapic *l, u32 msr, u64 val);
bool vlapic_msr_is_apic(u32 msr);

/* Does this APIC accept a message for (dest, logical)? The all-ones destination (0xff,
 * or 0xffffffff in x2APIC mode) is a broadcast every enabled APIC accepts. */
bool vlapic_match_dest(const struct vlapic *l, u32 dest, bool logical);

/* A fixed or lowest-priority interrupt arrives: set IRR (and TMR if level). */
void vlapic_set_irq(struct vlapic *l, u8 vector, bool level);

/* The vector the CPU would take now (IRR above the processor priority), or -1. */
int vlapic_pending(const struct vlapic *l);
/* The CPU took `vector`: IRR to ISR. */
void vlapic_ack(struct vlapic *l, u8 vector);

/* LINT0 routes the 8259's INT to this CPU (ExtINT, unmasked), or the APIC is
 * globally disabled and the INT pin reaches the CPU directly. */
bool vlapic_accepts_extint(const struct vlapic *l);

/* The timer's host deadline expired. */
void vlapic_timer_expired(struct vlapic *l);

/* The task priority and processor priority (for lowest-priority arbitration). */
u8 vlapic_ppr(const struct vlapic *l);

#endif /* HV_VLAPIC_H */
