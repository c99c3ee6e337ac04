/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Emulated devices plug into a domain through two registries: port ranges and MMIO
 * ranges, each with a handler. The exit handlers dispatch guest port I/O and MMIO
 * (after instruction emulation) here; accesses nothing claims behave as on a PC with
 * nothing decoding them: reads return all ones, writes are dropped.
 */
#ifndef HV_HVM_IO_H
#define HV_HVM_IO_H

#include <hv/types.h>

struct domain;
struct vcpu;

/* A port access of `size` bytes (1, 2, 4): on a read, set *val; on a write, use it. */
typedef void (*io_fn)(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val,
                      void *data);
/* An MMIO access of `size` bytes (1, 2, 4, 8) at guest-physical `gpa`. */
typedef void (*mmio_fn)(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val,
                        void *data);

struct io_handler {
    u16 base, count;
    io_fn fn;
    void *data;
    const char *name;
    bool owned;         /* data was xmalloc'ed for this handler: freed with the domain */
};

struct mmio_handler {
    u64 base, size;
    mmio_fn fn;
    void *data;
    const char *name;
};

#define MAX_IO_HANDLERS   32
#define MAX_MMIO_HANDLERS 16

/*
 * An access of `size` bytes at `port`, for a device of 8-bit ports: a byte access to
 * each port in turn, from `port` up, as the bus splits it (a 16-bit access at 0x20
 * is 0x20 then 0x21). `byte` does each: a write of `val` (its return value unused),
 * or a read (`val` 0) returning the byte; it must read 0xff and ignore writes for a
 * port that is not the device's, as nothing decodes that one. The caller's lock, if
 * any, is held around it all.
 */
typedef u8 (*io_byte_fn)(void *data, u16 port, bool write, u8 val);
void hvm_io_bytewise(u16 port, unsigned int size, bool write, u32 *val, io_byte_fn byte,
                     void *data);

/* Register a device's ports or MMIO range while the domain is built (not after it
 * runs). 0, -ENOSPC (registry full) or -EEXIST (overlaps another device). */
int hvm_register_io(struct domain *d, u16 base, u16 count, io_fn fn, void *data,
                    const char *name);
int hvm_register_mmio(struct domain *d, u64 base, u64 size, mmio_fn fn, void *data,
                      const char *name);
/* The same for ports, handing `data` (from xmalloc) to the domain to free. */
int hvm_register_io_owned(struct domain *d, u16 base, u16 count, io_fn fn, void *data,
                          const char *name);
/* Free what the registries own (domain teardown). */
void hvm_io_teardown(struct domain *d);

/* Dispatch one access. */
void hvm_port_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val);
/* true when an MMIO handler claims gpa; then *val is read or written. */
bool hvm_mmio_access(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val);
bool hvm_mmio_claimed(struct domain *d, u64 gpa);

/* The devices every domain has today (hvm/debugport.c, hvm/testdev.c). */
int hvm_debugport_init(struct domain *d);
int hvm_testdev_init(struct domain *d);
void hvm_testdev_destroy(struct domain *d);

#endif /* HV_HVM_IO_H */
