/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Interrupts and exceptions: the IDT (or, in real mode, the interrupt vector table),
 * the dispatcher every vector's stub calls (entry.asm), and the exception table that
 * lets a test survive an exception it provoked on purpose.
 *
 * The exception table is a list of (instruction address, recovery address) pairs,
 * written next to the instruction by ASM_EXTABLE() and collected by the linker into
 * .extable. When an exception's saved instruction pointer is in the table, the
 * dispatcher records the vector, error code, instruction pointer (and CR2 for #PF)
 * in last_fault and resumes at the recovery address. Nothing else may fault: an
 * unexpected exception ends the test with FAIL and says where it happened.
 */
#include "private.h"

struct extable_entry {
    unsigned long from, to;
};
extern const struct extable_entry __extable_start[], __extable_end[];
extern const char trap_stubs[];         /* entry.asm: 16 bytes per vector */

volatile struct fault last_fault = { .vector = NO_FAULT };
static trap_handler_t handlers[256];

static const char *const exception_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
    "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
    "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *vector_name(int vector)
{
    static char buf[16];

    if (vector >= 0 && vector < 32)
        return exception_names[vector];
    snprintf(buf, sizeof(buf), "vector %#x", vector);
    return buf;
}

#if defined(MODE_REAL)
/* The interrupt vector table at physical 0: a segment:offset pair per vector.
 * (A linker-script symbol, so that the compiler does not see a null pointer.) */
extern volatile uint16_t real_mode_ivt[256][2];

void traps_init(void)
{
    /* Real mode has no descriptors: entry v is where vector v goes, CS:IP. The code
     * runs with CS = 0, so the offset is the stub's address. The IVT's location was
     * set by the LIDT in PROT32_TO_REAL (modes.inc). */
    for (unsigned int v = 0; v < 256; v++) {
        real_mode_ivt[v][0] = (uint16_t)(unsigned long)(trap_stubs + 16 * v);
        real_mode_ivt[v][1] = 0;
    }
}
#else
#ifdef MODE_64
struct idt_gate {
    uint16_t offset0, selector;
    uint8_t ist, type;
    uint16_t offset1;
    uint32_t offset2, reserved;
};
#define GATE_SELECTOR SEL_CODE64
#else
struct idt_gate {
    uint16_t offset0, selector;
    uint8_t zero, type;
    uint16_t offset1;
};
#define GATE_SELECTOR SEL_CODE32
#endif

/* Present, DPL 0, interrupt gate (IF is cleared on entry); 32-bit or, in long mode,
 * the only gate size there is, 64-bit. */
#define GATE_TYPE_INTERRUPT 0x8e

static struct idt_gate idt[256] __aligned(16);

void traps_init(void)
{
    for (unsigned int v = 0; v < 256; v++) {
        unsigned long addr = (unsigned long)(trap_stubs + 16 * v);
        struct idt_gate *g = &idt[v];

        memset(g, 0, sizeof(*g));
        g->offset0 = (uint16_t)addr;
        g->selector = GATE_SELECTOR;
        g->type = GATE_TYPE_INTERRUPT;
        g->offset1 = (uint16_t)(addr >> 16);
#ifdef MODE_64
        g->offset2 = (uint32_t)(addr >> 32);
#endif
    }
    traps_load();
}

/* Every CPU uses the one IDT; the APs load it from ap_main() (smp.c). */
void traps_load(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        unsigned long base;
    } idtr = { sizeof(idt) - 1, (unsigned long)idt };
    asm volatile("lidt %0" :: "m"(idtr));
}
#endif

void set_trap_handler(unsigned int vector, trap_handler_t fn)
{
    handlers[vector & 0xff] = fn;
}

#ifdef MODE_REAL
#define frame_error_code(f) 0u
#else
#define frame_error_code(f) ((uint32_t)(f)->error_code)
#endif

static __noreturn void unexpected_trap(struct trap_frame *f)
{
    static bool reporting;
    char reason[96];
    unsigned int v = f->vector;

    if (reporting) {
        /* A fault while reporting one: printing itself is broken. Stop quietly. */
        outb(PETREL_PORT_DEBUG_EXIT, PETREL_RESULT_FAIL);
        for (;;)
            asm volatile("cli; hlt");
    }
    reporting = true;

    printf("Unexpected %s (vector %u) at ip %#lx, error code %#x\n",
           vector_name(v), v, (unsigned long)f->ip, frame_error_code(f));
#ifdef MODE_64
    printf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
           f->rax, f->rbx, f->rcx, f->rdx);
    printf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
           f->rsi, f->rdi, f->rbp, f->sp);
    printf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
    printf("  cs %04lx flags %08lx cr2 %016lx\n", f->cs, f->flags, read_cr2());
#else
    printf("  eax %08x ebx %08x ecx %08x edx %08x\n", f->eax, f->ebx, f->ecx, f->edx);
    printf("  esi %08x edi %08x ebp %08x cs %04x flags %08x\n",
           f->esi, f->edi, f->ebp, (unsigned int)f->cs, (unsigned int)f->flags);
#ifdef MODE_PROTECTED
    printf("  cr0 %08lx cr2 %08lx cr3 %08lx cr4 %08lx\n",
           read_cr0(), read_cr2(), read_cr3(), read_cr4());
#endif
#endif
    snprintf(reason, sizeof(reason), "unexpected %s at ip %#lx (error code %#x)",
             vector_name(v), (unsigned long)f->ip, frame_error_code(f));
    test_exit(PETREL_RESULT_FAIL, reason);
}

/* Called by every stub in entry.asm, with interrupts off. */
void trap_dispatch(struct trap_frame *f)
{
    unsigned int v = f->vector & 0xff;
    const struct extable_entry *e;

    if (handlers[v]) {
        handlers[v](f);
        return;
    }
    for (e = __extable_start; e < __extable_end; e++) {
        if (e->from != (unsigned long)f->ip)
            continue;
        last_fault.vector = (int)v;
        last_fault.error_code = frame_error_code(f);
        last_fault.ip = f->ip;
#ifdef MODE_PROTECTED
        last_fault.cr2 = v == X86_EXC_PF ? read_cr2() : 0;
#endif
        f->ip = e->to;
        return;
    }
    unexpected_trap(f);
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0;

    fault_clear();
    asm volatile("1: rdmsr\n\t"
                 "2:\n\t"
                 ASM_EXTABLE(1b, 2b)
                 : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
    *val = ((uint64_t)hi << 32) | lo;
    return last_fault.vector;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
    fault_clear();
    asm volatile("1: wrmsr\n\t"
                 "2:\n\t"
                 ASM_EXTABLE(1b, 2b)
                 :: "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
    return last_fault.vector;
}
