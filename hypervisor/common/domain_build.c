/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The boot-time domain builder. Every boot module whose name ends in ".cfg" is a
 * domain configuration in the xl.cfg syntax; the images it names (kernel, ramdisk)
 * are other modules, found by basename. A configuration or image that cannot be used
 * gets one message naming the file (and line, for syntax), and that domain alone is
 * not built.
 */
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/domcfg.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/loader.h>
#include <hv/mm.h>

#define MAX_BUILT MAX_DOMAINS

static struct domain *built[MAX_BUILT];
static unsigned int nr_built;

static const struct boot_module *find_module(const char *name)
{
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        if (!strcmp(boot_info.modules[i].name, name))
            return &boot_info.modules[i];
    return NULL;
}

static bool is_config(const struct boot_module *m)
{
    size_t n = strlen(m->name);

    return n > 4 && !strcmp(m->name + n - 4, ".cfg");
}

static enum domain_action to_action(enum domcfg_action a)
{
    switch (a) {
    case DOMCFG_ACTION_DESTROY:
    case DOMCFG_ACTION_COREDUMP_DESTROY:
        return ACTION_DESTROY;
    case DOMCFG_ACTION_PRESERVE:
        return ACTION_PRESERVE;
    default:
        return ACTION_RESTART;
    }
}

/* Check what the configuration asks for against what this build of Petrel offers. */
static int check_supported(const struct domcfg *cfg, char *err, size_t errlen)
{
    if (cfg->type == DOMCFG_TYPE_HVM) {
        hv_strlcpy(err, "type \"hvm\" (firmware through hvmloader) is not supported yet; "
                        "use type = \"pvh\" with a PVH or Multiboot kernel", errlen);
        return -ENOTSUP;
    }
    if (cfg->disk.nr || cfg->vif.nr) {
        hv_strlcpy(err, "disk and vif devices are not supported yet", errlen);
        return -ENOTSUP;
    }
    return 0;
}

static int load_images(struct domain *d, const struct domcfg *cfg, char *err,
                       size_t errlen)
{
    const struct boot_module *km = find_module(cfg->kernel), *rm = NULL;
    struct kernel_image k;
    char why[160];
    int rc;

    if (!km) {
        snprintf(err, errlen, "kernel '%s' is not among the boot modules", cfg->kernel);
        return -ENOENT;
    }
    if (cfg->ramdisk[0]) {
        rm = find_module(cfg->ramdisk);
        if (!rm) {
            snprintf(err, errlen, "ramdisk '%s' is not among the boot modules", cfg->ramdisk);
            return -ENOENT;
        }
    }
    rc = kernel_load(d, __va(km->start), km->size, &k, why, sizeof(why));
    if (rc) {
        snprintf(err, errlen, "kernel '%s': %s", cfg->kernel, why);
        return rc;
    }
    rc = guest_boot_setup(d, &k, cfg->cmdline, rm ? __va(rm->start) : NULL,
                          rm ? rm->size : 0, cfg->ramdisk, why, sizeof(why));
    if (rc) {
        snprintf(err, errlen, "%s", why);
        return rc;
    }
    printk("d%u: '%s': %s kernel '%s' at %#llx-%#llx, entry %#x%s%s\n", d->id, d->name,
           k.format == KERNEL_PVH ? "PVH" : "Multiboot", cfg->kernel, k.load_start,
           k.load_end, k.entry, rm ? ", ramdisk " : "", rm ? cfg->ramdisk : "");
    return 0;
}

/* Build one domain from its configuration module; false (with a message) if not. */
static bool build_one(const struct boot_module *m, struct domcfg *cfg)
{
    struct domain_params p;
    struct domain *d;
    char err[256], why[200];

    if (domcfg_parse(__va(m->start), m->size, m->name, cfg, err, sizeof(err))) {
        printk(LOG_ERR "%s; domain not built\n", err);
        return false;
    }
    if (check_supported(cfg, why, sizeof(why))) {
        printk(LOG_ERR "%s: %s; domain not built\n", m->name, why);
        return false;
    }
    p = (struct domain_params){
        .name = cfg->name,
        .memory_mib = cfg->memory,
        .nr_vcpus = cfg->vcpus,
        .testdev = cfg->testdev,
        .platform = cfg->apic,
        .on_poweroff = to_action(cfg->on_poweroff),
        .on_reboot = to_action(cfg->on_reboot),
        .on_crash = to_action(cfg->on_crash),
    };
    d = domain_create(&p, why, sizeof(why));
    if (!d) {
        printk(LOG_ERR "%s: cannot create domain '%s': %s; domain not built\n", m->name,
               cfg->name, why);
        return false;
    }
    if (load_images(d, cfg, why, sizeof(why))) {
        printk(LOG_ERR "%s: %s; domain not built\n", m->name, why);
        domain_destroy_unstarted(d);
        return false;
    }
    built[nr_built++] = d;
    return true;
}

unsigned int domain_build_all(void)
{
    struct domcfg *cfg = NULL;
    unsigned int configs = 0;

    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];

        if (!is_config(m))
            continue;
        configs++;
        if (nr_built == MAX_BUILT) {
            printk(LOG_ERR "%s: more than %u domains; domain not built\n", m->name,
                   MAX_BUILT);
            continue;
        }
        if (!cfg && !(cfg = xmalloc(sizeof(*cfg)))) {
            printk(LOG_ERR "%s: out of memory; domain not built\n", m->name);
            continue;
        }
        build_one(m, cfg);
    }
    xfree(cfg);
    if (configs)
        printk("domains: %u of %u configuration%s built\n", nr_built, configs,
               configs > 1 ? "s" : "");
    return nr_built;
}

void domain_start_all(void)
{
    for (unsigned int i = 0; i < nr_built; i++)
        domain_start(built[i]);
}
