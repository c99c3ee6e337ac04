/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VPIDs (Intel SDM vol. 3C, 28.1): each linear and combined TLB entry is tagged with
 * the VPID of the vCPU that made it, so VM entries and exits need not flush (28.3.3.1,
 * "operations that invalidate cached mappings") and vCPUs sharing a pCPU keep their
 * translations.
 *
 * The scheme: one VPID per vCPU, for its whole life, from a global pool of 65535 (VPID
 * 0 is the host's). That is simpler than SVM's per-pCPU ASID generations (svm/asid.c)
 * and enough here, because a vCPU never leaves its pCPU (hv/sched.h) and a VPID per
 * vCPU outnumbers MAX_DOMAINS * MAX_VCPUS. Stale entries are dropped with INVVPID
 * (28.3.3.3, "guidelines for use of the INVVPID instruction") at two moments, both on
 * the vCPU's own pCPU before an entry:
 *  - before the vCPU first runs: its VPID may have belonged to a vCPU destroyed
 *    earlier, whose entries may still sit in this pCPU's TLB;
 *  - after the hypervisor changed the guest's paging state itself (CR0, CR3, CR4 or
 *    EFER through set_reg): with VPIDs, no VM entry flushes on its own, and the guest
 *    did not execute the MOV CR3 that would have.
 * Changes to the p2m are EPT's business (INVEPT, ept.c): INVVPID does not touch the
 * guest-physical mappings, and INVEPT drops combined mappings for every VPID.
 */
#include <hv/errno.h>
#include <hv/spinlock.h>
#include "vmx.h"

#define NR_VPIDS 0x10000

static DEFINE_SPINLOCK(vpid_lock);
static u64 vpid_map[NR_VPIDS / 64];     /* bit set: in use */
static unsigned int vpid_next = 1;      /* where the search starts (round-robin) */

int vmx_vpid_alloc(u16 *vpid)
{
    unsigned long flags;

    *vpid = 0;
    if (!vmx_caps.vpid)
        return 0;
    flags = spin_lock_irqsave(&vpid_lock);
    for (unsigned int n = 0; n < NR_VPIDS - 1; n++) {
        unsigned int v = (vpid_next + n - 1) % (NR_VPIDS - 1) + 1; /* 1..0xffff */

        if (!(vpid_map[v / 64] & (1ULL << (v % 64)))) {
            vpid_map[v / 64] |= 1ULL << (v % 64);
            vpid_next = v % (NR_VPIDS - 1) + 1;
            *vpid = v;
            break;
        }
    }
    spin_unlock_irqrestore(&vpid_lock, flags);
    return *vpid ? 0 : -ENOSPC;
}

void vmx_vpid_free(u16 vpid)
{
    unsigned long flags;

    if (!vpid)
        return;
    flags = spin_lock_irqsave(&vpid_lock);
    vpid_map[vpid / 64] &= ~(1ULL << (vpid % 64));
    spin_unlock_irqrestore(&vpid_lock, flags);
}

/* Drop this pCPU's linear and combined mappings tagged with `vpid` (single-context
 * INVVPID), or every VPID's where the CPU has only the all-context form. */
void vmx_vpid_flush(u16 vpid)
{
    int rc;

    if (!vpid)
        return;
    if (vmx_caps.ept_vpid & VPID_CAP_INVVPID_SINGLE)
        rc = invvpid(INVVPID_SINGLE_CONTEXT, vpid, 0);
    else
        rc = invvpid(INVVPID_ALL_CONTEXT, 0, 0);
    if (rc)
        vmx_insn_failed("INVVPID", vpid, rc);
}
