#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs the portspec apply tests (pytest) when the machine can: root, `ip
netns`, nft, both iptables variants and conntrack.  Otherwise exit 77 (meson:
skipped) with the reason -- except with CI=true, where it must run and a
missing capability is a failure.

  run.py PORTSPEC [pytest options]
"""
import os
import shutil
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = ["ip", "nft", "iptables-nft-restore", "iptables-legacy-restore",
         "ip6tables-nft-restore", "ip6tables-legacy-restore", "conntrack"]


def missing():
    if os.geteuid() != 0:
        return "not root: the apply tests load rules in network namespaces"
    for tool in TOOLS:
        if not shutil.which(tool):
            return "%s not found (Debian packages iptables, nftables, iproute2, conntrack)" % tool
    name = "psapply-probe-%d" % os.getpid()
    p = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if p.returncode != 0:
        return "cannot create a network namespace: " + p.stderr.strip()
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def main():
    os.environ["PORTSPEC_EXE"] = os.path.abspath(sys.argv[1])
    why = missing()
    if why:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            print("FAIL: %s (CI=true: the apply tests must run here)" % why, file=sys.stderr)
            return 1
        print("SKIP: %s" % why, file=sys.stderr)
        return SKIP
    import pytest
    return pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", HERE,
                        os.path.join(HERE, "test_apply.py"),
                        os.path.join(HERE, "test_boot.py"),
                        os.path.join(HERE, "test_dryrun.py")] + sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
