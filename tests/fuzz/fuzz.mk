# SPDX-License-Identifier: BSD-2-Clause
#
# libFuzzer targets (clang -fsanitize=fuzzer,address,undefined). Not part of the
# normal test run; from the top of the tree:
#
#   make -f tests/fuzz/fuzz.mk fuzz-x86-decode [FUZZ_TIME=60] [BUILD=build]
#
# builds $(BUILD)/fuzz/x86_decode_fuzz (tests/fuzz/x86_decode_fuzz.c: the x86 length
# decoder against Capstone, and the emulator on every input) and runs it for
# FUZZ_TIME seconds over the corpus it keeps in $(BUILD)/fuzz/x86_decode_corpus/.
# A failure leaves the input as $(BUILD)/fuzz/crash-*.

BUILD     ?= build
FUZZ_OUT  := $(BUILD)/fuzz
FUZZ_CC   ?= clang
FUZZ_TIME ?= 60
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -Ihypervisor/include -Itests/unit \
               -include tests/unit/stubs/unit_prelude.h
FUZZ_X86_SRCS := tests/fuzz/x86_decode_fuzz.c tests/unit/x86/capstone_diff.c \
                 $(wildcard hypervisor/common/x86_emulate/*.c)

$(FUZZ_OUT)/x86_decode_fuzz: $(FUZZ_X86_SRCS) hypervisor/include/hv/x86_emulate.h \
		hypervisor/common/x86_emulate/private.h tests/unit/x86/capstone_diff.h
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_X86_SRCS) -lcapstone

.PHONY: fuzz-x86-decode
fuzz-x86-decode: $(FUZZ_OUT)/x86_decode_fuzz
	@mkdir -p $(FUZZ_OUT)/x86_decode_corpus
	cd $(FUZZ_OUT) && ./x86_decode_fuzz -max_total_time=$(FUZZ_TIME) -max_len=64 \
	    -print_final_stats=1 x86_decode_corpus
