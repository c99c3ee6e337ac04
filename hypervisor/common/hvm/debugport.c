/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ports every domain has until the device model exists (see
 * include/public/petrel_test.h): the 0xe9 debug console, the 0xf4 debug exit, and a
 * 16550 UART on COM1 good enough for polled output (the device model's full 16550
 * replaces it later). Output goes to the hypervisor console prefixed "(dN) ".
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm_io.h>
#include <hv/mm.h>
#include <public/petrel_test.h>

/* 16550 registers (offsets from the base). */
#define UART_THR 0   /* transmit holding (DLAB=0) */
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define  LCR_DLAB 0x80
#define UART_MCR 4
#define UART_LSR 5
#define  LSR_THRE 0x20
#define  LSR_TEMT 0x40
#define UART_MSR 6
#define UART_SCR 7

struct vuart {
    u8 lcr, mcr, scr, ier, dll, dlm;
};

static void debugcon_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                        void *data)
{
    if (write)
        domain_console_putc(v->domain, (char)*val);
    else
        *val = PETREL_PORT_DEBUGCON; /* Bochs and QEMU answer a read with the port */
}

static void debug_exit_io(struct vcpu *v, u16 port, unsigned int size, bool write,
                          u32 *val, void *data)
{
    struct domain *d = v->domain;

    if (!write) {
        *val = ~0u;
        return;
    }
    d->exited_by_port = true;
    d->exit_code = size == 1 ? (u8)*val : size == 2 ? (u16)*val : *val;
    domain_shutdown(d, SHUTDOWN_POWEROFF);
}

/* Just enough of a 16550 for polled output: the transmitter is always empty. */
static void vuart_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                     void *data)
{
    struct vuart *u = data;
    unsigned int reg = port - PETREL_PORT_UART;
    bool dlab = u->lcr & LCR_DLAB;
    u8 b = *val;

    if (write) {
        switch (reg) {
        case UART_THR: if (dlab) u->dll = b; else domain_console_putc(v->domain, b); break;
        case UART_IER: if (dlab) u->dlm = b; else u->ier = b & 0x0f; break;
        case UART_LCR: u->lcr = b; break;
        case UART_MCR: u->mcr = b & 0x1f; break;
        case UART_SCR: u->scr = b; break;
        default: break;
        }
        return;
    }
    switch (reg) {
    case UART_THR: *val = dlab ? u->dll : 0; break;
    case UART_IER: *val = dlab ? u->dlm : u->ier; break;
    case UART_IIR: *val = 0x01; break; /* no interrupt pending */
    case UART_LCR: *val = u->lcr; break;
    case UART_MCR: *val = u->mcr; break;
    case UART_LSR: *val = LSR_THRE | LSR_TEMT; break;
    case UART_MSR: *val = 0xb0; break; /* DCD, DSR, CTS */
    case UART_SCR: *val = u->scr; break;
    }
}

int hvm_debugport_init(struct domain *d)
{
    struct vuart *u = xnew(struct vuart);
    int rc;

    if (!u)
        return -ENOMEM;
    *u = (struct vuart){ .lcr = 0x03, .dll = 1 };
    rc = hvm_register_io_owned(d, PETREL_PORT_UART, 8, vuart_io, u, "uart");
    if (!rc)
        rc = hvm_register_io(d, PETREL_PORT_DEBUGCON, 1, debugcon_io, NULL, "debugcon");
    if (!rc)
        rc = hvm_register_io(d, PETREL_PORT_DEBUG_EXIT, 4, debug_exit_io, NULL,
                             "debug-exit");
    return rc;
}
