/* SPDX-License-Identifier: BSD-2-Clause */
/* Circular doubly linked lists with a sentinel head. */
#ifndef HV_LIST_H
#define HV_LIST_H

#include <hv/compiler.h>
#include <hv/types.h>

struct list_head {
    struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void list_init(struct list_head *h)
{
    h->next = h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
    return h->next == h;
}

static inline void list_insert_(struct list_head *n, struct list_head *prev,
                                struct list_head *next)
{
    next->prev = n;
    n->next = next;
    n->prev = prev;
    prev->next = n;
}

/* Insert at the front / at the back. */
static inline void list_add(struct list_head *n, struct list_head *h)
{
    list_insert_(n, h, h->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
    list_insert_(n, h->prev, h);
}

static inline void list_del(struct list_head *n)
{
    n->next->prev = n->prev;
    n->prev->next = n->next;
    n->next = n->prev = NULL;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)

#define list_for_each_entry(pos, h, member)                                              \
    for (pos = list_entry((h)->next, __typeof__(*pos), member); &pos->member != (h);     \
         pos = list_entry(pos->member.next, __typeof__(*pos), member))

#define list_for_each_entry_safe(pos, n, h, member)                                      \
    for (pos = list_entry((h)->next, __typeof__(*pos), member),                          \
        n = list_entry(pos->member.next, __typeof__(*pos), member);                      \
         &pos->member != (h);                                                            \
         pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif /* HV_LIST_H */
