# SPDX-License-Identifier: BSD-2-Clause
"""Bad input stops the boot with a sentence saying what was wrong, never a triple fault;
a hypervisor bug gives a full report (registers, a trace naming functions) and stops
every CPU."""
import time

from harness import parametrize, system_test


def assert_still_halted(m, seconds=2):
    """A clean stop leaves the machine halted; a triple fault would reset it, and
    with -no-reboot QEMU would exit."""
    time.sleep(seconds)
    assert m.running(), "%s: QEMU exited (status %s): not a clean stop:\n%s" % (
        m.name, m.proc.poll(), m.tail())


@system_test(timeout=120)
def cpu_without_svm_or_vmx(t):
    m = t.machine(cpus=1, memory="256M", cpu_model="EPYC,-svm")
    m.expect(r"Boot failed: this CPU has neither AMD SVM nor Intel VT-x \(VMX\)", 60)
    m.expect(r"the machine is halted", 10)
    assert_still_halted(m)


@system_test(timeout=120)
def too_little_memory(t):
    m = t.machine(cpus=1, memory="48M")
    m.expect(r"Boot failed: only 4\d MiB of RAM; Petrel needs at least 64 MiB", 60)
    assert_still_halted(m)


@system_test(timeout=120)
def no_acpi_tables(t):
    m = t.machine(cpus=1, memory="256M", machine="pc,acpi=off")
    m.expect(r"Boot failed: ACPI: no ACPI RSDP found", 60)
    assert_still_halted(m)


CRASHES = {
    "pagefault": [r"FATAL TRAP on CPU 0: vector 14, page fault \(#PF\)",
                  r"Faulting address 0xdead000: write on a not-present page",
                  r"RIP: +0008:\[<ffffffff8[0-9a-f]+>\] (fault_here|start_hypervisor)\+0x",
                  r"rax: [0-9a-f]{16}", r"Call trace:", r"start_hypervisor\+0x"],
    "stack": [r"FATAL TRAP on CPU 0: vector 8, double fault \(#DF\)",
              r"at the guard page below this CPU's stack .*: stack overflow",
              r"recurse_forever\+0x", r"\.\.\. the frame above \d+ more times"],
    "wx": [r"vector 14, page fault",
           r"write on a present \(protection violation\) page"],
    "nx": [r"vector 14, page fault",
           r"instruction fetch on a present \(protection violation\) page"],
    "bug": [r"BUG on CPU 0 at hypervisor/arch/x86/setup\.c:\d+: crash_test\[0\] == 'b'",
            r"bug_report\+0x"],
    "ud": [r"vector 6, invalid opcode \(#UD\)"],
    "ap": [r"FATAL TRAP on CPU 3: vector 14, page fault", r"fault_here\+0",
           r"call_function_interrupt\+0x"],
}


@parametrize(sorted(CRASHES))
@system_test(timeout=180)
def crash_report(t, kind):
    m = t.machine(cpus=4 if kind == "ap" else 1, memory="256M", cmdline="crash_test=" + kind)
    m.expect(r"crash_test=%s: crashing on purpose" % kind, 120)
    for pattern in CRASHES[kind]:
        m.expect(pattern, 30)
    m.expect(r"All CPUs stopped: the hypervisor is halted", 30)
    assert_still_halted(m)
    m.expect_absent(r"ready: ")
