; SPDX-License-Identifier: BSD-2-Clause
;
; init-state: what an AP records when a Startup IPI starts it after an INIT. main.c
; copies init_record to INIT_PAGE (0x8000, a page below 1 MiB) and sends the AP INIT
; then a Startup IPI with vector INIT_PAGE >> 12; the AP arrives here in real mode at
; CS:IP = 0800:0000 and, before changing anything, stores its registers in the
; record at REC (INIT_PAGE + 0x800, below 64 KiB: the data segments after INIT have
; base 0 and limit 64 KiB), then halts. The code is position-independent (relative
; jumps only); the record's layout is enum rec in main.c: keep the two in step.

%include "guest_defs.inc"

REC       equ 0x8800
STACK_TOP equ 0x8ff0
REC_DONE  equ 0x1717d0e                 ; written last: the record is complete

section .rodata
bits 16
global init_record, init_record_end
init_record:
    mov [REC + 0], eax                  ; the general registers, as INIT left them
    mov [REC + 4], ebx
    mov [REC + 8], ecx
    mov [REC + 12], edx
    mov [REC + 16], esi
    mov [REC + 20], edi
    mov [REC + 24], ebp
    mov [REC + 28], esp
    mov [REC + 32], cs                  ; selectors: 16 bits each
    mov [REC + 34], ds
    mov [REC + 36], es
    mov [REC + 38], ss
    mov [REC + 40], fs
    mov [REC + 42], gs
    mov esp, STACK_TOP                  ; (SS = 0)
    pushfd
    pop eax
    mov [REC + 44], eax
    mov eax, cr0
    mov [REC + 48], eax
    mov eax, cr2
    mov [REC + 52], eax
    mov eax, cr3
    mov [REC + 56], eax
    mov eax, cr4
    mov [REC + 60], eax
    mov eax, dr0
    mov [REC + 64], eax
    mov eax, dr1
    mov [REC + 68], eax
    mov eax, dr2
    mov [REC + 72], eax
    mov eax, dr3
    mov [REC + 76], eax
    mov eax, dr6
    mov [REC + 80], eax
    mov eax, dr7
    mov [REC + 84], eax
    fnstcw [REC + 88]                   ; x87 control word (16 bits)
    mov di, REC + 92                    ; then MSRs, 8 bytes each, in msr_list order
    mov si, 0
.next_msr:
    mov ecx, [cs:si + msr_list - init_record]
    test ecx, ecx
    jz .done
    rdmsr
    mov [di], eax
    mov [di + 4], edx
    add di, 8
    add si, 4
    jmp .next_msr
.done:
    mov dword [REC + 188], REC_DONE
.halt:
    cli
    hlt
    jmp .halt

align 4
msr_list:
    dd 0xc0000080                       ; EFER
    dd 0x277                            ; PAT
    dd 0x174, 0x175, 0x176              ; SYSENTER_CS, _ESP, _EIP
    dd 0xc0000081, 0xc0000082           ; STAR, LSTAR
    dd 0xc0000102                       ; KERNEL_GS_BASE
    dd 0
init_record_end:

section .note.GNU-stack noalloc noexec nowrite progbits
