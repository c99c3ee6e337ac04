/* SPDX-License-Identifier: BSD-2-Clause */
/* Apply the hypervisor command line to the options registered in section .param. */
#include <hv/console.h>
#include <hv/param.h>

extern const struct param __param_start[], __param_end[];

static void report(const char *msg)
{
    printk(LOG_WARN "cmdline: %s\n", msg);
}

void cmdline_parse(const char *cmdline)
{
    param_parse(cmdline, __param_start, __param_end, report);
}
