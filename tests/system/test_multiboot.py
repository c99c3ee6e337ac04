# SPDX-License-Identifier: BSD-2-Clause
"""No or corrupt Multiboot information: a clear sentence and a clean stop.

build/tests/mbshim.elf (tests/tools/mbshim) is a test boot loader: QEMU starts it,
and it enters the real hypervisor image with the boot information broken as asked.
"""
import os
import time

from harness import parametrize, system_test
from petrel_machine import BUILD, module_spec

SHIM = os.path.join(BUILD, "tests", "mbshim.elf")
HV = os.path.join(BUILD, "hypervisor.elf")

CASES = {
    "badmagic": r"Petrel: not started by a Multiboot loader \(bad magic in EAX\)",
    "nomem": r"Boot failed: bad Multiboot information: the loader gave no memory map "
             r"and no memory size",
    "shortmmap": r"Boot failed: bad Multiboot information: a memory map entry is "
                 r"shorter than 20 bytes",
    "longcmd": r"Boot failed: bad Multiboot information: the command line string at "
               r"0x[0-9a-f]+ is longer than 1023 bytes",
    "mb2noend": r"Boot failed: bad Multiboot information: the Multiboot 2 information "
                r"has no end tag",
    "mb2bigtag": r"Boot failed: bad Multiboot information: a Multiboot 2 tag has an "
                 r"impossible size",
}


def shim_machine(t, mode):
    return t.machine(cpus=1, memory="256M", image=SHIM, modules=[module_spec(HV, "mode=" + mode)])


@system_test(timeout=120)
def shim_with_good_information_boots(t):
    # The control: the shim's own loading is sound, so the failures below are the
    # hypervisor's answers to the broken information alone.
    m = shim_machine(t, "good")
    m.expect(r"ready: 1 CPUs online", 90)


@parametrize(sorted(CASES))
@system_test(timeout=120)
def broken_information(t, mode):
    m = shim_machine(t, mode)
    m.expect(CASES[mode], 60)
    time.sleep(2)
    assert m.running(), "QEMU exited (a triple fault?) instead of halting:\n" + m.tail()
    m.expect_absent(r"ready:|FATAL")
