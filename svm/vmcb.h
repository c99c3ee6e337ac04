/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VMCB (AMD APM vol. 2, appendix B): the control area at 0x000 and the guest's
 * state save area at 0x400, as one packed struct whose every field's offset is checked
 * at compile time (vmcb.c). Field comments give the offset.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <hv/compiler.h>
#include <hv/types.h>

struct vmcb_seg {
    u16 sel;
    u16 attr;           /* the 12-bit packed attributes (APM 15.5.1) */
    u32 limit;
    u64 base;
} __packed;

struct vmcb {
    /* ---- control area ---- */
    u32 intercept_cr;           /* 0x000: reads bits 0-15, writes 16-31 */
    u32 intercept_dr;           /* 0x004 */
    u32 intercept_exceptions;   /* 0x008: bit n: exception vector n */
    u32 intercept1;             /* 0x00c: INTERCEPT1_* */
    u32 intercept2;             /* 0x010: INTERCEPT2_* */
    u32 intercept3;             /* 0x014 */
    u8 res0[0x3c - 0x18];
    u16 pause_filter_thresh;    /* 0x03c */
    u16 pause_filter_count;     /* 0x03e */
    u64 iopm_base_pa;           /* 0x040 */
    u64 msrpm_base_pa;          /* 0x048 */
    u64 tsc_offset;             /* 0x050 */
    u32 asid;                   /* 0x058 */
    u8 tlb_control;             /* 0x05c: TLB_CONTROL_* */
    u8 res1[3];
    u64 vintr;                  /* 0x060: VINTR_* */
    u64 interrupt_shadow;       /* 0x068: bit 0: in an interrupt shadow */
    u64 exitcode;               /* 0x070: VMEXIT_* */
    u64 exitinfo1;              /* 0x078 */
    u64 exitinfo2;              /* 0x080 */
    u64 exitintinfo;            /* 0x088: an event being delivered at the exit */
    u64 np_control;             /* 0x090: bit 0: nested paging */
    u64 avic_apic_bar;          /* 0x098 */
    u64 ghcb_pa;                /* 0x0a0 */
    u64 eventinj;               /* 0x0a8: EVENTINJ_* */
    u64 n_cr3;                  /* 0x0b0: the nested page table's root */
    u64 virt_ext;               /* 0x0b8 */
    u32 clean;                  /* 0x0c0: VMCB clean bits */
    u32 res2;
    u64 nrip;                   /* 0x0c8: next RIP, with the NRIP-save feature */
    u8 insn_len;                /* 0x0d0: with decode assists */
    u8 insn_bytes[15];          /* 0x0d1 */
    u8 res3[0x400 - 0xe0];

    /* ---- state save area ---- */
    struct vmcb_seg es;         /* 0x400 */
    struct vmcb_seg cs;         /* 0x410 */
    struct vmcb_seg ss;         /* 0x420 */
    struct vmcb_seg ds;         /* 0x430 */
    struct vmcb_seg fs;         /* 0x440 */
    struct vmcb_seg gs;         /* 0x450 */
    struct vmcb_seg gdtr;       /* 0x460 */
    struct vmcb_seg ldtr;       /* 0x470 */
    struct vmcb_seg idtr;       /* 0x480 */
    struct vmcb_seg tr;         /* 0x490 */
    u8 res4[0x4cb - 0x4a0];
    u8 cpl;                     /* 0x4cb */
    u32 res5;
    u64 efer;                   /* 0x4d0 */
    u8 res6[0x548 - 0x4d8];
    u64 cr4;                    /* 0x548 */
    u64 cr3;                    /* 0x550 */
    u64 cr0;                    /* 0x558 */
    u64 dr7;                    /* 0x560 */
    u64 dr6;                    /* 0x568 */
    u64 rflags;                 /* 0x570 */
    u64 rip;                    /* 0x578 */
    u8 res7[0x5d8 - 0x580];
    u64 rsp;                    /* 0x5d8 */
    u8 res8[0x5f8 - 0x5e0];
    u64 rax;                    /* 0x5f8 */
    u64 star;                   /* 0x600 */
    u64 lstar;                  /* 0x608 */
    u64 cstar;                  /* 0x610 */
    u64 sfmask;                 /* 0x618 */
    u64 kernel_gs_base;         /* 0x620 */
    u64 sysenter_cs;            /* 0x628 */
    u64 sysenter_esp;           /* 0x630 */
    u64 sysenter_eip;           /* 0x638 */
    u64 cr2;                    /* 0x640 */
    u8 res9[0x668 - 0x648];
    u64 g_pat;                  /* 0x668 */
    u64 dbgctl;                 /* 0x670 */
    u64 br_from;                /* 0x678 */
    u64 br_to;                  /* 0x680 */
    u64 last_excp_from;         /* 0x688 */
    u64 last_excp_to;           /* 0x690 */
    u8 res10[0x1000 - 0x698];
} __packed;

/* intercept1 (offset 0x00c) */
#define INTERCEPT1_INTR         (1u << 0)
#define INTERCEPT1_NMI          (1u << 1)
#define INTERCEPT1_SMI          (1u << 2)
#define INTERCEPT1_INIT         (1u << 3)
#define INTERCEPT1_VINTR        (1u << 4)
#define INTERCEPT1_RDPMC        (1u << 15)
#define INTERCEPT1_CPUID        (1u << 18)
#define INTERCEPT1_IRET         (1u << 20)
#define INTERCEPT1_INVD         (1u << 22)
#define INTERCEPT1_HLT          (1u << 24)
#define INTERCEPT1_INVLPGA      (1u << 26)
#define INTERCEPT1_IOIO_PROT    (1u << 27)
#define INTERCEPT1_MSR_PROT     (1u << 28)
#define INTERCEPT1_TASK_SWITCH  (1u << 29)
#define INTERCEPT1_SHUTDOWN     (1u << 31)

/* intercept2 (offset 0x010) */
#define INTERCEPT2_VMRUN        (1u << 0)
#define INTERCEPT2_VMMCALL      (1u << 1)
#define INTERCEPT2_VMLOAD       (1u << 2)
#define INTERCEPT2_VMSAVE       (1u << 3)
#define INTERCEPT2_STGI         (1u << 4)
#define INTERCEPT2_CLGI         (1u << 5)
#define INTERCEPT2_SKINIT       (1u << 6)
#define INTERCEPT2_WBINVD       (1u << 9)
#define INTERCEPT2_MONITOR      (1u << 10)
#define INTERCEPT2_MWAIT        (1u << 11)
#define INTERCEPT2_MWAIT_COND   (1u << 12)
#define INTERCEPT2_XSETBV       (1u << 13)

/* tlb_control (offset 0x05c), APM 15.16.1 */
#define TLB_CONTROL_DO_NOTHING  0
#define TLB_CONTROL_FLUSH_ALL   1   /* every ASID: needed when ASIDs are recycled */
#define TLB_CONTROL_FLUSH_ASID  3   /* this guest's ASID only (FlushByAsid feature) */

/* vintr (offset 0x060), APM 15.21.1 */
#define VINTR_V_IRQ             (1ULL << 8)
#define VINTR_PRIO_SHIFT        16
#define VINTR_IGN_TPR           (1ULL << 20)
#define VINTR_MASKING           (1ULL << 24)   /* host IF masks physical interrupts */

/* eventinj and exitintinfo (offsets 0x0a8, 0x088), APM 15.20 */
#define EVENTINJ_VECTOR_MASK    0xffULL
#define EVENTINJ_TYPE_SHIFT     8
#define  EVENTINJ_TYPE_INTR     0
#define  EVENTINJ_TYPE_NMI      2
#define  EVENTINJ_TYPE_EXCEPTION 3
#define  EVENTINJ_TYPE_SOFT_INT 4
#define EVENTINJ_ERROR_VALID    (1ULL << 11)
#define EVENTINJ_VALID          (1ULL << 31)
#define EVENTINJ_ERROR_SHIFT    32

#define NP_ENABLE               (1ULL << 0)

/* Exit codes (APM vol. 2, appendix C). */
#define VMEXIT_EXCEPTION_BASE   0x040   /* + vector */
#define VMEXIT_INTR             0x060
#define VMEXIT_NMI              0x061
#define VMEXIT_SMI              0x062
#define VMEXIT_INIT             0x063
#define VMEXIT_VINTR            0x064
#define VMEXIT_RDPMC            0x06f
#define VMEXIT_CPUID            0x072
#define VMEXIT_IRET             0x074
#define VMEXIT_INVD             0x076
#define VMEXIT_PAUSE            0x077
#define VMEXIT_HLT              0x078
#define VMEXIT_INVLPGA          0x07a
#define VMEXIT_IOIO             0x07b
#define VMEXIT_MSR              0x07c
#define VMEXIT_TASK_SWITCH      0x07d
#define VMEXIT_SHUTDOWN         0x07f
#define VMEXIT_VMRUN            0x080
#define VMEXIT_VMMCALL          0x081
#define VMEXIT_VMLOAD           0x082
#define VMEXIT_VMSAVE           0x083
#define VMEXIT_STGI             0x084
#define VMEXIT_CLGI             0x085
#define VMEXIT_SKINIT           0x086
#define VMEXIT_WBINVD           0x089
#define VMEXIT_MONITOR          0x08a
#define VMEXIT_MWAIT            0x08b
#define VMEXIT_MWAIT_COND       0x08c
#define VMEXIT_XSETBV           0x08d
#define VMEXIT_NPF              0x400
/* VMRUN failed its consistency checks: -1, of which QEMU sets only the low 32 bits
 * (PLATFORM.md), so compare those. */
#define VMEXIT_INVALID          0xffffffffULL

/* IOIO exitinfo1 (APM 15.10.2) */
#define IOIO_TYPE_IN            (1ULL << 0)
#define IOIO_STR                (1ULL << 2)
#define IOIO_REP                (1ULL << 3)
#define IOIO_SZ8                (1ULL << 4)
#define IOIO_SZ16               (1ULL << 5)
#define IOIO_SZ32               (1ULL << 6)
#define IOIO_PORT_SHIFT         16

/* NPF exitinfo1 (APM 15.25.6) */
#define NPF_PRESENT             (1ULL << 0)
#define NPF_WRITE               (1ULL << 1)
#define NPF_FETCH               (1ULL << 4)
#define NPF_FINAL_TRANSLATION   (1ULL << 32)
#define NPF_IN_GUEST_WALK       (1ULL << 33)

/* CPUID 0x8000000A EDX: SVM features. */
#define SVM_FEATURE_NPT         (1u << 0)
#define SVM_FEATURE_NRIPS       (1u << 3)
#define SVM_FEATURE_FLUSH_ASID  (1u << 6)

#endif /* SVM_VMCB_H */
