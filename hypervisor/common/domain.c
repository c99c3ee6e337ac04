/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Domains: creation (vCPUs, p2m, guest RAM, devices), shutdown and teardown, the
 * guest console, and what the machine does when the last domain has ended.
 */
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/hvm_io.h>
#include <hv/hvm_irq.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/sched.h>
#include <hv/shutdown.h>
#include <hv/smp.h>
#include <hv/time.h>
#include <hv/timer.h>
#include <asm/processor.h>

/* Guest RAM below 4 GiB ends here at most; the rest goes above 4 GiB. The gap holds
 * emulated devices (the IO-APIC, local APICs, the test device) and, later, PCI BARs. */
#define GUEST_LOW_RAM_LIMIT 0xf0000000ULL
#define GUEST_HOLE_START    0xa0000ULL   /* VGA and BIOS area: not RAM */
#define GUEST_HOLE_END      0x100000ULL
#define SUPERPAGE_ORDER     9            /* 2 MiB */

static DEFINE_SPINLOCK(domlist_lock);
static LIST_HEAD(domain_list);
static unsigned int nr_domains;
static domid_t next_domid = 1;
static bool any_created;
static struct timer reaper;
static bool reaper_ready;

/* The last domain to end, for the machine's exit status. */
static bool last_by_port;
static u32 last_code;

bool arch_debug_exit(u32 code);

/* ---- guest RAM ---- */

/* Allocate, zero and map [gfn, gfn + nr) as RAM, in 2 MiB blocks where the range is
 * aligned, else in single pages. */
static int populate(struct domain *d, u64 gfn, u64 nr)
{
    while (nr) {
        unsigned int order = (IS_ALIGNED(gfn, 1u << SUPERPAGE_ORDER) &&
                              nr >= (1u << SUPERPAGE_ORDER)) ? SUPERPAGE_ORDER : 0;
        struct page_info *pg = alloc_pages(order);
        int rc;

        if (!pg && order) {
            order = 0; /* fragmented: fall back to single pages */
            pg = alloc_pages(0);
        }
        if (!pg)
            return -ENOMEM;
        memset(page_to_virt(pg), 0, PAGE_SIZE << order);
        list_add_tail(&pg->list, &d->ram_pages);
        d->ram_pages_count += 1ULL << order;
        rc = p2m_set_entry(&d->p2m, _gfn(gfn), page_to_mfn(pg), 1ULL << order, p2m_ram_rw);
        if (rc)
            return rc;
        gfn += 1ULL << order;
        nr -= 1ULL << order;
    }
    return 0;
}

static int populate_ram(struct domain *d, u64 bytes)
{
    u64 low = min(bytes, GUEST_LOW_RAM_LIMIT);
    int rc;

    d->ram_low_end = low;
    d->ram_high_size = bytes - low;
    rc = populate(d, 0, GUEST_HOLE_START >> PAGE_SHIFT);
    if (!rc && low > GUEST_HOLE_END)
        rc = populate(d, GUEST_HOLE_END >> PAGE_SHIFT, (low - GUEST_HOLE_END) >> PAGE_SHIFT);
    if (!rc && d->ram_high_size)
        rc = populate(d, GiB(4) >> PAGE_SHIFT, d->ram_high_size >> PAGE_SHIFT);
    return rc;
}

static void free_ram(struct domain *d)
{
    struct page_info *pg, *n;

    list_for_each_entry_safe(pg, n, &d->ram_pages, list) {
        list_del(&pg->list);
        free_pages(pg, pg->order);
    }
    d->ram_pages_count = 0;
}

/* ---- creation ---- */

/* "d1v0: 1234 exits: io=1000 cpuid=4 ..." */
static void format_exits(const struct vcpu *v, char *line, size_t len)
{
    size_t n = snprintf(line, len, "d%uv%u: %llu exits:", v->domain->id, v->id,
                        v->exits_total);

    for (unsigned int k = 0; k < HVM_EXIT_COUNT && n < len; k++)
        if (v->exits[k])
            n += snprintf(line + n, len - n, " %s=%llu", hvm_exit_name(k), v->exits[k]);
}

static void domain_free(struct domain *d)
{
    /* First: their timers point at the vCPUs (the test device's fires into vCPU 0). */
    hvm_irq_destroy(d);
    hvm_testdev_destroy(d);
    for (unsigned int i = 0; d->vcpus && i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        if (v->backend)
            hvm_funcs.vcpu_destroy(v);
        xfree(v->hvm.fpu);
        xfree(v);
    }
    xfree(d->vcpus);
    if (d->io_handlers)
        hvm_io_teardown(d);
    if (d->backend)
        hvm_funcs.domain_destroy(d);
    if (d->p2m.root)
        p2m_teardown(&d->p2m);
    free_ram(d);
    xfree(d->io_handlers);
    xfree(d->mmio_handlers);
    xfree(d);
}

static int create_vcpus(struct domain *d, unsigned int n)
{
    d->vcpus = xzalloc_array(n, sizeof(*d->vcpus));
    if (!d->vcpus)
        return -ENOMEM;
    d->nr_vcpus = n;
    for (unsigned int i = 0; i < n; i++) {
        struct vcpu *v = xnew(struct vcpu);
        int rc;

        if (!v)
            return -ENOMEM;
        d->vcpus[i] = v;
        v->id = i;
        v->domain = d;
        v->processor = sched_pick_cpu();
        v->state = VCPU_OFFLINE;
        v->hvm.nmi_iret_rip = ~0ULL;
        v->hvm.wait_sipi = i != 0; /* APs wait for INIT-SIPI-SIPI from the BSP */
        v->hvm.tsc_offset = d->tsc_offset;
        rc = hvm_vcpu_fpu_alloc(v);
        if (!rc)
            rc = hvm_funcs.vcpu_init(v);
        if (rc)
            return rc;
    }
    return 0;
}

struct domain *domain_create(const struct domain_params *p, char *err, size_t errlen)
{
    struct domain *d;
    unsigned long flags;
    int rc;

    if (!hvm_enabled) {
        hv_strlcpy(err, "this machine has no usable hardware virtualization", errlen);
        return NULL;
    }
    if (p->nr_vcpus == 0 || p->nr_vcpus > MAX_VCPUS) {
        snprintf(err, errlen, "%u vCPUs: a domain has 1 to %u", p->nr_vcpus, MAX_VCPUS);
        return NULL;
    }
    d = xnew(struct domain);
    if (!d)
        goto nomem;
    hv_strlcpy(d->name, p->name, sizeof(d->name));
    d->on_poweroff = p->on_poweroff;
    d->on_reboot = p->on_reboot;
    d->on_crash = p->on_crash;
    spin_lock_init(&d->lock);
    spin_lock_init(&d->console_lock);
    list_init(&d->ram_pages);
    d->io_handlers = xzalloc_array(MAX_IO_HANDLERS, sizeof(*d->io_handlers));
    d->mmio_handlers = xzalloc_array(MAX_MMIO_HANDLERS, sizeof(*d->mmio_handlers));
    if (!d->io_handlers || !d->mmio_handlers)
        goto nomem;

    flags = spin_lock_irqsave(&domlist_lock);
    if (nr_domains == MAX_DOMAINS) {
        spin_unlock_irqrestore(&domlist_lock, flags);
        snprintf(err, errlen, "there are already %u domains", MAX_DOMAINS);
        domain_free(d);
        return NULL;
    }
    d->id = next_domid++;
    spin_unlock_irqrestore(&domlist_lock, flags);

    /* The guest's TSC starts at 0; set before the vCPUs exist, whose VMCB or VMCS
     * takes its offset from here. */
    d->tsc_offset = -(s64)rdtsc();
    rc = p2m_init(&d->p2m, hvm_funcs.p2m_format);
    if (!rc)
        rc = hvm_funcs.domain_init(d);
    if (!rc)
        rc = create_vcpus(d, p->nr_vcpus);
    if (!rc)
        rc = populate_ram(d, p->memory_mib << 20);
    if (rc)
        goto fail;
    rc = hvm_debugport_init(d);
    if (!rc && p->platform)
        rc = hvm_irq_init(d);
    if (!rc && p->testdev)
        rc = hvm_testdev_init(d);
    if (rc)
        goto fail;

    flags = spin_lock_irqsave(&domlist_lock);
    list_add_tail(&d->list, &domain_list);
    nr_domains++;
    any_created = true;
    spin_unlock_irqrestore(&domlist_lock, flags);
    return d;

fail:
    snprintf(err, errlen, "%s (%d)", rc == -ENOMEM ? "out of memory" : "cannot set it up", rc);
    domain_free(d);
    return NULL;
nomem:
    hv_strlcpy(err, "out of memory", errlen);
    if (d)
        domain_free(d);
    return NULL;
}

void domain_destroy_unstarted(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    list_del(&d->list);
    nr_domains--;
    spin_unlock_irqrestore(&domlist_lock, flags);
    domain_free(d);
}

void domain_pause(struct domain *d)
{
    ASSERT(!sched_kicks_held());
    __atomic_fetch_add(&d->pause_count, 1, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        vcpu_kick(d->vcpus[i]);
    /* Wait until each vCPU has left its run loop (its pCPU sees the count). */
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        while (__atomic_load_n(&d->vcpus[i]->running, __ATOMIC_SEQ_CST))
            cpu_relax();
}

void domain_unpause(struct domain *d)
{
    if (__atomic_sub_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST))
        return;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->state == VCPU_RUNNABLE)
            vcpu_wake(d->vcpus[i]); /* back on its run queue */
}

void domain_start(struct domain *d)
{
    printk("d%u: '%s' starts: %u vCPU%s on CPU %u%s, %llu MiB\n", d->id, d->name,
           d->nr_vcpus, d->nr_vcpus > 1 ? "s" : "", d->vcpus[0]->processor,
           d->nr_vcpus > 1 ? " and others" : "", d->ram_pages_count >> (20 - PAGE_SHIFT));
    vcpu_wake(d->vcpus[0]);
}

/* ---- ending ---- */

static const char *action_name(enum domain_action a)
{
    switch (a) {
    case ACTION_DESTROY: return "destroy";
    case ACTION_RESTART: return "restart";
    case ACTION_PRESERVE: return "preserve";
    }
    return "?";
}

static void reap(void *unused);

void domain_shutdown(struct domain *d, enum shutdown_reason why)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    enum domain_action action;

    if (d->shutdown != SHUTDOWN_NONE) {
        spin_unlock_irqrestore(&d->lock, flags);
        return;
    }
    d->shutdown = why;
    spin_unlock_irqrestore(&d->lock, flags);

    action = why == SHUTDOWN_CRASH ? d->on_crash
           : why == SHUTDOWN_REBOOT ? d->on_reboot : d->on_poweroff;
    if (why == SHUTDOWN_CRASH)
        printk(LOG_WARN "d%u: '%s' crashed: %s\n", d->id, d->name, d->crash_reason);
    else if (d->exited_by_port)
        printk("d%u: '%s' exited with code %u\n", d->id, d->name, d->exit_code);
    else
        printk("d%u: '%s' %s\n", d->id, d->name,
               why == SHUTDOWN_REBOOT ? "rebooted" : "powered off");
    if (action != ACTION_DESTROY)
        printk(LOG_WARN "d%u: on_%s=%s is not supported yet; destroying the domain\n",
               d->id, why == SHUTDOWN_CRASH ? "crash" : why == SHUTDOWN_REBOOT ? "reboot"
                                                                             : "poweroff",
               action_name(action));

    __atomic_store_n(&d->dying, true, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        vcpu_kick(d->vcpus[i]);
    if (reaper_ready)
        set_timer(&reaper, NOW() + MILLISECS(1));
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);
    va_list ap;

    if (d->shutdown == SHUTDOWN_NONE) {
        va_start(ap, fmt);
        vsnprintf(d->crash_reason, sizeof(d->crash_reason), fmt, ap);
        va_end(ap);
    }
    spin_unlock_irqrestore(&d->lock, flags);
    domain_shutdown(d, SHUTDOWN_CRASH);
}

/* Free dying domains whose vCPUs have all left their pCPUs (runs on CPU 0). */
static void reap(void *unused)
{
    struct domain *d, *n;
    bool waiting = false, ended_all = false;
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    list_for_each_entry_safe(d, n, &domain_list, list) {
        bool idle = true;

        if (!d->dying)
            continue;
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            idle &= vcpu_descheduled(d->vcpus[i]);
        if (!idle) {
            waiting = true;
            continue;
        }
        list_del(&d->list);
        nr_domains--;
        last_by_port = d->exited_by_port;
        last_code = d->exit_code;
        ended_all = nr_domains == 0;
        spin_unlock_irqrestore(&domlist_lock, flags);
        for (unsigned int i = 0; i < d->nr_vcpus; i++) {
            char line[512];
            format_exits(d->vcpus[i], line, sizeof(line));
            printk("%s\n", line);
        }
        domain_free(d);
        flags = spin_lock_irqsave(&domlist_lock);
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
    if (waiting)
        set_timer(&reaper, NOW() + MILLISECS(5));
    if (ended_all && any_created)
        domain_all_ended();
}

void domain_all_ended(void)
{
    printk("All domains have ended; powering off.\n");
    if (last_by_port)
        arch_debug_exit(last_code);
    machine_power_off();
}

unsigned int domain_count(void)
{
    return __atomic_load_n(&nr_domains, __ATOMIC_SEQ_CST);
}

void domain_subsys_init(void)
{
    init_timer(&reaper, reap, NULL, 0);
    reaper_ready = true;
}

/* ---- the guest console ---- */

void domain_console_putc(struct domain *d, char c)
{
    unsigned long flags = spin_lock_irqsave(&d->console_lock);

    if (c == '\r') {
        spin_unlock_irqrestore(&d->console_lock, flags);
        return;
    }
    if (c != '\n') {
        if ((unsigned char)c < 0x20 && c != '\t')
            c = '?';
        d->console_buf[d->console_len++] = c;
    }
    if (c == '\n' || d->console_len == sizeof(d->console_buf) - 1) {
        console_guest_line(d->id, d->console_buf, d->console_len);
        d->console_len = 0;
    }
    spin_unlock_irqrestore(&d->console_lock, flags);
}

/* ---- the 'q' and 'e' keys ---- */

static void dump_domains(unsigned char key)
{
    struct domain *d;
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    printk("Domains: %u\n", nr_domains);
    list_for_each_entry(d, &domain_list, list) {
        printk("  d%u '%s': %u vCPUs, %llu MiB RAM, p2m %llu table pages%s\n", d->id,
               d->name, d->nr_vcpus, d->ram_pages_count >> (20 - PAGE_SHIFT),
               d->p2m.table_pages, d->dying ? ", dying" : "");
        for (unsigned int i = 0; i < d->nr_vcpus; i++) {
            struct vcpu *v = d->vcpus[i];
            static const char *const states[] = { "offline", "runnable", "blocked" };
            printk("    v%u on CPU %u: %s%s, %llu exits\n", v->id, v->processor,
                   states[v->state], v->running ? " (running)" : "", v->exits_total);
        }
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
}
KEYHANDLER('q', dump_domains, "show the domains and their vCPUs");

static void dump_exits(unsigned char key)
{
    struct domain *d;
    unsigned long flags = spin_lock_irqsave(&domlist_lock);

    printk("VM exits by kind, per vCPU:\n");
    list_for_each_entry(d, &domain_list, list) {
        for (unsigned int i = 0; i < d->nr_vcpus; i++) {
            char line[512];
            format_exits(d->vcpus[i], line, sizeof(line));
            printk("  %s\n", line);
        }
    }
    spin_unlock_irqrestore(&domlist_lock, flags);
}
KEYHANDLER('e', dump_exits, "show VM exit counts per vCPU");

/* 'z': pause every domain, or unpause them all if the previous 'z' paused them. */
static void toggle_pause(unsigned char key)
{
    static bool paused;
    struct domain *d;
    unsigned long flags = spin_lock_irqsave(&domlist_lock);
    struct domain *list[MAX_DOMAINS];
    unsigned int n = 0;

    list_for_each_entry(d, &domain_list, list)
        if (!d->dying)
            list[n++] = d;
    spin_unlock_irqrestore(&domlist_lock, flags);
    paused = !paused;
    for (unsigned int i = 0; i < n; i++) {
        if (paused)
            domain_pause(list[i]);
        else
            domain_unpause(list[i]);
    }
    printk("%s %u domain%s\n", paused ? "Paused" : "Unpaused", n, n == 1 ? "" : "s");
}
KEYHANDLER('z', toggle_pause, "pause every domain; again to unpause them");
