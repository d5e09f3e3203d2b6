#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The packet lab's own test: it passes correct hand-written rulesets and
catches each deliberately broken variant of them (a missing flow, an extra
port, a wrong zone, blocked IPv6 neighbour discovery, a missing FTP helper,
and, with an interface per zone, a zone matched by its interface alone,
which lets a spoofed source in, or by its addresses alone).  Needs no
renderer."""

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "lab.py")
RULES = os.path.join(HERE, "fixtures", "host-central.nft")
IF_RULES = os.path.join(HERE, "fixtures", "host-central-interfaces.nft")
FLOWS = os.path.join(HERE, "fixtures", "flows-central.json")

# name, (old, new) edit of the ruleset or None, what the lab must report
# The FTP transfer is only tried where it is what the case is about.
CASES = [
    ("correct", None, None),
    ("ssh missing", ("{ 22, 25, 443, 465, 4443 }", "{ 25, 443, 465, 4443 }"),
     "MUST PASS, got timeout: inside [192.0.2.10] -> appliance [203.0.113.10] tcp/22"),
    ("neighbour port open", ("udp dport { 53, 123 }", "udp dport { 53, 123, 124 }"),
     "MUST FAIL, got through: appliance [203.0.113.10] -> outside [198.51.100.10] udp/124"),
    ("wrong zone", ("ip saddr @peers4 tcp", "ip saddr != @inside4 tcp"),
     "MUST FAIL, got through: outside [198.51.100.10] -> appliance [203.0.113.10] tcp/4990"),
    ("no neighbour discovery", ("meta l4proto ipv6-icmp accept", "meta l4proto ipv6-icmp drop"),
     "inside [2001:db8:1::10] -> appliance [2001:db8:4::10] tcp/22 inbound: allowed"),
    ("no FTP helper", ('ct helper set "ftp-std"', "accept"),
     "FTP (IPv4) from the appliance to 192.0.2.10 failed"),
]
# The same with an interface per zone (host mode, --zones interface).
IF_CASES = [
    ("interfaces correct", None, None),
    ("inside by interface only", ("ip saddr @inside4 tcp", "tcp"),
     "MUST FAIL, got through: spoof [198.51.100.99] -> appliance [203.0.113.10] tcp/22"),
    ("outside by address only", ('iifname "eth2" jump in-inside',
                                 'iifname "eth2" jump in-inside\n\t\tjump in-outside'),
     "MUST FAIL, got through: spoof [198.51.100.99] -> appliance [203.0.113.10] tcp/25"),
]


def start(tmp, i, rules_path, zones, edit, expect):
    with open(rules_path) as f:
        text = f.read()
    if edit:
        assert edit[0] in text, edit[0]
        text = text.replace(edit[0], edit[1])
    path = os.path.join(tmp, "rules%d.nft" % i)
    with open(path, "w") as f:
        f.write(text)
    argv = [sys.executable, LAB, "--backend", "nft", "--mode", "host", "--zones", zones,
            "--role", "central", "--ruleset", path, "--flows", FLOWS, "--timeout", "5"]
    if expect is not None and "FTP" not in expect:
        argv.append("--no-ftp")
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main():
    failures = 0
    cases = [(RULES, "address") + c for c in CASES] + [(IF_RULES, "interface") + c
                                                       for c in IF_CASES]
    with tempfile.TemporaryDirectory() as tmp:
        # The cases run at the same time, each in its own namespaces.
        procs = [start(tmp, i, rules, zones, edit, expect)
                 for i, (rules, zones, _name, edit, expect) in enumerate(cases)]
        deadline = time.monotonic() + 120
        for (_rules, _zones, name, edit, expect), p in zip(cases, procs):
            try:
                out, _ = p.communicate(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.terminate()  # the lab removes its namespaces on SIGTERM
                out, _ = p.communicate(timeout=30)
            if p.returncode == 77:
                print(out, end="")
                return 77
            if expect is None:
                good = p.returncode == 0
            else:
                good = p.returncode == 1 and expect in out
            print("%s %s (lab exit %d)" % ("ok  " if good else "FAIL", name, p.returncode))
            if not good:
                failures += 1
                print(out)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
