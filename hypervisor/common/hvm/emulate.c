/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Instruction emulation glue. The x86 emulator library is not wired in yet: an exit
 * that needs it ends the domain with a message saying so.
 */
#include <hv/domain.h>
#include <hv/hvm_emulate.h>

enum hvm_resume hvm_emulate_one(struct vcpu *v, const char *why)
{
    domain_crash(v->domain, "%s at rip %#llx needs instruction emulation (not built yet)",
                 why, hvm_get_reg(v, HVM_REG_RIP));
    return HVM_LEAVE;
}

enum hvm_resume hvm_emulate_mmio(struct vcpu *v, struct hvm_exit *e)
{
    return hvm_emulate_one(v, "an access to guest-physical address without RAM");
}
