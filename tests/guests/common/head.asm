; SPDX-License-Identifier: BSD-2-Clause
;
; The start-up code of every test kernel: from the loader's entry to framework_main()
; in the test's CPU mode.
;
; Two entries, one path. A Multiboot loader enters multiboot_entry (the ELF entry
; point) with EAX = 0x2badb002 and EBX = its information structure; a PVH loader
; enters pvh_entry (the address in the XEN_ELFNOTE_PHYS32_ENTRY note, bootsig.asm)
; with EBX = struct hvm_start_info. Both enter in 32-bit protected mode with paging
; off and flat segments, but neither promises a usable GDT, IDT or stack, so start32
; sets up its own before anything else. Then, by the mode the kernel was built for
; (one of MODE_REAL, MODE_32, MODE_PAE, MODE_64):
;
;   32    call framework_main
;   pae   turn on PAE paging (identity map), call framework_main
;   64    enter long mode (identity map), call framework_main in 64-bit code
;   real  read the loader's information (32-bit C, bootinfo.c), copy the real-mode
;         image (code and data) below 64 KiB, drop to real mode there, call
;         framework_main
;
; Assembled as elf32 (real, 32, pae) or elf64 (64); the code up to long mode is 32-bit
; either way.

%include "guest_defs.inc"
%include "petrel_test.inc"
%include "modes.inc"

PTE_P   equ 1 << 0
PTE_RW  equ 1 << 1
PTE_PWT equ 1 << 3
PTE_PCD equ 1 << 4
PTE_PS  equ 1 << 7

; The last 32 MiB below 4 GiB hold the LAPIC, the IO-APIC, the test device and the
; firmware: mapped uncacheable.
UNCACHED_BASE equ 0xfe000000

extern framework_main
extern test_name, mode_name
extern __bss_start, __bss_end
extern __low_start, __low_end, __low_load, __lowbss_start, __lowbss_end
%ifdef MODE_REAL
extern bootinfo_parse
%endif

; (Sections named .head.* stay in the high image even in real-mode kernels.)
section .head.text progbits alloc exec nowrite align=16
bits 32

global multiboot_entry, pvh_entry
multiboot_entry:
    cmp eax, MULTIBOOT_LOADER_MAGIC
    jne not_multiboot
    mov esi, BOOT_MULTIBOOT
    jmp start32

pvh_entry:
    mov esi, BOOT_PVH
    ; fall through

; ESI = which entry, EBX = the loader's structure. No stack yet.
start32:
    cli
    cld
    lgdt [gdt_ptr]
    jmp SEL_CODE32:.flat
.flat:
    mov eax, SEL_DATA32
    mov ds, eax
    mov es, eax
    mov fs, eax
    mov gs, eax
    mov ss, eax

    ; Zero .bss: an ELF loader should have, but it costs nothing to be sure. The boot
    ; stack is in .bss, so this comes before the first push.
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    xor eax, eax
    rep stosb
    mov esp, boot_stack_top
    mov [boot_loader], esi
    mov [boot_raw_info], ebx

    ; The low part of the image, carried in it, goes to its place below 64 KiB: the
    ; real-mode code of the mode-switch test, or all of a real-mode kernel (see
    ; kernel.lds.S).
%ifdef MODE_REAL
    ; First read the loader's information: it may lie where the low part goes.
    push ebx
    push esi
    call bootinfo_parse
    add esp, 8
%endif
    mov esi, __low_load
    mov edi, __low_start
    mov ecx, __low_end
    sub ecx, edi
    rep movsb
    mov edi, __lowbss_start
    mov ecx, __lowbss_end
    sub ecx, edi
    xor eax, eax
    rep stosb

%ifdef MODE_32
    call framework_main
%elifdef MODE_PAE
    call setup_page_tables
    PROT32_TO_PAE
    call framework_main
%elifdef MODE_64
    call setup_page_tables
    PROT32_TO_LONG .long_mode
bits 64
.long_mode:
    mov esp, boot_stack_top             ; the upper half of RSP is undefined until now
    call framework_main
bits 32
%elifdef MODE_REAL
    jmp real_mode_start                 ; below 64 KiB, in the low part
%endif
    jmp halt_forever

; The ELF entry was reached without the Multiboot magic: some other loader, which
; ignored the PVH note. Say so in the usual RESULT form and end with FAIL. A loader
; promises flat segments at most, so take our own stack.
not_multiboot:
    mov esp, boot_stack_top
    mov esi, msg_result
    call early_puts
    mov esi, test_name                  ; name.c: in the high image in every mode
    call early_puts
    mov esi, msg_space
    call early_puts
    mov esi, mode_name
    call early_puts
    mov esi, msg_not_multiboot
    call early_puts
    mov al, PETREL_RESULT_FAIL
    out PETREL_PORT_DEBUG_EXIT, al
    jmp halt_forever

; Print the NUL-terminated string at ESI on the debug console.
early_puts:
    push eax
    push edx
    mov dx, PETREL_PORT_DEBUGCON
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    pop edx
    pop eax
    ret

global halt_forever
halt_forever:
    cli
    hlt
    jmp halt_forever

; Fill the identity map of 0-4 GiB with 2 MiB pages, shared by PAE and long mode: the
; four page directories are the same in both formats. What differs is above them:
; PAE's CR3 names 4 PDPTEs that have only a present bit (R/W and U/S are reserved
; there and must be 0), long mode's names a PML4 whose first entry names a full PDPT.
; Called with paging off. Clobbers EAX, ECX, EDI.
global setup_page_tables
setup_page_tables:
    mov edi, page_dirs
    xor ecx, ecx
.pde:
    mov eax, ecx
    shl eax, 21                         ; PDE i maps physical i * 2 MiB
    or eax, PTE_P | PTE_RW | PTE_PS
    cmp eax, UNCACHED_BASE
    jb .cached
    or eax, PTE_PCD | PTE_PWT
.cached:
    mov [edi + ecx * 8], eax
    mov dword [edi + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, 4 * 512
    jb .pde

    xor ecx, ecx
.pdpte:
    mov eax, ecx
    shl eax, 12
    add eax, page_dirs
    lea edi, [eax + PTE_P]
    mov [pae_pdpt + ecx * 8], edi
    mov dword [pae_pdpt + ecx * 8 + 4], 0
    lea edi, [eax + PTE_P + PTE_RW]
    mov [pdpt + ecx * 8], edi
    mov dword [pdpt + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, 4
    jb .pdpte

    mov dword [pml4], pdpt + PTE_P + PTE_RW
    mov dword [pml4 + 4], 0
    ret

; ---- below 64 KiB ----
section .lowtext progbits alloc exec nowrite align=16
%ifdef MODE_REAL
bits 32
real_mode_start:
    PROT32_TO_REAL
    mov esp, LOW_STACK_TOP
    call dword framework_main
    cli
.halt:
    hlt
    jmp .halt
%endif

section .head.rodata progbits alloc noexec nowrite align=4
msg_result:         db "RESULT: ", 0
msg_space:          db " ", 0
msg_not_multiboot:  db ": FAIL: entered at the ELF entry without the Multiboot magic "
                    db "in EAX (a loader that ignored the PVH note?)", 10, 0

section .head.data progbits alloc noexec write align=16
; The GDT: see layout.h for what each entry is for. Accessed bits (type 0x9b/0x93)
; are preset so that loading a selector never writes to the table.
global gdt, gdt_ptr, real_idtr
gdt:
    dq 0                                ; null
    dq 0x00cf9b000000ffff               ; SEL_CODE32: base 0, limit 4 GiB, D=1
    dq 0x00cf93000000ffff               ; SEL_DATA32: base 0, limit 4 GiB, writable
    dq 0x00af9b000000ffff               ; SEL_CODE64: L=1
    dq 0x00009b000000ffff               ; SEL_CODE16: base 0, limit 64 KiB, D=0
    dq 0x008f93000000ffff               ; SEL_DATA16: base 0, limit 4 GiB, B=0
    times GDT_ENTRIES - GDT_FREE dq 0   ; for tests
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt
real_idtr:
    dw 256 * 4 - 1                      ; the real-mode interrupt vector table at 0
    dd 0

global boot_loader, boot_raw_info
boot_loader:    dd 0
boot_raw_info:  dd 0

section .head.bss nobits alloc noexec write align=CPU_STACK_SIZE
align 4096
global page_dirs, pae_pdpt, pdpt, pml4
page_dirs:      resb 4 * 4096           ; 0-4 GiB, 2 MiB pages
pdpt:           resb 4096               ; long mode: 512 entries, 1 GiB each
pml4:           resb 4096
pae_pdpt:       resb 32                 ; PAE: 4 entries, 32-byte aligned
; The boot CPU's stack, aligned to its size like every CPU's (layout.h): its lowest
; word, the CPU number smp_cpu_id() reads, is 0 from the clearing of .bss.
alignb CPU_STACK_SIZE
global boot_stack
boot_stack:     resb CPU_STACK_SIZE
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
