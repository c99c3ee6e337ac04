; SPDX-License-Identifier: BSD-2-Clause
; mbshim's Multiboot 1 header and entry (see shim.c).
bits 32
section .multiboot progbits alloc noexec nowrite align=4
    dd 0x1badb002
    dd 0x00000003                       ; page-aligned modules, memory information
    dd -(0x1badb002 + 0x00000003)

section .text
global _start
extern shim_main
_start:
    cli
    mov esp, stack_top
    push ebx
    push eax
    call shim_main
.hang:
    hlt
    jmp .hang

section .bss
align 16
stack: resb 16384
stack_top:
section .note.GNU-stack noalloc noexec nowrite progbits
