/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The host's 16550 UART: the hypervisor console's output, and its input (debug keys,
 * and later the switch between the hypervisor and guest consoles).
 *
 *   com1=<baud>[,<io-base>[,<irq>]]     default 115200,0x3f8,4  (com2: 0x2f8, 3)
 *   console=com1|com2|none              where the console goes (default com1)
 *
 * Input is interrupt-driven through the IO-APIC once that is up, and polled from a
 * timer if the line cannot be routed.
 */
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/param.h>
#include <hv/serial.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <asm/apic.h>
#include <asm/io_apic.h>
#include <asm/processor.h>
#include <asm/traps.h>

#define UART_RBR 0  /* receive buffer (read) */
#define UART_THR 0  /* transmit holding (write) */
#define UART_DLL 0  /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define  IER_RDA 0x01
#define UART_DLM 1  /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define  FCR_ENABLE_CLEAR 0x07
#define UART_LCR 3
#define  LCR_8N1  0x03
#define  LCR_DLAB 0x80
#define UART_MCR 4
#define  MCR_DTR_RTS 0x03
#define  MCR_OUT2    0x08  /* gates the IRQ line on PCs */
#define UART_LSR 5
#define  LSR_DR   0x01
#define  LSR_THRE 0x20
#define UART_SCR 7

#define UART_CLOCK_HZ 1843200
#define FIFO_SIZE 16
#define POLL_INTERVAL MILLISECS(20)

struct uart {
    const char *name;
    u16 io;
    u32 baud;
    u8 irq;
    bool present;
    struct timer poll_timer;
};

static struct uart uarts[2] = {
    { "com1", 0x3f8, 115200, 4, false, {} },
    { "com2", 0x2f8, 115200, 3, false, {} },
};
static struct uart *console_uart = &uarts[0];

static int parse_com(struct uart *u, const char *v)
{
    u64 baud, io, irq;
    const char *p;

    if (parse_u64(v, &p, 10, &baud) || baud == 0 || baud > 115200)
        return -EINVAL;
    u->baud = baud;
    if (*p == ',') {
        if (parse_u64(p + 1, &p, 0, &io) || io > 0xfff8)
            return -EINVAL;
        u->io = io;
    }
    if (*p == ',') {
        if (parse_u64(p + 1, &p, 0, &irq) || irq > 15)
            return -EINVAL;
        u->irq = irq;
    }
    return *p ? -EINVAL : 0;
}
static int parse_com1(const char *v) { return parse_com(&uarts[0], v); }
static int parse_com2(const char *v) { return parse_com(&uarts[1], v); }
param_custom("com1", parse_com1, "<baud>[,<io-base>[,<irq>]]");
param_custom("com2", parse_com2, "<baud>[,<io-base>[,<irq>]]");

static int parse_console(const char *v)
{
    if (!strcmp(v, "com1"))
        console_uart = &uarts[0];
    else if (!strcmp(v, "com2"))
        console_uart = &uarts[1];
    else if (!strcmp(v, "none"))
        console_uart = NULL;
    else
        return -EINVAL;
    return 0;
}
param_custom("console", parse_console, "com1, com2 or none");

static void uart_setup(struct uart *u)
{
    u32 div = UART_CLOCK_HZ / 16 / u->baud;

    outb(u->io + UART_IER, 0);
    outb(u->io + UART_LCR, LCR_DLAB);
    outb(u->io + UART_DLL, div & 0xff);
    outb(u->io + UART_DLM, div >> 8);
    outb(u->io + UART_LCR, LCR_8N1);
    outb(u->io + UART_FCR, FCR_ENABLE_CLEAR);
    outb(u->io + UART_MCR, MCR_DTR_RTS);
    /* A UART answers with what was written to its scratch register; a missing one
     * reads back 0xff. */
    outb(u->io + UART_SCR, 0x5a);
    u->present = inb(u->io + UART_SCR) == 0x5a;
}

static void uart_write(const char *s, size_t len)
{
    struct uart *u = console_uart;

    if (!u || !u->present)
        return;
    while (len) {
        unsigned int n = 0;
        while (!(inb(u->io + UART_LSR) & LSR_THRE))
            cpu_relax();
        /* THRE means the FIFO is empty: it takes FIFO_SIZE bytes now. */
        while (len && n < FIFO_SIZE) {
            if (*s == '\n') {
                if (n + 2 > FIFO_SIZE)
                    break;
                outb(u->io + UART_THR, '\r');
                n++;
            }
            outb(u->io + UART_THR, *s++);
            len--;
            n++;
        }
    }
}

static struct console_dev uart_console = { .name = "serial", .write = uart_write };

/* COM1 with the defaults, for the first messages of the boot. */
void ns16550_init_early(void)
{
    uart_setup(console_uart);
    console_register(&uart_console);
}

/* After the command line: set up the UART that "console=" and "comN=" chose. */
void ns16550_init_params(void)
{
    if (console_uart)
        uart_setup(console_uart);
}

static void uart_drain(struct uart *u)
{
    while (inb(u->io + UART_LSR) & LSR_DR)
        console_input_char(inb(u->io + UART_RBR));
}

static void uart_interrupt(struct cpu_regs *regs, void *data)
{
    uart_drain(data);
}

static void uart_poll(void *data)
{
    struct uart *u = data;

    uart_drain(u);
    set_timer(&u->poll_timer, NOW() + POLL_INTERVAL);
}

void ns16550_init_irq(void)
{
    struct uart *u = console_uart;
    int vector;

    if (!u || !u->present)
        return;
    vector = alloc_irq_vector();
    if (vector >= 0) {
        set_irq_handler(vector, uart_interrupt, u);
        if (io_apic_route_isa_irq(u->irq, vector, apic_current_id()) == 0) {
            outb(u->io + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
            outb(u->io + UART_IER, IER_RDA);
            uart_drain(u);
            printk("serial: %s at %#x, %u baud, IRQ %u (vector %#x)\n", u->name, u->io,
                   u->baud, u->irq, vector);
            return;
        }
    }
    init_timer(&u->poll_timer, uart_poll, u, smp_processor_id());
    set_timer(&u->poll_timer, NOW() + POLL_INTERVAL);
    printk("serial: %s at %#x, %u baud, polled every %lld ms\n", u->name, u->io, u->baud,
           (long long)(POLL_INTERVAL / MILLISECS(1)));
}
