/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The documented disagreements between our x86 length decoder and Capstone 4.0.2:
 * see capstone_diff.h. References: Intel SDM vol. 2 (2023), AMD APM vol. 3 (2023).
 */
#include <string.h>

#include "capstone_diff.h"

enum {
    D_LOCK,
    D_MOV_CS,
    D_VEX_PREFIX,
    D_VEX_VALIDITY,
    D_EVEX_LENGTH,
    D_UD01,
    D_16BIT_SIMD,
    D_LEGACY_MISSING,
    D_XOP_A,
    D_66_REP_BRANCH,
    D_3DNOW_0E,
    D_EXTRQ,
    D_MANDATORY,
    D_64ONLY,
    D_EVEX_RESERVED,
    D_RET_IMM,
    D_CANCELLED_REX,
    D_66_F2F3,
};

const struct cs_diff x86_cs_diffs[] = {
    [D_LOCK] = { "lock",
        "Capstone accepts LOCK on instructions that are not lockable or whose "
        "destination is a register (and with F2/F3 in odd orders); the SDM (LOCK) makes "
        "those #UD, as we do" },
    [D_MOV_CS] = { "mov-sreg",
        "Capstone decodes MOV CS, r/m (8E /1) and MOV with a segment register number "
        "6/7 (REX.R); both are #UD (SDM MOV to Sreg)" },
    [D_VEX_PREFIX] = { "vex-prefix",
        "Capstone accepts 66/F2/F3 before VEX/EVEX/XOP, and a REX that later prefixes "
        "cancelled (rejecting it in other byte orders); the SDM (2.3.2) makes any of "
        "them #UD" },
    [D_VEX_VALIDITY] = { "vex-evex-xop-validity",
        "we accept, Capstone rejects a VEX/EVEX/XOP encoding: Capstone 4 lacks many "
        "extensions (AVX-512 BW/VBMI/VBMI2/VNNI/BITALG/VPOPCNTDQ/IFMA/BF16/FP16/"
        "VP2INTERSECT, GFNI, VAES, AVX-VNNI, AVX512 mask instructions, LWP, "
        "VBROADCASTI128) and rejects some valid EVEX forms (EVEX.X/R' registers, "
        "SAE); and our decoder checks map, opcode, pp and ModRM.mod but not W, L or "
        "vvvv, which do not change the length" },
    [D_EVEX_LENGTH] = { "evex-length",
        "Capstone gets the length of EVEX instructions with a 67h prefix or with "
        "embedded rounding wrong (the assembler agrees with us)" },
    [D_UD01] = { "ud0-ud1",
        "Capstone decodes UD1 (0F B9) and UD0 (0F FF) without a ModRM byte; the SDM "
        "defines UD1 /r and (Intel) UD0 /r, the APM UD0 without ModRM (our AMD mode)" },
    [D_16BIT_SIMD] = { "16bit-mandatory-prefix",
        "in 16-bit code Capstone mishandles SSE/SSE2+ instructions with a mandatory "
        "66/F2/F3 prefix (rejects them or takes 66 as an operand-size prefix)" },
    [D_LEGACY_MISSING] = { "capstone-lacks",
        "Capstone 4 lacks these legacy encodings: PREFETCH/PREFETCHWT1 (0F 0D), hint "
        "NOPs with a register operand and MPX (0F 18-1F), ENDBR32, register forms of "
        "0F 01 (RDPKRU, WRPKRU, SERIALIZE, CLZERO, MONITORX, MWAITX, RDPRU, ENCLV), "
        "0F AE register forms (UMWAIT, TPAUSE, UMONITOR, fences with ModRM.rm != 0), "
        "MOVDIRI, MOVDIR64B, ENQCMD, WRSS/WRUSS (0F 38 F5-F9), GFNI, RDPID, VIA "
        "PadLock variants" },
    [D_XOP_A] = { "xop-map-a",
        "XOP map 0Ah (BEXTR/LWPINS/LWPVAL) takes a 32-bit immediate (APM); Capstone "
        "reads an 8-bit one or rejects it" },
    [D_66_REP_BRANCH] = { "66-branch",
        "Capstone applies 66 to a relative CALL/JMP/Jcc only when it is the last prefix "
        "(and never with F2/F3 after it), and takes 67 with REX.W for 66 there; the "
        "operand size does not depend on the order of prefixes (SDM 2.1.1) and the "
        "address size does not size a displacement of a branch" },
    [D_3DNOW_0E] = { "3dnow-suffix-0e",
        "Capstone reports 0F 0F modrm 0E (no such 3DNow! suffix) as FEMMS" },
    [D_EXTRQ] = { "extrq-insertq",
        "0F 78/79 with 66/F2 are EXTRQ/INSERTQ (AMD SSE4a: register operands only, "
        "imm8 imm8 for 0F 78); Capstone decodes VMREAD/VMWRITE or a wrong length" },
    [D_MANDATORY] = { "mandatory-prefix-order",
        "with several of 66/F2/F3, or another prefix between the mandatory prefix and "
        "0F, Capstone takes the prefix nearest the opcode or none; we follow Intel's "
        "decoder (XED): F2/F3 over 66, wherever they stand among the prefixes; Capstone "
        "also rejects two REX prefixes there, and sees a 66 that is not there with 67 "
        "and REX.W" },
    [D_64ONLY] = { "64-bit-only",
        "Capstone accepts SWAPGS outside 64-bit mode, where it is #UD" },
    [D_EVEX_RESERVED] = { "evex-reserved",
        "Capstone accepts EVEX encodings with reserved fields: L'L = 3 without "
        "embedded rounding, EVEX.V' clear outside 64-bit mode" },
    [D_RET_IMM] = { "ret-imm16",
        "with REX.W and 66 or 67, Capstone reads RET imm16 (C2) with a 32-bit "
        "immediate" },
    [D_CANCELLED_REX] = { "cancelled-rex",
        "a REX prefix followed by another prefix is ignored (SDM 2.2.1); Capstone "
        "sometimes still applies its W bit" },
    [D_66_F2F3] = { "66-with-f2-f3",
        "Capstone mishandles one-byte-map instructions carrying both 66 and F2/F3 (a "
        "SIMD mandatory-prefix pair to it): it rejects some and drops the 66 of others; "
        "on them F2/F3 mean nothing or REP and 66 sets the operand size" },
};
const unsigned int x86_cs_nr_diffs = sizeof(x86_cs_diffs) / sizeof(x86_cs_diffs[0]);

int x86_cs_length(csh handle, const u8 *bytes, unsigned int avail, const cs_insn **ci)
{
    static cs_insn *last;
    size_t n;

    if (last)
        cs_free(last, 1);
    last = NULL;
    n = cs_disasm(handle, bytes, avail, 0, 1, &last);
    *ci = n ? last : NULL;
    return n ? (int)last->size : -1;
}

/* Legacy encodings Capstone 4 lacks (we accept them). */
static bool legacy_missing(const struct x86_decoded *insn)
{
    u8 op = insn->opcode;

    switch (insn->map) {
    case X86_MAP_0F:
        return (op == 0x01 && insn->mod == 3) || op == 0x0d || (op >= 0x18 && op <= 0x1f) ||
               (op == 0xae && insn->mod == 3) || op == 0xa6 || op == 0xa7 ||
               (op == 0xc7 && insn->mod == 3);
    case X86_MAP_0F38:
        return (op >= 0xf5 && op <= 0xf9) || op == 0xcf;
    case X86_MAP_0F3A:
        return op == 0xce || op == 0xcf;
    default:
        return false;
    }
}

/*
 * A legacy SIMD instruction whose mandatory prefix is ambiguous for Capstone: two or
 * more of 66/F2/F3, or the one in effect not last among the legacy prefixes, or more
 * than one REX before the opcode, or 67 with REX.W.
 */
static bool mandatory_prefix_odd(const u8 *b, unsigned int mode,
                                 const struct x86_decoded *insn)
{
    unsigned int kinds = 0, rexes = 0, i;
    u8 last = 0;

    if (insn->enc != X86_ENC_LEGACY || insn->map == X86_MAP_NONE)
        return false;
    for (i = 0; i < 15; i++) {
        u8 c = b[i];

        if (mode == 64 && (c & 0xf0) == 0x40) {
            rexes++;
            continue;
        }
        if (c == 0x66 || c == 0xf2 || c == 0xf3)
            kinds |= 1u << (c & 3);
        else if (!(c == 0x67 || c == 0xf0 || c == 0x2e || c == 0x36 || c == 0x3e ||
                   c == 0x26 || c == 0x64 || c == 0x65))
            break;
        last = c;
    }
    if ((kinds & (kinds - 1)) || (insn->simd_pfx && last != insn->simd_pfx) || rexes > 1)
        return true;
    return (insn->prefixes & X86_PFX_ADSZ) && (insn->rex & 8);
}

/* REX bytes among the prefixes (64-bit mode), in effect or not. */
static unsigned int rex_count(const u8 *b, unsigned int mode)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < 15 && mode == 64; i++) {
        u8 c = b[i];

        if ((c & 0xf0) == 0x40)
            n++;
        else if (!(c == 0x66 || c == 0x67 || c == 0xf0 || c == 0xf2 || c == 0xf3 ||
                   c == 0x2e || c == 0x36 || c == 0x3e || c == 0x26 || c == 0x64 || c == 0x65))
            break;
    }
    return n;
}

/* A REX byte among the prefixes (64-bit mode), in effect or not. */
static bool rex_among_prefixes(const u8 *b, unsigned int mode)
{
    for (unsigned int i = 0; i < 15 && mode == 64; i++) {
        u8 c = b[i];

        if ((c & 0xf0) == 0x40)
            return true;
        if (!(c == 0x66 || c == 0x67 || c == 0xf0 || c == 0xf2 || c == 0xf3 || c == 0x2e ||
              c == 0x36 || c == 0x3e || c == 0x26 || c == 0x64 || c == 0x65))
            return false;
    }
    return false;
}

static bool ours_valid(int ours)
{
    return ours > 0;
}

int x86_cs_explain(const u8 *bytes, unsigned int mode, int ours,
                   const struct x86_decoded *insn, const cs_insn *ci)
{
    bool cs_valid = ci != NULL, legacy = insn->enc == X86_ENC_LEGACY;
    bool onebyte = legacy && insn->map == X86_MAP_NONE;

    if (legacy && (insn->map == X86_MAP_0F) && (insn->opcode == 0xb9 || insn->opcode == 0xff))
        return D_UD01;
    if (mode == 16 && legacy && insn->map != X86_MAP_NONE && insn->simd_pfx)
        return D_16BIT_SIMD;
    if (insn->enc == X86_ENC_XOP && insn->map == X86_MAP_XOPA)
        return D_XOP_A;
    if (mandatory_prefix_odd(bytes, mode, insn))
        return D_MANDATORY;
    if (legacy && rex_count(bytes, mode) > (insn->rex ? 1u : 0u))
        return D_CANCELLED_REX;
    if (ours_valid(ours) && onebyte && (insn->prefixes & X86_PFX_OPSZ) &&
        (insn->prefixes & (X86_PFX_REP | X86_PFX_REPNE)))
        return D_66_F2F3;
    /* (Capstone's longer immediates may also push the length past 15: "invalid") */
    if (ours_valid(ours) &&
        ((onebyte && (insn->opcode == 0xe8 || insn->opcode == 0xe9)) ||
         (legacy && insn->map == X86_MAP_0F && (insn->opcode & 0xf0) == 0x80)) &&
        (insn->prefixes & (X86_PFX_OPSZ | X86_PFX_ADSZ)))
        return D_66_REP_BRANCH;
    if (ours_valid(ours) && onebyte && insn->opcode == 0xc2 &&
        (insn->prefixes & (X86_PFX_OPSZ | X86_PFX_ADSZ)) && (insn->rex & 8))
        return D_RET_IMM;
    if (!ours_valid(ours) && cs_valid) {
        if (insn->prefixes & X86_PFX_LOCK)
            return D_LOCK;
        if (onebyte && (insn->opcode == 0x8e || insn->opcode == 0x8c))
            return D_MOV_CS;
        if (!legacy && ((insn->prefixes & (X86_PFX_OPSZ | X86_PFX_REP | X86_PFX_REPNE)) ||
                        rex_among_prefixes(bytes, mode)))
            return D_VEX_PREFIX;
        if (insn->map == X86_MAP_3DNOW && !strcmp(ci->mnemonic, "femms"))
            return D_3DNOW_0E;
        if (legacy && insn->map == X86_MAP_0F && (insn->opcode & 0xfe) == 0x78 &&
            (insn->simd_pfx == 0x66 || insn->simd_pfx == 0xf2))
            return D_EXTRQ;
        if (mode != 64 && !strcmp(ci->mnemonic, "swapgs"))
            return D_64ONLY;
        if (insn->enc == X86_ENC_EVEX)
            return D_EVEX_RESERVED;
        return -1;
    }
    if (ours_valid(ours) && !cs_valid) {
        if (!legacy)
            return D_VEX_VALIDITY;
        if (legacy_missing(insn))
            return D_LEGACY_MISSING;
        return -1;
    }
    if (ours_valid(ours) && cs_valid) {
        if (insn->enc == X86_ENC_EVEX &&
            ((insn->prefixes & X86_PFX_ADSZ) || (insn->evex_b && insn->mod == 3)))
            return D_EVEX_LENGTH;
        if (legacy && insn->map == X86_MAP_0F && (insn->opcode & 0xfe) == 0x78 &&
            (insn->simd_pfx == 0x66 || insn->simd_pfx == 0xf2))
            return D_EXTRQ;
    }
    return -1;
}
