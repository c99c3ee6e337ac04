; SPDX-License-Identifier: BSD-2-Clause
;
; mode_tour(): from 32-bit protected mode (paging off) through every mode and back:
;
;   32-bit protected -> real -> 32-bit protected -> PAE paging -> long mode (64-bit)
;   -> compatibility mode -> 32-bit protected
;
; using the framework's transitions (common/modes.inc). At each stop the code proves
; that it runs in the mode it should (it records CR0, EFER or CS as that mode sees
; them) and that data written before the switch is still there: it reads the token
; the previous stop left in tour_token, records it, and leaves token + 1. main.c
; checks the records.
;
; The real-mode stop runs below 64 KiB (section .lowtext, copied there by head.asm)
; on a stack below 64 KiB. An exception anywhere on the way would find an IDT of the
; wrong kind and end in a triple fault, which fails the test as surely as a report.

%include "guest_defs.inc"
%include "modes.inc"

extern setup_page_tables
extern gdt_ptr, real_idtr, pae_pdpt, pml4      ; head.asm, used by modes.inc

; What main.c reads back (struct tour in main.c): 32-bit words.
RT_CR0          equ 0       ; CR0 in real mode
RT_CS           equ 4       ; CS in real mode
RT_TOKEN        equ 8       ; the token real mode read
P1_TOKEN        equ 12      ; ... 32-bit protected mode, back from real mode
PAE_CR0         equ 16
PAE_CR4         equ 20
PAE_TOKEN       equ 24
LM_EFER         equ 28      ; EFER in 64-bit mode
LM_TOKEN        equ 32
LM_WIDE_LO      equ 36      ; a 64-bit sum only 64-bit code computes
LM_WIDE_HI      equ 40
CM_EFER         equ 44      ; EFER in compatibility mode
CM_CS           equ 48
CM_TOKEN        equ 52
P2_CR0          equ 56      ; 32-bit protected mode at the end
P2_EFER         equ 60
P2_TOKEN        equ 64
TOUR_SIZE       equ 68

; Read the token into the record at %1 and leave token + 1 (any mode; in real mode
; the 32-bit addresses need the address-size prefix, and DS has a 4 GiB limit).
%macro TAKE_TOKEN 1
%if __BITS__ == 16
    a32 mov eax, [tour_token]
    a32 mov [tour + %1], eax
    inc eax
    a32 mov [tour_token], eax
%else
    mov eax, [tour_token]
    mov [tour + %1], eax
    inc eax
    mov [tour_token], eax
%endif
%endmacro

section .text
bits 32
global mode_tour
mode_tour:
    pushad
    mov [saved_esp], esp
    sidt [saved_idtr]
    cli
    call setup_page_tables
    mov esp, LOW_STACK_TOP              ; real mode needs a stack below 64 KiB
    jmp tour_low

; Back from real mode, 32-bit protected mode (the low code jumps here).
tour_prot:
    mov esp, [saved_esp]
    TAKE_TOKEN P1_TOKEN

    PROT32_TO_PAE
    mov eax, cr0
    mov [tour + PAE_CR0], eax
    mov eax, cr4
    mov [tour + PAE_CR4], eax
    TAKE_TOKEN PAE_TOKEN

    PAE_TO_PROT32
    PROT32_TO_LONG tour_long

bits 64
tour_long:
    mov ecx, MSR_EFER
    rdmsr
    mov [tour + LM_EFER], eax
    TAKE_TOKEN LM_TOKEN
    mov rax, 0x00000001ffffffff         ; + 1 carries into the high half
    inc rax
    mov [tour + LM_WIDE_LO], rax        ; both halves in one 64-bit store

    LONG_TO_COMPAT
    ; bits 32: compatibility mode
    mov ecx, MSR_EFER
    rdmsr
    mov [tour + CM_EFER], eax
    xor eax, eax
    mov ax, cs
    mov [tour + CM_CS], eax
    TAKE_TOKEN CM_TOKEN

    COMPAT_TO_PROT32
    mov eax, cr0
    mov [tour + P2_CR0], eax
    mov ecx, MSR_EFER
    rdmsr
    mov [tour + P2_EFER], eax
    TAKE_TOKEN P2_TOKEN

    lidt [saved_idtr]
    popad
    ret

; ---- below 64 KiB ----
section .lowtext progbits alloc exec nowrite align=16
bits 32
tour_low:
    PROT32_TO_REAL
    ; bits 16: real mode
    mov eax, cr0
    a32 mov [tour + RT_CR0], eax
    xor eax, eax
    mov ax, cs
    a32 mov [tour + RT_CS], eax
    TAKE_TOKEN RT_TOKEN

    REAL_TO_PROT32
    ; bits 32
    lidt [saved_idtr]
    jmp tour_prot

section .data
global tour, tour_token
align 8
tour:       times TOUR_SIZE db 0
tour_token: dd 0
saved_esp:  dd 0
saved_idtr: times 6 db 0

section .note.GNU-stack noalloc noexec nowrite progbits
