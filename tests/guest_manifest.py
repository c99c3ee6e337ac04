# SPDX-License-Identifier: BSD-2-Clause
"""The guest test kernels' manifest (build/guests/manifest.json, written by
tests/guests/mkmanifest.py), for the system tests that run them.

A missing manifest is not a reason to pass: `load()` returns None, and a test file
then registers `missing_manifest_test()`, which fails with what to do. A manifest that
does not parse raises at load, so a broken build cannot pass for an empty one.
"""
import json
import os

from harness import system_test

MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build",
                        "guests", "manifest.json")


def load():
    try:
        with open(MANIFEST) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def missing_manifest_test(name, module):
    """Register, as the test file `module` (its __name__), a test `name` that fails."""
    def missing(t):
        raise AssertionError("%s does not exist: build the guest kernels "
                             "(make guests-build)" % os.path.relpath(MANIFEST))
    missing.__module__ = module
    return system_test(timeout=10, name=name)(missing)


def crash_pattern(k):
    """The hypervisor's line for a kernel whose test.conf says `expect = crash`: the
    domain crashed for the reason its `crash` key names."""
    return r"'[^']*' crashed: %s" % k["crash"]
