; SPDX-License-Identifier: BSD-2-Clause
;
; Interrupt and exception entry. Each of the 256 vectors has a 16-byte stub that
; pushes an error code (0 when the CPU pushes none) and the vector number, then jumps
; to the common path, which saves the general registers as a struct cpu_regs
; (asm/regs.h), calls do_interrupt(regs) and returns with IRETQ.
;
; Stack alignment: the CPU aligns RSP to 16 before pushing its 5-quadword frame; with
; our 2 + 15 quadwords RSP is 16-aligned at the call, as the ABI wants.

bits 64
section .text

extern do_interrupt

; Exceptions that push an error code (Intel SDM vol. 3, table 6-1).
%define HAS_ERRCODE(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
                        (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
                        (v) == 29 || (v) == 30)

align 16
global interrupt_stubs
interrupt_stubs:
%assign v 0
%rep 256
align 16
%if !HAS_ERRCODE(v)
    push qword 0
%endif
    push qword v
    jmp common_interrupt
%assign v v + 1
%endrep

common_interrupt:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp
    ; Make the trace start at the interrupted code: a frame whose return address is
    ; the interrupted RIP and whose saved RBP is the interrupted RBP.
    push qword [rsp + 15 * 8 + 16]      ; regs->rip
    push rbp
    mov rbp, rsp
    call do_interrupt
    add rsp, 16
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                         ; vector, error code
    iretq
