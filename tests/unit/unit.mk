# SPDX-License-Identifier: BSD-2-Clause
#
# Host unit tests (cmocka), included by the top-level Makefile:
#
#     include tests/unit/unit.mk
#
#   make unit-build   build one executable per tests/unit/test_*.c into $(BUILD)/unit/
#                     (the list is $(UNIT_TESTS)); run each with
#                     CMOCKA_MESSAGE_OUTPUT=TAP for "ok"/"not ok" lines
#
# The tests compile the hypervisor's real neutral sources with the host gcc, under
# AddressSanitizer and UBSan, against the stub layer in tests/unit/stubs/ (found
# first on the include path, so its asm/*.h replace the architecture's headers).

BUILD ?= build

UNIT_DIR  := tests/unit
UNIT_OUT  := $(BUILD)/unit
UNIT_CC   := gcc

UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
               -fno-omit-frame-pointer
# unit_prelude.h is included first everywhere: it orders hv/compiler.h before glibc's
# headers (see there).
UNIT_CPPFLAGS := -I$(UNIT_DIR)/stubs -Ihypervisor/include -Ihypervisor/arch/x86/include \
                 -include $(UNIT_DIR)/stubs/unit_prelude.h -MMD -MP
# Hypervisor sources: their vsnprintf/snprintf are renamed so that they do not take
# the place of the host libc's (which cmocka uses).
UNIT_HV_CPPFLAGS := -Dvsnprintf=hv_vsnprintf -Dsnprintf=hv_snprintf
# Test sources: helpers, and where the test data lives (overridable at run time with
# the UNIT_DATA_DIR environment variable).
UNIT_TEST_CPPFLAGS := -I$(UNIT_DIR)/support -DUNIT_DATA_DIR='"$(CURDIR)/$(UNIT_DIR)/data"'
UNIT_LDLIBS := -lcmocka

# Linked into every test: the stub layer and the hypervisor's string helpers.
UNIT_COMMON := $(UNIT_DIR)/stubs/unit_stubs.c \
               hypervisor/common/lib/vsnprintf.c \
               hypervisor/common/lib/parse.c

# What each test links besides: the hypervisor sources it tests, and helpers.
UNIT_SRCS_test_page_alloc := hypervisor/common/page_alloc.c
UNIT_SRCS_test_xmalloc    := hypervisor/common/xmalloc.c hypervisor/common/page_alloc.c
UNIT_SRCS_test_param      := hypervisor/common/param.c
UNIT_SRCS_test_parse      :=
UNIT_SRCS_test_vsnprintf  :=
UNIT_SRCS_test_memmap     := hypervisor/common/memmap.c
UNIT_SRCS_test_multiboot  := hypervisor/arch/x86/multiboot.c hypervisor/common/memmap.c \
                             $(UNIT_DIR)/support/physmem.c
UNIT_ACPI_SRCS            := hypervisor/drivers/acpi/tables.c $(UNIT_DIR)/support/physmem.c \
                             $(UNIT_DIR)/support/acpi_machine.c
UNIT_SRCS_test_acpi_tables   := $(UNIT_ACPI_SRCS)
UNIT_SRCS_test_acpi_contents := $(UNIT_ACPI_SRCS)
UNIT_SRCS_test_domcfg     := hypervisor/common/domcfg.c
UNIT_SRCS_test_x86_decode  := hypervisor/common/x86_emulate/decode.c $(UNIT_DIR)/x86/capstone_diff.c
UNIT_X86_EMULATE_SRCS := $(wildcard hypervisor/common/x86_emulate/*.c) \
                         $(UNIT_DIR)/support/x86_machine.c
UNIT_SRCS_test_x86_emulate_forms := $(UNIT_X86_EMULATE_SRCS) $(UNIT_DIR)/x86/native.c
UNIT_SRCS_test_x86_emulate_cases := $(UNIT_X86_EMULATE_SRCS)
UNIT_SRCS_test_x86_walk    := hypervisor/common/x86_emulate/walk.c
UNIT_SRCS_test_i8259      := hypervisor/common/hvm/i8259.c
UNIT_SRCS_test_vioapic    := hypervisor/common/hvm/vioapic.c
UNIT_VLAPIC_SRCS          := hypervisor/common/hvm/vlapic.c \
                             $(UNIT_DIR)/support/vlapic_machine.c
UNIT_SRCS_test_vlapic       := $(UNIT_VLAPIC_SRCS)
UNIT_SRCS_test_vlapic_timer := $(UNIT_VLAPIC_SRCS)
UNIT_SRCS_test_hpet       := hypervisor/common/hvm/hpet.c
UNIT_SRCS_test_pmtimer    := hypervisor/common/hvm/pmtimer.c
UNIT_SRCS_test_i8254      := hypervisor/common/hvm/i8254.c
UNIT_SRCS_test_mc146818   := hypervisor/common/hvm/mc146818.c

UNIT_NAMES := $(sort $(basename $(notdir $(wildcard $(UNIT_DIR)/test_*.c))))
UNIT_TESTS := $(addprefix $(UNIT_OUT)/,$(UNIT_NAMES))

unit_obj = $(patsubst %.c,$(UNIT_OUT)/obj/%.o,$(1))
unit_srcs = $(UNIT_DIR)/$(1).c $(UNIT_SRCS_$(1)) $(UNIT_COMMON)

UNIT_OBJS := $(sort $(foreach t,$(UNIT_NAMES),$(call unit_obj,$(call unit_srcs,$(t)))))

.PHONY: unit-build
unit-build: $(UNIT_TESTS)

$(UNIT_OUT)/obj/%.o: %.c $(UNIT_DIR)/unit.mk
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(UNIT_CC) $(UNIT_CFLAGS) $(UNIT_CPPFLAGS) \
	    $(if $(filter hypervisor/%,$<),$(UNIT_HV_CPPFLAGS),$(UNIT_TEST_CPPFLAGS)) \
	    -c $< -o $@

define UNIT_LINK_RULE
$(UNIT_OUT)/$(1): $(call unit_obj,$(call unit_srcs,$(1)))
	@echo "  HOSTLD  $$@"
	$$(Q)$(UNIT_CC) $(UNIT_CFLAGS) -o $$@ $$^ $(UNIT_LDLIBS)
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call UNIT_LINK_RULE,$(t))))

-include $(UNIT_OBJS:.o=.d)

# The x86 emulator's tests. test_x86_decode links Capstone and reads the length corpus:
# tests/unit/x86/corpus*.s assembled by GNU as into instruction bytes (.text), the
# assembler's length of each instruction (.len) and its text (.txt), next to the test
# binaries in $(UNIT_OUT)/x86/. bench_x86_emulate (not a test) times the emulator.
UNIT_X86_CORPUS := $(foreach m,16 32 64,$(addprefix $(UNIT_OUT)/x86/corpus$(m).,text len txt))
$(UNIT_OUT)/x86/corpus%.text $(UNIT_OUT)/x86/corpus%.len $(UNIT_OUT)/x86/corpus%.txt: \
		$(UNIT_DIR)/x86/corpus%.s $(UNIT_DIR)/x86/corpus.inc
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)as --64 -I $(UNIT_DIR)/x86 $< -o $(UNIT_OUT)/x86/corpus$*.o
	$(Q)for s in text len txt; do \
	    objcopy -O binary -j .$$s $(UNIT_OUT)/x86/corpus$*.o $(UNIT_OUT)/x86/corpus$*.$$s; done
$(UNIT_OUT)/test_x86_decode: $(shell $(UNIT_CC) -print-file-name=libcapstone.so) | $(UNIT_X86_CORPUS)
$(UNIT_OUT)/bench_x86_emulate: $(UNIT_DIR)/x86/bench_emulate.c $(wildcard hypervisor/common/x86_emulate/*.c)
	@echo "  HOSTLD  $@"
	$(Q)$(UNIT_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Ihypervisor/include \
	    -include $(UNIT_DIR)/stubs/unit_prelude.h -o $@ $^
unit-build: $(UNIT_OUT)/bench_x86_emulate
