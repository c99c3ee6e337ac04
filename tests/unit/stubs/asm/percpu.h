/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit-test stub of asm/percpu.h: the tests run on one host thread, which is CPU 0;
 * a per-CPU variable is a plain global.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <hv/compiler.h>
#include <hv/types.h>

#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name
#define DEFINE_PER_CPU(type, name)  __typeof__(type) per_cpu__##name

#define this_cpu(name)     (per_cpu__##name)
#define per_cpu(name, cpu) (*((void)(cpu), &per_cpu__##name))

#endif /* ASM_PERCPU_H */
