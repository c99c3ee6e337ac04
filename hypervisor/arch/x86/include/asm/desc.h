/* SPDX-License-Identifier: BSD-2-Clause */
/* Segment descriptors, the TSS and the IDT (Intel SDM vol. 3, ch. 3 and 6-8). */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <hv/types.h>

#define HV_CS   0x08
#define HV_DS   0x10
#define HV_TSS  0x20

/* IST slots (1-based in the IDT gate, 0 means "no IST"). */
#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3
#define NR_IST  3

struct tss64 {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iopb_offset;
} __attribute__((packed));

/* Load this CPU's GDT and TSS (with its IST stacks) and the shared IDT. */
void cpu_init_descriptors(unsigned int cpu);

/* The early IDT: every gate on the current stack (no TSS exists yet). */
void traps_init_early(void);
/* Switch NMI, #DF and #MC to their IST stacks once the boot CPU has a TSS. */
void traps_enable_ist(void);
void load_idt(void);

/* Stacks of a CPU, for the stack-overflow diagnosis and for bounded stack traces. */
struct cpu_stacks {
    unsigned long main_lo, main_hi;       /* [lo, hi) of the main stack */
    unsigned long guard_lo;               /* the unmapped page below it */
    unsigned long ist_lo[NR_IST], ist_hi[NR_IST];
};

#endif /* ASM_DESC_H */
