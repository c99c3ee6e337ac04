; SPDX-License-Identifier: BSD-2-Clause
;
; The hypervisor's first instructions. A Multiboot v1 loader (QEMU -kernel) or a
; Multiboot v2 loader (GRUB) enters start32 in 32-bit protected mode with paging off,
; EAX holding the loader's magic and EBX the physical address of its information.
;
; This file lives in the ".boot" sections, which the linker places at their physical
; load address (virtual = physical), so it runs before paging exists. It:
;   1. checks the magic and that the CPU has long mode, or says what is wrong and stops;
;   2. builds the early page tables: the first 4 GiB mapped 1:1, again at the direct
;      map, and the first 1 GiB at the image's high address;
;   3. enters long mode and jumps to start64_high in the high half, which calls
;      start_hypervisor(magic, mbi) in C with a proper stack.

%include "config.inc"

MB1_MAGIC           equ 0x1badb002
MB1_BOOT_MAGIC      equ 0x2badb002
MB1_FLAG_PAGE_ALIGN equ 1 << 0          ; modules on page boundaries
MB1_FLAG_MEMINFO    equ 1 << 1          ; we want the memory map
MB1_FLAGS           equ MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMINFO

MB2_MAGIC           equ 0xe85250d6
MB2_BOOT_MAGIC      equ 0x36d76289
MB2_ARCH_I386       equ 0

COM1                equ 0x3f8

X86_CR0_PE          equ 1 << 0
X86_CR0_WP          equ 1 << 16
X86_CR0_PG          equ 1 << 31
X86_CR4_PAE         equ 1 << 5
MSR_EFER            equ 0xc0000080
EFER_LME            equ 1 << 8
EFER_NXE            equ 1 << 11

PTE_P               equ 1 << 0
PTE_RW              equ 1 << 1
PTE_PS              equ 1 << 7

; ---------------------------------------------------------------------------------
; Multiboot headers: v1 must sit in the first 8 KiB, v2 in the first 32 KiB.
section .multiboot progbits alloc noexec nowrite align=8

align 4
mb1_header:
    dd MB1_MAGIC
    dd MB1_FLAGS
    dd -(MB1_MAGIC + MB1_FLAGS)

align 8
mb2_header:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; information request (optional): command line, modules, memory map, ACPI
align 8
.info_req:
    dw 1, 1                             ; type 1, flags: optional
    dd .info_req_end - .info_req
    dd 1, 3, 6, 14, 15
.info_req_end:
align 8
    dw 6, 0                             ; module alignment: page-aligned modules
    dd 8
align 8
    dw 0, 0                             ; end tag
    dd 8
mb2_header_end:

; ---------------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite align=16
bits 32

global start32
start32:
    cli
    cld
    mov esp, boot_stack_top
    mov [boot_magic], eax
    mov [boot_mbi], ebx

    call early_serial_init

    cmp eax, MB1_BOOT_MAGIC
    je .magic_ok
    cmp eax, MB2_BOOT_MAGIC
    je .magic_ok
    mov esi, msg_no_multiboot
    jmp early_fatal
.magic_ok:

    ; Long mode? CPUID 0x80000001 EDX bit 29 (LM). Every CPU that has it has CPUID.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    bt edx, 29
    jnc .no_long_mode
    bt edx, 20                          ; NX
    setc byte [boot_have_nx]

    call build_early_page_tables

    mov eax, cr4
    or eax, X86_CR4_PAE
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    cmp byte [boot_have_nx], 0
    je .no_nx
    or eax, EFER_NXE
.no_nx:
    wrmsr
    mov eax, cr0
    or eax, X86_CR0_PG | X86_CR0_WP | X86_CR0_PE
    mov cr0, eax

    lgdt [boot_gdt_desc]
    jmp 0x08:start64

.no_long_mode:
    mov esi, msg_no_long_mode
    jmp early_fatal

; Map 0..4 GiB with 2 MiB pages at virtual 0 and at DIRECTMAP_BASE, and 0..1 GiB at
; HV_VIRT_BASE. The tables live in .boot.data; clear them first, since a loader need
; not have.
build_early_page_tables:
    mov edi, boot_page_tables
    mov ecx, (boot_page_tables_end - boot_page_tables) / 4
    xor eax, eax
    rep stosd

    ; 2048 PD entries, 2 MiB each: entry i maps i << 21 (the high half of the entry
    ; holds the address bits above 4 GiB: i >> 11).
    mov edi, boot_pd
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P | PTE_RW | PTE_PS
    mov [edi + ecx * 8], eax
    mov eax, ecx
    shr eax, 11
    mov [edi + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jb .fill_pd

    ; Four PDPT entries for the four PDs.
    mov edi, boot_pdpt_low
    mov eax, boot_pd + (PTE_P | PTE_RW)
    mov ecx, 4
.fill_pdpt:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .fill_pdpt

    mov dword [boot_pdpt_high + 8 * ((HV_VIRT_BASE >> 30) & 511)], boot_pd + (PTE_P | PTE_RW)

    mov eax, boot_pdpt_low + (PTE_P | PTE_RW)
    mov [boot_pml4], eax
    mov [boot_pml4 + 8 * ((DIRECTMAP_BASE >> 39) & 511)], eax
    mov dword [boot_pml4 + 8 * ((HV_VIRT_BASE >> 39) & 511)], boot_pdpt_high + (PTE_P | PTE_RW)
    ret

; COM1 at 115200 8N1, so that a fatal message this early is seen.
early_serial_init:
    push eax
    push edx
    mov dx, COM1 + 1
    xor al, al
    out dx, al                          ; no interrupts
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al                          ; DLAB
    mov dx, COM1
    mov al, 1
    out dx, al                          ; divisor 1: 115200 baud
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al                          ; 8N1
    pop edx
    pop eax
    ret

; Print the NUL-terminated string at ESI on COM1 and on the VGA text screen, then stop.
early_fatal:
    mov edi, 0xb8000
.next:
    lodsb
    test al, al
    jz .stop
    mov ah, 0x4f                        ; white on red
    mov [edi], ax
    add edi, 2
    mov bl, al
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20                       ; transmitter holding register empty
    jz .wait
    mov al, bl
    mov dx, COM1
    out dx, al
    jmp .next
.stop:
    cli
    hlt
    jmp .stop

bits 64
start64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov edi, [boot_magic]
    mov esi, [boot_mbi]
    mov rax, start64_high
    jmp rax

; ---------------------------------------------------------------------------------
section .boot.data progbits alloc noexec write align=4096

align 4096
boot_page_tables:
global boot_pml4
boot_pml4:      times 4096 db 0
boot_pdpt_low:  times 4096 db 0
boot_pdpt_high: times 4096 db 0
boot_pd:        times 4 * 4096 db 0
boot_page_tables_end:

boot_stack:     times 1024 db 0
boot_stack_top:

align 8
boot_gdt:
    dq 0
    dq 0x00af9b000000ffff               ; 0x08: 64-bit code, DPL 0, accessed
    dq 0x00cf93000000ffff               ; 0x10: data, DPL 0, accessed
boot_gdt_end:
boot_gdt_desc:
    dw boot_gdt_end - boot_gdt - 1
    dq boot_gdt

boot_magic:     dd 0
boot_mbi:       dd 0
global boot_have_nx
boot_have_nx:   db 0

msg_no_multiboot:
    db "Petrel: not started by a Multiboot loader (bad magic in EAX); "
    db "boot with GRUB multiboot2 or QEMU -kernel. Halted.", 13, 10, 0
msg_no_long_mode:
    db "Petrel: this CPU has no 64-bit long mode; Petrel needs an x86-64 CPU. "
    db "Halted.", 13, 10, 0

; ---------------------------------------------------------------------------------
section .text
bits 64
extern start_hypervisor
extern bsp_stack_top

start64_high:
    mov rsp, bsp_stack_top
    xor ebp, ebp                        ; end of the frame-pointer chain
    call start_hypervisor               ; (magic, mbi) in edi, esi
    ud2
