# SPDX-License-Identifier: BSD-2-Clause
"""The hypervisor console: debug keys, options, power off and reboot."""
import re
import time

from harness import system_test

READY = r"ready: \d+ CPUs online"


@system_test(timeout=240)
def debug_keys(t):
    m = t.machine(cpus=4, memory="1G")
    m.expect(READY, 180)
    m.send("h")
    m.expect(r"Debug keys", 30)
    for key in "PRacdhilmt":  # sorted by key
        m.expect(r"'%s'  \S" % key, 5)
    m.send("m")
    m.expect(r"Page allocator: \d+ MiB managed, \d+ MiB free", 30)
    m.expect(r"Free blocks by order:", 5)
    m.send("c")
    m.expect(r"CPUs: 4 online of 4 in the MADT", 30)
    m.expect(r"CPU 3: APIC ID 3", 5)
    m.send("t")
    m.expect(r"Time: \d+\.\d+ s since calibration; TSC \d+ kHz", 30)
    m.send("i")
    m.expect(r"GSI 4: vector 0x[0-9a-f]+, dest 0, edge, high", 30)  # the serial line
    start = len(m.console)
    m.send("d")
    # The CPUs answer at once: printk keeps each line whole, but their reports'
    # lines interleave. Wait for a report from each CPU, each ending in the idle loop.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = m.console[start:]
        seen = set(int(c) for c in re.findall(r"CPU (\d) is in:", text))
        if seen == {0, 1, 2, 3} and len(re.findall(r"\] idle_loop\+", text)) >= 4:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the 'd' key: stack traces from CPUs %s, not 0-3, or fewer "
                             "than 4 in the idle loop:\n%s" % (sorted(seen), m.tail()))
    m.send("l")
    m.expect(r"---- console ring \(last 4 KiB\) ----", 30)
    m.send("x")
    m.expect(r"No debug key 'x'", 30)


@system_test(timeout=240)
def power_off_key_ends_the_machine(t):
    m = t.machine(cpus=2, memory="512M")
    m.expect(READY, 180)
    m.send("P")
    m.expect(r"Powering off", 30)
    rc = m.wait(60)
    assert rc == 0, "QEMU should exit with status 0 on ACPI power-off, got %r:\n%s" % (
        rc, m.tail())


@system_test(timeout=240)
def reboot_key_resets_the_machine(t):
    # -no-reboot makes QEMU exit instead of resetting.
    m = t.machine(cpus=2, memory="512M")
    m.expect(READY, 180)
    m.send("R")
    m.expect(r"Rebooting the machine", 30)
    rc = m.wait(60)
    assert rc == 0, "QEMU should exit on the reset, got %r:\n%s" % (rc, m.tail())


@system_test(timeout=240)
def bad_options_are_reported_and_ignored(t):
    m = t.machine(cpus=2, memory="512M",
                  cmdline="loglvl=loud frobnicate=1 maxcpus=many no-console com1=fast")
    m.expect(r"cmdline: option 'loglvl=\.\.\.': bad value \(expected error, warning, info, "
             r"debug or all\); ignored", 60)
    m.expect(r"cmdline: unknown option 'frobnicate'; ignored", 10)
    m.expect(r"cmdline: option 'maxcpus=\.\.\.': bad value", 10)
    m.expect(r"cmdline: option 'no-console': bad value", 10)
    m.expect(r"cmdline: option 'com1=\.\.\.': bad value", 10)
    m.expect(r"ready: 2 CPUs online", 180)


@system_test(timeout=240)
def loglvl_hides_info_but_not_ready(t):
    m = t.machine(cpus=2, memory="512M", cmdline="loglvl=warning")
    m.expect(READY, 180)
    m.expect_absent(r"time: TSC at")
    # The ring keeps what the console did not show.
    m.send("l")
    m.expect(r"time: TSC at", 30)


@system_test(timeout=240)
def timestamps_option(t):
    m = t.machine(cpus=1, memory="256M", cmdline="console_timestamps")
    m.expect(r"\(HV\) \[\s*\d+\.\d{6}\] ready: 1 CPUs online", 180)
