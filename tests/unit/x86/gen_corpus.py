#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Generate the x86 length-decoding corpus: tests/unit/x86/corpus{16,32,64}.s.

    tests/unit/x86/gen_corpus.py        rewrite the three .s files

Each line of a corpus file is one instruction wrapped in the I macro (corpus.inc), which
makes GNU as record the instruction's length and text in sections of their own;
tests/unit/unit.mk assembles the files and tests/unit/test_x86_decode.c compares those
lengths with the decoder's and with Capstone's.

The instructions come from templates below, expanded over addressing forms, registers
and immediates of each mode. Lines that GNU as rejects in a mode (64-bit registers in
32-bit code, say) are dropped, so the templates may be generous. The output is
committed; run this again after changing the templates.
"""
import itertools
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

MEM = {
    64: ["(%rax)", "(%rsp)", "(%rbp)", "(%r12)", "(%r13)", "0x12(%rax)", "-0x80(%rbx)",
         "0x7f(%rsp)", "0x80(%rsi)", "0x12345678(%rcx)", "-0x12345678(%r9)", "(%rax,%rbx)",
         "(%rax,%rbx,2)", "0x10(%rsp,%rcx,4)", "0x10(%rbp,%r14,8)", "0x1234(,%rdx,8)",
         "0x12345678(,%r11,1)", "0x12345678", "0x10(%rip)", "-0x1000(%rip)", "(%eax)",
         "0x10(%r8d,%r9d,2)", "%fs:0x10(%rax)", "%gs:(%rsi)", "%ss:(%rax)", "(%r12,%r13)",
         "(%rsp,%r12)", "(%r13,%rax,1)", "{disp32} (%rax)", "-1(%r15,%r15,8)"],
    32: ["(%eax)", "(%esp)", "(%ebp)", "0x12(%eax)", "-0x80(%ebx)", "0x7f(%esp)",
         "0x80(%esi)", "0x12345678(%ecx)", "(%eax,%ebx)", "(%eax,%ebx,2)",
         "0x10(%esp,%ecx,4)", "0x10(%ebp,%esi,8)", "0x1234(,%edx,8)", "0x12345678",
         "(%bx,%si)", "0x12(%bp,%di)", "0x1234(%bx)", "%es:(%edi)", "%fs:0x10(%eax)",
         "%ss:0x10(%ebx)", "%cs:(%esi)", "{disp32} (%eax)", "-1(%edi,%edi,8)"],
    16: ["(%bx,%si)", "(%bx,%di)", "(%bp,%si)", "(%bp,%di)", "(%si)", "(%di)", "0x1234",
         "(%bx)", "0x12(%bp)", "-0x80(%bx,%si)", "0x1234(%bx,%si)", "0x7f(%di)",
         "0x80(%si)", "(%eax)", "0x12345678(%eax,%ebx,4)", "0x10(%esp)", "%es:(%di)",
         "%cs:0x10(%bx)", "%fs:(%bp)", "%ss:(%bx,%di)", "(%bp)"],
}
REGS = {
    64: {"b": ["%al", "%cl", "%dl", "%bh", "%spl", "%sil", "%r8b", "%r15b"],
         "w": ["%ax", "%cx", "%sp", "%di", "%r9w", "%r15w"],
         "l": ["%eax", "%ecx", "%esp", "%ebp", "%r10d", "%r15d"],
         "q": ["%rax", "%rcx", "%rsp", "%rbp", "%r12", "%r13"],
         "xr": ["%xmm1", "%xmm9", "%xmm15"], "yr": ["%ymm1", "%ymm12"],
         "zr": ["%zmm1", "%zmm19", "%zmm31"]},
    32: {"b": ["%al", "%cl", "%dl", "%bh"], "w": ["%ax", "%cx", "%sp", "%di"],
         "l": ["%eax", "%ecx", "%esp", "%ebp", "%edi"], "q": [],
         "xr": ["%xmm1", "%xmm7"], "yr": ["%ymm1", "%ymm6"], "zr": ["%zmm1", "%zmm7"]},
}
REGS[16] = REGS[32]

# Templates: {m} memory, {b} {w} {l} {q} registers of a size, {xr} {yr} {zr} vector
# registers. A template with {m} is expanded over several addressing forms (all of
# them for the CORE ones), a template without it once per register choice.
ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
CORE = []
for op in ALU:
    CORE += ["%sb {b}, {m}" % op, "%sw {w}, {m}" % op, "%sl {l}, {m}" % op,
             "%sq {q}, {m}" % op, "%sb {m}, {b}" % op, "%sl {m}, {l}" % op,
             "%sq {m}, {q}" % op, "%sb $0x12, {m}" % op, "%sw $0x1234, {m}" % op,
             "%sw $-2, {m}" % op, "%sl $0x12345678, {m}" % op, "%sl $0x7f, {m}" % op,
             "%sq $-0x12345678, {m}" % op]
CORE += ["movb {b}, {m}", "movw {w}, {m}", "movl {l}, {m}", "movq {q}, {m}",
         "movb {m}, {b}", "movw {m}, {w}", "movl {m}, {l}", "movq {m}, {q}",
         "movb $0x12, {m}", "movw $0x1234, {m}", "movl $0x12345678, {m}",
         "movq $-0x1234, {m}", "lock addl {l}, {m}", "testl $0x12345678, {m}",
         "movaps {m}, {xr}", "vmovdqu {yr}, {m}", "vaddps {m}, {zr}, {zr}",
         "pushq {m}", "pushl {m}", "pushw {m}", "incl {m}", "movzbl {m}, {l}",
         "btl {l}, {m}", "cmpxchgl {l}, {m}", "movdqa {m}, {xr}", "leal {m}, {l}"]

T = []
for op in ALU:
    T += ["%sb $0x12, %%al" % op, "%sw $0x1234, %%ax" % op, "%sl $0x12345678, %%eax" % op,
          "%sq $0x12345678, %%rax" % op, "%sb $5, {b}" % op, "%sl $-3, {l}" % op,
          "%sl $0x1234, {l}" % op, "%s {l}, {l}" % op, "{load} %s {l}, {l}" % op,
          "%s {q}, {q}" % op, "lock %sq {q}, {m}" % op, "lock %sb $1, {m}" % op]
for op in ["inc", "dec", "not", "neg", "mul", "imul", "div", "idiv"]:
    T += ["%sb {m}" % op, "%sw {m}" % op, "%sl {m}" % op, "%sq {m}" % op,
          "%sl {l}" % op, "%sb {b}" % op, "%sw {w}" % op, "%sq {q}" % op]
T += ["lock incq {m}", "lock notw {m}", "lock negb {m}", "incl %eax", "decw %di",
      "imul {m}, {l}", "imul $0x12, {m}, {l}", "imul $0x12345, {m}, {l}",
      "imulw $0x1234, {m}, {w}", "imul $-5, {l}, {l}", "imul {q}, {q}",
      "testb $0x12, {m}", "testw $0x1234, {m}", "testq $-1, {m}", "test {l}, {m}",
      "test {b}, {b}", "test $0x12, %al", "test $0x1234, %ax", "test $0x12345678, %eax",
      "test $-1, %rax", "testw $0x1234, {w}"]
for op in ["rol", "ror", "rcl", "rcr", "shl", "shr", "sar", "sal"]:
    T += ["%sb {m}" % op, "%sw $1, {m}" % op, "%sl $5, {m}" % op, "%sq %%cl, {m}" % op,
          "%sb %%cl, {b}" % op, "%sl $31, {l}" % op]
T += ["shld $5, {l}, {m}", "shrd %cl, {w}, {m}", "shldq %cl, {q}, {q}",
      "shrdl $3, {l}, {l}"]
T += ["movb $0x12, {b}", "movw $0x1234, {w}", "movl $0x12345678, {l}",
      "movq $0x12345678, {q}", "movabsq $0x1122334455667788, {q}", "mov {l}, {l}",
      "{load} mov {l}, {l}", "movb {b}, {b}",
      "movabs 0x1122334455667788, %al", "movabs %eax, 0x1122334455667788",
      "movabs 0x1122334455667788, %rax", "movabs %ax, 0x1122334455667788",
      "addr32 movabs 0x12345678, %eax", "addr32 mov %al, 0x12345678",
      "mov 0x12345678, %al", "mov %ax, 0x1234", "mov 0x1234, %eax", "mov %eax, 0x12345678",
      "addr16 mov 0x1234, %eax", "addr32 mov 0x12345678, %al", "data16 mov %eax, 0x1234",
      "mov %ds, {m}", "mov {m}, %es", "mov %ss, %ax", "mov %fs, %eax", "mov %ax, %ds",
      "mov %gs, %rax", "mov %eax, %ss", "movw %cs, {m}",
      "mov %cr0, %eax", "mov %cr0, %rax", "mov %rax, %cr4", "mov %eax, %cr3",
      "mov %cr8, %rax", "mov %rax, %cr8", "mov %dr7, %rax", "mov %eax, %dr0",
      "mov %dr6, %eax", "mov %cr2, %r9"]
for op in ["movzbl", "movzwl", "movzbw", "movzbq", "movzwq", "movsbl", "movswl",
           "movsbw", "movsbq", "movswq", "movslq"]:
    d = {"l": "{l}", "w": "{w}", "q": "{q}"}[op[-1]]
    T += ["%s {m}, %s" % (op, d)]
T += ["movzbl {b}, {l}", "movsbq {b}, {q}", "movslq {l}, {q}", "movswl {w}, {l}",
      "leaq {m}, {q}", "leaw {m}, {w}", "xchg {l}, {m}", "xchgb {b}, {m}", "xchgq {q}, {m}",
      "xchg %eax, %ecx", "xchg %ax, %dx", "xchg %rax, %r8", "xchg %r9, %rax",
      "xchg %eax, %eax", "nop", "pause", "xchg {l}, {l}",
      "cmpxchgb {b}, {m}", "cmpxchgw {w}, {m}", "cmpxchgq {q}, {m}",
      "lock cmpxchgl {l}, {m}", "cmpxchg {l}, {l}", "cmpxchg8b {m}", "lock cmpxchg8b {m}",
      "cmpxchg16b {m}", "lock cmpxchg16b {m}", "xaddl {l}, {m}", "lock xaddq {q}, {m}",
      "xaddb {b}, {b}",
      "btsw {w}, {m}", "btrq {q}, {m}", "btcl $5, {m}", "btw $0x3f, {m}",
      "btq $63, {m}", "bt $3, {l}", "lock btsl {l}, {m}", "lock btrw $1, {m}",
      "btc {q}, {q}", "bsf {m}, {l}", "bsr {m}, {w}", "popcnt {m}, {l}",
      "lzcnt {m}, {q}", "tzcnt {m}, {l}", "popcnt {q}, {q}", "bswap %eax", "bswap %r9",
      "bswap %edi", "cmovz {m}, {l}", "cmovg {l}, {l}", "cmovbq {m}, {q}", "cmovsw {m}, {w}",
      "setz {m}", "setb %al", "setg %r9b", "setnp {b}"]
T += ["jz .+2", "jz .+0x80", "jz .-0x7e", "jz .+0x1000", "jnz .-0x1000", "jo .+0x200",
      "js .+2", "jg .+0x300", "jmp .+2", "jmp .+0x1000", "call .+0x1000", "call .-0x100",
      "jmp *{m}", "call *{m}", "jmp *%rax", "jmp *%eax", "call *%r11", "call *%ecx",
      "jmp *%ax", "ljmp *{m}", "lcall *{m}", "ljmpq *{m}", "ljmpw *{m}",
      "ljmp $0x10, $0x1234", "lcall $0x10, $0x12345678", "ljmpw $0x18, $0x1234",
      "loop .+2", "loopz .+2", "loopnz .-0x10", "jecxz .+2", "jrcxz .+2", "jcxz .+2",
      "callw .+0x100", "jmpw .+0x100", "data16 jz .+0x100", "notrack jmp *%rax",
      "bnd jmp .+0x100", "ret", "ret $0x10", "retw", "retw $4", "lret", "lret $8",
      "lretq", "iret", "iretw", "iretq", "enter $0x10, $1", "enterw $0x1234, $0",
      "enterq $0x8, $2", "leave", "leavew", "int3", "int $0x80", "into", "int1",
      "sysretq", "sysretl", "sysexitl", "sysexitq"]
T += ["pushq {m}", "popq {m}", "pushw {m}", "popw {m}", "pushl {m}", "popl {m}",
      "push $0x12", "push $0x12345678", "pushw $0x1234", "pushq $-1", "pushl $0x12",
      "push %rax", "push %r12", "pop %rbx", "pop %r15", "pushw %ax", "push %eax",
      "pop %edi", "push %fs", "pop %gs", "push %es", "pop %ds", "push %cs", "push %ss",
      "pop %ss", "pushw %fs", "pusha", "popa", "pushal", "popaw", "pushf", "popf",
      "pushfq", "popfw", "pushfl"]
T += ["lahf", "sahf", "clc", "stc", "cmc", "cld", "std", "cli", "sti", "hlt", "cbw",
      "cwde", "cdqe", "cwd", "cdq", "cqo", "xlat", "wait", "aaa", "aas", "daa", "das",
      "aam", "aam $0x10", "aad", "aad $0x10", "bound {l}, {m}", "boundw {w}, {m}",
      "les {m}, {l}", "lds {m}, {w}", "lss {m}, {l}", "lfs {m}, {q}", "lgs {m}, {w}",
      "arpl {w}, {m}", "arpl %ax, %cx"]
T += ["movsb", "movsw", "movsl", "movsq", "rep movsb", "rep movsl", "rep stosq",
      "repne scasb", "repe cmpsw", "lodsl", "stosb", "insb", "insw", "outsl",
      "rep insb", "rep outsw", "movsb %fs:(%rsi), %es:(%rdi)",
      "movsb %fs:(%esi), %es:(%edi)", "movsb %fs:(%si), %es:(%di)", "addr32 rep movsb",
      "addr16 movsb", "addr32 stosw", "rep lodsq", "repne cmpsb", "repe scasl",
      "cmpsq", "scasw", "outsb %gs:(%rsi), (%dx)", "outsb %gs:(%esi), (%dx)"]
T += ["in $0x60, %al", "in $0x60, %eax", "in $0x60, %ax", "in %dx, %al", "in %dx, %ax",
      "in %dx, %eax", "out %al, $0x80", "out %eax, %dx", "out %ax, $0x80", "out %al, %dx"]
T += ["lgdt {m}", "sgdt {m}", "lidt {m}", "sidt {m}", "lldt {m}", "sldt {m}", "ltr {m}",
      "str {m}", "verr {m}", "verw {m}", "lmsw {m}", "smsw {m}", "smsw %eax", "sldt %eax",
      "lldt %ax", "invlpg {m}", "lar {m}, {l}", "lsl {m}, {l}", "lar %ax, %eax", "clts",
      "invd", "wbinvd", "cpuid", "rdtsc", "rdtscp", "rdmsr", "wrmsr", "rdpmc", "syscall",
      "sysenter", "sysexit", "swapgs", "ud2", "vmcall", "vmlaunch", "vmresume",
      "vmxoff", "vmrun", "vmmcall", "vmload", "vmsave", "stgi", "clgi", "skinit",
      "invlpga", "monitor", "mwait", "xgetbv", "xsetbv", "clac", "stac", "rsm",
      "vmfunc", "xend", "xtest", "xabort $1", "xbegin .+0x100", "encls", "enclu",
      "rdpkru", "wrpkru", "clzero", "monitorx", "mwaitx", "rdpid %rax", "rdpid %eax",
      "vmptrld {m}", "vmclear {m}", "vmxon {m}", "vmptrst {m}", "vmread %rax, {m}",
      "vmwrite {m}, %rax", "vmread %eax, {m}", "vmwrite {m}, %eax", "invept {m}, %rax",
      "invvpid {m}, %rax", "invpcid {m}, %rax", "invept {m}, %eax", "xsave {m}",
      "xrstor {m}", "xsaveopt {m}", "xsavec {m}", "xsaves {m}", "xrstors {m}",
      "xsave64 {m}", "fxsave {m}", "fxrstor {m}", "fxsave64 {m}", "ldmxcsr {m}",
      "stmxcsr {m}", "clflush {m}", "clflushopt {m}", "clwb {m}", "lfence", "mfence",
      "sfence", "prefetchnta {m}", "prefetcht0 {m}", "prefetcht1 {m}", "prefetcht2 {m}",
      "prefetchw {m}", "prefetch {m}", "prefetchwt1 {m}", "rdrand %eax", "rdrand %ax",
      "rdseed %rax", "@64 rdfsbase %rax", "@64 wrgsbase %eax", "@64 rdgsbase %r9",
      "@64 wrfsbase %rbx",
      "movbe {m}, {l}", "movbe {w}, {m}", "movbe {m}, {q}", "crc32b {m}, {l}",
      "crc32l {l}, {l}", "crc32q {m}, %rax", "crc32w {m}, {l}", "adcx {m}, {l}",
      "adox {m}, {q}", "endbr64", "endbr32", "nopw {m}", "nopl {m}", "nopq {m}",
      "nopl {l}", "ud1 {m}, %eax", "ud1 %eax, %ecx", "serialize", "wbnoinvd",
      "movdiri {l}, {m}", "movdir64b {m}, %rax", "movdir64b {m}, %eax", "ptwrite {m}",
      "getsec", "lwpval $0x12345678, {m}, %eax", "lwpins $1, {l}, %eax", "llwpcb %eax",
      "slwpcb %rax", "cldemote {m}", "tpause %eax", "umwait %ecx", "umonitor %rax"]
T += ["flds {m}", "fldl {m}", "fldt {m}", "fstps {m}", "fstl {m}", "fistpll {m}",
      "fildl {m}", "fiadds {m}", "fimull {m}", "fnstsw {m}", "fnstsw %ax", "fnstcw {m}",
      "fldcw {m}", "fnstenv {m}", "fldenv {m}", "fnsave {m}", "frstor {m}", "fbld {m}",
      "fbstp {m}", "fisttpl {m}", "fisttpll {m}", "fcoms {m}", "fcompl {m}",
      "fdivrs {m}", "fsubl {m}", "fadd %st(1), %st", "fmul %st, %st(2)", "fxch %st(3)",
      "fucomip %st(1), %st", "fcomi %st(2), %st", "fcmovb %st(2), %st",
      "fcmovnbe %st(1), %st", "fsin", "fcos", "fsincos", "fsqrt", "fld1", "fldz", "fldpi",
      "fldl2e", "fchs", "fabs", "fnop", "fninit", "fnclex", "ffree %st(1)", "ffreep %st(2)",
      "faddp", "fmulp %st, %st(3)", "fcompp", "fucompp", "ftst", "fxam", "f2xm1", "fyl2x",
      "fyl2xp1", "fprem", "fprem1", "fscale", "frndint", "fxtract", "fpatan", "fptan",
      "fdecstp", "fincstp", "fld %st(5)", "fstp %st(1)", "fst %st(7)", "fucom %st(2)",
      "fcom %st(1)", "fcomp %st(3)", "fsubrp", "fdivp", "fidivrl {m}", "fnstenv {m}"]
T += ["paddb {m}, %mm1", "movq {m}, %mm0", "movq %mm1, {m}", "movd {m}, %mm2",
      "movd %mm3, %eax", "movq %mm3, %rax", "pshufw $0x1b, {m}, %mm1", "psrlw $3, %mm2",
      "psllq $5, %mm0", "psrad $1, %mm7", "emms", "pmovmskb %mm1, %eax",
      "maskmovq %mm1, %mm2", "movntq %mm0, {m}", "pinsrw $2, {m}, %mm1",
      "pextrw $1, %mm2, %eax", "pshufb {m}, %mm1", "palignr $3, {m}, %mm1",
      "pmaddwd %mm1, %mm2", "punpckhbw {m}, %mm3", "packuswb %mm4, %mm5", "pxor {m}, %mm1",
      "pavgb {m}, %mm2", "psadbw %mm1, %mm2", "pmulhuw {m}, %mm1", "pabsw {m}, %mm1",
      "phaddd %mm1, %mm2", "psignb {m}, %mm2", "pmulhrsw %mm3, %mm4", "movq2dq %mm1, %xmm2",
      "movdq2q %xmm1, %mm2", "cvtpi2ps {m}, %xmm1", "cvtps2pi {m}, %mm1",
      "cvttpd2pi {m}, %mm2", "cvtpi2pd %mm1, %xmm3"]
T += ["pfadd {m}, %mm1", "pfmul %mm2, %mm3", "pi2fd {m}, %mm0", "pavgusb {m}, %mm1",
      "pfrcp %mm1, %mm2", "femms", "pswapd {m}, %mm1", "pf2iw {m}, %mm2", "pfnacc %mm1, %mm2",
      "pfcmpge {m}, %mm3", "pmulhrw %mm4, %mm5", "pfrsqit1 {m}, %mm6", "pfmax %mm1, %mm0"]
SSE_RM = ["addps", "addss", "addsd", "addpd", "mulps", "subps", "divps", "sqrtps",
          "rsqrtps", "rcpps", "minps", "maxps", "andps", "andnps", "orps", "xorps",
          "unpcklps", "unpckhps", "comiss", "ucomisd", "cvtss2sd", "cvtps2pd", "cvtdq2ps",
          "cvtps2dq", "cvttps2dq", "cvtpd2dq", "cvttpd2dq", "cvtdq2pd", "cvtsd2ss",
          "paddq", "pmuludq", "punpcklqdq", "punpckhqdq", "packsswb", "pcmpeqb", "pmaxsw",
          "psubusb", "pandn", "por", "psllw", "psrld", "haddps", "hsubpd", "addsubps",
          "addsubpd", "lddqu", "movddup", "movshdup", "movsldup", "pshufb", "phaddw",
          "pmaddubsw", "pmulhrsw", "pabsb", "psignd", "ptest", "pmovzxbw", "pmovsxdq",
          "pmuldq", "pcmpeqq", "packusdw", "pminsb", "pmaxud", "pmulld", "phminposuw",
          "pcmpgtq", "aesenc", "aesdeclast", "aesimc", "sha1nexte", "sha1msg1",
          "sha256msg1", "sha256msg2", "gf2p8mulb", "movapd", "movupd", "movlps",
          "movlpd", "movhps", "movhpd", "movntdqa", "movdqu", "movups", "movss", "movsd",
          "pmovsxbq", "pminuw", "pmaxsb", "pmulhw", "pavgw", "psadbw", "pshufb",
          "cvtps2pd", "rcpss", "rsqrtss", "sqrtsd", "divsd", "minsd", "maxss", "comisd"]
for op in SSE_RM:
    T += ["%s {m}, {xr}" % op]
for op in ["addps", "movaps", "pxor", "pshufb", "pminud", "movsd", "movss", "movq"]:
    T += ["%s {xr}, {xr}" % op]
T += ["movaps {xr}, {m}", "movups {xr}, {m}", "movss {xr}, {m}", "movsd {xr}, {m}",
      "movapd {xr}, {m}", "movupd {xr}, {m}", "movdqa {xr}, {m}", "movdqu {xr}, {m}",
      "movd {m}, {xr}", "movd {xr}, {m}", "movq {m}, {xr}", "movq {xr}, {m}", "movq %rax, {xr}",
      "movq {xr}, %rcx", "movd {xr}, %eax", "movd %eax, {xr}", "movlps {xr}, {m}",
      "movhps {xr}, {m}", "movhlps %xmm1, %xmm2", "movlhps %xmm3, %xmm4", "movlpd {xr}, {m}",
      "movhpd {xr}, {m}", "movntps {xr}, {m}", "movntpd {xr}, {m}", "movntdq {xr}, {m}",
      "movnti %eax, {m}", "movnti %rax, {m}", "movntss %xmm1, {m}", "movntsd %xmm2, {m}",
      "cmpps $3, {m}, {xr}", "cmpeqps {m}, {xr}", "cmpltss {m}, {xr}", "cmpsd $5, {m}, {xr}",
      "shufps $0x1b, {m}, {xr}", "shufpd $1, {m}, {xr}", "cvtsi2ssl {m}, {xr}",
      "cvtsi2sdq %rax, {xr}", "cvtsi2sd %eax, {xr}", "cvttss2si {m}, %eax",
      "cvtsd2si {xr}, %rax", "cvttsd2si {m}, %r9", "pshufd $0x1b, {m}, {xr}",
      "pshufhw $1, {m}, {xr}", "pshuflw $2, {m}, {xr}", "psrldq $3, {xr}", "pslldq $4, {xr}",
      "psrlw $2, {xr}", "psraw $3, {xr}", "psrad $1, {xr}", "psllq $5, {xr}", "psrlq $7, {xr}",
      "pmovmskb %xmm1, %eax", "maskmovdqu %xmm1, %xmm2", "pinsrw $3, {m}, {xr}",
      "pextrw $2, %xmm1, %eax", "pextrw $2, %xmm1, {m}", "movmskps %xmm1, %eax",
      "movmskpd %xmm2, %ecx", "pblendvb %xmm0, {m}, {xr}", "blendvps %xmm0, {m}, {xr}",
      "blendvpd {m}, {xr}", "palignr $5, {m}, {xr}", "roundps $1, {m}, {xr}",
      "roundsd $2, {m}, {xr}", "blendps $3, {m}, {xr}", "pblendw $0x55, {m}, {xr}",
      "dpps $0xff, {m}, {xr}", "mpsadbw $1, {m}, {xr}", "pextrb $3, {xr}, {m}",
      "pextrd $1, {xr}, %eax", "pextrq $1, {xr}, %rax", "extractps $2, {xr}, {m}",
      "pinsrb $1, {m}, {xr}", "insertps $0x10, {m}, {xr}", "pinsrq $1, %rax, {xr}",
      "pinsrd $2, {m}, {xr}", "pcmpestri $0x0c, {m}, {xr}", "pcmpistrm $0x40, {m}, {xr}",
      "pcmpestrm $1, {xr}, {xr}", "pcmpistri $2, {m}, {xr}", "pclmulqdq $0x11, {m}, {xr}",
      "aeskeygenassist $1, {m}, {xr}", "sha1rnds4 $2, {m}, {xr}",
      "sha256rnds2 %xmm0, {m}, {xr}", "gf2p8affineqb $1, {m}, {xr}",
      "gf2p8affineinvqb $2, {m}, {xr}", "extrq $3, $4, {xr}", "insertq $1, $2, %xmm2, %xmm1",
      "extrq %xmm2, %xmm1", "insertq %xmm2, %xmm1", "roundss $4, {xr}, {xr}",
      "dppd $0x31, {m}, {xr}", "blendpd $1, {xr}, {xr}", "pmovzxdq {xr}, {xr}"]
AVX_3 = ["vaddps", "vmulpd", "vxorps", "vpxor", "vpshufb", "vfmadd231ps", "vpsllvd",
         "vhaddps", "vpermd", "vpermps", "vpsravd", "vandnps", "vpaddq", "vpmaxsd",
         "vunpcklpd", "vpcmpgtb", "vpmuludq", "vfnmsub213pd", "vfmaddsub132ps", "vdivps",
         "vpackssdw", "vpsubusw"]
for op in AVX_3:
    T += ["%s {m}, {yr}, {yr}" % op, "%s {xr}, {xr}, {xr}" % op]
T += ["vmovaps {m}, {yr}", "vmovups {yr}, {m}", "vmovdqa {m}, {xr}", "vmovdqu {yr}, {m}",
      "vmovapd {xr}, {m}", "vmovupd {m}, {yr}", "vaddss {m}, {xr}, {xr}", "vsqrtps {m}, {yr}",
      "vrcpss {m}, {xr}, {xr}", "vpshufd $0x1b, {m}, {yr}", "vpermq $0x1b, {m}, {yr}",
      "vpermpd $0x4e, {yr}, {yr}", "vperm2f128 $0x20, {m}, {yr}, {yr}",
      "vperm2i128 $0x31, {yr}, {yr}, {yr}", "vinsertf128 $1, {m}, {yr}, {yr}",
      "vextracti128 $1, {yr}, {m}", "vextractf128 $1, {yr}, {xr}", "vbroadcastss {m}, {yr}",
      "vbroadcastsd {m}, {yr}", "vpbroadcastd {m}, {xr}", "vpbroadcastb {xr}, {yr}",
      "vbroadcasti128 {m}, {yr}", "vbroadcastf128 {m}, {yr}", "vzeroupper", "vzeroall",
      "vfnmadd132sd {m}, {xr}, {xr}", "vfmadd213ss {xr}, {xr}, {xr}",
      "vpgatherdd %xmm2, (%rax,%xmm1,4), %xmm3", "vpgatherdd %xmm2, (%eax,%xmm1,4), %xmm3",
      "vgatherqpd %ymm2, 0x10(%rax,%ymm1,8), %ymm3",
      "vgatherdps %ymm2, 0x10(%ebx,%ymm1,2), %ymm3",
      "vpblendvb %ymm3, {m}, {yr}, {yr}", "vblendvps %xmm3, {m}, {xr}, {xr}",
      "vcvtph2ps {m}, {yr}", "vcvtps2ph $0, {yr}, {m}", "vpmaskmovd {m}, {yr}, {yr}",
      "vmaskmovps {yr}, {yr}, {m}", "vtestps {m}, {yr}", "vptest {m}, {yr}",
      "vpsrlw $3, {yr}, {yr}", "vpslldq $4, {yr}, {yr}", "vpsrad $5, {xr}, {xr}", "vmovd {m}, {xr}",
      "vmovq {xr}, {m}", "vmovq %rax, {xr}", "vmovd %xmm1, %eax", "vpextrq $1, {xr}, %rax",
      "vpextrb $1, {xr}, {m}", "vpinsrd $1, {m}, {xr}, {xr}", "vpinsrq $1, %rax, {xr}, {xr}",
      "vcvtsi2sdq %rax, {xr}, {xr}", "vcvtsi2ssl {m}, {xr}, {xr}", "vcvttss2si {m}, %eax",
      "vcvtsd2si {xr}, %rax", "vcomiss {m}, {xr}", "vucomisd {xr}, {xr}", "vldmxcsr {m}",
      "vstmxcsr {m}", "vmovmskps {yr}, %eax", "vpmovmskb {yr}, %eax",
      "vmaskmovdqu %xmm1, %xmm2", "vlddqu {m}, {yr}", "vmovntdq {yr}, {m}",
      "vmovntps {xr}, {m}", "vmovntdqa {m}, {yr}", "vpclmulqdq $0x11, {m}, {xr}, {xr}",
      "vaesenc {m}, {xr}, {xr}", "vaesimc {m}, {xr}", "vaeskeygenassist $3, {xr}, {xr}",
      "vroundps $1, {m}, {yr}", "vdpps $0xff, {m}, {yr}, {yr}", "vpalignr $3, {m}, {yr}, {yr}",
      "vpermilps $1, {m}, {yr}", "vpermilps {m}, {yr}, {yr}", "vpblendd $0x0f, {m}, {yr}, {yr}",
      "vcvttps2dq {m}, {yr}", "vcmpps $3, {m}, {yr}, {yr}", "vcmpeqss {m}, {xr}, {xr}",
      "vmovss {m}, {xr}", "vmovss {xr}, {xr}, {xr}", "vmovsd {xr}, {m}", "vmovlps {m}, {xr}, {xr}",
      "vmovhps {xr}, {m}", "vmovhlps {xr}, {xr}, {xr}", "vmovshdup {m}, {yr}",
      "vmovddup {m}, {yr}", "vshufps $0x1b, {m}, {yr}, {yr}", "vpextrw $2, {xr}, %eax",
      "vpinsrw $3, {m}, {xr}, {xr}", "vmpsadbw $1, {m}, {yr}, {yr}", "vpmovzxbd {m}, {yr}",
      "vphminposuw {m}, {xr}", "vpcmpestri $0x0c, {m}, {xr}", "vgf2p8mulb {m}, {xr}, {xr}",
      "vcvtpd2psy {m}, {xr}", "vcvtdq2pd {xr}, {yr}", "vextractps $1, {xr}, {m}",
      "vinsertps $0x10, {m}, {xr}, {xr}", "{vex3} vaddps {xr}, {xr}, {xr}",
      "{vex3} vmovaps {m}, {xr}", "vpdpbusd {m}, {yr}, {yr}" ]
T += ["andn {m}, %eax, %ebx", "andn %r8, %r9, %r10", "bextr %ecx, {m}, %edx",
      "bextr %rax, %rbx, %rcx", "blsr {m}, %eax", "blsi %ecx, %edx", "blsmsk {m}, %rax",
      "bzhi %eax, {m}, %ebx", "pdep {m}, %eax, %ebx", "pext %rax, %rbx, %rcx",
      "mulx {m}, %eax, %ebx", "rorx $3, {m}, %eax", "rorx $60, %rax, %rbx",
      "sarx %eax, {m}, %ebx", "shlx %rax, %rbx, %rcx", "shrx %ecx, {m}, %edx"]
T += ["vfmaddps %xmm1, {m}, %xmm2, %xmm3", "vfmaddps {m}, %xmm1, %xmm2, %xmm3",
      "vfmaddsd %xmm1, %xmm2, %xmm3, %xmm4", "vfmsubaddpd %ymm1, {m}, %ymm2, %ymm3",
      "vpcmov %xmm1, {m}, %xmm2, %xmm3", "vpcmov {m}, %ymm1, %ymm2, %ymm3",
      "vprotd $3, {m}, %xmm1", "vprotb %xmm1, {m}, %xmm2", "vprotq {m}, %xmm1, %xmm2",
      "vpcomltb {m}, %xmm1, %xmm2", "vpcomequq %xmm1, %xmm2, %xmm3", "vphaddbd {m}, %xmm1",
      "vphsubdq %xmm1, %xmm2", "vfrczps {m}, %xmm1", "vfrczsd %xmm1, %xmm2",
      "vpmacsdd %xmm1, {m}, %xmm2, %xmm3", "vpperm %xmm1, {m}, %xmm2, %xmm3",
      "vpshab {m}, %xmm1, %xmm2", "vpshld %xmm1, {m}, %xmm2", "vpermil2ps $1, %xmm1, {m}, %xmm2, %xmm3",
      "bextr $0x1234, {m}, %eax", "bextr $0x12345678, %rax, %rbx", "blcfill {m}, %eax",
      "blci %rax, %rbx", "tzmsk {m}, %ecx", "t1mskc %eax, %ebx"]
T += ["vmovdqu64 {m}, {zr}", "vmovdqa32 {zr}, {m}", "vmovups {m}, %zmm1{%k1}{z}",
      "vaddps {m}, {zr}, {zr}", "vaddps {m}{1to16}, %zmm1, %zmm2",
      "vaddpd {m}{1to8}, %zmm1, %zmm2{%k3}", "vaddpd {rn-sae}, %zmm1, %zmm2, %zmm3",
      "vaddps {rz-sae}, %zmm1, %zmm2, %zmm3{%k1}{z}", "vmaxps {sae}, %zmm1, %zmm2, %zmm3",
      "vpaddd %zmm1, %zmm2, %zmm3{%k2}", "vpternlogd $0xff, {m}, {zr}, {zr}",
      "vcmpps $1, {m}, %zmm1, %k1", "vpcmpeqd {m}, %zmm1, %k2", "vpcmpud $2, {m}, %zmm1, %k3",
      "kmovw %k1, %eax", "kmovw %eax, %k2", "kmovq {m}, %k1", "kmovd %k1, {m}",
      "kmovb %k2, %k3", "kandw %k1, %k2, %k3", "kandnq %k1, %k2, %k3", "kortestw %k1, %k2",
      "ktestd %k1, %k2", "kshiftlw $3, %k1, %k2", "kunpckbw %k1, %k2, %k3",
      "kxnord %k1, %k2, %k3", "knotb %k1, %k2", "kaddw %k1, %k2, %k3",
      "vpbroadcastd %eax, {zr}", "vpbroadcastq %rax, {zr}", "vbroadcastf32x4 {m}, {zr}",
      "vbroadcasti64x4 {m}, {zr}", "vextracti64x4 $1, {zr}, {m}",
      "vinserti32x8 $1, {m}, {zr}, {zr}", "vshuff64x2 $0x1b, {m}, {zr}, {zr}",
      "vpgatherdd 0x40(%rax,%zmm1,4), %zmm2{%k1}", "vpgatherdd 0x40(%eax,%zmm1,4), %zmm2{%k1}",
      "vpscatterdd %zmm2, 0x40(%rax,%zmm1,4){%k1}", "vgatherqps 8(%rbx,%zmm3,8), %ymm2{%k2}",
      "vpermt2d {m}, {zr}, {zr}", "vpermi2q {m}, {zr}, {zr}", "vpcompressd %zmm1, {m}{%k1}",
      "vpexpandd {m}, %zmm1{%k1}", "vcvtps2ph $0, %zmm1, {m}", "vcvtudq2ps {m}, {zr}",
      "vcvttss2usi {m}, %eax", "vcvtusi2sd %eax, %xmm1, %xmm2", "vcvtusi2ssq %rax, %xmm1, %xmm2",
      "vpmovqb %zmm1, {m}", "vpmovusdw %zmm1, {m}", "vpmovm2d %k1, {zr}", "vpmovd2m {zr}, %k1",
      "vpmovb2m %zmm1, %k2", "vpabsq {m}, {zr}", "vpsllvw {m}, {zr}, {zr}",
      "vpshufbitqmb {m}, %zmm1, %k1", "vpdpbusd {m}, {zr}, {zr}", "vpopcntd {m}, {zr}",
      "vgf2p8affineqb $1, {m}, {zr}, {zr}", "vaesenc {m}, {zr}, {zr}",
      "vpmadd52luq {m}, {zr}, {zr}", "vpermb {m}, {zr}, {zr}", "vpcompressb %zmm1, {m}{%k1}",
      "vpshldd $3, {m}, {zr}, {zr}", "vcvtne2ps2bf16 {m}, {zr}, {zr}", "vdpbf16ps {m}, {zr}, {zr}",
      "vp2intersectd {m}, %zmm1, %k2", "vaddps %xmm17, %xmm18, %xmm19",
      "vaddps {m}, %ymm17, %ymm18{%k1}", "vmovdqu8 {m}, {zr}", "vmovdqu16 {zr}, {m}",
      "vpmovzxbw {m}, {zr}", "vpsrldq $4, {m}, {zr}", "vpsrad $3, {m}, {zr}",
      "vfixupimmps $1, {m}, {zr}, {zr}", "vgetexpps {m}, {zr}", "vrndscaleps $1, {m}, {zr}",
      "vreduceps $1, {m}, {zr}", "vfpclasspsz $1, {m}, %k1", "vrsqrt14ps {m}, {zr}",
      "vscalefps {m}, {zr}, {zr}", "vaddph {m}, {zr}, {zr}", "vfmadd231ph {m}, {zr}, {zr}",
      "vcvtph2psx {m}, {zr}", "vmovsh {m}, %xmm1", "vaddps {m}, %xmm1, %xmm2{%k1}",
      "{evex} vaddps {m}, %xmm1, %xmm2", "{evex} vmovdqu64 {m}, %ymm1",
      "vpbroadcastmw2d %k1, {zr}", "vpconflictd {m}, {zr}", "vplzcntq {m}, {zr}",
      "vexp2ps {m}, %zmm1", "vrcp28ps {m}, %zmm1", "vgatherpf0dps 0x10(%rax,%zmm1,4){%k1}",
      "vpmultishiftqb {m}, {zr}, {zr}", "vpshufb {m}, {zr}, {zr}{%k7}",
      "vmovdqa64 {m}, %ymm19", "vpandq {m}{1to8}, %zmm20, %zmm21",
      "vcvtpd2dq {m}{1to8}, %ymm1", "vcmpeqps {m}, %ymm1, %k1", "vptestmd {m}, {zr}, %k1",
      "vptestnmb {m}, {zr}, %k2", "vpsraq $5, {m}{1to8}, {zr}", "vpsrlvq {m}, {zr}, {zr}",
      "vpmullq {m}, {zr}, {zr}", "vrangeps $1, {m}, {zr}, {zr}", "vextractf32x4 $1, {zr}, {m}",
      "vinsertf64x2 $1, {m}, {zr}, {zr}", "valignd $3, {m}, {zr}, {zr}", "vdbpsadbw $1, {m}, {zr}, {zr}",
      "vpcmpb $1, {m}, {zr}, %k1", "vcvtqq2pd {m}, {zr}", "vcvtps2qq {m}, {zr}"]
# Prefixes: redundant and repeated ones, REX not last (ignored), the 15-byte limit.
# Explicit prefix bytes must not change what GNU as meant (a 66 in 16-bit code would),
# hence the mode tags.
T += ["@3264 .byte 0x66, 0x66; movw $0x1234, {m}", ".byte 0x2e, 0x3e, 0x26; movl {l}, {m}",
      ".byte 0xf3, 0xf2; movsb", "@64 .byte 0x48, 0x66; movw $1, %ax",
      "@64 .byte 0x41, 0x2e; movl %eax, (%rbx)", "@64 .byte 0x48, 0x48; movl %eax, %ecx",
      "@64 .byte 0x40; movb %al, (%rbx)", "@64 .byte 0x4f, 0x2e, 0x41; movl $1, (%r8)",
      ".byte 0x66, 0x67, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65; nop",
      "@64 .byte 0x2e, 0x2e; lock addl $0x12345678, %fs:0x12345678(%rax,%rbx,4)",
      "@32 .byte 0x26, 0x26; lock addl $0x12345678, %fs:0x12345678(%eax,%ebx,4)",
      "@16 lock addl $0x12345678, %fs:0x12345678(%eax,%ebx,4)",
      "@64 .byte 0x2e, 0x2e, 0x2e, 0x2e, 0x2e; movabs $0x1122334455667788, %rax",
      "@64 .byte 0x3e, 0x3e, 0x3e, 0x3e; data16 lock cmpxchg16b 0x12345678(%rax,%rbx,4)",
      ".byte 0xf2; addl $1, {m}", ".byte 0xf3; addl $1, {m}", ".byte 0x66, 0xf3; movsl",
      "rex.W add %eax, (%rbx)", "rex.B nop", "rex64 addl $1, {m}", "rex.WRXB xchg %eax, %eax",
      "{disp8} movl {l}, 0(%rbp)", "{disp32} movl {l}, 0x10(%rax)", "data16 data16 movl $1, %eax",
      "addr32 addr32 movl %eax, (%esi)", ".byte 0x66; lock incl (%rax)",
      ".byte 0x67, 0x66; movsl", ".byte 0x64, 0x65, 0x64; movl (%rbx), %eax",
      ".byte 0x64, 0x65, 0x64; movl (%ebx), %eax", ".byte 0x64, 0x65, 0x64; movl (%bx), %eax"]

CORE_SET = set(CORE)


def expand(tmpl, mode, n):
    """Up to n variants of a template for a mode ("@64 ..." templates: 64-bit only;
    GNU as accepts some instructions in modes where they are undefined)."""
    if tmpl.startswith("@"):
        tag, tmpl = tmpl[1:].split(" ", 1)
        if str(mode) not in re.findall("..", tag):
            return
    regs = REGS[mode]
    keys = re.findall(r"\{([a-z0-9-]+)\}", tmpl)
    keys = [k for k in keys if k in regs or k == "m"]
    if not keys:
        yield tmpl
        return
    mem = MEM[mode]
    h = sum(map(ord, tmpl))  # deterministic spread over the forms
    for i in range(n):
        out, used = tmpl, {}
        for k in keys:
            if k == "m":
                choice = mem[(h + i) % len(mem)]
            else:
                if not regs[k]:
                    return
                choice = regs[k][(h + i + used.get(k, 0)) % len(regs[k])]
                used[k] = used.get(k, 0) + 1
            out = out.replace("{" + k + "}", choice, 1)
        if "{disp32} " in out[1:]:  # a pseudo-prefix: it goes before the mnemonic
            out = "{disp32} " + out.replace("{disp32} ", "")
        yield out


def accepted(lines, mode):
    """The lines GNU as assembles without error in this mode."""
    good = list(lines)
    for _ in range(3):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "t.s")
            with open(src, "w") as f:
                f.write(".code%d\n" % mode + "".join(l + "\n" for l in good))
            p = subprocess.run(["as", "--64", "-o", os.path.join(d, "t.o"), src],
                               capture_output=True, text=True)
        bad = set()
        for line in p.stderr.splitlines():
            m = re.match(r".*t\.s:(\d+): (Error|Warning)", line)
            if m:
                bad.add(int(m.group(1)) - 2)
        if not bad:
            return good
        good = [l for i, l in enumerate(good) if i not in bad]
    raise SystemExit("as keeps failing in mode %d" % mode)


def main():
    for mode in (16, 32, 64):
        cand, seen = [], set()
        for tmpl in CORE + T:
            n = len(MEM[mode]) if tmpl in CORE_SET else 3
            for line in expand(tmpl, mode, n):
                if line not in seen:
                    seen.add(line)
                    cand.append(line)
        good = accepted(cand, mode)
        path = os.path.join(HERE, "corpus%d.s" % mode)
        with open(path, "w") as f:
            f.write("# SPDX-License-Identifier: BSD-2-Clause\n")
            f.write("# %d-bit length-decoding corpus: generated by gen_corpus.py, do not edit.\n"
                    % mode)
            f.write("# %d instructions.\n" % len(good))
            f.write('\t.include "corpus.inc"\n\t.code%d\n' % mode)
            for l in good:
                if l.startswith(".byte "):  # explicit prefix bytes: see corpus.inc
                    pfx, insn = l[6:].split(";", 1)
                    f.write('\tIB "%s", %s\n' % (pfx.replace(" ", ""), insn.strip()))
                else:
                    f.write("\tI %s\n" % l)
        print("%s: %d of %d candidate lines" % (path, len(good), len(cand)))


if __name__ == "__main__":
    sys.exit(main())
