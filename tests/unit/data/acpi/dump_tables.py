#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Dump the ACPI tables of QEMU's q35 and pc machines for the host unit tests.

Boots the hypervisor (4 CPUs, 1 GiB) on each machine, presses the 'a' debug key
(which prints every table the parser recorded in hex, then the RSDP) and rebuilds the
binary tables from that dump:

    tests/unit/data/acpi/<machine>/<SIG>.bin     one file per table (SSDT-2.bin, ...
                                                 when a signature repeats)
    tests/unit/data/acpi/<machine>/manifest.txt  "SIG FILE ADDRESS LENGTH" per table:
                                                 where the firmware put it

Every table's checksum (and, for the RSDP, the ACPI 1.0 checksum) is verified before
anything is written. Run it once after a QEMU upgrade:

    tests/unit/data/acpi/dump_tables.py [--image build/hypervisor.elf32]

(the image is built with `make` first when it does not exist).
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from petrel_machine import Machine  # noqa: E402

MACHINES = ("q35", "pc")
HEADER = re.compile(r"^\(HV\) ACPI table (\S{4}) at (0x[0-9a-f]+), (\d+) bytes")
HEXLINE = re.compile(r"^\(HV\)\s+([0-9a-f]{4,}):((?: [0-9a-f]{2})+)\s*$")
END = "ACPI tables: end of dump"


def parse_dump(console):
    """[(sig, address, bytes)] from the console text of one 'a' key press."""
    # The dump is the console's tail: parse from its first header line.
    m = re.search(r"^\(HV\) ACPI table \S{4} at ", console, re.M)
    if not m or END not in console:
        raise RuntimeError("no ACPI dump on the console")
    first = m.start()
    tables, cur = [], None
    for line in console[first:console.index(END, first)].splitlines():
        m = HEADER.match(line)
        if m:
            cur = [m.group(1), int(m.group(2), 16), int(m.group(3)), bytearray()]
            tables.append(cur)
            continue
        m = HEXLINE.match(line)
        if m and cur is not None:
            off = int(m.group(1), 16)
            if off != len(cur[3]):
                raise RuntimeError("%s: dump line at offset %#x, expected %#x"
                                   % (cur[0], off, len(cur[3])))
            cur[3] += bytes(int(b, 16) for b in m.group(2).split())
    out = []
    for sig, addr, length, data in tables:
        if len(data) != length:
            raise RuntimeError("%s at %#x: %d bytes dumped, header says %d"
                               % (sig, addr, len(data), length))
        out.append((sig, addr, bytes(data)))
    return out


def check(sig, data):
    """The checksum rules the parser applies."""
    if sig == "RSDP":
        if data[:8] != b"RSD PTR " or sum(data[:20]) % 256:
            raise RuntimeError("RSDP: bad signature or checksum")
        if len(data) >= 36 and sum(data[:36]) % 256:
            raise RuntimeError("RSDP: bad extended checksum")
        return
    if data[:4].decode("ascii", "replace") != sig:
        raise RuntimeError("%s: the data starts with %r" % (sig, data[:4]))
    if int.from_bytes(data[4:8], "little") != len(data):
        raise RuntimeError("%s: length field differs from the dump's length" % sig)
    if sum(data) % 256:
        raise RuntimeError("%s: bad checksum" % sig)


def qemu_version():
    try:
        out = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE,
                             text=True, check=False).stdout
        return out.splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


def dump_machine(machine, image):
    with Machine(cpus=4, memory="1G", machine=machine, image=image,
                 name="acpi-dump-" + machine) as m:
        m.start()
        m.expect(r"ready: ", 120)
        m.send("a")
        m.expect(re.escape(END), 60)
        return parse_dump(m.console)


def write_machine(machine, tables, outdir):
    d = os.path.join(outdir, machine)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".bin"):
            os.unlink(os.path.join(d, f))
    seen = {}
    lines = ["# ACPI tables of QEMU's '%s' machine (4 CPUs, 1 GiB), dumped with the "
             "hypervisor's 'a' debug key" % machine,
             "# by tests/unit/data/acpi/dump_tables.py from %s." % qemu_version(),
             "# SIG FILE ADDRESS LENGTH"]
    for sig, addr, data in tables:
        check(sig, data)
        seen[sig] = seen.get(sig, 0) + 1
        name = sig + (".bin" if seen[sig] == 1 else "-%d.bin" % seen[sig])
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        lines.append("%s %s %#x %d" % (sig, name, addr, len(data)))
    with open(os.path.join(d, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("%s: %s" % (machine, " ".join("%s(%d)" % (s, len(b)) for s, _, b in tables)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", default=os.path.join(ROOT, "build", "hypervisor.elf32"),
                    help="the hypervisor image QEMU loads (default: %(default)s)")
    ap.add_argument("--out", default=HERE, help="output directory (default: %(default)s)")
    ap.add_argument("machines", nargs="*", default=list(MACHINES))
    args = ap.parse_args()
    if not os.path.exists(args.image):
        subprocess.run(["make", "-C", ROOT], check=True)
    for machine in args.machines:
        write_machine(machine, dump_machine(machine, args.image), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
