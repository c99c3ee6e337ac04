/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The EPT entry format (Intel SDM vol. 3C, 28.2.2, tables 28-1 to 28-6) as a
 * struct p2m_format, the EPT pointer (24.6.11) and INVEPT.
 *
 * An entry maps something when any of its read/write/execute bits (2:0) is set; with
 * all three clear it is not present and the CPU ignores every other bit (28.2.2), so a
 * typed hole (emulated MMIO) is a not-present entry holding its p2m type. The type
 * lives in bits 54:52, which the CPU ignores in every entry (present or not). Leaves
 * of RAM are write-back (memory type 6 in bits 5:3, combined with the guest's PAT as
 * 28.2.6 "EPT and memory typing" describes); direct MMIO is uncacheable whatever the
 * guest's PAT says (type 0 with "ignore PAT", bit 6). Bit 7 marks a 2 MiB or 1 GiB leaf.
 *
 * Accessed and dirty flags (bits 8 and 9; 28.2.4 "accessed and dirty flags for EPT"),
 * where the CPU offers them, are enabled in the EPT pointer and left for the CPU to
 * set, as a later dirty-page log will want. With them on, the CPU's accesses to the
 * guest's own page tables count as writes (28.2.4): a guest whose page tables sat in
 * p2m_ram_ro pages would take EPT violations on every walk. Nothing maps page tables
 * read-only today.
 *
 * Entries are never made execute-only or write-only (both are misconfigurations
 * unless the CPU offers execute-only: 28.2.3.1).
 */
#include <hv/p2m.h>
#include "vmx.h"

#define EPT_R           (1ULL << 0)
#define EPT_W           (1ULL << 1)
#define EPT_X           (1ULL << 2)
#define EPT_RWX         (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT    3
#define  EPT_MT_UC      0ULL
#define  EPT_MT_WB      6ULL
#define EPT_IGNORE_PAT  (1ULL << 6)
#define EPT_LEAF        (1ULL << 7)   /* in a PDPTE or PDE: a 1 GiB or 2 MiB page */
#define EPT_TYPE_SHIFT  52
#define EPT_TYPE_MASK   (7ULL << EPT_TYPE_SHIFT)
#define EPT_ADDR_MASK   0x000ffffffffff000ULL

/* The EPT pointer (24.6.11): WB paging structures, a 4-level walk (length - 1 in bits
 * 5:3), A/D flags when enabled, the PML4 table's address. */
#define EPTP_MT_WB      6ULL
#define EPTP_WALK_4     (3ULL << 3)
#define EPTP_AD         (1ULL << 6)

static u64 ept_leaf(mfn_t mfn, enum p2m_type t, unsigned int level)
{
    u64 e = ((u64)t << EPT_TYPE_SHIFT) | (level > 1 ? EPT_LEAF : 0);
    u64 addr = (u64)mfn << PAGE_SHIFT;

    switch (t) {
    case p2m_ram_rw:
        return e | addr | EPT_RWX | (EPT_MT_WB << EPT_MT_SHIFT);
    case p2m_ram_ro:
        return e | addr | EPT_R | EPT_X | (EPT_MT_WB << EPT_MT_SHIFT);
    case p2m_mmio_direct:
        return e | addr | EPT_R | EPT_W | (EPT_MT_UC << EPT_MT_SHIFT) | EPT_IGNORE_PAT;
    default:
        return e; /* not present: accesses exit with an EPT violation */
    }
}

/* A non-leaf entry: bits 7:3 are reserved there (28.2.2), the permissions all set (the
 * leaf decides). */
static u64 ept_table(mfn_t mfn)
{
    return ((u64)mfn << PAGE_SHIFT) | EPT_RWX;
}

static bool ept_present(u64 e)
{
    return e & EPT_RWX;
}

static bool ept_is_leaf(u64 e, unsigned int level)
{
    return level == 1 || (e & EPT_LEAF);
}

static mfn_t ept_mfn(u64 e)
{
    return (e & EPT_ADDR_MASK) >> PAGE_SHIFT;
}

static enum p2m_type ept_type(u64 e)
{
    return (e & EPT_TYPE_MASK) >> EPT_TYPE_SHIFT;
}

/* max_leaf_level is set at probe time from IA32_VMX_EPT_VPID_CAP (2 MiB, 1 GiB). */
const struct p2m_format vmx_ept_format = {
    .name = "EPT",
    .levels = 4,
    .max_leaf_level = 1,
    .leaf = ept_leaf,
    .table = ept_table,
    .present = ept_present,
    .is_leaf = ept_is_leaf,
    .mfn = ept_mfn,
    .type = ept_type,
};

u64 vmx_eptp(mfn_t root)
{
    return ((u64)root << PAGE_SHIFT) | EPTP_MT_WB | EPTP_WALK_4 |
           (vmx_caps.ept_ad ? EPTP_AD : 0);
}

/*
 * Drop, on this pCPU, the guest-physical and combined mappings derived from the EPT
 * rooted at `eptp`, for every VPID (INVEPT; 28.3.3.1 "operations that invalidate
 * cached mappings", 28.3.3.4 "guidelines for use of the INVEPT instruction"): after
 * the p2m changed a present entry, and before a pCPU first runs an EPT root (a freed
 * domain's root page may come back as a new domain's, with stale mappings still tagged
 * with it).
 * All-context where the CPU has no single-context INVEPT.
 */
void vmx_ept_flush(u64 eptp)
{
    int rc;

    if (vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE)
        rc = invept(INVEPT_SINGLE_CONTEXT, eptp);
    else
        rc = invept(INVEPT_ALL_CONTEXT, 0);
    if (rc)
        vmx_insn_failed("INVEPT", eptp, rc);
}
