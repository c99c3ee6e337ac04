/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hypervisor command-line options, declared next to the code they configure:
 *
 *     static unsigned int loglvl_level = LOGL_INFO;
 *     param_custom("loglvl", parse_loglvl, "error|warning|info|debug");
 *
 * Options are words separated by spaces: "name=value", "name" (a boolean set to true),
 * or "no-name" (false). Unknown options and bad values are reported on the console
 * and ignored, so a typo never stops the machine from booting.
 */
#ifndef HV_PARAM_H
#define HV_PARAM_H

#include <hv/compiler.h>
#include <hv/types.h>

enum param_type { PARAM_BOOL, PARAM_UINT, PARAM_SIZE, PARAM_STRING, PARAM_CUSTOM };

struct param {
    const char *name;
    enum param_type type;
    void *var;
    size_t size;                    /* of *var (string buffers) */
    int (*parse)(const char *val);  /* PARAM_CUSTOM: 0 or -errno */
    const char *help;               /* the accepted values, for messages */
};

#define PARAM_CAT2_(a, b) a##b
#define PARAM_CAT_(a, b) PARAM_CAT2_(a, b)
#define PARAM_(n, t, v, s, p, h)                                                         \
    static const struct param PARAM_CAT_(param_, __LINE__) __used __section(".param")   \
        __aligned(8) = { n, t, v, s, p, h }
#define param_bool(name, var)   PARAM_(name, PARAM_BOOL, &(var), sizeof(var), NULL, "a boolean")
#define param_uint(name, var)   PARAM_(name, PARAM_UINT, &(var), sizeof(var), NULL, "a number")
#define param_size(name, var)   PARAM_(name, PARAM_SIZE, &(var), sizeof(var), NULL, "a size")
#define param_string(name, var) PARAM_(name, PARAM_STRING, (var), sizeof(var), NULL, "a string")
#define param_custom(name, fn, help) PARAM_(name, PARAM_CUSTOM, NULL, 0, fn, help)

/* Called for every option the parser could not apply, with a sentence saying why. */
typedef void (*param_report_fn)(const char *msg);

/*
 * Apply `cmdline` to the options in [start, end). Returns the number of words that
 * could not be applied (unknown name or bad value); each is reported through `report`.
 */
int param_parse(const char *cmdline, const struct param *start, const struct param *end,
                param_report_fn report);

/* Apply the hypervisor command line to every registered option. */
void cmdline_parse(const char *cmdline);

#endif /* HV_PARAM_H */
