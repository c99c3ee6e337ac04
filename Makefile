# Petrel: build, run and test.
#
#   make            build build/hypervisor.elf (ELF64, for GRUB) and
#                   build/hypervisor.elf32 (the copy QEMU's -kernel loads)
#   make run        boot it in QEMU (TCG, q35, SVM CPU, 4 CPUs, 1 GiB) with the demo
#                   guest, console here
#   make test       the whole suite: unit tests, guest and system tests; ends with
#                   one line "N passed, N failed"
#   make unit       host unit tests only
#   make iso        build/hypervisor.iso, a GRUB (Multiboot 2) CD image
#   make bench      benchmarks (figures and ratios, not pass/fail)
#
# Every target first runs tools/setup.sh, which installs missing Debian packages
# (or, when not root, prints the apt-get line and stops).

BUILD     ?= build
V         ?= 0
Q         := $(if $(filter 1,$(V)),,@)

CC        := gcc
LD        := ld
NASM      := nasm
OBJCOPY   := objcopy
NM        := nm
PYTHON    := python3

HV_DIR    := hypervisor
ARCH_DIR  := $(HV_DIR)/arch/x86
HV_OUT    := $(BUILD)/hv

HV_INCLUDES := -I$(HV_DIR)/include -I$(ARCH_DIR)/include -I$(BUILD)/include

HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
             -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wvla \
             -ffreestanding -fno-builtin-printf -nostdinc \
             -isystem $(shell $(CC) -print-file-name=include) \
             -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
             -mgeneral-regs-only -mno-sse -mno-mmx -mno-avx \
             -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
             -fno-asynchronous-unwind-tables -fcf-protection=none \
             -fno-strict-aliasing -fno-common -fno-delete-null-pointer-checks \
             -ffunction-sections -MMD -MP \
             $(HV_INCLUDES)
HV_NASMFLAGS := -f elf64 -g -F dwarf -I$(BUILD)/include/ -I$(ARCH_DIR)/include/asm/
HV_LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
              -T $(HV_OUT)/hypervisor.lds

# The core and the two backends link into one image.
HV_SRC_DIRS := $(HV_DIR) svm $(wildcard vmx)
HV_C_SRCS   := $(shell find $(HV_SRC_DIRS) -name '*.c' | sort)
HV_ASM_SRCS := $(shell find $(HV_SRC_DIRS) -name '*.asm' | sort)
HV_OBJS     := $(patsubst %.c,$(HV_OUT)/%.o,$(HV_C_SRCS)) \
               $(patsubst %.asm,$(HV_OUT)/%.o,$(HV_ASM_SRCS))

.PHONY: all setup run test test-slow test-vmx unit iso bench clean
all: $(BUILD)/hypervisor.elf $(BUILD)/hypervisor.elf32

setup:
	$(Q)tools/setup.sh

# NASM shares the constants of asm/config.h through a generated include.
$(BUILD)/include/config.inc: $(ARCH_DIR)/include/asm/config.h | setup
	@mkdir -p $(dir $@)
	$(Q)sed -n 's/^#define \([A-Z_0-9]*\) \+\([^/]*[^/ ]\) *\(\/\*.*\)\?$$/%define \1 \2/p' $< > $@

$(HV_OUT)/%.o: %.c | setup
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

$(HV_OUT)/%.o: %.asm $(BUILD)/include/config.inc | setup
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) $(HV_NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(HV_OUT)/hypervisor.lds: $(ARCH_DIR)/hypervisor.lds.S $(ARCH_DIR)/include/asm/config.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -undef $(HV_INCLUDES) $< -o $@

# Two links: the first with an empty symbol table, whose function addresses the
# second link's table then names. The table sits after all code, so code addresses
# cannot move between the links; the build checks that they did not.
$(HV_OUT)/symbols-empty.o: tools/gensyms.py | setup
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/gensyms.py --empty > $(HV_OUT)/symbols-empty.c
	$(Q)$(CC) $(HV_CFLAGS) -c $(HV_OUT)/symbols-empty.c -o $@

$(HV_OUT)/hypervisor.1.elf: $(HV_OBJS) $(HV_OUT)/symbols-empty.o $(HV_OUT)/hypervisor.lds
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(HV_OUT)/symbols-empty.o

$(HV_OUT)/symbols.o: $(HV_OUT)/hypervisor.1.elf tools/gensyms.py
	$(Q)$(NM) -n $< | $(PYTHON) tools/gensyms.py > $(HV_OUT)/symbols.c
	$(Q)$(CC) $(HV_CFLAGS) -c $(HV_OUT)/symbols.c -o $@

$(BUILD)/hypervisor.elf: $(HV_OUT)/hypervisor.1.elf $(HV_OUT)/symbols.o
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(HV_OUT)/symbols.o
	$(Q)$(NM) -n $< | grep -i ' t ' > $(HV_OUT)/syms.1
	$(Q)$(NM) -n $@ | grep -i ' t ' > $(HV_OUT)/syms.2
	$(Q)cmp -s $(HV_OUT)/syms.1 $(HV_OUT)/syms.2 || \
	    { echo "error: code moved between the two links"; rm -f $@; exit 1; }

# QEMU's Multiboot loader takes only ELF32 images; the program headers keep the
# physical load addresses, which is all it reads.
$(BUILD)/hypervisor.elf32: $(BUILD)/hypervisor.elf
	@echo "  OBJCOPY $@"
	$(Q)$(OBJCOPY) -O elf32-i386 $< $@

# ---- running and testing ----

# mbshim: a test boot loader that enters the hypervisor with broken boot information
# (tests/system/test_multiboot.py). 32-bit and freestanding: no 32-bit libc needed.
SHIM_DIR := tests/tools/mbshim
SHIM_OUT := $(BUILD)/tests/mbshim
$(SHIM_OUT)/%.o: $(SHIM_DIR)/%.c | setup
	@mkdir -p $(dir $@)
	$(Q)$(CC) -m32 -std=gnu11 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	    -fcf-protection=none -Wall -Wextra -Werror -MMD -MP -c $< -o $@
$(SHIM_OUT)/%.o: $(SHIM_DIR)/%.asm | setup
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f elf32 $< -o $@
$(BUILD)/tests/mbshim.elf: $(SHIM_OUT)/head.o $(SHIM_OUT)/shim.o $(SHIM_DIR)/shim.lds
	$(Q)$(LD) -m elf_i386 -nostdlib -z noexecstack --no-warn-rwx-segments \
	    -T $(SHIM_DIR)/shim.lds -o $@ $(SHIM_OUT)/head.o $(SHIM_OUT)/shim.o
TEST_TOOLS := $(BUILD)/tests/mbshim.elf

# The host unit tests (tests/unit/unit.mk defines unit-build and UNIT_TESTS).
-include tests/unit/unit.mk
# The guest test kernels (tests/guests/guests.mk defines guests-build).
-include tests/guests/guests.mk
# Fuzzing the instruction decoder against Capstone: make fuzz-x86-decode [FUZZ_TIME=60].
-include tests/fuzz/fuzz.mk

RUNFLAGS  ?=
TESTFLAGS ?=
# The default guest: the demo kernel, ticking once a second (NO_GUEST=1: none).
DEMO_GUEST := tools/guests/demo.cfg $(BUILD)/guests/demo-64.elf

run: all guests-build
	tools/petrel-run $(RUNFLAGS) $(if $(NO_GUEST),,$(DEMO_GUEST))

unit: $(if $(UNIT_TESTS),unit-build) | setup
	$(PYTHON) tests/run_tests.py --no-system $(TESTFLAGS)

test: all $(TEST_TOOLS) guests-build $(if $(UNIT_TESTS),unit-build) | setup
	$(PYTHON) tests/run_tests.py $(TESTFLAGS)

# The exhaustive runs that do not fit in CI's budget.
test-slow: all $(TEST_TOOLS) guests-build $(if $(UNIT_TESTS),unit-build) | setup
	$(PYTHON) tests/run_tests.py --slow $(TESTFLAGS)

# Every guest test kernel under Bochs with Intel VMX (make test runs a subset).
test-vmx: all $(TEST_TOOLS) guests-build | setup
	$(PYTHON) tests/run_tests.py --slow --no-unit -k vmx $(TESTFLAGS)

bench: all guests-build $(if $(UNIT_TESTS),unit-build) | setup
	$(PYTHON) tests/bench/run_bench.py

# A GRUB (Multiboot 2) CD image, for Bochs or real machines: append modules with
# ISO_MODULES="file[:args] ...".
iso: $(BUILD)/hypervisor.iso
$(BUILD)/hypervisor.iso: $(BUILD)/hypervisor.elf tools/mkiso.sh | setup
	tools/mkiso.sh $@ $(BUILD)/hypervisor.elf "$(ISO_CMDLINE)" $(ISO_MODULES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
