# SPDX-License-Identifier: BSD-2-Clause
"""The hypervisor boots on every CPU of the machine and reports the right memory.

QEMU (Multiboot 1 through -kernel, AMD SVM): q35 and pc, 1 and 4 CPUs, 256 MiB and
8 GiB. Bochs (Multiboot 2 through a GRUB CD, Intel VMX with EPT).
"""
import itertools
import time

from harness import parametrize, system_test

READY = r"ready: (\d+) CPUs online, (\d+) MiB free"


def check_ready(t, m, cpus, mem_mib, timeout=180):
    m.expect(r"selftest: IPIs answered by %d CPUs, timers fired on %d CPUs" % (cpus - 1, cpus),
             timeout)
    r = m.expect(READY, 30)
    elapsed = time.monotonic() - m.started_at
    online, free = int(r.group(1)), int(r.group(2))
    assert online == cpus, "%s: expected %d CPUs online, the console says %d:\n%s" % (
        m.name, cpus, online, m.tail())
    # What the hypervisor keeps for itself: its image, page tables and the frame
    # table (32 bytes a page, 0.8%), per-CPU stacks; the firmware's reserved areas.
    low = mem_mib * 0.97 - 24
    assert low <= free <= mem_mib, "%s: %d MiB free of %d MiB is outside [%d, %d]:\n%s" % (
        m.name, free, mem_mib, low, mem_mib, m.tail())
    m.expect_absent(r"FATAL|BUG|Boot failed|did not start|FAILED")
    t.note("emulator start to ready: %.2f s (%s)" % (elapsed, m.name))
    return free


SHAPES = list(itertools.product(("q35", "pc"), (1, 4), ("256M", "8G")))


@parametrize(SHAPES, key=lambda s: "%s-%dcpu-%s" % s)
@system_test(timeout=240)
def qemu(t, shape):
    machine, cpus, mem = shape
    mem_mib = {"256M": 256, "8G": 8192}[mem]
    m = t.machine(machine=machine, cpus=cpus, memory=mem)
    m.expect(r"Loader: qemu \(Multiboot 1\)", 60)
    m.expect(r"CPU: virtualization: AMD SVM", 60)
    m.expect(r"mm: (\d+) MiB of RAM", 60)
    check_ready(t, m, cpus, mem_mib)


@system_test(timeout=400)
def bochs_vmx_multiboot2(t):
    m = t.machine(emulator="bochs", cpus=2, memory="512M")
    m.expect(r"Loader: GRUB .* \(Multiboot 2\)", 300)
    m.expect(r"CPU: virtualization: Intel VT-x", 30)
    m.expect(r"APIC: x2APIC mode", 60)
    check_ready(t, m, 2, 512, timeout=300)


@system_test(timeout=240)
def maxcpus_limits_the_cpus_started(t):
    m = t.machine(cpus=4, memory="512M", cmdline="maxcpus=2")
    m.expect(r"CPU with APIC ID \d+ not started \(maxcpus=2\)", 180)
    check_ready(t, m, 2, 512)


@system_test(timeout=240)
def pit_calibration_and_xapic_without_hpet(t):
    m = t.machine(cpus=2, memory="512M", cmdline="hpet=off x2apic=off")
    m.expect(r"time: TSC at \d+\.\d+ MHz \(calibrated against the PIT\)", 180)
    check_ready(t, m, 2, 512)


@system_test(timeout=400)
def bochs_oneshot_timer_and_xapic(t):
    # The other halves of the Bochs run above: xAPIC MMIO, a one-shot LAPIC timer.
    m = t.machine(emulator="bochs", cpus=2, memory="256M",
                  cmdline="x2apic=off tsc_deadline=off")
    m.expect(r"APIC: xAPIC mode", 300)
    m.expect(r"APIC: timer in one-shot mode", 60)
    check_ready(t, m, 2, 256, timeout=300)
