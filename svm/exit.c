/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SVM exit as a neutral record (hv/hvm.h). Without the NRIP-save feature (QEMU's
 * TCG has none, PLATFORM.md) the length of the exiting instruction is known only for
 * IOIO (EXITINFO2 holds the next RIP); otherwise insn_len is 0 and the core decodes
 * the instruction (a guest may put prefixes on CPUID or HLT: the usual length would
 * land RIP inside the next instruction). With NRIP-save it is exact.
 */
#include <hv/hvm.h>
#include "svm.h"

static void decode_io(struct hvm_exit *e, const struct vmcb *vmcb)
{
    u64 info = vmcb->exitinfo1;

    e->kind = HVM_EXIT_IO;
    e->u.io.port = info >> IOIO_PORT_SHIFT;
    e->u.io.size = (info & IOIO_SZ32) ? 4 : (info & IOIO_SZ16) ? 2 : 1;
    e->u.io.in = info & IOIO_TYPE_IN;
    e->u.io.string = info & IOIO_STR;
    e->u.io.rep = info & IOIO_REP;
    e->insn_len = vmcb->exitinfo2 - vmcb->rip; /* EXITINFO2: the next RIP */
}

static void decode_npf(struct hvm_exit *e, const struct vmcb *vmcb)
{
    u64 info = vmcb->exitinfo1;

    e->kind = HVM_EXIT_NPF;
    e->u.npf.gpa = _gpa(vmcb->exitinfo2);
    e->u.npf.write = info & NPF_WRITE;
    e->u.npf.fetch = info & NPF_FETCH;
    e->u.npf.present = info & NPF_PRESENT;
    e->u.npf.walk = info & NPF_IN_GUEST_WALK;
}

void svm_decode_exit(struct vcpu *v, struct hvm_exit *e)
{
    const struct vmcb *vmcb = to_svm(v)->vmcb;
    u64 code = vmcb->exitcode;

    e->raw = code;
    e->insn_len = (svm_features & SVM_FEATURE_NRIPS) && vmcb->nrip > vmcb->rip
                      ? vmcb->nrip - vmcb->rip : 0;

    if ((code & 0xffffffffULL) == VMEXIT_INVALID) {
        e->kind = HVM_EXIT_ENTRY_FAILED;
        e->u.failed.qualification = vmcb->exitinfo1;
        return;
    }
    if (code >= VMEXIT_EXCEPTION_BASE && code < VMEXIT_EXCEPTION_BASE + 32) {
        unsigned int vector = code - VMEXIT_EXCEPTION_BASE;
        e->kind = HVM_EXIT_EXCEPTION;
        e->u.exception.vector = vector;
        e->u.exception.type = HVM_EVENT_HW_EXCEPTION;
        e->u.exception.has_error = hvm_exception_has_error(vector);
        e->u.exception.error = vmcb->exitinfo1;
        return;
    }
    switch (code) {
    case VMEXIT_INTR:
    case VMEXIT_SMI:
        e->kind = HVM_EXIT_INTR;
        break;
    case VMEXIT_NMI:
        e->kind = HVM_EXIT_NMI;
        break;
    case VMEXIT_VINTR:
        e->kind = HVM_EXIT_INTR_WINDOW;
        break;
    case VMEXIT_IRET:
        e->kind = HVM_EXIT_IRET;
        break;
    case VMEXIT_IOIO:
        decode_io(e, vmcb);
        break;
    case VMEXIT_NPF:
        decode_npf(e, vmcb);
        break;
    case VMEXIT_CPUID:
        e->kind = HVM_EXIT_CPUID;
        break;
    case VMEXIT_MSR:
        e->kind = vmcb->exitinfo1 ? HVM_EXIT_WRMSR : HVM_EXIT_RDMSR;
        e->u.msr.msr = (u32)v->hvm.gprs[GPR_RCX];
        e->u.msr.value = ((u64)(u32)v->hvm.gprs[GPR_RDX] << 32) | (u32)vmcb->rax;
        break;
    case VMEXIT_HLT:
        e->kind = HVM_EXIT_HLT;
        break;
    case VMEXIT_VMMCALL:
        e->kind = HVM_EXIT_HYPERCALL;
        break;
    case VMEXIT_INVD:
    case VMEXIT_WBINVD:
        e->kind = HVM_EXIT_SKIP;
        break;
    case VMEXIT_RDPMC: /* no performance counters are offered: as with CR4.PCE clear */
        e->kind = HVM_EXIT_EXCEPTION;
        e->u.exception = (struct hvm_event){ .vector = 13, .type = HVM_EVENT_HW_EXCEPTION,
                                             .has_error = true };
        break;
    case VMEXIT_VMRUN: case VMEXIT_VMLOAD: case VMEXIT_VMSAVE: case VMEXIT_STGI:
    case VMEXIT_CLGI: case VMEXIT_SKINIT: case VMEXIT_INVLPGA: case VMEXIT_MONITOR:
    case VMEXIT_MWAIT: case VMEXIT_MWAIT_COND:
        e->kind = HVM_EXIT_UD; /* SVM and MONITOR are not offered to guests */
        break;
    case VMEXIT_XSETBV:
        e->kind = HVM_EXIT_XSETBV;
        e->u.xsetbv.index = (u32)v->hvm.gprs[GPR_RCX];
        e->u.xsetbv.value = ((u64)(u32)v->hvm.gprs[GPR_RDX] << 32) | (u32)vmcb->rax;
        break;
    case VMEXIT_SHUTDOWN:
        e->kind = HVM_EXIT_TRIPLE_FAULT;
        break;
    case VMEXIT_TASK_SWITCH:
        e->kind = HVM_EXIT_TASK_SWITCH;
        break;
    case VMEXIT_INIT:
        e->kind = HVM_EXIT_INTR; /* INIT for a vCPU comes from its virtual APIC later */
        break;
    default:
        e->kind = HVM_EXIT_UNKNOWN;
        break;
    }
}
