# SPDX-License-Identifier: BSD-2-Clause
#
# The guest test kernels (tests/guests/), included by the top-level Makefile:
#
#     -include tests/guests/guests.mk
#
#   make guests-build   build every kernel, $(BUILD)/guests/<test>-<mode>.elf, and
#                       $(BUILD)/guests/manifest.json, which lists them
#
# Each directory tests/guests/<test>/ with a test.conf is a test: its *.c and *.asm
# files are built once per mode named in test.conf (`modes = real 32 pae 64`) and
# linked with the framework in tests/guests/common/. A test whose test.conf says
# `entries = multiboot pvh` is built once per entry instead of with both, as
# <test>-<entry>-<mode>.elf, and reports itself as <test>-<entry>.
#
# Code for each mode: real gcc -m16 (32-bit code with operand- and address-size
# prefixes, run in big real mode), 32 and pae gcc -m32, 64 gcc -m64 linked as ELF64
# and converted to ELF32 (what Multiboot loaders and QEMU's -kernel take); NASM for
# the start-up code. All freestanding: no libc or libgcc of any width is needed.

BUILD ?= build
Q ?= @

GUESTS_DIR := tests/guests
GUESTS_OUT := $(BUILD)/guests
GUESTS_OBJ := $(GUESTS_OUT)/obj
GUESTS_INC := $(GUESTS_OUT)/include

GUEST_CC      := gcc
GUEST_LD      := ld
GUEST_NASM    := nasm
GUEST_OBJCOPY := objcopy
GUEST_PYTHON  := python3
GUEST_OBJDUMP := objdump

GUEST_MODES := real 32 pae 64

GUEST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Wstrict-prototypes \
                -Wmissing-prototypes -ffreestanding -nostdinc \
                -isystem $(shell $(GUEST_CC) -print-file-name=include) \
                -fno-pic -fno-pie -fno-stack-protector -fcf-protection=none \
                -fno-asynchronous-unwind-tables -mgeneral-regs-only \
                -fno-strict-aliasing -fno-common -fno-delete-null-pointer-checks \
                -fno-tree-loop-distribute-patterns -Wa,--fatal-warnings -MMD -MP \
                -I$(GUESTS_DIR)/common -Ihypervisor/include/public

# gcc -m16 writes 32-bit code for a 16-bit code segment, but string instructions
# without operands (MOVSB, STOSB...) keep the segment's 16-bit addressing (SI/DI),
# which is wrong for pointers at or above 64 KiB: stop it from expanding block copies
# into them, or merging byte-copy loops into them (an -O2 "expensive optimisation").
# The objects are then checked for any that remain (GUEST_CHECK_real).
GUEST_CFLAGS_real := -m16 -DMODE_REAL -mstringop-strategy=loop -fno-expensive-optimizations
GUEST_CHECK_real = && if $(GUEST_OBJDUMP) -d -M i8086 $$@ | \
    grep -E '(movs|stos|lods|cmps|scas)[bwl]? .*\(%[sd]i\)'; then \
    echo "error: $$@: string instruction with 16-bit addressing (see guests.mk)"; \
    rm -f $$@; exit 1; fi
GUEST_CFLAGS_32   := -m32 -DMODE_32
GUEST_CFLAGS_pae  := -m32 -DMODE_PAE
GUEST_CFLAGS_64   := -m64 -DMODE_64 -mno-red-zone -mcmodel=small

GUEST_MACRO_real := MODE_REAL
GUEST_MACRO_32   := MODE_32
GUEST_MACRO_pae  := MODE_PAE
GUEST_MACRO_64   := MODE_64

GUEST_ELF_real := elf32
GUEST_ELF_32   := elf32
GUEST_ELF_pae  := elf32
GUEST_ELF_64   := elf64

GUEST_LDEMU_real := elf_i386
GUEST_LDEMU_32   := elf_i386
GUEST_LDEMU_pae  := elf_i386
GUEST_LDEMU_64   := elf_x86_64

GUEST_NASMFLAGS := -I$(GUESTS_INC)/ -I$(GUESTS_DIR)/common/
GUEST_LDFLAGS   := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments

GUEST_COMMON_C   := setup traps lib paging
GUEST_COMMON_ASM := head entry
# The platform library: SMP, the interrupt controllers and timers (devices.h), the
# time base. An archive per mode, so that a kernel links only what it uses (real-mode
# kernels have little room below 64 KiB).
GUEST_LIB_C      := smp apic pic hpet rtc acpi time math
GUEST_LIB_ASM    := ap_boot
GUEST_AR         := ar

# NASM gets the C headers' constants through generated includes.
GUEST_GEN_INCS := $(GUESTS_INC)/guest_defs.inc $(GUESTS_INC)/petrel_test.inc \
                  $(GUESTS_INC)/elfnote.inc
GUEST_HDR_guest_defs  := $(GUESTS_DIR)/common/layout.h
GUEST_HDR_petrel_test := hypervisor/include/public/petrel_test.h
GUEST_HDR_elfnote     := hypervisor/include/public/elfnote.h

# ---- the list of tests and kernels ----

GUEST_TESTS := $(sort $(patsubst $(GUESTS_DIR)/%/test.conf,%,\
                 $(wildcard $(GUESTS_DIR)/*/test.conf)))

# $(call guest_conf,<test>,<key>): the value of `key = value` in the test's test.conf
guest_conf = $(strip $(shell sed -n 's/^[[:space:]]*$(2)[[:space:]]*=[[:space:]]*//p' \
                              $(GUESTS_DIR)/$(1)/test.conf))
guest_entries = $(or $(call guest_conf,$(1),entries),both)
# The name a kernel reports and is filed under: <test> or <test>-<entry>.
guest_name = $(if $(filter both,$(2)),$(1),$(1)-$(2))

# Every kernel as test:entry:mode.
GUEST_SPECS := $(foreach t,$(GUEST_TESTS),$(foreach e,$(call guest_entries,$(t)),\
                 $(foreach m,$(call guest_conf,$(t),modes),$(t):$(e):$(m))))
guest_spec_kernel = $(GUESTS_OUT)/$(call guest_name,$(word 1,$(1)),$(word 2,$(1)))-$(word 3,$(1)).elf
GUEST_KERNELS := $(foreach s,$(GUEST_SPECS),$(call guest_spec_kernel,$(subst :, ,$(s))))

.PHONY: guests-build
guests-build: $(GUEST_KERNELS) $(GUESTS_OUT)/manifest.json

# ---- generated includes ----

$(GUESTS_INC)/%.inc: | setup
	@mkdir -p $(dir $@)
	$(Q)sed -n 's/^#define \([A-Za-z_0-9]*\) \+\(0x[0-9a-fA-F]\+\|[0-9]\+\)u\? *\(\/\*.*\)\?$$/%define \1 \2/p' \
	    $(GUEST_HDR_$*) > $@
$(foreach i,guest_defs petrel_test elfnote,$(eval $(GUESTS_INC)/$(i).inc: $(GUEST_HDR_$(i))))

# ---- objects, per mode ----

# $(1) = mode
define GUEST_MODE_RULES
$(GUESTS_OBJ)/$(1)/%.o: $(GUESTS_DIR)/%.c | setup
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	$$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_CFLAGS_$(1)) -c $$< -o $$@ $(GUEST_CHECK_$(1))

$(GUESTS_OBJ)/$(1)/%.o: $(GUESTS_DIR)/%.asm $(GUEST_GEN_INCS) | setup
	@mkdir -p $$(dir $$@)
	@echo "  NASM    $$@"
	$$(Q)$(GUEST_NASM) -f $(GUEST_ELF_$(1)) -D$(GUEST_MACRO_$(1)) $(GUEST_NASMFLAGS) \
	    -MD $$(@:.o=.d) -MP $$< -o $$@

# The Multiboot header and PVH note: both, or one of them (bootsig.asm).
$(GUESTS_OBJ)/$(1)/bootsig-both.o: $(GUESTS_DIR)/common/bootsig.asm $(GUEST_GEN_INCS)
	@mkdir -p $$(dir $$@)
	$$(Q)$(GUEST_NASM) -f $(GUEST_ELF_$(1)) $(GUEST_NASMFLAGS) $$< -o $$@
$(GUESTS_OBJ)/$(1)/bootsig-multiboot.o: $(GUESTS_DIR)/common/bootsig.asm $(GUEST_GEN_INCS)
	@mkdir -p $$(dir $$@)
	$$(Q)$(GUEST_NASM) -f $(GUEST_ELF_$(1)) -DNO_PVH $(GUEST_NASMFLAGS) $$< -o $$@
$(GUESTS_OBJ)/$(1)/bootsig-pvh.o: $(GUESTS_DIR)/common/bootsig.asm $(GUEST_GEN_INCS)
	@mkdir -p $$(dir $$@)
	$$(Q)$(GUEST_NASM) -f $(GUEST_ELF_$(1)) -DNO_MULTIBOOT $(GUEST_NASMFLAGS) $$< -o $$@

$(GUESTS_OBJ)/$(1)/kernel.lds: $(GUESTS_DIR)/common/kernel.lds.S $(GUESTS_DIR)/common/layout.h
	@mkdir -p $$(dir $$@)
	$$(Q)$(GUEST_CC) -E -P -x c -undef -D$(GUEST_MACRO_$(1)) -I$(GUESTS_DIR)/common $$< -o $$@

GUEST_COMMON_OBJS_$(1) := $(addprefix $(GUESTS_OBJ)/$(1)/common/,\
    $(addsuffix .o,$(GUEST_COMMON_C) $(GUEST_COMMON_ASM)) \
    $(if $(filter real,$(1)),bootinfo32.o,bootinfo.o))

$(GUESTS_OBJ)/$(1)/libguest.a: $(addprefix $(GUESTS_OBJ)/$(1)/common/,\
                                   $(addsuffix .o,$(GUEST_LIB_C) $(GUEST_LIB_ASM)))
	@echo "  AR      $$@"
	$$(Q)rm -f $$@ && $(GUEST_AR) rcs $$@ $$^
endef
$(foreach m,$(GUEST_MODES),$(eval $(call GUEST_MODE_RULES,$(m))))

# Real-mode kernels parse the boot information in 32-bit code before dropping to
# real mode (see bootinfo.c). Its sections are renamed .boot32.*, which stay in the
# high image, and its boot_info becomes boot_info_high, which framework_main() copies
# down. It may not call anything outside itself: that would be 16-bit code.
$(GUESTS_OBJ)/real/common/bootinfo32.o: $(GUESTS_DIR)/common/bootinfo.c | setup
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -m32 -DMODE_REAL -fno-reorder-functions \
	    -c $< -o $@.tmp
	$(Q)$(GUEST_OBJCOPY) --prefix-alloc-sections=.boot32 \
	    --redefine-sym boot_info=boot_info_high $@.tmp $@
	$(Q)rm -f $@.tmp
	$(Q)if nm -u $@ | grep -q .; then \
	    echo "error: $@ calls out of itself:"; nm -u $@; rm -f $@; exit 1; fi

# ---- kernels ----

# $(1) = test, $(2) = entry (both, multiboot, pvh), $(3) = mode
define GUEST_KERNEL_RULES
GUEST_K := $(call guest_name,$(1),$(2))-$(3)
GUEST_OBJS_$$(GUEST_K) := $$(GUEST_COMMON_OBJS_$(3)) \
    $(patsubst $(GUESTS_DIR)/%.c,$(GUESTS_OBJ)/$(3)/%.o,$(wildcard $(GUESTS_DIR)/$(1)/*.c)) \
    $(patsubst $(GUESTS_DIR)/%.asm,$(GUESTS_OBJ)/$(3)/%.o,$(wildcard $(GUESTS_DIR)/$(1)/*.asm)) \
    $(GUESTS_OBJ)/$(3)/$$(GUEST_K)/name.o \
    $(GUESTS_OBJ)/$(3)/bootsig-$(2).o

# What the kernel calls itself, which entries it has, how many CPUs it asks for.
$(GUESTS_OBJ)/$(3)/$$(GUEST_K)/name.o: $(GUESTS_DIR)/common/name.c $(GUESTS_DIR)/guests.mk \
                                       $(GUESTS_DIR)/$(1)/test.conf | setup
	@mkdir -p $$(dir $$@)
	$$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_CFLAGS_$(3)) \
	    -DTEST_NAME='"$(call guest_name,$(1),$(2))"' -DMODE_NAME='"$(3)"' \
	    -DTEST_VCPUS=$(or $(call guest_conf,$(1),vcpus),1) \
	    -DKERNEL_ENTRIES_$(2) -c $$< -o $$@

$(GUESTS_OUT)/$$(GUEST_K).elf: $$(GUEST_OBJS_$$(GUEST_K)) $(GUESTS_OBJ)/$(3)/libguest.a \
                               $(GUESTS_OBJ)/$(3)/kernel.lds
	@echo "  LD      $$@"
	$$(Q)$(GUEST_LD) -m $(GUEST_LDEMU_$(3)) $(GUEST_LDFLAGS) -T $(GUESTS_OBJ)/$(3)/kernel.lds \
	    -o $$@.tmp $$(filter %.o,$$^) $$(filter %.a,$$^)
	$$(Q)$(if $(filter 64,$(3)),$(GUEST_OBJCOPY) -O elf32-i386 $$@.tmp $$@ && rm $$@.tmp,mv $$@.tmp $$@)
endef
$(foreach s,$(GUEST_SPECS),$(eval $(call GUEST_KERNEL_RULES,$(word 1,$(subst :, ,$(s))),$(word 2,$(subst :, ,$(s))),$(word 3,$(subst :, ,$(s))))))

# ---- the manifest ----

$(GUESTS_OUT)/manifest.json: $(GUEST_KERNELS) $(wildcard $(GUESTS_DIR)/*/test.conf) \
                             $(GUESTS_DIR)/mkmanifest.py
	@echo "  GEN     $@"
	$(Q)$(GUEST_PYTHON) $(GUESTS_DIR)/mkmanifest.py --tests $(GUESTS_DIR) \
	    --out $(GUESTS_OUT) $(GUEST_SPECS) > $@.tmp
	$(Q)mv $@.tmp $@

-include $(wildcard $(GUESTS_OBJ)/*/*.d $(GUESTS_OBJ)/*/*/*.d)
