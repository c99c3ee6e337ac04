/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VMX exit as a neutral record (hv/hvm.h). The exit reason (Intel SDM vol. 3C,
 * appendix C) picks the kind; the exit qualification (27.2.1) and the other
 * exit-information fields (24.9) fill in the rest. VMX reports the length of every
 * instruction that exits because it executed (27.2.5): insn_len is exact for those,
 * and 0 for the others (EPT violations: the core decodes the instruction itself).
 *
 * Decoding runs inside the backend's run call, before the core's register cache is
 * valid again: it reads the VMCS and v->hvm.gprs directly.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/hvm.h>
#include "vmx.h"

static void insn_exit(struct hvm_exit *e, enum hvm_exit_kind kind)
{
    e->kind = kind;
    e->insn_len = vmread(VM_EXIT_INSTRUCTION_LEN);
}

static u64 gpr(struct vcpu *v, unsigned int n)
{
    return n == GPR_RSP ? vmread(GUEST_RSP) : v->hvm.gprs[n];
}

static u64 edx_eax(struct vcpu *v)
{
    return ((u64)(u32)v->hvm.gprs[GPR_RDX] << 32) | (u32)v->hvm.gprs[GPR_RAX];
}

/* A fault that interrupted an IRET which had unblocked NMIs: NMIs must be blocked
 * again before the IRET runs once more (27.2.3). Virtual NMIs are always on
 * (vmx_caps_init); only when the exit did not happen while delivering an event. */
static void reblock_nmis(bool unblocked)
{
    if (!unblocked || (vmread(IDT_VECTORING_INFO) & INTR_INFO_VALID))
        return;
    vmwrite(GUEST_INTERRUPTIBILITY_INFO,
            vmread(GUEST_INTERRUPTIBILITY_INFO) | INTR_BLOCK_NMI);
}

static void decode_exception(struct vcpu *v, struct hvm_exit *e)
{
    u32 info = vmread(VM_EXIT_INTR_INFO);
    unsigned int vector = info & INTR_INFO_VECTOR_MASK, type = INTR_INFO_TYPE(info);

    if (type == INTR_TYPE_NMI) {
        /* A host NMI (NMI exiting): run the host's handler as if it had arrived here.
         * Its IRET lifts the blocking of NMIs that the exit left in place (27.1). */
        __asm__ volatile("int $2" ::: "memory");
        e->kind = HVM_EXIT_NMI;
        return;
    }
    reblock_nmis(info & INTR_INFO_NMI_UNBLOCKED);
    if (vector == X86_EXC_DB) {
        /* A #DB exit leaves DR6 alone (27.1): the qualification has the bits the #DB
         * sets (B0-B3, BD, BS). DR6 is not switched by VMX: the CPU's is the guest's.
         * Update it as the #DB would have: B0-B3 replaced, while BD, BS and BT, which
         * the processor never clears, stay as the guest left them (SDM vol. 3B,
         * 17.2.3). */
        write_dr6((read_dr6() & ~X86_DR6_B0_B3) | X86_DR6_RESET |
                  (vmread(EXIT_QUALIFICATION) & DBG_QUAL_DR6_MASK));
        if (type == INTR_TYPE_PRIV_SW_EXC) {
            /* INT1 (ICEBP) is a trap: reflect it as what it is, with its length, so the
             * guest's handler returns after it (26.6.1.3). */
            vmx_set_entry_event(to_vmx(v),
                                (info & (INTR_INFO_VECTOR_MASK | INTR_INFO_TYPE_MASK)) |
                                    INTR_INFO_VALID,
                                0, vmread(VM_EXIT_INSTRUCTION_LEN));
            e->kind = HVM_EXIT_HANDLED;
            return;
        }
    }
    e->kind = HVM_EXIT_EXCEPTION;
    e->u.exception.vector = vector;
    e->u.exception.type = HVM_EVENT_HW_EXCEPTION;
    e->u.exception.has_error = info & INTR_INFO_DELIVER_CODE;
    if (e->u.exception.has_error)
        e->u.exception.error = vmread(VM_EXIT_INTR_ERROR_CODE);
}

static void decode_io(struct hvm_exit *e)
{
    u64 q = vmread(EXIT_QUALIFICATION);

    insn_exit(e, HVM_EXIT_IO);
    e->u.io.port = IO_QUAL_PORT(q);
    e->u.io.size = IO_QUAL_SIZE(q);
    e->u.io.in = q & IO_QUAL_IN;
    e->u.io.string = q & IO_QUAL_STRING;
    e->u.io.rep = q & IO_QUAL_REP;
}

static void decode_ept_violation(struct hvm_exit *e)
{
    u64 q = vmread(EXIT_QUALIFICATION);

    e->kind = HVM_EXIT_NPF;
    e->u.npf.gpa = _gpa(vmread(GUEST_PHYSICAL_ADDRESS));
    e->u.npf.write = q & EPT_QUAL_WRITE;
    e->u.npf.fetch = q & EPT_QUAL_FETCH;
    e->u.npf.present = q & EPT_QUAL_PERMS;
    /* Bit 7: a linear address is behind the access; bit 8 then says whether it was the
     * final translation (1) or an access to the guest's paging structures (0). */
    e->u.npf.walk = (q & EPT_QUAL_GLA_VALID) && !(q & EPT_QUAL_GLA_FINAL);
    reblock_nmis(q & EPT_QUAL_NMI_UNBLOCKED);
}

/*
 * MOV to CR0 or CR4 exits only when it would change a host-owned bit (those VMX fixes:
 * the guest/host masks, 24.6.6, 25.1.3). The guest's view of such a bit is its read
 * shadow: CR0.NE is updated there and the instruction runs again, now without an exit
 * and with all its other effects done by the CPU (paging, long mode, PDPTEs). CR4.VMXE
 * cannot be set by a guest to which CPUID offers no VMX: #GP, as such a CPU would.
 * (One approximation: a MOV that changes NE and then faults for another reason leaves
 * the new NE in the guest's view.) Nothing else is intercepted: CR3 and CR8 (TPR
 * shadow) never exit, so anything else is unexpected.
 */
static void decode_cr_access(struct vcpu *v, struct hvm_exit *e)
{
    struct vmx_vcpu *vx = to_vmx(v);
    u64 q = vmread(EXIT_QUALIFICATION), val;
    unsigned int cr = CR_QUAL_NUMBER(q);

    e->kind = HVM_EXIT_UNKNOWN;
    if (CR_QUAL_TYPE(q) != CR_TYPE_MOV_TO_CR || (cr != 0 && cr != 4))
        return;
    val = gpr(v, CR_QUAL_GPR(q));
    if (cr == 0) {
        vx->cr0_shadow = (vx->cr0_shadow & ~vmx_caps.cr0_must1) |
                         (val & vmx_caps.cr0_must1);
        vmwrite(CR0_READ_SHADOW, vx->cr0_shadow);
        e->kind = HVM_EXIT_HANDLED;
        return;
    }
    /* CR4's read shadow never has a host-owned bit set (no one sets CR4.VMXE for the
     * guest), so a MOV to CR4 exits only to set one. */
    if (val & vmx_caps.cr4_must1) {
        e->kind = HVM_EXIT_EXCEPTION;
        e->u.exception = (struct hvm_event){ .vector = X86_EXC_GP,
                                             .type = HVM_EVENT_HW_EXCEPTION,
                                             .has_error = true };
    }
}

static void decode_entry_failure(struct vcpu *v, struct hvm_exit *e, u32 reason)
{
    e->kind = HVM_EXIT_ENTRY_FAILED;
    e->u.failed.qualification = vmread(EXIT_QUALIFICATION);
    /* 26.7: the qualification of reason 33 names a few causes (2: loading the PDPTEs,
     * 3: NMI injection while blocked, 4: a bad VMCS link pointer); for 34 it is the
     * entry of the MSR-load area. Bochs's log says which check failed. */
    printk(LOG_ERR "d%uv%u: VM entry failed: %s (exit reason %#x, qualification %#llx)\n",
           v->domain->id, v->id, vmx_exit_reason_name(EXIT_REASON_BASIC(reason)), reason,
           e->u.failed.qualification);
}

/* VMLAUNCH or VMRESUME failed without entering (VMfailValid or VMfailInvalid). */
void vmx_entry_failed(struct vcpu *v, struct hvm_exit *e, int rc)
{
    u64 error = 0;

    if (rc == VMX_FAIL_VALID)
        vmread_safe(VM_INSTRUCTION_ERROR, &error);
    e->kind = HVM_EXIT_ENTRY_FAILED;
    e->raw = error;
    e->u.failed.qualification = error;
    printk(LOG_ERR "d%uv%u: %s failed: %s%llu (%s)\n", v->domain->id, v->id,
           to_vmx(v)->launched ? "VMRESUME" : "VMLAUNCH",
           rc == VMX_FAIL_VALID ? "VM-instruction error " : "VMfailInvalid ", error,
           rc == VMX_FAIL_VALID ? vmx_insn_error_name(error) : "no current VMCS");
}

void vmx_decode_exit(struct vcpu *v, struct hvm_exit *e)
{
    u32 reason = vmread(VM_EXIT_REASON);

    e->raw = reason;
    if (reason & EXIT_REASON_ENTRY_FAILURE) {
        decode_entry_failure(v, e, reason);
        return;
    }
    switch (EXIT_REASON_BASIC(reason)) {
    case EXIT_EXCEPTION_NMI:
        decode_exception(v, e);
        break;
    case EXIT_EXTERNAL_INTERRUPT:
    case EXIT_INIT:         /* INIT for a vCPU comes from its virtual APIC later */
    case EXIT_SIPI:
    case EXIT_IO_SMI:
    case EXIT_OTHER_SMI:
        e->kind = HVM_EXIT_INTR;
        break;
    case EXIT_INTERRUPT_WINDOW:
        e->kind = HVM_EXIT_INTR_WINDOW;
        break;
    case EXIT_NMI_WINDOW:           /* asked for by set_iret_intercept */
        e->kind = HVM_EXIT_NMI_WINDOW;
        break;
    case EXIT_TPR_BELOW_THRESHOLD:  /* threshold 0: cannot happen */
    case EXIT_PREEMPTION_TIMER:     /* not armed */
        e->kind = HVM_EXIT_HANDLED;
        break;
    case EXIT_TRIPLE_FAULT:
        e->kind = HVM_EXIT_TRIPLE_FAULT;
        break;
    case EXIT_TASK_SWITCH:
        e->kind = HVM_EXIT_TASK_SWITCH;
        break;
    case EXIT_CPUID:
        insn_exit(e, HVM_EXIT_CPUID);
        break;
    case EXIT_HLT:
        insn_exit(e, HVM_EXIT_HLT);
        break;
    case EXIT_VMCALL:
        insn_exit(e, HVM_EXIT_HYPERCALL);
        break;
    case EXIT_INVD:
    case EXIT_WBINVD:
        insn_exit(e, HVM_EXIT_SKIP);
        break;
    case EXIT_RDPMC: /* no performance counters are offered: as with CR4.PCE clear */
        e->kind = HVM_EXIT_EXCEPTION;
        e->u.exception = (struct hvm_event){ .vector = X86_EXC_GP,
                                             .type = HVM_EVENT_HW_EXCEPTION,
                                             .has_error = true };
        break;
    case EXIT_IO_INSTRUCTION:
        decode_io(e);
        break;
    case EXIT_RDMSR:
        insn_exit(e, HVM_EXIT_RDMSR);
        e->u.msr.msr = (u32)v->hvm.gprs[GPR_RCX];
        break;
    case EXIT_WRMSR:
        insn_exit(e, HVM_EXIT_WRMSR);
        e->u.msr.msr = (u32)v->hvm.gprs[GPR_RCX];
        e->u.msr.value = edx_eax(v);
        break;
    case EXIT_XSETBV:
        insn_exit(e, HVM_EXIT_XSETBV);
        e->u.xsetbv.index = (u32)v->hvm.gprs[GPR_RCX];
        e->u.xsetbv.value = edx_eax(v);
        break;
    case EXIT_CR_ACCESS:
        decode_cr_access(v, e);
        break;
    case EXIT_EPT_VIOLATION:
        decode_ept_violation(e);
        break;
    /* VMX, SMX, MONITOR/MWAIT, INVPCID, VMFUNC, SGX: not offered to guests. */
    case EXIT_GETSEC: case EXIT_RSM: case EXIT_VMCLEAR: case EXIT_VMLAUNCH:
    case EXIT_VMPTRLD: case EXIT_VMPTRST: case EXIT_VMREAD: case EXIT_VMRESUME:
    case EXIT_VMWRITE: case EXIT_VMXOFF: case EXIT_VMXON: case EXIT_INVEPT:
    case EXIT_INVVPID: case EXIT_MWAIT: case EXIT_MONITOR: case EXIT_INVPCID:
    case EXIT_VMFUNC: case EXIT_ENCLS: case EXIT_XSAVES: case EXIT_XRSTORS:
        e->kind = HVM_EXIT_UD;
        break;
    case EXIT_EPT_MISCONFIG:
        /* A bug in ept.c, not the guest's doing; the domain is crashed. */
        printk(LOG_ERR "d%uv%u: EPT misconfiguration at guest-physical %#llx\n",
               v->domain->id, v->id, vmread(GUEST_PHYSICAL_ADDRESS));
        e->kind = HVM_EXIT_UNKNOWN;
        break;
    default:
        /* Controls we never enable (CR3/INVLPG/RDTSC/MOV-DR exiting, MTF, APIC
         * virtualization...): the core crashes the domain with the raw reason. */
        printk(LOG_ERR "d%uv%u: unexpected VM exit: %s (reason %u)\n", v->domain->id,
               v->id, vmx_exit_reason_name(EXIT_REASON_BASIC(reason)),
               EXIT_REASON_BASIC(reason));
        e->kind = HVM_EXIT_UNKNOWN;
        break;
    }
}
