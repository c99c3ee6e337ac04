/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The console: printk formats a message, splits it into lines, prefixes each with
 * "(HV) " (guests' lines will carry "(dN) "), keeps every line in a ring buffer and
 * writes those at or above the log threshold to the registered devices.
 */
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/param.h>
#include <hv/spinlock.h>
#include <hv/time.h>

#define RING_SIZE (64 * 1024)

static DEFINE_SPINLOCK(console_lock);
static struct console_dev *devices;
static char ring[RING_SIZE];
static u64 ring_pos;           /* bytes ever written; ring[ring_pos % RING_SIZE] next */
static bool at_line_start = true;
static bool forced;            /* after a panic: no locking */

static enum log_level threshold = LOGL_INFO;
static bool timestamps;
param_bool("console_timestamps", timestamps);

static const char *const level_names[LOGL_COUNT] = { "", "error", "warning", "info",
                                                     "debug" };

static int parse_loglvl(const char *val)
{
    for (unsigned int i = LOGL_ERR; i < LOGL_COUNT; i++) {
        if (!strcmp(val, level_names[i])) {
            threshold = i;
            return 0;
        }
    }
    if (!strcmp(val, "all")) {
        threshold = LOGL_DEBUG;
        return 0;
    }
    return -EINVAL;
}
param_custom("loglvl", parse_loglvl, "error, warning, info, debug or all");

void console_register(struct console_dev *dev)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);

    dev->next = devices;
    devices = dev;
    spin_unlock_irqrestore(&console_lock, flags);
}

static void ring_put(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ring[(ring_pos + i) % RING_SIZE] = s[i];
    ring_pos += len;
}

static void emit(const char *s, size_t len, bool to_devices)
{
    ring_put(s, len);
    if (!to_devices)
        return;
    for (struct console_dev *d = devices; d; d = d->next)
        d->write(s, len);
}

/* Write one formatted message: text may hold several lines, or end mid-line. */
static void write_message_as(const char *who, const char *text, enum log_level level)
{
    bool show = level <= threshold;
    char prefix[40];

    while (*text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text + 1) : strlen(text);

        if (at_line_start) {
            int n;
            if (timestamps) {
                s_time_t t = NOW();
                n = snprintf(prefix, sizeof(prefix), "(%s) [%5lld.%06lld] ", who,
                             (long long)(t / 1000000000), (long long)(t / 1000 % 1000000));
            } else {
                n = snprintf(prefix, sizeof(prefix), "(%s) ", who);
            }
            emit(prefix, n, show);
        }
        emit(text, len, show);
        at_line_start = nl != NULL;
        text += len;
    }
}

static void write_message(const char *text, enum log_level level)
{
    write_message_as("HV", text, level);
}

void console_guest_line(unsigned int domid, const char *text, size_t len)
{
    char line[300], who[16];
    unsigned long flags;

    snprintf(line, sizeof(line), "%.*s\n", (int)len, text);
    snprintf(who, sizeof(who), "d%u", domid);
    flags = spin_lock_irqsave(&console_lock);
    if (!at_line_start)
        write_message_as("HV", "\n", LOGL_INFO);
    write_message_as(who, line, LOGL_INFO);
    spin_unlock_irqrestore(&console_lock, flags);
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[1024];
    enum log_level level = LOGL_INFO;
    const char *text = buf;
    unsigned long flags = 0;

    vsnprintf(buf, sizeof(buf), fmt, ap);
    if (buf[0] == '<' && buf[1] >= '0' && buf[1] < '0' + LOGL_COUNT && buf[2] == '>') {
        level = buf[1] - '0';
        text += 3;
    }
    if (!forced)
        flags = spin_lock_irqsave(&console_lock);
    write_message(text, level);
    if (!forced)
        spin_unlock_irqrestore(&console_lock, flags);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void console_force_unlock(void)
{
    forced = true;
    if (!at_line_start)
        write_message("\n", LOGL_ERR);
}

size_t console_ring_read(char *buf, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    u64 avail = ring_pos < RING_SIZE ? ring_pos : RING_SIZE;
    u64 start;

    if (len > avail)
        len = avail;
    start = ring_pos - len;
    for (size_t i = 0; i < len; i++)
        buf[i] = ring[(start + i) % RING_SIZE];
    spin_unlock_irqrestore(&console_lock, flags);
    return len;
}

/* Input: for now every character is a debug key (guests' consoles come later). */
void console_input_char(char c)
{
    keyhandler_queue(c);
}

static void dump_ring(unsigned char key)
{
    static char buf[4096];
    size_t n = console_ring_read(buf, sizeof(buf) - 1);
    unsigned long flags = spin_lock_irqsave(&console_lock);

    /* Straight to the devices, not back into the ring. */
    for (struct console_dev *d = devices; d; d = d->next) {
        d->write("---- console ring (last 4 KiB) ----\n", 36);
        d->write(buf, n);
        d->write("\n---- end ----\n", 15);
    }
    spin_unlock_irqrestore(&console_lock, flags);
}
KEYHANDLER('l', dump_ring, "show the last 4 KiB of the console ring (all log levels)");
