# SPDX-License-Identifier: BSD-2-Clause
"""Guest test kernels (tests/guests/) run as domains on the Intel VMX backend.

The machine is Bochs (corei7_icelake_u: EPT with 1 GiB pages and A/D flags, VPID,
unrestricted guest) booting the hypervisor from a GRUB CD (Multiboot 2), as
test_guests.py does under QEMU with SVM. Every kernel of build/guests/manifest.json
runs as a domain and must end as the manifest says: its RESULT line says PASS, or
(expect = crash) the hypervisor crashes that domain and only it. There is no
debug-exit device under Bochs: the checks are the RESULT line and the hypervisor's
"All domains have ended" line, after which its ACPI S5 power-off ends the Bochs
process (that is checked too).

`make test` runs a handful (one kernel per CPU mode, and two guests on two pCPUs);
`make test-vmx` (--slow -k vmx) runs every kernel once, and the other scenarios.

Bochs facts the tests adapt to (see also the workplace's PLATFORM.md):
  - one pCPU per machine for single-guest runs: with two, Bochs runs the CPUs in
    turns of a few instructions and advances its TSC only between turns, so two
    RDTSCs in a row can read the same value (the msr kernels check that the TSC moves
    forward); one CPU is also faster to emulate. The two-pCPU scenarios use two.
  - Bochs's RAM stops at 2048 MiB: the memory kernels, which ask for 3072 MiB, get
    GUEST_MEMORY_CAP_MIB instead (the kernel walks whatever memory map it is given).
"""
import os
import re
import tempfile

from harness import parametrize, system_test
import guest_manifest
from petrel_machine import module_spec

BOCHS_MAX_MIB = 2048
GUEST_MEMORY_CAP_MIB = 1024
BOCHS_TSC_HZ = 100e6                    # ips=100000000 with clock: sync=none
# One kernel per CPU mode, for make test.
QUICK = ("cpuid-64", "mmio-32", "io-real", "exceptions-pae")
FAILURES = r"VM entry failed|VMLAUNCH failed|VMRESUME failed|unexpected VM exit|" \
           r"EPT misconfiguration|FATAL|Panic|BUG"


KERNELS = guest_manifest.load()
if KERNELS is None:
    guest_manifest.missing_manifest_test("kernel", __name__)
    KERNELS = []
TMP = tempfile.mkdtemp(prefix="petrel-vmx-")


def key(k):
    return "%s-%s" % (k["test"], k["mode"])


def kernel_of(test, mode=None):
    for k in KERNELS:
        if k["test"] == test and (mode is None or k["mode"] == mode):
            return k
    return None


def guest_mib(k):
    return min(k["memory"], GUEST_MEMORY_CAP_MIB)


def write_cfg(name, k):
    path = os.path.join(TMP, name + ".cfg")
    with open(path, "w") as f:
        f.write('name = "%s"\ntype = "pvh"\nmemory = %d\nkernel = "%s"\ntestdev = %d\n'
                'vcpus = %d\n' % (name, guest_mib(k), os.path.basename(k["kernel"]),
                                  1 if k["testdev"] else 0, k.get("vcpus", 1)))
    return path


def bochs(t, kernels, cpus=1):
    """A Bochs machine running one domain per kernel (named after it)."""
    mods = [module_spec(write_cfg(key(k), k)) for k in kernels]
    mods += [module_spec(p) for p in sorted({k["kernel"] for k in kernels})]
    mib = min(BOCHS_MAX_MIB, max(512, sum(guest_mib(k) for k in kernels) + 768))
    # A pCPU for each vCPU of an SMP guest (its IPIs need the vCPUs running at once).
    cpus = max([cpus] + [k.get("vcpus", 1) for k in kernels])
    m = t.machine(emulator="bochs", cpus=cpus, memory="%dM" % mib, modules=mods)
    m.expect(r"hvm: VMX backend, EPT second-stage paging", 180)
    return m


def expect_outcomes(m, kernels, timeout):
    """Wait for each kernel's outcome, in whatever order the domains end: its RESULT
    line, which must say PASS, or (expect = crash) its domain's crash. Returns the
    domain ids that passed."""
    want = {key(k): k for k in kernels}
    passed = []
    while want:
        r = m.expect(r"\((d\d+)\) RESULT: (\S+) (\S+): (PASS|FAIL|SKIP)(.*)|"
                     r"\(HV\) d\d+: '([^']*)' crashed: ([^\r\n]*)\r?\n", timeout)
        if r.group(6):
            k = want.pop(r.group(6), None)
            assert k and k["expect"] == "crash" and r.group(7).startswith(k["crash"]), \
                "domain '%s' crashed: %s\n%s" % (r.group(6), r.group(7), m.tail())
            continue
        k = want.pop("%s-%s" % (r.group(2), r.group(3)), None)
        assert k, "an unexpected RESULT line: %s\n%s" % (r.group(0), m.tail())
        assert r.group(4) == "PASS", "%s: %s%s\n%s" % (key(k), r.group(4), r.group(5),
                                                       m.tail())
        passed.append(r.group(1))
    return passed


def expect_end(m):
    """The last domain ended: the hypervisor says so and powers Bochs off (ACPI S5)."""
    m.expect(r"All domains have ended", 120)
    assert m.wait(60) is not None, \
        "Bochs did not end at the hypervisor's power-off:\n" + m.tail()
    m.expect_absent(FAILURES)


def note_exits(t, m, k):
    ex = re.search(r"d\d+v0: (\d+) exits:(.*)", m.console)
    if ex:
        t.note("%s: %s exits:%s" % (key(k), ex.group(1), ex.group(2)))
    # bench-exits: "BENCH <kind> iterations=N tsc=T", T at 100 MHz of Bochs time.
    for b in re.finditer(r"BENCH (\S+) iterations=(\d+) tsc=(\d+)", m.console):
        n, tsc = int(b.group(2)), int(b.group(3))
        t.note("%s: %s: %d iterations in %d TSC cycles: %.0f per second of Bochs time "
               "(%.0f cycles each)" % (key(k), b.group(1), n, tsc, n * BOCHS_TSC_HZ / tsc,
                                       tsc / n))


def run_kernel(t, k):
    m = bochs(t, [k])
    if k["memory"] > GUEST_MEMORY_CAP_MIB:
        t.note("%s: %d MiB instead of %d (Bochs has at most %d MiB)"
               % (key(k), GUEST_MEMORY_CAP_MIB, k["memory"], BOCHS_MAX_MIB))
    expect_outcomes(m, [k], 540)
    expect_end(m)
    note_exits(t, m, k)


QUICK_KERNELS = [k for k in KERNELS if key(k) in QUICK]
SLOW_KERNELS = [k for k in KERNELS if key(k) not in QUICK]
if KERNELS and len(QUICK_KERNELS) != len(QUICK):
    @system_test(timeout=10, name="quick-kernels-exist")
    def quick_kernels_exist(t):
        raise AssertionError("QUICK names kernels the manifest lacks: %s" % sorted(
            set(QUICK) - {key(k) for k in QUICK_KERNELS}))


# Every kernel exactly once: the quick ones in make test, the rest in make test-vmx.
@parametrize(QUICK_KERNELS, key=key)
@system_test(timeout=300, name="kernel")
def kernel_quick(t, k):
    run_kernel(t, k)


@parametrize(SLOW_KERNELS, key=key)
@system_test(timeout=600, slow=True, name="kernel")
def kernel_slow(t, k):
    run_kernel(t, k)


@system_test(timeout=300)
def two_guests_on_two_cpus(t):
    """The second domain's vCPU lives on CPU 1: the domain builder (CPU 0) sets its
    boot state before its VMCS exists, the VMCS is set up on CPU 1, the testdev's
    interrupt is injected there, and at the end CPU 0 has CPU 1 VMCLEAR it."""
    a, b = kernel_of("io", "64"), kernel_of("hlt-irq", "64")
    if not a or not b:
        t.skip("the io-64 and hlt-irq-64 kernels are not built")
    m = bochs(t, [a, b], cpus=2)
    m.expect(r"d2: '%s' starts: 1 vCPU on CPU 1" % re.escape(key(b)), 120)
    expect_outcomes(m, [a, b], 240)
    expect_end(m)


@system_test(timeout=600, slow=True)
def two_guests_share_one_cpu(t):
    """Two domains take turns on one pCPU: VMPTRLD switches between their VMCSs, and
    the MSRs VMX does not switch (KERNEL_GS_BASE, the SYSCALL MSRs) follow each vCPU."""
    a, b = kernel_of("msr", "64"), kernel_of("mmio", "64")
    if not a or not b:
        t.skip("the msr-64 and mmio-64 kernels are not built")
    m = bochs(t, [a, b], cpus=1)
    passed = expect_outcomes(m, [a, b], 400)
    assert len(set(passed)) == 2, "expected two domains to pass, saw %s" % passed
    expect_end(m)


@system_test(timeout=600, slow=True)
def triple_fault_crashes_only_that_guest(t):
    tf, ok = kernel_of("triple-fault", "64"), kernel_of("mmio", "32")
    if not tf or not ok:
        t.skip("the triple-fault-64 and mmio-32 kernels are not built")
    m = bochs(t, [tf, ok], cpus=2)
    expect_outcomes(m, [tf, ok], 400)
    assert re.search(r"d1: '%s' crashed: triple fault" % re.escape(key(tf)), m.console), \
        "the triple-fault domain should crash with a triple fault:\n" + m.tail()
    expect_end(m)


@system_test(timeout=300)
def failed_vm_entry_crashes_only_that_guest(t):
    """break_entry= makes VM entry fail for one domain (EFER bit 63, invalid guest
    state): the hypervisor names the failure and its qualification, crashes that
    domain, and the other runs on."""
    k = kernel_of("hello")
    if not k:
        t.skip("no hello kernel built")
    mods = [module_spec(write_cfg("broken", k)), module_spec(write_cfg("good", k)),
            module_spec(k["kernel"])]
    m = t.machine(emulator="bochs", cpus=1, memory="512M", cmdline="break_entry=broken",
                  modules=mods)
    m.expect(r"VM entry failed: VM-entry failure due to invalid guest state \(exit "
             r"reason 0x80000021, qualification 0\)", 240)
    # The two domains run at once: their lines come in either order.
    m.expect(r"All domains have ended", 300)
    assert re.search(r"d\d+: 'broken' crashed: the CPU refused to enter vCPU 0", m.console), \
        "the broken domain should crash at its first entry:\n" + m.tail()
    assert re.search(r"\(d\d+\) RESULT: hello \S+: PASS", m.console), \
        "the good domain should run and pass:\n" + m.tail()
    assert m.wait(60) is not None, "Bochs did not end at the power-off:\n" + m.tail()
    m.expect_absent(r"FATAL|Panic|BUG")


# CPUs without what the backend needs: a clear refusal, and the host boots on.
REFUSALS = {
    "corei5_lynnfield_750": r"vmx: the CPU has no secondary processor-based VM-execution "
                            r"control \"unrestricted guest\" \(bit 7\)",
    "core2_penryn_t9600": r"vmx: the CPU has no secondary processor-based VM-execution "
                          r"controls \"enable EPT\" \(bit 1\), \"unrestricted guest\"",
}


@parametrize(sorted(REFUSALS))
@system_test(timeout=300, slow=True)
def refuses_cpu(t, model):
    m = t.machine(emulator="bochs", cpus=1, memory="256M", cpu_model=model)
    m.expect(REFUSALS[model] + r".*; VMX not used", 240)
    m.expect(r"hvm: no usable virtualization backend", 30)
    m.expect(r"ready: 1 CPUs online", 60)
    m.expect_absent(r"FATAL|Panic|BUG")
