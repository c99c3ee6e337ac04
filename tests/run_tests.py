#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Run Petrel's test suite and end with one line: "N passed, N failed[, N skipped]".

    tests/run_tests.py                 everything but the slow tests
    tests/run_tests.py -k boot         only tests whose name contains "boot"
    tests/run_tests.py --slow          include the slow (exhaustive) tests
    tests/run_tests.py -v              print each test's notes (measured figures)
    tests/run_tests.py --list          list the tests

Two kinds of tests:
  unit/...    host unit tests (cmocka binaries in build/unit/), one result per case,
              read from their TAP output;
  system/...  whole machines booted under QEMU or Bochs (tests/system/test_*.py),
              several at a time (-j, default: the number of CPUs plus one).
Consoles of system tests are kept in build/test-logs/.
"""
import argparse
import concurrent.futures
import glob
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build")
sys.path.insert(0, HERE)
import harness  # noqa: E402

print_lock = threading.Lock()


class Result:
    def __init__(self, name, status, seconds=0.0, message="", notes=()):
        self.name, self.status, self.seconds = name, status, seconds
        self.message, self.notes = message, list(notes)


def report(r, verbose):
    with print_lock:
        tag = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}[r.status]
        line = "%s  %s" % (tag, r.name)
        if r.seconds >= 0.05:
            line += " (%.1fs)" % r.seconds
        if r.status == "skip":
            line += ": " + r.message
        print(line)
        if r.status == "fail" and r.message:
            print("\n".join("      " + l for l in r.message.rstrip().splitlines()))
        if verbose:
            for n in r.notes:
                print("      note: " + n)
        sys.stdout.flush()


# ---- unit tests ----

TAP_LINE = re.compile(r"^(ok|not ok) \d+ - (\S+)(.*)$")


def run_unit_binary(path, verbose):
    base = os.path.basename(path)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    start = time.monotonic()
    try:
        p = subprocess.run([path], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=300)
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), -1
    elapsed = time.monotonic() - start
    results = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = TAP_LINE.match(line)
        if not m:
            continue
        name = "unit/%s/%s" % (base, m.group(2))
        if m.group(1) == "ok":
            results.append(Result(name, "pass"))
        else:
            # cmocka puts the failure's details on the lines before "not ok".
            detail = [l for l in lines[max(0, i - 8):i] if not TAP_LINE.match(l)]
            results.append(Result(name, "fail", message="\n".join(detail) or line))
    if not results or (rc != 0 and all(r.status == "pass" for r in results)):
        results.append(Result("unit/%s" % base, "fail", elapsed,
                              "exited with status %d and %d TAP results; output:\n%s"
                              % (rc, len(results), "\n".join(lines[-30:]))))
    for r in results:
        report(r, verbose)
    return results


# ---- system tests ----

def load_system_tests():
    for path in sorted(glob.glob(os.path.join(HERE, "system", "test_*.py"))):
        mod = "system." + os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(mod, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    for e in harness.REGISTRY:
        short = e["module"].split(".")[-1].replace("test_", "")
        e["full_name"] = "system/%s/%s" % (short, e["name"])
    return harness.REGISTRY


def run_system_test(entry, log_dir, verbose):
    name = entry["full_name"]
    t = harness.Context(name, log_dir)
    start = time.monotonic()
    status, message = "pass", ""
    result = {}

    def body():
        try:
            entry["fn"](t)
            result["status"] = "pass"
        except harness.Skip as e:
            result["status"], result["message"] = "skip", str(e)
        except AssertionError as e:
            result["status"], result["message"] = "fail", str(e)
        except Exception:
            result["status"], result["message"] = "fail", traceback.format_exc()

    th = threading.Thread(target=body, daemon=True)
    th.start()
    th.join(entry["timeout"])
    if th.is_alive():
        status = "fail"
        message = "took longer than its %ds limit" % entry["timeout"]
        for m in t.machines:
            message += "\n%s console:\n%s" % (m.name, m.tail())
        t.cleanup()
        th.join(10)
    else:
        status, message = result.get("status", "fail"), result.get("message", "")
    t.cleanup()
    r = Result(name, status, time.monotonic() - start, message, t.notes)
    report(r, verbose)
    return [r]


def main():
    ap = argparse.ArgumentParser(description="Run Petrel's tests.")
    ap.add_argument("-k", "--filter", action="append", default=[],
                    help="run only tests whose name contains this (repeatable)")
    ap.add_argument("-j", "--jobs", type=int, default=(os.cpu_count() or 2) + 1)
    ap.add_argument("--slow", action="store_true", help="include slow tests")
    ap.add_argument("--no-unit", action="store_true")
    ap.add_argument("--no-system", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()

    def wanted(name):
        return not a.filter or any(f in name for f in a.filter)

    units = [] if a.no_unit else sorted(p for p in glob.glob(os.path.join(BUILD, "unit", "test_*"))
                                        if os.access(p, os.X_OK) and not p.endswith(".d"))
    units = [u for u in units if wanted("unit/" + os.path.basename(u))]
    systems = [] if a.no_system else [e for e in load_system_tests()
                                      if wanted(e["full_name"]) and (a.slow or not e["slow"])]
    if a.list:
        for u in units:
            print("unit/" + os.path.basename(u))
        for e in systems:
            print(e["full_name"] + (" (slow)" if e["slow"] else "") +
                  (" (exclusive)" if e.get("exclusive") else ""))
        return 0

    log_dir = os.path.join(BUILD, "test-logs")
    os.makedirs(log_dir, exist_ok=True)
    results = []
    start = time.monotonic()
    # Slow boots first, so that the pool drains evenly; the exclusive ones (timing
    # measurements) afterwards, one at a time.
    systems.sort(key=lambda e: -e["timeout"])
    shared = [e for e in systems if not e.get("exclusive")]
    alone = [e for e in systems if e.get("exclusive")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futures = [pool.submit(run_system_test, e, log_dir, a.verbose) for e in shared]
        for u in units:
            results += run_unit_binary(u, a.verbose)
        for f in futures:
            results += f.result()
    for e in alone:
        results += run_system_test(e, log_dir, a.verbose)

    passed = sum(r.status == "pass" for r in results)
    failed = sum(r.status == "fail" for r in results)
    skipped = sum(r.status == "skip" for r in results)
    if failed:
        print("\nFailed:")
        for r in results:
            if r.status == "fail":
                print("  " + r.name)
    print("(%.0f s; consoles in %s)" % (time.monotonic() - start, os.path.relpath(log_dir)))
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
