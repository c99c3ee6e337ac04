/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Debug keys, as in Xen: a key typed on the hypervisor console runs a handler that
 * prints some state. Handlers are declared next to the state they show:
 *
 *     KEYHANDLER('m', dump_memory, "show memory use");
 *
 * Keys are collected by the serial interrupt handler and run later from softirq
 * context on the boot CPU, where they may take locks and print freely.
 */
#ifndef HV_KEYHANDLER_H
#define HV_KEYHANDLER_H

#include <hv/compiler.h>

struct keyhandler {
    unsigned char key;
    void (*fn)(unsigned char key);
    const char *desc;
};

#define KEYHANDLER_CAT2_(a, b) a##b
#define KEYHANDLER_CAT_(a, b) KEYHANDLER_CAT2_(a, b)
#define KEYHANDLER(k, f, d)                                                              \
    static const struct keyhandler KEYHANDLER_CAT_(keyhandler_, __LINE__) __used         \
        __section(".keyhandler") __aligned(8) = { k, f, d }

/* Queue a typed key (interrupt context); it runs from the console softirq. */
void keyhandler_queue(unsigned char key);

/* Run the handler for `key` now, or print the help when there is none. */
void keyhandler_run(unsigned char key);

void keyhandler_init(void);

#endif /* HV_KEYHANDLER_H */
