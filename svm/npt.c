/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The nested page table's entry format (AMD APM vol. 2, 15.25): ordinary long-mode
 * page-table entries. Guest accesses count as user accesses in the nested walk, so
 * every entry has U/S set (PLATFORM.md; APM 15.25.5). The p2m type lives in the
 * software-available bits 9-11, in present and not-present entries alike.
 */
#include <hv/p2m.h>
#include <asm/cpufeature.h>
#include "svm.h"

#define NPT_P     (1ULL << 0)
#define NPT_RW    (1ULL << 1)
#define NPT_US    (1ULL << 2)
#define NPT_PWT   (1ULL << 3)
#define NPT_PCD   (1ULL << 4)
#define NPT_A     (1ULL << 5)
#define NPT_D     (1ULL << 6)
#define NPT_PS    (1ULL << 7)
#define NPT_TYPE_SHIFT 9
#define NPT_TYPE_MASK  (7ULL << NPT_TYPE_SHIFT)
#define NPT_ADDR_MASK  0x000ffffffffff000ULL

static u64 npt_leaf(mfn_t mfn, enum p2m_type t, unsigned int level)
{
    u64 e = ((u64)t << NPT_TYPE_SHIFT) | (level > 1 ? NPT_PS : 0);

    switch (t) {
    case p2m_ram_rw:
        return e | ((u64)mfn << PAGE_SHIFT) | NPT_P | NPT_RW | NPT_US | NPT_A | NPT_D;
    case p2m_ram_ro:
        return e | ((u64)mfn << PAGE_SHIFT) | NPT_P | NPT_US | NPT_A;
    case p2m_mmio_direct:
        /* Device memory: uncached whatever the guest's PAT says. */
        return e | ((u64)mfn << PAGE_SHIFT) | NPT_P | NPT_RW | NPT_US | NPT_A | NPT_D |
               NPT_PCD | NPT_PWT;
    default:
        return e; /* not present: accesses exit with a nested page fault */
    }
}

static u64 npt_table(mfn_t mfn)
{
    return ((u64)mfn << PAGE_SHIFT) | NPT_P | NPT_RW | NPT_US | NPT_A;
}

static bool npt_present(u64 e)
{
    return e & NPT_P;
}

static bool npt_is_leaf(u64 e, unsigned int level)
{
    return level == 1 || (e & NPT_PS);
}

static mfn_t npt_mfn(u64 e)
{
    return (e & NPT_ADDR_MASK) >> PAGE_SHIFT;
}

static enum p2m_type npt_type(u64 e)
{
    return (e & NPT_TYPE_MASK) >> NPT_TYPE_SHIFT;
}

/* max_leaf_level is set at probe time: 3 when the CPU has 1 GiB pages. */
const struct p2m_format svm_npt_format = {
    .name = "NPT",
    .levels = 4,
    .max_leaf_level = 2,
    .leaf = npt_leaf,
    .table = npt_table,
    .present = npt_present,
    .is_leaf = npt_is_leaf,
    .mfn = npt_mfn,
    .type = npt_type,
};
