/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Instruction emulation for the exits that need it: MMIO (a nested page fault on an
 * emulated or unbacked page) and string or undecoded port I/O. The glue between the
 * vCPU and the x86 instruction emulator library (common/hvm/emulate.c).
 */
#ifndef HV_HVM_EMULATE_H
#define HV_HVM_EMULATE_H

#include <hv/hvm.h>

/* Emulate the instruction at the vCPU's RIP; `why` names the exit for logs. */
enum hvm_resume hvm_emulate_one(struct vcpu *v, const char *why);
/* A nested page fault: emulate an access to emulated MMIO or to a hole. */
enum hvm_resume hvm_emulate_mmio(struct vcpu *v, struct hvm_exit *e);

#endif /* HV_HVM_EMULATE_H */
