/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Exit dispatch: one handler per kind of neutral exit, in a table that also names
 * each kind (for the 'e' key and the counters). A handler returns HVM_RESUME to enter
 * the guest again, or HVM_LEAVE when the vCPU must leave its run loop (it halted, or
 * its domain is ending).
 *
 * Guests that do what no machine allows end in domain_crash(), never in a host panic.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm.h>
#include <hv/hvm_emulate.h>
#include <hv/hvm_io.h>
#include <hv/sched.h>
#include <asm/processor.h>

typedef enum hvm_resume (*exit_handler_fn)(struct vcpu *v, struct hvm_exit *e);

/* The exiting instruction's length: from the hardware, or decoded from guest memory
 * (SVM without NRIP-save reports none: PLATFORM.md). 0 if it cannot be had. */
static unsigned int insn_len(struct vcpu *v, const struct hvm_exit *e)
{
    int len = e->insn_len ? (int)e->insn_len : hvm_insn_length(v);

    if (len > 0)
        return len;
    domain_crash(v->domain, "cannot decode the instruction at rip %#llx (%s exit)",
                 hvm_get_reg(v, HVM_REG_RIP), hvm_exit_name(e->kind));
    return 0;
}

/* The instruction is done: step over it (hvm_advance_rip does what completing it
 * does to the interrupt shadow and the debug flags). */
static enum hvm_resume done(struct vcpu *v, const struct hvm_exit *e)
{
    unsigned int len = insn_len(v, e);

    if (len)
        hvm_advance_rip(v, len);
    return v->domain->dying ? HVM_LEAVE : HVM_RESUME;
}

static enum hvm_resume handle_nothing(struct vcpu *v, struct hvm_exit *e)
{
    return HVM_RESUME;
}

/* IN/OUT: RAX is the data; an IN of 8 or 16 bits keeps RAX's other bits, a 32-bit IN
 * clears bits 63:32 as every 32-bit register write does. */
static enum hvm_resume handle_io(struct vcpu *v, struct hvm_exit *e)
{
    unsigned int size = e->u.io.size;
    u64 rax = hvm_get_gpr(v, GPR_RAX);
    u32 val = (u32)rax;

    if (e->u.io.string || !e->insn_len)
        return hvm_emulate_one(v, "string port I/O");
    hvm_port_io(v, e->u.io.port, size, !e->u.io.in, &val);
    if (e->u.io.in) {
        if (size == 4)
            rax = val;
        else
            rax = (rax & ~((1ULL << (8 * size)) - 1)) | (val & ((1u << (8 * size)) - 1));
        hvm_set_gpr(v, GPR_RAX, rax);
    }
    return done(v, e);
}

static enum hvm_resume handle_npf(struct vcpu *v, struct hvm_exit *e)
{
    return hvm_emulate_mmio(v, e);
}

static enum hvm_resume handle_cpuid(struct vcpu *v, struct hvm_exit *e)
{
    struct cpuid_regs r;

    hvm_cpuid(v, (u32)hvm_get_gpr(v, GPR_RAX), (u32)hvm_get_gpr(v, GPR_RCX), &r);
    hvm_set_gpr(v, GPR_RAX, r.eax);
    hvm_set_gpr(v, GPR_RBX, r.ebx);
    hvm_set_gpr(v, GPR_RCX, r.ecx);
    hvm_set_gpr(v, GPR_RDX, r.edx);
    return done(v, e);
}

static enum hvm_resume handle_rdmsr(struct vcpu *v, struct hvm_exit *e)
{
    u64 val;

    if (hvm_msr_read(v, e->u.msr.msr, &val)) {
        hvm_inject_gp(v, 0);
        return HVM_RESUME;
    }
    hvm_set_gpr(v, GPR_RAX, (u32)val);
    hvm_set_gpr(v, GPR_RDX, val >> 32);
    return done(v, e);
}

static enum hvm_resume handle_wrmsr(struct vcpu *v, struct hvm_exit *e)
{
    if (hvm_msr_write(v, e->u.msr.msr, e->u.msr.value)) {
        hvm_inject_gp(v, 0);
        return HVM_RESUME;
    }
    return done(v, e);
}

/* HLT: sleep until an interrupt the guest can take arrives. With interrupts disabled
 * only an NMI or INIT would wake the CPU: the vCPU sleeps for good. */
static enum hvm_resume handle_hlt(struct vcpu *v, struct hvm_exit *e)
{
    unsigned int len = insn_len(v, e);

    if (!len)
        return HVM_LEAVE;
    hvm_advance_rip(v, len);
    if (v->hvm.exc_pending)
        return HVM_RESUME;  /* the single-step trap after it (TF): taken, not slept on */
    v->hvm.halted_with_if = hvm_get_reg(v, HVM_REG_RFLAGS) & X86_EFLAGS_IF;
    if (v->hvm.halted_with_if && hvm_irq_pending(v))
        return HVM_RESUME;
    vcpu_block(v);
    return HVM_LEAVE;
}

static enum hvm_resume handle_hypercall(struct vcpu *v, struct hvm_exit *e)
{
    /* No hypercalls yet (the Xen ABI comes with the PV drivers): what Xen answers
     * for an unknown one. */
    hvm_set_gpr(v, GPR_RAX, (u64)-ENOSYS);
    return done(v, e);
}

/* The NMI handler's IRET is about to run: NMIs are unblocked once it has (the next
 * entry at another RIP). The IRET itself is not skipped. */
static enum hvm_resume handle_iret(struct vcpu *v, struct hvm_exit *e)
{
    v->hvm.nmi_blocked = false;
    v->hvm.nmi_iret_rip = hvm_get_reg(v, HVM_REG_RIP);
    hvm_funcs.set_iret_intercept(v, false);
    return HVM_RESUME;
}

/* The NMI handler's IRET has run (VMX's NMI-window exit): NMIs are unblocked now. */
static enum hvm_resume handle_nmi_window(struct vcpu *v, struct hvm_exit *e)
{
    v->hvm.nmi_blocked = false;
    v->hvm.nmi_iret_rip = ~0ULL;
    hvm_funcs.set_iret_intercept(v, false);
    return HVM_RESUME;
}

static enum hvm_resume handle_exception(struct vcpu *v, struct hvm_exit *e)
{
    /* An intercepted exception (#DB, #AC: intercepted so that a guest cannot hang
     * the CPU with an endless chain of them) goes back to the guest. */
    hvm_inject_exception(v, e->u.exception.vector, e->u.exception.has_error,
                         e->u.exception.error);
    return HVM_RESUME;
}

static enum hvm_resume handle_ud(struct vcpu *v, struct hvm_exit *e)
{
    hvm_inject_ud(v);
    return HVM_RESUME;
}

static enum hvm_resume handle_skip(struct vcpu *v, struct hvm_exit *e)
{
    return done(v, e);
}

static enum hvm_resume handle_xsetbv(struct vcpu *v, struct hvm_exit *e)
{
    /* CPUID offers no XSAVE: the guest's XSETBV is an invalid opcode. */
    hvm_inject_ud(v);
    return HVM_RESUME;
}

static enum hvm_resume handle_triple_fault(struct vcpu *v, struct hvm_exit *e)
{
    domain_crash(v->domain, "triple fault on vCPU %u at rip %#llx", v->id,
                 hvm_get_reg(v, HVM_REG_RIP));
    return HVM_LEAVE;
}

static enum hvm_resume handle_task_switch(struct vcpu *v, struct hvm_exit *e)
{
    domain_crash(v->domain, "hardware task switch on vCPU %u (not supported)", v->id);
    return HVM_LEAVE;
}

static enum hvm_resume handle_entry_failed(struct vcpu *v, struct hvm_exit *e)
{
    if (hvm_funcs.dump_vcpu)
        hvm_funcs.dump_vcpu(v);
    domain_crash(v->domain, "the CPU refused to enter vCPU %u (%s exit %#llx, %#llx)",
                 v->id, hvm_funcs.name, e->raw, e->u.failed.qualification);
    return HVM_LEAVE;
}

static enum hvm_resume handle_unknown(struct vcpu *v, struct hvm_exit *e)
{
    domain_crash(v->domain, "unexpected %s exit %#llx on vCPU %u at rip %#llx",
                 hvm_funcs.name, e->raw, v->id, hvm_get_reg(v, HVM_REG_RIP));
    return HVM_LEAVE;
}

static const struct {
    exit_handler_fn fn;
    const char *name;
} exit_table[HVM_EXIT_COUNT] = {
    [HVM_EXIT_INTR]         = { handle_nothing, "intr" },
    [HVM_EXIT_NMI]          = { handle_nothing, "nmi" },
    [HVM_EXIT_IO]           = { handle_io, "io" },
    [HVM_EXIT_NPF]          = { handle_npf, "npf" },
    [HVM_EXIT_CPUID]        = { handle_cpuid, "cpuid" },
    [HVM_EXIT_RDMSR]        = { handle_rdmsr, "rdmsr" },
    [HVM_EXIT_WRMSR]        = { handle_wrmsr, "wrmsr" },
    [HVM_EXIT_HLT]          = { handle_hlt, "hlt" },
    [HVM_EXIT_HYPERCALL]    = { handle_hypercall, "hypercall" },
    [HVM_EXIT_INTR_WINDOW]  = { handle_nothing, "intr-window" },
    [HVM_EXIT_IRET]         = { handle_iret, "iret" },
    [HVM_EXIT_NMI_WINDOW]   = { handle_nmi_window, "nmi-window" },
    [HVM_EXIT_EXCEPTION]    = { handle_exception, "exception" },
    [HVM_EXIT_UD]           = { handle_ud, "ud" },
    [HVM_EXIT_SKIP]         = { handle_skip, "skip" },
    [HVM_EXIT_XSETBV]       = { handle_xsetbv, "xsetbv" },
    [HVM_EXIT_TRIPLE_FAULT] = { handle_triple_fault, "triple-fault" },
    [HVM_EXIT_TASK_SWITCH]  = { handle_task_switch, "task-switch" },
    [HVM_EXIT_ENTRY_FAILED] = { handle_entry_failed, "entry-failed" },
    [HVM_EXIT_HANDLED]      = { handle_nothing, "handled" },
    [HVM_EXIT_UNKNOWN]      = { handle_unknown, "unknown" },
};

const char *hvm_exit_name(enum hvm_exit_kind k)
{
    return k < HVM_EXIT_COUNT && exit_table[k].name ? exit_table[k].name : "?";
}

enum hvm_resume hvm_handle_exit(struct vcpu *v, struct hvm_exit *e)
{
    if (e->kind >= HVM_EXIT_COUNT || !exit_table[e->kind].fn)
        return handle_unknown(v, e);
    return exit_table[e->kind].fn(v, e);
}
