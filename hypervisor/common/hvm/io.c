/* SPDX-License-Identifier: BSD-2-Clause */
/* Port and MMIO handler registries (see hv/hvm_io.h). */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm_io.h>
#include <hv/mm.h>

void hvm_io_bytewise(u16 port, unsigned int size, bool write, u32 *val, io_byte_fn byte,
                     void *data)
{
    u32 out = 0;

    for (unsigned int i = 0; i < size; i++) {
        if (write)
            byte(data, port + i, true, *val >> (8 * i));
        else
            out |= (u32)byte(data, port + i, false, 0) << (8 * i);
    }
    if (!write)
        *val = out;
}

int hvm_register_io(struct domain *d, u16 base, u16 count, io_fn fn, void *data,
                    const char *name)
{
    for (unsigned int i = 0; i < d->nr_io_handlers; i++) {
        const struct io_handler *h = &d->io_handlers[i];
        if (base < h->base + h->count && h->base < base + count)
            return -EEXIST;
    }
    if (d->nr_io_handlers == MAX_IO_HANDLERS)
        return -ENOSPC;
    d->io_handlers[d->nr_io_handlers++] =
        (struct io_handler){ base, count, fn, data, name, false };
    return 0;
}

int hvm_register_io_owned(struct domain *d, u16 base, u16 count, io_fn fn, void *data,
                          const char *name)
{
    int rc = hvm_register_io(d, base, count, fn, data, name);

    if (rc)
        xfree(data);
    else
        d->io_handlers[d->nr_io_handlers - 1].owned = true;
    return rc;
}

void hvm_io_teardown(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_io_handlers; i++)
        if (d->io_handlers[i].owned)
            xfree(d->io_handlers[i].data);
    d->nr_io_handlers = 0;
}

int hvm_register_mmio(struct domain *d, u64 base, u64 size, mmio_fn fn, void *data,
                      const char *name)
{
    for (unsigned int i = 0; i < d->nr_mmio_handlers; i++) {
        const struct mmio_handler *h = &d->mmio_handlers[i];
        if (base < h->base + h->size && h->base < base + size)
            return -EEXIST;
    }
    if (d->nr_mmio_handlers == MAX_MMIO_HANDLERS)
        return -ENOSPC;
    d->mmio_handlers[d->nr_mmio_handlers++] =
        (struct mmio_handler){ base, size, fn, data, name };
    return p2m_set_entry(&d->p2m, gpa_to_gfn(_gpa(base)), INVALID_MFN,
                         DIV_ROUND_UP(size, PAGE_SIZE), p2m_mmio_emul);
}

void hvm_port_io(struct vcpu *v, u16 port, unsigned int size, bool write, u32 *val)
{
    struct domain *d = v->domain;

    for (unsigned int i = 0; i < d->nr_io_handlers; i++) {
        const struct io_handler *h = &d->io_handlers[i];
        if (port >= h->base && port < h->base + h->count) {
            h->fn(v, port, size, write, val, h->data);
            return;
        }
    }
    /* Nothing decodes this port: the bus floats high. */
    if (!write)
        *val = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static const struct mmio_handler *find_mmio(struct domain *d, u64 gpa)
{
    for (unsigned int i = 0; i < d->nr_mmio_handlers; i++) {
        const struct mmio_handler *h = &d->mmio_handlers[i];
        if (gpa >= h->base && gpa - h->base < h->size)
            return h;
    }
    return NULL;
}

bool hvm_mmio_claimed(struct domain *d, u64 gpa)
{
    return find_mmio(d, gpa) != NULL;
}

bool hvm_mmio_access(struct vcpu *v, u64 gpa, unsigned int size, bool write, u64 *val)
{
    const struct mmio_handler *h = find_mmio(v->domain, gpa);

    if (!h)
        return false;
    h->fn(v, gpa, size, write, val, h->data);
    return true;
}
