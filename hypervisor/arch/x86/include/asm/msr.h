/* SPDX-License-Identifier: BSD-2-Clause */
/* Model-specific register numbers and bits (Intel SDM vol. 4, AMD APM vol. 2 app. A). */
#ifndef ASM_MSR_H
#define ASM_MSR_H

#define MSR_IA32_APIC_BASE        0x0000001b
#define  APIC_BASE_BSP            (1UL << 8)
#define  APIC_BASE_X2APIC_ENABLE  (1UL << 10)
#define  APIC_BASE_ENABLE         (1UL << 11)
#define  APIC_BASE_ADDR_MASK      0x000ffffffffff000UL
#define MSR_IA32_FEATURE_CONTROL  0x0000003a
#define  FEATURE_CONTROL_LOCKED   (1UL << 0)
#define  FEATURE_CONTROL_VMXON_OUTSIDE_SMX (1UL << 2)
#define MSR_IA32_TSC_DEADLINE     0x000006e0
#define MSR_IA32_MISC_ENABLE      0x000001a0
#define MSR_IA32_PAT              0x00000277
/* IA32_PAT at reset: WB WT UC- UC, twice (SDM vol. 3A, 11.12.4). */
#define  PAT_DEFAULT              0x0007040600070406ULL
#define MSR_X2APIC_BASE           0x00000800

#define MSR_EFER                  0xc0000080
#define  EFER_SCE                 (1UL << 0)
#define  EFER_LME                 (1UL << 8)
#define  EFER_LMA                 (1UL << 10)
#define  EFER_NXE                 (1UL << 11)
#define  EFER_SVME                (1UL << 12)
#define MSR_STAR                  0xc0000081
#define MSR_LSTAR                 0xc0000082
#define MSR_FS_BASE               0xc0000100
#define MSR_GS_BASE               0xc0000101
#define MSR_KERNEL_GS_BASE        0xc0000102
#define MSR_TSC_AUX               0xc0000103

/* AMD: SVM lock and disable (APM vol. 2, 15.30.1). */
#define MSR_VM_CR                 0xc0010114
#define  VM_CR_SVMDIS             (1UL << 4)
#define MSR_VM_HSAVE_PA           0xc0010117

#endif /* ASM_MSR_H */
