; SPDX-License-Identifier: BSD-2-Clause
;
; How loaders recognise a test kernel: a Multiboot 1 header and a PVH entry note.
; Normally both are present; the boot-abi test is also built with only one of them
; (-DNO_PVH or -DNO_MULTIBOOT) to prove that each entry works on its own.
;
; QEMU's -kernel looks for a Multiboot header first and uses it when present; an ELF
; without one but with the PVH note is started through QEMU's pvh.bin option ROM.

%include "guest_defs.inc"
%include "elfnote.inc"

extern pvh_entry

%ifndef NO_MULTIBOOT
; Must lie 4-byte aligned in the first 8 KiB of the file: the linker script puts this
; section first. Flags: bit 1 asks for the memory information (mem_* and the mmap).
; Bit 16 (address fields) stays clear, so the loader reads the ELF program headers
; and enters at the ELF entry point, multiboot_entry.
MB_FLAGS equ 1 << 1
section .multiboot progbits alloc noexec nowrite align=4
    dd MULTIBOOT_HEADER_MAGIC
    dd MB_FLAGS
    dd -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)
%endif

%ifndef NO_PVH
; An ELF note (owner "Xen", type XEN_ELFNOTE_PHYS32_ENTRY) whose descriptor is the
; 32-bit physical address of the PVH entry. The linker script gives it a PT_NOTE
; program header, which is where loaders look.
section .note.Xen note alloc noexec nowrite align=4
    dd 4                                ; name size, with the NUL
    dd 4                                ; descriptor size
    dd XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_entry
%endif

section .note.GNU-stack noalloc noexec nowrite progbits
