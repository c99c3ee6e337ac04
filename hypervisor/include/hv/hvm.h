/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The neutral HVM layer: what the core knows of hardware virtualization.
 *
 * A backend (svm/, vmx/) offers a probe that returns a const struct hvm_ops; the
 * core copies the first usable one into hvm_funcs at boot and calls it only through
 * the hvm_*() wrappers below. The backend turns each hardware exit into one struct
 * hvm_exit; the core dispatches on exit->kind through a table (common/hvm/exit.c).
 *
 * Registers: the entry stubs save the general registers the hardware does not keep
 * in the VMCB/VMCS into v->hvm.gprs. The others (RAX and RSP on SVM, RSP on VMX, RIP,
 * RFLAGS, control registers, EFER) are read through the backend once per exit and
 * cached, with valid/dirty bits; dirty ones are written back before the next entry.
 */
#ifndef HV_HVM_H
#define HV_HVM_H

#include <hv/compiler.h>
#include <hv/guest_access.h>
#include <hv/timer.h>
#include <hv/types.h>
#include <hv/x86_emulate.h>   /* architectural constants: X86_CR0_*, X86_EXC_*... */

struct domain;
struct vcpu;
struct p2m_format;

/* ---- registers ---- */

/* General registers in instruction-encoding order. */
enum { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
       GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15, NR_GPRS };

/* Registers kept by the backend (VMCB/VMCS) and cached by the core. DR6 is the
 * VMCB's on SVM and, on VMX, which does not switch it, the vCPU's own copy or the
 * CPU's register while the vCPU owns it (vmx.c). */
enum hvm_reg {
    HVM_REG_RAX, HVM_REG_RSP, HVM_REG_RIP, HVM_REG_RFLAGS,
    HVM_REG_CR0, HVM_REG_CR2, HVM_REG_CR3, HVM_REG_CR4, HVM_REG_EFER,
    HVM_REG_PAT, HVM_REG_TSC_OFFSET, HVM_REG_DR6,
    HVM_NR_REGS
};

enum seg_reg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_TR, SEG_LDTR,
               SEG_GDTR, SEG_IDTR, NR_SEGS };

/* A segment register. attr is the 12-bit packed form of the VMCB (AMD APM vol. 2,
 * 15.5.1): type:4 s:1 dpl:2 p:1 avl:1 l:1 db:1 g:1. */
struct segment {
    u16 sel;
    u16 attr;
    u32 limit;
    u64 base;
};

#define SEG_ATTR_TYPE(a) ((a) & 0xf)
#define SEG_ATTR_S       (1u << 4)
#define SEG_ATTR_DPL(a)  (((a) >> 5) & 3)
#define SEG_ATTR_P       (1u << 7)
#define SEG_ATTR_L       (1u << 9)
#define SEG_ATTR_DB      (1u << 10)
#define SEG_ATTR_G       (1u << 11)

/* Architectural bits beyond those in hv/x86_emulate.h. */
#define X86_CR0_ET (1u << 4)
#define X86_CR0_NE (1u << 5)
#define X86_CR0_NW (1u << 29)
#define X86_CR0_CD (1u << 30)
#define X86_EFLAGS_FIXED (1ULL << 1)
#define X86_EFLAGS_TF   (1ULL << 8)
#ifndef X86_EFLAGS_IF /* also in asm/processor.h */
#define X86_EFLAGS_IF   (1UL << 9)
#endif
#define X86_EFLAGS_RF   (1ULL << 16)
#define X86_EFLAGS_VM   (1ULL << 17)
/* Debug registers (SDM vol. 3B, 18.2): DR6's hit bits and single-step bit, and the
 * reset values of DR6 and DR7. */
#define X86_DR6_B0_B3   0xfULL
#define X86_DR6_BS      (1ULL << 14)
#define X86_DR6_RESET   0xffff0ff0ULL
#define X86_DR7_RESET   0x400ULL

/* ---- events ---- */

enum hvm_event_type {
    HVM_EVENT_EXT_INTR,     /* an external interrupt */
    HVM_EVENT_NMI,
    HVM_EVENT_HW_EXCEPTION, /* a fault or trap the CPU would raise */
    HVM_EVENT_SW_INTR,      /* INT n */
};

struct hvm_event {
    u8 vector;
    u8 type;                /* enum hvm_event_type */
    bool has_error;
    u32 error;
    u64 cr2;                /* #PF only */
};

/* Exception vectors beyond those in hv/x86_emulate.h. */
#define X86_EXC_BP 3
#define X86_EXC_DF 8

/* Exceptions that push an error code in protected mode (SDM vol. 3A, 6.13): #DF, #TS,
 * #NP, #SS, #GP, #PF, #AC, #CP. */
static inline bool hvm_exception_has_error(unsigned int vector)
{
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

/* ---- the neutral exit record ---- */

enum hvm_exit_kind {
    HVM_EXIT_INTR,          /* a host interrupt arrived (the host takes it): nothing */
    HVM_EXIT_NMI,           /* a host NMI: nothing */
    HVM_EXIT_IO,            /* port I/O */
    HVM_EXIT_NPF,           /* nested/EPT page fault */
    HVM_EXIT_CPUID,
    HVM_EXIT_RDMSR,
    HVM_EXIT_WRMSR,
    HVM_EXIT_HLT,
    HVM_EXIT_HYPERCALL,     /* VMMCALL / VMCALL */
    HVM_EXIT_INTR_WINDOW,   /* the guest can take an interrupt now */
    HVM_EXIT_IRET,          /* the guest is about to IRET (NMI blocking ends after it) */
    /* The guest can take an NMI now: its handler's IRET has run. (VMX has no IRET
     * intercept; its NMI-window exit comes right after the IRET, with RIP past it.) */
    HVM_EXIT_NMI_WINDOW,
    HVM_EXIT_EXCEPTION,     /* an intercepted guest exception, to reflect */
    HVM_EXIT_UD,            /* an instruction the guest must see #UD for */
    HVM_EXIT_SKIP,          /* an instruction to complete as a no-op (INVD, WBINVD) */
    HVM_EXIT_XSETBV,
    HVM_EXIT_TRIPLE_FAULT,  /* shutdown: the guest would reset the machine */
    HVM_EXIT_TASK_SWITCH,
    HVM_EXIT_ENTRY_FAILED,  /* the hardware refused to enter (bad state) */
    /* The backend dealt with the exit itself; nothing for the core to do. (VMX: a MOV
     * to CR0/CR4 that touched a bit VMX keeps fixed, which only the read shadow
     * reflects; the reflection of INT1. SVM intercepts nothing of the kind.) */
    HVM_EXIT_HANDLED,
    HVM_EXIT_UNKNOWN,
    HVM_EXIT_COUNT
};

struct hvm_exit {
    enum hvm_exit_kind kind;
    unsigned int insn_len;  /* of the exiting instruction; 0 when unknown */
    u64 raw;                /* the backend's own exit code, for logs */
    union {
        struct {
            u16 port;
            u8 size;        /* 1, 2, 4 */
            bool in, string, rep;
        } io;
        struct {
            gpa_t gpa;
            bool write, fetch;
            bool present;   /* the p2m entry was present (a permission fault) */
            bool walk;      /* while walking the guest's own page tables */
        } npf;
        struct {
            u32 msr;
            u64 value;      /* wrmsr */
        } msr;
        struct hvm_event exception;
        struct {
            u32 index;
            u64 value;
        } xsetbv;
        struct {
            u64 qualification;
        } failed;
    } u;
};

/* ---- per-vCPU neutral state ---- */

#define HVM_IRQ_WORDS 4     /* 256 vectors */

struct hvm_vcpu {
    u64 gprs[NR_GPRS];      /* saved by the entry stub (RAX/RSP: see hvm_get_gpr) */
    u64 cache[HVM_NR_REGS];
    u32 cache_valid, cache_dirty;
    /* Guest TSC = host TSC + this: the domain's offset until the guest writes
     * IA32_TSC. The core's copy, read by RDMSR and by the virtual platform's timers
     * (on other CPUs' timer interrupts); the backend's VMCB/VMCS field follows it
     * (HVM_REG_TSC_OFFSET, written only with it). */
    s64 tsc_offset;
    struct hvm_event pending_exc; /* an exception to inject at the next entry */
    bool exc_pending;
    u64 irq_pending[HVM_IRQ_WORDS]; /* external interrupt vectors asserted (atomic) */
    bool intr_window;       /* asked the backend for an interrupt-window exit */
    bool halted_with_if;    /* halted with interrupts enabled: an interrupt wakes it */
    /* NMIs: one pending, and blocked from delivery until the handler's IRET has run
     * (SDM vol. 3, 6.7.1): the IRET intercept says when it is about to, and the
     * first entry at another RIP after it is past it. */
    bool nmi_pending;       /* (a) */
    bool nmi_blocked;
    u64 nmi_iret_rip;       /* RIP of the IRET that unblocks; ~0 when none */
    /* INIT and SIPI from IPIs, handled by the vCPU's own run loop. */
    bool init_pending;      /* (a) */
    bool sipi_pending;      /* (a) */
    u8 sipi_vector;
    bool wait_sipi;         /* (a) in the wait-for-SIPI state */
    struct vlapic *vlapic;  /* its local APIC, when the domain has the platform */
    struct timer lapic_timer;
    void *fpu;              /* FXSAVE area: the guest's x87/SSE state while off CPU */
};

/* ---- the backend ---- */

/* Initial register state of a vCPU (a Multiboot or PVH entry, or real mode). */
struct hvm_boot_state {
    bool protected_mode;    /* false: real mode at cs:ip; true: flat 32-bit, paging off */
    u16 cs;                 /* real mode */
    u64 rip;
    u64 gprs[NR_GPRS];
};

struct hvm_ops {
    const char *name;                       /* "SVM", "VMX" */
    const struct p2m_format *p2m_format;

    /* Enable virtualization on the calling pCPU. 0 or -errno. */
    int (*cpu_up)(unsigned int cpu);

    int (*domain_init)(struct domain *d);   /* 0 or -errno */
    void (*domain_destroy)(struct domain *d);
    int (*vcpu_init)(struct vcpu *v);       /* the architectural reset state */
    void (*vcpu_destroy)(struct vcpu *v);

    /* Enter the guest and return at the next exit, described in *exit. Called with
     * interrupts disabled; returns with them disabled. A host interrupt that caused
     * the exit may still be pending (VMX): the core takes it when it enables
     * interrupts, at once after this call. */
    void (*run)(struct vcpu *v, struct hvm_exit *exit);

    u64 (*get_reg)(struct vcpu *v, enum hvm_reg r);
    void (*set_reg)(struct vcpu *v, enum hvm_reg r, u64 val);
    void (*get_seg)(struct vcpu *v, enum seg_reg s, struct segment *out);
    void (*set_seg)(struct vcpu *v, enum seg_reg s, const struct segment *in);
    unsigned int (*get_cpl)(struct vcpu *v);

    /* Events: can an external interrupt be delivered now (IF set, no interrupt
     * shadow, no event already being injected)? */
    bool (*interruptible)(struct vcpu *v);
    bool (*event_pending)(struct vcpu *v);  /* an injection is already set up */
    void (*inject_event)(struct vcpu *v, const struct hvm_event *e);
    void (*set_intr_window)(struct vcpu *v, bool on);
    /* Exit when the guest is about to execute IRET (HVM_EXIT_IRET), or, where the
     * hardware cannot, as soon as it has and NMIs are unblocked (HVM_EXIT_NMI_WINDOW). */
    void (*set_iret_intercept)(struct vcpu *v, bool on);
    /* Put the vCPU in the state INIT leaves a CPU in (real mode at F000:FFF0). */
    void (*vcpu_reset)(struct vcpu *v);
    /* The instruction after STI or MOV SS completed: its interrupt shadow is over. */
    void (*clear_intr_shadow)(struct vcpu *v);

    /* The domain's p2m changed in a way guest TLBs may remember. */
    void (*flush_guest_tlbs)(struct domain *d);
    void (*dump_vcpu)(struct vcpu *v);
};

extern struct hvm_ops hvm_funcs;
extern bool hvm_enabled;

/* The backends' probes: the backend's ops when this CPU can run it, else NULL. */
const struct hvm_ops *svm_probe(void);
const struct hvm_ops *vmx_probe(void);

/* Choose the backend (boot CPU) and enable it on each CPU. */
int hvm_init(void);
int hvm_cpu_up(unsigned int cpu);

/* ---- register access through the cache ---- */

u64 hvm_get_reg(struct vcpu *v, enum hvm_reg r);
void hvm_set_reg(struct vcpu *v, enum hvm_reg r, u64 val);
u64 hvm_get_gpr(struct vcpu *v, unsigned int gpr);
void hvm_set_gpr(struct vcpu *v, unsigned int gpr, u64 val);
/* Complete the guest's instruction of `len` bytes: RIP past it, and what completing
 * it does to the interrupt shadow, RF and TF (the single-step trap). */
void hvm_advance_rip(struct vcpu *v, unsigned int len);

static inline void hvm_get_seg(struct vcpu *v, enum seg_reg s, struct segment *out)
{
    hvm_funcs.get_seg(v, s, out);
}

static inline void hvm_set_seg(struct vcpu *v, enum seg_reg s, const struct segment *in)
{
    hvm_funcs.set_seg(v, s, in);
}

/* The guest's execution mode: 16, 32 or 64 (code size), and whether it is in long
 * mode (EFER.LMA) or protected mode. */
unsigned int hvm_code_size(struct vcpu *v);
bool hvm_long_mode(struct vcpu *v);

/* ---- events ---- */

void hvm_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
static inline void hvm_inject_ud(struct vcpu *v)
{
    hvm_inject_exception(v, X86_EXC_UD, false, 0);
}
static inline void hvm_inject_gp(struct vcpu *v, u32 error)
{
    hvm_inject_exception(v, X86_EXC_GP, true, error);
}
void hvm_inject_page_fault(struct vcpu *v, u32 error, u64 cr2);
/* The instruction the hypervisor completed for the guest ran with EFLAGS.TF set: the
 * single-step trap it would have raised (#DB with DR6.BS; hvm_advance_rip does it). */
void hvm_inject_single_step(struct vcpu *v);

/* Assert external interrupt `vector` for the vCPU (from any pCPU): it is delivered
 * when the guest can take it, and wakes the vCPU from HLT. */
void hvm_assert_irq(struct vcpu *v, u8 vector);
bool hvm_irq_pending(struct vcpu *v);
/* An NMI for the vCPU (from its local APIC's LINT1 or an NMI IPI). */
void hvm_inject_nmi(struct vcpu *v);

/* ---- CPUID and MSRs (common/hvm/cpuid.c, msr.c) ---- */

struct cpuid_regs;
void hvm_cpuid(struct vcpu *v, u32 leaf, u32 subleaf, struct cpuid_regs *r);
/* 0, or -EPERM when the guest must get #GP. */
int hvm_msr_read(struct vcpu *v, u32 msr, u64 *val);
int hvm_msr_write(struct vcpu *v, u32 msr, u64 val);

/* ---- running ---- */

/* Set the first vCPU's registers for a Multiboot/PVH entry or real mode. */
void hvm_set_boot_state(struct vcpu *v, const struct hvm_boot_state *s);

/* Run a vCPU on this pCPU until it blocks, its domain ends, or this pCPU has other
 * work (softirqs, the end of its time slice). */
void hvm_vcpu_run(struct vcpu *v);

/* Exit handling: the dispatch table's entry point. */
enum hvm_resume { HVM_RESUME, HVM_LEAVE };
enum hvm_resume hvm_handle_exit(struct vcpu *v, struct hvm_exit *exit);
const char *hvm_exit_name(enum hvm_exit_kind k);

/* The length of the instruction at the vCPU's RIP, decoded from guest memory (for
 * exits whose length the hardware does not report), or a negative X86_DECODE_* code. */
int hvm_insn_length(struct vcpu *v);

/* The guest's x87/SSE state: allocated with the vCPU, saved and loaded when vCPUs
 * share a pCPU. */
int hvm_vcpu_fpu_alloc(struct vcpu *v);
void hvm_fpu_save(struct vcpu *v);
void hvm_fpu_load(struct vcpu *v);

#endif /* HV_HVM_H */
