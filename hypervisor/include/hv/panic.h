/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A broken host invariant is a bug: the hypervisor reports it and stops every CPU.
 * Guests doing something wrong never reach these (see docs/ARCHITECTURE.md,
 * "three kinds of failure").
 */
#ifndef HV_PANIC_H
#define HV_PANIC_H

#include <hv/compiler.h>
#include <hv/types.h>

void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/*
 * The pieces panic() is made of, for reports that print more (the fatal-trap report):
 * panic_begin() makes this CPU the one that reports (a second CPU that panics at the
 * same time just stops), stops the other CPUs and lets printk bypass its lock;
 * panic_end() prints the closing lines and carries out "on_panic=".
 */
void panic_begin(void);
void panic_end(void) __noreturn;
bool panic_in_progress(void);
/* Called on a CPU that the panicking CPU stopped (from its NMI handler). */
void cpu_stopped_by_panic(void) __noreturn;
void bug_report(const char *file, int line, const char *expr) __noreturn;

#define BUG() bug_report(__FILE__, __LINE__, "BUG")
#define BUG_ON(cond)                                                                     \
    do {                                                                                 \
        if (unlikely(cond))                                                              \
            bug_report(__FILE__, __LINE__, #cond);                                       \
    } while (0)
#define ASSERT(cond) BUG_ON(!(cond))

#endif /* HV_PANIC_H */
