#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of the audit's analysis against the kernel.

Three network namespaces, documentation and benchmarking addresses only:

    client (eth0) ---- (vc) firewall (vs) ---- (eth0) server

* client    198.18.1.16-47    2001:db8:a::10-2f   (default route via the firewall)
* firewall  198.18.1.1-5 on vc, 198.18.2.1 on vs; 2001:db8:a::1-5, 2001:db8:b::1; it routes
* server    198.18.2.16-47    2001:db8:b::10-2f

Random rulesets -- chains, jumps, gotos, returns, negations, multiport,
iprange, connection state, TCP flags, REJECT and DROP, policies, matches the
analysis does not model; as iptables and ip6tables rules, and as nft rules
(one inet table, sometimes a second base chain on a hook) -- are loaded into
the firewall.  They are read back from the kernel (iptables-save,
ip6tables-save, nft -j list ruleset), and `portspec trace` gives the packet
classes of every hook (input: client to firewall, forward: client to
server, output: firewall to client) with their verdicts.  Then real TCP
connections and UDP exchanges are made at every class boundary inside the
lab's address and port pools (so every neighbour of a boundary is probed
too), and each outcome must be what the class's verdict says: accepted
connections work, all others do not; a first packet that is dropped times
out and one that is rejected gets an error back.  Classes the analysis
calls indeterminate are counted, never compared: the point is that it never
gives a wrong certain verdict.

Exit status: 0 no disagreement, 1 a disagreement (or an error), 77 skipped
(not root, no ip netns) -- except with CI=true, where that is a failure.
"""

import argparse
import ipaddress
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from failures import LabError  # noqa: E402  (the packet lab: its probe agent and helpers)
from shell import fail_or_skip, run  # noqa: E402
from topology import Agent, kill_netns_pids, netns_list, pid_alive  # noqa: E402

PREFIX = "psdiff-"
CLIENT4 = [ipaddress.ip_address("198.18.1.%d" % i) for i in range(16, 48)]
SERVER4 = [ipaddress.ip_address("198.18.2.%d" % i) for i in range(16, 48)]
FW4 = [ipaddress.ip_address("198.18.1.%d" % i) for i in range(1, 6)]
CLIENT6 = [ipaddress.ip_address("2001:db8:a::%x" % i) for i in range(0x10, 0x30)]
SERVER6 = [ipaddress.ip_address("2001:db8:b::%x" % i) for i in range(0x10, 0x30)]
FW6 = [ipaddress.ip_address("2001:db8:a::%x" % i) for i in range(1, 6)]
PORTS = [21, 22, 25, 53, 80, 443, 1000, 2000, 3000, 4000, 5000, 8080, 9000]
# Never a port the agents listen on: a listener holds it for every address.
SPORTS = [1010, 1023, 1024, 1025, 30000, 40000, 50000, 60000]

# Which pools each hook's connections come from and go to.
POOLS = {
    "input": {4: (CLIENT4, FW4), 6: (CLIENT6, FW6)},
    "forward": {4: (CLIENT4, SERVER4), 6: (CLIENT6, SERVER6)},
    "output": {4: (FW4, CLIENT4), 6: (FW6, CLIENT6)},
}
# The probing agent and the listening one, per hook.
ENDS = {"input": ("client", "firewall"), "forward": ("client", "server"),
        "output": ("firewall", "client")}
IFACES = {"input": ("vc", None), "forward": ("vc", "vs"), "output": (None, "vc")}


def log(msg):
    print(msg, flush=True)


# ---- the lab ------------------------------------------------------------------


class Lab:
    def __init__(self):
        self.tag = "%s%d-" % (PREFIX, os.getpid())
        self.ns = {}
        self.agents = {}

    def name(self, role):
        return self.tag + role

    def sh(self, role, script):
        return run(["ip", "netns", "exec", self.ns[role], "sh", "-ec", script])

    def nsrun(self, role, argv, **kw):
        return run(["ip", "netns", "exec", self.ns[role]] + argv, **kw)

    def build(self):
        for role in ("client", "firewall", "server"):
            self.ns[role] = self.name(role)
            run(["ip", "netns", "add", self.ns[role]])
        run(["ip", "link", "add", "eth0", "netns", self.ns["client"], "type", "veth",
                 "peer", "name", "vc", "netns", self.ns["firewall"]])
        run(["ip", "link", "add", "eth0", "netns", self.ns["server"], "type", "veth",
                 "peer", "name", "vs", "netns", self.ns["firewall"]])
        common = ("echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad\n"
                  "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad\nip link set lo up\n")

        def addrs(ifname, v4, v6, plen4, plen6):
            return "".join("ip addr add %s/%d dev %s\n" % (a, plen4, ifname) for a in v4) + \
                "".join("ip addr add %s/%d dev %s nodad\n" % (a, plen6, ifname) for a in v6) + \
                "ip link set %s up\n" % ifname

        self.sh("client", common + addrs("eth0", CLIENT4, CLIENT6, 24, 64)
                + "ip route add default via 198.18.1.1\nip -6 route add default via 2001:db8:a::1\n")
        self.sh("server", common + addrs("eth0", SERVER4, SERVER6, 24, 64)
                + "ip route add default via 198.18.2.1\nip -6 route add default via 2001:db8:b::1\n")
        # The errors a REJECT sends are ICMP, which the kernel rate-limits per
        # destination: a batch of probes from one source would lose them.
        self.sh("firewall", common + "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
                + "echo 0 > /proc/sys/net/ipv4/icmp_ratelimit\n"
                + "echo 0 > /proc/sys/net/ipv4/icmp_ratemask\n"
                + "echo 0 > /proc/sys/net/ipv6/icmp/ratelimit\n"
                + "[ ! -e /proc/sys/net/ipv6/icmp/ratemask ] || "
                  "echo 0 > /proc/sys/net/ipv6/icmp/ratemask\n"
                + "echo 1 > /proc/sys/net/ipv6/conf/all/forwarding\n"
                + addrs("vc", FW4, FW6, 24, 64)
                + addrs("vs", ["198.18.2.1"], ["2001:db8:b::1"], 24, 64))
        for role in self.ns:
            self.agents[role] = Agent(self.ns[role])
        for agent in self.agents.values():
            agent.wait(0, 30)
        ports = sorted(set(PORTS) | {p + d for p in PORTS for d in (-1, 1)})
        for role, agent in self.agents.items():
            rep = agent.call({"op": "listen", "tcp": ports, "udp": ports})
            if rep["errors"]:
                raise LabError("listeners in %s: %s" % (role, "; ".join(rep["errors"])))
        return ports

    def close(self):
        for agent in self.agents.values():
            try:
                agent.stop()
            except Exception:  # cleanup goes on whatever happens
                pass
        for name in list(self.ns.values()) + [n for n in netns_list()
                                               if n.startswith(self.tag)]:
            kill_netns_pids(name)
            run(["ip", "netns", "del", name], check=False)


def remove_stale():
    for name in netns_list():
        m = re.match(r"^%s(\d+)-" % re.escape(PREFIX), name)
        if m and not pid_alive(int(m.group(1))):
            kill_netns_pids(name)
            run(["ip", "netns", "del", name], check=False)


# ---- rulesets -----------------------------------------------------------------


class Gen:
    """An abstract random ruleset, rendered as iptables-restore or nft input."""

    HOOKS = ("input", "forward", "output")

    def __init__(self, rnd, families):
        self.rnd = rnd
        self.families = families
        self.unknown = 0
        self.open_output = {}

    def cidr(self, family, pool):
        a = self.rnd.choice(pool)
        plen = self.rnd.choice([24, 26, 27, 28, 29, 30, 31, 32] if family == 4 else
                               [64, 120, 122, 124, 125, 126, 127, 128])
        return str(ipaddress.ip_network("%s/%d" % (a, plen), strict=False))

    def pool(self, hook, family, side):
        src, dst = POOLS[hook][family]
        return src if side == "src" else dst

    def port_range(self):
        a = self.rnd.choice(PORTS)
        if self.rnd.random() < 0.6:
            return (a, a)
        b = self.rnd.choice(PORTS)
        return (min(a, b), max(a, b))

    def match(self, hook, family, proto):
        """One random match (kind, negated, value), valid for the hook."""
        r = self.rnd
        kinds = ["src", "dst", "state", "iprange"]
        if proto:
            kinds += ["dport", "dport", "multiport", "sport"]
        if proto == "tcp":
            kinds.append("syn")
        if hook != "output":
            kinds.append("iif")
        if hook != "input":
            kinds.append("oif")
        if r.random() < 0.08:
            kinds.append(r.choice(["limit", "mark"]))
        kind = r.choice(kinds)
        neg = r.random() < 0.3 and kind not in ("limit", "mark", "state")
        if kind in ("src", "dst"):
            return (kind, neg, self.cidr(family, self.pool(hook, family, kind)))
        if kind == "iprange":
            side = r.choice(["src", "dst"])
            pool = self.pool(hook, family, side)
            a, b = sorted(r.sample(range(len(pool)), 2))
            return ("iprange-" + side, neg, (str(pool[a]), str(pool[b])))
        if kind in ("dport", "sport"):
            if kind == "sport":
                lo = r.choice(SPORTS)
                return (kind, neg, (lo, min(65535, lo + r.choice([0, 1, 999, 30000]))))
            return (kind, neg, self.port_range())
        if kind == "multiport":
            return ("dports", neg, sorted({self.port_range() for _ in range(r.randint(2, 4))}))
        if kind == "state":
            return ("state", r.random() < 0.2,
                    sorted(r.sample(["NEW", "ESTABLISHED", "RELATED", "INVALID"], r.randint(1, 2))))
        if kind in ("iif", "oif"):
            name = "vc" if kind == "iif" else ("vs" if hook == "forward" else "vc")
            return (kind, neg, r.choice([name, name, "v+", "other0"]))
        if kind == "syn":
            return ("syn", neg, None)
        self.unknown += 1
        return (kind, False, None)

    def rule(self, hook, family, chain, later):
        r = self.rnd
        proto = r.choice([None, "tcp", "udp", "tcp", "udp"])
        matches = [self.match(hook, family, proto) for _ in range(r.randint(0, 3))]
        # A rule has at most one match of a kind (iptables would take the last).
        seen, uniq = set(), []
        for m in matches:
            if m[0] not in seen:
                seen.add(m[0])
                uniq.append(m)
        targets = ["ACCEPT"] * 6 + ["DROP"] * 3 + ["REJECT"] * 3 + ["LOG"]
        if chain != hook:
            targets += ["RETURN"] * 2
        if later:
            targets += ["JUMP"] * 3 + ["GOTO"] * 2
        t = r.choice(targets)
        arg = None
        if t in ("JUMP", "GOTO"):
            arg = r.choice(later)
        if t == "REJECT":
            arg = r.choice(["tcp-reset"] if proto == "tcp" and r.random() < 0.5 else
                           (["icmp-port-unreachable", "icmp-admin-prohibited"] if family == 4
                            else ["icmp6-port-unreachable", "icmp6-adm-prohibited"]))
        return {"proto": proto, "matches": uniq, "target": t, "arg": arg, "family": family}

    def ruleset(self, family):
        """{hook: policy}, {chain: [rules]}, chains in order (user chains per hook).

        Sometimes the output hook accepts everything: then the errors REJECT
        sends surely get out, and a rejected first packet must be refused."""
        r = self.rnd
        chains, policies, order = {}, {}, []
        self.open_output[family] = r.random() < 0.35
        for hook in self.HOOKS:
            if hook == "output" and self.open_output[family]:
                policies[hook] = "ACCEPT"
                chains[hook] = []
                order.append(hook)
                continue
            policies[hook] = r.choice(["ACCEPT", "DROP"])
            users = ["%s_u%d" % (hook, i) for i in range(r.randint(0, 3))]
            order.append(hook)
            order += users
            seq = [hook] + users
            for i, ch in enumerate(seq):
                later = seq[i + 1:]
                chains[ch] = [self.rule(hook, family, ch if i else hook, later)
                              for _ in range(r.randint(1, 6))]
            head = []
            if family == 6 and hook != "forward":
                head.append({"raw": "icmp6"})  # neighbour discovery must work
            if hook == "output":
                head.append({"raw": "related"})  # the errors REJECT sends get out
            if r.random() < 0.7:
                head.append({"raw": "established"})
            chains[hook] = head + chains[hook]
        return policies, chains, order


def ipt_match(m, proto):
    kind, neg, v = m
    n = "! " if neg else ""
    if kind == "src":
        return "%s-s %s" % (n, v)
    if kind == "dst":
        return "%s-d %s" % (n, v)
    if kind == "iprange-src":
        return "-m iprange %s--src-range %s-%s" % (n, v[0], v[1])
    if kind == "iprange-dst":
        return "-m iprange %s--dst-range %s-%s" % (n, v[0], v[1])
    if kind == "dport":
        return "-m %s %s--dport %d:%d" % (proto, n, v[0], v[1])
    if kind == "sport":
        return "-m %s %s--sport %d:%d" % (proto, n, v[0], v[1])
    if kind == "dports":
        # multiport refuses "22:22"
        return "-m multiport %s--dports %s" % (n, ",".join(
            "%d" % p[0] if p[0] == p[1] else "%d:%d" % p for p in v))
    if kind == "state":
        return "-m conntrack %s--ctstate %s" % (n, ",".join(v))
    if kind == "iif":
        return "%s-i %s" % (n, v)
    if kind == "oif":
        return "%s-o %s" % (n, v)
    if kind == "syn":
        return "-m tcp %s--syn" % n
    if kind == "limit":
        return "-m limit --limit 2/min --limit-burst 1"
    return "-m mark --mark 0x7"


def ipt_text(policies, chains, order, family):
    lines = ["*filter"]
    for ch in order:
        lines.append(":%s %s [0:0]" % (ch.upper() if ch in policies else ch,
                                      policies.get(ch, "-")))
    for ch in order:
        name = ch.upper() if ch in policies else ch
        for rule in chains[ch]:
            if "raw" in rule:
                lines.append("-A %s %s -j ACCEPT" % (name, {
                    "icmp6": "-p ipv6-icmp",
                    "related": "-m conntrack --ctstate RELATED",
                    "established": "-m conntrack --ctstate ESTABLISHED,RELATED"}[rule["raw"]]))
                continue
            parts = ["-A", name]
            if rule["proto"]:
                parts += ["-p", rule["proto"]]
            parts += [ipt_match(m, rule["proto"]) for m in rule["matches"]]
            t = rule["target"]
            if t in ("JUMP", "GOTO"):
                parts += ["-j" if t == "JUMP" else "-g", rule["arg"]]
            elif t == "REJECT":
                parts += ["-j", "REJECT", "--reject-with", rule["arg"]]
            elif t == "LOG":
                parts += ["-j", "LOG", "--log-prefix", '"t "']
            else:
                parts += ["-j", t]
            lines.append(" ".join(parts))
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def nft_match(m, proto, family):
    kind, neg, v = m
    op = "!= " if neg else ""
    ip = "ip" if family == 4 else "ip6"
    if kind in ("src", "dst"):
        return "%s %saddr %s%s" % (ip, kind[0], op, v)
    if kind.startswith("iprange"):
        return "%s %saddr %s%s-%s" % (ip, kind[8], op, v[0], v[1])
    # Ports without a protocol would be "th"; the rules always name one.
    if kind in ("dport", "sport"):
        return "%s %s %s%d-%d" % (proto, kind, op, v[0], v[1])
    if kind == "dports":
        return "%s dport %s{ %s }" % (proto, op, ", ".join("%d-%d" % p for p in v))
    if kind == "state":
        return "ct state %s{ %s }" % (op, ", ".join(s.lower() for s in v))
    if kind in ("iif", "oif"):
        return '%sname %s"%s"' % (kind, op, v.replace("+", "*"))
    if kind == "syn":
        return "tcp flags & (fin|syn|rst|ack) %s syn" % ("!=" if neg else "==")
    if kind == "limit":
        return "limit rate 2/minute burst 1 packets"
    return "meta mark 0x7"


def nft_rule(rule):
    if "raw" in rule:
        return {"icmp6": "meta l4proto ipv6-icmp accept",
                "related": "ct state related accept",
                "established": "ct state established,related accept"}[rule["raw"]]
    fam = rule["family"]
    parts = ["meta nfproto %s" % ("ipv4" if fam == 4 else "ipv6")]
    if rule["proto"]:
        parts.append("meta l4proto %s" % rule["proto"])
    parts += [nft_match(m, rule["proto"], fam) for m in rule["matches"]]
    t = rule["target"]
    if t in ("JUMP", "GOTO"):
        parts.append("%s %s" % (t.lower(), rule["arg"]))
    elif t == "REJECT":
        parts.append("reject with tcp reset" if rule["arg"] == "tcp-reset" else
                     "reject with %s type %s" % ("icmp" if fam == 4 else "icmpv6",
                                                 "port-unreachable" if "port" in rule["arg"]
                                                 else "admin-prohibited"))
    elif t == "LOG":
        parts.append('log prefix "t "')
    elif t == "RETURN":
        parts.append("return")
    else:
        parts.append(t.lower())
    return " ".join(parts)


def nft_text(gen, rnd):
    """One inet table from an IPv4 and an IPv6 ruleset, and sometimes a
    second table with another base chain on a hook (both must accept)."""
    p4, c4, o4 = gen.ruleset(4)
    p6, c6, o6 = gen.ruleset(6)
    out = ["table inet t {"]
    for hook in Gen.HOOKS:
        # The stricter policy of the two families' rulesets; the other
        # family's rules come first and decide for themselves.
        pol = "drop" if "DROP" in (p4[hook], p6[hook]) else "accept"
        for chains, order, fam in ((c4, o4, 4), (c6, o6, 6)):
            for ch in order:
                if ch.startswith(hook + "_"):
                    out.append("\tchain %s_%d {" % (ch, fam))
                    out += ["\t\t" + nft_rule(_fam_chain(r, fam)) for r in chains[ch]]
                    out.append("\t}")
        out.append("\tchain %s {" % hook)
        out.append("\t\ttype filter hook %s priority filter; policy %s;" % (hook, pol))
        for chains, pols, fam in ((c4, p4, 4), (c6, p6, 6)):
            out += ["\t\t" + nft_rule(_fam_chain(r, fam)) for r in chains[hook]]
            if pols[hook] != pol:
                out.append("\t\tmeta nfproto %s accept" % ("ipv4" if fam == 4 else "ipv6"))
        out.append("\t}")
    out.append("}")
    if rnd.random() < 0.5:
        hook = rnd.choice(Gen.HOOKS)
        port = rnd.choice(PORTS)
        out += ["table ip second {",
                "\tchain %s {" % hook,
                "\t\ttype filter hook %s priority 10; policy accept;" % hook,
                "\t\ttcp dport %d drop" % port,
                "\t}", "}"]
    return "\n".join(out) + "\n"


def _fam_chain(rule, fam):
    """User chains of each family are named per family in nft."""
    if rule.get("target") in ("JUMP", "GOTO"):
        rule = dict(rule, arg="%s_%d" % (rule["arg"], fam))
    return rule


# ---- the analysis ---------------------------------------------------------------


def classes(exe, files, hook, proto, family):
    iif, oif = IFACES[hook]
    argv = [exe, "trace", "--hook", hook, "--proto", proto, "--family", str(family),
            "--format", "json", "-q"]
    for f in files:
        argv += ["--ruleset", f]
    if iif:
        argv += ["--iif", iif]
    if oif:
        argv += ["--oif", oif]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if p.returncode not in (0, 1, 3):
        raise LabError("%s failed (%d): %s" % (" ".join(argv), p.returncode, p.stderr))
    return json.loads(p.stdout)["classes"]


def in_ranges(ranges, v):
    return any(lo <= v <= hi for lo, hi in ranges)


def addr_ranges(cidrs):
    out = []
    for c in cidrs:
        n = ipaddress.ip_network(c)
        out.append((int(n.network_address), int(n.broadcast_address)))
    return out


class Klass:
    def __init__(self, c):
        cl = c["class"]
        self.verdict = c["verdict"]
        self.stage = c["stage"]
        self.src = addr_ranges(cl["src"]) if "src" in cl else None
        self.dst = addr_ranges(cl["dst"]) if "dst" in cl else None
        self.sport = [tuple(x) for x in cl["sport"]] if "sport" in cl else None
        self.dport = [tuple(x) for x in cl["dport"]] if "dport" in cl else None
        self.rule = c.get("rule")
        self.unknown = c.get("unknown_rule")

    def contains(self, src, dst, sport, dport):
        return ((self.src is None or in_ranges(self.src, int(src))) and
                (self.dst is None or in_ranges(self.dst, int(dst))) and
                (self.sport is None or in_ranges(self.sport, sport)) and
                (self.dport is None or in_ranges(self.dport, dport)))


def edge_values(ranges, pool):
    """The pool's values inside the ranges that lie at a range's edge, and one inside."""
    vals = sorted(pool)
    out = set()
    for lo, hi in ranges:
        inside = [v for v in vals if lo <= v <= hi]
        if inside:
            out.update((inside[0], inside[-1], inside[len(inside) // 2]))
    return out


def probe_points(klasses, hook, family, proto, rnd, ports):
    """Points at every class's edges within the pools, with the class each is in."""
    srcs, dsts = POOLS[hook][family]
    src_ints = {int(a): a for a in srcs}
    dst_ints = {int(a): a for a in dsts}
    sports = sorted(set(SPORTS) | {40000 + i for i in range(0, 200, 7)})
    points = set()
    for k in klasses:
        s = edge_values(k.src or [(0, 2 ** 128)], src_ints)
        d = edge_values(k.dst or [(0, 2 ** 128)], dst_ints)
        sp = edge_values(k.sport or [(0, 65535)], sports)
        dp = edge_values(k.dport or [(0, 65535)], ports)
        if not (s and d and sp and dp):
            continue
        base = (rnd.choice(sorted(s)), rnd.choice(sorted(d)), rnd.choice(sorted(sp)),
                rnd.choice(sorted(dp)))
        points.add(base)
        for v in s:
            points.add((v,) + base[1:])
        for v in d:
            points.add(base[:1] + (v,) + base[2:])
        for v in sp:
            points.add(base[:2] + (v,) + base[3:])
        for v in dp:
            points.add(base[:3] + (v,))
    return [(src_ints[a], dst_ints[b], c, d) for a, b, c, d in points]


# ---- one ruleset --------------------------------------------------------------


class Probe:
    __slots__ = ("key", "hook", "family", "proto", "src", "dst", "sport", "dport", "klass",
                 "result")


def expectation(p, strict_reject):
    v = p.klass.verdict
    if v == "accept":
        return "ok"
    if v == "indeterminate":
        return None
    if p.klass.stage != "new" or p.hook == "output" or v == "deny":
        return "fail"
    if v == "drop":
        return "timeout"
    # The error a REJECT sends leaves through the output hook: only when
    # that lets everything out must it arrive.
    return "error" if strict_reject.get(p.family) else "fail"


def agrees(p, strict):
    want = expectation(p, strict)
    got = p.result
    if want is None:
        return True
    if want == "ok":
        return got == "ok"
    if want == "fail":
        return got != "ok"
    if want == "timeout":
        return got == "timeout"
    return got not in ("ok", "timeout")


def run_ruleset(lb, exe, kind, gen, rnd, ports, budget, tmpdir, index, verbose):
    fw = "firewall"
    lb.nsrun(fw, ["nft", "flush", "ruleset"])
    empty = "*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n"
    for tool in ("iptables-legacy-restore", "ip6tables-legacy-restore"):
        lb.nsrun(fw, [tool], input_text=empty, check=False)
    lb.nsrun(fw, ["conntrack", "-F"], check=False)
    files = []
    if kind in ("iptables", "legacy"):
        texts = {4: ipt_text(*gen.ruleset(4), 4), 6: ipt_text(*gen.ruleset(6), 6)}
        v = "-legacy" if kind == "legacy" else ""
        lb.nsrun(fw, ["iptables%s-restore" % v], input_text=texts[4])
        lb.nsrun(fw, ["ip6tables%s-restore" % v], input_text=texts[6])
        for fam, tool in ((4, "iptables%s-save" % v), (6, "ip6tables%s-save" % v)):
            path = os.path.join(tmpdir, "r%d.v%d" % (index, fam))
            with open(path, "w") as f:
                f.write(lb.nsrun(fw, [tool]).stdout)
            files.append(path)
    else:
        text = nft_text(gen, rnd)
        lb.nsrun(fw, ["nft", "-f", "-"], input_text=text)
        path = os.path.join(tmpdir, "r%d.json" % index)
        with open(path, "w") as f:
            f.write(lb.nsrun(fw, ["nft", "-j", "list", "ruleset"]).stdout)
        files.append(path)
    probes, key = [], 0
    for hook in Gen.HOOKS:
        for family in (4, 6):
            for proto in ("tcp", "udp"):
                klasses = [Klass(c) for c in classes(exe, files, hook, proto, family)]
                for src, dst, sport, dport in probe_points(klasses, hook, family, proto, rnd,
                                                           ports):
                    p = Probe()
                    p.key, p.hook, p.family, p.proto = "p%d" % key, hook, family, proto
                    p.src, p.dst, p.sport, p.dport = src, dst, sport, dport
                    found = [k for k in klasses if k.contains(src, dst, sport, dport)]
                    if len(found) != 1:
                        raise LabError("%s: %d classes contain %s" % (files, len(found),
                                                                         (hook, src, dst)))
                    p.klass = found[0]
                    probes.append(p)
                    key += 1
    # A source address and port is one socket at a time: once per batch.
    seen, uniq = set(), []
    for p in probes:
        t = (p.proto, str(p.src), p.sport)
        if t not in seen:
            seen.add(t)
            uniq.append(p)
    rnd.shuffle(uniq)
    probes = uniq[:budget]
    batches = {}
    for p in probes:
        batches.setdefault(ENDS[p.hook][0], []).append(p)
    rids = {}
    for who, ps in batches.items():
        rids[who] = lb.agents[who].send({
            "op": "probe", "min_wait": 1.5, "max_wait": 6.0,
            "probes": [{"key": p.key, "proto": p.proto, "dst": str(p.dst), "port": p.dport,
                        "src": str(p.src), "sport": p.sport,
                        "pass": p.klass.verdict == "accept"} for p in ps]})
    for who, rid in rids.items():
        results = lb.agents[who].wait(rid, 60)["results"]
        for p in batches[who]:
            p.result = results.get(p.key, "missing")
    strict = gen.open_output if kind != "nft" else {}
    # The trace of one fully given connection must say what its class says.
    for p in rnd.sample(probes, min(3, len(probes))):
        iif, oif = IFACES[p.hook]
        argv = [exe, "trace", "-q", "--format", "json", "--hook", p.hook, "--proto", p.proto,
                "--src", str(p.src), "--dst", str(p.dst), "--sport", str(p.sport),
                "--dport", str(p.dport)] + sum((["--ruleset", f] for f in files), [])
        argv += (["--iif", iif] if iif else []) + (["--oif", oif] if oif else [])
        one = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        got = json.loads(one.stdout)["verdict"] if one.stdout else "error %d" % one.returncode
        if got != p.klass.verdict:
            raise LabError("trace of one connection says %s, its class %s: %s"
                               % (got, p.klass.verdict, " ".join(argv)))
    bad = [p for p in probes if not agrees(p, strict)]
    indet = sum(1 for p in probes if expectation(p, strict) is None)
    lines = ["%s ruleset %d: %d probes, %d indeterminate (not compared), %d disagreements"
             % (kind, index, len(probes), indet, len(bad))]
    for p in bad[:20]:
        lines.append("  DISAGREE %s IPv%d %s %s:%d -> %s:%d: kernel %s, analysis %s (%s) by %s"
                     % (p.hook, p.family, p.proto, p.src, p.sport, p.dst, p.dport, p.result,
                        p.klass.verdict, p.klass.stage,
                        (p.klass.unknown or p.klass.rule or {}).get("where")))
    if bad:
        for path in files:
            lines.append("  --- %s ---" % path)
            with open(path) as f:
                lines.append("  " + f.read().replace("\n", "\n  "))
    if verbose:
        lines += ["    %-8s %-8s %s %s IPv%d %s %s:%d -> %s:%d" % (
            p.result, p.klass.verdict, p.klass.stage, p.hook, p.family, p.proto, p.src,
            p.sport, p.dst, p.dport) for p in probes]
    return lines, len(probes), indet, len(bad)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portspec", required=True, help="the portspec executable")
    ap.add_argument("--rulesets", type=int, default=16,
                    help="rulesets to generate, in turn iptables, nft and iptables-legacy "
                         "(default 16)")
    ap.add_argument("--probes", type=int, default=320, help="probes per ruleset at most")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    ap.add_argument("--kind", choices=["iptables", "nft", "legacy", "all"], default="all")
    ap.add_argument("--keep", help="keep the rulesets read back from the kernel in this folder")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        fail_or_skip("the differential test needs root (network namespaces)")
    for tool in ("ip", "nft", "iptables-restore", "ip6tables-restore", "iptables-legacy-restore",
                 "conntrack"):
        if not any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in os.environ.get("PATH", "/usr/sbin:/usr/bin").split(":") + ["/usr/sbin"]):
            fail_or_skip("%s is not installed" % tool)
    if run(["ip", "netns", "list"], check=False).returncode != 0:
        fail_or_skip("ip netns does not work here")
    seed = args.seed if args.seed is not None else int(time.time())
    log("seed %d (rerun with --seed %d)" % (seed, seed))
    rnd = random.Random(seed)
    remove_stale()
    lb = Lab()
    started = time.monotonic()
    total = indet = bad = 0
    try:
        ports = lb.build()
        kinds = ["iptables", "nft", "legacy"] if args.kind == "all" else [args.kind]
        with tempfile.TemporaryDirectory(prefix="psdiff-") as tmp:
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                tmp = args.keep
            for i in range(args.rulesets):
                kind = kinds[i % len(kinds)]
                gen = Gen(rnd, (4, 6))
                lines, n, ni, nb = run_ruleset(lb, args.portspec, kind, gen, rnd, ports,
                                               args.probes, tmp, i, args.verbose)
                for line in lines:
                    log(line)
                total += n
                indet += ni
                bad += nb
    finally:
        lb.close()
    log("%s: %d connections over %d rulesets, %d in indeterminate classes, %d disagreements, "
        "%.1f s" % ("FAIL" if bad else "PASS", total, args.rulesets, indet, bad,
                    time.monotonic() - started))
    return 1 if bad else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    try:
        sys.exit(main())
    except LabError as e:
        log("ERROR: %s" % e)
        sys.exit(1)
