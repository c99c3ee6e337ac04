/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELF notes a Xen-aware kernel carries (owner name "Xen"). Numbers from Xen's public
 * interface (xen/include/public/elfnote.h). Petrel reads only the PVH entry point.
 */
#ifndef PUBLIC_ELFNOTE_H
#define PUBLIC_ELFNOTE_H

#define XEN_ELFNOTE_ENTRY           1
#define XEN_ELFNOTE_HYPERCALL_PAGE  2
#define XEN_ELFNOTE_GUEST_OS        6
#define XEN_ELFNOTE_FEATURES        10
#define XEN_ELFNOTE_PHYS32_ENTRY    18  /* 32-bit physical entry of a PVH kernel */

#endif /* PUBLIC_ELFNOTE_H */
