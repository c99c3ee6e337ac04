#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Petrel's benchmarks: figures measured side by side in one run, never pass/fail.

    make bench            (or tests/bench/run_bench.py [-n RUNS])

Today: the image's size, and boot time from the emulator's start to the hypervisor's
"ready:" line (firmware included) under QEMU TCG and under Bochs.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from petrel_machine import Machine  # noqa: E402

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


if __name__ == "__main__":
    main()
