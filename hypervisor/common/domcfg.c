/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The domain configuration parser (see hv/domcfg.h): a lexer over a bounded buffer
 * that is never read past `len`, a table of keys with a setter each, and the checks
 * across keys once the whole file has been read. The first error ends the parse.
 */
#include <hv/domcfg.h>
#include <hv/errno.h>
#include <hv/lib.h>

#define SHOW_MAX 40     /* bytes of a key or value quoted in a message */

struct value {
    enum { V_STRING, V_INT, V_LIST } kind;
    unsigned int line;  /* where it starts */
    size_t len;         /* V_STRING: its length, decoded into parser.buf */
    u64 num;            /* V_INT: its magnitude (UINT64_MAX if it did not fit) */
    char sign;          /* V_INT: '+', '-' or 0 */
    size_t tok, toklen; /* V_INT: the number as written, for messages */
};

enum list_state { LIST_NONE, LIST_ITEM_OR_END, LIST_COMMA_OR_END };

struct keydef;

struct parser {
    const char *text;
    size_t len, pos;
    unsigned int line;
    const char *file;
    char *err;
    size_t errlen;
    struct domcfg *cfg;
    const struct keydef *key;       /* the statement being read */
    enum list_state list;           /* the list being read, if any */
    unsigned int list_line;         /* where it opened */
    unsigned int list_nr;           /* entries so far */
    enum domcfg_firmware bios;      /* bios = ..., used unless firmware is given */
    char buf[DOMCFG_STR_LEN];       /* the last string read, decoded */
};

typedef int (*setter_fn)(struct parser *p, const struct keydef *k, struct value *v);

struct keydef {
    const char *name;
    enum domcfg_key key;
    setter_fn set;
    const char *expect;             /* what the key takes, for messages */
    size_t off;                     /* of its field in struct domcfg */
    unsigned int min, max;          /* integers; for lists, max 1 = a string will do */
    const char *const *names;       /* enumerations: the value is the index */
    unsigned int nr_names;
};

/* ---- messages ---- */

static int fail(struct parser *p, unsigned int line, const char *fmt, ...) __printf(3, 4);

/* Report "<file>:<line>: <message>" (or "<file>: <message>" for line 0). */
static int fail(struct parser *p, unsigned int line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!p->err || !p->errlen)
        return -EINVAL;
    if (line)
        n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, line);
    else
        n = snprintf(p->err, p->errlen, "%s: ", p->file);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - n, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Text from the file, made safe to print: at most SHOW_MAX bytes, non-printable
 * bytes as '?', and "..." if cut. */
static const char *show(char dst[SHOW_MAX + 4], const char *s, size_t len)
{
    size_t n = len < SHOW_MAX ? len : SHOW_MAX;

    for (size_t i = 0; i < n; i++)
        dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    if (len > n)
        memcpy(dst + n, "...", 3), n += 3;
    dst[n] = '\0';
    return dst;
}

/* One character (or the end of the file) described for a message. */
static const char *describe(char dst[16], int c)
{
    if (c < 0)
        return "the end of the file";
    if (c == '\n')
        return "the end of the line";
    if (c >= 0x20 && c < 0x7f)
        snprintf(dst, 16, "'%c'", c);
    else
        snprintf(dst, 16, "byte 0x%02x", c);
    return dst;
}

/* The value was of the wrong shape or out of range: say what the key takes. */
static int bad_value(struct parser *p, const struct keydef *k, const struct value *v)
{
    char s[SHOW_MAX + 4];

    switch (v->kind) {
    case V_LIST:
        return fail(p, v->line, "'%s' must be %s, not a list", k->name, k->expect);
    case V_INT:
        show(s, p->text + v->tok, v->toklen);
        if (v->sign)
            return fail(p, v->line, "'%s' takes no sign (%s): it must be %s", k->name, s,
                        k->expect);
        return fail(p, v->line, "'%s' must be %s, not %s", k->name, k->expect, s);
    default:
        return fail(p, v->line, "'%s' must be %s, not \"%s\"", k->name, k->expect,
                    show(s, p->buf, v->len));
    }
}

/* ---- the lexer ---- */

static int peek_at(const struct parser *p, size_t ahead)
{
    return p->len - p->pos > ahead ? (unsigned char)p->text[p->pos + ahead] : -1;
}

static int peek(const struct parser *p)
{
    return peek_at(p, 0);
}

static bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_key_start(int c)
{
    return is_alpha(c) || c == '_';
}

static bool is_key_char(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_';
}

static int hex_value(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Skip blanks and a comment, up to (not over) the end of the line. */
static void skip_blanks(struct parser *p)
{
    while (is_blank(peek(p)))
        p->pos++;
    if (peek(p) == '#')
        while (peek(p) >= 0 && peek(p) != '\n')
            p->pos++;
}

/* The length of the word starting at `start`: what a message quotes when a key or
 * a number runs into characters it cannot hold. */
static size_t word_len(const struct parser *p, size_t start)
{
    size_t end = start;

    while (end < p->len) {
        char c = p->text[end];
        if (is_blank(c) || c == '\n' || c == ';' || c == '#' || c == '=' || c == ',' ||
            c == ']' || c == '"' || c == '\'')
            break;
        end++;
    }
    return end - start;
}

/* A quoted string, decoded into p->buf (NUL-terminated, no NUL inside). */
static int read_string(struct parser *p, size_t *len)
{
    int quote = peek(p);
    unsigned int line = p->line;
    size_t n = 0;
    char d[16];

    p->pos++;
    for (;;) {
        int c = peek(p);

        if (c < 0 || c == '\n' || (c == '\r' && (peek_at(p, 1) < 0 || peek_at(p, 1) == '\n')))
            return fail(p, line, "unterminated string (no closing %c on its line)", quote);
        p->pos++;
        if (c == quote)
            break;
        if (c == '\\') {
            int e = peek(p);

            switch (e) {
            case '"': case '\'': case '\\': c = e; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case -1: case '\n': case '\r':
                return fail(p, line, "unterminated string (no closing %c on its line)",
                            quote);
            default:
                return fail(p, p->line, "unknown escape '\\' followed by %s in a string "
                            "(known: \\\" \\' \\\\ \\n \\t)", describe(d, e));
            }
            p->pos++;
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return fail(p, p->line, "control character (byte 0x%02x) in a string", c);
        }
        if (n == DOMCFG_STR_LEN - 1)
            return fail(p, line, "string longer than %d bytes", DOMCFG_STR_LEN - 1);
        p->buf[n++] = c;
    }
    p->buf[n] = '\0';
    *len = n;
    return 0;
}

/* An integer: decimal or 0x hex, with an optional sign that setters refuse. */
static int read_number(struct parser *p, struct value *v)
{
    unsigned int base = 10;
    bool overflow = false;
    u64 num = 0;
    char s[SHOW_MAX + 4];
    size_t digits;

    v->kind = V_INT;
    v->tok = p->pos;
    v->sign = 0;
    if (peek(p) == '+' || peek(p) == '-')
        v->sign = p->text[p->pos++];
    if (peek(p) == '0' && (peek_at(p, 1) == 'x' || peek_at(p, 1) == 'X') &&
        hex_value(peek_at(p, 2)) >= 0) {
        base = 16;
        p->pos += 2;
    } else if (peek(p) == '0' && is_digit(peek_at(p, 1))) {
        return fail(p, p->line, "'%s': %s has a leading zero (xl would read it as "
                    "octal); write the number without it", p->key->name,
                    show(s, p->text + v->tok, word_len(p, v->tok)));
    }
    digits = p->pos;
    for (int d; (d = hex_value(peek(p))) >= 0 && (unsigned int)d < base; p->pos++) {
        if (num > (UINT64_MAX - d) / base)
            overflow = true;
        num = num * base + d;
    }
    if (p->pos == digits || is_key_char(peek(p)) || peek(p) == '.')
        return fail(p, p->line, "'%s': bad number %s", p->key->name,
                    show(s, p->text + v->tok, word_len(p, v->tok)));
    v->num = overflow ? UINT64_MAX : num;
    v->toklen = p->pos - v->tok;
    return 0;
}

/* The value of a statement, after the '='. A list is only opened: the setter reads
 * its entries with list_next(). */
static int read_value(struct parser *p, struct value *v)
{
    int c = peek(p);
    char s[SHOW_MAX + 4], d[16];

    v->line = p->line;
    if (c == '"' || c == '\'') {
        v->kind = V_STRING;
        return read_string(p, &v->len);
    }
    if (is_digit(c) || c == '+' || c == '-')
        return read_number(p, v);
    if (c == '[') {
        p->pos++;
        v->kind = V_LIST;
        p->list = LIST_ITEM_OR_END;
        p->list_line = p->line;
        p->list_nr = 0;
        return 0;
    }
    if (c < 0 || c == '\n' || c == ';' || c == '#')
        return fail(p, p->line, "'%s' has no value", p->key->name);
    if (is_key_char(c)) {
        show(s, p->text + p->pos, word_len(p, p->pos));
        return fail(p, p->line, "'%s': strings need quotes (\"%s\", not %s)", p->key->name,
                    s, s);
    }
    return fail(p, p->line, "'%s' has a bad value: unexpected %s", p->key->name,
                describe(d, c));
}

/* The next entry of the open list: 1 with a string in *v, 0 at its end (the ']' read),
 * or -EINVAL. */
static int list_next(struct parser *p, struct value *v)
{
    const char *key = p->key->name;
    char d[16];

    for (;;) {
        int c;

        skip_blanks(p);
        c = peek(p);
        if (c == '\n') {
            p->pos++;
            p->line++;
            continue;
        }
        if (c < 0)
            return fail(p, p->list_line, "unterminated list for '%s' (no closing ']')", key);
        if (c == ']') {
            p->pos++;
            p->list = LIST_NONE;
            return 0;
        }
        if (p->list == LIST_COMMA_OR_END) {
            if (c != ',')
                return fail(p, p->line, "expected ',' or ']' in the list for '%s' (opened "
                            "on line %u), found %s", key, p->list_line, describe(d, c));
            p->pos++;
            p->list = LIST_ITEM_OR_END;
            continue;
        }
        if (c == ',')
            return fail(p, p->line, "empty entry in the list for '%s'", key);
        if (c == '[')
            return fail(p, p->line, "lists cannot be nested ('%s')", key);
        if (c != '"' && c != '\'')
            return fail(p, p->line, "expected a quoted string or ']' in the list for '%s' "
                        "(opened on line %u), found %s", key, p->list_line, describe(d, c));
        if (p->list_nr == DOMCFG_LIST_MAX)
            return fail(p, p->line, "the list for '%s' has more than %d entries", key,
                        DOMCFG_LIST_MAX);
        v->kind = V_STRING;
        v->line = p->line;
        if (read_string(p, &v->len))
            return -EINVAL;
        p->list_nr++;
        p->list = LIST_COMMA_OR_END;
        return 1;
    }
}

/* ---- setters: one per kind of key ---- */

#define FIELD(p, k, type) ((type *)((char *)(p)->cfg + (k)->off))

static int set_uint(struct parser *p, const struct keydef *k, struct value *v)
{
    if (v->kind != V_INT || v->sign || v->num < k->min || v->num > k->max)
        return bad_value(p, k, v);
    *FIELD(p, k, unsigned int) = v->num;
    return 0;
}

static int set_bool(struct parser *p, const struct keydef *k, struct value *v)
{
    if (v->kind != V_INT || v->sign || v->num > 1)
        return bad_value(p, k, v);
    *FIELD(p, k, bool) = v->num;
    return 0;
}

/* The index of the string value in k->names, or -1. */
static int lookup_name(const struct parser *p, const struct keydef *k,
                       const struct value *v)
{
    if (v->kind == V_STRING)
        for (unsigned int i = 0; i < k->nr_names; i++)
            if (!strcmp(p->buf, k->names[i]))
                return i;
    return -1;
}

/* Enumerations: fields of an enum type, which is an unsigned int (see domcfg_parse). */
static int set_enum(struct parser *p, const struct keydef *k, struct value *v)
{
    int i = lookup_name(p, k, v);

    if (i < 0)
        return bad_value(p, k, v);
    *FIELD(p, k, unsigned int) = i;
    return 0;
}

static int refuse_pv(struct parser *p, const struct keydef *k, struct value *v)
{
    char s[SHOW_MAX + 4];

    return fail(p, v->line, "%s \"%s\": Petrel runs HVM and PVH domains only, not PV",
                k->name, show(s, p->buf, v->len));
}

static int set_type(struct parser *p, const struct keydef *k, struct value *v)
{
    if (v->kind == V_STRING && !strcmp(p->buf, "pv"))
        return refuse_pv(p, k, v);
    return set_enum(p, k, v);
}

/* builder = "hvm": xl's older form of type = "hvm" (which is the default). */
static int set_builder(struct parser *p, const struct keydef *k, struct value *v)
{
    if (v->kind == V_STRING && (!strcmp(p->buf, "generic") || !strcmp(p->buf, "pv")))
        return refuse_pv(p, k, v);
    if (v->kind != V_STRING || strcmp(p->buf, "hvm"))
        return bad_value(p, k, v);
    return 0;
}

static int set_string(struct parser *p, const struct keydef *k, struct value *v)
{
    if (v->kind != V_STRING)
        return bad_value(p, k, v);
    memcpy(FIELD(p, k, char), p->buf, v->len + 1);
    return 0;
}

static int set_name(struct parser *p, const struct keydef *k, struct value *v)
{
    char d[16];

    if (v->kind != V_STRING)
        return bad_value(p, k, v);
    if (v->len == 0)
        return fail(p, v->line, "'name' is empty");
    if (v->len >= DOMCFG_NAME_LEN)
        return fail(p, v->line, "'name' is longer than %d characters", DOMCFG_NAME_LEN - 1);
    for (size_t i = 0; i < v->len; i++) {
        char c = p->buf[i];
        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '-')
            return fail(p, v->line, "'name' may hold only letters, digits, '_', '.' and "
                        "'-', not %s", describe(d, (unsigned char)c));
    }
    memcpy(p->cfg->name, p->buf, v->len + 1);
    return 0;
}

/* A boot module's name, into `dst` (DOMCFG_MODNAME_LEN bytes). */
static int set_module_name(struct parser *p, const struct keydef *k, struct value *v,
                           char *dst)
{
    char s[SHOW_MAX + 4], b[SHOW_MAX + 4];
    const char *slash;

    if (v->kind != V_STRING || v->len == 0)
        return bad_value(p, k, v);
    slash = strrchr(p->buf, '/');
    if (slash) {
        show(s, p->buf, v->len);
        if (!slash[1])
            return fail(p, v->line, "'%s': \"%s\" is a path: give the name of a boot "
                        "module", k->name, s);
        return fail(p, v->line, "'%s': \"%s\" is a path: give the name of a boot module "
                    "(\"%s\")", k->name, s, show(b, slash + 1, strlen(slash + 1)));
    }
    if (v->len >= DOMCFG_MODNAME_LEN)
        return fail(p, v->line, "'%s': a boot module name has at most %d bytes",
                    k->name, DOMCFG_MODNAME_LEN - 1);
    for (size_t i = 0; i < v->len; i++) {
        unsigned char c = p->buf[i];
        if (c <= ' ' || c == 0x7f)
            return fail(p, v->line, "'%s': a boot module name has no blanks or control "
                        "characters", k->name);
    }
    memcpy(dst, p->buf, v->len + 1);
    return 0;
}

static int set_module(struct parser *p, const struct keydef *k, struct value *v)
{
    return set_module_name(p, k, v, FIELD(p, k, char));
}

static const char *const firmware_names[] = { "bios", "seabios", "uefi", "ovmf", "pvh" };
static const enum domcfg_firmware firmware_kinds[] = {
    DOMCFG_FW_SEABIOS, DOMCFG_FW_SEABIOS, DOMCFG_FW_OVMF, DOMCFG_FW_OVMF, DOMCFG_FW_PVH,
};

static int set_firmware(struct parser *p, const struct keydef *k, struct value *v)
{
    struct domcfg *cfg = p->cfg;
    int i = lookup_name(p, k, v), rc;

    if (i >= 0) {
        cfg->firmware = firmware_kinds[i];
        cfg->firmware_module[0] = '\0';
        return 0;
    }
    rc = set_module_name(p, k, v, cfg->firmware_module);
    if (!rc)
        cfg->firmware = DOMCFG_FW_MODULE;
    return rc;
}

static int set_bios(struct parser *p, const struct keydef *k, struct value *v)
{
    int i = lookup_name(p, k, v);

    if (i < 0)
        return bad_value(p, k, v);
    p->bios = i ? DOMCFG_FW_OVMF : DOMCFG_FW_SEABIOS;
    return 0;
}

static int set_list(struct parser *p, const struct keydef *k, struct value *v)
{
    struct domcfg_list *l = FIELD(p, k, struct domcfg_list);
    int rc;

    if (v->kind == V_STRING && k->max) {
        memcpy(l->item[0], p->buf, v->len + 1);
        l->nr = 1;
        return 0;
    }
    if (v->kind != V_LIST)
        return bad_value(p, k, v);
    l->nr = 0;
    while ((rc = list_next(p, v)) > 0)
        memcpy(l->item[l->nr++], p->buf, v->len + 1);
    return rc;
}

static int set_boot(struct parser *p, const struct keydef *k, struct value *v)
{
    char *boot = p->cfg->boot;

    if (v->kind != V_STRING || v->len < 1 || v->len > 3)
        return bad_value(p, k, v);
    for (size_t i = 0; i < v->len; i++) {
        char c = p->buf[i];
        if ((c != 'c' && c != 'd' && c != 'n') || strchr(p->buf + i + 1, c))
            return bad_value(p, k, v);
    }
    memcpy(boot, p->buf, v->len + 1);
    return 0;
}

static int set_uuid(struct parser *p, const struct keydef *k, struct value *v)
{
    u8 uuid[16];
    unsigned int n = 0;

    if (v->kind != V_STRING || v->len != 36)
        return bad_value(p, k, v);
    for (unsigned int i = 0; i < 36; i++) {
        int h = hex_value((unsigned char)p->buf[i]);
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? p->buf[i] != '-' : h < 0)
            return bad_value(p, k, v);
        if (dash)
            continue;
        if (n % 2 == 0)
            uuid[n / 2] = h << 4;
        else
            uuid[n / 2] |= h;
        n++;
    }
    memcpy(p->cfg->uuid, uuid, sizeof(uuid));
    return 0;
}

static const char *const viridian_names[] = {
    "base", "freq", "time_ref_count", "reference_tsc", "hcall_remote_tlb_flush",
    "apic_assist", "crash_ctl", "synic", "stimer", "hcall_ipi", "ex_processor_masks",
    "no_vp_limit", "cpu_hotplug",
};

/* viridian = 0 | 1 | [ "group", "!group", "defaults", "all", ... ] */
static int set_viridian(struct parser *p, const struct keydef *k, struct value *v)
{
    unsigned int line = v->line;
    u32 base = 0, on = 0, off = 0, result;
    char s[SHOW_MAX + 4];
    int rc;

    BUILD_BUG_ON(DOMCFG_VIRIDIAN_ALL != (1u << ARRAY_SIZE(viridian_names)) - 1);
    if (v->kind == V_INT && !v->sign && v->num <= 1) {
        p->cfg->viridian = v->num ? DOMCFG_VIRIDIAN_DEFAULTS : 0;
        return 0;
    }
    if (v->kind != V_LIST)
        return bad_value(p, k, v);
    while ((rc = list_next(p, v)) > 0) {
        bool negated = p->buf[0] == '!';
        const char *group = p->buf + negated;
        unsigned int i;

        if (!negated && !strcmp(group, "defaults")) {
            base |= DOMCFG_VIRIDIAN_DEFAULTS;
            continue;
        }
        if (!negated && !strcmp(group, "all")) {
            base |= DOMCFG_VIRIDIAN_ALL;
            continue;
        }
        for (i = 0; i < ARRAY_SIZE(viridian_names); i++)
            if (!strcmp(group, viridian_names[i]))
                break;
        if (i == ARRAY_SIZE(viridian_names))
            return fail(p, v->line, "'viridian': unknown group \"%s\" (known: base, freq, "
                        "time_ref_count, reference_tsc, hcall_remote_tlb_flush, "
                        "apic_assist, crash_ctl, synic, stimer, hcall_ipi, "
                        "ex_processor_masks, no_vp_limit, cpu_hotplug, defaults, all; "
                        "'!' before a group removes it)", show(s, p->buf, v->len));
        if (negated)
            off |= 1u << i;
        else
            on |= 1u << i;
        if (on & off)
            return fail(p, v->line, "'viridian': group \"%s\" is both added and removed",
                        viridian_names[i]);
    }
    if (rc < 0)
        return rc;
    result = (base | on) & ~off;
    if (result && !(result & DOMCFG_VIRIDIAN_BASE))
        return fail(p, line, "'viridian': the other groups need \"base\"");
    p->cfg->viridian = result;
    return 0;
}

/* ---- the keys ---- */

static const char *const type_names[] = { "hvm", "pvh" };
static const char *const bios_names[] = { "seabios", "ovmf" };
static const char *const action_names[] = {
    "destroy", "restart", "rename-restart", "preserve", "coredump-destroy",
    "coredump-restart", "soft-reset",
};
static const char *const tsc_mode_names[] = {
    "default", "always_emulate", "native", "native_paravirt",
};

#define OFF(f) __builtin_offsetof(struct domcfg, f)
#define NAMES(n) (n), ARRAY_SIZE(n)

#define MEMORY_EXPECT "an integer from 1 to " STRINGIFY(DOMCFG_MEMORY_MAX) " (MiB)"
#define VCPUS_EXPECT  "an integer from 1 to " STRINGIFY(DOMCFG_VCPUS_MAX)
#define ACTION_EXPECT "\"destroy\", \"restart\", \"rename-restart\", \"preserve\", "      \
                      "\"coredump-destroy\", \"coredump-restart\" or \"soft-reset\""
#define ACTION(key, k, f) { key, k, set_enum, ACTION_EXPECT, OFF(f), 0, 0, NAMES(action_names) }
#define BOOL(key, k, f)   { key, k, set_bool, "0 or 1", OFF(f), 0, 1, NULL, 0 }

static const struct keydef keys[] = {
    { "name", DOMCFG_KEY_NAME, set_name, "a quoted name", 0, 0, 0, NULL, 0 },
    { "type", DOMCFG_KEY_TYPE, set_type, "\"hvm\" or \"pvh\"", OFF(type), 0, 0,
      NAMES(type_names) },
    { "builder", DOMCFG_KEY_BUILDER, set_builder, "\"hvm\"", 0, 0, 0, NULL, 0 },
    { "memory", DOMCFG_KEY_MEMORY, set_uint, MEMORY_EXPECT, OFF(memory), 1,
      DOMCFG_MEMORY_MAX, NULL, 0 },
    { "maxmem", DOMCFG_KEY_MAXMEM, set_uint, MEMORY_EXPECT, OFF(maxmem), 1,
      DOMCFG_MEMORY_MAX, NULL, 0 },
    { "vcpus", DOMCFG_KEY_VCPUS, set_uint, VCPUS_EXPECT, OFF(vcpus), 1, DOMCFG_VCPUS_MAX,
      NULL, 0 },
    { "maxvcpus", DOMCFG_KEY_MAXVCPUS, set_uint, VCPUS_EXPECT, OFF(maxvcpus), 1,
      DOMCFG_VCPUS_MAX, NULL, 0 },
    { "kernel", DOMCFG_KEY_KERNEL, set_module, "a boot module name", OFF(kernel), 0, 0,
      NULL, 0 },
    { "ramdisk", DOMCFG_KEY_RAMDISK, set_module, "a boot module name", OFF(ramdisk), 0, 0,
      NULL, 0 },
    { "cmdline", DOMCFG_KEY_CMDLINE, set_string, "a string", OFF(cmdline), 0, 0, NULL, 0 },
    { "extra", DOMCFG_KEY_EXTRA, set_string, "a string", OFF(extra), 0, 0, NULL, 0 },
    { "root", DOMCFG_KEY_ROOT, set_string, "a string", OFF(root), 0, 0, NULL, 0 },
    { "firmware", DOMCFG_KEY_FIRMWARE, set_firmware,
      "\"bios\", \"seabios\", \"uefi\", \"ovmf\", \"pvh\" or a boot module name", 0, 0, 0,
      NAMES(firmware_names) },
    { "bios", DOMCFG_KEY_BIOS, set_bios, "\"seabios\" or \"ovmf\"", 0, 0, 0,
      NAMES(bios_names) },
    ACTION("on_poweroff", DOMCFG_KEY_ON_POWEROFF, on_poweroff),
    ACTION("on_reboot", DOMCFG_KEY_ON_REBOOT, on_reboot),
    ACTION("on_crash", DOMCFG_KEY_ON_CRASH, on_crash),
    ACTION("on_watchdog", DOMCFG_KEY_ON_WATCHDOG, on_watchdog),
    ACTION("on_soft_reset", DOMCFG_KEY_ON_SOFT_RESET, on_soft_reset),
    { "disk", DOMCFG_KEY_DISK, set_list, "a list of strings", OFF(disk), 0, 0, NULL, 0 },
    { "vif", DOMCFG_KEY_VIF, set_list, "a list of strings", OFF(vif), 0, 0, NULL, 0 },
    { "channel", DOMCFG_KEY_CHANNEL, set_list, "a string or a list of strings",
      OFF(channel), 0, 1, NULL, 0 },
    { "serial", DOMCFG_KEY_SERIAL, set_list, "a string or a list of strings", OFF(serial),
      0, 1, NULL, 0 },
    { "boot", DOMCFG_KEY_BOOT, set_boot, "1 to 3 of the letters c, d and n, each once",
      0, 0, 0, NULL, 0 },
    BOOL("testdev", DOMCFG_KEY_TESTDEV, testdev),
    { "uuid", DOMCFG_KEY_UUID, set_uuid, "a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, "
      "hex digits)", 0, 0, 0, NULL, 0 },
    BOOL("acpi", DOMCFG_KEY_ACPI, acpi),
    BOOL("apic", DOMCFG_KEY_APIC, apic),
    BOOL("pae", DOMCFG_KEY_PAE, pae),
    BOOL("hap", DOMCFG_KEY_HAP, hap),
    { "viridian", DOMCFG_KEY_VIRIDIAN, set_viridian, "0, 1 or a list of viridian groups",
      0, 0, 0, NULL, 0 },
    BOOL("localtime", DOMCFG_KEY_LOCALTIME, localtime),
    { "tsc_mode", DOMCFG_KEY_TSC_MODE, set_enum, "\"default\", \"always_emulate\", "
      "\"native\" or \"native_paravirt\"", OFF(tsc_mode), 0, 0, NAMES(tsc_mode_names) },
};

static const struct keydef *find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        if (strlen(keys[i].name) == len && !memcmp(keys[i].name, name, len))
            return &keys[i];
    return NULL;
}

/* ---- statements ---- */

/* KEY = VALUE, from its first character to the end of the value. */
static int read_statement(struct parser *p)
{
    size_t start = p->pos, len;
    const struct keydef *k;
    struct value v;
    char s[SHOW_MAX + 4], d[16];
    int c = peek(p), rc;

    if (!is_key_start(c))
        return fail(p, p->line, "expected a key, found %s", describe(d, c));
    while (is_key_char(peek(p)))
        p->pos++;
    len = p->pos - start;
    c = peek(p);
    if (c >= 0 && !is_blank(c) && c != '=' && c != '\n' && c != ';' && c != '#')
        return fail(p, p->line, "bad key '%s' (a key is letters, digits and '_')",
                    show(s, p->text + start, word_len(p, start)));
    k = find_key(p->text + start, len);
    if (!k)
        return fail(p, p->line, "unknown key '%s'", show(s, p->text + start, len));
    p->key = k;
    while (is_blank(peek(p)))
        p->pos++;
    if (peek(p) != '=')
        return fail(p, p->line, "expected '=' after '%s', found %s", k->name,
                    describe(d, peek(p)));
    p->pos++;
    while (is_blank(peek(p)))
        p->pos++;
    rc = read_value(p, &v);
    if (rc)
        return rc;
    rc = k->set(p, k, &v);
    /* Every setter that takes a list reads it to its end; one that does not fails. */
    if (!rc && p->list != LIST_NONE)
        return fail(p, p->list_line, "'%s' must be %s, not a list", k->name, k->expect);
    if (rc)
        return rc;
    p->cfg->set |= 1ULL << k->key;
    return 0;
}

static int read_statements(struct parser *p)
{
    char d[16];

    for (;;) {
        int c, rc;

        skip_blanks(p);
        c = peek(p);
        if (c < 0)
            return 0;
        if (c == '\n') {
            p->pos++;
            p->line++;
            continue;
        }
        if (c == ';') {
            p->pos++;
            continue;
        }
        rc = read_statement(p);
        if (rc)
            return rc;
        skip_blanks(p);
        c = peek(p);
        if (c >= 0 && c != '\n' && c != ';')
            return fail(p, p->line, "unexpected %s after the value of '%s'",
                        describe(d, c), p->key->name);
    }
}

/* ---- the checks across keys ---- */

static const char *firmware_name(const struct domcfg *cfg)
{
    switch (cfg->firmware) {
    case DOMCFG_FW_SEABIOS: return "seabios";
    case DOMCFG_FW_OVMF: return "ovmf";
    case DOMCFG_FW_PVH: return "pvh";
    case DOMCFG_FW_MODULE: return cfg->firmware_module;
    default: return "default";
    }
}

static int finish(struct parser *p)
{
    struct domcfg *cfg = p->cfg;
    const char *fw_key = domcfg_is_set(cfg, DOMCFG_KEY_FIRMWARE) ? "firmware" : "bios";
    size_t root_len, extra_len;

    if (!domcfg_is_set(cfg, DOMCFG_KEY_NAME))
        return fail(p, 0, "no 'name' given (it is required)");
    if (!domcfg_is_set(cfg, DOMCFG_KEY_MEMORY))
        return fail(p, 0, "no 'memory' given (it is required, in MiB)");
    if (!domcfg_is_set(cfg, DOMCFG_KEY_MAXMEM))
        cfg->maxmem = cfg->memory;
    else if (cfg->maxmem < cfg->memory)
        return fail(p, 0, "maxmem (%u MiB) is less than memory (%u MiB)", cfg->maxmem,
                    cfg->memory);
    if (!domcfg_is_set(cfg, DOMCFG_KEY_MAXVCPUS))
        cfg->maxvcpus = cfg->vcpus;
    else if (cfg->maxvcpus < cfg->vcpus)
        return fail(p, 0, "maxvcpus (%u) is less than vcpus (%u)", cfg->maxvcpus,
                    cfg->vcpus);

    if (!domcfg_is_set(cfg, DOMCFG_KEY_FIRMWARE) && domcfg_is_set(cfg, DOMCFG_KEY_BIOS))
        cfg->firmware = p->bios;
    if (cfg->type == DOMCFG_TYPE_PVH) {
        if (!cfg->kernel[0])
            return fail(p, 0, "a pvh domain needs a 'kernel'");
        if (cfg->firmware != DOMCFG_FW_DEFAULT && cfg->firmware != DOMCFG_FW_PVH)
            return fail(p, 0, "%s \"%s\" is for hvm domains; a pvh domain boots its kernel "
                        "directly", fw_key, firmware_name(cfg));
    } else if (cfg->firmware == DOMCFG_FW_PVH) {
        return fail(p, 0, "firmware \"pvh\" is for pvh domains, and this one is hvm");
    }
    if (cfg->ramdisk[0] && !cfg->kernel[0])
        return fail(p, 0, "a 'ramdisk' needs a 'kernel'");

    /* xl's rule: cmdline, else "root=<root> <extra>", "root=<root>" or <extra>. */
    if (domcfg_is_set(cfg, DOMCFG_KEY_CMDLINE))
        return 0;
    root_len = strlen(cfg->root);
    extra_len = strlen(cfg->extra);
    if (domcfg_is_set(cfg, DOMCFG_KEY_ROOT)) {
        size_t len = 5 + root_len + (domcfg_is_set(cfg, DOMCFG_KEY_EXTRA) ? 1 + extra_len : 0);

        if (len > DOMCFG_STR_LEN - 1)
            return fail(p, 0, "the command line made of 'root' and 'extra' is longer than "
                        "%d bytes", DOMCFG_STR_LEN - 1);
        memcpy(cfg->cmdline, "root=", 5);
        memcpy(cfg->cmdline + 5, cfg->root, root_len + 1);
        if (domcfg_is_set(cfg, DOMCFG_KEY_EXTRA)) {
            cfg->cmdline[5 + root_len] = ' ';
            memcpy(cfg->cmdline + 6 + root_len, cfg->extra, extra_len + 1);
        }
    } else {
        memcpy(cfg->cmdline, cfg->extra, extra_len + 1);
    }
    return 0;
}

/* ---- the interface ---- */

void domcfg_defaults(struct domcfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->type = DOMCFG_TYPE_HVM;
    cfg->vcpus = 1;
    cfg->firmware = DOMCFG_FW_DEFAULT;
    cfg->on_poweroff = DOMCFG_ACTION_DESTROY;
    cfg->on_reboot = DOMCFG_ACTION_RESTART;
    cfg->on_crash = DOMCFG_ACTION_DESTROY;
    cfg->on_watchdog = DOMCFG_ACTION_DESTROY;
    cfg->on_soft_reset = DOMCFG_ACTION_SOFT_RESET;
    memcpy(cfg->boot, "cd", 3);
    cfg->acpi = cfg->apic = cfg->pae = cfg->hap = true;
    cfg->tsc_mode = DOMCFG_TSC_DEFAULT;
}

int domcfg_parse(const char *text, size_t len, const char *filename,
                 struct domcfg *out, char *err, size_t errlen)
{
    struct parser p = {
        .text = text, .len = len, .line = 1, .file = filename ? filename : "(config)",
        .err = err, .errlen = errlen, .cfg = out, .key = &keys[0],
    };

    /* The setters store enumerations through unsigned int pointers. */
    BUILD_BUG_ON(sizeof(enum domcfg_type) != sizeof(unsigned int));
    BUILD_BUG_ON(sizeof(enum domcfg_action) != sizeof(unsigned int));
    BUILD_BUG_ON(sizeof(enum domcfg_tsc_mode) != sizeof(unsigned int));
    BUILD_BUG_ON(ARRAY_SIZE(action_names) != DOMCFG_NR_ACTIONS);
    BUILD_BUG_ON(DOMCFG_NR_KEYS > 64);
    BUILD_BUG_ON(ARRAY_SIZE(keys) != DOMCFG_NR_KEYS);

    if (err && errlen)
        err[0] = '\0';
    domcfg_defaults(out);
    if (!text)
        p.len = len = 0;

    /* The whole text first: its size, and no NUL byte. */
    for (size_t i = 0; i < len; i++) {
        if (i == DOMCFG_FILE_MAX)
            return fail(&p, p.line, "the file is larger than %d bytes", DOMCFG_FILE_MAX);
        if (text[i] == '\0')
            return fail(&p, p.line, "binary data (a NUL byte) in a configuration file");
        if (text[i] == '\n')
            p.line++;
    }
    p.line = 1;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        p.pos = 3;  /* a UTF-8 byte-order mark */

    if (read_statements(&p))
        return -EINVAL;
    return finish(&p);
}

const char *domcfg_action_name(enum domcfg_action action)
{
    return (unsigned int)action < ARRAY_SIZE(action_names) ? action_names[action] : "?";
}
