; SPDX-License-Identifier: BSD-2-Clause
;
; void svm_vmrun(paddr_t vmcb_pa, u64 *gprs, paddr_t host_vmcb_pa)
;
; Enter the guest of the VMCB at vmcb_pa and return at its next #VMEXIT. VMRUN itself
; saves and restores only RAX, RSP and RIP of the guest (in the VMCB) and of the host
; (in the host save area): the other general registers are swapped here, from and to
; gprs[] in encoding order (entries 0, RAX, and 4, RSP, are not used).
;
; Interrupts (AMD APM vol. 2, 15.17): we arrive with IF clear. CLGI masks every
; interrupt, STI then lets the guest run with the host's IF set, so that with
; V_INTR_MASKING a physical interrupt makes the guest exit (INTR intercept). After the
; exit GIF is still clear: the host's FS/GS bases and TR come back by VMLOAD first
; (the per-CPU area hangs off GS), and only then does STGI let the pending interrupt
; in, on the host's IDT. CLI before returning.
;
; VMLOAD/VMSAVE move the state VMRUN does not: FS, GS, TR and LDTR with their hidden
; parts, KernelGSBase, STAR/LSTAR/CSTAR/SFMASK and the SYSENTER MSRs (APM 15.5.2).

bits 64
section .text

global svm_vmrun
svm_vmrun:
    push rbp
    mov rbp, rsp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rdx                            ; [rsp+16]: host VMCB
    push rsi                            ; [rsp+8]:  gprs
    push rdi                            ; [rsp]:    guest VMCB

    mov rax, rdx
    vmsave                              ; the host's VMLOAD state (rAX: its VMCB)

    mov rax, rsi
    mov rcx, [rax + 8*1]
    mov rdx, [rax + 8*2]
    mov rbx, [rax + 8*3]
    mov rbp, [rax + 8*5]
    mov rsi, [rax + 8*6]
    mov rdi, [rax + 8*7]
    mov r8,  [rax + 8*8]
    mov r9,  [rax + 8*9]
    mov r10, [rax + 8*10]
    mov r11, [rax + 8*11]
    mov r12, [rax + 8*12]
    mov r13, [rax + 8*13]
    mov r14, [rax + 8*14]
    mov r15, [rax + 8*15]

    mov rax, [rsp]
    clgi
    sti
    vmload
    vmrun
    vmsave

    mov rax, [rsp + 8]
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
    lea rbp, [rsp + 64]                 ; the host's frame pointer again

    mov rax, [rsp + 16]
    vmload                          ; host FS/GS/TR... back before any interrupt
    stgi                                ; a pending host interrupt is taken here
    cli

    add rsp, 24
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
