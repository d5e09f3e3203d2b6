#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes a large, real-shaped iptables-save (or ip6tables-save) ruleset for the audit benchmark.

The shape follows what big hand-kept and tool-kept rulesets contain:

* the usual head: loopback, established/related, invalid, ICMP;
* a fail2ban-style blocklist chain: one REJECT per banned source address;
* zone chains, one per interface, entered by jumps from INPUT and FORWARD;
* in each zone chain, per-service accepts by source network and port
  (multiport lists, port ranges, negated sources), some LOG rules;
* a Docker-style chain with one accept per published container port;
* per-host allow lists (single source, single port) as many shops keep;
* default-drop policies, REJECT for the rest.

About a hundred chains for 5,000 rules; the rule count is given, the
mixture scales with it.  Deterministic for a given seed.

usage: gen-ruleset.py --rules N [--family 4|6] [--seed S] [--output FILE]
"""
import argparse
import random
import sys


def addr(family, rnd, net=None):
    if family == 4:
        a = net or (10, rnd.randrange(0, 256))
        return "%d.%d.%d.%d" % (a[0], a[1], rnd.randrange(0, 256), rnd.randrange(1, 255))
    n = net or (0x1000 + rnd.randrange(0, 0x100),)
    return "2001:db8:%x:%x::%x" % (n[0], rnd.randrange(0, 0x100), rnd.randrange(1, 0xffff))


def network(family, rnd):
    if family == 4:
        return "10.%d.%d.0/24" % (rnd.randrange(0, 256), rnd.randrange(0, 256))
    return "2001:db8:%x:%x::/64" % (rnd.randrange(0x1000, 0x1100), rnd.randrange(0, 0x100))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules", type=int, required=True)
    ap.add_argument("--family", type=int, choices=[4, 6], default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--output")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    fam = args.family
    icmp = "-p icmp -m icmp --icmp-type 8" if fam == 4 else "-p ipv6-icmp -m icmp6 --icmpv6-type 128"
    n = max(args.rules, 60)
    zones = max(4, n // 60)         # about a hundred chains for 5,000 rules
    ifaces = ["eth%d" % i for i in range(zones)]
    banned = n // 5
    allow_hosts = n // 5
    docker = n // 10
    per_zone = max(3, (n - banned - allow_hosts - docker) // zones)

    head = ["-A INPUT -i lo -j ACCEPT",
            "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A INPUT -m conntrack --ctstate INVALID -j DROP",
            "-A INPUT %s -m limit --limit 10/sec -j ACCEPT" % icmp,
            "-A INPUT -j f2b-sshd",
            "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "-A FORWARD -j DOCKER",
            "-A OUTPUT -o lo -j ACCEPT",
            "-A OUTPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]
    chains = ["f2b-sshd", "DOCKER", "allow-hosts"]
    rules = list(head)
    for _ in range(banned):
        rules.append("-A f2b-sshd -s %s/%d -j REJECT --reject-with %s" % (
            addr(fam, rnd, (192, 0) if fam == 4 else (0x2000,)), 32 if fam == 4 else 128,
            "icmp-port-unreachable" if fam == 4 else "icmp6-port-unreachable"))
    rules.append("-A f2b-sshd -j RETURN")
    for i in range(docker):
        rules.append("-A DOCKER -d %s -i docker0 ! -o docker0 -p tcp -m tcp --dport %d -j ACCEPT"
                     % (addr(fam, rnd, (172, 17) if fam == 4 else (0x17,)), 1024 + i))
    rules.append("-A DOCKER -j RETURN")
    for i, ifc in enumerate(ifaces):
        ch = "zone-%s" % ifc
        chains.append(ch)
        rules.append("-A INPUT -i %s -j %s" % (ifc, ch))
        rules.append("-A FORWARD -i %s -g %s" % (ifc, ch))
        for k in range(per_zone):
            kind = rnd.randrange(6)
            src = network(fam, rnd)
            if kind == 0:
                ports = ",".join(str(p) for p in sorted(rnd.sample(range(1, 10000), 5)))
                rules.append("-A %s -s %s -p tcp -m multiport --dports %s -m conntrack "
                             "--ctstate NEW -j ACCEPT" % (ch, src, ports))
            elif kind == 1:
                lo = rnd.randrange(1024, 60000)
                rules.append("-A %s -s %s -p udp -m udp --dport %d:%d -j ACCEPT"
                             % (ch, src, lo, lo + rnd.randrange(1, 100)))
            elif kind == 2:
                rules.append("-A %s ! -s %s -p tcp -m tcp --dport %d -j DROP"
                             % (ch, src, rnd.randrange(1, 65536)))
            elif kind == 3:
                rules.append("-A %s -s %s -p tcp -m tcp --dport %d -j LOG --log-prefix \"z%d \""
                             % (ch, src, rnd.randrange(1, 65536), k))
            elif kind == 4:
                rules.append("-A %s -s %s -d %s -p tcp -m tcp --sport 1024:65535 --dport %d "
                             "-j ACCEPT" % (ch, src, network(fam, rnd), rnd.randrange(1, 65536)))
            else:
                rules.append("-A %s -s %s -p tcp -m tcp --dport %d -j allow-hosts"
                             % (ch, src, rnd.randrange(1, 1024)))
        rules.append("-A %s -j RETURN" % ch)
    for _ in range(allow_hosts):
        rules.append("-A allow-hosts -s %s -p tcp -m tcp --dport %d -j ACCEPT"
                     % (addr(fam, rnd), rnd.randrange(1, 65536)))
    rules.append("-A INPUT -p tcp -j REJECT --reject-with tcp-reset")
    rules.append("-A INPUT -j DROP")

    out = ["# Generated by %s-save v1.8.9 (nf_tables), bench/gen-ruleset.py seed %d"
           % ("ip6tables" if fam == 6 else "iptables", args.seed),
           "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]"]
    out += [":%s - [0:0]" % c for c in chains]
    out += rules
    out.append("COMMIT")
    text = "\n".join(out) + "\n"
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    print("%d rules, %d chains" % (len(rules), len(chains) + 3), file=sys.stderr)


if __name__ == "__main__":
    main()
