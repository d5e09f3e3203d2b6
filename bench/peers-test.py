# SPDX-License-Identifier: MIT
"""Checks bench/peers.py's conversion without Capirca or Aerleon.

  peers-test.py PORTSPEC

For a 10- and a 100-service table of bench/gen-spec.py it writes the policy
files (peers.py --convert-only) and checks that each .pol is well formed
(header and term blocks, braces balanced, each term with its addresses,
protocol, port and action), that every name a term uses is defined in the
.net or .svc file, and that there is one term per service, flow (direction,
zone) and protocol of the policy that `portspec list` shows, and none else.
Also that peers.py without a tool says how to use it and exits 0.
"""

import csv
import io
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers.py")


def fail(msg):
    print("peers-test: " + msg)
    sys.exit(1)


def definitions(path):
    """NAME = item [item...] with continuation lines: {NAME: [items]}."""
    defs, name = {}, None
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.split("#", 1)[0].rstrip()
            if not line:
                continue
            m = re.match(r"^([A-Z0-9_]+) = (\S+)$", line)
            if m:
                name = m.group(1)
                if name in defs:
                    fail("%s: %s defined twice" % (path, name))
                defs[name] = [m.group(2)]
            elif line.startswith(" ") and name and len(line.split()) == 1:
                defs[name].append(line.strip())
            else:
                fail("%s: not a definition: %r" % (path, line))
    return defs


def blocks(path):
    """The header and term blocks of a .pol file: [(kind, name, {key: value})]."""
    out, cur = [], None
    with open(path, encoding="ascii") as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s:
                continue
            m = re.match(r"^(header|term ([a-z0-9][a-z0-9_-]*)) \{$", s)
            if m:
                if cur:
                    fail("%s:%d: block inside a block" % (path, n))
                cur = ("term" if m.group(2) else "header", m.group(2), {})
                continue
            if s == "}":
                if not cur:
                    fail("%s:%d: '}' outside a block" % (path, n))
                out.append(cur)
                cur = None
                continue
            m = re.match(r"^([a-z-]+):: (.+)$", s)
            if not m or not cur:
                fail("%s:%d: not a keyword line in a block: %r" % (path, n, s))
            if m.group(1) in cur[2]:
                fail("%s:%d: %s twice" % (path, n, m.group(1)))
            cur[2][m.group(1)] = m.group(2)
    if cur:
        fail("%s: block not closed" % path)
    return out


def check(portspec, n, work):
    subprocess.run([sys.executable, PEERS, "--portspec", portspec, "--sizes", str(n),
                    "--convert-only", work], check=True)
    spec = os.path.join(work, "bench-%d.portspec" % n)
    rows = list(csv.DictReader(io.StringIO(subprocess.run(
        [portspec, "list", "--format", "csv", "--spec", spec, "-q"], check=True,
        capture_output=True, text=True).stdout)))
    want = {(r["service"], r["direction"], r["zone"], r["protocol"]) for r in rows}
    if len(want) < n // 2:
        fail("only %d flows for %d services" % (len(want), n))
    for tool in ("capirca", "aerleon"):
        d = os.path.join(work, "%s-%d" % (tool, n))
        nets = definitions(os.path.join(d, "def", "NETWORK.net"))
        svcs = definitions(os.path.join(d, "def", "SERVICES.svc"))
        for name, items in svcs.items():
            for it in items:
                if not re.match(r"^\d+(-\d+)?/(tcp|udp)$", it):
                    fail("%s: %s: not a port: %s" % (tool, name, it))
        for backend in ("iptables", "nft"):
            bl = blocks(os.path.join(d, "pol", "%s.pol" % backend))
            headers = [b for b in bl if b[0] == "header"]
            if len(headers) != 2 or any("target" not in h[2] for h in headers):
                fail("%s %s: want two headers with a target" % (tool, backend))
            got = set()
            for _k, name, kv in (b for b in bl if b[0] == "term"):
                for key in ("protocol", "destination-port", "action"):
                    if key not in kv:
                        fail("%s %s: term %s has no %s" % (tool, backend, name, key))
                addr = [k for k in kv if k.endswith("-address") or k.endswith("-exclude")]
                if len(addr) != 1 or kv[addr[0]] not in nets:
                    fail("%s %s: term %s: addresses %s" % (tool, backend, name, addr))
                if kv["destination-port"] not in svcs:
                    fail("%s %s: term %s: port %s undefined" % (tool, backend, name,
                                                              kv["destination-port"]))
                m = re.match(r"^(.+)-(inbound|outbound)-([a-z]+)-(tcp|udp)$", name)
                if not m or m.group(4) != kv["protocol"]:
                    fail("%s %s: term name %s" % (tool, backend, name))
                key = m.groups()
                if key in got:
                    fail("%s %s: two terms for %s" % (tool, backend, name))
                got.add(key)
            if got != want:
                fail("%s %s: terms %d, flows %d; missing %s, extra %s" % (
                    tool, backend, len(got), len(want), sorted(want - got)[:3],
                    sorted(got - want)[:3]))
    return len(want)


def main():
    portspec = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        for n in (10, 100):
            print("%d services: %d terms per policy file" % (n, check(portspec, n, work)))
    env = {k: v for k, v in os.environ.items()
           if k not in ("CAPIRCA_SRC", "AERLEON_SRC", "CAPIRCA_CMD", "AERLEON_CMD")}
    r = subprocess.run([sys.executable, PEERS, "--portspec", portspec], env=env,
                       capture_output=True, text=True)
    if r.returncode != 0 or "downloads nothing" not in r.stdout:
        fail("without a tool: exit %d, %r" % (r.returncode, r.stdout))
    print("without a tool: exits 0 and says how to use it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
