/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hypervisor console: printk with log levels, a ring buffer holding every line
 * (whatever the level), and the serial port as the device. See common/console.c.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <hv/compiler.h>
#include <hv/types.h>

/*
 * A message may start with one of these prefixes. Messages without one are
 * LOG_INFO. The console prints messages at or above the threshold set by
 * "loglvl=" (default: info); the ring buffer keeps all of them. LOG_ALWAYS is for
 * the few lines users and tools rely on (the "ready:" line): no threshold hides it.
 */
#define LOG_ALWAYS "<0>"
#define LOG_ERR    "<1>"
#define LOG_WARN   "<2>"
#define LOG_INFO   "<3>"
#define LOG_DEBUG  "<4>"

enum log_level { LOGL_ALWAYS, LOGL_ERR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG, LOGL_COUNT };

void printk(const char *fmt, ...) __printf(1, 2);

/* A line of a guest's console output, shown as "(dN) text". */
void console_guest_line(unsigned int domid, const char *text, size_t len);
void vprintk(const char *fmt, va_list ap);

/* A console output device (the serial port, the VGA text screen...). */
struct console_dev {
    const char *name;
    void (*write)(const char *s, size_t len);
    struct console_dev *next;
};

void console_register(struct console_dev *dev);

/* Called once the command line is parsed; applies "loglvl=". */
void console_init_params(void);

/* Characters typed on the console, from the serial driver's interrupt handler. */
void console_input_char(char c);

/*
 * After a panic: print without taking the console lock (another CPU may hold it and
 * be stopped). Output can interleave; losing the panic message would be worse.
 */
void console_force_unlock(void);

/* Copy the last `len` bytes of the ring buffer (for the 'l' debug key and tests). */
size_t console_ring_read(char *buf, size_t len);

#endif /* HV_CONSOLE_H */
