; SPDX-License-Identifier: BSD-2-Clause
;
; The application processors' start-up code. The boot CPU copies this blob to a page
; below 1 MiB, fills in the data block at its end, and sends INIT-SIPI-SIPI with that
; page's number as the vector (Intel SDM vol. 3, 8.4.4; AMD APM vol. 2, 15.27.8).
; An AP then starts here in real mode at CS:IP = page:0 and goes
;   real mode -> 32-bit protected mode -> long mode (on the trampoline's page tables,
;   which map this page 1:1 and the hypervisor's high half) -> start_secondary(cpu).
;
; All addresses are offsets from trampoline_start plus the base the AP finds in CS,
; so the blob runs wherever it is copied.

bits 16
section .rodata

%define OFF(x) ((x) - trampoline_start)

global trampoline_start, trampoline_end
global tr_gdt_desc, tr_far32, tr_far64, tr_cr3, tr_efer, tr_stack, tr_entry, tr_cpu

align 16
trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax
    xor ebx, ebx
    mov bx, ax
    shl ebx, 4                          ; EBX = physical base of the blob
    o32 lgdt [OFF(tr_gdt_desc)]
    mov eax, cr0
    or eax, 1                           ; PE
    mov cr0, eax
    o32 jmp far [OFF(tr_far32)]

bits 32
tr_pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                      ; PAE
    mov cr4, eax
    mov eax, [ebx + OFF(tr_cr3)]
    mov cr3, eax
    mov ecx, 0xc0000080                 ; EFER
    rdmsr
    or eax, [ebx + OFF(tr_efer)]        ; LME, and NXE when the CPU has NX
    wrmsr
    ; An AP leaves INIT with caching disabled (CR0.CD and NW set, SDM vol. 3,
    ; table 10-1): enable caching, paging and write protection.
    mov eax, cr0
    and eax, ~((1 << 30) | (1 << 29))   ; CD, NW
    or eax, (1 << 31) | (1 << 16)       ; PG, WP
    mov cr0, eax
    jmp far [ebx + OFF(tr_far64)]

bits 64
tr_lm64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [rbx + OFF(tr_stack)]
    mov edi, [rbx + OFF(tr_cpu)]
    xor ebp, ebp
    mov rax, [rbx + OFF(tr_entry)]
    push 0                              ; a zero return address ends stack traces
    jmp rax

align 8
tr_gdt:
    dq 0
    ; Accessed bits preset: loading a descriptor whose bit is clear makes the CPU
    ; write it (SDM vol. 3, 3.4.5.1).
    dq 0x00af9b000000ffff               ; 0x08: 64-bit code
    dq 0x00cf93000000ffff               ; 0x10: data
    dq 0x00cf9b000000ffff               ; 0x18: 32-bit code
tr_gdt_end:

; The data block the boot CPU fills in (symbols give its offsets to smpboot.c).
align 8
tr_gdt_desc:
    dw tr_gdt_end - tr_gdt - 1
    dd 0                                ; base + OFF(tr_gdt)
align 8
tr_far32:
    dd 0                                ; base + OFF(tr_pm32)
    dw 0x18
align 8
tr_far64:
    dd 0                                ; base + OFF(tr_lm64)
    dw 0x08
align 8
tr_cr3:     dd 0
tr_efer:    dd 0
tr_cpu:     dd 0
            dd 0
tr_stack:   dq 0
tr_entry:   dq 0
tr_offsets:
    ; Offsets of the code labels, for the boot CPU to compute the far pointers.
global tr_off_gdt, tr_off_pm32, tr_off_lm64
tr_off_gdt:  dd OFF(tr_gdt)
tr_off_pm32: dd OFF(tr_pm32)
tr_off_lm64: dd OFF(tr_lm64)
trampoline_end:
