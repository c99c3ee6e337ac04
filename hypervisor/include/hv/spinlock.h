/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ticket spinlocks: fair (FIFO) and small. The _irqsave forms must be used for any
 * lock also taken from an interrupt handler.
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <hv/compiler.h>
#include <hv/types.h>
#include <asm/processor.h>

typedef struct {
    u16 owner; /* ticket being served */
    u16 next;  /* next ticket to hand out */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }
#define DEFINE_SPINLOCK(l) spinlock_t l = SPINLOCK_INIT

static inline void spin_lock_init(spinlock_t *l)
{
    l->owner = l->next = 0;
}

static inline void spin_lock(spinlock_t *l)
{
    u16 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != ticket)
        cpu_relax();
}

static inline bool spin_trylock(spinlock_t *l)
{
    u16 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
    u16 expect = owner;

    return __atomic_compare_exchange_n(&l->next, &expect, (u16)(owner + 1), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, (u16)(l->owner + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
    return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
           __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = local_irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    local_irq_restore(flags);
}

#endif /* HV_SPINLOCK_H */
