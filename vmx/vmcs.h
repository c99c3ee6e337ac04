/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VMCS (Intel SDM vol. 3C, chapter 24): the field encodings (appendix B), the
 * control bits (24.6-24.8, reported by the capability MSRs of appendix A), the exit
 * reasons (appendix C) and qualifications (27.2.1), and the VMX instructions as checked
 * accessors.
 *
 * Unlike the VMCB, the VMCS has no architectural layout: software reaches it only
 * through VMREAD and VMWRITE of the current VMCS. Each access is checked (the
 * instructions report failure in CF and ZF, SDM 30.2): vmread()/vmwrite() treat a
 * failure as a broken host invariant and panic naming the field and the
 * VM-instruction error (field 0x4400, SDM 30.4); vmread_safe()/vmwrite_safe() return
 * it instead, for code that must go on (the state dump of a vCPU the CPU refused).
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include <hv/compiler.h>
#include <hv/errno.h>
#include <hv/types.h>

/* ---- capability MSRs (SDM appendix A) ---- */

#define MSR_IA32_VMX_BASIC              0x480
#define  VMX_BASIC_REVISION_MASK        0x7fffffffULL
#define  VMX_BASIC_REGION_SIZE(b)       (((b) >> 32) & 0x1fff)
#define  VMX_BASIC_32BIT_ADDRESSES      (1ULL << 48)
#define  VMX_BASIC_MEMTYPE(b)           (((b) >> 50) & 0xf)
#define  VMX_BASIC_TRUE_CTLS            (1ULL << 55)
#define MSR_IA32_VMX_PINBASED_CTLS      0x481
#define MSR_IA32_VMX_PROCBASED_CTLS     0x482
#define MSR_IA32_VMX_EXIT_CTLS          0x483
#define MSR_IA32_VMX_ENTRY_CTLS         0x484
#define MSR_IA32_VMX_MISC               0x485
#define  VMX_MISC_STORE_LMA             (1ULL << 5)
#define MSR_IA32_VMX_CR0_FIXED0         0x486
#define MSR_IA32_VMX_CR0_FIXED1         0x487
#define MSR_IA32_VMX_CR4_FIXED0         0x488
#define MSR_IA32_VMX_CR4_FIXED1         0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2    0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP       0x48c
#define  EPT_CAP_WALK_4                 (1ULL << 6)
#define  EPT_CAP_MEMTYPE_WB             (1ULL << 14)
#define  EPT_CAP_2M                     (1ULL << 16)
#define  EPT_CAP_1G                     (1ULL << 17)
#define  EPT_CAP_INVEPT                 (1ULL << 20)
#define  EPT_CAP_AD                     (1ULL << 21)
#define  EPT_CAP_INVEPT_SINGLE          (1ULL << 25)
#define  EPT_CAP_INVEPT_ALL             (1ULL << 26)
#define  VPID_CAP_INVVPID               (1ULL << 32)
#define  VPID_CAP_INVVPID_SINGLE        (1ULL << 41)
#define  VPID_CAP_INVVPID_ALL           (1ULL << 42)
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS     0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS    0x490

/* MSRs the VMCS or the backend switch for the guest. */
#define MSR_IA32_SYSENTER_CS            0x174
#define MSR_IA32_SYSENTER_ESP           0x175
#define MSR_IA32_SYSENTER_EIP           0x176
#define MSR_IA32_DEBUGCTL               0x1d9
#define MSR_CSTAR                       0xc0000083
#define MSR_SFMASK                      0xc0000084

/* ---- control fields (SDM 24.6-24.8) ---- */

/* Pin-based VM-execution controls (24.6.1) */
#define PIN_EXT_INTR_EXITING            (1u << 0)
#define PIN_NMI_EXITING                 (1u << 3)
#define PIN_VIRTUAL_NMIS                (1u << 5)
#define PIN_PREEMPTION_TIMER            (1u << 6)
#define PIN_POSTED_INTR                 (1u << 7)

/* Primary processor-based VM-execution controls (24.6.2, table 24-6) */
#define PROC_INTR_WINDOW_EXITING        (1u << 2)
#define PROC_USE_TSC_OFFSETTING         (1u << 3)
#define PROC_HLT_EXITING                (1u << 7)
#define PROC_INVLPG_EXITING             (1u << 9)
#define PROC_MWAIT_EXITING              (1u << 10)
#define PROC_RDPMC_EXITING              (1u << 11)
#define PROC_RDTSC_EXITING              (1u << 12)
#define PROC_CR3_LOAD_EXITING           (1u << 15)
#define PROC_CR3_STORE_EXITING          (1u << 16)
#define PROC_CR8_LOAD_EXITING           (1u << 19)
#define PROC_CR8_STORE_EXITING          (1u << 20)
#define PROC_USE_TPR_SHADOW             (1u << 21)
#define PROC_NMI_WINDOW_EXITING         (1u << 22)
#define PROC_MOV_DR_EXITING             (1u << 23)
#define PROC_UNCOND_IO_EXITING          (1u << 24)
#define PROC_USE_IO_BITMAPS             (1u << 25)
#define PROC_MONITOR_TRAP_FLAG          (1u << 27)
#define PROC_USE_MSR_BITMAPS            (1u << 28)
#define PROC_MONITOR_EXITING            (1u << 29)
#define PROC_PAUSE_EXITING              (1u << 30)
#define PROC_ACTIVATE_SECONDARY         (1u << 31)

/* Secondary processor-based VM-execution controls (24.6.2, table 24-7) */
#define PROC2_VIRT_APIC_ACCESSES        (1u << 0)
#define PROC2_ENABLE_EPT                (1u << 1)
#define PROC2_DESC_TABLE_EXITING        (1u << 2)
#define PROC2_ENABLE_RDTSCP             (1u << 3)
#define PROC2_VIRT_X2APIC               (1u << 4)
#define PROC2_ENABLE_VPID               (1u << 5)
#define PROC2_WBINVD_EXITING            (1u << 6)
#define PROC2_UNRESTRICTED_GUEST        (1u << 7)
#define PROC2_ENABLE_INVPCID            (1u << 12)
#define PROC2_ENABLE_PML                (1u << 17)
#define PROC2_ENABLE_XSAVES             (1u << 20)

/* VM-exit controls (24.7.1) */
#define EXIT_SAVE_DEBUG_CTLS            (1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE       (1u << 9)
#define EXIT_ACK_INTR_ON_EXIT           (1u << 15)
#define EXIT_SAVE_PAT                   (1u << 18)
#define EXIT_LOAD_PAT                   (1u << 19)
#define EXIT_SAVE_EFER                  (1u << 20)
#define EXIT_LOAD_EFER                  (1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER      (1u << 22)

/* VM-entry controls (24.8.1) */
#define ENTRY_LOAD_DEBUG_CTLS           (1u << 2)
#define ENTRY_IA32E_MODE                (1u << 9)
#define ENTRY_SMM                       (1u << 10)
#define ENTRY_DEACT_DUAL_MONITOR        (1u << 11)
#define ENTRY_LOAD_PAT                  (1u << 14)
#define ENTRY_LOAD_EFER                 (1u << 15)

/* ---- field encodings (SDM appendix B) ---- */

enum vmcs_field {
    /* 16-bit */
    VIRTUAL_PROCESSOR_ID        = 0x0000,
    GUEST_ES_SELECTOR           = 0x0800, /* ES CS SS DS FS GS LDTR TR, 2 apart */
    HOST_ES_SELECTOR            = 0x0c00,
    HOST_CS_SELECTOR            = 0x0c02,
    HOST_SS_SELECTOR            = 0x0c04,
    HOST_DS_SELECTOR            = 0x0c06,
    HOST_FS_SELECTOR            = 0x0c08,
    HOST_GS_SELECTOR            = 0x0c0a,
    HOST_TR_SELECTOR            = 0x0c0c,
    /* 64-bit */
    IO_BITMAP_A                 = 0x2000,
    IO_BITMAP_B                 = 0x2002,
    MSR_BITMAP                  = 0x2004,
    VM_EXIT_MSR_STORE_ADDR      = 0x2006,
    VM_EXIT_MSR_LOAD_ADDR       = 0x2008,
    VM_ENTRY_MSR_LOAD_ADDR      = 0x200a,
    TSC_OFFSET                  = 0x2010,
    VIRTUAL_APIC_PAGE_ADDR      = 0x2012,
    EPT_POINTER                 = 0x201a,
    GUEST_PHYSICAL_ADDRESS      = 0x2400,
    VMCS_LINK_POINTER           = 0x2800,
    GUEST_IA32_DEBUGCTL         = 0x2802,
    GUEST_IA32_PAT              = 0x2804,
    GUEST_IA32_EFER             = 0x2806,
    GUEST_PDPTE0                = 0x280a, /* PDPTE0-3, 2 apart */
    HOST_IA32_PAT               = 0x2c00,
    HOST_IA32_EFER              = 0x2c02,
    /* 32-bit */
    PIN_BASED_VM_EXEC_CONTROL   = 0x4000,
    CPU_BASED_VM_EXEC_CONTROL   = 0x4002,
    EXCEPTION_BITMAP            = 0x4004,
    PAGE_FAULT_ERROR_CODE_MASK  = 0x4006,
    PAGE_FAULT_ERROR_CODE_MATCH = 0x4008,
    CR3_TARGET_COUNT            = 0x400a,
    VM_EXIT_CONTROLS            = 0x400c,
    VM_EXIT_MSR_STORE_COUNT     = 0x400e,
    VM_EXIT_MSR_LOAD_COUNT      = 0x4010,
    VM_ENTRY_CONTROLS           = 0x4012,
    VM_ENTRY_MSR_LOAD_COUNT     = 0x4014,
    VM_ENTRY_INTR_INFO          = 0x4016,
    VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018,
    VM_ENTRY_INSTRUCTION_LEN    = 0x401a,
    TPR_THRESHOLD               = 0x401c,
    SECONDARY_VM_EXEC_CONTROL   = 0x401e,
    VM_INSTRUCTION_ERROR        = 0x4400,
    VM_EXIT_REASON              = 0x4402,
    VM_EXIT_INTR_INFO           = 0x4404,
    VM_EXIT_INTR_ERROR_CODE     = 0x4406,
    IDT_VECTORING_INFO          = 0x4408,
    IDT_VECTORING_ERROR_CODE    = 0x440a,
    VM_EXIT_INSTRUCTION_LEN     = 0x440c,
    VMX_INSTRUCTION_INFO        = 0x440e,
    GUEST_ES_LIMIT              = 0x4800, /* ES..TR as the selectors */
    GUEST_GDTR_LIMIT            = 0x4810,
    GUEST_IDTR_LIMIT            = 0x4812,
    GUEST_ES_AR_BYTES           = 0x4814, /* ES..TR as the selectors */
    GUEST_INTERRUPTIBILITY_INFO = 0x4824,
    GUEST_ACTIVITY_STATE        = 0x4826,
    GUEST_SYSENTER_CS           = 0x482a,
    HOST_IA32_SYSENTER_CS       = 0x4c00,
    /* natural width */
    CR0_GUEST_HOST_MASK         = 0x6000,
    CR4_GUEST_HOST_MASK         = 0x6002,
    CR0_READ_SHADOW             = 0x6004,
    CR4_READ_SHADOW             = 0x6006,
    EXIT_QUALIFICATION          = 0x6400,
    GUEST_LINEAR_ADDRESS        = 0x640a,
    GUEST_CR0                   = 0x6800,
    GUEST_CR3                   = 0x6802,
    GUEST_CR4                   = 0x6804,
    GUEST_ES_BASE               = 0x6806, /* ES..TR as the selectors */
    GUEST_GDTR_BASE             = 0x6816,
    GUEST_IDTR_BASE             = 0x6818,
    GUEST_DR7                   = 0x681a,
    GUEST_RSP                   = 0x681c,
    GUEST_RIP                   = 0x681e,
    GUEST_RFLAGS                = 0x6820,
    GUEST_PENDING_DBG_EXCEPTIONS = 0x6822,
    GUEST_SYSENTER_ESP          = 0x6824,
    GUEST_SYSENTER_EIP          = 0x6826,
    HOST_CR0                    = 0x6c00,
    HOST_CR3                    = 0x6c02,
    HOST_CR4                    = 0x6c04,
    HOST_FS_BASE                = 0x6c06,
    HOST_GS_BASE                = 0x6c08,
    HOST_TR_BASE                = 0x6c0a,
    HOST_GDTR_BASE              = 0x6c0c,
    HOST_IDTR_BASE              = 0x6c0e,
    HOST_IA32_SYSENTER_ESP      = 0x6c10,
    HOST_IA32_SYSENTER_EIP      = 0x6c12,
    HOST_RSP                    = 0x6c14,
    HOST_RIP                    = 0x6c16,
};

/* The guest segment registers in the VMCS's own order (appendix B: ES CS SS DS FS GS
 * LDTR TR), each field kind 2 apart. */
enum vmcs_seg {
    VMCS_ES, VMCS_CS, VMCS_SS, VMCS_DS, VMCS_FS, VMCS_GS, VMCS_LDTR, VMCS_TR
};
#define GUEST_SEG_SELECTOR(s)   (GUEST_ES_SELECTOR + 2 * (s))
#define GUEST_SEG_LIMIT(s)      (GUEST_ES_LIMIT + 2 * (s))
#define GUEST_SEG_AR(s)         (GUEST_ES_AR_BYTES + 2 * (s))
#define GUEST_SEG_BASE(s)       (GUEST_ES_BASE + 2 * (s))

/* Segment access rights in the VMCS (24.4.1, table 24-2): the descriptor's attribute
 * bytes with bits 11:8 reserved, plus bit 16 "unusable". */
#define VMX_AR_UNUSABLE         (1u << 16)

/* Guest interruptibility state (24.4.2, table 24-3) */
#define INTR_BLOCK_STI          (1u << 0)
#define INTR_BLOCK_MOV_SS       (1u << 1)
#define INTR_BLOCK_NMI          (1u << 3)

/* VM-entry interruption information (24.8.3), and the VM-exit interruption and
 * IDT-vectoring information (24.9.2) that share its layout. */
#define INTR_INFO_VECTOR_MASK   0xffu
#define INTR_INFO_TYPE_SHIFT    8
#define INTR_INFO_TYPE_MASK     (7u << INTR_INFO_TYPE_SHIFT)
#define  INTR_TYPE_EXT_INTR     0
#define  INTR_TYPE_NMI          2
#define  INTR_TYPE_HW_EXCEPTION 3
#define  INTR_TYPE_SW_INTR      4
#define  INTR_TYPE_PRIV_SW_EXC  5   /* INT1 (ICEBP) */
#define  INTR_TYPE_SW_EXCEPTION 6   /* INT3, INTO */
#define INTR_INFO_DELIVER_CODE  (1u << 11)
#define INTR_INFO_NMI_UNBLOCKED (1u << 12) /* exits only: IRET unblocked NMIs */
#define INTR_INFO_VALID         (1u << 31)
#define INTR_INFO_TYPE(i)       (((i) & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT)

/* ---- exit reasons (SDM appendix C) ---- */

#define EXIT_REASON_BASIC(r)            ((r) & 0xffff)
#define EXIT_REASON_ENTRY_FAILURE       (1u << 31)

enum vmx_exit_reason {
    EXIT_EXCEPTION_NMI = 0, EXIT_EXTERNAL_INTERRUPT = 1, EXIT_TRIPLE_FAULT = 2,
    EXIT_INIT = 3, EXIT_SIPI = 4, EXIT_IO_SMI = 5, EXIT_OTHER_SMI = 6,
    EXIT_INTERRUPT_WINDOW = 7, EXIT_NMI_WINDOW = 8, EXIT_TASK_SWITCH = 9,
    EXIT_CPUID = 10, EXIT_GETSEC = 11, EXIT_HLT = 12, EXIT_INVD = 13, EXIT_INVLPG = 14,
    EXIT_RDPMC = 15, EXIT_RDTSC = 16, EXIT_RSM = 17, EXIT_VMCALL = 18,
    EXIT_VMCLEAR = 19, EXIT_VMLAUNCH = 20, EXIT_VMPTRLD = 21, EXIT_VMPTRST = 22,
    EXIT_VMREAD = 23, EXIT_VMRESUME = 24, EXIT_VMWRITE = 25, EXIT_VMXOFF = 26,
    EXIT_VMXON = 27, EXIT_CR_ACCESS = 28, EXIT_DR_ACCESS = 29, EXIT_IO_INSTRUCTION = 30,
    EXIT_RDMSR = 31, EXIT_WRMSR = 32, EXIT_INVALID_GUEST_STATE = 33,
    EXIT_MSR_LOADING = 34, EXIT_MWAIT = 36, EXIT_MONITOR_TRAP_FLAG = 37,
    EXIT_MONITOR = 39, EXIT_PAUSE = 40, EXIT_MACHINE_CHECK = 41,
    EXIT_TPR_BELOW_THRESHOLD = 43, EXIT_APIC_ACCESS = 44, EXIT_VIRTUALIZED_EOI = 45,
    EXIT_GDTR_IDTR = 46, EXIT_LDTR_TR = 47, EXIT_EPT_VIOLATION = 48,
    EXIT_EPT_MISCONFIG = 49, EXIT_INVEPT = 50, EXIT_RDTSCP = 51,
    EXIT_PREEMPTION_TIMER = 52, EXIT_INVVPID = 53, EXIT_WBINVD = 54, EXIT_XSETBV = 55,
    EXIT_APIC_WRITE = 56, EXIT_RDRAND = 57, EXIT_INVPCID = 58, EXIT_VMFUNC = 59,
    EXIT_ENCLS = 60, EXIT_RDSEED = 61, EXIT_PML_FULL = 62, EXIT_XSAVES = 63,
    EXIT_XRSTORS = 64,
    EXIT_REASON_COUNT
};

/* Exit qualification for control-register accesses (27.2.1, table 27-3) */
#define CR_QUAL_NUMBER(q)       ((q) & 0xf)
#define CR_QUAL_TYPE(q)         (((q) >> 4) & 3)
#define  CR_TYPE_MOV_TO_CR      0
#define  CR_TYPE_MOV_FROM_CR    1
#define  CR_TYPE_CLTS           2
#define  CR_TYPE_LMSW           3
#define CR_QUAL_GPR(q)          (((q) >> 8) & 0xf)

/* Exit qualification for I/O instructions (27.2.1, table 27-5) */
#define IO_QUAL_SIZE(q)         (((q) & 7) + 1)
#define IO_QUAL_IN              (1ULL << 3)
#define IO_QUAL_STRING          (1ULL << 4)
#define IO_QUAL_REP             (1ULL << 5)
#define IO_QUAL_PORT(q)         (((q) >> 16) & 0xffff)

/* Exit qualification for EPT violations (27.2.1, table 27-7) */
#define EPT_QUAL_READ           (1ULL << 0)
#define EPT_QUAL_WRITE          (1ULL << 1)
#define EPT_QUAL_FETCH          (1ULL << 2)
#define EPT_QUAL_PERMS          (7ULL << 3)   /* the entry allowed read/write/execute */
#define EPT_QUAL_GLA_VALID      (1ULL << 7)
#define EPT_QUAL_GLA_FINAL      (1ULL << 8)   /* (with bit 7) the final translation */
#define EPT_QUAL_NMI_UNBLOCKED  (1ULL << 12)

/* Exit qualification for debug exceptions (27.2.1, table 27-1): DR6's B0-B3, BD, BS */
#define DBG_QUAL_DR6_MASK       0x600fULL

/* ---- VMX instructions ---- */

/* VMfailInvalid (CF: no current VMCS, or a bad operand) and VMfailValid (ZF: the
 * reason is in VM_INSTRUCTION_ERROR), as -errno. */
#define VMX_FAIL_INVALID  (-ENXIO)
#define VMX_FAIL_VALID    (-EIO)

static inline int vmx_flags_rc(bool cf, bool zf)
{
    return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : 0;
}

static inline int vmread_safe(u32 field, u64 *val)
{
    bool cf, zf;
    u64 v = 0;

    __asm__ volatile("vmread %[field], %[val]"
                     : [val] "+r"(v), "=@ccc"(cf), "=@ccz"(zf)
                     : [field] "r"((u64)field));
    *val = v;
    return vmx_flags_rc(cf, zf);
}

static inline int vmwrite_safe(u32 field, u64 val)
{
    bool cf, zf;

    __asm__ volatile("vmwrite %[val], %[field]"
                     : "=@ccc"(cf), "=@ccz"(zf)
                     : [field] "r"((u64)field), [val] "rm"(val)
                     : "memory");
    return vmx_flags_rc(cf, zf);
}

/* A failed VMREAD/VMWRITE of a field we chose, or a failed VMX instruction the backend
 * relies on (INVEPT, INVVPID...): a bug in the backend. Both panic with the
 * VM-instruction error by name. */
void vmx_access_failed(const char *insn, u32 field, u64 val, int rc) __noreturn;
void vmx_insn_failed(const char *insn, u64 operand, int rc) __noreturn;

static inline u64 vmread(u32 field)
{
    u64 v;
    int rc = vmread_safe(field, &v);

    if (unlikely(rc))
        vmx_access_failed("VMREAD", field, 0, rc);
    return v;
}

static inline void vmwrite(u32 field, u64 val)
{
    int rc = vmwrite_safe(field, val);

    if (unlikely(rc))
        vmx_access_failed("VMWRITE", field, val, rc);
}

/* VMXON, VMPTRLD and VMCLEAR take the physical address in memory (SDM 30.3). */
static inline int vmxon(paddr_t pa)
{
    bool cf, zf;

    __asm__ volatile("vmxon %[pa]"
                     : "=@ccc"(cf), "=@ccz"(zf)
                     : [pa] "m"(pa)
                     : "memory");
    return vmx_flags_rc(cf, zf);
}

static inline int vmptrld(paddr_t pa)
{
    bool cf, zf;

    __asm__ volatile("vmptrld %[pa]"
                     : "=@ccc"(cf), "=@ccz"(zf)
                     : [pa] "m"(pa)
                     : "memory");
    return vmx_flags_rc(cf, zf);
}

static inline int vmclear(paddr_t pa)
{
    bool cf, zf;

    __asm__ volatile("vmclear %[pa]"
                     : "=@ccc"(cf), "=@ccz"(zf)
                     : [pa] "m"(pa)
                     : "memory");
    return vmx_flags_rc(cf, zf);
}

/* INVEPT and INVVPID (SDM 30.3): a type in a register, a 128-bit descriptor in memory. */
#define INVEPT_SINGLE_CONTEXT   1
#define INVEPT_ALL_CONTEXT      2
#define INVVPID_SINGLE_CONTEXT  1
#define INVVPID_ALL_CONTEXT     2

static inline int invept(u64 type, u64 eptp)
{
    struct { u64 eptp, zero; } desc = { eptp, 0 };
    bool cf, zf;

    __asm__ volatile("invept %[desc], %[type]"
                     : "=@ccc"(cf), "=@ccz"(zf)
                     : [desc] "m"(desc), [type] "r"(type)
                     : "memory");
    return vmx_flags_rc(cf, zf);
}

static inline int invvpid(u64 type, u16 vpid, u64 linear)
{
    struct { u64 vpid, linear; } desc = { vpid, linear };
    bool cf, zf;

    __asm__ volatile("invvpid %[desc], %[type]"
                     : "=@ccc"(cf), "=@ccz"(zf)
                     : [desc] "m"(desc), [type] "r"(type)
                     : "memory");
    return vmx_flags_rc(cf, zf);
}

/* The SDM's name of a VM-instruction error number (30.4), or of an exit reason. */
const char *vmx_insn_error_name(u64 error);
const char *vmx_exit_reason_name(u32 basic_reason);

#endif /* VMX_VMCS_H */
