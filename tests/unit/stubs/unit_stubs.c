/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The unit-test stub layer: host versions of what neutral hypervisor sources call
 * outside themselves. A broken invariant (BUG_ON, ASSERT, panic) fails the running
 * cmocka test through mock_assert(), so expect_assert_failure() can check for one.
 */
#include "unit.h"

#include <stdlib.h>

#include <hv/console.h>
#include <hv/panic.h>
#include <hv/smp.h>      /* not used here: keeps the stub asm/percpu.h compiling */
#include <hv/symbols.h>

struct page_info *unit_frame_table;
uintptr_t unit_directmap_offset;
bool unit_irqs_enabled = true;
char unit_last_printk[512];

/*
 * The tests run on one thread: a spinlock that has to wait is held by the waiter
 * itself (a lock a previous failure left held, or a recursion), and would spin
 * forever.
 */
void unit_cpu_relax(void)
{
    fail_msg("cpu_relax(): waiting for a spinlock on the only CPU; it is never "
             "going to be released");
}

void bug_report(const char *file, int line, const char *expr)
{
    mock_assert(0, expr, file, line);
    abort(); /* not reached: mock_assert() jumps out of the test */
}

void panic(const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    hv_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    mock_assert(0, msg, "panic()", 0);
    abort();
}

void vprintk(const char *fmt, va_list ap)
{
    hv_vsnprintf(unit_last_printk, sizeof(unit_last_printk), fmt, ap);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

/* No symbol table in the unit build; test_vsnprintf.c brings its own. */
__attribute__((weak)) const char *symbols_lookup(unsigned long addr, unsigned long *offset,
                                                 unsigned long *size)
{
    (void)addr, (void)offset, (void)size;
    return NULL;
}

void *unit_read_data_file(const char *relpath, size_t *len)
{
    const char *dir = getenv("UNIT_DATA_DIR");
    char path[1024];
    FILE *f;
    long n;
    void *buf;

    snprintf(path, sizeof(path), "%s/%s", dir ? dir : UNIT_DATA_DIR, relpath);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return NULL;
    }
    buf = malloc(n ? (size_t)n : 1);
    if (buf && fread(buf, 1, n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf && len)
        *len = n;
    return buf;
}

/*
 * cmocka writes results to stdout and failure details to stderr: with stdout line
 * buffered, the details stay before the "not ok" line they explain when both go to
 * one pipe (as in tests/run_tests.py).
 */
__attribute__((constructor)) static void unit_line_buffered_stdout(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

/*
 * Undefined behaviour found by UBSan fails the run (by default UBSan only prints);
 * AddressSanitizer already stops at the first error.
 */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}
