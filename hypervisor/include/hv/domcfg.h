/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Domain configurations: the Multiboot modules whose name ends in ".cfg", in the
 * xl.cfg(5) syntax Xen users know. domcfg_parse() turns one into a struct domcfg;
 * the domain builder takes it from there.
 *
 * The syntax (a strict subset of xl's):
 *
 *     # a comment, to the end of the line (not inside strings)
 *     name = "web1"                    ; memory = 2048   # ';' separates statements
 *     disk = [ "format=raw, vdev=xvda, target=web1.img",
 *              "vdev=xvdb, devtype=cdrom, target=install.iso",   # lists span lines,
 *            ]                                                    # trailing ',' is fine
 *
 *   - A statement is KEY = VALUE on one line (a list may continue over lines); keys
 *     are [A-Za-z_][A-Za-z0-9_]*, case-sensitive. Blank lines and empty statements
 *     are fine. Outside strings a CR is a blank, so CRLF files read like LF ones; a
 *     UTF-8 byte-order mark at the start is skipped.
 *   - VALUE is a string in "double" or 'single' quotes, with the escapes \" \' \\ \n
 *     and \t (a string ends on its line); an integer, decimal or 0x hex, with no
 *     leading zeros (xl would read 010 as octal, so it is refused rather than
 *     guessed) and no sign (no key takes a negative value); or a list of strings
 *     [ "a", "b" ].
 *   - A key given twice: the later value wins. Unknown keys and values of the wrong
 *     shape or out of range are errors.
 *   - Limits: the file DOMCFG_FILE_MAX bytes, a string DOMCFG_STR_LEN - 1 bytes, a
 *     list DOMCFG_LIST_MAX entries. The text must not contain NUL bytes.
 *
 * The keys and their meaning are described at struct domcfg below.
 */
#ifndef HV_DOMCFG_H
#define HV_DOMCFG_H

#include <hv/bootinfo.h>
#include <hv/types.h>

#define DOMCFG_FILE_MAX    (64 * 1024)       /* bytes in a configuration file */
#define DOMCFG_STR_LEN     1024              /* a string value: 1023 bytes and a NUL */
#define DOMCFG_LIST_MAX    16                /* entries in a list */
#define DOMCFG_NAME_LEN    64                /* a domain name: 1-63 of [A-Za-z0-9_.-] */
#define DOMCFG_MODNAME_LEN BOOT_MODNAME_MAX  /* a boot module's name (a file basename) */
#define DOMCFG_MEMORY_MAX  1048576           /* MiB (1 TiB) */
#define DOMCFG_VCPUS_MAX   128

/* Every key, for struct domcfg's `set` mask (see domcfg_is_set()). */
enum domcfg_key {
    DOMCFG_KEY_NAME,
    DOMCFG_KEY_TYPE,
    DOMCFG_KEY_BUILDER,
    DOMCFG_KEY_MEMORY,
    DOMCFG_KEY_MAXMEM,
    DOMCFG_KEY_VCPUS,
    DOMCFG_KEY_MAXVCPUS,
    DOMCFG_KEY_KERNEL,
    DOMCFG_KEY_RAMDISK,
    DOMCFG_KEY_CMDLINE,
    DOMCFG_KEY_EXTRA,
    DOMCFG_KEY_ROOT,
    DOMCFG_KEY_FIRMWARE,
    DOMCFG_KEY_BIOS,
    DOMCFG_KEY_ON_POWEROFF,
    DOMCFG_KEY_ON_REBOOT,
    DOMCFG_KEY_ON_CRASH,
    DOMCFG_KEY_ON_WATCHDOG,
    DOMCFG_KEY_ON_SOFT_RESET,
    DOMCFG_KEY_DISK,
    DOMCFG_KEY_VIF,
    DOMCFG_KEY_CHANNEL,
    DOMCFG_KEY_SERIAL,
    DOMCFG_KEY_BOOT,
    DOMCFG_KEY_TESTDEV,
    DOMCFG_KEY_UUID,
    DOMCFG_KEY_ACPI,
    DOMCFG_KEY_APIC,
    DOMCFG_KEY_PAE,
    DOMCFG_KEY_HAP,
    DOMCFG_KEY_VIRIDIAN,
    DOMCFG_KEY_LOCALTIME,
    DOMCFG_KEY_TSC_MODE,
    DOMCFG_NR_KEYS
};

enum domcfg_type {
    DOMCFG_TYPE_HVM,    /* firmware boots the guest on emulated PC hardware */
    DOMCFG_TYPE_PVH,    /* the kernel is entered directly at its PVH entry point */
};

/* What to do when the domain powers off, reboots, crashes, ... (xl's on_* keys). */
enum domcfg_action {
    DOMCFG_ACTION_DESTROY,            /* "destroy" */
    DOMCFG_ACTION_RESTART,            /* "restart" */
    DOMCFG_ACTION_RENAME_RESTART,     /* "rename-restart" */
    DOMCFG_ACTION_PRESERVE,           /* "preserve" */
    DOMCFG_ACTION_COREDUMP_DESTROY,   /* "coredump-destroy" */
    DOMCFG_ACTION_COREDUMP_RESTART,   /* "coredump-restart" */
    DOMCFG_ACTION_SOFT_RESET,         /* "soft-reset" */
    DOMCFG_NR_ACTIONS
};

enum domcfg_firmware {
    DOMCFG_FW_DEFAULT,  /* none given: SeaBIOS for hvm, direct boot for pvh */
    DOMCFG_FW_SEABIOS,  /* "bios" or "seabios" (or bios = "seabios") */
    DOMCFG_FW_OVMF,     /* "uefi" or "ovmf" (or bios = "ovmf") */
    DOMCFG_FW_PVH,      /* "pvh": direct kernel boot; pvh domains only */
    DOMCFG_FW_MODULE,   /* any other string: the boot module named firmware_module */
};

enum domcfg_tsc_mode {
    DOMCFG_TSC_DEFAULT,          /* "default" */
    DOMCFG_TSC_ALWAYS_EMULATE,   /* "always_emulate" */
    DOMCFG_TSC_NATIVE,           /* "native" */
    DOMCFG_TSC_NATIVE_PARAVIRT,  /* "native_paravirt" */
};

/* Viridian (Hyper-V) enlightenment groups: the bits of struct domcfg's viridian. */
#define DOMCFG_VIRIDIAN_BASE                   (1u << 0)
#define DOMCFG_VIRIDIAN_FREQ                   (1u << 1)
#define DOMCFG_VIRIDIAN_TIME_REF_COUNT         (1u << 2)
#define DOMCFG_VIRIDIAN_REFERENCE_TSC          (1u << 3)
#define DOMCFG_VIRIDIAN_HCALL_REMOTE_TLB_FLUSH (1u << 4)
#define DOMCFG_VIRIDIAN_APIC_ASSIST            (1u << 5)
#define DOMCFG_VIRIDIAN_CRASH_CTL              (1u << 6)
#define DOMCFG_VIRIDIAN_SYNIC                  (1u << 7)
#define DOMCFG_VIRIDIAN_STIMER                 (1u << 8)
#define DOMCFG_VIRIDIAN_HCALL_IPI              (1u << 9)
#define DOMCFG_VIRIDIAN_EX_PROCESSOR_MASKS     (1u << 10)
#define DOMCFG_VIRIDIAN_NO_VP_LIMIT            (1u << 11)
#define DOMCFG_VIRIDIAN_CPU_HOTPLUG            (1u << 12)
#define DOMCFG_VIRIDIAN_ALL                    ((1u << 13) - 1)
#define DOMCFG_VIRIDIAN_DEFAULTS                                                          \
    (DOMCFG_VIRIDIAN_BASE | DOMCFG_VIRIDIAN_FREQ | DOMCFG_VIRIDIAN_TIME_REF_COUNT |       \
     DOMCFG_VIRIDIAN_APIC_ASSIST | DOMCFG_VIRIDIAN_CRASH_CTL |                            \
     DOMCFG_VIRIDIAN_NO_VP_LIMIT | DOMCFG_VIRIDIAN_CPU_HOTPLUG)

/* A list of strings kept verbatim (disk and vif specifications, ...). */
struct domcfg_list {
    unsigned int nr;
    char item[DOMCFG_LIST_MAX][DOMCFG_STR_LEN];
};

/*
 * One domain's configuration. Each field says its key, the value it takes and its
 * default; `set` tells which keys the file gave (defaults from explicit values).
 * About 68 KiB: allocate it (or make it static), never put it on a stack.
 */
struct domcfg {
    u64 set;                            /* bit (1 << DOMCFG_KEY_x): key x was given */

    char name[DOMCFG_NAME_LEN];         /* name: required, 1-63 of [A-Za-z0-9_.-] */
    enum domcfg_type type;              /* type = "hvm" | "pvh" (default hvm); the
                                           legacy builder = "hvm" is accepted, and
                                           type wins over it. "pv" is refused. */
    unsigned int memory;                /* memory: MiB, required, 1..1048576 */
    unsigned int maxmem;                /* maxmem: MiB, >= memory (default memory) */
    unsigned int vcpus;                 /* vcpus: 1..128 (default 1) */
    unsigned int maxvcpus;              /* maxvcpus: >= vcpus (default vcpus) */

    /* kernel, ramdisk: boot module names (file basenames, no '/'), "" if not given.
     * A pvh domain needs a kernel; a ramdisk needs a kernel. */
    char kernel[DOMCFG_MODNAME_LEN];
    char ramdisk[DOMCFG_MODNAME_LEN];
    /*
     * The kernel's command line, from xl's rule: an explicit `cmdline` wins;
     * otherwise "root=<root> <extra>" when both root and extra are given,
     * "root=<root>" for root alone, <extra> for extra alone, else "". The result
     * must fit DOMCFG_STR_LEN - 1 bytes. root and extra are kept as given.
     */
    char cmdline[DOMCFG_STR_LEN];
    char extra[DOMCFG_STR_LEN];
    char root[DOMCFG_STR_LEN];

    /* firmware = "bios" | "seabios" | "uefi" | "ovmf" | "pvh" | "<module name>";
     * xl's older bios = "seabios" | "ovmf" is accepted, and firmware wins over it.
     * pvh domains take no firmware but "pvh"; hvm domains any but "pvh". */
    enum domcfg_firmware firmware;
    char firmware_module[DOMCFG_MODNAME_LEN];  /* DOMCFG_FW_MODULE: the module */

    /* on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset; defaults:
     * destroy, restart, destroy, destroy, soft-reset. */
    enum domcfg_action on_poweroff;
    enum domcfg_action on_reboot;
    enum domcfg_action on_crash;
    enum domcfg_action on_watchdog;
    enum domcfg_action on_soft_reset;

    /* disk, vif: lists of strings, kept verbatim (their specifications are parsed
     * by the device code); channel, serial: the same, or one string (serial = "pty"
     * is serial = [ "pty" ]). Empty by default. */
    struct domcfg_list disk;
    struct domcfg_list vif;
    struct domcfg_list channel;
    struct domcfg_list serial;

    char boot[4];                       /* boot: 1-3 of c (disk), d (CD-ROM),
                                           n (network), each once (default "cd") */
    bool testdev;                       /* testdev: 0/1, Petrel's guest test device
                                           (default 0) */
    u8 uuid[16];                        /* uuid: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
                                           (hex), the bytes in text order; zero if
                                           not given */
    bool acpi, apic, pae, hap;          /* 0/1, default 1 each */
    bool localtime;                     /* localtime: 0/1, default 0 (RTC in UTC) */
    /* viridian: 0 (none, the default), 1 (DOMCFG_VIRIDIAN_DEFAULTS), or a list of
     * group names ("base", "freq", ..., "cpu_hotplug", "defaults", "all"), each
     * optionally prefixed with '!' to remove it: [ "defaults", "!crash_ctl" ]. A
     * group both named and '!'-named is an error, and so is a non-empty set without
     * "base". The result: DOMCFG_VIRIDIAN_* bits. */
    u32 viridian;
    enum domcfg_tsc_mode tsc_mode;      /* tsc_mode: "default" | "always_emulate" |
                                           "native" | "native_paravirt" */
};

/* Whether the configuration gave `key` (rather than leaving its default). */
static inline bool domcfg_is_set(const struct domcfg *cfg, enum domcfg_key key)
{
    return (cfg->set >> key) & 1;
}

/*
 * Fill `cfg` with the defaults described at struct domcfg, with no key set (name
 * and memory empty, as they have no default).
 */
void domcfg_defaults(struct domcfg *cfg);

/*
 * Parse a configuration: `len` bytes at `text` (not NUL-terminated; it is a module
 * in memory, and is only read), whose module name `filename` is used in messages.
 * Returns 0 with *out complete (defaults filled in, maxmem/maxvcpus resolved,
 * cmdline made from root/extra, firmware from bios), or -EINVAL with one sentence
 * in `err` (NUL-terminated, truncated to `errlen`; err may be NULL if errlen is 0):
 *
 *     "<filename>:<line>: <what is wrong>"    a syntax error or a bad value
 *     "<filename>: <what is wrong>"           a key missing, or keys that disagree
 *
 * `out` must not be NULL. Any input is safe: every read is bounded by `len`, and
 * nothing is allocated (under 2 KiB of stack). After an error *out holds a partial
 * configuration (its strings still terminated) that must not be used.
 */
int domcfg_parse(const char *text, size_t len, const char *filename,
                 struct domcfg *out, char *err, size_t errlen);

/* The xl name of an action ("destroy", "rename-restart", ...), or "?" if invalid. */
const char *domcfg_action_name(enum domcfg_action action);

#endif /* HV_DOMCFG_H */
