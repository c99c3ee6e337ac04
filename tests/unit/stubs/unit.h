/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What every unit test includes: cmocka, and the test side of the stub layer
 * (tests/unit/stubs/unit_stubs.c).
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <hv/types.h>

/*
 * The hypervisor's own vsnprintf/snprintf: unit.mk compiles hypervisor sources with
 * -Dvsnprintf=hv_vsnprintf -Dsnprintf=hv_snprintf, so they do not replace the host
 * libc's functions (which cmocka and the tests use).
 */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Interrupts as seen by the stub asm/processor.h: true unless inside an irqsave. */
extern bool unit_irqs_enabled;

/* The last message given to printk(), log-level prefix included. */
extern char unit_last_printk[512];

/* Fail the test unless string `s` contains `sub`. */
#define assert_contains(s, sub)                                                          \
    do {                                                                                 \
        const char *s_ = (s), *sub_ = (sub);                                             \
        if (!s_ || !strstr(s_, sub_))                                                    \
            fail_msg("\"%s\" does not contain \"%s\"", s_ ? s_ : "(null)", sub_);        \
    } while (0)

/* Fail the test if string `s` contains `sub`. */
#define assert_not_contains(s, sub)                                                      \
    do {                                                                                 \
        const char *s_ = (s), *sub_ = (sub);                                             \
        if (s_ && strstr(s_, sub_))                                                      \
            fail_msg("\"%s\" contains \"%s\"", s_, sub_);                                \
    } while (0)

/* Read a whole file under tests/unit/data (or $UNIT_DATA_DIR): malloc'd, or NULL. */
void *unit_read_data_file(const char *relpath, size_t *len);

/* A small deterministic PRNG (xorshift64*), so that stress tests replay exactly. */
static inline u64 unit_rand(u64 *state)
{
    u64 x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

#endif /* UNIT_H */
