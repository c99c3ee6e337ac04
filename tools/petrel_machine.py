# SPDX-License-Identifier: BSD-2-Clause
"""Boot the Petrel hypervisor in an emulator and talk to its console.

QEMU (TCG, AMD SVM with nested paging) is the main platform: the hypervisor is
loaded with -kernel (Multiboot 1) and its modules with -initrd. Bochs (Intel VMX
with EPT) has no -kernel: a GRUB CD image is built (Multiboot 2) and booted.

Used by tools/petrel-run (interactive) and by the test suite:

    with Machine(cpus=4, memory="1G") as m:
        m.start()
        m.expect(r"ready: (\\d+) CPUs online")
        m.send("h")
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.path.join(ROOT, "build")

QEMU = "qemu-system-x86_64"
QEMU_CPU = "EPYC,+svm,+npt"
BOCHS_CPU = "corei7_icelake_u"
# QEMU TCG drops some features of the EPYC model, with a warning per feature.
QEMU_NOISE = re.compile(r"TCG doesn't support requested feature")


class ExpectTimeout(AssertionError):
    pass


def parse_size_mib(text):
    """'1G', '256M', '8192' (MiB) -> MiB."""
    m = re.fullmatch(r"(\d+)([KMGT]?)(i?B)?", str(text).strip(), re.I)
    if not m:
        raise ValueError("bad memory size %r (use e.g. 256M or 8G)" % text)
    n, unit = int(m.group(1)), m.group(2).upper()
    return {"": n, "K": n // 1024, "M": n, "G": n * 1024, "T": n * 1024 * 1024}[unit]


def module_spec(path, args=""):
    """A module: the file, and the command line its loader passes (its name first)."""
    return (os.path.abspath(path), args)


class Machine:
    """One emulated machine running the hypervisor, with its console captured."""

    def __init__(self, emulator="qemu", cpus=4, memory="1G", machine="q35", cpu_model=None,
                 cmdline="", modules=(), image=None, extra_args=(), debug_exit=True,
                 name="machine", log_dir=None, debugcon=False):
        if emulator not in ("qemu", "bochs"):
            raise ValueError("emulator must be qemu or bochs")
        self.emulator = emulator
        self.cpus = int(cpus)
        self.memory_mib = parse_size_mib(memory)
        self.machine = machine
        self.cpu_model = cpu_model
        self.cmdline = cmdline
        self.modules = [m if isinstance(m, tuple) else module_spec(m) for m in modules]
        self.image = image
        self.extra_args = list(extra_args)
        self.debug_exit = debug_exit
        # The console is COM1; with debugcon, port 0xe9 instead (a bare-metal guest
        # kernel under plain QEMU, where no hypervisor forwards its output).
        self.debugcon = debugcon
        self.name = name
        self.log_dir = log_dir
        self.proc = None
        self.returncode = None
        self._buf = ""
        self._pos = 0
        self._cond = threading.Condition()
        self._threads = []
        self._tmp = None
        self._stderr = []
        self._sock = None
        self.started_at = None

    # ---- command lines ----

    def qemu_argv(self):
        image = self.image or os.path.join(BUILD, "hypervisor.elf32")
        argv = [QEMU, "-accel", "tcg", "-machine", self.machine,
                "-cpu", self.cpu_model or QEMU_CPU, "-m", "%dM" % self.memory_mib,
                "-smp", str(self.cpus), "-kernel", image, "-display", "none",
                "-no-reboot"]
        argv += ["-debugcon", "stdio", "-serial", "none"] if self.debugcon else \
            ["-serial", "stdio"]
        if self.cmdline:
            argv += ["-append", self.cmdline]
        if self.modules:
            # -initrd takes "file args,file args"; a comma inside is written twice.
            mods = ["%s %s" % (p, a) if a else p for p, a in self.modules]
            argv += ["-initrd", ",".join(m.replace(",", ",,") for m in mods)]
        if self.debug_exit:
            argv += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        return argv + self.extra_args

    def _bochs_prepare(self):
        """Build the GRUB CD and the bochsrc in a private directory."""
        self._tmp = tempfile.mkdtemp(prefix="petrel-bochs-")
        iso_root = os.path.join(self._tmp, "iso")
        os.makedirs(os.path.join(iso_root, "boot", "grub"))
        image = self.image or os.path.join(BUILD, "hypervisor.elf")
        shutil.copy(image, os.path.join(iso_root, "boot", "hypervisor.elf"))
        lines = ["set timeout=0", "set default=0",
                 "serial --unit=0 --speed=115200", "terminal_output serial",
                 'menuentry "Petrel" {',
                 "    multiboot2 /boot/hypervisor.elf %s" % self.cmdline]
        for i, (path, args) in enumerate(self.modules):
            base = os.path.basename(path)
            dest = "m%d-%s" % (i, base)
            shutil.copy(path, os.path.join(iso_root, "boot", dest))
            # The module's command line names it: its first word is its name.
            lines.append("    module2 /boot/%s %s %s" % (dest, base, args))
        lines += ["    boot", "}"]
        with open(os.path.join(iso_root, "boot", "grub", "grub.cfg"), "w") as f:
            f.write("\n".join(lines) + "\n")
        iso = os.path.join(self._tmp, "petrel.iso")
        r = subprocess.run(["grub-mkrescue", "-o", iso, iso_root], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode:
            raise RuntimeError("grub-mkrescue failed:\n" + r.stdout)

        # The console: Bochs connects to our socket as its COM1 (input and output).
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(1)
        port = self._sock.getsockname()[1]
        megs = self.memory_mib
        rc = [
            "megs: %d" % megs,
            "cpu: model=%s, count=%d, ips=100000000, reset_on_triple_fault=0"
            % (self.cpu_model or BOCHS_CPU, self.cpus),
            "romimage: file=/usr/share/bochs/BIOS-bochs-latest",
            "vgaromimage: file=/usr/share/vgabios/vgabios.bin",
            "ata0-master: type=cdrom, path=%s, status=inserted" % iso,
            "boot: cdrom",
            'display_library: rfb, options="timeout=0"',
            "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy",
            "speaker: enabled=0",
            "com1: enabled=1, mode=socket-client, dev=127.0.0.1:%d" % port,
            "port_e9_hack: enabled=1",
            "clock: sync=none",
            "log: %s" % os.path.join(self._tmp, "bochs.log"),
            "panic: action=fatal",
            "magic_break: enabled=1",
        ]
        with open(os.path.join(self._tmp, "bochsrc"), "w") as f:
            f.write("\n".join(rc) + "\n")
        with open(os.path.join(self._tmp, "dbgrc"), "w") as f:
            f.write("c\nquit\n")
        return ["bochs", "-unlock", "-q", "-f", os.path.join(self._tmp, "bochsrc"),
                "-rc", os.path.join(self._tmp, "dbgrc")]

    def bochs_log(self):
        """The tail of bochs.log: it names the reason of a triple fault or failed entry."""
        if not self._tmp:
            return ""
        try:
            with open(os.path.join(self._tmp, "bochs.log"), errors="replace") as f:
                return "".join(f.readlines()[-40:])
        except OSError:
            return ""

    # ---- running ----

    def start(self):
        if self.emulator == "qemu":
            argv = self.qemu_argv()
        else:
            argv = self._bochs_prepare()
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        if self.emulator == "qemu":
            self._reader(self.proc.stdout, self._append)
        else:
            self._reader(self.proc.stdout, lambda s: None)  # the debugger's chatter
            self._reader_sock()
        self._reader(self.proc.stderr, self._stderr_line)
        return self

    def _reader(self, stream, sink):
        def run():
            while True:
                data = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
                if not data:
                    break
                sink(data.decode("utf-8", "replace"))
            with self._cond:
                self._cond.notify_all()
        t = threading.Thread(target=run, daemon=True)
        t.start()
        self._threads.append(t)

    def _reader_sock(self):
        def run():
            self._sock.settimeout(120)
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._conn = conn
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    break
                if not data:
                    break
                self._append(data.decode("utf-8", "replace"))
            with self._cond:
                self._cond.notify_all()
        self._conn = None
        t = threading.Thread(target=run, daemon=True)
        t.start()
        self._threads.append(t)

    def _append(self, text):
        text = text.replace("\r\n", "\n")
        with self._cond:
            self._buf += text
            self._cond.notify_all()

    def _stderr_line(self, text):
        self._stderr_part = getattr(self, "_stderr_part", "") + text
        *lines, self._stderr_part = self._stderr_part.split("\n")
        for line in lines:
            if line.strip() and not QEMU_NOISE.search(line):
                self._stderr.append(line)

    @property
    def console(self):
        with self._cond:
            return self._buf

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines=40):
        out = self.console.splitlines()[-lines:]
        text = "\n".join("    | " + l for l in out) or "    (no console output)"
        if self._stderr:
            text += "\n    emulator stderr:\n" + "\n".join("    ! " + l for l in self._stderr[-10:])
        if self.emulator == "bochs" and not self.running():
            text += "\n    bochs.log tail:\n" + "\n".join(
                "    # " + l for l in self.bochs_log().splitlines()[-15:])
        return text

    def expect(self, pattern, timeout=60):
        """Wait for `pattern` (a regex) in the console after the previous match."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self._buf, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                left = deadline - time.monotonic()
                exited = self.proc.poll() is not None
                if left <= 0 or exited:
                    break
                self._cond.wait(min(left, 0.5))
        if exited:
            # The emulator is gone, but its last output may still be in the pipe:
            # let the readers drain it, then look once more.
            for t in self._threads:
                t.join(5)
            with self._cond:
                m = rx.search(self._buf, self._pos)
                if m:
                    self._pos = m.end()
                    return m
        why = "the emulator exited (status %s)" % self.proc.poll() if exited else \
            "nothing matched within %ds" % timeout
        raise ExpectTimeout("%s: expected /%s/ on the console, but %s; the console "
                            "showed:\n%s" % (self.name, pattern, why, self.tail()))

    def expect_absent(self, pattern):
        """Fail if `pattern` appears anywhere in the console so far."""
        m = re.search(pattern, self.console, re.M)
        if m:
            raise AssertionError("%s: the console shows /%s/ (%r), which it must not:\n%s"
                                 % (self.name, pattern, m.group(0), self.tail()))

    def send(self, text):
        data = text.encode()
        if self.emulator == "qemu":
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        else:
            deadline = time.monotonic() + 30
            while self._conn is None and time.monotonic() < deadline:
                time.sleep(0.1)
            self._conn.sendall(data)

    def wait(self, timeout=60):
        """Wait for the emulator to exit; returns its status (None on timeout)."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for t in self._threads:
            t.join(2)
        return self.returncode

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass
            self.proc.wait()
        if self._sock:
            self._sock.close()
        if self.log_dir and self._buf:
            os.makedirs(self.log_dir, exist_ok=True)
            with open(os.path.join(self.log_dir, self.name + ".console"), "w") as f:
                f.write(self._buf)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
