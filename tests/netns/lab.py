#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Packet lab: proves rendered iptables, ip6tables and nft rules on a real kernel.

Network namespaces joined by veth pairs, documentation addresses only
(topology.py draws them): an outside host with a cluster peer behind it,
an inside host that also holds outside addresses (a spoofed source on the
inside), the appliance, and a router between them.  Host mode loads the
rules in the appliance: zones by address on its one interface, or one
interface per zone (eth1 facing outside, eth2 straight to the inside
host).  Gateway mode loads them in the router (FORWARD) and leaves the
appliance open, with zones by address and with zones by interface.  Rules
come from `portspec render`, the expected flows from
`portspec list --format json`, both with the same --set options.

Every flow of the policy gets a real TCP connection (with an echo) or UDP
exchange that must succeed; every listed port from every other host and in
the other direction, the neighbouring ports, the other protocol and a few
unlisted ports get one whose outcome the flows decide (mostly: must fail).
A run without rules first proves the plumbing.  With the FTP flow, a passive
FTP transfer from the appliance to the inside server must pass through the
conntrack helper while a direct connection to the same data port must not.

Modules: topology (namespaces, links, agents), probes (connections and
their outcomes), expectations (what the policy allows), rulesets (profiles,
rendering, loading, hooking fragments), failures (typed failure kinds),
runner (the run).

Exit status: 0 all good, 1 a probe disagreed with the policy (or an error),
77 skipped (not root, no `ip netns`) -- except with CI=true, where a missing
capability is a failure.
"""

import signal
import sys

from failures import LabError
from runner import main
from shell import log


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    # Background jobs of a non-interactive shell start with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        sys.exit(main(sys.argv[1:], __doc__))
    except LabError as e:
        log("ERROR: %s" % e)
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
