# SPDX-License-Identifier: MIT
"""Profiles, rendered rulesets and how they are loaded and hooked in.

Rules come from `portspec render`, the expected flows from
`portspec list --format json`, both with the same --set options.  A
fragment is hooked in the way its own header tells the user; the
cross-backend test reads the same headers through fragment_hooks() and
nft_hook_example().
"""

import json
import re

from failures import LabError
from shell import run
from topology import APPLIANCE, APPLIANCE_IF, INSIDE_NETS, PEERS, ROUTER_IF, SERVERS


def zone_interfaces(mode, zoning):
    """The interface each zone is known by, as the profile sets it."""
    if zoning != "interface":
        return {}
    return dict(APPLIANCE_IF) if mode == "host" else {z: ROUTER_IF[z] for z in
                                                      ("outside", "inside")}


def portspec_sets(role, zoning, mode):
    sets = ["inside=%s" % n for n in INSIDE_NETS]
    sets += ["appliance=%s" % a for a in APPLIANCE]
    sets += ["cluster-peer=%s" % a for a in PEERS]
    sets += ["role=%s" % role]
    if role == "standalone":
        # A narrower site: DNS only inside, NTP only outside, some options off.
        sets += ["dns=inside", "ntp=outside", "disable=ssh", "disable=snmp", "disable=ftp"]
        sets += ["server=%s" % s for s in SERVERS]
    if zoning == "interface" and mode == "host":
        # The appliance has one interface per zone.
        sets += ["interface=" + ",".join("%s:%s" % kv for kv in sorted(APPLIANCE_IF.items()))]
    elif zoning == "interface":
        sets += ["outside-interface=%s" % ROUTER_IF["outside"],
                 "inside-interface=%s" % ROUTER_IF["inside"],
                 "appliance-interface=%s" % ROUTER_IF["appliance"]]
    args = []
    for s in sets:
        args += ["--set", s]
    return args


def portspec_flows(exe, sets):
    p = run([exe, "list", "--format", "json"] + sets)
    flows = json.loads(p.stdout)
    for f in flows:
        f["port"] = int(f["port"])
        f["port_last"] = int(f.get("port_last") or f["port"])
    return flows


def portspec_render(exe, backend, mode, fragment, sets):
    argv = [exe, "render", "--backend", backend, "--mode", mode]
    if fragment:
        argv.append("--fragment")
    return run(argv + sets).stdout


def fragment_hooks(text, backend, mode, fallback=True):
    """How to send traffic through an iptables fragment: the commands its
    header documents ("#   iptables [-t raw] -A HOOK -j CHAIN"), or, if it
    documents none and fallback is on, a jump to its chain from the
    standard hooks of each table."""
    tool = "iptables" if backend == "iptables" else "ip6tables"
    cmds = []
    for m in re.finditer(r"^#\s+%s\s+(.*-j\s+\S+)\s*$" % tool, text, re.M):
        cmds.append(m.group(1).split())
    if cmds or not fallback:
        return cmds
    hooks = {"raw": ["PREROUTING", "OUTPUT"],
             "filter": ["INPUT", "OUTPUT"] if mode == "host" else ["FORWARD"]}
    table = None
    chains = {}
    for line in text.splitlines():
        if line.startswith("*"):
            table = line[1:].strip()
        elif line.startswith(":") and table in hooks:
            chains.setdefault(table, line[1:].split()[0])
    for table, chain in chains.items():
        for hook in hooks[table]:
            cmds.append(["-t", table, "-A", hook, "-j", chain])
    return cmds


def nft_hook_example(fragment):
    """The base chains the header of an nft fragment documents: the
    commented lines after its `include` line, or None."""
    lines = fragment.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#\s+include\s", line):
            example = []
            for follow in lines[i + 1:]:
                m = re.match(r"^#   (.*)$", follow)
                if not m:
                    break
                example.append(m.group(1))
            if example:
                return "\n".join(example) + "\n"
    return None


def base_ruleset(backend, mode):
    """A minimal existing ruleset for a fragment to drop into: default drop
    where the fragment works, loopback and ICMP (neighbour discovery) open, no
    state rule -- so only the fragment can let a flow or its replies through."""
    icmp = "icmp" if backend == "iptables" else "ipv6-icmp"
    policy = {"host": ("DROP", "ACCEPT", "DROP"), "gateway": ("ACCEPT", "DROP", "ACCEPT")}[mode]
    lines = ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT", "*filter"]
    for chain, pol in zip(("INPUT", "FORWARD", "OUTPUT"), policy):
        lines.append(":%s %s [0:0]" % (chain, pol))
    if mode == "host":
        lines += ["-A INPUT -i lo -j ACCEPT", "-A OUTPUT -o lo -j ACCEPT",
                  "-A INPUT -p %s -j ACCEPT" % icmp, "-A OUTPUT -p %s -j ACCEPT" % icmp]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def nft_base_ruleset(fragment, mode):
    """The base chains that hook an nft fragment: the example its header
    documents, or else base chains in the fragment's table that drop by
    default and jump to its chain."""
    example = nft_hook_example(fragment)
    if example:
        return example
    m = re.search(r"^table\s+(\S+)\s+(\S+)\s*\{", fragment, re.M)
    family, table = m.group(1), m.group(2)
    chain = re.findall(r"^\s*chain\s+(\S+)\s*\{", fragment, re.M)[0]
    out = ["table %s %s {" % (family, table)]
    for hook in (["input", "output"] if mode == "host" else ["forward"]):
        out += ["\tchain %s {" % hook,
                "\t\ttype filter hook %s priority filter; policy drop;" % hook]
        if mode == "host":
            out.append("\t\t%s \"lo\" accept" % ("iifname" if hook == "input" else "oifname"))
        out += ["\t\tjump %s" % chain, "\t}"]
    out.append("}")
    return "\n".join(out) + "\n"


class Firewall:
    """Loads and resets rules in one namespace."""

    def __init__(self, topo, role, backend, variant):
        self.topo = topo
        self.role = role
        self.backend = backend
        legacy = variant == "legacy"
        self.restore = {"iptables": "iptables-legacy-restore" if legacy else "iptables-restore",
                        "ip6tables": "ip6tables-legacy-restore" if legacy else "ip6tables-restore"}

    def reset(self):
        self.topo.nsexec(self.role, ["nft", "flush", "ruleset"])
        # Source ports are reused once the range wraps: a connection tracked
        # under the previous ruleset would pass the next one as ESTABLISHED
        # (and let a mutant survive), so every ruleset starts with no state.
        self.topo.nsexec(self.role, ["conntrack", "-F"])
        if self.backend in self.restore and "legacy" in self.restore[self.backend]:
            empty = ("*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n"
                     "*raw\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n")
            self.topo.nsexec(self.role, [self.restore[self.backend]], input_text=empty)

    def load(self, text):
        if self.backend == "nft":
            self.topo.nsexec(self.role, ["nft", "-f", "-"], input_text=text)
        else:
            self.topo.nsexec(self.role, [self.restore[self.backend]], input_text=text)

    def load_fragment(self, text, mode):
        if self.backend == "nft":
            self.load(text)
            self.load(nft_base_ruleset(text, mode))
            return
        self.load(base_ruleset(self.backend, mode))
        self.topo.nsexec(self.role, [self.restore[self.backend], "--noflush"], input_text=text)
        tool = self.restore[self.backend].replace("-restore", "")
        for cmd in fragment_hooks(text, self.backend, mode):
            self.topo.nsexec(self.role, [tool] + cmd)

    def dump(self):
        if self.backend == "nft" or "legacy" not in self.restore.get(self.backend, ""):
            return self.topo.nsexec(self.role, ["nft", "list", "ruleset"], check=False).stdout
        save = self.restore[self.backend].replace("-restore", "-save")
        return self.topo.nsexec(self.role, [save], check=False).stdout


def flow_rule(line, backend):
    """Whether a rendered line is one a mutant leaves out: a rule that lets a
    flow or its replies through, or assigns the FTP helper.  (Not the RETURN
    that keeps inside addresses out of iptables' outside chain: without it a
    policy whose inside flows include the outside ones is still the same.)"""
    if backend == "nft":
        return bool(re.search(r"\bct state (new\b.*\b(accept|ct helper set)|established)\b",
                              line.strip()))
    return line.startswith("-A ") and any(k in line for k in (
        "--ctstate NEW", "--helper", "--ctstate ESTABLISHED"))


def mutants(rules, backend):
    """Copies of a ruleset, each without one of its flow, state or helper
    rules: [(ruleset, the line taken out)]."""
    lines = rules.split("\n")
    out = []
    for i, line in enumerate(lines):
        if flow_rule(line, backend):
            out.append(("\n".join(lines[:i] + lines[i + 1:]), line.strip()))
    if not out:
        raise LabError("no rule to take out of the ruleset")
    return out
