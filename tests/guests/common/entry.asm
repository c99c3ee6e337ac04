; SPDX-License-Identifier: BSD-2-Clause
;
; The first instructions of every interrupt and exception: one 16-byte stub per
; vector (trap_stubs + 16 * vector), which makes the stack look the same for all
; vectors and jumps to a common entry that saves the general registers and calls
; trap_dispatch(struct trap_frame *) in C (traps.c). The layout built here is
; struct trap_frame in framework.h.
;
; Protected and long mode: the CPU pushes an error code for vectors 8, 10-14, 17, 21,
; 29 and 30 only; the other stubs push a 0 in its place. Real mode: the CPU pushes
; FLAGS, CS and IP (16 bits each) and never an error code.

%include "guest_defs.inc"

extern trap_dispatch

; Vectors for which the CPU pushes an error code.
%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                           (v) == 21 || (v) == 29 || (v) == 30)

section .text

%ifdef MODE_64
bits 64
align 16
global trap_stubs
trap_stubs:
%assign v 0
%rep 256
    align 16
%if !HAS_ERROR_CODE(v)
    push 0
%endif
    push v
    jmp trap_common
%assign v v + 1
%endrep

trap_common:
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
    mov rbp, rsp
    and rsp, -16                        ; the C ABI's stack alignment
    call trap_dispatch
    mov rsp, rbp
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
    add rsp, 16                         ; vector and error code
    iretq

%elifdef MODE_REAL
bits 16
align 16
global trap_stubs
trap_stubs:
%assign v 0
%rep 256
    align 16
    push dword v
    jmp trap_common
%assign v v + 1
%endrep

; SS = 0 and SP < 64 KiB (real mode), so SP is also the frame's linear address. The C
; code is gcc -m16 code: 32-bit calls (o32) and 32-bit arguments.
trap_common:
    pushad
    cld
    movzx eax, sp
    push eax
    call dword trap_dispatch
    add sp, 4
    popad
    add sp, 4                           ; the vector
    iret

%else
bits 32
align 16
global trap_stubs
trap_stubs:
%assign v 0
%rep 256
    align 16
%if !HAS_ERROR_CODE(v)
    push 0
%endif
    push dword v
    jmp trap_common
%assign v v + 1
%endrep

trap_common:
    pushad
    cld
    push esp                            ; the frame: what PUSHAD just stored
    call trap_dispatch
    add esp, 4
    popad
    add esp, 8                          ; vector and error code
    iretd
%endif

section .note.GNU-stack noalloc noexec nowrite progbits
