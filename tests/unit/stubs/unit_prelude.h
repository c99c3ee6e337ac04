/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit-test stub layer: included first in every translation unit (-include).
 *
 * hv/compiler.h defines __always_inline, which glibc's <sys/cdefs.h> defines too.
 * glibc #undefs it before its own definition, so the hosted build is warning-free
 * only when hv/compiler.h comes first; sources that include <hv/types.h> (hence
 * <stdint.h>, hence glibc) before <hv/compiler.h> would otherwise fail -Werror.
 */
#include <hv/compiler.h>
