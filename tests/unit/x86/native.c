/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * native_run(): one instruction on the host CPU, every register in and out (native.h).
 * The test's code buffer holds the instruction followed by an absolute jump back to
 * native_back below; everything is reached RIP-relative, so no register is needed
 * for bookkeeping while the guest's values are live (RSP included: push/pop tests run
 * on a stack inside the test's buffer).
 */
#include <stddef.h>

#include "native.h"

struct native_state native_in, native_out;
void *native_code, *native_saved_rsp;

_Static_assert(offsetof(struct native_state, rflags) == 128, "layout used by the asm");
_Static_assert(offsetof(struct native_state, xmm) == 136, "layout used by the asm");

extern const char native_back[];

u8 *native_jump_back(u8 *p)
{
    u64 target = (u64)(unsigned long)native_back;

    *p++ = 0xff; /* jmp *0(%rip), then the 8-byte target */
    *p++ = 0x25;
    for (int i = 0; i < 4; i++)
        *p++ = 0;
    for (int i = 0; i < 8; i++)
        *p++ = (u8)(target >> (8 * i));
    return p;
}

__asm__(
    "    .text\n"
    "    .globl native_run\n"
    "    .type native_run, @function\n"
    "native_run:\n"
    "    push %rbx\n"
    "    push %rbp\n"
    "    push %r12\n"
    "    push %r13\n"
    "    push %r14\n"
    "    push %r15\n"
    "    mov %rsp, native_saved_rsp(%rip)\n"
    "    mov %rdi, native_code(%rip)\n"
    "    movdqu native_in+136(%rip), %xmm0\n"
    "    movdqu native_in+152(%rip), %xmm1\n"
    "    movdqu native_in+168(%rip), %xmm2\n"
    "    movdqu native_in+184(%rip), %xmm3\n"
    "    movdqu native_in+200(%rip), %xmm4\n"
    "    movdqu native_in+216(%rip), %xmm5\n"
    "    movdqu native_in+232(%rip), %xmm6\n"
    "    movdqu native_in+248(%rip), %xmm7\n"
    "    movdqu native_in+264(%rip), %xmm8\n"
    "    movdqu native_in+280(%rip), %xmm9\n"
    "    movdqu native_in+296(%rip), %xmm10\n"
    "    movdqu native_in+312(%rip), %xmm11\n"
    "    movdqu native_in+328(%rip), %xmm12\n"
    "    movdqu native_in+344(%rip), %xmm13\n"
    "    movdqu native_in+360(%rip), %xmm14\n"
    "    movdqu native_in+376(%rip), %xmm15\n"
    "    pushq native_in+128(%rip)\n"
    "    popfq\n"
    "    mov native_in+0(%rip), %rax\n"
    "    mov native_in+8(%rip), %rcx\n"
    "    mov native_in+16(%rip), %rdx\n"
    "    mov native_in+24(%rip), %rbx\n"
    "    mov native_in+40(%rip), %rbp\n"
    "    mov native_in+48(%rip), %rsi\n"
    "    mov native_in+64(%rip), %r8\n"
    "    mov native_in+72(%rip), %r9\n"
    "    mov native_in+80(%rip), %r10\n"
    "    mov native_in+88(%rip), %r11\n"
    "    mov native_in+96(%rip), %r12\n"
    "    mov native_in+104(%rip), %r13\n"
    "    mov native_in+112(%rip), %r14\n"
    "    mov native_in+120(%rip), %r15\n"
    "    mov native_in+56(%rip), %rdi\n"
    "    mov native_in+32(%rip), %rsp\n"
    "    jmp *native_code(%rip)\n"
    "    .globl native_back\n"
    "native_back:\n"
    "    mov %rax, native_out+0(%rip)\n"
    "    mov %rcx, native_out+8(%rip)\n"
    "    mov %rdx, native_out+16(%rip)\n"
    "    mov %rbx, native_out+24(%rip)\n"
    "    mov %rsp, native_out+32(%rip)\n"
    "    mov %rbp, native_out+40(%rip)\n"
    "    mov %rsi, native_out+48(%rip)\n"
    "    mov %rdi, native_out+56(%rip)\n"
    "    mov %r8, native_out+64(%rip)\n"
    "    mov %r9, native_out+72(%rip)\n"
    "    mov %r10, native_out+80(%rip)\n"
    "    mov %r11, native_out+88(%rip)\n"
    "    mov %r12, native_out+96(%rip)\n"
    "    mov %r13, native_out+104(%rip)\n"
    "    mov %r14, native_out+112(%rip)\n"
    "    mov %r15, native_out+120(%rip)\n"
    "    mov native_saved_rsp(%rip), %rsp\n"
    "    pushfq\n"
    "    popq native_out+128(%rip)\n"
    "    cld\n"
    "    movdqu %xmm0, native_out+136(%rip)\n"
    "    movdqu %xmm1, native_out+152(%rip)\n"
    "    movdqu %xmm2, native_out+168(%rip)\n"
    "    movdqu %xmm3, native_out+184(%rip)\n"
    "    movdqu %xmm4, native_out+200(%rip)\n"
    "    movdqu %xmm5, native_out+216(%rip)\n"
    "    movdqu %xmm6, native_out+232(%rip)\n"
    "    movdqu %xmm7, native_out+248(%rip)\n"
    "    movdqu %xmm8, native_out+264(%rip)\n"
    "    movdqu %xmm9, native_out+280(%rip)\n"
    "    movdqu %xmm10, native_out+296(%rip)\n"
    "    movdqu %xmm11, native_out+312(%rip)\n"
    "    movdqu %xmm12, native_out+328(%rip)\n"
    "    movdqu %xmm13, native_out+344(%rip)\n"
    "    movdqu %xmm14, native_out+360(%rip)\n"
    "    movdqu %xmm15, native_out+376(%rip)\n"
    "    pop %r15\n"
    "    pop %r14\n"
    "    pop %r13\n"
    "    pop %r12\n"
    "    pop %rbp\n"
    "    pop %rbx\n"
    "    ret\n"
    "    .size native_run, . - native_run\n");
