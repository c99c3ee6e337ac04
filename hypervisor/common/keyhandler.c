/* SPDX-License-Identifier: BSD-2-Clause */
/* Debug keys (see hv/keyhandler.h). */
#include <hv/console.h>
#include <hv/keyhandler.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/spinlock.h>

extern const struct keyhandler __keyhandler_start[], __keyhandler_end[];

#define QUEUE_SIZE 64
static DEFINE_SPINLOCK(queue_lock);
static unsigned char queue[QUEUE_SIZE];
static unsigned int q_head, q_tail;   /* q_head == q_tail: empty */

void keyhandler_queue(unsigned char key)
{
    unsigned long flags = spin_lock_irqsave(&queue_lock);

    if ((q_tail + 1) % QUEUE_SIZE != q_head) {
        queue[q_tail] = key;
        q_tail = (q_tail + 1) % QUEUE_SIZE;
    }
    spin_unlock_irqrestore(&queue_lock, flags);
    cpu_raise_softirq(0, SOFTIRQ_KEYS);
}

static void show_help(unsigned char key)
{
    printk("Debug keys (type them on the hypervisor console):\n");
    for (unsigned int c = 0; c < 256; c++)
        for (const struct keyhandler *k = __keyhandler_start; k < __keyhandler_end; k++)
            if (k->key == c)
                printk("  '%c'  %s\n", k->key, k->desc);
}
KEYHANDLER('h', show_help, "show this list");

void keyhandler_run(unsigned char key)
{
    for (const struct keyhandler *k = __keyhandler_start; k < __keyhandler_end; k++) {
        if (k->key == key) {
            k->fn(key);
            return;
        }
    }
    if (key == '\r' || key == '\n' || key == ' ')
        return;
    printk("No debug key '%c' (%#x); 'h' lists them.\n", key >= 0x20 && key < 0x7f ? key : '?',
           key);
}

static void keys_softirq(void)
{
    for (;;) {
        unsigned long flags = spin_lock_irqsave(&queue_lock);
        unsigned char key;

        if (q_head == q_tail) {
            spin_unlock_irqrestore(&queue_lock, flags);
            return;
        }
        key = queue[q_head];
        q_head = (q_head + 1) % QUEUE_SIZE;
        spin_unlock_irqrestore(&queue_lock, flags);
        keyhandler_run(key);
    }
}

void keyhandler_init(void)
{
    open_softirq(SOFTIRQ_KEYS, keys_softirq);
}
