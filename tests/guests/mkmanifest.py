#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Write $(BUILD)/guests/manifest.json: every guest test kernel and what it needs.

    mkmanifest.py --tests tests/guests --out build/guests test:entry:mode ...

The build (guests.mk) passes one test:entry:mode triple per kernel; the rest comes
from the test's test.conf, `key = value` lines ('#' starts a comment):

    modes       the CPU modes it is built for: real 32 pae 64
    entries     optional: "multiboot pvh" builds one kernel per entry (default: one
                kernel with both)
    memory      MiB the domain needs
    vcpus       optional: the CPUs (vCPUs) the machine must have, 1 to 16 (default 1);
                the kernel finds them by their APIC IDs 0 to vcpus-1
    testdev     1 if it needs Petrel's test device
    timing      1 if it measures time (interrupt rates, clocks): its runs then
                happen one at a time on an otherwise idle host (tests/harness.py)
    bare        what plain QEMU (no hypervisor) gives: pass, skip or crash
    expect      what a Petrel domain must give: pass or crash
    crash       with expect = crash: the start of the reason the hypervisor must give
                ("d1: '<name>' crashed: <reason>"), e.g. "triple fault"
    description one line
"""
import argparse
import json
import os
import sys

KEYS = {"modes", "entries", "memory", "vcpus", "testdev", "timing", "bare", "expect",
        "crash", "description"}
MAX_VCPUS = 16                      # MAX_CPUS in common/layout.h
OUTCOMES = {"bare": ("pass", "skip", "crash"), "expect": ("pass", "crash")}


def read_conf(path):
    conf = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, eq, value = (s.strip() for s in line.partition("="))
            if not eq or key not in KEYS:
                sys.exit("%s:%d: expected one of %s = value" % (path, n, ", ".join(sorted(KEYS))))
            conf[key] = value
    for key in ("modes", "memory", "bare", "expect", "description"):
        if key not in conf:
            sys.exit("%s: no %s" % (path, key))
    for key, allowed in OUTCOMES.items():
        if conf[key] not in allowed:
            sys.exit("%s: %s must be one of %s" % (path, key, ", ".join(allowed)))
    if (conf["expect"] == "crash") != ("crash" in conf):
        sys.exit("%s: crash (the reason) is given exactly when expect = crash" % path)
    vcpus = conf.setdefault("vcpus", "1")
    if not vcpus.isdigit() or not 1 <= int(vcpus) <= MAX_VCPUS:
        sys.exit("%s: vcpus must be a number from 1 to %d" % (path, MAX_VCPUS))
    return conf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tests", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("specs", nargs="*", help="test:entry:mode")
    a = ap.parse_args()

    kernels = []
    confs = {}
    for spec in a.specs:
        test, entry, mode = spec.split(":")
        if test not in confs:
            confs[test] = read_conf(os.path.join(a.tests, test, "test.conf"))
        conf = confs[test]
        name = test if entry == "both" else "%s-%s" % (test, entry)
        kernel = os.path.join(a.out, "%s-%s.elf" % (name, mode))
        if not os.path.exists(kernel):
            sys.exit("mkmanifest: %s was not built" % kernel)
        kernels.append({
            "test": name,
            "mode": mode,
            "kernel": kernel,
            "entry": entry,
            "memory": int(conf["memory"]),
            "vcpus": int(conf["vcpus"]),
            "testdev": conf.get("testdev", "0") == "1",
            "timing": conf.get("timing", "0") == "1",
            "bare": conf["bare"],
            "expect": conf["expect"],
            "crash": conf.get("crash"),
            "description": conf["description"],
        })
    json.dump(kernels, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
