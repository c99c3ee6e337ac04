/* SPDX-License-Identifier: BSD-2-Clause */
/* The command-line option parser (see hv/param.h). */
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/param.h>

#define WORD_MAX 256

static int set_uint(const struct param *p, const char *val)
{
    u64 v;
    const char *end;
    int rc = p->type == PARAM_SIZE ? parse_size(val, &end, &v)
                                   : parse_u64(val, &end, 0, &v);

    if (rc || *end)
        return rc ? rc : -EINVAL;
    switch (p->size) {
    case 1: if (v > UINT8_MAX) return -ERANGE; *(u8 *)p->var = v; break;
    case 2: if (v > UINT16_MAX) return -ERANGE; *(u16 *)p->var = v; break;
    case 4: if (v > UINT32_MAX) return -ERANGE; *(u32 *)p->var = v; break;
    case 8: *(u64 *)p->var = v; break;
    default: return -EINVAL;
    }
    return 0;
}

static int set_bool(const struct param *p, const char *val, bool negated)
{
    bool v;

    if (!val)
        v = true;
    else if (!strcmp(val, "1") || !strcmp(val, "on") || !strcmp(val, "yes") ||
             !strcmp(val, "true") || !strcmp(val, "enable"))
        v = true;
    else if (!strcmp(val, "0") || !strcmp(val, "off") || !strcmp(val, "no") ||
             !strcmp(val, "false") || !strcmp(val, "disable"))
        v = false;
    else
        return -EINVAL;
    *(bool *)p->var = negated ? !v : v;
    return 0;
}

static int apply(const struct param *p, const char *val, bool negated)
{
    if (p->type == PARAM_BOOL)
        return set_bool(p, val, negated);
    if (negated || !val)
        return -EINVAL; /* only booleans take "no-" or stand alone */
    switch (p->type) {
    case PARAM_UINT:
    case PARAM_SIZE:
        return set_uint(p, val);
    case PARAM_STRING:
        if (strlen(val) >= p->size)
            return -ERANGE;
        hv_strlcpy(p->var, val, p->size);
        return 0;
    case PARAM_CUSTOM:
        return p->parse(val);
    default:
        return -EINVAL;
    }
}

static const struct param *find(const char *name, const struct param *start,
                                const struct param *end)
{
    for (const struct param *p = start; p < end; p++)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

int param_parse(const char *cmdline, const struct param *start, const struct param *end,
                param_report_fn report)
{
    char word[WORD_MAX], msg[WORD_MAX + 128];
    int bad = 0;

    for (const char *s = cmdline; *s;) {
        const struct param *p;
        char *val;
        size_t len = 0;
        bool negated = false;
        int rc;

        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        while (s[len] && s[len] != ' ' && s[len] != '\t')
            len++;
        if (len >= sizeof(word)) {
            snprintf(msg, sizeof(msg), "option '%.32s...' is too long; ignored", s);
            report(msg);
            bad++;
            s += len;
            continue;
        }
        memcpy(word, s, len);
        word[len] = '\0';
        s += len;

        val = strchr(word, '=');
        if (val)
            *val++ = '\0';
        p = find(word, start, end);
        if (!p && !strncmp(word, "no-", 3)) {
            p = find(word + 3, start, end);
            negated = p != NULL;
        }
        if (!p) {
            snprintf(msg, sizeof(msg), "unknown option '%s'; ignored", word);
            report(msg);
            bad++;
            continue;
        }
        rc = apply(p, val, negated);
        if (rc) {
            snprintf(msg, sizeof(msg), "option '%s%s%s': bad value (expected %s); ignored",
                     negated ? "no-" : "", p->name, val ? "=..." : "", p->help);
            report(msg);
            bad++;
        }
    }
    return bad;
}
