/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulated machine of x86_emulate()'s unit tests (test_x86_emulate_forms.c and
 * test_x86_emulate_cases.c), built in support/x86_machine.c: its memory, registers,
 * segments and XMM registers, and the callbacks x86_emulate() is given over them.
 *
 * Memory is a buffer of MEM_SIZE bytes at linear address addr_a(0) (mem_a: mapped
 * executable below 2 GiB, so that the forms test can run instructions on it natively;
 * mem_b: the emulated machine's copy, which the callbacks read and write, plus a TSS
 * image for the I/O bitmap). Anything else is unmapped: a #PF.
 */
#ifndef UNIT_X86_MACHINE_H
#define UNIT_X86_MACHINE_H

#include "unit.h"

#include <hv/x86_emulate.h>

#define MEM_SIZE  (32 * 1024)
#define CODE_OFF  0       /* the instruction under test, in both buffers */

extern u8 *mem_a; /* the native machine's memory: executable, below 2 GiB */
extern u8 *mem_b; /* the emulated machine's copy */

/* The linear address of byte `off` of the buffer. */
u64 addr_a(u64 off);

/* ---- the emulated machine ---- */

struct machine {
    struct x86_emulate_ctxt ctxt;
    struct x86_seg seg[x86_seg_idtr + 1];
    u8 xmm[16][16];
    bool fast;              /* offer the REP fast paths */
    bool no_cmpxchg;        /* ...and the cmpxchg callback */
    unsigned int contend;   /* cmpxchg: change memory under the first N calls */
    int retry_write_after;  /* write: X86EMUL_RETRY on write number N (-1: never) */
    unsigned int writes, reads, fast_calls, fast_elems, cmpxchg_calls;
    /* port I/O: reads return port_next++, writes are logged */
    u32 port_next;
    unsigned int nr_out;
    struct { unsigned int port, bytes; u32 val; } out[64];
    /* TSS image for the I/O bitmap: linear tss_base maps here */
    u8 tss[0x100];
    u64 tss_base;
};

extern struct machine m;

/* The callbacks for x86_emulate(), as m.fast and m.no_cmpxchg choose. */
const struct x86_emulate_ops *ops(void);

/* Segment attributes: type | S | P | DB/L | G. */
#define ATTR_DATA  (0x3 | X86_SEG_S | X86_SEG_P | X86_SEG_DB | X86_SEG_G)
#define ATTR_CODE32 (0xb | X86_SEG_S | X86_SEG_P | X86_SEG_DB | X86_SEG_G)
#define ATTR_CODE64 (0xb | X86_SEG_S | X86_SEG_P | X86_SEG_L | X86_SEG_G)
#define ATTR_CODE16 (0xb | X86_SEG_S | X86_SEG_P)
#define ATTR_DATA16 (0x3 | X86_SEG_S | X86_SEG_P)

void set_seg(enum x86_segment s, u16 sel, u16 attr, u32 limit, u64 base);

/* A fresh machine in a mode: 64 (long mode), 32 (protected, flat), 33 (compatibility
 * mode, flat), 16 (real mode, segments at `base16`), 17 (16-bit protected mode). */
void machine_init(unsigned int mode, u64 base16);

/* Once, before the tests: map the buffers, fill in the callback tables, and read the
 * host's CPU vendor and segment selectors (64-bit machines take them). Returns 0, or
 * -1 (with a message) when the buffers cannot be mapped. */
int x86_machine_setup(void);

#endif /* UNIT_X86_MACHINE_H */
