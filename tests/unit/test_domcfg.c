/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of hypervisor/common/domcfg.c, the domain configuration (xl.cfg) parser:
 * the example configurations in tests/unit/data/domcfg/, every key's accepted and
 * refused values, the syntax and its error messages (with their line numbers), the
 * limits, and a seeded random-mutation run over the examples.
 *
 * The parser is always handed an exact-size heap copy of the text, never
 * NUL-terminated, and the build runs under AddressSanitizer: reading one byte past
 * the text fails the test.
 */
#include "unit.h"

#include <stdlib.h>

#include <hv/domcfg.h>
#include <hv/errno.h>

#define FILE_NAME "guest.cfg"
/* What every configuration needs; tests append to it. */
#define MIN "name = \"t\"\nmemory = 256\n"

static struct domcfg cfg;   /* about 70 KiB: not on the stack */
static char err[512];

static int reset(void **state)
{
    (void)state;
    memset(&cfg, 0xa5, sizeof(cfg));
    memset(err, 'X', sizeof(err));
    err[sizeof(err) - 1] = '\0';
    return 0;
}

/* Parse `len` bytes of `text` from an exact-size heap copy. */
static int parse_len(const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, text, len);
    rc = domcfg_parse(copy, len, FILE_NAME, &cfg, err, sizeof(err));
    free(copy);
    return rc;
}

static int parse(const char *text)
{
    return parse_len(text, strlen(text));
}

/* The text must be accepted. */
#define parse_ok(text)                                                                   \
    do {                                                                                 \
        const char *t_ = (text);                                                         \
        if (parse(t_))                                                                   \
            fail_msg("refused:\n%s\n--> %s", t_, err);                                   \
    } while (0)

/* The text must be refused with a message containing `want`. */
#define parse_bad(text, want)                                                            \
    do {                                                                                 \
        const char *t_ = (text);                                                         \
        int rc_ = parse(t_);                                                             \
        if (rc_ != -EINVAL)                                                              \
            fail_msg("accepted (rc %d):\n%s", rc_, t_);                                  \
        assert_contains(err, want);                                                      \
        assert_contains(err, FILE_NAME);                                                 \
    } while (0)

/* The text must be refused with exactly this message. */
#define parse_err(text, want)                                                            \
    do {                                                                                 \
        const char *t_ = (text);                                                         \
        int rc_ = parse(t_);                                                             \
        if (rc_ != -EINVAL)                                                              \
            fail_msg("accepted (rc %d):\n%s", rc_, t_);                                  \
        assert_string_equal(err, want);                                                  \
    } while (0)

#define SET(k) (1ULL << DOMCFG_KEY_##k)

static void *read_example(const char *name, size_t *len)
{
    char path[128];
    void *text;

    snprintf(path, sizeof(path), "domcfg/%s", name);
    text = unit_read_data_file(path, len);
    if (!text)
        fail_msg("cannot read tests/unit/data/%s", path);
    return text;
}

/* ---- the examples ---- */

static void test_example_pvh(void **state)
{
    size_t len;
    char *text = read_example("web1-pvh.cfg", &len);
    static const u8 uuid[16] = { 0x3f, 0x1c, 0x2d, 0x4e, 0x5a, 0x6b, 0x4c, 0x7d,
                                 0x8e, 0x9f, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f };

    (void)state;
    if (parse_len(text, len))
        fail_msg("web1-pvh.cfg: %s", err);
    free(text);
    assert_string_equal(cfg.name, "web1");
    assert_int_equal(cfg.type, DOMCFG_TYPE_PVH);
    assert_memory_equal(cfg.uuid, uuid, 16);
    assert_int_equal(cfg.memory, 2048);
    assert_int_equal(cfg.maxmem, 4096);
    assert_int_equal(cfg.vcpus, 2);
    assert_int_equal(cfg.maxvcpus, 4);
    assert_string_equal(cfg.kernel, "vmlinuz-6.1.0-18-amd64");
    assert_string_equal(cfg.ramdisk, "initrd.img-6.1.0-18-amd64");
    assert_string_equal(cfg.root, "/dev/xvda1 ro");
    assert_string_equal(cfg.extra, "console=hvc0 earlyprintk=xen quiet");
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1 ro console=hvc0 earlyprintk=xen quiet");
    assert_int_equal(cfg.disk.nr, 1);
    assert_string_equal(cfg.disk.item[0], "format=raw, vdev=xvda, access=rw, target=web1-root.img");
    assert_int_equal(cfg.vif.nr, 1);
    assert_string_equal(cfg.vif.item[0], "mac=00:16:3e:12:34:56, bridge=xenbr0");
    assert_int_equal(cfg.channel.nr, 0);
    assert_int_equal(cfg.serial.nr, 0);
    assert_int_equal(cfg.on_poweroff, DOMCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_reboot, DOMCFG_ACTION_RESTART);
    assert_int_equal(cfg.on_crash, DOMCFG_ACTION_COREDUMP_RESTART);
    assert_int_equal(cfg.on_watchdog, DOMCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_soft_reset, DOMCFG_ACTION_SOFT_RESET);
    assert_true(cfg.testdev);
    assert_int_equal(cfg.firmware, DOMCFG_FW_DEFAULT);
    assert_true(cfg.acpi && cfg.apic && cfg.pae && cfg.hap);
    assert_false(cfg.localtime);
    assert_int_equal(cfg.viridian, 0);
    assert_int_equal(cfg.tsc_mode, DOMCFG_TSC_DEFAULT);
    assert_string_equal(cfg.boot, "cd");
    assert_true(cfg.set == (SET(NAME) | SET(TYPE) | SET(UUID) | SET(MEMORY) | SET(MAXMEM) |
                            SET(VCPUS) | SET(MAXVCPUS) | SET(KERNEL) | SET(RAMDISK) |
                            SET(ROOT) | SET(EXTRA) | SET(DISK) | SET(VIF) |
                            SET(ON_POWEROFF) | SET(ON_REBOOT) | SET(ON_CRASH) |
                            SET(TESTDEV)));
    assert_false(domcfg_is_set(&cfg, DOMCFG_KEY_CMDLINE));
}

static void test_example_hvm(void **state)
{
    size_t len;
    char *text = read_example("win2022-hvm.cfg", &len);

    (void)state;
    if (parse_len(text, len))
        fail_msg("win2022-hvm.cfg: %s", err);
    free(text);
    assert_string_equal(cfg.name, "win2022");
    assert_int_equal(cfg.type, DOMCFG_TYPE_HVM);
    assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_BUILDER));
    assert_false(domcfg_is_set(&cfg, DOMCFG_KEY_TYPE));
    assert_int_equal(cfg.firmware, DOMCFG_FW_OVMF);
    assert_string_equal(cfg.firmware_module, "");
    assert_int_equal(cfg.memory, 8192);
    assert_int_equal(cfg.maxmem, 8192);
    assert_int_equal(cfg.vcpus, 4);
    assert_int_equal(cfg.maxvcpus, 8);
    assert_string_equal(cfg.kernel, "");
    assert_string_equal(cfg.cmdline, "");
    assert_int_equal(cfg.disk.nr, 3);
    assert_string_equal(cfg.disk.item[0],
                        "format=raw, vdev=hda, access=rw, target=win2022-system.img");
    assert_string_equal(cfg.disk.item[1],
                        "format=qcow2, vdev=hdb, access=rw, target=win2022-data.qcow2");
    assert_string_equal(cfg.disk.item[2], "vdev=hdc, devtype=cdrom, access=ro, "
                                          "target=SERVER_EVAL_x64FRE_en-us.iso");
    assert_int_equal(cfg.vif.nr, 2);
    assert_string_equal(cfg.vif.item[0],
                        "type=ioemu, model=e1000, mac=00:16:3e:aa:bb:cc, bridge=xenbr0");
    assert_string_equal(cfg.vif.item[1], "model=rtl8139, bridge=xenbr1");
    assert_string_equal(cfg.boot, "dc");
    assert_true(cfg.acpi && cfg.apic && cfg.pae && cfg.hap);
    assert_int_equal(cfg.viridian,
                     (DOMCFG_VIRIDIAN_DEFAULTS | DOMCFG_VIRIDIAN_REFERENCE_TSC |
                      DOMCFG_VIRIDIAN_HCALL_REMOTE_TLB_FLUSH) & ~DOMCFG_VIRIDIAN_CRASH_CTL);
    assert_true(cfg.localtime);
    assert_int_equal(cfg.tsc_mode, DOMCFG_TSC_NATIVE);
    assert_int_equal(cfg.serial.nr, 1);
    assert_string_equal(cfg.serial.item[0], "pty");
    assert_int_equal(cfg.channel.nr, 1);
    assert_string_equal(cfg.channel.item[0], "name=org.qemu.guest_agent.0, connection=pty");
    assert_int_equal(cfg.on_poweroff, DOMCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_reboot, DOMCFG_ACTION_RESTART);
    assert_int_equal(cfg.on_crash, DOMCFG_ACTION_PRESERVE);
    assert_int_equal(cfg.on_watchdog, DOMCFG_ACTION_RENAME_RESTART);
    assert_int_equal(cfg.on_soft_reset, DOMCFG_ACTION_SOFT_RESET);
    assert_false(cfg.testdev);
}

/* The examples with CRLF line endings (and a byte-order mark) parse the same. */
static void test_examples_with_crlf(void **state)
{
    static const char *const names[] = { "web1-pvh.cfg", "win2022-hvm.cfg" };
    static struct domcfg lf;

    (void)state;
    for (size_t f = 0; f < ARRAY_SIZE(names); f++) {
        size_t len, n = 3;
        char *text = read_example(names[f], &len);
        char *crlf = malloc(2 * len + 3);

        memcpy(crlf, "\xef\xbb\xbf", 3);
        for (size_t i = 0; i < len; i++) {
            if (text[i] == '\n')
                crlf[n++] = '\r';
            crlf[n++] = text[i];
        }
        assert_int_equal(parse_len(text, len), 0);
        memcpy(&lf, &cfg, sizeof(cfg));
        if (parse_len(crlf, n))
            fail_msg("%s with CRLF: %s", names[f], err);
        assert_memory_equal(&lf, &cfg, sizeof(cfg));
        free(text);
        free(crlf);
    }
    /* an error's line number counts CRLF lines */
    parse_err("name = \"t\"\r\nmemory = 256\r\n\r\nvcpus = 0\r\n",
              "guest.cfg:4: 'vcpus' must be an integer from 1 to 128, not 0");
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
    (void)state;
    parse_ok(MIN);
    assert_true(cfg.set == (SET(NAME) | SET(MEMORY)));
    assert_string_equal(cfg.name, "t");
    assert_int_equal(cfg.type, DOMCFG_TYPE_HVM);
    assert_int_equal(cfg.memory, 256);
    assert_int_equal(cfg.maxmem, 256);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.maxvcpus, 1);
    assert_string_equal(cfg.kernel, "");
    assert_string_equal(cfg.ramdisk, "");
    assert_string_equal(cfg.cmdline, "");
    assert_string_equal(cfg.extra, "");
    assert_string_equal(cfg.root, "");
    assert_int_equal(cfg.firmware, DOMCFG_FW_DEFAULT);
    assert_string_equal(cfg.firmware_module, "");
    assert_int_equal(cfg.on_poweroff, DOMCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_reboot, DOMCFG_ACTION_RESTART);
    assert_int_equal(cfg.on_crash, DOMCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_watchdog, DOMCFG_ACTION_DESTROY);
    assert_int_equal(cfg.on_soft_reset, DOMCFG_ACTION_SOFT_RESET);
    assert_int_equal(cfg.disk.nr + cfg.vif.nr + cfg.channel.nr + cfg.serial.nr, 0);
    assert_string_equal(cfg.boot, "cd");
    assert_false(cfg.testdev);
    for (int i = 0; i < 16; i++)
        assert_int_equal(cfg.uuid[i], 0);
    assert_true(cfg.acpi);
    assert_true(cfg.apic);
    assert_true(cfg.pae);
    assert_true(cfg.hap);
    assert_false(cfg.localtime);
    assert_int_equal(cfg.viridian, 0);
    assert_int_equal(cfg.tsc_mode, DOMCFG_TSC_DEFAULT);

    /* domcfg_defaults() alone: the same, with nothing set */
    memset(&cfg, 0x5a, sizeof(cfg));
    domcfg_defaults(&cfg);
    assert_true(cfg.set == 0);
    assert_string_equal(cfg.name, "");
    assert_int_equal(cfg.memory, 0);
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.on_soft_reset, DOMCFG_ACTION_SOFT_RESET);
    assert_true(cfg.hap);
    assert_string_equal(cfg.boot, "cd");
    assert_int_equal(cfg.disk.nr, 0);
}

static void test_action_names(void **state)
{
    static const char *const want[] = { "destroy", "restart", "rename-restart", "preserve",
                                         "coredump-destroy", "coredump-restart",
                                         "soft-reset" };
    static const char *const keys[] = { "on_poweroff", "on_reboot", "on_crash",
                                        "on_watchdog", "on_soft_reset" };
    char text[256];

    (void)state;
    assert_int_equal(ARRAY_SIZE(want), DOMCFG_NR_ACTIONS);
    for (unsigned int a = 0; a < DOMCFG_NR_ACTIONS; a++) {
        assert_string_equal(domcfg_action_name(a), want[a]);
        /* every key takes every action */
        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
            enum domcfg_action got;

            snprintf(text, sizeof(text), MIN "%s = \"%s\"", keys[k], want[a]);
            parse_ok(text);
            got = k == 0 ? cfg.on_poweroff : k == 1 ? cfg.on_reboot : k == 2 ? cfg.on_crash
                : k == 3 ? cfg.on_watchdog : cfg.on_soft_reset;
            assert_int_equal(got, a);
            assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_ON_POWEROFF + k));
        }
    }
    assert_string_equal(domcfg_action_name(DOMCFG_NR_ACTIONS), "?");
    assert_string_equal(domcfg_action_name((enum domcfg_action)-1), "?");

    parse_err(MIN "on_crash = \"reboot\"",
              "guest.cfg:3: 'on_crash' must be \"destroy\", \"restart\", \"rename-restart\", "
              "\"preserve\", \"coredump-destroy\", \"coredump-restart\" or \"soft-reset\", "
              "not \"reboot\"");
    parse_bad(MIN "on_reboot = \"Restart\"", "'on_reboot' must be");  /* case matters */
    parse_bad(MIN "on_poweroff = 1", "'on_poweroff' must be");
    parse_bad(MIN "on_watchdog = [ \"destroy\" ]", "not a list");
    parse_bad(MIN "on_soft_reset = \"\"", "not \"\"");
}

/* ---- keys, one by one ---- */

static void test_name(void **state)
{
    char text[256], name[80];

    (void)state;
    parse_ok("name = \"Web-1.example_org\"\nmemory = 1");
    assert_string_equal(cfg.name, "Web-1.example_org");
    memset(name, 'n', 63);
    name[63] = '\0';
    snprintf(text, sizeof(text), "memory = 1\nname = '%s'", name);
    parse_ok(text);
    assert_string_equal(cfg.name, name);
    snprintf(text, sizeof(text), "memory = 1\nname = '%sn'", name);
    parse_err(text, "guest.cfg:2: 'name' is longer than 63 characters");
    parse_err("memory = 1\nname = \"\"", "guest.cfg:2: 'name' is empty");
    parse_err("memory = 1\nname = \"web 1\"",
              "guest.cfg:2: 'name' may hold only letters, digits, '_', '.' and '-', not ' '");
    parse_bad("memory = 1\nname = \"web/1\"", "not '/'");
    parse_bad("memory = 1\nname = \"caf\xc3\xa9\"", "not byte 0xc3");
    parse_bad("memory = 1\nname = \"a\\tb\"", "not byte 0x09");
    parse_err("memory = 1\nname = 5", "guest.cfg:2: 'name' must be a quoted name, not 5");
    parse_err("memory = 1\nname = [ \"a\" ]",
              "guest.cfg:2: 'name' must be a quoted name, not a list");
}

static void test_type_and_builder(void **state)
{
    (void)state;
    parse_ok(MIN "type = \"hvm\"");
    assert_int_equal(cfg.type, DOMCFG_TYPE_HVM);
    assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_TYPE));
    parse_ok(MIN "type = 'pvh'\nkernel = 'vmlinuz'");
    assert_int_equal(cfg.type, DOMCFG_TYPE_PVH);

    parse_err(MIN "type = \"pv\"",
              "guest.cfg:3: type \"pv\": Petrel runs HVM and PVH domains only, not PV");
    parse_err(MIN "type = \"xen\"", "guest.cfg:3: 'type' must be \"hvm\" or \"pvh\", not \"xen\"");
    parse_bad(MIN "type = \"HVM\"", "'type' must be \"hvm\" or \"pvh\"");
    parse_bad(MIN "type = 1", "'type' must be");
    parse_err(MIN "type = hvm",
              "guest.cfg:3: 'type': strings need quotes (\"hvm\", not hvm)");

    /* builder: xl's older key; "hvm" only, and type wins whatever the order */
    parse_ok(MIN "builder = \"hvm\"");
    assert_int_equal(cfg.type, DOMCFG_TYPE_HVM);
    assert_true(cfg.set == (SET(NAME) | SET(MEMORY) | SET(BUILDER)));
    parse_ok(MIN "builder = \"hvm\"\ntype = \"pvh\"\nkernel = \"k\"");
    assert_int_equal(cfg.type, DOMCFG_TYPE_PVH);
    parse_ok(MIN "type = \"pvh\"\nbuilder = \"hvm\"\nkernel = \"k\"");
    assert_int_equal(cfg.type, DOMCFG_TYPE_PVH);
    parse_err(MIN "builder = \"generic\"",
              "guest.cfg:3: builder \"generic\": Petrel runs HVM and PVH domains only, not PV");
    parse_bad(MIN "builder = \"pv\"", "HVM and PVH domains only");
    parse_err(MIN "builder = \"pvh\"", "guest.cfg:3: 'builder' must be \"hvm\", not \"pvh\"");
}

static void test_memory_and_vcpus(void **state)
{
    (void)state;
    parse_ok("name = 'x'\nmemory = 1");
    assert_int_equal(cfg.memory, 1);
    assert_int_equal(cfg.maxmem, 1);
    parse_ok("name = 'x'\nmemory = 1048576\nmaxmem = 1048576");
    assert_int_equal(cfg.memory, 1048576);
    parse_ok("name = 'x'\nmemory = 0x400\nmaxmem = 0X800");
    assert_int_equal(cfg.memory, 1024);
    assert_int_equal(cfg.maxmem, 2048);
    parse_ok("name = 'x'\nmemory = 0x00400");   /* leading zeros are fine in hex */
    assert_int_equal(cfg.memory, 1024);
    parse_ok("name = 'x'\nmemory = 512\nmaxmem = 512");
    assert_int_equal(cfg.maxmem, 512);

    parse_err("name = 'x'\nmemory = 0",
              "guest.cfg:2: 'memory' must be an integer from 1 to 1048576 (MiB), not 0");
    parse_bad("name = 'x'\nmemory = 1048577", "not 1048577");
    parse_bad("name = 'x'\nmemory = 0x100001", "not 0x100001");
    parse_bad("name = 'x'\nmemory = 18446744073709551615", "not 18446744073709551615");
    parse_bad("name = 'x'\nmemory = 18446744073709551616", "not 18446744073709551616");
    parse_bad("name = 'x'\nmemory = 99999999999999999999999999999999", "not 9999");
    parse_bad("name = 'x'\nmemory = 0xffffffffffffffffffff", "not 0xffff");
    parse_err("name = 'x'\nmemory = \"512\"",
              "guest.cfg:2: 'memory' must be an integer from 1 to 1048576 (MiB), not \"512\"");
    parse_err("name = 'x'\nmemory = -512",
              "guest.cfg:2: 'memory' takes no sign (-512): it must be an integer from 1 to "
              "1048576 (MiB)");
    parse_bad("name = 'x'\nmemory = +512", "'memory' takes no sign (+512)");
    parse_bad("name = 'x'\nmemory = -0", "takes no sign");
    parse_err("name = 'x'\nmemory = 0512",
              "guest.cfg:2: 'memory': 0512 has a leading zero (xl would read it as octal); "
              "write the number without it");
    parse_bad("name = 'x'\nmemory = 00", "leading zero");
    parse_err("name = 'x'\nmemory = 512M", "guest.cfg:2: 'memory': bad number 512M");
    parse_bad("name = 'x'\nmemory = 1.5", "bad number 1.5");
    parse_bad("name = 'x'\nmemory = 0x", "bad number 0x");
    parse_bad("name = 'x'\nmemory = 0xg", "bad number 0xg");
    parse_bad("name = 'x'\nmemory = 12ab", "bad number 12ab");
    parse_bad("name = 'x'\nmemory = -", "bad number -");
    parse_bad("name = 'x'\nmemory = - 5", "bad number -");
    parse_bad("name = 'x'\nmemory = --5", "bad number --5");
    parse_bad("name = 'x'\nmemory = [ ]", "'memory' must be an integer from 1 to 1048576 (MiB), not a list");

    parse_ok(MIN "maxmem = 1048576");
    parse_bad(MIN "maxmem = 0", "'maxmem' must be an integer from 1 to 1048576 (MiB), not 0");
    parse_err("name = 'x'\nmemory = 512\nmaxmem = 511",
              "guest.cfg: maxmem (511 MiB) is less than memory (512 MiB)");

    parse_ok(MIN "vcpus = 128");
    assert_int_equal(cfg.vcpus, 128);
    assert_int_equal(cfg.maxvcpus, 128);
    parse_ok(MIN "vcpus = 2\nmaxvcpus = 0x80");
    assert_int_equal(cfg.vcpus, 2);
    assert_int_equal(cfg.maxvcpus, 128);
    parse_ok(MIN "maxvcpus = 4");   /* vcpus stays 1 */
    assert_int_equal(cfg.vcpus, 1);
    assert_int_equal(cfg.maxvcpus, 4);
    parse_err(MIN "vcpus = 129", "guest.cfg:3: 'vcpus' must be an integer from 1 to 128, not 129");
    parse_bad(MIN "vcpus = 0", "'vcpus' must be an integer from 1 to 128, not 0");
    parse_bad(MIN "maxvcpus = 129", "'maxvcpus' must be an integer from 1 to 128, not 129");
    parse_bad(MIN "vcpus = '4'", "not \"4\"");
    parse_err(MIN "vcpus = 4\nmaxvcpus = 2", "guest.cfg: maxvcpus (2) is less than vcpus (4)");
}

static void test_kernel_ramdisk_modules(void **state)
{
    char text[256], name[80];

    (void)state;
    parse_ok(MIN "kernel = \"vmlinuz-6.1.0\"\nramdisk = 'initrd.img'");
    assert_string_equal(cfg.kernel, "vmlinuz-6.1.0");
    assert_string_equal(cfg.ramdisk, "initrd.img");
    parse_ok(MIN "kernel = \"k\xc3\xa9rnel\"");   /* UTF-8 file names */
    memset(name, 'k', 63);
    name[63] = '\0';
    snprintf(text, sizeof(text), MIN "kernel = '%s'", name);
    parse_ok(text);
    assert_string_equal(cfg.kernel, name);
    snprintf(text, sizeof(text), MIN "kernel = '%sk'", name);
    parse_err(text, "guest.cfg:3: 'kernel': a boot module name has at most 63 bytes");

    parse_err(MIN "kernel = \"/boot/vmlinuz-6.1\"",
              "guest.cfg:3: 'kernel': \"/boot/vmlinuz-6.1\" is a path: give the name of a "
              "boot module (\"vmlinuz-6.1\")");
    parse_err(MIN "ramdisk = \"/boot/\"",
              "guest.cfg:3: 'ramdisk': \"/boot/\" is a path: give the name of a boot module");
    parse_err(MIN "kernel = \"my kernel\"",
              "guest.cfg:3: 'kernel': a boot module name has no blanks or control characters");
    parse_bad(MIN "kernel = \"k\\n\"", "no blanks or control characters");
    parse_err(MIN "kernel = \"\"", "guest.cfg:3: 'kernel' must be a boot module name, not \"\"");
    parse_bad(MIN "kernel = 1", "'kernel' must be a boot module name, not 1");
    parse_bad(MIN "ramdisk = [ 'a' ]", "'ramdisk' must be a boot module name, not a list");

    /* a pvh domain needs a kernel, and a ramdisk needs one everywhere */
    parse_err(MIN "type = \"pvh\"", "guest.cfg: a pvh domain needs a 'kernel'");
    parse_err(MIN "ramdisk = \"initrd\"", "guest.cfg: a 'ramdisk' needs a 'kernel'");
    parse_ok(MIN "kernel = \"k\"");   /* hvm with a kernel: direct boot */
    assert_int_equal(cfg.type, DOMCFG_TYPE_HVM);
}

static void test_cmdline_root_extra(void **state)
{
    char text[3000], big[1100];

    (void)state;
    parse_ok(MIN "kernel = 'k'\nroot = \"/dev/xvda1\"\nextra = \"console=hvc0\"");
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1 console=hvc0");
    assert_string_equal(cfg.root, "/dev/xvda1");
    assert_string_equal(cfg.extra, "console=hvc0");
    parse_ok(MIN "extra = \"console=hvc0\"\nroot = \"/dev/xvda1\"");   /* any order */
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1 console=hvc0");
    parse_ok(MIN "root = \"/dev/xvda1\"");
    assert_string_equal(cfg.cmdline, "root=/dev/xvda1");
    parse_ok(MIN "extra = \"quiet splash\"");
    assert_string_equal(cfg.cmdline, "quiet splash");
    parse_ok(MIN "root = \"\"\nextra = \"\"");
    assert_string_equal(cfg.cmdline, "root= ");

    /* cmdline wins over both, before or after them */
    parse_ok(MIN "root = 'r'\ncmdline = \"ro init=/bin/sh\"\nextra = 'e'");
    assert_string_equal(cfg.cmdline, "ro init=/bin/sh");
    assert_string_equal(cfg.root, "r");
    assert_string_equal(cfg.extra, "e");
    assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_CMDLINE));
    parse_ok(MIN "cmdline = \"\"\nextra = 'e'");
    assert_string_equal(cfg.cmdline, "");

    parse_bad(MIN "cmdline = 5", "'cmdline' must be a string, not 5");
    parse_bad(MIN "extra = [ 'a' ]", "'extra' must be a string, not a list");
    parse_bad(MIN "root = 0x1", "'root' must be a string, not 0x1");

    /* the made command line must fit, like any string */
    memset(big, 'r', 1017);
    big[1017] = '\0';
    snprintf(text, sizeof(text), MIN "root = '%s'", big);   /* 5 + 1017 + 1 = 1023 */
    parse_ok(text);
    assert_int_equal(strlen(cfg.cmdline), 1022);
    snprintf(text, sizeof(text), MIN "root = '%s'\nextra = ''", big);
    parse_ok(text);
    assert_int_equal(strlen(cfg.cmdline), 1023);
    snprintf(text, sizeof(text), MIN "root = '%s'\nextra = 'x'", big);
    parse_err(text, "guest.cfg: the command line made of 'root' and 'extra' is longer than "
                    "1023 bytes");
    snprintf(text, sizeof(text), MIN "root = '%s'\nextra = 'x'\ncmdline = 'c'", big);
    parse_ok(text);   /* not made: cmdline given */
    assert_string_equal(cfg.cmdline, "c");
}

static void test_firmware(void **state)
{
    static const struct {
        const char *value;
        enum domcfg_firmware fw;
    } tc[] = {
        { "bios", DOMCFG_FW_SEABIOS }, { "seabios", DOMCFG_FW_SEABIOS },
        { "uefi", DOMCFG_FW_OVMF },    { "ovmf", DOMCFG_FW_OVMF },
        { "hvmloader.bin", DOMCFG_FW_MODULE },
    };
    char text[256];

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(tc); i++) {
        snprintf(text, sizeof(text), MIN "firmware = \"%s\"", tc[i].value);
        parse_ok(text);
        assert_int_equal(cfg.firmware, tc[i].fw);
        assert_string_equal(cfg.firmware_module,
                            tc[i].fw == DOMCFG_FW_MODULE ? tc[i].value : "");
    }
    /* the later firmware wins, and a module name does not linger */
    parse_ok(MIN "firmware = \"fw.bin\"\nfirmware = \"ovmf\"");
    assert_int_equal(cfg.firmware, DOMCFG_FW_OVMF);
    assert_string_equal(cfg.firmware_module, "");
    parse_ok(MIN "type = 'pvh'\nkernel = 'k'\nfirmware = 'pvh'");
    assert_int_equal(cfg.firmware, DOMCFG_FW_PVH);

    parse_err(MIN "firmware = \"/usr/lib/xen/boot/hvmloader\"",
              "guest.cfg:3: 'firmware': \"/usr/lib/xen/boot/hvmloader\" is a path: give the "
              "name of a boot module (\"hvmloader\")");
    parse_err(MIN "firmware = 1",
              "guest.cfg:3: 'firmware' must be \"bios\", \"seabios\", \"uefi\", \"ovmf\", "
              "\"pvh\" or a boot module name, not 1");
    parse_bad(MIN "firmware = ''", "'firmware' must be");
    parse_err(MIN "firmware = \"pvh\"",
              "guest.cfg: firmware \"pvh\" is for pvh domains, and this one is hvm");
    parse_err(MIN "type = 'pvh'\nkernel = 'k'\nfirmware = 'ovmf'",
              "guest.cfg: firmware \"ovmf\" is for hvm domains; a pvh domain boots its "
              "kernel directly");
    parse_bad(MIN "type = 'pvh'\nkernel = 'k'\nfirmware = 'grub.bin'",
              "firmware \"grub.bin\" is for hvm domains");

    /* bios: the older key, "seabios" or "ovmf"; firmware wins whatever the order */
    parse_ok(MIN "bios = \"seabios\"");
    assert_int_equal(cfg.firmware, DOMCFG_FW_SEABIOS);
    assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_BIOS));
    assert_false(domcfg_is_set(&cfg, DOMCFG_KEY_FIRMWARE));
    parse_ok(MIN "bios = \"ovmf\"");
    assert_int_equal(cfg.firmware, DOMCFG_FW_OVMF);
    parse_ok(MIN "bios = \"ovmf\"\nfirmware = \"seabios\"");
    assert_int_equal(cfg.firmware, DOMCFG_FW_SEABIOS);
    parse_ok(MIN "firmware = \"seabios\"\nbios = \"ovmf\"");
    assert_int_equal(cfg.firmware, DOMCFG_FW_SEABIOS);
    parse_err(MIN "bios = \"rombios\"",
              "guest.cfg:3: 'bios' must be \"seabios\" or \"ovmf\", not \"rombios\"");
    parse_bad(MIN "bios = \"uefi\"", "'bios' must be");
    parse_err(MIN "type = 'pvh'\nkernel = 'k'\nbios = 'seabios'",
              "guest.cfg: bios \"seabios\" is for hvm domains; a pvh domain boots its "
              "kernel directly");
}

static void test_lists(void **state)
{
    char text[4096];
    size_t n;

    (void)state;
    parse_ok(MIN "disk = [ 'a', \"b\" ]\nvif = []");
    assert_int_equal(cfg.disk.nr, 2);
    assert_string_equal(cfg.disk.item[0], "a");
    assert_string_equal(cfg.disk.item[1], "b");
    assert_int_equal(cfg.vif.nr, 0);
    assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_VIF));
    parse_ok(MIN "vif = [ '' ]");   /* xl's "one NIC, all defaults" */
    assert_int_equal(cfg.vif.nr, 1);
    assert_string_equal(cfg.vif.item[0], "");
    parse_ok(MIN "disk = [ 'a', ]");   /* a trailing comma */
    assert_int_equal(cfg.disk.nr, 1);
    parse_ok(MIN "disk = [\n\n  'a' # one\n  ,\n  # two\n  'b'\n  ,\n]\nvcpus = 2");
    assert_int_equal(cfg.disk.nr, 2);
    assert_int_equal(cfg.vcpus, 2);
    parse_ok(MIN "disk=['a','b'];vif=['c']");
    assert_int_equal(cfg.disk.nr, 2);
    assert_int_equal(cfg.vif.nr, 1);
    parse_ok(MIN "disk = [ 'x, y, [z]', \"# not a comment\" ]");
    assert_string_equal(cfg.disk.item[0], "x, y, [z]");
    assert_string_equal(cfg.disk.item[1], "# not a comment");

    /* serial and channel take a string as a list of one */
    parse_ok(MIN "serial = \"pty\"\nchannel = 'name=agent'");
    assert_int_equal(cfg.serial.nr, 1);
    assert_string_equal(cfg.serial.item[0], "pty");
    assert_int_equal(cfg.channel.nr, 1);
    assert_string_equal(cfg.channel.item[0], "name=agent");
    parse_ok(MIN "serial = [ \"pty\", \"file:/tmp/s1\" ]");
    assert_int_equal(cfg.serial.nr, 2);
    assert_string_equal(cfg.serial.item[1], "file:/tmp/s1");
    parse_bad(MIN "serial = 1", "'serial' must be a string or a list of strings, not 1");
    parse_bad(MIN "channel = 0", "'channel' must be a string or a list of strings, not 0");

    /* disk and vif take lists only */
    parse_err(MIN "disk = 'a'", "guest.cfg:3: 'disk' must be a list of strings, not \"a\"");
    parse_bad(MIN "vif = 1", "'vif' must be a list of strings, not 1");

    /* entries are strings */
    parse_err(MIN "disk = [ 1 ]",
              "guest.cfg:3: expected a quoted string or ']' in the list for 'disk' (opened "
              "on line 3), found '1'");
    parse_bad(MIN "disk = [ xvda ]", "found 'x'");
    parse_err(MIN "disk = [ [ 'a' ] ]", "guest.cfg:3: lists cannot be nested ('disk')");
    parse_err(MIN "disk = [ , ]", "guest.cfg:3: empty entry in the list for 'disk'");
    parse_bad(MIN "disk = [ 'a',, 'b' ]", "empty entry in the list for 'disk'");
    parse_err(MIN "disk = [ 'a'\n 'b' ]",
              "guest.cfg:4: expected ',' or ']' in the list for 'disk' (opened on line 3), "
              "found '''");
    parse_err(MIN "vif = [ 'a' ] 'b'",
              "guest.cfg:3: unexpected ''' after the value of 'vif'");

    /* the later list replaces the earlier one whole */
    parse_ok(MIN "disk = [ 'a', 'b', 'c' ]\ndisk = [ 'd' ]");
    assert_int_equal(cfg.disk.nr, 1);
    assert_string_equal(cfg.disk.item[0], "d");
    parse_ok(MIN "serial = [ 'a', 'b' ]\nserial = 'c'");
    assert_int_equal(cfg.serial.nr, 1);
    assert_string_equal(cfg.serial.item[0], "c");

    /* 16 entries fit; a 17th is an error on its line */
    n = snprintf(text, sizeof(text), MIN "vif = [\n");
    for (int i = 0; i < 16; i++)
        n += snprintf(text + n, sizeof(text) - n, "  'bridge=xenbr%d',\n", i);
    snprintf(text + n, sizeof(text) - n, "]\n");
    parse_ok(text);
    assert_int_equal(cfg.vif.nr, 16);
    assert_string_equal(cfg.vif.item[15], "bridge=xenbr15");
    snprintf(text + n, sizeof(text) - n, "  'bridge=xenbr16' ]\n");
    parse_err(text, "guest.cfg:20: the list for 'vif' has more than 16 entries");
}

static void test_boot(void **state)
{
    static const char *const good[] = { "c", "d", "n", "cd", "dc", "cdn", "ndc", "nc" };
    static const char *const bad[] = { "", "a", "cc", "cdnc", "C", "cdx", "c d", "cdd" };
    char text[128];

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        snprintf(text, sizeof(text), MIN "boot = \"%s\"", good[i]);
        parse_ok(text);
        assert_string_equal(cfg.boot, good[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        snprintf(text, sizeof(text), MIN "boot = \"%s\"", bad[i]);
        parse_bad(text, "'boot' must be 1 to 3 of the letters c, d and n, each once, not");
    }
    parse_bad(MIN "boot = 1", "'boot' must be");
}

static void test_uuid(void **state)
{
    static const u8 want[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
    static const char *const bad[] = {
        "0123456789abcdeffedcba9876543210",         /* no dashes */
        "01234567-89ab-cdef-fedc-ba987654321",      /* one short */
        "01234567-89ab-cdef-fedc-ba98765432100",    /* one long */
        "01234567-89ab-cdef-fedc-ba987654321g",     /* not hex */
        "0123456-789ab-cdef-fedc-ba9876543210",     /* a dash misplaced */
        "01234567-89ab-cdef-fedc+ba9876543210",
        "{1234567-89ab-cdef-fedc-ba987654321}",
        "",
    };
    char text[128];

    (void)state;
    parse_ok(MIN "uuid = \"01234567-89ab-cdef-fedc-ba9876543210\"");
    assert_memory_equal(cfg.uuid, want, 16);
    assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_UUID));
    parse_ok(MIN "uuid = \"01234567-89AB-CDEF-FEDC-BA9876543210\"");
    assert_memory_equal(cfg.uuid, want, 16);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        snprintf(text, sizeof(text), MIN "uuid = \"%s\"", bad[i]);
        parse_bad(text, "'uuid' must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex "
                        "digits), not");
    }
    parse_bad(MIN "uuid = 5", "'uuid' must be a UUID");
}

static void test_booleans(void **state)
{
    static const char *const keys[] = { "testdev", "acpi", "apic", "pae", "hap",
                                        "localtime" };
    char text[128];

    (void)state;
    for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
        for (int v = 0; v <= 1; v++) {
            bool got;

            snprintf(text, sizeof(text), MIN "%s = %d", keys[k], v);
            parse_ok(text);
            got = k == 0 ? cfg.testdev : k == 1 ? cfg.acpi : k == 2 ? cfg.apic
                : k == 3 ? cfg.pae : k == 4 ? cfg.hap : cfg.localtime;
            assert_int_equal(got, v);
        }
        snprintf(text, sizeof(text), MIN "%s = 0x1", keys[k]);
        parse_ok(text);
        snprintf(text, sizeof(text), MIN "%s = 2", keys[k]);
        parse_bad(text, "must be 0 or 1, not 2");
        snprintf(text, sizeof(text), MIN "%s = \"1\"", keys[k]);
        parse_bad(text, "must be 0 or 1, not \"1\"");
        snprintf(text, sizeof(text), MIN "%s = -1", keys[k]);
        parse_bad(text, "takes no sign (-1)");
        snprintf(text, sizeof(text), MIN "%s = yes", keys[k]);
        parse_bad(text, "strings need quotes");
        snprintf(text, sizeof(text), MIN "%s = [ '1' ]", keys[k]);
        parse_bad(text, "must be 0 or 1, not a list");
    }
    parse_err(MIN "testdev = 2", "guest.cfg:3: 'testdev' must be 0 or 1, not 2");
}

static void test_viridian(void **state)
{
    (void)state;
    parse_ok(MIN "viridian = 1");
    assert_int_equal(cfg.viridian, DOMCFG_VIRIDIAN_DEFAULTS);
    parse_ok(MIN "viridian = 0");
    assert_int_equal(cfg.viridian, 0);
    assert_true(domcfg_is_set(&cfg, DOMCFG_KEY_VIRIDIAN));
    parse_ok(MIN "viridian = [ 'defaults' ]");
    assert_int_equal(cfg.viridian, DOMCFG_VIRIDIAN_DEFAULTS);
    parse_ok(MIN "viridian = [ 'all' ]");
    assert_int_equal(cfg.viridian, DOMCFG_VIRIDIAN_ALL);
    parse_ok(MIN "viridian = [ 'all', '!stimer', '!synic' ]");
    assert_int_equal(cfg.viridian,
                     DOMCFG_VIRIDIAN_ALL & ~(DOMCFG_VIRIDIAN_STIMER | DOMCFG_VIRIDIAN_SYNIC));
    parse_ok(MIN "viridian = [ 'base', 'freq', 'time_ref_count', 'reference_tsc', "
             "'hcall_remote_tlb_flush', 'apic_assist', 'crash_ctl', 'synic', 'stimer', "
             "'hcall_ipi', 'ex_processor_masks', 'no_vp_limit', 'cpu_hotplug' ]");
    assert_int_equal(cfg.viridian, DOMCFG_VIRIDIAN_ALL);
    parse_ok(MIN "viridian = [ 'base', 'hcall_ipi' ]");
    assert_int_equal(cfg.viridian, DOMCFG_VIRIDIAN_BASE | DOMCFG_VIRIDIAN_HCALL_IPI);
    parse_ok(MIN "viridian = []");
    assert_int_equal(cfg.viridian, 0);
    parse_ok(MIN "viridian = [ '!freq' ]");   /* removing from nothing: nothing */
    assert_int_equal(cfg.viridian, 0);
    parse_ok(MIN "viridian = [ 'defaults', '!base', '!freq', '!time_ref_count', "
             "'!apic_assist', '!crash_ctl', '!no_vp_limit', '!cpu_hotplug' ]");
    assert_int_equal(cfg.viridian, 0);

    parse_bad(MIN "viridian = [ 'base', 'warp_drive' ]",
              "guest.cfg:3: 'viridian': unknown group \"warp_drive\" (known: base, freq");
    parse_bad(MIN "viridian = [\n 'base',\n '!all' ]", "guest.cfg:5: 'viridian': unknown group \"!all\"");
    parse_bad(MIN "viridian = [ '!defaults' ]", "unknown group \"!defaults\"");
    parse_bad(MIN "viridian = [ 'Base' ]", "unknown group \"Base\"");
    parse_err(MIN "viridian = [ 'base',\n  'stimer', '!stimer' ]",
              "guest.cfg:4: 'viridian': group \"stimer\" is both added and removed");
    parse_err(MIN "viridian = [\n 'freq' ]",
              "guest.cfg:3: 'viridian': the other groups need \"base\"");
    parse_bad(MIN "viridian = [ 'defaults', '!base' ]", "need \"base\"");
    parse_err(MIN "viridian = 2", "guest.cfg:3: 'viridian' must be 0, 1 or a list of viridian "
                                  "groups, not 2");
    parse_bad(MIN "viridian = 'base'", "not \"base\"");
}

static void test_tsc_mode(void **state)
{
    static const char *const names[] = { "default", "always_emulate", "native",
                                         "native_paravirt" };
    char text[128];

    (void)state;
    for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
        snprintf(text, sizeof(text), MIN "tsc_mode = '%s'", names[i]);
        parse_ok(text);
        assert_int_equal(cfg.tsc_mode, i);
    }
    parse_err(MIN "tsc_mode = 'pvrdtscp'",
              "guest.cfg:3: 'tsc_mode' must be \"default\", \"always_emulate\", \"native\" or "
              "\"native_paravirt\", not \"pvrdtscp\"");
    parse_bad(MIN "tsc_mode = 1", "'tsc_mode' must be");
}

/* ---- syntax ---- */

static void test_unknown_and_bad_keys(void **state)
{
    char text[256];

    (void)state;
    parse_err("name = \"web1\"\nmemory = 512\nmemroy = 512\n",
              "guest.cfg:3: unknown key 'memroy'");
    parse_err(MIN "Name = 'x'", "guest.cfg:3: unknown key 'Name'");   /* case-sensitive */
    parse_err(MIN "nam = 'x'", "guest.cfg:3: unknown key 'nam'");
    parse_err(MIN "names = 'x'", "guest.cfg:3: unknown key 'names'");
    parse_err(MIN "vnc = 1", "guest.cfg:3: unknown key 'vnc'");
    parse_err(MIN "pci = [ '01:00.0' ]", "guest.cfg:3: unknown key 'pci'");
    parse_err(MIN "_x1 = 1", "guest.cfg:3: unknown key '_x1'");
    parse_err(MIN "on-crash = 'destroy'",
              "guest.cfg:3: bad key 'on-crash' (a key is letters, digits and '_')");
    parse_bad(MIN "memory.max = 5", "bad key 'memory.max'");
    parse_err(MIN "1name = 'x'", "guest.cfg:3: expected a key, found '1'");
    parse_err(MIN "= 5", "guest.cfg:3: expected a key, found '='");
    parse_err(MIN "'name' = 'x'", "guest.cfg:3: expected a key, found '''");
    parse_bad(MIN "\x01", "expected a key, found byte 0x01");
    parse_bad(MIN "\xff", "expected a key, found byte 0xff");
    /* a long key is quoted by its start only */
    memset(text, 0, sizeof(text));
    memcpy(text, MIN, strlen(MIN));
    memset(text + strlen(MIN), 'k', 100);
    strcat(text, " = 1");
    parse_err(text, "guest.cfg:3: unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'");
}

static void test_statement_errors(void **state)
{
    (void)state;
    parse_err(MIN "vcpus 2", "guest.cfg:3: expected '=' after 'vcpus', found '2'");
    parse_err(MIN "vcpus\n= 2", "guest.cfg:3: expected '=' after 'vcpus', found the end of the line");
    parse_err(MIN "vcpus", "guest.cfg:3: expected '=' after 'vcpus', found the end of the file");
    parse_err(MIN "vcpus == 2", "guest.cfg:3: 'vcpus' has a bad value: unexpected '='");
    parse_err(MIN "vcpus =", "guest.cfg:3: 'vcpus' has no value");
    parse_err(MIN "vcpus =\n2", "guest.cfg:3: 'vcpus' has no value");
    parse_err(MIN "vcpus = ; memory = 5", "guest.cfg:3: 'vcpus' has no value");
    parse_err(MIN "vcpus = # two", "guest.cfg:3: 'vcpus' has no value");
    parse_err(MIN "vcpus = 2 4", "guest.cfg:3: unexpected '4' after the value of 'vcpus'");
    parse_err(MIN "vcpus = 2, 4", "guest.cfg:3: unexpected ',' after the value of 'vcpus'");
    parse_err(MIN "name = 'a' 'b'", "guest.cfg:3: unexpected ''' after the value of 'name'");
    parse_err(MIN "name = 'a' b = 1", "guest.cfg:3: unexpected 'b' after the value of 'name'");
    parse_err(MIN "type = pvh", "guest.cfg:3: 'type': strings need quotes (\"pvh\", not pvh)");
    parse_bad(MIN "kernel = vmlinuz-6.1", "strings need quotes (\"vmlinuz-6.1\"");
    parse_err(MIN "vcpus = ]", "guest.cfg:3: 'vcpus' has a bad value: unexpected ']'");
    parse_err(MIN "vcpus = {2}", "guest.cfg:3: 'vcpus' has a bad value: unexpected '{'");
}

static void test_semicolons_blanks_and_comments(void **state)
{
    (void)state;
    parse_ok("name='a';memory=5;vcpus=2");
    assert_int_equal(cfg.vcpus, 2);
    parse_ok(";;name = 'a' ; ; memory = 5 ;\n;\n");
    assert_int_equal(cfg.memory, 5);
    parse_ok("\n\n   \t\n# only a comment\nname = 'a'   # trailing\n\tmemory\t=\t5\t\n#");
    parse_ok(MIN "extra = 'a#b' # the '#' in the string is kept");
    assert_string_equal(cfg.extra, "a#b");
    parse_ok(MIN "extra = \"a;b\"; vcpus = 3");   /* ';' in a string too */
    assert_string_equal(cfg.extra, "a;b");
    assert_int_equal(cfg.vcpus, 3);
    parse_ok("name = 'a'\nmemory = 5 # comment with \" and ' and [ and \\");
    parse_ok("name = 'a'\nmemory = 5#no blank before the comment");
    parse_ok("name = 'a'\nmemory = 5\r\n\r\n");
    /* a lone CR is a blank, not a line break */
    parse_err("name = 'a'\nmemory = 5\rvcpus = 2",
              "guest.cfg:2: unexpected 'v' after the value of 'memory'");
    parse_ok("\xef\xbb\xbfname = 'a'\nmemory = 5");   /* a byte-order mark */
    parse_bad("name = 'a'\nmemory = 5\n\xef\xbb\xbfvcpus = 2", "guest.cfg:3: expected a key");
}

static void test_strings_and_escapes(void **state)
{
    char text[256];

    (void)state;
    parse_ok(MIN "extra = \"a\\\"b\\'c\\\\d\\ne\\tf\"");
    assert_string_equal(cfg.extra, "a\"b'c\\d\ne\tf");
    parse_ok(MIN "extra = 'a\\\"b\\'c\\\\d\\ne\\tf'");
    assert_string_equal(cfg.extra, "a\"b'c\\d\ne\tf");
    parse_ok(MIN "extra = \"it's\"");
    assert_string_equal(cfg.extra, "it's");
    parse_ok(MIN "extra = 'say \"hi\"'");
    assert_string_equal(cfg.extra, "say \"hi\"");
    parse_ok(MIN "extra = \"\\\\\"");
    assert_string_equal(cfg.extra, "\\");
    parse_ok(MIN "extra = \"\"");
    assert_string_equal(cfg.extra, "");
    parse_ok(MIN "extra = \"tab\there, UTF-8 \xc3\xa9\"");   /* a raw tab and UTF-8 */
    assert_string_equal(cfg.extra, "tab\there, UTF-8 \xc3\xa9");

    parse_err(MIN "extra = \"a\\qb\"",
              "guest.cfg:3: unknown escape '\\' followed by 'q' in a string "
              "(known: \\\" \\' \\\\ \\n \\t)");
    parse_bad(MIN "extra = \"\\0\"", "unknown escape '\\' followed by '0'");
    parse_bad(MIN "extra = \"\\x41\"", "unknown escape '\\' followed by 'x'");
    parse_err(MIN "extra = \"a\x01\"", "guest.cfg:3: control character (byte 0x01) in a string");
    parse_bad(MIN "extra = \"a\x7f\"", "control character (byte 0x7f)");
    parse_bad(MIN "extra = \"a\rb\"", "control character (byte 0x0d)");

    /* unterminated strings: named by the line they start on */
    parse_err(MIN "extra = \"abc\nvcpus = 2\n",
              "guest.cfg:3: unterminated string (no closing \" on its line)");
    parse_err(MIN "extra = 'abc", "guest.cfg:3: unterminated string (no closing ' on its line)");
    parse_err(MIN "extra = 'abc\"", "guest.cfg:3: unterminated string (no closing ' on its line)");
    parse_err(MIN "extra = \"abc\\\"", "guest.cfg:3: unterminated string (no closing \" on its line)");
    parse_bad(MIN "extra = \"abc\\", "guest.cfg:3: unterminated string");
    parse_bad(MIN "extra = \"abc\\\nd\"", "guest.cfg:3: unterminated string");
    parse_bad(MIN "extra = \"abc\r\n\"", "guest.cfg:3: unterminated string");
    parse_bad(MIN "extra = \"abc\r", "guest.cfg:3: unterminated string");
    parse_bad(MIN "\n\ndisk = [ 'a',\n  'b ]\n", "guest.cfg:6: unterminated string");
    parse_err(MIN "extra = \"", "guest.cfg:3: unterminated string (no closing \" on its line)");

    /* strings never hold NUL: there is no \0 escape, and NUL bytes are refused */
    snprintf(text, sizeof(text), MIN "extra = 'a\\nb'");
    parse_ok(text);
    assert_int_equal(strlen(cfg.extra), 3);
}

static void test_unterminated_lists(void **state)
{
    (void)state;
    parse_err(MIN "\ndisk = [ 'a',\n  'b',\n",
              "guest.cfg:4: unterminated list for 'disk' (no closing ']')");
    parse_err(MIN "disk = [", "guest.cfg:3: unterminated list for 'disk' (no closing ']')");
    parse_err(MIN "disk = [ # ]", "guest.cfg:3: unterminated list for 'disk' (no closing ']')");
    parse_err(MIN "disk = [ 'a' # ]\n", "guest.cfg:3: unterminated list for 'disk' (no closing ']')");
    /* a list left open runs into the next statement */
    parse_err(MIN "disk = [ 'a',\n  'b'\nvif = [ 'c' ]\n",
              "guest.cfg:5: expected ',' or ']' in the list for 'disk' (opened on line 3), "
              "found 'v'");
    parse_err(MIN "disk = [ 'a',\n  'b',\nvif = [ 'c' ]\n",
              "guest.cfg:5: expected a quoted string or ']' in the list for 'disk' (opened "
              "on line 3), found 'v'");
    parse_err(MIN "disk = [ 'a' ; vif = [ 'c' ]",
              "guest.cfg:3: expected ',' or ']' in the list for 'disk' (opened on line 3), "
              "found ';'");
    parse_bad(MIN "disk = ]", "'disk' has a bad value: unexpected ']'");
}

static void test_line_numbers(void **state)
{
    (void)state;
    parse_err("# a comment\n\nname = 'x'\n\n# another\nmemory = 5\nvcpus = 999\n",
              "guest.cfg:7: 'vcpus' must be an integer from 1 to 128, not 999");
    /* after ';'-separated statements: the line of the statement */
    parse_err("name = 'x'; memory = 5\nvcpus = 2; acpi = 1; hap = 3; pae = 1\n",
              "guest.cfg:2: 'hap' must be 0 or 1, not 3");
    parse_err("name = 'x'; memory = 5; bogus = 1", "guest.cfg:1: unknown key 'bogus'");
    /* inside a multi-line list: the line of the entry */
    parse_err(MIN "disk = [\n  'a',\n  'b',\n  4,\n]\n",
              "guest.cfg:6: expected a quoted string or ']' in the list for 'disk' (opened "
              "on line 3), found '4'");
    parse_err(MIN "viridian = [\n  'base',\n\n  'bogus' ]\n",
              "guest.cfg:6: 'viridian': unknown group \"bogus\" (known: base, freq, "
              "time_ref_count, reference_tsc, hcall_remote_tlb_flush, apic_assist, crash_ctl, "
              "synic, stimer, hcall_ipi, ex_processor_masks, no_vp_limit, cpu_hotplug, "
              "defaults, all; '!' before a group removes it)");
    /* after a multi-line list: lines inside it were counted */
    parse_err(MIN "disk = [\n  'a', # c\n  'b'\n]\nvif = [ 'c' ]\nmemroy = 1",
              "guest.cfg:8: unknown key 'memroy'");
    /* a wrong-shaped list value: the line where the list opens */
    parse_err(MIN "\nmemory = [\n 'a' ]", "guest.cfg:4: 'memory' must be an integer from 1 to "
                                          "1048576 (MiB), not a list");
    /* comments with quotes and brackets do not disturb the count */
    parse_err("# it's [ \"\n# ]\nname = 'x' # '\nmemory = 5 # \"\nfoo = 1",
              "guest.cfg:5: unknown key 'foo'");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    parse_ok("name = 'first'\nmemory = 5\nname = 'second'\nmemory = 0x10");
    assert_string_equal(cfg.name, "second");
    assert_int_equal(cfg.memory, 16);
    parse_ok(MIN "kernel = 'a'\nkernel = 'b'\ntype = 'pvh'\ntype = 'hvm'");
    assert_string_equal(cfg.kernel, "b");
    assert_int_equal(cfg.type, DOMCFG_TYPE_HVM);
    parse_ok(MIN "on_crash = 'preserve'; on_crash = 'restart'");
    assert_int_equal(cfg.on_crash, DOMCFG_ACTION_RESTART);
    parse_ok(MIN "viridian = [ 'all' ]\nviridian = 0");
    assert_int_equal(cfg.viridian, 0);
    /* a bad later value is still an error */
    parse_bad(MIN "vcpus = 2\nvcpus = 0", "guest.cfg:4: 'vcpus' must be");
}

/* ---- limits and bad input ---- */

static void test_string_length_limit(void **state)
{
    static char text[8192], s[2048];

    (void)state;
    memset(s, 'e', 1023);
    s[1023] = '\0';
    snprintf(text, sizeof(text), MIN "extra = \"%s\"", s);
    parse_ok(text);
    assert_int_equal(strlen(cfg.extra), 1023);
    snprintf(text, sizeof(text), MIN "extra = \"%se\"", s);
    parse_err(text, "guest.cfg:3: string longer than 1023 bytes");
    snprintf(text, sizeof(text), MIN "extra = \"%s%s\"", s, s);
    parse_err(text, "guest.cfg:3: string longer than 1023 bytes");
    /* escapes count as the byte they make: 1023 of them fit */
    for (int i = 0; i < 1023; i++)
        memcpy(s + 2 * i, "\\n", 2);
    s[2046] = '\0';
    snprintf(text, sizeof(text), MIN "extra = \"%s\"", s);
    parse_ok(text);
    assert_int_equal(strlen(cfg.extra), 1023);
    /* in a list, at the line of the entry */
    memset(s, 'd', 1024);
    s[1024] = '\0';
    snprintf(text, sizeof(text), MIN "disk = [\n '%.1023s',\n '%s' ]", s, s);
    parse_err(text, "guest.cfg:5: string longer than 1023 bytes");
    /* an unterminated long string: too long is found first */
    snprintf(text, sizeof(text), MIN "extra = \"%s", s);
    parse_bad(text, "guest.cfg:3: string longer than 1023 bytes");
}

/* A valid configuration padded with comment lines to exactly `size` bytes. */
static char *padded_file(size_t size, unsigned int *lines)
{
    char *text = malloc(size);
    size_t n = strlen(MIN);

    assert_non_null(text);
    memcpy(text, MIN, n);
    *lines = 2;
    while (n < size) {
        size_t line = size - n < 100 ? size - n : 100;

        memset(text + n, '#', line - 1);
        text[n + line - 1] = '\n';
        n += line;
        (*lines)++;
    }
    return text;
}

static void test_file_size_limit(void **state)
{
    unsigned int lines;
    char *text, want[128];

    (void)state;
    text = padded_file(DOMCFG_FILE_MAX, &lines);
    if (parse_len(text, DOMCFG_FILE_MAX))
        fail_msg("a 64 KiB file: %s", err);
    assert_string_equal(cfg.name, "t");
    free(text);

    /* one byte more: the error names the line that byte is on */
    text = padded_file(DOMCFG_FILE_MAX + 1, &lines);
    assert_int_equal(parse_len(text, DOMCFG_FILE_MAX + 1), -EINVAL);
    snprintf(want, sizeof(want), "guest.cfg:%u: the file is larger than 65536 bytes", lines);
    assert_string_equal(err, want);
    free(text);

    text = padded_file(1 << 20, &lines);
    assert_int_equal(parse_len(text, 1 << 20), -EINVAL);
    assert_contains(err, "the file is larger than 65536 bytes");
    free(text);
}

static void test_binary_data(void **state)
{
    static const char with_nul[] = "name = 'x'\nmemory = 5\n\0vcpus = 2\n";
    static const char nul_in_string[] = "name = 'x\0y'\nmemory = 5\n";
    static const char nul_in_comment[] = "name = 'x'\nmemory = 5\n\n# \0\n";
    static const char c_string[] = "name = 'x'\nmemory = 5";

    (void)state;
    assert_int_equal(parse_len(with_nul, sizeof(with_nul) - 1), -EINVAL);
    assert_string_equal(err, "guest.cfg:3: binary data (a NUL byte) in a configuration file");
    assert_int_equal(parse_len(nul_in_string, sizeof(nul_in_string) - 1), -EINVAL);
    assert_string_equal(err, "guest.cfg:1: binary data (a NUL byte) in a configuration file");
    assert_int_equal(parse_len(nul_in_comment, sizeof(nul_in_comment) - 1), -EINVAL);
    assert_contains(err, "guest.cfg:4: binary data");
    /* the terminating NUL of a C string, passed by mistake, is binary data too */
    assert_int_equal(parse_len(c_string, sizeof(c_string)), -EINVAL);
    assert_contains(err, "guest.cfg:2: binary data");
    assert_int_equal(parse_len(c_string, sizeof(c_string) - 1), 0);
}

static void test_empty_and_missing(void **state)
{
    (void)state;
    parse_err("", "guest.cfg: no 'name' given (it is required)");
    parse_err("\n\n# nothing but comments\n\n", "guest.cfg: no 'name' given (it is required)");
    parse_err(";;;", "guest.cfg: no 'name' given (it is required)");
    parse_err("memory = 5", "guest.cfg: no 'name' given (it is required)");
    parse_err("name = 'x'", "guest.cfg: no 'memory' given (it is required, in MiB)");
    /* NULL text with no length is an empty file */
    assert_int_equal(domcfg_parse(NULL, 0, "empty.cfg", &cfg, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "empty.cfg: no 'name' given (it is required)");
    /* only the first error is reported, syntax before semantics */
    parse_err("vcpus = 0", "guest.cfg:1: 'vcpus' must be an integer from 1 to 128, not 0");
}

static void test_error_buffer(void **state)
{
    static const char text[] = "name = 'x'\nmemory = 5\nmemroy = 6\n";
    char small[16];

    (void)state;
    /* truncated, and always terminated */
    memset(small, 'X', sizeof(small));
    assert_int_equal(domcfg_parse(text, sizeof(text) - 1, "guest.cfg", &cfg, small,
                                  sizeof(small)), -EINVAL);
    assert_string_equal(small, "guest.cfg:3: un");
    memset(small, 'X', sizeof(small));
    assert_int_equal(domcfg_parse(text, sizeof(text) - 1, "a-very-long-file-name.cfg",
                                  &cfg, small, sizeof(small)), -EINVAL);
    assert_string_equal(small, "a-very-long-fil");
    memset(small, 'X', sizeof(small));
    assert_int_equal(domcfg_parse(text, sizeof(text) - 1, "g.cfg", &cfg, small, 1), -EINVAL);
    assert_int_equal(small[0], '\0');
    assert_int_equal(small[1], 'X');
    /* no buffer at all */
    assert_int_equal(domcfg_parse(text, sizeof(text) - 1, "g.cfg", &cfg, NULL, 0), -EINVAL);
    assert_int_equal(domcfg_parse(text, 22, "g.cfg", &cfg, NULL, 0), 0);
    /* no file name */
    assert_int_equal(domcfg_parse(text, sizeof(text) - 1, NULL, &cfg, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "(config):3: unknown key 'memroy'");
    /* success leaves an empty message */
    assert_int_equal(domcfg_parse(text, 22, "g.cfg", &cfg, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    /* non-printable bytes in quoted text are shown as '?' */
    parse_err(MIN "k\xc3\xa9y = 1", "guest.cfg:3: bad key 'k??y' (a key is letters, digits and '_')");
    parse_err(MIN "type = \"h\\tm\"", "guest.cfg:3: 'type' must be \"hvm\" or \"pvh\", not \"h?m\"");
}

/* ---- robustness ---- */

/* What a successful parse must leave: checked after every accepted mutation. */
static void check_accepted(const struct domcfg *c)
{
    const struct domcfg_list *lists[] = { &c->disk, &c->vif, &c->channel, &c->serial };

    assert_true(strnlen(c->name, sizeof(c->name)) > 0);
    assert_true(strnlen(c->name, sizeof(c->name)) < sizeof(c->name));
    assert_true(c->memory >= 1 && c->memory <= DOMCFG_MEMORY_MAX);
    assert_true(c->maxmem >= c->memory && c->maxmem <= DOMCFG_MEMORY_MAX);
    assert_true(c->vcpus >= 1 && c->maxvcpus >= c->vcpus && c->maxvcpus <= DOMCFG_VCPUS_MAX);
    assert_true(strnlen(c->kernel, sizeof(c->kernel)) < sizeof(c->kernel));
    assert_true(strnlen(c->ramdisk, sizeof(c->ramdisk)) < sizeof(c->ramdisk));
    assert_true(strnlen(c->cmdline, sizeof(c->cmdline)) < sizeof(c->cmdline));
    assert_true(strnlen(c->firmware_module, sizeof(c->firmware_module)) <
                sizeof(c->firmware_module));
    assert_true(c->type == DOMCFG_TYPE_HVM || c->type == DOMCFG_TYPE_PVH);
    assert_true(c->type != DOMCFG_TYPE_PVH || c->kernel[0]);
    assert_true(c->on_poweroff < DOMCFG_NR_ACTIONS && c->on_reboot < DOMCFG_NR_ACTIONS &&
                c->on_crash < DOMCFG_NR_ACTIONS && c->on_watchdog < DOMCFG_NR_ACTIONS &&
                c->on_soft_reset < DOMCFG_NR_ACTIONS);
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        assert_true(lists[i]->nr <= DOMCFG_LIST_MAX);
        for (unsigned int j = 0; j < lists[i]->nr; j++)
            assert_true(strnlen(lists[i]->item[j], DOMCFG_STR_LEN) < DOMCFG_STR_LEN);
    }
    assert_true(strlen(c->boot) >= 1 && strlen(c->boot) <= 3);
    assert_true((c->viridian & ~DOMCFG_VIRIDIAN_ALL) == 0);
    assert_true(c->viridian == 0 || (c->viridian & DOMCFG_VIRIDIAN_BASE));
    assert_true(c->tsc_mode <= DOMCFG_TSC_NATIVE_PARAVIRT);
}

/* Parse one mutated text; accepted or refused with a proper message, nothing else. */
static void parse_mutant(const char *text, size_t len, unsigned int *accepted,
                         unsigned int *refused)
{
    char *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, text, len);
    memset(err, 'X', sizeof(err));
    rc = domcfg_parse(copy, len, "fuzz.cfg", &cfg, err, sizeof(err));
    free(copy);
    if (rc == 0) {
        assert_string_equal(err, "");
        check_accepted(&cfg);
        (*accepted)++;
    } else {
        if (rc != -EINVAL)
            fail_msg("returned %d", rc);
        if (strnlen(err, sizeof(err)) == sizeof(err))
            fail_msg("message not terminated");
        if (strncmp(err, "fuzz.cfg", 8) || strlen(err) < 12)
            fail_msg("bad message \"%s\"", err);
        (*refused)++;
    }
}

/* Bytes that matter to the syntax, chosen more often than others. */
static const char interesting[] = "\"'[],;=#\\\n\r\t 0x1-+!_aZ\0\x7f\xff";

static u8 random_byte(u64 *seed)
{
    u64 r = unit_rand(seed);

    return r & 1 ? interesting[(r >> 8) % (sizeof(interesting) - 1)] : (u8)(r >> 16);
}

static void test_random_mutations(void **state)
{
    static const char *const names[] = { "web1-pvh.cfg", "win2022-hvm.cfg" };
    unsigned int accepted = 0, refused = 0;
    u64 seed = 0x5eed0fd0c0f1ULL;

    (void)state;
    for (size_t f = 0; f < ARRAY_SIZE(names); f++) {
        size_t orig_len;
        char *orig = read_example(names[f], &orig_len);
        char *buf = malloc(orig_len + 256);

        for (int iter = 0; iter < 20000; iter++) {
            size_t len = orig_len;
            unsigned int edits = 1 + unit_rand(&seed) % 6;

            memcpy(buf, orig, len);
            for (unsigned int e = 0; e < edits; e++) {
                u64 r = unit_rand(&seed);
                size_t at = len ? (r >> 8) % len : 0;

                switch (r % 5) {
                case 0:   /* flip a bit */
                    if (len)
                        buf[at] ^= 1 << ((r >> 40) % 8);
                    break;
                case 1:   /* overwrite a byte */
                    if (len)
                        buf[at] = random_byte(&seed);
                    break;
                case 2:   /* insert a byte */
                    if (len < orig_len + 255) {
                        memmove(buf + at + 1, buf + at, len - at);
                        buf[at] = random_byte(&seed);
                        len++;
                    }
                    break;
                case 3:   /* delete a run of bytes */
                    if (len) {
                        size_t n = 1 + (r >> 40) % 8;
                        if (n > len - at)
                            n = len - at;
                        memmove(buf + at, buf + at + n, len - at - n);
                        len -= n;
                    }
                    break;
                default:  /* cut the file short */
                    if ((r >> 40) % 8 == 0)
                        len = at;
                    break;
                }
            }
            parse_mutant(buf, len, &accepted, &refused);
        }
        free(buf);
        free(orig);
    }
    /* the run is meaningful only if it exercised both outcomes */
    print_message("# mutations: %u accepted, %u refused\n", accepted, refused);
    assert_true(accepted > 100);
    assert_true(refused > 1000);
}

/* Random statements made of the syntax's pieces: deeper paths than mutations reach. */
static void test_random_token_soup(void **state)
{
    static const char *const pieces[] = {
        "name", "memory", "maxmem", "vcpus", "maxvcpus", "type", "builder", "kernel",
        "ramdisk", "cmdline", "extra", "root", "firmware", "bios", "on_crash", "disk", "vif",
        "serial", "channel", "boot", "uuid", "viridian", "tsc_mode", "hap", "testdev",
        " = ", "=", "[", "]", ",", ";", "\n", "\r\n", " ", "# c\n", "'", "\"", "\\",
        "\"web\"", "'pvh'", "\"hvm\"", "'vmlinuz'", "\"/boot/x\"", "'a\\tb'", "'\\q'", "1",
        "0", "0x10", "010", "-1", "512", "4096", "99999999999999999999", "'base'", "'!base'",
        "'defaults'", "'dc'", "'01234567-89ab-cdef-fedc-ba9876543210'", "'ovmf'", "'pv'",
        "'destroy'", "'native'", "[ 'a', 'b', ]", "[]",
    };
    static char buf[8192];
    unsigned int accepted = 0, refused = 0;
    u64 seed = 42;

    (void)state;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0;
        unsigned int n = unit_rand(&seed) % 60;

        /* half of the texts start valid, so that later pieces are reached */
        if (iter & 1) {
            memcpy(buf, MIN, strlen(MIN));
            len = strlen(MIN);
        }
        for (unsigned int i = 0; i < n; i++) {
            const char *p = pieces[unit_rand(&seed) % ARRAY_SIZE(pieces)];
            size_t l = strlen(p);

            if (len + l > sizeof(buf))
                break;
            memcpy(buf + len, p, l);
            len += l;
        }
        parse_mutant(buf, len, &accepted, &refused);
    }
    print_message("# token soup: %u accepted, %u refused\n", accepted, refused);
    assert_true(accepted > 0);
    assert_true(refused > 1000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset)
    const struct CMUnitTest tests[] = {
        T(test_example_pvh),
        T(test_example_hvm),
        T(test_examples_with_crlf),
        T(test_defaults),
        T(test_action_names),
        T(test_name),
        T(test_type_and_builder),
        T(test_memory_and_vcpus),
        T(test_kernel_ramdisk_modules),
        T(test_cmdline_root_extra),
        T(test_firmware),
        T(test_lists),
        T(test_boot),
        T(test_uuid),
        T(test_booleans),
        T(test_viridian),
        T(test_tsc_mode),
        T(test_unknown_and_bad_keys),
        T(test_statement_errors),
        T(test_semicolons_blanks_and_comments),
        T(test_strings_and_escapes),
        T(test_unterminated_lists),
        T(test_line_numbers),
        T(test_duplicate_keys),
        T(test_string_length_limit),
        T(test_file_size_limit),
        T(test_binary_data),
        T(test_empty_and_missing),
        T(test_error_buffer),
        T(test_random_mutations),
        T(test_random_token_soup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
