# SPDX-License-Identifier: MIT
"""Shared helpers for the portspec CLI tests (run with Debian's /usr/bin/python3 -m pytest)."""
import json
import os
import subprocess

import pytest

SRCDIR = os.environ.get("PORTSPEC_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("PORTSPEC_BUILDDIR", os.path.join(SRCDIR, "build"))
EXE = os.environ.get("PORTSPEC_EXE", os.path.join(BUILDDIR, "cli", "portspec"))
IN_CI = os.environ.get("CI") == "true"
REGEN = os.environ.get("PORTSPEC_REGEN") == "1"


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run(*args, exe=None, stdin=None, env=None):
    proc = subprocess.run([exe or EXE, *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)
    return Result(proc)


def need_tool(name):
    """A tool a test needs: CI must have it (.ci/deps.txt); elsewhere skip with the reason."""
    import shutil
    path = shutil.which(name)
    if not path:
        if IN_CI:
            pytest.fail(f"{name} is missing in CI; it is listed in .ci/deps.txt")
        pytest.skip(f"{name} is not installed")
    return path


def schema(name):
    with open(os.path.join(SRCDIR, "docs", name), encoding="utf-8") as f:
        return json.load(f)


def validate(doc, schema_doc, ref=None):
    """Validates with python3-jsonschema; CI must have it."""
    try:
        import jsonschema
    except ImportError:
        if IN_CI:
            pytest.fail("python3-jsonschema is missing in CI; it is listed in .ci/deps.txt")
        return
    if ref:
        schema_doc = {"$defs": schema_doc["$defs"], "$ref": ref}
    jsonschema.Draft202012Validator(schema_doc).validate(doc)
