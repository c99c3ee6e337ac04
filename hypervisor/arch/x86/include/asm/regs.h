/* SPDX-License-Identifier: BSD-2-Clause */
/* The register frame that entry.asm builds on every interrupt and exception. */
#ifndef ASM_REGS_H
#define ASM_REGS_H

#include <hv/types.h>

struct cpu_regs {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error_code;   /* pushed by the stub (0 when the CPU pushes none) */
    u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Offsets used by entry.asm (checked against the struct in traps.c). */
#define REGS_VECTOR_OFFSET 120
#define REGS_SIZE          176

#endif /* ASM_REGS_H */
