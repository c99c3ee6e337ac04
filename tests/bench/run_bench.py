#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Petrel's benchmarks: figures measured side by side in one run, never pass/fail.

    make bench            (or tests/bench/run_bench.py [-n RUNS])

Figures: the image's size; boot time from the emulator's start to the hypervisor's
"ready:" line (firmware included) under QEMU TCG and Bochs; VM exit round trips per
second for CPUID, port I/O, MMIO and VMMCALL as a guest measures them with its TSC
(tests/guests/bench-exits), under QEMU with SVM and Bochs with VMX; VM exits per local
APIC timer interrupt in xAPIC and x2APIC mode (tests/guests/bench-timer); IPI round
trips between two vCPUs (tests/guests/smp-ipi); a compute loop in a guest against the same loop on bare
QEMU TCG, as a ratio (tests/guests/bench-compute); exit counts of a guest's life.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from petrel_machine import BUILD, Machine, module_spec  # noqa: E402

READY = r"ready: (\d+) CPUs online, (\d+) MiB free"


def image_size():
    out = subprocess.run(["size", "-A", os.path.join(ROOT, "build", "hypervisor.elf")],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    sections = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    loaded = sum(v for k, v in sections.items() if k in (".boot", ".text", ".rodata",
                                                           ".data", ".percpu"))
    print("Image")
    print("  %-34s %8.1f KiB" % ("code (.text)", sections.get(".text", 0) / 1024))
    print("  %-34s %8.1f KiB" % ("read-only data (.rodata)", sections.get(".rodata", 0) / 1024))
    print("  %-34s %8.1f KiB" % ("data (.data, .percpu)",
                                 (sections.get(".data", 0) + sections.get(".percpu", 0)) / 1024))
    print("  %-34s %8.1f KiB" % ("zeroed data (.bss)", sections.get(".bss", 0) / 1024))
    print("  %-34s %8.1f KiB" % ("loaded by the boot loader", loaded / 1024))
    print("  %-34s %8.1f KiB" % ("hypervisor.elf32 file",
                                 os.path.getsize(os.path.join(ROOT, "build", "hypervisor.elf32")) / 1024))


def boot_time(runs, **kw):
    times = []
    for i in range(runs):
        with Machine(name="bench", **kw) as m:
            m.start()
            m.expect(READY, 300)
            times.append(time.monotonic() - m.started_at)
    return times


def show(label, times):
    print("  %-34s median %5.2f s   min %5.2f s   max %5.2f s   (%d runs)" % (
        label, statistics.median(times), min(times), max(times), len(times)))


BENCH = re.compile(r"BENCH (\S+) iterations=(\d+) tsc=(\d+)")
TSC_MHZ = re.compile(r"time: TSC at (\d+\.\d+) MHz")


def kernel_candidates(test):
    try:
        with open(os.path.join(BUILD, "guests", "manifest.json")) as f:
            return [k for k in json.load(f) if k["test"] == test]
    except (OSError, ValueError):
        return []


def guest_kernel(test):
    ks = kernel_candidates(test)
    return ks[0] if ks else None


def run_guest(k, petrel=True, emulator="qemu"):
    """Run a test kernel under Petrel (on QEMU with SVM, or Bochs with VMX), or on bare
    QEMU; return the console text."""
    vcpus = k.get("vcpus", 1)
    if petrel:
        cfg = os.path.join(BUILD, "bench-%s.cfg" % k["test"])
        with open(cfg, "w") as f:
            f.write('name = "%s"\ntype = "pvh"\nmemory = %d\nkernel = "%s"\ntestdev = %d\n'
                    'vcpus = %d\n' % (k["test"], k["memory"], os.path.basename(k["kernel"]),
                                      1 if k["testdev"] else 0, vcpus))
        # Bochs: one pCPU per vCPU at the least, but one for a single vCPU (two make
        # Bochs slower and its TSC coarse: tests/system/test_vmx.py).
        cpus = vcpus if emulator == "bochs" else max(2, vcpus)
        m = Machine(name="bench", emulator=emulator, cpus=cpus,
                    memory="512M" if emulator == "bochs" else "1G",
                    modules=[module_spec(cfg), module_spec(k["kernel"])])
    else:
        m = Machine(name="bench", cpus=1, memory="256M", image=k["kernel"], debugcon=True,
                    cpu_model="EPYC")
    with m:
        m.start()
        m.expect(r"RESULT: ", 600)
        m.wait(60)
        return m.console


def exit_round_trips(emulator="qemu"):
    k = guest_kernel("bench-exits")
    if not k:
        print("  (bench-exits kernel not built)")
        return
    out = run_guest(k, emulator=emulator)
    mhz = float(TSC_MHZ.search(out).group(1))
    for kind, n, tsc in BENCH.findall(out):
        us = int(tsc) / int(n) / mhz
        print("  %-34s %8.1f us   %9.0f /s   %8.0f TSC cycles   (%s iterations)"
              % (kind, us, 1e6 / us, int(tsc) / int(n), n))
    ex = re.search(r"d1v0: (\d+) exits:(.*)", out)
    if ex:
        print("  exits of its whole run: %s:%s" % (ex.group(1), ex.group(2)))


BENCH_EXITS = re.compile(r"BENCH-EXITS (\S+) interrupts=(\d+) exits=(\d+) tsc=(\d+)")


def timer_exits():
    k = guest_kernel("bench-timer")
    if not k:
        print("  (bench-timer kernel not built)")
        return
    out = run_guest(k)
    for kind, n, exits, tsc in BENCH_EXITS.findall(out):
        print("  %-34s %5.2f exits per interrupt   (%s interrupts, %s exits)"
              % (kind, int(exits) / int(n), n, exits))


def ipi_round_trips():
    k = guest_kernel("smp-ipi")
    if not k:
        print("  (smp-ipi kernel not built)")
        return
    for c in kernel_candidates("smp-ipi"):
        if c["mode"] == "64":
            k = c
    out = run_guest(k)
    mhz = float(TSC_MHZ.search(out).group(1))
    for kind, n, tsc in BENCH.findall(out):
        us = int(tsc) / int(n) / mhz
        print("  %-34s %8.1f us   %9.0f /s   (%s round trips, %d vCPUs on %d pCPUs)"
              % (kind, us, 1e6 / us, n, k["vcpus"], max(2, k["vcpus"])))


def compute_ratio():
    k = guest_kernel("bench-compute")
    if not k:
        print("  (bench-compute kernel not built)")
        return
    guest = dict((kind, int(tsc)) for kind, _, tsc in BENCH.findall(run_guest(k)))
    bare = dict((kind, int(tsc)) for kind, _, tsc in BENCH.findall(run_guest(k, False)))
    for kind in sorted(guest):
        if kind in bare:
            print("  %-34s guest %6.2f Gcycles, bare QEMU %6.2f Gcycles: ratio %.3f"
                  % (kind, guest[kind] / 1e9, bare[kind] / 1e9, bare[kind] / guest[kind]))


def emulate_cost():
    exe = os.path.join(BUILD, "unit", "bench_x86_emulate")
    if not os.access(exe, os.X_OK):
        print("  (build/unit/bench_x86_emulate not built: make unit-build)")
        return
    out = subprocess.run([exe], stdout=subprocess.PIPE, text=True).stdout
    for line in out.splitlines():
        print("  " + line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("-n", "--runs", type=int, default=5)
    a = ap.parse_args()

    image_size()
    print("Boot: emulator start to 'ready:' (firmware included)")
    show("QEMU TCG q35, 1 CPU, 256 MiB", boot_time(a.runs, cpus=1, memory="256M"))
    show("QEMU TCG q35, 4 CPUs, 1 GiB", boot_time(a.runs, cpus=4, memory="1G"))
    show("QEMU TCG q35, 4 CPUs, 8 GiB", boot_time(a.runs, cpus=4, memory="8G"))
    show("Bochs VMX (GRUB), 2 CPUs, 512 MiB",
         boot_time(max(1, a.runs // 3), emulator="bochs", cpus=2, memory="512M"))
    print("VM exit round trips under QEMU TCG with SVM, as the guest's TSC measures them")
    exit_round_trips()
    print("VM exit round trips under Bochs with VMX (TSC at 100 MHz of Bochs time: "
          "cycles are what compare)")
    exit_round_trips("bochs")
    print("Virtual platform under QEMU TCG with SVM: VM exits per LAPIC timer interrupt")
    timer_exits()
    print("IPI round trips between two vCPUs (fixed IPI and its answer)")
    ipi_round_trips()
    print("Compute loop in a guest vs the same loop on bare QEMU TCG (1.0 = no cost)")
    compute_ratio()
    print("Instruction emulation on the host (decode + emulate, no VM exit)")
    emulate_cost()


if __name__ == "__main__":
    main()
