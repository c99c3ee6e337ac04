/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The SSE moves drivers aim at MMIO: MOVD/MOVQ, MOVDQA/MOVDQU, MOVAPS/MOVUPS,
 * MOVAPD/MOVUPD, MOVSS/MOVSD, MOVNTDQ/MOVNTPS/MOVNTPD and MOVNTDQA (legacy SSE
 * encodings; VEX forms and MMX registers are not emulated).
 *
 * The hypervisor is built without SSE: XMM contents travel as 16-byte buffers between
 * the read_xmm/write_xmm callbacks and memory. Checks as for any SSE instruction:
 * CR0.EM or !CR4.OSFXSR -> #UD, CR0.TS -> #NM; the aligned forms #GP(0) on a memory
 * operand not aligned to 16 bytes.
 */
#include "private.h"

enum { SSE_LOAD, SSE_STORE, SSE_LOAD_GPR, SSE_STORE_GPR };

#define SSE_ALIGNED (1u << 0) /* 16-byte aligned memory operand */
#define SSE_MERGE   (1u << 1) /* register to register: only the low `bytes` change */
#define SSE_ZEXT    (1u << 2) /* register destination: bytes above `bytes` cleared */

struct sse_row {
    u8 map, opcode, pfx, kind, bytes, flags;
};

static const struct sse_row sse_rows[] = {
    { X86_MAP_0F, 0x10, 0x00, SSE_LOAD, 16, 0 },                  /* MOVUPS */
    { X86_MAP_0F, 0x10, 0x66, SSE_LOAD, 16, 0 },                  /* MOVUPD */
    { X86_MAP_0F, 0x10, 0xf3, SSE_LOAD, 4, SSE_MERGE },           /* MOVSS */
    { X86_MAP_0F, 0x10, 0xf2, SSE_LOAD, 8, SSE_MERGE },           /* MOVSD */
    { X86_MAP_0F, 0x11, 0x00, SSE_STORE, 16, 0 },
    { X86_MAP_0F, 0x11, 0x66, SSE_STORE, 16, 0 },
    { X86_MAP_0F, 0x11, 0xf3, SSE_STORE, 4, SSE_MERGE },
    { X86_MAP_0F, 0x11, 0xf2, SSE_STORE, 8, SSE_MERGE },
    { X86_MAP_0F, 0x28, 0x00, SSE_LOAD, 16, SSE_ALIGNED },        /* MOVAPS */
    { X86_MAP_0F, 0x28, 0x66, SSE_LOAD, 16, SSE_ALIGNED },        /* MOVAPD */
    { X86_MAP_0F, 0x29, 0x00, SSE_STORE, 16, SSE_ALIGNED },
    { X86_MAP_0F, 0x29, 0x66, SSE_STORE, 16, SSE_ALIGNED },
    { X86_MAP_0F, 0x2b, 0x00, SSE_STORE, 16, SSE_ALIGNED },       /* MOVNTPS */
    { X86_MAP_0F, 0x2b, 0x66, SSE_STORE, 16, SSE_ALIGNED },       /* MOVNTPD */
    { X86_MAP_0F, 0x6e, 0x66, SSE_LOAD_GPR, 4, 0 },               /* MOVD/MOVQ xmm, r/m */
    { X86_MAP_0F, 0x7e, 0x66, SSE_STORE_GPR, 4, 0 },              /* MOVD/MOVQ r/m, xmm */
    { X86_MAP_0F, 0x7e, 0xf3, SSE_LOAD, 8, SSE_ZEXT },            /* MOVQ xmm, xmm/m64 */
    { X86_MAP_0F, 0x6f, 0x66, SSE_LOAD, 16, SSE_ALIGNED },        /* MOVDQA */
    { X86_MAP_0F, 0x6f, 0xf3, SSE_LOAD, 16, 0 },                  /* MOVDQU */
    { X86_MAP_0F, 0x7f, 0x66, SSE_STORE, 16, SSE_ALIGNED },
    { X86_MAP_0F, 0x7f, 0xf3, SSE_STORE, 16, 0 },
    { X86_MAP_0F, 0xd6, 0x66, SSE_STORE, 8, SSE_ZEXT },           /* MOVQ xmm/m64, xmm */
    { X86_MAP_0F, 0xe7, 0x66, SSE_STORE, 16, SSE_ALIGNED },       /* MOVNTDQ */
    { X86_MAP_0F38, 0x2a, 0x66, SSE_LOAD, 16, SSE_ALIGNED },      /* MOVNTDQA */
};

static const struct sse_row *sse_find(const struct x86_decoded *insn)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(sse_rows); i++) {
        const struct sse_row *r = &sse_rows[i];

        if (r->map == insn->map && r->opcode == insn->opcode && r->pfx == insn->simd_pfx)
            return r;
    }
    return NULL;
}

/* The linear address of the memory operand, with the alignment check. */
static int sse_mem(struct x86_state *s, const struct sse_row *r, unsigned int bytes,
                   enum x86_acc acc, u64 *la)
{
    struct x86_mem m;
    int rc;

    x86_modrm_mem(s, &m);
    if ((rc = x86_linear(s, m.seg, m.off, bytes, acc, la)))
        return rc;
    if ((r->flags & SSE_ALIGNED) && (*la & 15))
        return x86_raise(s, X86_EXC_GP, 0);
    return X86EMUL_OKAY;
}

/* XMM (or GPR/memory) source into XMM register insn->reg. */
static int sse_load(struct x86_state *s, const struct sse_row *r, unsigned int bytes)
{
    const struct x86_decoded *insn = s->insn;
    const struct x86_emulate_ops *ops = s->ops;
    u8 src[16], dst[16];
    u64 la, gpr;
    int rc;

    memset(src, 0, sizeof(src));
    if (insn->mod != 3) {
        if ((rc = sse_mem(s, r, bytes, ACC_READ, &la)) ||
            (rc = ops->read(la, src, bytes, 0, s->ctxt)))
            return rc;
        return ops->write_xmm(insn->reg, src, s->ctxt);
    }
    if (r->kind == SSE_LOAD_GPR) {
        gpr = x86_reg_read(s, insn->rm, bytes);
        memcpy(src, &gpr, bytes);
        return ops->write_xmm(insn->reg, src, s->ctxt);
    }
    if ((rc = ops->read_xmm(insn->rm, src, s->ctxt)))
        return rc;
    if (r->flags & SSE_MERGE) {
        if ((rc = ops->read_xmm(insn->reg, dst, s->ctxt)))
            return rc;
        memcpy(dst, src, bytes);
        return ops->write_xmm(insn->reg, dst, s->ctxt);
    }
    if (r->flags & SSE_ZEXT)
        memset(src + bytes, 0, sizeof(src) - bytes);
    return ops->write_xmm(insn->reg, src, s->ctxt);
}

/* XMM register insn->reg into an XMM register, a GPR or memory. */
static int sse_store(struct x86_state *s, const struct sse_row *r, unsigned int bytes)
{
    const struct x86_decoded *insn = s->insn;
    const struct x86_emulate_ops *ops = s->ops;
    u8 src[16], dst[16];
    u64 la, gpr = 0;
    int rc;

    if ((rc = ops->read_xmm(insn->reg, src, s->ctxt)))
        return rc;
    if (insn->mod != 3) {
        if ((rc = sse_mem(s, r, bytes, ACC_WRITE, &la)))
            return rc;
        return ops->write(la, src, bytes, 0, s->ctxt);
    }
    if (r->kind == SSE_STORE_GPR) {
        memcpy(&gpr, src, bytes);
        x86_reg_write(s, insn->rm, bytes, gpr);
        return X86EMUL_OKAY;
    }
    if (r->flags & SSE_MERGE) {
        if ((rc = ops->read_xmm(insn->rm, dst, s->ctxt)))
            return rc;
    } else
        memset(dst, 0, sizeof(dst));
    memcpy(dst, src, (r->flags & (SSE_MERGE | SSE_ZEXT)) ? bytes : 16);
    return ops->write_xmm(insn->rm, dst, s->ctxt);
}

int x86_exec_sse(struct x86_state *s)
{
    const struct x86_decoded *insn = s->insn;
    const struct sse_row *r = sse_find(insn);
    unsigned int bytes;

    if (!r) {
        s->ctxt->reason = "SSE/MMX form not emulated";
        return X86EMUL_UNHANDLEABLE;
    }
    if (!s->ops->read_xmm || !s->ops->write_xmm) {
        s->ctxt->reason = "SSE move without XMM callbacks";
        return X86EMUL_UNHANDLEABLE;
    }
    if ((s->ctxt->cr0 & X86_CR0_EM) || !(s->ctxt->cr4 & X86_CR4_OSFXSR))
        return x86_raise(s, X86_EXC_UD, -1);
    if (s->ctxt->cr0 & X86_CR0_TS)
        return x86_raise(s, X86_EXC_NM, -1);
    bytes = r->bytes;
    if (r->kind == SSE_LOAD_GPR || r->kind == SSE_STORE_GPR)
        bytes = (insn->rex & 8) ? 8 : 4;
    if (r->kind == SSE_LOAD || r->kind == SSE_LOAD_GPR)
        return sse_load(s, r, bytes);
    return sse_store(s, r, bytes);
}
