/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The x86 instruction emulator: length decoding of any x86-64 instruction, emulation
 * of the instructions guests aim at emulated MMIO and I/O ports, and the guest's own
 * page-table walk.
 *
 * Why: under QEMU TCG (and on SVM without decode assists) a nested page fault gives
 * only the guest-physical address. The HVM layer must fetch the instruction, decode
 * it, perform its memory access against the device, and retire it, in every CPU mode
 * the guest can be in (real, virtual-8086, 16/32-bit protected, compatibility, 64-bit).
 *
 * The library is neutral and self-contained: it reaches the guest ONLY through the
 * callback table below, performs segmentation itself (bases, limits, types, canonical
 * checks) and hands linear addresses to the callbacks; paging is the caller's, with
 * x86_walk() at the end of this file. It never asserts on guest input: whatever it
 * cannot emulate comes back as X86EMUL_UNHANDLEABLE with the bytes, mode and RIP in
 * the context, for the caller to log and answer (#UD, or crash the domain).
 *
 * It is compiled without SSE (-mgeneral-regs-only): the guest's XMM registers are
 * read and written through callbacks, never held in host vector registers.
 *
 * Sources: hypervisor/common/x86_emulate/ (decode.c: prefixes, opcode tables,
 * lengths; emulate.c, string.c and sse.c: execution; addr.c: addressing and
 * segmentation; alu.c: arithmetic flags; walk.c: the page walk). Tests:
 * tests/unit/test_x86_{decode,emulate,walk}.c, tests/fuzz/x86_decode_fuzz.c.
 */
#ifndef HV_X86_EMULATE_H
#define HV_X86_EMULATE_H

#include <hv/compiler.h>
#include <hv/types.h>

/* ------------------------------------------------------------------------------- */
/* Result codes of x86_emulate(), x86_walk() and of every callback.                  */

#define X86EMUL_OKAY         0 /* done */
#define X86EMUL_EXCEPTION    1 /* ctxt->event (or the walk's fault) holds what to inject */
#define X86EMUL_UNHANDLEABLE 2 /* cannot emulate: ctxt->reason says why */
#define X86EMUL_RETRY        3 /* complete the access elsewhere, then run the insn again */

/* Exception vectors the emulator raises. */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_AC 17

/* Page-fault error code bits. */
#define X86_PFEC_P    (1u << 0) /* protection violation (0: page not present) */
#define X86_PFEC_W    (1u << 1) /* write access */
#define X86_PFEC_U    (1u << 2) /* user-mode access */
#define X86_PFEC_RSVD (1u << 3) /* a reserved bit was set in a paging entry */
#define X86_PFEC_I    (1u << 4) /* instruction fetch (only with NXE or SMEP) */

/* RFLAGS bits. */
#define X86_FL_CF   (1u << 0)
#define X86_FL_PF   (1u << 2)
#define X86_FL_AF   (1u << 4)
#define X86_FL_ZF   (1u << 6)
#define X86_FL_SF   (1u << 7)
#define X86_FL_TF   (1u << 8)
#define X86_FL_IF   (1u << 9)
#define X86_FL_DF   (1u << 10)
#define X86_FL_OF   (1u << 11)
#define X86_FL_IOPL (3u << 12)
#define X86_FL_RF   (1u << 16)
#define X86_FL_VM   (1u << 17)
#define X86_FL_AC   (1u << 18)
#define X86_FL_ARITH (X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | X86_FL_SF | X86_FL_OF)

/* Control register and EFER bits the emulator and the walker look at. */
#define X86_CR0_PE  (1u << 0)
#define X86_CR0_MP  (1u << 1)
#define X86_CR0_EM  (1u << 2)
#define X86_CR0_TS  (1u << 3)
#define X86_CR0_WP  (1u << 16)
#define X86_CR0_AM  (1u << 18)
#define X86_CR0_PG  (1u << 31)
#define X86_CR4_VME        (1u << 0)
#define X86_CR4_PVI        (1u << 1)
#define X86_CR4_PSE        (1u << 4)
#define X86_CR4_PAE        (1u << 5)
#define X86_CR4_OSFXSR     (1u << 9)
#define X86_CR4_OSXMMEXCPT (1u << 10)
#define X86_CR4_LA57       (1u << 12)
#define X86_CR4_SMEP       (1u << 20)
#define X86_CR4_SMAP       (1u << 21)
#define X86_EFER_LME (1u << 8)
#define X86_EFER_LMA (1u << 10)
#define X86_EFER_NXE (1u << 11)

/* ------------------------------------------------------------------------------- */
/* Segments and registers.                                                           */

enum x86_segment {
    x86_seg_es,
    x86_seg_cs,
    x86_seg_ss,
    x86_seg_ds,
    x86_seg_fs,
    x86_seg_gs,
    x86_seg_tr,
    x86_seg_ldtr,
    x86_seg_gdtr,
    x86_seg_idtr,
    x86_seg_none, /* no segment (no override prefix; or a register operand) */
};

/*
 * A segment register's visible selector and hidden part, as in the SVM VMCB.
 * `attr` is the 12-bit packed form: type:4 s:1 dpl:2 p:1 avl:1 l:1 db:1 g:1.
 * `limit` is in bytes, the granularity already applied (0xffffffff for a flat
 * 4 GiB segment), as the VMCB and VMCS hold it.
 */
struct x86_seg {
    u16 sel;
    u16 attr;
    u32 limit;
    u64 base;
};

#define X86_SEG_TYPE(attr) ((attr) & 0xfu)     /* for S=1: bit 3 code, bit 1 W/R */
#define X86_SEG_S          (1u << 4)           /* code/data (1) or system (0) */
#define X86_SEG_DPL(attr)  (((attr) >> 5) & 3u)
#define X86_SEG_P          (1u << 7)
#define X86_SEG_AVL        (1u << 8)
#define X86_SEG_L          (1u << 9)           /* 64-bit code segment */
#define X86_SEG_DB         (1u << 10)          /* 32-bit default size / big stack */
#define X86_SEG_G          (1u << 11)

/* The general registers in encoding order, RIP and RFLAGS. */
struct x86_regs {
    union {
        u64 gpr[16];
        struct {
            u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
            u64 r8, r9, r10, r11, r12, r13, r14, r15;
        };
    };
    u64 rip;
    u64 rflags;
};

/* The CPU mode, derived from CR0.PE, EFLAGS.VM, EFER.LMA and CS.L/CS.D. */
enum x86_mode {
    X86_MODE_REAL,      /* CR0.PE=0: 16-bit, CPL 0, real-mode segmentation */
    X86_MODE_VM86,      /* EFLAGS.VM=1: 16-bit, CPL 3 */
    X86_MODE_PROT16,    /* protected mode, 16-bit code segment */
    X86_MODE_PROT32,    /* protected mode, 32-bit code segment */
    X86_MODE_COMPAT16,  /* long mode, 16-bit compatibility code segment */
    X86_MODE_COMPAT32,  /* long mode, 32-bit compatibility code segment */
    X86_MODE_LONG64,    /* long mode, 64-bit code segment */
};

/* The default operand/address width of a mode: 16, 32 or 64. */
unsigned int x86_mode_bits(enum x86_mode mode);
/* The mode from the control state: what x86_emulate() computes itself. */
enum x86_mode x86_mode_of(u64 cr0, u64 efer, u64 rflags, u16 cs_attr);

/* Where vendors differ: 66h on near branches in 64-bit mode (lengths), UD0's ModRM,
 * and CMPXCHG with a register destination that does not match (Intel writes the
 * destination back, zero-extending a 32-bit register; AMD leaves it). */
enum x86_vendor {
    X86_VENDOR_AMD,   /* 66 E8/E9/0F 8x in 64-bit mode take a 16-bit displacement */
    X86_VENDOR_INTEL, /* ... a 32-bit one (66h is ignored) */
};

/* An exception to inject. */
struct x86_event {
    u8 vector;           /* X86_EXC_* */
    bool has_error_code; /* false for #UD, #NM, #DB, and for everything in real mode */
    u32 error_code;
    u64 cr2;             /* #PF: the faulting linear address */
};

/* ------------------------------------------------------------------------------- */
/* Decoding.                                                                         */

/* Encodings and opcode maps. */
enum x86_enc { X86_ENC_LEGACY, X86_ENC_VEX, X86_ENC_EVEX, X86_ENC_XOP };
enum x86_map {
    X86_MAP_NONE,   /* one-byte opcodes */
    X86_MAP_0F,
    X86_MAP_0F38,
    X86_MAP_0F3A,
    X86_MAP_3DNOW,  /* 0F 0F modrm ... suffix: `opcode` is the suffix byte */
    X86_MAP_EVEX5,  /* EVEX map 5 and 6 (AVX512-FP16) */
    X86_MAP_EVEX6,
    X86_MAP_XOP8,
    X86_MAP_XOP9,
    X86_MAP_XOPA,
};

/* Prefix bits of struct x86_decoded.prefixes. */
#define X86_PFX_LOCK  (1u << 0)
#define X86_PFX_REP   (1u << 1) /* F3 (REP/REPE), the last of F2/F3 */
#define X86_PFX_REPNE (1u << 2) /* F2 (REPNE), the last of F2/F3 */
#define X86_PFX_OPSZ  (1u << 3) /* 66 */
#define X86_PFX_ADSZ  (1u << 4) /* 67 */

/* A decoded instruction. */
struct x86_decoded {
    u8 len;          /* total length in bytes (1..15) */
    u8 mode_bits;    /* 16, 32 or 64: the code size it was decoded for */
    u8 op_bytes;     /* operand size: 1 (byte opcodes), 2, 4 or 8 */
    u8 addr_bytes;   /* address size: 2, 4 or 8 */
    u8 enc;          /* enum x86_enc */
    u8 map;          /* enum x86_map */
    u8 opcode;       /* the opcode byte within its map */
    u8 prefixes;     /* X86_PFX_* */
    u8 simd_pfx;     /* mandatory prefix: 0, 0x66, 0xf3 or 0xf2 (VEX/EVEX: from pp) */
    u8 seg;          /* segment override: enum x86_segment (x86_seg_none if none) */
    u8 rex;          /* the REX prefix in effect (0x40..0x4f), or 0 */
    bool has_modrm, has_sib;
    u8 modrm, sib;
    u8 mod, reg, rm; /* ModRM fields; reg and rm extended with REX.R and REX.B */
    u8 disp_bytes;   /* 0, 1, 2 or 4 (8 for a 64-bit moffs is an immediate) */
    u8 imm_bytes;    /* bytes of the first immediate (moffs included) */
    u8 imm2_bytes;   /* bytes of a second one (ENTER, far pointer, EXTRQ) */
    u8 disp_off;     /* offset of the displacement within the instruction */
    u8 imm_off;      /* offset of the immediate(s) */
    s64 disp;        /* sign-extended */
    u64 imm;         /* ib/iw/iz/iv sign-extended to 64 bits; moffs, far pointers and
                        ENTER's operands zero-extended */
    u64 imm2;
    /* VEX/EVEX/XOP fields (0 for legacy encodings). */
    u8 vex_w, vex_l, vex_vvvv;
    u8 evex_aaa, evex_z, evex_b;
    /* Internal: the opcode table entry. */
    u32 desc_flags;
    u8 desc_exec, desc_opnds, desc_sub;
};

/* x86_decode() and x86_insn_length() results below zero. */
#define X86_DECODE_TRUNC   (-1) /* needs more bytes than `avail` (give up to 15) */
#define X86_DECODE_INVALID (-2) /* an undefined opcode or encoding: #UD */
#define X86_DECODE_TOOLONG (-3) /* longer than 15 bytes: #GP(0) */

/*
 * Decode the instruction at bytes[0..avail) for code of `mode_bits` (16, 32 or 64).
 * Returns its length (1..15) and fills *insn, or an X86_DECODE_* error. Reads no byte
 * at or past `avail` and never more than 15. Validity is that of the opcode maps:
 * undefined opcodes and ModRM forms, instructions invalid in the mode, misplaced LOCK,
 * mandatory prefixes, VEX/EVEX/XOP with legacy prefixes or bad fields (for those the
 * map, opcode, pp and ModRM.mod are checked; W, L and vvvv, which do not change the
 * length, are not). CPUID features are not checked.
 */
int x86_decode(struct x86_decoded *insn, const u8 *bytes, unsigned int avail,
               unsigned int mode_bits, enum x86_vendor vendor);

/* Just the length (or an X86_DECODE_* error), e.g. for an intercepted instruction. */
int x86_insn_length(const u8 *bytes, unsigned int avail, unsigned int mode_bits,
                    enum x86_vendor vendor);

/* ------------------------------------------------------------------------------- */
/* Emulation.                                                                        */

struct x86_emulate_ctxt;

/* Flags of the read/write callbacks. An implicit supervisor access is translated with
 * X86_WALK_IMPLICIT (never as a user access, whatever the CPL). */
#define X86EMUL_ACC_IMPLICIT (1u << 0) /* implicit supervisor access (the TSS I/O map) */

/*
 * The callbacks. All return X86EMUL_*; on X86EMUL_EXCEPTION they fill ctxt->event
 * (a #PF from x86_walk(), say). Addresses are LINEAR: the emulator has applied the
 * segment base and checked limits, types and canonical form; the caller translates
 * (x86_walk() with the access kind, user = ctxt->cpl == 3 and not IMPLICIT) and
 * dispatches to RAM or an emulated device.
 *
 * An access may cross a page boundary: the caller must check both pages before
 * writing either (so that a fault on the second leaves the first untouched).
 *
 * X86EMUL_RETRY from a callback means "this access must be completed elsewhere (by a
 * device model, say) and the instruction run again". The emulator then returns
 * X86EMUL_RETRY having committed nothing of this instruction: ctxt->regs are as on
 * entry, except that a REP string instruction keeps its completed iterations
 * (RCX/RSI/RDI updated, RIP at the instruction). Accesses already done in the same
 * run (the read of a MOVS whose write retries) will be made again on the re-run, so a
 * caller with side-effecting reads must replay their results.
 */
struct x86_emulate_ops {
    /* Required. Instruction bytes at a linear address (never crosses a page). */
    int (*insn_fetch)(u64 linear, void *buf, unsigned int bytes,
                      struct x86_emulate_ctxt *ctxt);
    /* Required. Data at a linear address, 1 to 16 bytes. */
    int (*read)(u64 linear, void *buf, unsigned int bytes, unsigned int flags,
                struct x86_emulate_ctxt *ctxt);
    int (*write)(u64 linear, const void *buf, unsigned int bytes, unsigned int flags,
                 struct x86_emulate_ctxt *ctxt);
    /*
     * Optional. Atomically: compare `bytes` (1, 2, 4, 8 or 16) at `linear` with *old;
     * if equal store *new; in every case leave the value found in *old. Returns
     * X86EMUL_OKAY whether or not it stored (the emulator compares). Used for LOCKed
     * read-modify-writes, XCHG with memory and CMPXCHG*; without it those become a
     * read and a write (fine for MMIO, not atomic for RAM shared with other vCPUs).
     */
    int (*cmpxchg)(u64 linear, void *old, const void *new, unsigned int bytes,
                   struct x86_emulate_ctxt *ctxt);
    /* Required for IN/OUT/INS/OUTS: `bytes` 1, 2 or 4. */
    int (*read_io)(unsigned int port, unsigned int bytes, u32 *val,
                   struct x86_emulate_ctxt *ctxt);
    int (*write_io)(unsigned int port, unsigned int bytes, u32 val,
                    struct x86_emulate_ctxt *ctxt);
    /* Required. The guest's segment register (cached by the emulator per run). */
    int (*read_segment)(enum x86_segment seg, struct x86_seg *reg,
                        struct x86_emulate_ctxt *ctxt);
    /* Required for SSE moves: the guest's XMM register `reg` (0-15), 16 bytes. */
    int (*read_xmm)(unsigned int reg, void *buf, struct x86_emulate_ctxt *ctxt);
    int (*write_xmm)(unsigned int reg, const void *buf, struct x86_emulate_ctxt *ctxt);
    /*
     * Optional fast paths for REP INS/OUTS/MOVS/STOS: `*reps` (>= 1) elements of
     * `bytes` each, the first at the given linear address(es), going down when
     * `backward` (DF=1). The emulator has checked the segment limits of the whole range
     * and keeps each range within one page. Set *reps to the number of elements done
     * (which may be fewer, even 0); on X86EMUL_UNHANDLEABLE with *reps == 0 the
     * emulator falls back to element-at-a-time callbacks.
     */
    int (*rep_ins)(unsigned int port, u64 dst, unsigned int bytes, u64 *reps,
                   bool backward, struct x86_emulate_ctxt *ctxt);
    int (*rep_outs)(unsigned int port, u64 src, unsigned int bytes, u64 *reps,
                    bool backward, struct x86_emulate_ctxt *ctxt);
    int (*rep_movs)(u64 dst, u64 src, unsigned int bytes, u64 *reps, bool backward,
                    struct x86_emulate_ctxt *ctxt);
    int (*rep_stos)(u64 dst, u64 val, unsigned int bytes, u64 *reps, bool backward,
                    struct x86_emulate_ctxt *ctxt);
};

/* Default of ctxt->max_reps. */
#define X86EMUL_DEFAULT_MAX_REPS 256

/* What a retired instruction asks of the caller (ctxt->retire). */
#define X86EMUL_RETIRE_HLT        (1u << 0) /* HLT: block the vCPU */
#define X86EMUL_RETIRE_STI_SHADOW (1u << 1) /* STI set IF: no interrupt before the next */
#define X86EMUL_RETIRE_SINGLESTEP (1u << 2) /* TF was set: inject #DB (DR6.BS) */

/*
 * The emulation context. The caller fills the "in" fields, calls x86_emulate(), and
 * reads the "out" ones. The same context may be reused: x86_emulate() resets the
 * outputs on entry.
 */
struct x86_emulate_ctxt {
    /* in/out: the guest registers; written back only when the instruction (or part
     * of a REP) retires; untouched on X86EMUL_EXCEPTION/UNHANDLEABLE of a non-REP
     * instruction. */
    struct x86_regs regs;

    /* in: the control state (the VMCB/VMCS has it at hand). CR0.PE, EFLAGS.VM,
     * EFER.LMA and CS.L/D (from read_segment) give the mode; CR0.EM/TS and CR4.OSFXSR
     * gate SSE; CR4.LA57 the canonical width. CPL is ignored in real mode (0) and
     * virtual-8086 mode (3); callbacks see the caller's own value. */
    u64 cr0, cr4, efer;
    unsigned int cpl;
    enum x86_vendor vendor;
    unsigned long max_reps;    /* iterations of a REP instruction per call (0: default) */
    void *priv;                /* the caller's */

    /*
     * in/out: the instruction bytes at regs.rip. Set insn_buf_len to 0 before each new
     * instruction, or to the number of bytes preloaded (SVM decode assists give up to
     * 15). x86_emulate() fetches what the decoder still needs and leaves all the bytes
     * it had here, so that an unhandled instruction can be logged, and so that a re-run
     * at the same RIP (after X86EMUL_RETRY, or for an incomplete REP) may keep them.
     */
    u8 insn_buf[15];
    u8 insn_buf_len;

    /* out */
    enum x86_mode mode;        /* the mode the instruction was decoded in */
    struct x86_decoded insn;   /* the decoded instruction (insn.len 0 if not decoded) */
    struct x86_event event;    /* on X86EMUL_EXCEPTION */
    unsigned int retire;       /* X86EMUL_RETIRE_* on X86EMUL_OKAY */
    const char *reason;        /* on X86EMUL_UNHANDLEABLE: a constant string */
};

/*
 * Fetch, decode, check and execute the instruction at ctxt->regs.rip, then retire it:
 * registers (RIP, RFLAGS and any written GPR) are written back into ctxt->regs at the
 * end. Returns:
 *  X86EMUL_OKAY          retired (or, for a REP string instruction stopped after
 *                        ctxt->max_reps iterations or by a fast path doing fewer, the
 *                        completed iterations committed and RIP left at the
 *                        instruction, so that it runs again on re-entry);
 *  X86EMUL_EXCEPTION     ctxt->event holds the exception to inject (#GP, #SS, #UD,
 *                        #NM, #PF from a callback); registers as on entry but for
 *                        completed REP iterations;
 *  X86EMUL_UNHANDLEABLE  not emulated (ctxt->reason, ctxt->insn_buf, ctxt->mode,
 *                        regs.rip tell what); nothing written (but completed REP
 *                        iterations, if a fast path gave up part-way);
 *  X86EMUL_RETRY         a callback asked for it (see struct x86_emulate_ops), or a
 *                        LOCKed read-modify-write lost its compare-exchange race too
 *                        many times in a row; nothing is committed but completed
 *                        REP iterations.
 */
int x86_emulate(struct x86_emulate_ctxt *ctxt, const struct x86_emulate_ops *ops);

/* ------------------------------------------------------------------------------- */
/* The guest's page walk: linear -> guest-physical.                                  */

/* The paging state: registers from the VMCB/VMCS and what the guest's CPUID says. */
struct x86_paging {
    u64 cr0, cr3, cr4, efer;
    u64 rflags;           /* for SMAP: EFLAGS.AC */
    unsigned int maxphyaddr; /* physical address width (36..52); 0 means 52 */
    bool gbpages;         /* 1 GiB pages exist (else PS in a PDPTE is reserved) */
    /* PAE paging: the four PDPTEs as loaded at MOV CR3 (VMX with EPT keeps them in
     * the VMCS). NULL: read them from memory at CR3 (SVM nested paging). */
    const u64 *pdptes;
};

/* Access kinds of x86_walk(). */
#define X86_WALK_WRITE    (1u << 0)
#define X86_WALK_FETCH    (1u << 1)
#define X86_WALK_USER     (1u << 2) /* CPL 3 and not implicit */
#define X86_WALK_IMPLICIT (1u << 3) /* implicit supervisor access (descriptor tables, TSS) */
#define X86_WALK_NO_AD    (1u << 4) /* a probe: set no accessed/dirty bit */

struct x86_walk_ops {
    /* Read a paging entry of `bytes` (4 or 8) at a guest-physical address. Returns
     * X86EMUL_OKAY, or anything else to abort the walk with that code. */
    int (*read_pte)(u64 gpa, unsigned int bytes, u64 *val, void *priv);
    /* Atomically replace the entry if it still holds `old`: X86EMUL_OKAY if it did,
     * X86EMUL_RETRY if the entry changed (the walk restarts), else abort. May be NULL
     * when the walk never needs to set A/D bits (X86_WALK_NO_AD). */
    int (*cmpxchg_pte)(u64 gpa, unsigned int bytes, u64 old, u64 new, void *priv);
};

/* What a successful walk found. */
struct x86_walk_result {
    u64 gpa;             /* the guest-physical address of `linear` */
    u64 page_size;       /* 4 KiB, 2 MiB, 4 MiB or 1 GiB (the linear address width
                            for an unpaged guest) */
    bool writable, user, executable; /* the combined rights of the translation */
};

/*
 * Translate `linear` for an access of kind `access` (X86_WALK_*). Real mode or
 * CR0.PG=0: identity (32 bits). Otherwise 32-bit paging (4 KiB, 4 MiB with CR4.PSE),
 * PAE, 4-level and 5-level (CR4.LA57) paging, with the U/S, R/W (CR0.WP), NX
 * (EFER.NXE), SMEP and SMAP (EFLAGS.AC, implicit accesses) rules and reserved-bit
 * checks; protection keys are not modelled. On success, sets the accessed bits along
 * the walk and the dirty bit of the leaf for a write (unless X86_WALK_NO_AD), through
 * cmpxchg_pte, and returns X86EMUL_OKAY. A fault returns X86EMUL_EXCEPTION with a #PF
 * in *fault (error code, cr2 = linear) and changes no entry. The caller checks that
 * `linear` is canonical; the walk ignores bits above the paging width.
 */
int x86_walk(const struct x86_paging *pg, const struct x86_walk_ops *ops, void *priv,
             u64 linear, unsigned int access, struct x86_walk_result *res,
             struct x86_event *fault);

#endif /* HV_X86_EMULATE_H */
