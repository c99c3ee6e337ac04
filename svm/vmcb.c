/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VMCB set-up: the intercepts, the I/O and MSR permission maps, and a vCPU's state at
 * reset (AMD APM vol. 2, 15.5 and 15.10-15.11; the reset state: APM vol. 2, 14.1.3).
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <asm/msr.h>
#include "svm.h"

/* Every field where the APM puts it. */
#define VMCB_AT(field, off) BUILD_BUG_ON(__builtin_offsetof(struct vmcb, field) != (off))
VMCB_AT(intercept1, 0x00c);
VMCB_AT(iopm_base_pa, 0x040);
VMCB_AT(tsc_offset, 0x050);
VMCB_AT(asid, 0x058);
VMCB_AT(tlb_control, 0x05c);
VMCB_AT(vintr, 0x060);
VMCB_AT(exitcode, 0x070);
VMCB_AT(exitintinfo, 0x088);
VMCB_AT(np_control, 0x090);
VMCB_AT(eventinj, 0x0a8);
VMCB_AT(n_cr3, 0x0b0);
VMCB_AT(nrip, 0x0c8);
VMCB_AT(insn_len, 0x0d0);
VMCB_AT(es, 0x400);
VMCB_AT(tr, 0x490);
VMCB_AT(cpl, 0x4cb);
VMCB_AT(efer, 0x4d0);
VMCB_AT(cr4, 0x548);
VMCB_AT(rip, 0x578);
VMCB_AT(rsp, 0x5d8);
VMCB_AT(rax, 0x5f8);
VMCB_AT(kernel_gs_base, 0x620);
VMCB_AT(cr2, 0x640);
VMCB_AT(g_pat, 0x668);
BUILD_BUG_ON(sizeof(struct vmcb) != 4096);
BUILD_BUG_ON(sizeof(struct vmcb_seg) != 16);

#define IOPM_SIZE  (12 * 1024)  /* one bit per port, plus a spill page */
#define MSRPM_SIZE (8 * 1024)   /* two bits per MSR, three ranges of 8192 MSRs */

paddr_t svm_iopm_pa, svm_msrpm_pa;

/* The MSRs VMLOAD/VMSAVE switch with the VMCB: the guest may touch them directly. */
static const u32 passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR,
    0xc0000083 /* CSTAR */, 0xc0000084 /* SFMASK */,
    0x174 /* SYSENTER_CS */, 0x175 /* SYSENTER_ESP */, 0x176 /* SYSENTER_EIP */,
};

/* APM 15.11: MSRs 0-0x1fff at byte 0, 0xc0000000-0xc0001fff at 0x800,
 * 0xc0010000-0xc0011fff at 0x1000; two bits each, read then write. */
static void msrpm_allow(u8 *map, u32 msr)
{
    u32 base;

    if (msr < 0x2000)
        base = 0;
    else if (msr >= 0xc0000000 && msr < 0xc0002000)
        base = 0x800 * 8, msr -= 0xc0000000;
    else
        return;
    map[(base + 2 * msr) / 8] &= ~(3u << ((2 * msr) % 8));
}

int svm_intercept_maps_init(void)
{
    struct page_info *io = alloc_pages(2), *msr = alloc_pages(1);
    u8 *map;

    if (!io || !msr)
        return -ENOMEM;
    /* Intercept every port and every MSR, except the passthrough MSRs above. */
    memset(page_to_virt(io), 0xff, PAGE_SIZE << 2);
    map = page_to_virt(msr);
    memset(map, 0xff, MSRPM_SIZE);
    for (unsigned int i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(map, passthrough_msrs[i]);
    svm_iopm_pa = (paddr_t)page_to_mfn(io) << PAGE_SHIFT;
    svm_msrpm_pa = (paddr_t)page_to_mfn(msr) << PAGE_SHIFT;
    return 0;
}

void svm_vmcb_init(struct vcpu *v, struct vmcb *vmcb)
{
    struct vmcb_seg data = { 0, 0x093, 0xffff, 0 };

    memset(vmcb, 0, sizeof(*vmcb));
    /* #AC and #DB: a guest could otherwise loop the CPU forever in microcode on an
     * exception it raises while delivering one (CVE-2015-5307, CVE-2015-8104). */
    vmcb->intercept_exceptions = (1u << 17) | (1u << 1);
    vmcb->intercept1 = INTERCEPT1_INTR | INTERCEPT1_NMI | INTERCEPT1_INIT |
                       INTERCEPT1_RDPMC | INTERCEPT1_CPUID | INTERCEPT1_INVD |
                       INTERCEPT1_HLT | INTERCEPT1_INVLPGA | INTERCEPT1_IOIO_PROT |
                       INTERCEPT1_MSR_PROT | INTERCEPT1_TASK_SWITCH | INTERCEPT1_SHUTDOWN;
    vmcb->intercept2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL | INTERCEPT2_VMLOAD |
                       INTERCEPT2_VMSAVE | INTERCEPT2_STGI | INTERCEPT2_CLGI |
                       INTERCEPT2_SKINIT | INTERCEPT2_MONITOR | INTERCEPT2_MWAIT |
                       INTERCEPT2_MWAIT_COND | INTERCEPT2_XSETBV;
    vmcb->iopm_base_pa = svm_iopm_pa;
    vmcb->msrpm_base_pa = svm_msrpm_pa;
    vmcb->tsc_offset = v->domain->tsc_offset;
    vmcb->vintr = VINTR_MASKING;
    vmcb->np_control = NP_ENABLE;
    vmcb->n_cr3 = (paddr_t)v->domain->p2m.root << PAGE_SHIFT;
    vmcb->g_pat = PAT_DEFAULT;

    /* The state after INIT (APM vol. 2, table 14-1): real mode at F000:FFF0. */
    vmcb->cs = (struct vmcb_seg){ 0xf000, 0x09b, 0xffff, 0xffff0000 };
    vmcb->ds = vmcb->es = vmcb->ss = vmcb->fs = vmcb->gs = data;
    vmcb->gdtr = (struct vmcb_seg){ 0, 0, 0xffff, 0 };
    vmcb->idtr = (struct vmcb_seg){ 0, 0, 0xffff, 0 };
    vmcb->ldtr = (struct vmcb_seg){ 0, 0x082, 0xffff, 0 };
    vmcb->tr = (struct vmcb_seg){ 0, 0x083, 0xffff, 0 };
    vmcb->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
    vmcb->efer = EFER_SVME; /* VMRUN requires it; the guest never sees it */
    vmcb->rflags = X86_EFLAGS_FIXED;
    vmcb->rip = 0xfff0;
    vmcb->dr6 = X86_DR6_RESET;
    vmcb->dr7 = X86_DR7_RESET;
}

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
    printk("  %-4s sel %04x attr %03x limit %08x base %016llx\n", name, s->sel, s->attr,
           s->limit, s->base);
}

void svm_vmcb_dump(struct vcpu *v)
{
    const struct vmcb *vmcb = to_svm(v)->vmcb;

    printk("d%uv%u VMCB: exitcode %#llx info1 %#llx info2 %#llx exitintinfo %#llx\n",
           v->domain->id, v->id, vmcb->exitcode, vmcb->exitinfo1, vmcb->exitinfo2,
           vmcb->exitintinfo);
    printk("  rip %016llx rsp %016llx rflags %08llx cpl %u asid %u eventinj %#llx\n",
           vmcb->rip, vmcb->rsp, vmcb->rflags, vmcb->cpl, vmcb->asid, vmcb->eventinj);
    printk("  cr0 %08llx cr3 %016llx cr4 %08llx efer %08llx ncr3 %016llx\n", vmcb->cr0,
           vmcb->cr3, vmcb->cr4, vmcb->efer, vmcb->n_cr3);
    dump_seg("cs", &vmcb->cs);
    dump_seg("ss", &vmcb->ss);
    dump_seg("ds", &vmcb->ds);
    dump_seg("tr", &vmcb->tr);
    dump_seg("gdtr", &vmcb->gdtr);
    dump_seg("idtr", &vmcb->idtr);
}
