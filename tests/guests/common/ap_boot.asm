; SPDX-License-Identifier: BSD-2-Clause
;
; How an application processor (AP) gets from its Startup IPI to ap_main() (smp.c) in
; the kernel's mode: 32-bit protected, PAE or long mode. Not built for real-mode
; kernels (no SMP there).
;
; A Startup IPI with vector VV starts a CPU that waits for one (after an INIT) in real
; mode at CS:IP = VV00:0000, i.e. at physical VV000 (SDM vol. 3A, "MP Initialization
; Protocol Algorithm"; AMD APM vol. 2, "Startup IPI"). ap_trampoline is the first
; thing in the low part of the image (kernel.lds.S), which head.asm copies to
; LOW_TEXT_BASE, a page below 64 KiB: smp.c sends vector LOW_TEXT_BASE >> 12.
;
; The AP arrives with 64 KiB segment limits, so the real-mode part uses only
; addresses below 64 KiB: it reloads CS with 0 (so that offsets are the linear
; addresses the code is linked at), loads the framework's GDT through a pointer kept
; here, and jumps to 32-bit code in the high image. There every AP runs the same code
; at the same time, so nothing is shared but read-only data: the AP finds its number
; (its APIC ID, from CPUID) and from it its stack, cpu_stacks[id] (smp.c), writes the
; number at the stack's base (smp_cpu_id() reads it there), and enters the kernel's
; mode with the transitions in modes.inc and the boot CPU's page tables.

%include "guest_defs.inc"
%include "modes.inc"

%ifndef MODE_REAL

extern gdt, pae_pdpt, pml4
extern cpu_stacks, ap_main, ap_bad_id

section .lowtext.ap progbits alloc exec nowrite align=16
bits 16
global ap_trampoline
ap_trampoline:
    cli
    cld
    jmp 0:.cs0                          ; CS = 0: offsets are linear addresses
.cs0:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    o32 lgdt [ap_gdtr]                  ; o32: the base is 32 bits
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword SEL_CODE32:ap_start32

align 8
ap_gdtr:
    dw GDT_ENTRIES * 8 - 1
    dd gdt

section .head.text
bits 32
ap_start32:
    mov eax, SEL_DATA32
    mov ds, eax
    mov es, eax
    mov fs, eax
    mov gs, eax
    mov ss, eax

    ; The APIC ID: CPUID leaf 0xB's x2APIC ID (EDX) where the leaf exists (EBX of
    ; subleaf 0 is non-zero), else the initial APIC ID in leaf 1 EBX[31:24].
    xor eax, eax
    cpuid
    cmp eax, 0xb
    jb .leaf1
    mov eax, 0xb
    xor ecx, ecx
    cpuid
    test ebx, ebx
    jz .leaf1
    mov eax, edx
    jmp .have_id
.leaf1:
    mov eax, 1
    cpuid
    mov eax, ebx
    shr eax, 24
.have_id:
    cmp eax, MAX_CPUS
    jae .bad_id
    mov edi, eax                        ; the CPU's number, ap_main's argument
    shl eax, CPU_STACK_SHIFT
    add eax, cpu_stacks
    mov [eax], edi                      ; at the stack's base (smp_cpu_id())
    lea esp, [eax + CPU_STACK_SIZE]

%ifdef MODE_PAE
    PROT32_TO_PAE
%elifdef MODE_64
    PROT32_TO_LONG .long_mode
bits 64
.long_mode:
    mov esp, esp                        ; a 32-bit write clears RSP's upper half
    call ap_main                        ; EDI = the CPU's number
    jmp .halt
bits 32
%endif
    push edi
    call ap_main
    jmp .halt

.bad_id:
    ; An APIC ID beyond what the framework serves: say so (smp.c reports it) and stop.
    lock inc dword [ap_bad_id]
.halt:
    cli
    hlt
    jmp .halt

%endif ; !MODE_REAL

section .note.GNU-stack noalloc noexec nowrite progbits
