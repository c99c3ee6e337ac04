/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Domains and vCPUs.
 *
 * A domain is an HVM container: its memory (guest RAM frames, mapped by its p2m), its
 * vCPUs, its emulated devices (port and MMIO handlers) and its console. A vCPU runs on
 * one physical CPU (v->processor), chosen when it is created.
 *
 * Field annotations say who may touch a field:
 *   (c) set at creation, read-only afterwards
 *   (d) under d->lock
 *   (v) only by the pCPU running the vCPU (its run loop and exit handlers)
 *   (a) atomic accesses
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <hv/guest_access.h>
#include <hv/hvm.h>
#include <hv/list.h>
#include <hv/p2m.h>
#include <hv/spinlock.h>
#include <hv/timer.h>
#include <hv/types.h>

typedef u16 domid_t;

#define MAX_DOMAINS     64
#define MAX_VCPUS       128
#define DOMAIN_NAME_MAX 64

enum vcpu_state {
    VCPU_OFFLINE,    /* not started (an AP waiting for INIT/SIPI), or torn down */
    VCPU_RUNNABLE,   /* wants a pCPU */
    VCPU_BLOCKED,    /* halted: waits for an interrupt (HLT) */
};

/* What follows a domain's end (xl.cfg's on_poweroff/on_reboot/on_crash). */
enum domain_action {
    ACTION_DESTROY,
    ACTION_RESTART,
    ACTION_PRESERVE,
};

/* What a domain is created with (the builder takes these from its configuration). */
struct domain_params {
    const char *name;
    u64 memory_mib;
    unsigned int nr_vcpus;
    bool testdev;                   /* attach the guest test device */
    bool platform;                  /* local APICs, IO-APIC, 8259s, timers (apic=1) */
    enum domain_action on_poweroff, on_reboot, on_crash;
};

/* Why a domain ended. */
enum shutdown_reason {
    SHUTDOWN_NONE,
    SHUTDOWN_POWEROFF,  /* the guest powered off, or wrote to the debug-exit port */
    SHUTDOWN_REBOOT,
    SHUTDOWN_CRASH,     /* the guest did something no machine survives (triple fault...) */
};

struct vcpu {
    unsigned int id;                /* (c) */
    struct domain *domain;          /* (c) */
    unsigned int processor;         /* (c) the pCPU it runs on */
    enum vcpu_state state;          /* (a) */
    bool running;                   /* (a) in its run loop on its pCPU now */
    struct list_head runq;          /* on its pCPU's run queue (the scheduler's lock) */

    struct hvm_vcpu hvm;            /* (v) neutral HVM state: registers, events */
    void *backend;                  /* (v) the backend's state (VMCB...), opaque */

    u64 exits[HVM_EXIT_COUNT];      /* (v) exits by kind, for the 'e' key and tests */
    u64 exits_total;                /* (v) */
};

struct io_handler;
struct mmio_handler;

struct domain {
    domid_t id;                     /* (c) */
    char name[DOMAIN_NAME_MAX];     /* (c) */
    enum domain_action on_poweroff, on_reboot, on_crash; /* (c) */
    spinlock_t lock;
    struct list_head list;          /* on the domain list (domlist lock) */

    unsigned int nr_vcpus;          /* (c) */
    struct vcpu **vcpus;            /* (c) */

    struct p2m p2m;                 /* its own lock */
    /* Guest RAM: [0, 640 KiB), [1 MiB, low_end) and [4 GiB, 4 GiB + high_size). */
    u64 ram_low_end;                /* (c) */
    u64 ram_high_size;              /* (c) */
    struct list_head ram_pages;     /* (d) host frames backing guest RAM */
    u64 ram_pages_count;            /* (d) */
    s64 tsc_offset;                 /* (c) guest TSC = host TSC + tsc_offset */
    void *backend;                  /* (c) the backend's per-domain state, opaque */

    /* Emulated devices (hvm/io.c); registered while the domain is built. */
    unsigned int nr_io_handlers;    /* (c) */
    struct io_handler *io_handlers; /* (c) */
    unsigned int nr_mmio_handlers;  /* (c) */
    struct mmio_handler *mmio_handlers; /* (c) */
    void *testdev;                  /* (c) the guest test device, when configured */
    struct hvm_irq *irq;            /* (c) its interrupt platform (hv/hvm_irq.h) */

    /* The guest's console: bytes written to its ports, flushed a line at a time. */
    spinlock_t console_lock;
    char console_buf[256];          /* (console_lock) */
    unsigned int console_len;       /* (console_lock) */

    /* Pausing: while pause_count > 0 no vCPU of the domain enters guest mode. */
    unsigned int pause_count;       /* (a) */

    /* Ending. */
    bool dying;                     /* (a) no vCPU may enter guest mode any more */
    enum shutdown_reason shutdown;  /* (d) */
    bool exited_by_port;            /* (d) through the debug-exit port... */
    u32 exit_code;                  /* (d) ...with this value */
    char crash_reason[128];         /* (d) */
};

/*
 * Create a domain: the domain, its vCPUs (offline), its p2m and guest RAM
 * (memory_mib, zeroed), and the emulated devices every domain has.
 * The caller loads an image and starts vCPU 0 (domain_start). Returns the domain, or
 * NULL with a sentence in err (-ENOMEM, too many domains, backend refusal).
 */
struct domain *domain_create(const struct domain_params *p, char *err, size_t errlen);

/* Put vCPU 0 on its run queue; the domain runs from then on. */
void domain_start(struct domain *d);

/*
 * Pause a domain: when this returns, none of its vCPUs is in guest mode or will enter
 * it until a matching domain_unpause() (pauses nest). Not from the domain's own vCPUs.
 */
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);

/*
 * End a domain: record why (the first reason sticks), stop its vCPUs and, after they
 * have left their pCPUs, free everything. Safe from any context on any pCPU, including
 * the domain's own vCPUs' exit handlers. What follows (destroy, restart...) is the
 * domain's on_poweroff / on_reboot / on_crash; only "destroy" is implemented yet, and
 * the others are reported and treated as destroy.
 */
void domain_shutdown(struct domain *d, enum shutdown_reason why);

/* Crash a domain for a guest action no machine survives: a rate-limited log line
 * naming the domain and the reason, then domain_shutdown(CRASH). */
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);

/* Guest console output: a byte the guest wrote to its debug console or UART. */
void domain_console_putc(struct domain *d, char c);

/* The number of domains that exist (not yet fully destroyed). */
unsigned int domain_count(void);

/* Give the machine's exit status the last domain's result when all domains have
 * ended (see hypervisor/common/domain.c). */
void domain_all_ended(void);

/* The reaper that frees ended domains: once, at boot. */
void domain_subsys_init(void);

/* Free a domain that was created but never started (its build failed). */
void domain_destroy_unstarted(struct domain *d);

/* Build every domain whose configuration came as a boot module (*.cfg), and start
 * them (common/domain_build.c). Returns how many were built. */
unsigned int domain_build_all(void);
void domain_start_all(void);

#endif /* HV_DOMAIN_H */
