/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mode-switch: a tour of the CPU modes from 32-bit protected mode and back (tour.asm):
 * real mode, protected mode, PAE paging, long mode, compatibility mode, protected
 * mode. Under a hypervisor each switch changes what it must virtualise (CR0.PE and
 * PG, CR4.PAE, EFER.LME/LMA, the code segment's L bit), so each stop records how the
 * mode looks from inside, and a token handed from stop to stop shows that memory
 * written in one mode is read back in the next.
 */
#include "framework.h"

/* tour.asm */
struct tour {
    uint32_t rt_cr0, rt_cs, rt_token;
    uint32_t p1_token;
    uint32_t pae_cr0, pae_cr4, pae_token;
    uint32_t lm_efer, lm_token;
    uint64_t lm_wide;
    uint32_t cm_efer, cm_cs, cm_token;
    uint32_t p2_cr0, p2_efer, p2_token;
} __attribute__((packed));
extern struct tour tour;
extern uint32_t tour_token;
void mode_tour(void);

#define TOKEN 0x70c0ffee

void test_main(void)
{
    const struct tour *t = &tour;

    tour_token = TOKEN;
    printf("touring: real, protected, PAE, long, compatibility, protected\n");
    mode_tour();
    printf("back in 32-bit protected mode\n");

    printf("  real mode:          CR0 %#x, CS %#x, token %#x\n", t->rt_cr0, t->rt_cs,
           t->rt_token);
    check(!(t->rt_cr0 & X86_CR0_PE), "real mode: CR0.PE is set (CR0 %#x)", t->rt_cr0);
    check(t->rt_cs == 0, "real mode: CS is %#x, not 0", t->rt_cs);
    check(t->rt_token == TOKEN, "real mode: read token %#x, expected %#x", t->rt_token, TOKEN);

    printf("  protected mode:     token %#x\n", t->p1_token);
    check(t->p1_token == TOKEN + 1, "protected mode after real mode: token %#x", t->p1_token);

    printf("  PAE paging:         CR0 %#x, CR4 %#x, token %#x\n", t->pae_cr0, t->pae_cr4,
           t->pae_token);
    check((t->pae_cr0 & (X86_CR0_PE | X86_CR0_PG)) == (X86_CR0_PE | X86_CR0_PG),
          "PAE: CR0 %#x lacks PE or PG", t->pae_cr0);
    check(t->pae_cr4 & X86_CR4_PAE, "PAE: CR4.PAE is clear (CR4 %#x)", t->pae_cr4);
    check(t->pae_token == TOKEN + 2, "PAE: token %#x", t->pae_token);

    printf("  64-bit mode:        EFER %#x, token %#x, 64-bit sum %#" PRIx64 "\n",
           t->lm_efer, t->lm_token, t->lm_wide);
    check((t->lm_efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
          "64-bit mode: EFER %#x lacks LME or LMA", t->lm_efer);
    check(t->lm_token == TOKEN + 3, "64-bit mode: token %#x", t->lm_token);
    check(t->lm_wide == 0x200000000ull, "64-bit mode: 0x1ffffffff + 1 gave %#" PRIx64,
          t->lm_wide);

    printf("  compatibility mode: EFER %#x, CS %#x, token %#x\n", t->cm_efer, t->cm_cs,
           t->cm_token);
    check(t->cm_efer & EFER_LMA, "compatibility mode: EFER.LMA is clear (EFER %#x)",
          t->cm_efer);
    check(t->cm_cs == SEL_CODE32, "compatibility mode: CS %#x", t->cm_cs);
    check(t->cm_token == TOKEN + 4, "compatibility mode: token %#x", t->cm_token);

    printf("  protected mode:     CR0 %#x, EFER %#x, token %#x\n", t->p2_cr0, t->p2_efer,
           t->p2_token);
    check(!(t->p2_cr0 & X86_CR0_PG), "protected mode at the end: paging is on");
    check(!(t->p2_efer & (EFER_LME | EFER_LMA)), "protected mode at the end: EFER %#x",
          t->p2_efer);
    check(t->p2_token == TOKEN + 5, "protected mode at the end: token %#x", t->p2_token);
    check(tour_token == TOKEN + 6, "the token ends as %#x", tour_token);

    /* And the framework's IDT is back: an exception is caught as usual. */
    fault_clear();
    asm volatile("1: ud2\n\t2:\n\t" ASM_EXTABLE(1b, 2b) ::: "memory");
    check(last_fault.vector == X86_EXC_UD, "after the tour, ud2 gave %s",
          vector_name(last_fault.vector));
}
