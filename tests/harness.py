# SPDX-License-Identifier: BSD-2-Clause
"""What system tests use: the @system_test decorator and the per-test context.

A system test is a function taking a context `t`:

    @system_test(timeout=120)
    def boot_q35(t):
        m = t.machine(cpus=4, memory="1G")
        m.expect(r"ready: 4 CPUs online")

It fails by raising AssertionError (Machine.expect raises one that shows what was
expected and what the console showed), is skipped by t.skip(reason), and may record
figures with t.note() (printed by the runner with -v, and by `make bench`).
Machines made through t.machine() are started, and stopped when the test ends.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from petrel_machine import Machine  # noqa: E402,F401

REGISTRY = []


class Skip(Exception):
    pass


def system_test(timeout=180, slow=False, name=None, exclusive=False):
    """Register a system test. `slow` ones run only with --slow (make test-slow).
    `exclusive` ones measure time (interrupt rates, clocks against each other) and
    run one at a time after the others, on an otherwise idle host: on a 2-CPU
    machine shared with other emulators, a guest's timer ticks come late and bunch
    up, which no honest tolerance absorbs."""
    def wrap(fn):
        REGISTRY.append({"fn": fn, "timeout": timeout, "slow": slow, "exclusive": exclusive,
                         "name": name or fn.__name__.replace("_", "-"),
                         "module": fn.__module__})
        return fn
    return wrap


def parametrize(values, key=str):
    """Register one test per value: @parametrize([...]) above @system_test(...)."""
    def wrap(fn):
        entry = REGISTRY.pop()  # the one @system_test just added
        for v in values:
            e = dict(entry)
            e["name"] = "%s[%s]" % (entry["name"], key(v))
            e["fn"] = (lambda f, val: lambda t: f(t, val))(entry["fn"], v)
            REGISTRY.append(e)
        return fn
    return wrap


class Context:
    def __init__(self, name, log_dir):
        self.name = name
        self.log_dir = log_dir
        self.machines = []
        self.notes = []

    def machine(self, start=True, **kw):
        kw.setdefault("name", "%s-%d" % (self.name.replace("/", "_"), len(self.machines)))
        kw.setdefault("log_dir", self.log_dir)
        m = Machine(**kw)
        self.machines.append(m)
        if start:
            m.start()
        return m

    def note(self, text):
        self.notes.append(text)

    def skip(self, reason):
        raise Skip(reason)

    def cleanup(self):
        for m in self.machines:
            m.stop()
