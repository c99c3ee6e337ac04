/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Guest addresses have their own types, so that a guest-physical address can never be
 * used as a host one by mistake: gpa_t (byte address) and gfn_t (frame number) are
 * single-member structs, built with _gpa()/_gfn() and opened with gpa_x()/gfn_x().
 *
 * Guest memory is touched only through the checked copy helpers below: they walk the
 * domain's p2m page by page, refuse anything that is not guest RAM (emulated MMIO,
 * holes) and report how far they got.
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <hv/types.h>

typedef struct { u64 gpa; } gpa_t;
typedef struct { u64 gfn; } gfn_t;

static inline gpa_t _gpa(u64 a) { return (gpa_t){ a }; }
static inline gfn_t _gfn(u64 f) { return (gfn_t){ f }; }
static inline u64 gpa_x(gpa_t a) { return a.gpa; }
static inline u64 gfn_x(gfn_t f) { return f.gfn; }
static inline gfn_t gpa_to_gfn(gpa_t a) { return _gfn(a.gpa >> PAGE_SHIFT); }
static inline gpa_t gfn_to_gpa(gfn_t f) { return _gpa(f.gfn << PAGE_SHIFT); }
static inline gpa_t gpa_add(gpa_t a, u64 n) { return _gpa(a.gpa + n); }

#define INVALID_GFN _gfn(~0ULL)

struct domain;

/*
 * Copy between a domain's guest RAM and hypervisor memory. Return 0, or -EFAULT when
 * some byte of [gpa, gpa+len) is not guest RAM (nothing is copied past that point;
 * bytes before it may have been). Writes to read-only RAM also give -EFAULT.
 */
int copy_to_guest_phys(struct domain *d, gpa_t gpa, const void *src, size_t len);
int copy_from_guest_phys(struct domain *d, void *dst, gpa_t gpa, size_t len);
/* Fill guest RAM with zeroes. */
int clear_guest_phys(struct domain *d, gpa_t gpa, size_t len);

#endif /* HV_GUEST_ACCESS_H */
