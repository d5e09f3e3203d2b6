# SPDX-License-Identifier: MIT
"""Running commands and reporting for the packet lab."""

import os
import subprocess
import sys

from failures import LabError

SKIP = 77


def log(msg):
    print(msg, flush=True)


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def fail_or_skip(reason):
    """A missing capability: skip (77), or fail in CI where it must run."""
    if in_ci():
        log("FAIL: %s (CI=true: the packet lab must run here)" % reason)
        sys.exit(1)
    log("SKIP: %s" % reason)
    sys.exit(SKIP)


def run(argv, input_text=None, check=True, timeout=30):
    try:
        p = subprocess.run(argv, input=input_text, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError("%s did not finish within %d s" % (" ".join(argv), timeout))
    if check and p.returncode != 0:
        raise LabError("%s failed (%d): %s" % (" ".join(argv), p.returncode,
                                                (p.stderr or p.stdout).strip()))
    return p
