/* SPDX-License-Identifier: BSD-2-Clause */
/* Between the framework's own files; tests use framework.h only. */
#ifndef GUEST_PRIVATE_H
#define GUEST_PRIVATE_H

#include "framework.h"

/* head.asm */
extern uint32_t boot_loader, boot_raw_info;

/* bootinfo.c */
void bootinfo_parse(uint32_t loader, uint32_t raw);

/* traps.c */
void traps_init(void);
void traps_load(void);                  /* LIDT the IDT traps_init() built */
void trap_dispatch(struct trap_frame *f);

/* lib.c: the console lock, which printf() takes (it nests on one CPU) */
void console_lock(void);
void console_unlock(void);

/* setup.c, called by head.asm */
void framework_main(void) __noreturn;

#endif /* GUEST_PRIVATE_H */
