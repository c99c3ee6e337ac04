/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vsnprintf: C99 semantics for the conversions the hypervisor uses, plus %pS
 * (a code address as "symbol+0xoff/0xsize"). Host unit tests check it against the
 * host libc's printf.
 */
#include <hv/lib.h>
#include <hv/symbols.h>

struct outbuf {
    char *buf;
    size_t size, len;
};

static void put(struct outbuf *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_repeat(struct outbuf *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

enum {
    F_LEFT = 1 << 0,  /* '-' */
    F_ZERO = 1 << 1,  /* '0' */
    F_PLUS = 1 << 2,  /* '+' */
    F_SPACE = 1 << 3, /* ' ' */
    F_ALT = 1 << 4,   /* '#' */
    F_UPPER = 1 << 5,
};

struct spec {
    unsigned int flags;
    int width;
    int prec; /* -1: none */
};

static void put_str(struct outbuf *o, const char *s, const struct spec *sp)
{
    int len;

    if (!s)
        s = "(null)";
    len = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
    if (!(sp->flags & F_LEFT))
        put_repeat(o, ' ', sp->width - len);
    for (int i = 0; i < len; i++)
        put(o, s[i]);
    if (sp->flags & F_LEFT)
        put_repeat(o, ' ', sp->width - len);
}

static void put_num(struct outbuf *o, u64 v, bool negative, bool is_signed,
                    unsigned int base, const struct spec *sp)
{
    const char *digits = (sp->flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, ndigits, zeros, total;
    char sign = 0;
    const char *prefix = "";

    /* '+' and ' ' apply to signed conversions only (C99 7.19.6.1). */
    if (negative)
        sign = '-';
    else if (is_signed && (sp->flags & F_PLUS))
        sign = '+';
    else if (is_signed && (sp->flags & F_SPACE))
        sign = ' ';

    /* C99: precision 0 with value 0 prints no digits. */
    if (!(v == 0 && sp->prec == 0)) {
        do {
            tmp[n++] = digits[v % base];
            v /= base;
        } while (v);
    }
    if ((sp->flags & F_ALT) && base == 16 && n && !(n == 1 && tmp[0] == '0'))
        prefix = (sp->flags & F_UPPER) ? "0X" : "0x";
    if ((sp->flags & F_ALT) && base == 8 && (n == 0 || tmp[n - 1] != '0') &&
        sp->prec <= n)
        prefix = "0";

    ndigits = n;
    zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
    total = (sign ? 1 : 0) + (int)strlen(prefix) + zeros + ndigits;
    if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0 &&
        sp->width > total) {
        zeros += sp->width - total;
        total = sp->width;
    }
    if (!(sp->flags & F_LEFT))
        put_repeat(o, ' ', sp->width - total);
    if (sign)
        put(o, sign);
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    put_repeat(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (sp->flags & F_LEFT)
        put_repeat(o, ' ', sp->width - total);
}

static void put_symbol(struct outbuf *o, unsigned long addr, const struct spec *sp)
{
    char sym[128];
    unsigned long off, size;
    const char *name = symbols_lookup(addr, &off, &size);
    struct spec plain = { .flags = 0, .width = 0, .prec = -1 };

    if (name)
        snprintf(sym, sizeof(sym), "%s+0x%lx/0x%lx", name, off, size);
    else
        snprintf(sym, sizeof(sym), "0x%lx", addr);
    plain.width = sp->width;
    plain.flags = sp->flags & F_LEFT;
    put_str(o, sym, &plain);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct outbuf o = { .buf = buf, .size = size, .len = 0 };

    for (; *fmt; fmt++) {
        struct spec sp = { .flags = 0, .width = 0, .prec = -1 };
        int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t/ptrdiff */
        u64 uv;
        s64 sv;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-') sp.flags |= F_LEFT;
            else if (*fmt == '0') sp.flags |= F_ZERO;
            else if (*fmt == '+') sp.flags |= F_PLUS;
            else if (*fmt == ' ') sp.flags |= F_SPACE;
            else if (*fmt == '#') sp.flags |= F_ALT;
            else break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.flags |= F_LEFT;
                sp.width = -sp.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            sp.prec = 0;
            if (*fmt == '*') {
                sp.prec = va_arg(ap, int);
                if (sp.prec < 0)
                    sp.prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    sp.prec = sp.prec * 10 + (*fmt++ - '0');
            }
        }
        for (;; fmt++) {
            if (*fmt == 'h') lng--;
            else if (*fmt == 'l') lng++;
            else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') lng = 3;
            else break;
        }

        switch (*fmt) {
        case 'd':
        case 'i':
            if (lng >= 1)
                sv = lng == 1 ? va_arg(ap, long) : va_arg(ap, long long);
            else
                sv = va_arg(ap, int);
            if (lng == -1)
                sv = (short)sv;
            else if (lng <= -2)
                sv = (signed char)sv;
            put_num(&o, sv < 0 ? -(u64)sv : (u64)sv, sv < 0, true, 10, &sp);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            if (lng >= 1)
                uv = lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
            else
                uv = va_arg(ap, unsigned int);
            if (lng == -1)
                uv = (unsigned short)uv;
            else if (lng <= -2)
                uv = (unsigned char)uv;
            if (*fmt == 'X')
                sp.flags |= F_UPPER;
            put_num(&o, uv, false, false, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, &sp);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            if (!(sp.flags & F_LEFT))
                put_repeat(&o, ' ', sp.width - 1);
            put(&o, c);
            if (sp.flags & F_LEFT)
                put_repeat(&o, ' ', sp.width - 1);
            break;
        }
        case 's':
            put_str(&o, va_arg(ap, const char *), &sp);
            break;
        case 'p': {
            unsigned long p = (unsigned long)va_arg(ap, void *);
            if (fmt[1] == 'S') {
                fmt++;
                put_symbol(&o, p, &sp);
            } else {
                sp.flags |= F_ALT;
                put_num(&o, p, false, false, 16, &sp);
            }
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--; /* a lone '%' at the end */
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (o.size)
        o.buf[o.len < o.size ? o.len : o.size - 1] = '\0';
    return (int)o.len;
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
