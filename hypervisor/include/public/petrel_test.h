/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest-visible test interface: what a guest test kernel (tests/guests/) finds
 * in a Petrel domain besides the PC itself. Shared by the hypervisor and the test
 * kernels; plain constants only, so any compiler (and NASM, through a copy) can use it.
 *
 * Ports every domain has until the device model exists:
 *   0x3f8-0x3ff  a 16550 UART (COM1) good for polled output: THR writes print, LSR
 *                reads say "transmitter empty"
 *   0xe9         debug console: each byte written is printed (as Bochs and QEMU's
 *                isa-debugcon do)
 *   0xf4         debug exit: writing a value (1, 2 or 4 bytes) ends the domain with
 *                that result; when the last domain ends this way, the hypervisor
 *                writes the same value to the host's own port 0xf4 (QEMU's
 *                isa-debug-exit), so QEMU exits with status (value << 1) | 1.
 *
 * The test device: present in domains whose configuration says `testdev = 1`.
 */
#ifndef PUBLIC_PETREL_TEST_H
#define PUBLIC_PETREL_TEST_H

#define PETREL_PORT_UART        0x3f8
#define PETREL_PORT_DEBUGCON    0xe9
#define PETREL_PORT_DEBUG_EXIT  0xf4

/* Result codes test kernels write to PETREL_PORT_DEBUG_EXIT. */
#define PETREL_RESULT_PASS 0
#define PETREL_RESULT_FAIL 1
#define PETREL_RESULT_SKIP 2

/* ---- the test device: an MMIO page and a port block ---- */

#define TESTDEV_MMIO_BASE   0xfeb00000u
#define TESTDEV_MMIO_SIZE   0x1000u

/* MMIO registers (offsets). Any access size 1/2/4/8 at any offset in a register. */
#define TESTDEV_ID          0x000   /* RO, 32 bits: TESTDEV_ID_VALUE */
#define  TESTDEV_ID_VALUE   0x54534554u  /* "TEST" little-endian */
#define TESTDEV_SCRATCH     0x008   /* RW, 64 bits: reads back what was written */
#define TESTDEV_ACCESSES    0x010   /* RO, 64 bits: MMIO accesses the device has seen */
#define TESTDEV_IRQ         0x018   /* WO, 32 bits: bits 0-7 vector, bits 8-31 delay in
                                       microseconds: raise that external interrupt
                                       vector after the delay (0: at once) */
#define TESTDEV_EXITS       0x020   /* RO, 64 bits: VM exits the reading vCPU has taken
                                       so far, this read's own included (benchmarks
                                       divide a difference of two reads by the work
                                       done between them) */
#define TESTDEV_MSI_ADDR    0x028   /* RW, 64 bits: an MSI's address (0xfee.....) */
#define TESTDEV_MSI_DATA    0x030   /* RW, 32 bits: the MSI's data */
#define TESTDEV_MSI_SEND    0x034   /* W: any write sends the MSI (address, data);
                                       R, 32 bits: 0 if the last one was delivered, 1
                                       if the platform refused it */
#define TESTDEV_INTX        0x038   /* RW, 32 bits: drive a PCI INTx line: bits 4:0
                                       the bus-0 device, 9:8 the pin (INTA#-INTD#), bit
                                       16 asserted; a write acts, a read gives the
                                       last value written */
#define TESTDEV_INTX_ASSERT (1u << 16)
#define TESTDEV_BUFFER      0x100   /* RW, 256 bytes of plain storage */
#define TESTDEV_BUFFER_SIZE 0x100

/* Ports. */
#define TESTDEV_PORT_BASE    0x0eb0
#define TESTDEV_PORT_SCRATCH 0x0eb0 /* RW, 1/2/4 bytes: reads back what was written */
#define TESTDEV_PORT_FIFO    0x0eb4 /* RW, 1 byte: writes push, reads pop (0xff when
                                       empty); 4096 bytes deep, for rep ins/outs */
#define TESTDEV_PORT_FIFO_LEN 0x0eb8 /* RO, 2 bytes: bytes in the FIFO */
#define TESTDEV_FIFO_SIZE    4096

#endif /* PUBLIC_PETREL_TEST_H */
