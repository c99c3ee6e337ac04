/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The documented disagreements between our length decoder and Capstone 4.0.2 (Debian
 * libcapstone-dev), shared by tests/unit/test_x86_decode.c and
 * tests/fuzz/x86_decode_fuzz.c. Every disagreement either test sees must be one of
 * these; each says which side is right and why.
 */
#ifndef X86_CAPSTONE_DIFF_H
#define X86_CAPSTONE_DIFF_H

#include <capstone/capstone.h>
#include <hv/x86_emulate.h>

struct cs_diff {
    const char *name;
    const char *why;
};

extern const struct cs_diff x86_cs_diffs[];
extern const unsigned int x86_cs_nr_diffs;

/*
 * Why our result (`ours`: a length or X86_DECODE_*, with `insn` as x86_decode() left
 * it, possibly half-filled for an invalid encoding) and Capstone's (`ci`, NULL when it
 * found no instruction) differ on `bytes` in `mode`: the index of the documented
 * difference in x86_cs_diffs, or -1 if none explains it. Call only when they differ.
 */
int x86_cs_explain(const u8 *bytes, unsigned int mode, int ours,
                   const struct x86_decoded *insn, const cs_insn *ci);

/* Capstone's length for one instruction (or -1), with its mnemonic in ci (freed by the
 * next call). */
int x86_cs_length(csh handle, const u8 *bytes, unsigned int avail, const cs_insn **ci);

#endif /* X86_CAPSTONE_DIFF_H */
