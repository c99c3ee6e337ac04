# SPDX-License-Identifier: BSD-2-Clause
"""The guest test kernels (tests/guests/) on plain QEMU TCG, without the hypervisor.

build/guests/manifest.json (make guests-build) lists every kernel and what plain QEMU
gives it ("bare"): pass, skip (what it tests needs Petrel: its CPUID leaves or its
test device) or crash (the triple-fault test). Each kernel is booted as the guest
framework expects to be developed, with its output on port 0xe9 (isa-debugcon) and
its result written to port 0xf4 (isa-debug-exit, QEMU's status is code << 1 | 1):

    qemu-system-x86_64 -accel tcg -machine q35 -cpu EPYC -m 128M -smp <vcpus>
        -kernel <kernel> -debugcon stdio -serial none -no-reboot
        -device isa-debug-exit,...

(<vcpus> is the manifest's "vcpus", the CPUs the test asks for: 1 unless it says.)

and its one RESULT line and QEMU's exit status must both say what "bare" says. This
keeps the kernels honest while the hypervisor cannot run them yet, and shows that a
failure under Petrel is Petrel's.
"""
import os
import re

import guest_manifest
from harness import parametrize, system_test
from petrel_machine import ROOT

RESULT = re.compile(r"^RESULT: (\S+) (\S+): (PASS|FAIL|SKIP)(?:: (.*))?$", re.M)
# petrel_test.h: PASS 0, FAIL 1, SKIP 2, seen as QEMU exit status (code << 1) | 1.
STATUS = {"PASS": 1, "FAIL": 3, "SKIP": 5}
# A triple fault with -no-reboot: QEMU shuts down normally, status 0, no RESULT.
CRASH_STATUS = 0


KERNELS = guest_manifest.load()


def check_kernel(t, k):
    kernel = os.path.join(ROOT, k["kernel"])
    name = "%s %s" % (k["test"], k["mode"])
    m = t.machine(image=kernel, debugcon=True, memory="128M", cpus=k.get("vcpus", 1),
                  cpu_model="EPYC")
    status = m.wait(45)
    if status is None:
        raise AssertionError("%s: still running after 45 s; the console showed:\n%s"
                             % (name, m.tail()))
    console = m.console
    results = RESULT.findall(console)
    for line in re.findall(r"^BENCH .*$", console, re.M):
        t.note("%s: %s" % (name, line))

    assert "--- guest test " in console, \
        "%s: the kernel printed nothing (QEMU status %d):\n%s" % (name, status, m.tail())
    if k["bare"] == "crash":
        assert not results and status == CRASH_STATUS, \
            "%s: expected a triple fault (no RESULT line, QEMU status %d), got %s and " \
            "status %d:\n%s" % (name, CRASH_STATUS, results, status, m.tail())
        return

    want = k["bare"].upper()
    assert len(results) == 1, "%s: expected one RESULT line, found %d (QEMU status %d):\n%s" \
        % (name, len(results), status, m.tail())
    test, mode, verdict, reason = results[0]
    assert (test, mode) == (k["test"], k["mode"]), \
        "%s: the RESULT line names %s %s" % (name, test, mode)
    assert verdict == want, "%s: expected %s, got %s%s:\n%s" % (
        name, want, verdict, ": " + reason if reason else "", m.tail())
    assert status == STATUS[verdict], "%s: RESULT %s but QEMU exit status %d, not %d" % (
        name, verdict, status, STATUS[verdict])
    if reason:
        t.note("%s: %s: %s" % (name, verdict, reason))


if KERNELS is None:
    guest_manifest.missing_manifest_test("guests-bare", __name__)
else:
    @parametrize([k for k in KERNELS if not k.get("timing")],
                 key=lambda k: "%s-%s" % (k["test"], k["mode"]))
    @system_test(timeout=60, name="guests-bare")
    def guests_bare(t, k):
        check_kernel(t, k)

    # Kernels that measure time run alone (harness.py, `exclusive`).
    @parametrize([k for k in KERNELS if k.get("timing")],
                 key=lambda k: "%s-%s" % (k["test"], k["mode"]))
    @system_test(timeout=60, name="guests-bare", exclusive=True)
    def guests_bare_timing(t, k):
        check_kernel(t, k)
