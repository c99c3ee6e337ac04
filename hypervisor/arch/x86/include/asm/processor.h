/* SPDX-License-Identifier: BSD-2-Clause */
/* Thin wrappers around x86 instructions: CPUID, MSRs, control registers, port I/O. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <hv/compiler.h>
#include <hv/types.h>

struct cpuid_regs {
    u32 eax, ebx, ecx, edx;
};

static inline void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r)
{
    __asm__ volatile("cpuid"
                     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
                     : "a"(leaf), "c"(sub));
}

static inline void cpuid(u32 leaf, struct cpuid_regs *r)
{
    cpuid_count(leaf, 0, r);
}

static inline u32 cpuid_eax(u32 leaf)
{
    struct cpuid_regs r;
    cpuid(leaf, &r);
    return r.eax;
}

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
}

/* RDMSR that survives a #GP (an MSR the CPU lacks): returns false then. */
bool rdmsr_safe(u32 msr, u64 *val);

static inline u64 rdtsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

/* RDTSC ordered after earlier loads (AMD APM and Intel SDM: LFENCE before RDTSC). */
static inline u64 rdtsc_ordered(void)
{
    __asm__ volatile("lfence" ::: "memory");
    return rdtsc();
}

#define DEFINE_CR_ACCESSORS(n)                                                           \
    static inline u64 read_cr##n(void)                                                   \
    {                                                                                    \
        u64 v;                                                                           \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                \
        return v;                                                                        \
    }                                                                                    \
    static inline void write_cr##n(u64 v)                                                \
    {                                                                                    \
        __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");                         \
    }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

#define DEFINE_DR_ACCESSORS(n)                                                           \
    static inline u64 read_dr##n(void)                                                   \
    {                                                                                    \
        u64 v;                                                                           \
        __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v));                                \
        return v;                                                                        \
    }                                                                                    \
    static inline void write_dr##n(u64 v)                                                \
    {                                                                                    \
        __asm__ volatile("mov %0, %%dr" #n ::"r"(v));                                    \
    }
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6)
#undef DEFINE_DR_ACCESSORS

/* The breakpoint addresses DR0-DR3, to and from an array (a guest's, switched). */
static inline void save_dr0_3(u64 dr[4])
{
    dr[0] = read_dr0();
    dr[1] = read_dr1();
    dr[2] = read_dr2();
    dr[3] = read_dr3();
}

static inline void load_dr0_3(const u64 dr[4])
{
    write_dr0(dr[0]);
    write_dr1(dr[1]);
    write_dr2(dr[2]);
    write_dr3(dr[3]);
}

static inline u64 read_rflags(void)
{
    u64 f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static inline void outb(u16 port, u8 v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
    __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
    __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline u16 inw(u16 port)
{
    u16 v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline u32 inl(u16 port)
{
    u32 v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

static inline void local_irq_disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}
static inline void local_irq_enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}

#define X86_EFLAGS_IF (1UL << 9)

static inline unsigned long local_irq_save(void)
{
    unsigned long f = read_rflags();
    local_irq_disable();
    return f;
}
static inline void local_irq_restore(unsigned long flags)
{
    if (flags & X86_EFLAGS_IF)
        local_irq_enable();
}
static inline bool local_irq_is_enabled(void)
{
    return read_rflags() & X86_EFLAGS_IF;
}

/* STI takes effect after the next instruction, so no interrupt is lost between them. */
static inline void safe_halt(void)
{
    __asm__ volatile("sti; hlt" ::: "memory");
}

static inline void invlpg(const void *va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

/* Flush all non-global TLB entries, and the global ones too by toggling CR4.PGE
 * (Intel SDM vol. 3, 4.10.4.1). */
void flush_tlb_all_local(void);

static inline void __noreturn halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif /* ASM_PROCESSOR_H */
