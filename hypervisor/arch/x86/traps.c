/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IDT, interrupt dispatch and the fatal-trap report.
 *
 * The hypervisor expects no exception in its own code except where an exception-table
 * entry says how to recover (rdmsr_safe and friends). Any other one is a bug: the
 * report names the exception, shows all registers and a stack trace with function
 * names, and every CPU stops.
 */
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/panic.h>
#include <hv/smp.h>
#include <hv/symbols.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/page.h>
#include <asm/processor.h>
#include <asm/traps.h>

BUILD_BUG_ON(__builtin_offsetof(struct cpu_regs, vector) != REGS_VECTOR_OFFSET);
BUILD_BUG_ON(sizeof(struct cpu_regs) != REGS_SIZE);

struct idt_gate {
    u16 offset_lo;
    u16 selector;
    u8 ist;
    u8 type_attr;
    u16 offset_mid;
    u32 offset_hi;
    u32 reserved;
} __packed;
BUILD_BUG_ON(sizeof(struct idt_gate) != 16);

#define GATE_INTERRUPT_PRESENT 0x8e   /* P=1, DPL=0, type 0xE: 64-bit interrupt gate */

extern const char interrupt_stubs[];
static struct idt_gate idt[256] __aligned(4096) __ro_after_init;

static struct {
    irq_handler_fn fn;
    void *data;
} irq_handlers[256];
static u64 irq_vectors_used[4];   /* bitmap of device vectors handed out */

struct extable_entry {
    unsigned long insn, fixup;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

static const char *const exception_names[32] = {
    "divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)", "overflow (#OF)",
    "BOUND range exceeded (#BR)", "invalid opcode (#UD)", "device not available (#NM)",
    "double fault (#DF)", "coprocessor segment overrun", "invalid TSS (#TS)",
    "segment not present (#NP)", "stack-segment fault (#SS)",
    "general protection fault (#GP)", "page fault (#PF)", "reserved vector 15",
    "x87 floating-point error (#MF)", "alignment check (#AC)", "machine check (#MC)",
    "SIMD floating-point exception (#XM)", "virtualization exception (#VE)",
    "control protection (#CP)", "reserved vector 22", "reserved vector 23",
    "reserved vector 24", "reserved vector 25", "reserved vector 26",
    "reserved vector 27", "hypervisor injection (#HV)", "VMM communication (#VC)",
    "security exception (#SX)", "reserved vector 31",
};

static void set_gate(unsigned int vec, unsigned int ist)
{
    unsigned long addr = (unsigned long)interrupt_stubs + 16 * vec;
    struct idt_gate *g = &idt[vec];

    g->offset_lo = addr & 0xffff;
    g->selector = HV_CS;
    g->ist = ist;
    g->type_attr = GATE_INTERRUPT_PRESENT;
    g->offset_mid = (addr >> 16) & 0xffff;
    g->offset_hi = addr >> 32;
    g->reserved = 0;
}

void load_idt(void)
{
    struct {
        u16 limit;
        u64 base;
    } __packed desc = { sizeof(idt) - 1, (u64)idt };

    __asm__ volatile("lidt %0" ::"m"(desc));
}

void traps_init_early(void)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, 0);
    load_idt();
}

void traps_enable_ist(void)
{
    set_gate(X86_EXC_NMI, IST_NMI);
    set_gate(X86_EXC_DF, IST_DF);
    set_gate(X86_EXC_MC, IST_MC);
}

void set_irq_handler(unsigned int vector, irq_handler_fn fn, void *data)
{
    irq_handlers[vector].data = data;
    WRITE_ONCE(irq_handlers[vector].fn, fn);
}

int alloc_irq_vector(void)
{
    for (unsigned int v = FIRST_DEVICE_VECTOR; v <= LAST_DEVICE_VECTOR; v++) {
        if (!(__atomic_fetch_or(&irq_vectors_used[v / 64], 1ULL << (v % 64),
                                __ATOMIC_SEQ_CST) &
              (1ULL << (v % 64))))
            return v;
    }
    return -1;
}

unsigned long search_extable(unsigned long rip)
{
    for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == rip)
            return e->fixup;
    return 0;
}

bool rdmsr_safe(u32 msr, u64 *val)
{
    u32 lo = 0, hi = 0;
    bool ok = true;

    __asm__ volatile("1: rdmsr\n"
                     "2:\n"
                     ".pushsection .fixup, \"ax\"\n"
                     "3: movb $0, %[ok]\n"
                     "   jmp 2b\n"
                     ".popsection\n"
                     ".pushsection .ex_table, \"a\"\n"
                     "   .quad 1b, 3b\n"
                     ".popsection\n"
                     : "=a"(lo), "=d"(hi), [ok] "+m"(ok)
                     : "c"(msr));
    *val = ((u64)hi << 32) | lo;
    return ok;
}

/* ---- the report ---- */

extern char bsp_stack[], __bsp_stack_guard[];

/* The template describes the boot CPU's stack: it is the boot CPU's copy. */
DEFINE_PER_CPU(struct cpu_stacks, cpu_stacks) = {
    .main_lo = (unsigned long)bsp_stack,
    .main_hi = (unsigned long)bsp_stack + STACK_SIZE,
    .guard_lo = (unsigned long)__bsp_stack_guard,
};

static bool on_stack(unsigned long lo, unsigned long hi, unsigned long p, size_t len)
{
    return lo && p >= lo && p + len <= hi;
}

/* Is [p, p+len) inside one of this CPU's stacks? Used to bound the frame walk. */
static bool readable_stack(unsigned long p, size_t len)
{
    const struct cpu_stacks *s = &this_cpu(cpu_stacks);

    if (on_stack(s->main_lo, s->main_hi, p, len))
        return true;
    for (unsigned int i = 0; i < NR_IST; i++)
        if (on_stack(s->ist_lo[i], s->ist_hi[i], p, len))
            return true;
    return false;
}

/* Walk the frame-pointer chain, within this CPU's stacks only; a run of one return
 * address (deep recursion) is printed once with a count. */
static void trace_from_frames(unsigned long rbp)
{
    unsigned long last = 0, repeats = 0;

    for (unsigned int depth = 0; depth < 4096; depth++) {
        unsigned long next, ret;

        if ((rbp & 7) || !readable_stack(rbp, 16))
            break;
        next = ((unsigned long *)rbp)[0];
        ret = ((unsigned long *)rbp)[1];
        if (!ret)
            break;
        if (ret == last) {
            repeats++;
        } else {
            if (repeats)
                printk(LOG_ERR "   ... the frame above %lu more times\n", repeats);
            repeats = 0;
            last = ret;
            printk(LOG_ERR "   [<%016lx>] %pS\n", ret, (void *)ret);
        }
        if (next <= rbp)
            break;
        rbp = next;
    }
    if (repeats)
        printk(LOG_ERR "   ... the frame above %lu more times\n", repeats);
}

static void trace_from(unsigned long rip, unsigned long rbp)
{
    printk(LOG_ERR "Call trace:\n");
    printk(LOG_ERR "   [<%016lx>] %pS\n", rip, (void *)rip);
    trace_from_frames(rbp);
}

void show_stack_trace(const struct cpu_regs *regs)
{
    unsigned long off, size;

    /*
     * A fault on a function's first instructions comes before its frame exists
     * ("push %rbp; mov %rsp,%rbp"): its caller's return address is still at the top
     * of the stack, and the frame chain would skip that caller.
     */
    if (symbols_lookup(regs->rip, &off, &size) && off <= 1 &&
        readable_stack(regs->rsp, 16)) {
        unsigned long ret = ((unsigned long *)regs->rsp)[off];
        trace_from(regs->rip, 0);
        printk(LOG_ERR "   [<%016lx>] %pS\n", ret, (void *)ret);
        trace_from_frames(regs->rbp);
        return;
    }
    trace_from(regs->rip, regs->rbp);
}

void show_stack_trace_here(void)
{
    unsigned long rbp = (unsigned long)__builtin_frame_address(0);

    trace_from((unsigned long)show_stack_trace_here, rbp);
}

void show_registers(const struct cpu_regs *regs)
{
    printk(LOG_ERR "----[ Petrel hypervisor, CPU %u ]----\n", smp_processor_id());
    printk(LOG_ERR "RIP:    %04llx:[<%016llx>] %pS\n", regs->cs, regs->rip,
           (void *)regs->rip);
    printk(LOG_ERR "RFLAGS: %016llx   error code: %llx\n", regs->rflags,
           regs->error_code);
    printk(LOG_ERR "rax: %016llx   rbx: %016llx   rcx: %016llx\n", regs->rax, regs->rbx,
           regs->rcx);
    printk(LOG_ERR "rdx: %016llx   rsi: %016llx   rdi: %016llx\n", regs->rdx, regs->rsi,
           regs->rdi);
    printk(LOG_ERR "rbp: %016llx   rsp: %016llx   r8:  %016llx\n", regs->rbp, regs->rsp,
           regs->r8);
    printk(LOG_ERR "r9:  %016llx   r10: %016llx   r11: %016llx\n", regs->r9, regs->r10,
           regs->r11);
    printk(LOG_ERR "r12: %016llx   r13: %016llx   r14: %016llx\n", regs->r12, regs->r13,
           regs->r14);
    printk(LOG_ERR "r15: %016llx   cr0: %016llx   cr4: %016llx\n", regs->r15,
           (unsigned long long)read_cr0(), (unsigned long long)read_cr4());
    printk(LOG_ERR "cr3: %016llx   cr2: %016llx   ss: %04llx\n",
           (unsigned long long)read_cr3(), (unsigned long long)read_cr2(), regs->ss);
}

static void explain_page_fault(const struct cpu_regs *regs)
{
    unsigned long cr2 = read_cr2();
    u64 ec = regs->error_code;
    const struct cpu_stacks *s = &this_cpu(cpu_stacks);

    printk(LOG_ERR "Faulting address %#lx: %s on a %s page%s\n", cr2,
           (ec & PFEC_INSN) ? "instruction fetch" : (ec & PFEC_WRITE) ? "write" : "read",
           (ec & PFEC_PRESENT) ? "present (protection violation)" : "not-present",
           (ec & PFEC_RSVD) ? ", reserved bit set in a page-table entry" : "");
    if (s->guard_lo && cr2 >= s->guard_lo && cr2 < s->guard_lo + PAGE_SIZE)
        printk(LOG_ERR "The address is in the guard page below this CPU's stack: "
                       "stack overflow\n");
}

static void explain_double_fault(const struct cpu_regs *regs)
{
    const struct cpu_stacks *s = &this_cpu(cpu_stacks);

    if (s->guard_lo && regs->rsp >= s->guard_lo && regs->rsp < s->guard_lo + 2 * PAGE_SIZE)
        printk(LOG_ERR "RSP %#llx is at the guard page below this CPU's stack "
                       "[%#lx-%#lx): stack overflow\n",
               regs->rsp, s->main_lo, s->main_hi);
}

static void __noreturn fatal_trap(struct cpu_regs *regs)
{
    unsigned int vec = regs->vector;

    panic_begin();
    printk(LOG_ERR "FATAL TRAP on CPU %u: vector %u, %s\n", smp_processor_id(), vec,
           vec < 32 ? exception_names[vec] : "unexpected interrupt");
    if (vec == X86_EXC_PF)
        explain_page_fault(regs);
    if (vec == X86_EXC_DF)
        explain_double_fault(regs);
    show_registers(regs);
    show_stack_trace(regs);
    panic_end();
}

static void do_nmi(struct cpu_regs *regs)
{
    if (panic_in_progress()) {
        /* Another CPU panicked and asked us to stop. NMIs stay blocked: no IRET. */
        cpu_stopped_by_panic();
    }
    printk(LOG_WARN "CPU %u: unexpected NMI (port 0x61 reads %#x); ignored\n",
           smp_processor_id(), inb(0x61));
}

void do_interrupt(struct cpu_regs *regs)
{
    unsigned int vec = regs->vector;

    if (vec < 32) {
        unsigned long fixup;

        if (vec == X86_EXC_NMI) {
            do_nmi(regs);
            return;
        }
        fixup = search_extable(regs->rip);
        if (fixup && vec != X86_EXC_DF && vec != X86_EXC_MC) {
            regs->rip = fixup;
            return;
        }
        fatal_trap(regs);
    }

    if (vec == SPURIOUS_APIC_VECTOR)
        return; /* no EOI for spurious interrupts (Intel SDM vol. 3, 11.9) */
    if (irq_handlers[vec].fn)
        irq_handlers[vec].fn(regs, irq_handlers[vec].data);
    else
        printk(LOG_WARN "CPU %u: interrupt on unused vector %#x; ignored\n",
               smp_processor_id(), vec);
    apic_eoi();
}
