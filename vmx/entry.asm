; SPDX-License-Identifier: BSD-2-Clause
;
; int vmx_vmenter(u64 *gprs, bool launched)
;
; Enter the guest of the current VMCS and return at its next VM exit (0), or at once
; if VMLAUNCH/VMRESUME fails (VMX_FAIL_INVALID when CF says there is no valid current
; VMCS, VMX_FAIL_VALID when ZF says VM_INSTRUCTION_ERROR holds the reason: Intel SDM
; vol. 3C, 30.2 and 26.1-26.2). VMLAUNCH the first time the VMCS runs on its pCPU
; (launched == false), VMRESUME after (26.1: the launch state must match).
;
; VMX switches RSP, RIP and RFLAGS of guest and host through the VMCS but none of the
; other general registers (27.5.3): they are loaded here from gprs[] in encoding order
; (RSP's slot, 4, is not used: the guest's RSP is in the VMCS) and saved back there at
; the exit. The host's callee-saved registers wait on the stack; HOST_RSP is written
; just before entering, so that the exit lands on that same stack, at vmx_vmexit
; (HOST_RIP, written once per VMCS) with gprs at [rsp].
;
; Interrupts: we are called with IF clear; VM entry loads the guest's RFLAGS, and the
; exit clears IF again (27.5.3). An external interrupt that made the guest exit is
; still pending in the local APIC (no "acknowledge interrupt on exit"): the core
; takes it through the host IDT when it enables interrupts after the run call.

bits 64
section .text

VMCS_HOST_RSP    equ 0x6c14
VMX_FAIL_INVALID equ -6                 ; -ENXIO, as in vmcs.h
VMX_FAIL_VALID   equ -5                 ; -EIO

global vmx_vmenter
global vmx_vmexit

vmx_vmenter:
    push rbp
    mov rbp, rsp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rdi                            ; [rsp]: gprs, found again at the exit

    mov eax, VMCS_HOST_RSP
    vmwrite rax, rsp                    ; the exit resumes on this very stack
    jbe .failed                         ; CF or ZF set: the VMWRITE failed

    test sil, sil                       ; launched? (MOVs below keep the flags)
    mov rax, [rdi + 8*0]
    mov rcx, [rdi + 8*1]
    mov rdx, [rdi + 8*2]
    mov rbx, [rdi + 8*3]
    mov rbp, [rdi + 8*5]
    mov rsi, [rdi + 8*6]
    mov r8,  [rdi + 8*8]
    mov r9,  [rdi + 8*9]
    mov r10, [rdi + 8*10]
    mov r11, [rdi + 8*11]
    mov r12, [rdi + 8*12]
    mov r13, [rdi + 8*13]
    mov r14, [rdi + 8*14]
    mov r15, [rdi + 8*15]
    mov rdi, [rdi + 8*7]
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:
    ; Nothing was entered: the stack is ours, the flags say why (the GPRs may hold the
    ; guest's values, which are still in gprs[]).
    mov eax, VMX_FAIL_VALID
    mov ecx, VMX_FAIL_INVALID
    cmovc eax, ecx
    jmp vmenter_done

vmx_vmexit:
    ; A VM exit: RSP = HOST_RSP, the guest's GPRs still in the registers.
    push rax
    mov rax, [rsp + 8]                  ; gprs
    mov [rax + 8*1], rcx
    mov [rax + 8*2], rdx
    mov [rax + 8*3], rbx
    mov [rax + 8*5], rbp
    mov [rax + 8*6], rsi
    mov [rax + 8*7], rdi
    mov [rax + 8*8], r8
    mov [rax + 8*9], r9
    mov [rax + 8*10], r10
    mov [rax + 8*11], r11
    mov [rax + 8*12], r12
    mov [rax + 8*13], r13
    mov [rax + 8*14], r14
    mov [rax + 8*15], r15
    pop rcx
    mov [rax + 8*0], rcx                ; the guest's RAX
    xor eax, eax

vmenter_done:
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
