/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The few library functions a test kernel needs: memory and string helpers (the
 * compiler may call memset/memcpy/memcmp on its own), and printf-style formatting.
 *
 * Output goes to the debug console, port 0xe9, one OUT per byte: under Petrel each
 * byte is a VM exit, so tests should print what matters and little else.
 *
 * Formats: %d %i %u %x %X %p %c %s %%, with the flags '-', '0', '#', a width and a
 * precision (either may be '*'), and the length modifiers hh h l ll z.
 */
#include "private.h"

void *memset(void *s, int c, size_t n)
{
    unsigned char *p = s;

    while (n--)
        *p++ = (unsigned char)c;
    return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

/* Where formatted text goes: the console, or a buffer (always NUL-terminated). */
struct sink {
    char *buf;
    size_t size, len;
};

static void emit(struct sink *s, char c)
{
    if (!s->buf)
        outb(PETREL_PORT_DEBUGCON, (uint8_t)c);
    else if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

/*
 * *n /= base, returning the remainder. 32-bit code has no 64-bit division instruction
 * and no libgcc here, so divide the high and low halves in turn with DIV (EDX:EAX by
 * a 32-bit divisor; the first remainder is below the divisor, so the second quotient
 * fits in 32 bits).
 */
static unsigned int divmod(uint64_t *n, unsigned int base)
{
#ifdef __x86_64__
    unsigned int r = (unsigned int)(*n % base);

    *n /= base;
    return r;
#else
    uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n, qhi, qlo, r;

    qhi = hi / base;
    r = hi % base;
    asm("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(base));
    *n = ((uint64_t)qhi << 32) | qlo;
    return r;
#endif
}

struct spec {
    bool left, zero, alt;
    int width, precision;
};

static void pad(struct sink *s, int n, char c)
{
    while (n-- > 0)
        emit(s, c);
}

static void put_string(struct sink *s, const char *str, const struct spec *sp)
{
    int len = 0;

    if (!str)
        str = "(null)";
    while (str[len] && (sp->precision < 0 || len < sp->precision))
        len++;
    if (!sp->left)
        pad(s, sp->width - len, ' ');
    for (int i = 0; i < len; i++)
        emit(s, str[i]);
    if (sp->left)
        pad(s, sp->width - len, ' ');
}

static void put_number(struct sink *s, uint64_t v, bool negative, unsigned int base,
                       bool upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len;

    do
        tmp[n++] = digits[divmod(&v, base)];
    while (v);
    len = n + negative + (sp->alt && base == 16 ? 2 : 0);

    if (!sp->left && !sp->zero)
        pad(s, sp->width - len, ' ');
    if (negative)
        emit(s, '-');
    if (sp->alt && base == 16) {
        emit(s, '0');
        emit(s, upper ? 'X' : 'x');
    }
    if (!sp->left && sp->zero)
        pad(s, sp->width - len, '0');
    while (n)
        emit(s, tmp[--n]);
    if (sp->left)
        pad(s, sp->width - len, ' ');
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        struct spec sp = { .precision = -1 };
        int size = 0;                   /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
        uint64_t v;
        bool negative = false;

        if (*fmt != '%') {
            emit(s, *fmt);
            continue;
        }
        for (;; fmt++) {
            if (fmt[1] == '-')
                sp.left = true;
            else if (fmt[1] == '0')
                sp.zero = true;
            else if (fmt[1] == '#')
                sp.alt = true;
            else
                break;
        }
        fmt++;
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            sp.width = sp.width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            sp.precision = 0;
            if (*++fmt == '*') {
                sp.precision = va_arg(ap, int);
                fmt++;
            }
            while (*fmt >= '0' && *fmt <= '9')
                sp.precision = sp.precision * 10 + (*fmt++ - '0');
        }
        for (;; fmt++) {
            if (*fmt == 'h')
                size--;
            else if (*fmt == 'l')
                size++;
            else if (*fmt == 'z')
                size = sizeof(size_t) == sizeof(long) ? 1 : 0;
            else
                break;
        }

        switch (*fmt) {
        case 'c':
            emit(s, (char)va_arg(ap, int));
            continue;
        case 's':
            put_string(s, va_arg(ap, const char *), &sp);
            continue;
        case 'p':
            sp.alt = true;
            put_number(s, (unsigned long)va_arg(ap, void *), false, 16, false, &sp);
            continue;
        case 'd':
        case 'i': {
            int64_t x = size >= 2 ? va_arg(ap, long long) :
                        size == 1 ? va_arg(ap, long) : va_arg(ap, int);
            if (size == -1)
                x = (short)x;
            else if (size <= -2)
                x = (signed char)x;
            negative = x < 0;
            put_number(s, negative ? -(uint64_t)x : (uint64_t)x, negative, 10, false, &sp);
            continue;
        }
        case 'u':
        case 'x':
        case 'X':
            v = size >= 2 ? va_arg(ap, unsigned long long) :
                size == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            if (size == -1)
                v = (uint16_t)v;
            else if (size <= -2)
                v = (uint8_t)v;
            put_number(s, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X', &sp);
            continue;
        case '%':
            emit(s, '%');
            continue;
        default:                        /* unknown: print it as it was */
            emit(s, '%');
            if (!*fmt)
                return (int)s->len;
            emit(s, *fmt);
        }
    }
    return (int)s->len;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { .buf = buf, .size = size };
    int n = format(&s, fmt, ap);

    if (size)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/*
 * One CPU prints at a time, so that lines do not mix. The lock nests: an interrupt
 * or exception handler may print on a CPU that was printing, and fail() and
 * test_exit() hold it around their printing. Before smp_boot() there is one CPU and
 * no lock.
 */
static volatile int console_owner = -1;
static unsigned int console_depth;

void console_lock(void)
{
    int me, expected;

    if (!smp_active)
        return;
    me = (int)smp_cpu_id();
    if (__atomic_load_n(&console_owner, __ATOMIC_ACQUIRE) == me) {
        console_depth++;
        return;
    }
    for (;;) {
        expected = -1;
        if (__atomic_compare_exchange_n(&console_owner, &expected, me, false,
                                        __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            break;
        cpu_relax();
    }
    console_depth = 1;
}

void console_unlock(void)
{
    if (!smp_active || console_owner != (int)smp_cpu_id())
        return;
    if (--console_depth == 0)
        __atomic_store_n(&console_owner, -1, __ATOMIC_RELEASE);
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink s = { 0 };
    int n;

    console_lock();
    n = format(&s, fmt, ap);
    console_unlock();
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}
