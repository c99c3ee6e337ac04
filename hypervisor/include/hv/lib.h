/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The small C library the hypervisor carries: strings, memory, formatting and number
 * parsing. The names and contracts are the standard C ones, so the same neutral
 * sources build against the host's libc in the unit tests.
 */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <hv/compiler.h>
#include <hv/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/* Copy at most size-1 bytes and always terminate; returns strlen(src). */
size_t hv_strlcpy(char *dst, const char *src, size_t size);

/* Formatting: the usual conversions (d i u x X o c s p %), flags (- 0 + space #),
 * width and precision (also '*'), and length modifiers hh h l ll z t j.
 * %pS prints a code address as symbol+offset. Returns the length the full
 * output would have had, like C99. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * Parse an unsigned number: decimal, 0x hex, 0 octal (base 0), or the given base.
 * Returns 0 and stores the value and the end pointer; -EINVAL when there are no
 * digits, -ERANGE on overflow.
 */
int parse_u64(const char *s, const char **end, unsigned int base, u64 *val);

/*
 * Parse a size with an optional K, M, G or T suffix (powers of 1024) and an
 * optional trailing 'B' or 'iB': "256M", "8GiB", "4096". Returns 0 or -EINVAL/-ERANGE.
 */
int parse_size(const char *s, const char **end, u64 *bytes);

#endif /* HV_LIB_H */
