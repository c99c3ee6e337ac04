# SPDX-License-Identifier: BSD-2-Clause
"""Guest test kernels (tests/guests/) run as domains of the hypervisor.

Every kernel in build/guests/manifest.json boots as a PVH domain under QEMU TCG with
AMD SVM, and must end as the manifest says: "pass" (its RESULT line says PASS and the
hypervisor hands its exit code 0 to QEMU), or "crash" (the hypervisor crashes that
domain, and only it). Then the scenarios the issue asks for: eight guests at once, a
guest that triple-faults while another runs, and bad configurations and images, each
refused with a message naming the file while the other domains run.
"""
import time
import os
import re
import tempfile

from harness import parametrize, system_test
import guest_manifest
from petrel_machine import module_spec

KERNELS = guest_manifest.load()
if KERNELS is None:
    guest_manifest.missing_manifest_test("kernel", __name__)
    KERNELS = []
TMP = tempfile.mkdtemp(prefix="petrel-guests-")


def test_dir(t):
    """A directory of the test's own: tests run in parallel and module names (file
    basenames) must not collide between them."""
    d = os.path.join(TMP, re.sub(r"[^A-Za-z0-9_.-]", "_", t.name))
    os.makedirs(d, exist_ok=True)
    return d


def write_cfg(name, kernel, memory=64, testdev=True, extra="", filename=None, where=TMP):
    path = os.path.join(where, filename or (name + ".cfg"))
    with open(path, "w") as f:
        f.write('name = "%s"\ntype = "pvh"\nmemory = %d\nkernel = "%s"\ntestdev = %d\n%s'
                % (name, memory, os.path.basename(kernel), 1 if testdev else 0, extra))
    return path


def host_memory(guest_mib):
    return "%dM" % max(512, guest_mib + 768)


def kernel_of(test, mode=None):
    for k in KERNELS:
        if k["test"] == test and (mode is None or k["mode"] == mode):
            return k
    return None


def run_result(m, test, mode, timeout):
    """The guest's RESULT line; fails with the console when there is none."""
    r = m.expect(r"\(d\d+\) RESULT: %s %s: (PASS|FAIL|SKIP)(.*)" % (re.escape(test),
                                                                   re.escape(mode)), timeout)
    return r.group(1), r.group(2).lstrip(": ")


def kernel_key(k):
    return "%s-%s" % (k["test"], k["mode"])


@parametrize([k for k in KERNELS if not k.get("timing")], key=kernel_key)
@system_test(timeout=300)
def kernel(t, k):
    run_kernel(t, k)


# Kernels that measure time run alone (harness.py, `exclusive`).
@parametrize([k for k in KERNELS if k.get("timing")], key=kernel_key)
@system_test(timeout=300, name="kernel", exclusive=True)
def kernel_timing(t, k):
    run_kernel(t, k)


def run_kernel(t, k):
    vcpus = k.get("vcpus", 1)
    cfg = write_cfg("%s-%s" % (k["test"], k["mode"]), k["kernel"], k["memory"], k["testdev"],
                    extra="vcpus = %d\n" % vcpus)
    # As many host CPUs as the guest has vCPUs: each vCPU gets a pCPU of its own.
    m = t.machine(cpus=max(2, vcpus), memory=host_memory(k["memory"]),
                  modules=[module_spec(cfg), module_spec(k["kernel"])])
    if k["expect"] == "crash":
        m.expect(r"\(HV\) d1: " + guest_manifest.crash_pattern(k), 240)
        m.expect(r"All domains have ended", 30)
        return
    result, why = run_result(m, k["test"], k["mode"], 240)
    assert result == "PASS", "%s %s: %s: %s\n%s" % (k["test"], k["mode"], result, why, m.tail())
    status = m.wait(60)
    assert status == 1, "QEMU should exit with status 1 (guest code 0), got %r:\n%s" % (
        status, m.tail())
    ex = re.search(r"d1v0: (\d+) exits:(.*)", m.console)
    if ex:
        t.note("%s %s: %s exits:%s" % (k["test"], k["mode"], ex.group(1), ex.group(2)))


@system_test(timeout=300)
def eight_guests_at_once(t):
    k = kernel_of("hello")
    if not k:
        t.skip("no hello kernel built")
    cfgs = [write_cfg("hello%d" % i, k["kernel"], 32, False) for i in range(8)]
    m = t.machine(cpus=4, memory="1G",
                  modules=[module_spec(c) for c in cfgs] + [module_spec(k["kernel"])])
    m.expect(r"domains: 8 of 8 configurations built", 120)
    seen = set()
    for _ in range(8):
        r = m.expect(r"\((d\d+)\) RESULT: hello \S+: PASS", 240)
        seen.add(r.group(1))
    assert len(seen) == 8, "expected 8 distinct domains to pass, saw %s" % sorted(seen)
    m.expect(r"All domains have ended", 120)
    assert m.wait(60) == 1, "the last guest's code 0 should reach QEMU:\n" + m.tail()


@system_test(timeout=300)
def triple_fault_crashes_only_that_guest(t):
    tf, ok = kernel_of("triple-fault"), kernel_of("memory", "64") or kernel_of("hello")
    if not tf or not ok:
        t.skip("the triple-fault and hello/memory kernels are not built")
    cfg_tf = write_cfg("tf", tf["kernel"], 64, False)
    cfg_ok = write_cfg("survivor", ok["kernel"], 256, ok["testdev"])
    m = t.machine(cpus=2, memory="1G", modules=[module_spec(cfg_tf), module_spec(cfg_ok),
                                                module_spec(tf["kernel"]),
                                                module_spec(ok["kernel"])])
    m.expect(r"\(HV\) d1: 'tf' crashed: triple fault", 240)
    result, why = run_result(m, ok["test"], ok["mode"], 240)
    assert result == "PASS", "the other guest should run on and pass: %s %s\n%s" % (
        result, why, m.tail())
    m.expect(r"All domains have ended", 60)
    m.expect_absent(r"FATAL|BUG|Panic")


@system_test(timeout=300)
def hostile_guest_does_not_disturb_another(t):
    """platform-fuzz writes garbage to every virtual platform device from two vCPUs;
    beside it, msi-intx uses the same kinds of devices (its own instances) and must
    pass as if alone, and the hypervisor must report nothing wrong."""
    fz, ok = kernel_of("platform-fuzz", "64"), kernel_of("msi-intx", "64")
    if not fz or not ok:
        t.skip("the platform-fuzz and msi-intx kernels are not built")
    where = test_dir(t)
    cfg_fz = write_cfg("fuzz", fz["kernel"], fz["memory"], False, "vcpus = 2\n", where=where)
    cfg_ok = write_cfg("neighbour", ok["kernel"], ok["memory"], True, "vcpus = 2\n",
                       where=where)
    m = t.machine(cpus=2, memory="1G", modules=[module_spec(cfg_fz), module_spec(cfg_ok),
                                                module_spec(fz["kernel"]),
                                                module_spec(ok["kernel"])])
    m.expect(r"All domains have ended", 240)
    for test in ("platform-fuzz", "msi-intx"):
        assert re.search(r"\(d\d+\) RESULT: %s 64: PASS" % test, m.console), \
            "%s should pass beside the other:\n%s" % (test, m.tail())
    m.expect_absent(r"FATAL|BUG|Panic|crashed")


@system_test(timeout=300)
def failed_vm_entry_crashes_only_that_guest(t):
    """break_entry= makes the CPU refuse one domain's first VMRUN (EFER bit 63): the
    hypervisor reports it, crashes that domain and the other runs on."""
    k = kernel_of("hello")
    if not k:
        t.skip("no hello kernel built")
    where = test_dir(t)
    bad = write_cfg("broken", k["kernel"], 32, False, where=where)
    good = write_cfg("good", k["kernel"], 32, False, where=where)
    m = t.machine(cpus=2, memory="1G", cmdline="break_entry=broken",
                  modules=[module_spec(bad), module_spec(good), module_spec(k["kernel"])])
    # The two domains run at once: their lines come in either order.
    m.expect(r"All domains have ended", 240)
    assert re.search(r"d\d+: 'broken' crashed: the CPU refused to enter vCPU 0 \(SVM exit "
                     r"0xffffffff(ffffffff)?, ", m.console), \
        "the broken domain should crash at its first entry:\n" + m.tail()
    assert re.search(r"\(d\d+\) RESULT: hello \S+: PASS", m.console), \
        "the good domain should run and pass:\n" + m.tail()
    m.expect_absent(r"FATAL|BUG|Panic")


# Bad input: (file name, contents or a function making the file, message expected).
def _truncated_kernel(src, dst):
    data = open(src, "rb").read()
    open(dst, "wb").write(data[:0x60])          # the ELF header and half a phdr


def _overlapping_kernel(src, dst):
    data = bytearray(open(src, "rb").read())
    # ELF32: e_phoff at 28, e_phentsize at 42, e_phnum at 44. Make the second PT_LOAD
    # start where the first does.
    phoff = int.from_bytes(data[28:32], "little")
    phentsize = int.from_bytes(data[42:44], "little")
    phnum = int.from_bytes(data[44:46], "little")
    loads = [phoff + i * phentsize for i in range(phnum)
             if int.from_bytes(data[phoff + i * phentsize:][:4], "little") == 1]
    if len(loads) >= 2:
        data[loads[1] + 12:loads[1] + 16] = data[loads[0] + 12:loads[0] + 16]  # p_paddr
    open(dst, "wb").write(bytes(data))


BAD_CONFIGS = {
    "unknown-key": ('memroy = 64\n', r"bad\.cfg:\d+: unknown key 'memroy'"),
    "bad-value": ('vcpus = "two"\n', r"bad\.cfg:\d+: .*vcpus"),
    "missing-image": ('kernel = "nosuch.elf"\n',
                      r"bad\.cfg: kernel 'nosuch\.elf' is not among the boot modules"),
    "too-big": (None, r"bad\.cfg: cannot create domain 'bad': out of memory"),
    "truncated-elf": (_truncated_kernel,
                      r"bad\.cfg: kernel 'broken\.elf': the ELF program headers are "
                      r"missing or truncated"),
    "overlapping-segments": (_overlapping_kernel,
                             r"bad\.cfg: kernel 'broken\.elf': segments at 0x[0-9a-f]+ "
                             r"and 0x[0-9a-f]+ overlap"),
}


@parametrize(sorted(BAD_CONFIGS))
@system_test(timeout=300)
def bad_config_is_refused_others_run(t, kind):
    k = kernel_of("hello")
    if not k:
        t.skip("no hello kernel built")
    change, message = BAD_CONFIGS[kind]
    mods = [k["kernel"]]
    where = test_dir(t)
    if kind == "too-big":
        bad = write_cfg("bad", k["kernel"], 4096, False, filename="bad.cfg", where=where)
    elif callable(change):
        broken = os.path.join(where, "broken.elf")
        change(k["kernel"], broken)
        bad = write_cfg("bad", broken, 32, False, filename="bad.cfg", where=where)
        mods.append(broken)
    else:
        bad = os.path.join(where, "bad.cfg")
        text = 'name = "bad"\ntype = "pvh"\nmemory = 32\nkernel = "%s"\n' % os.path.basename(
            k["kernel"])
        if change.startswith("kernel"):
            text = text.replace('kernel = "%s"\n' % os.path.basename(k["kernel"]), change)
        else:
            text += change
        open(bad, "w").write(text)
    good = write_cfg("good", k["kernel"], 32, False, where=where)
    m = t.machine(cpus=2, memory="1G",
                  modules=[module_spec(bad), module_spec(good)] + [module_spec(x) for x in mods])
    m.expect(message, 120)
    m.expect(r"domain not built", 10)
    m.expect(r"domains: 1 of 2 configurations built", 60)
    result, why = run_result(m, "hello", k["mode"], 240)
    assert result == "PASS", "the good domain should run: %s %s\n%s" % (result, why, m.tail())


@system_test(timeout=300)
def pause_unpause_and_domain_keys(t):
    k = kernel_of("demo")
    if not k:
        t.skip("no demo kernel built")
    cfg = write_cfg("demo", k["kernel"], 32, True, extra='cmdline = "ticks=0"\n',
                    where=test_dir(t))
    m = t.machine(cpus=2, memory="512M", modules=[module_spec(cfg), module_spec(k["kernel"])])
    m.expect(r"\(d1\) demo: uptime 2 s", 120)
    m.send("q")
    m.expect(r"d1 'demo': 1 vCPUs, 3\d MiB RAM", 30)
    m.send("e")
    m.expect(r"d1v0: \d+ exits: .*hlt=\d+", 30)
    m.send("z")
    m.expect(r"Paused 1 domain", 30)
    mark = len(m.console)
    time.sleep(4)
    ticks = re.findall(r"demo: uptime \d+ s", m.console[mark:])
    assert not ticks, "a paused domain ticked: %s\n%s" % (ticks, m.tail())
    m.send("z")
    m.expect(r"Unpaused 1 domain", 30)
    m.expect(r"\(d1\) demo: uptime \d+ s", 60)
