/* SPDX-License-Identifier: BSD-2-Clause */
/* Number, size and string helpers shared by the command line and config parsers. */
#include <hv/errno.h>
#include <hv/lib.h>

size_t hv_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);

    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

int parse_u64(const char *s, const char **end, unsigned int base, u64 *val)
{
    u64 v = 0;
    bool any = false, overflow = false;

    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
        digit_value(s[2]) < 16) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = (s[0] == '0' && digit_value(s[1]) < 8) ? 8 : 10;
    }

    for (;; s++) {
        unsigned int d = digit_value(*s);
        if (d >= base)
            break;
        if (v > (UINT64_MAX - d) / base)
            overflow = true;
        v = v * base + d;
        any = true;
    }
    if (end)
        *end = s;
    if (!any)
        return -EINVAL;
    if (overflow)
        return -ERANGE;
    *val = v;
    return 0;
}

int parse_size(const char *s, const char **end, u64 *bytes)
{
    const char *p;
    u64 v;
    unsigned int shift = 0;
    int rc = parse_u64(s, &p, 0, &v);

    if (rc)
        return rc;
    switch (*p) {
    case 'k': case 'K': shift = 10; p++; break;
    case 'm': case 'M': shift = 20; p++; break;
    case 'g': case 'G': shift = 30; p++; break;
    case 't': case 'T': shift = 40; p++; break;
    }
    if (shift && p[0] == 'i' && p[1] == 'B')
        p += 2;
    else if (*p == 'B')
        p++;
    if (shift && (v >> (64 - shift)))
        return -ERANGE;
    if (end)
        *end = p;
    *bytes = v << shift;
    return 0;
}
