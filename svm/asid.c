/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ASIDs (AMD APM vol. 2, 15.16): each guest TLB entry is tagged with the ASID of the
 * VMCB that created it, so a vCPU keeps its translations across exits and between
 * vCPUs sharing a pCPU. ASIDs are per pCPU and handed out in generations: a vCPU that
 * moves to a pCPU, or whose translations must go (its p2m changed), takes the next
 * free ASID of that pCPU's current generation, which no stale entry can carry; when a
 * generation runs out, the next VMRUN flushes every ASID (TLB_CONTROL 1) and a new
 * generation starts. ASID 0 is the host's and never given to a guest.
 *
 * QEMU's TCG flushes its TLB on every VMRUN and ignores ASIDs (PLATFORM.md), so a
 * mistake here cannot show in our tests: this file follows APM 15.16 to the letter.
 */
#include <hv/smp.h>
#include <asm/percpu.h>
#include "svm.h"

struct asid_state {
    u64 generation;
    u32 next;
    u32 max;
};

static DEFINE_PER_CPU(struct asid_state, asid_state);

void svm_asid_cpu_init(unsigned int cpu)
{
    struct asid_state *a = &per_cpu(asid_state, cpu);
    struct cpuid_regs r;

    cpuid(0x8000000a, &r);
    a->generation = 1;
    a->next = 1;
    a->max = r.ebx - 1; /* EBX: the number of ASIDs, 0 included */
}

void svm_asid_assign(struct svm_vcpu *sv, struct vmcb *vmcb)
{
    struct asid_state *a = &this_cpu(asid_state);
    bool flush = __atomic_exchange_n(&sv->asid_flush, false, __ATOMIC_SEQ_CST);

    vmcb->tlb_control = TLB_CONTROL_DO_NOTHING;
    if (!flush && sv->asid_generation == a->generation && sv->asid_cpu == smp_processor_id())
        return; /* still ours on this pCPU, and nothing to forget */
    if (a->next > a->max) {
        a->generation++;
        a->next = 1;
        vmcb->tlb_control = TLB_CONTROL_FLUSH_ALL;
    }
    sv->asid = a->next++;
    sv->asid_generation = a->generation;
    sv->asid_cpu = smp_processor_id();
    vmcb->asid = sv->asid;
}
