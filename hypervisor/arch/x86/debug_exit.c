/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The emulator's exit-status port. Under QEMU with -device isa-debug-exit at 0xf4, a
 * value written there ends QEMU with status (value << 1) | 1: when the last domain
 * ended through its own debug-exit port, the hypervisor passes its code on, so a whole
 * run is a test. QEMU is recognised by its fw_cfg signature; the port is never written
 * on other machines, where 0xf4 may mean something else.
 *
 *   debug_exit=auto|on|off     (default auto: only under QEMU)
 */
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/param.h>
#include <asm/processor.h>

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000

enum { DEBUG_EXIT_AUTO, DEBUG_EXIT_ON, DEBUG_EXIT_OFF };
static int debug_exit_mode = DEBUG_EXIT_AUTO;

static int parse_debug_exit(const char *v)
{
    if (!strcmp(v, "auto"))
        debug_exit_mode = DEBUG_EXIT_AUTO;
    else if (!strcmp(v, "on"))
        debug_exit_mode = DEBUG_EXIT_ON;
    else if (!strcmp(v, "off"))
        debug_exit_mode = DEBUG_EXIT_OFF;
    else
        return -EINVAL;
    return 0;
}
param_custom("debug_exit", parse_debug_exit, "auto, on or off");

static bool running_under_qemu(void)
{
    char sig[4];

    outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
    for (unsigned int i = 0; i < 4; i++)
        sig[i] = inb(FW_CFG_PORT_DATA);
    return !memcmp(sig, "QEMU", 4);
}

bool arch_debug_exit(u32 code);
bool arch_debug_exit(u32 code)
{
    if (debug_exit_mode == DEBUG_EXIT_OFF ||
        (debug_exit_mode == DEBUG_EXIT_AUTO && !running_under_qemu()))
        return false;
    printk("Exit code %u to the emulator's debug-exit port\n", code);
    outl(0xf4, code);
    return true;
}
