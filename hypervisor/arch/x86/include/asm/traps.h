/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <hv/compiler.h>
#include <asm/regs.h>

/* Exception vectors (Intel SDM vol. 3, table 6-1). */
#define X86_EXC_DE  0
#define X86_EXC_DB  1
#define X86_EXC_NMI 2
#define X86_EXC_BP  3
#define X86_EXC_OF  4
#define X86_EXC_BR  5
#define X86_EXC_UD  6
#define X86_EXC_NM  7
#define X86_EXC_DF  8
#define X86_EXC_TS  10
#define X86_EXC_NP  11
#define X86_EXC_SS  12
#define X86_EXC_GP  13
#define X86_EXC_PF  14
#define X86_EXC_MF  16
#define X86_EXC_AC  17
#define X86_EXC_MC  18
#define X86_EXC_XM  19
#define X86_EXC_VE  20
#define X86_EXC_CP  21

/* #PF error code bits. */
#define PFEC_PRESENT (1u << 0)
#define PFEC_WRITE   (1u << 1)
#define PFEC_USER    (1u << 2)
#define PFEC_RSVD    (1u << 3)
#define PFEC_INSN    (1u << 4)

/* Interrupt vectors the host uses. Device IRQs start at FIRST_DEVICE_VECTOR. */
#define FIRST_DEVICE_VECTOR    0x30
#define LAST_DEVICE_VECTOR     0xdf
#define EVENT_CHECK_VECTOR     0xf0  /* IPI: softirq work pending, leave HLT */
#define CALL_FUNCTION_VECTOR   0xf1  /* IPI: run a function on this CPU */
#define LOCAL_TIMER_VECTOR     0xf8
#define ERROR_APIC_VECTOR      0xfe
#define SPURIOUS_APIC_VECTOR   0xff

typedef void (*irq_handler_fn)(struct cpu_regs *regs, void *data);

/* Route a vector to a handler (the LAPIC is EOI'd after it returns). */
void set_irq_handler(unsigned int vector, irq_handler_fn fn, void *data);
/* A free vector for a device interrupt, or -ENOSPC. */
int alloc_irq_vector(void);

void show_registers(const struct cpu_regs *regs);
void show_stack_trace(const struct cpu_regs *regs);
void show_stack_trace_here(void);

/* Search the exception table: the fixup address for a faulting RIP, or 0. */
unsigned long search_extable(unsigned long rip);

void do_interrupt(struct cpu_regs *regs);

#endif /* ASM_TRAPS_H */
