# SPDX-License-Identifier: MIT
"""The cross-backend test (run with Debian's /usr/bin/python3 -m pytest).

Linux outputs need root and a network namespace: without them the Linux
cases skip with the reason, and fail instead when CI=true."""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

IN_CI = os.environ.get("CI") == "true"
TOOLS = ("ip", "nft", "iptables-nft-restore", "iptables-legacy-restore",
         "ip6tables-nft-restore", "ip6tables-legacy-restore")


def missing(reason):
    if IN_CI:
        pytest.fail("%s (CI=true: the cross-backend test must run here)" % reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kernel():
    if os.geteuid() != 0:
        missing("Linux outputs are loaded in a network namespace, which needs root")
    for tool in TOOLS:
        if shutil.which(tool) is None:
            missing("%s is not installed (.ci/deps.txt lists its package)" % tool)
    from kernel import Kernel, LoadError
    try:
        k = Kernel()
    except LoadError as e:
        missing("no network namespace here: %s" % e)
    yield k
    k.close()
