/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Running one instruction on the host CPU with every general register, RFLAGS and
 * every XMM register set from a table, and reading them all back afterwards: the
 * oracle of tests/unit/test_x86_emulate_forms.c (tests/unit/x86/native.c).
 */
#ifndef X86_NATIVE_H
#define X86_NATIVE_H

#include <hv/types.h>

struct native_state {
    u64 gpr[16];      /* rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15 */
    u64 rflags;
    u8 xmm[16][16];
};

/* In and out of native_run(): globals, so that the code can reach them RIP-relative
 * with every register in use. */
extern struct native_state native_in, native_out;

/*
 * Load native_in (RSP too), jump to `code`, which must end with native_jump_back()'s
 * bytes, store everything into native_out and return. RFLAGS.TF and AC must be clear
 * in native_in.rflags; DF may be set (cleared again before returning).
 */
void native_run(const void *code);

/* Write at `p` the 14 bytes that jump back into native_run(); returns p + 14. */
u8 *native_jump_back(u8 *p);

#endif /* X86_NATIVE_H */
