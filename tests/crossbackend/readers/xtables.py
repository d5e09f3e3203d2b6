# SPDX-License-Identifier: MIT
"""iptables-save / ip6tables-save text, as the kernel holds it, to a packet evaluator.

Only what the backends emit is understood: tables raw and filter; -s, -d,
-i, -o, -p and their negations; the tcp, udp, multiport, conntrack, state,
comment, icmp, icmp6, hl and addrtype (--dst-type LOCAL: the firewall's own
addresses) matches with the options listed below; the
targets ACCEPT, DROP, RETURN, CT --helper and jumps or gotos to user
chains.  Anything else raises ParseError.
"""

import shlex

from atoms import Atoms
from intervals import PORTS, parse_network, parse_ports
from packets import Chain, ParseError, Rule, run_stages

BUILTIN = {"raw": ("PREROUTING", "OUTPUT"), "filter": ("INPUT", "FORWARD", "OUTPUT")}
# The hooks a packet passes, per plan hook: (table, chain, which interfaces it knows).
STAGES = {
    "input": (("raw", "PREROUTING", "iif"), ("filter", "INPUT", "iif")),
    "output": (("raw", "OUTPUT", "oif"), ("filter", "OUTPUT", "oif")),
    "forward": (("raw", "PREROUTING", "iif"), ("filter", "FORWARD", "both")),
}
PROTOS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "ipv6-icmp": "icmpv6", "icmpv6": "icmpv6"}
STATES = {"NEW": "new", "ESTABLISHED": "established", "RELATED": "related",
          "INVALID": "invalid", "UNTRACKED": "untracked"}
ICMP6_NAMES = {"router-solicitation": 133, "router-advertisement": 134,
               "neighbour-solicitation": 135, "neighbour-advertisement": 136,
               "neighbor-solicitation": 135, "neighbor-advertisement": 136,
               "echo-request": 128, "echo-reply": 129, "redirect": 137}
ICMP4_NAMES = {"echo-request": 8, "echo-reply": 0}
MODULE_OPTIONS = {
    "tcp": {"--dport"}, "udp": {"--dport"}, "multiport": {"--dports"},
    "conntrack": {"--ctstate"}, "state": {"--state"}, "comment": {"--comment"},
    "icmp6": {"--icmpv6-type"}, "icmp": {"--icmp-type"}, "hl": {"--hl-eq"},
    "addrtype": {"--dst-type"},
}


class XtablesRuleset:
    def __init__(self, text, family, label, fragment=False, fragment_keys=None):
        self.family = family
        self.families = (family,)
        self.label = label
        self.fragment = fragment
        self.atoms = Atoms()
        self.chains = {}       # (table, name) -> Chain
        self.notes = []
        try:
            self._parse(text, fragment_keys)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise ParseError("%s: malformed iptables-save text (%s: %s)"
                             % (label, type(e).__name__, e))
        for table, names in BUILTIN.items():
            for name in names:
                if (table, name) not in self.chains:
                    # A table nobody loaded accepts everything.
                    self.chains[(table, name)] = Chain(name, "accept", "caller")

    # ---- parsing ------------------------------------------------------------

    def _parse(self, text, fragment_keys):
        table = None
        counts = {}
        for n, line in enumerate(text.splitlines(), 1):
            where = "%s line %d" % (self.label, n)
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("*"):
                table = line[1:].strip()
                if table not in BUILTIN:
                    raise ParseError("%s: table %s is not one the backends write" % (where, table))
            elif line == "COMMIT":
                table = None
            elif line.startswith(":"):
                name, policy = line[1:].split()[:2]
                if table is None:
                    raise ParseError("%s: chain outside a table" % where)
                builtin = name in BUILTIN[table]
                if builtin != (policy != "-") or policy not in ("-", "ACCEPT", "DROP"):
                    raise ParseError("%s: chain %s with policy %s" % (where, name, policy))
                origin = "caller" if builtin else "output"
                self.chains[(table, name)] = Chain(name, policy.lower() if builtin else None,
                                                   origin)
            elif line.startswith("-A "):
                if table is None:
                    raise ParseError("%s: rule outside a table" % where)
                tokens = shlex.split(line)
                chain = self.chains.get((table, tokens[1]))
                if chain is None:
                    raise ParseError("%s: rule in undeclared chain %s" % (where, tokens[1]))
                key = (table, tokens[1], line)
                counts[key] = counts.get(key, 0) + 1
                origin = "output"
                if fragment_keys is not None and (key, counts[key]) not in fragment_keys:
                    origin = "caller"
                chain.rules.append(self._rule(table, tokens, where, line, origin))
            else:
                raise ParseError("%s: unexpected line %r" % (where, line))
        for (table, _), chain in self.chains.items():
            for rule in chain.rules:
                if rule.action in ("jump", "goto"):
                    if (table, rule.target) not in self.chains:
                        raise ParseError("%s: jump to unknown chain %s" % (self.label,
                                                                          rule.target))
                    rule.target = (table, rule.target)

    @staticmethod
    def rule_keys(text):
        """The rules of a readback, each with its occurrence: which rules a
        fragment brought, before anything hooks it in."""
        keys = set()
        counts = {}
        table = None
        for line in text.splitlines():
            if line.startswith("*"):
                table = line[1:].strip()
            elif line.startswith("-A "):
                key = (table, line.split()[1], line)
                counts[key] = counts.get(key, 0) + 1
                keys.add((key, counts[key]))
        return keys

    def _rule(self, table, tokens, where, line, origin):
        preds = []
        ports = None
        action = target = None
        proto = None
        module = None
        neg = False
        i = 2
        fam = self.family

        def value():
            if i + 1 >= len(tokens):
                raise ParseError("%s: %s needs a value" % (where, tokens[i]))
            return tokens[i + 1]

        while i < len(tokens):
            t = tokens[i]
            if t == "!":
                neg = True
                i += 1
                continue
            if t in ("-s", "-d"):
                field = "src" if t == "-s" else "dst"
                try:
                    f, s = parse_network(value())
                except ValueError as e:
                    raise ParseError("%s: %s" % (where, e))
                if f != fam:
                    raise ParseError("%s: IPv%d address in an IPv%d table" % (where, f, fam))
                self.atoms.add_addrs(field, fam, s)
                preds.append(_addr_pred(field, s, neg))
            elif t in ("-i", "-o"):
                name = value()
                if name.endswith("+"):
                    raise ParseError("%s: interface wildcard %s" % (where, name))
                field = "iif" if t == "-i" else "oif"
                self.atoms.add_iface(field, name)
                preds.append(_iface_pred(field, name, neg))
            elif t == "-p":
                proto = PROTOS.get(value())
                if proto is None or neg:
                    raise ParseError("%s: protocol %s%s" % (where, "! " if neg else "", value()))
                preds.append(lambda p, proto=proto: p.proto == proto)
            elif t == "-m":
                module = value()
                if module not in MODULE_OPTIONS:
                    raise ParseError("%s: match module %s" % (where, module))
                if module in ("tcp", "udp", "multiport") and proto not in ("tcp", "udp") or \
                        module in ("tcp", "udp") and module != proto:
                    raise ParseError("%s: -m %s with -p %s" % (where, module, proto))
            elif t.startswith("--") and action is None:
                if module is None or t not in MODULE_OPTIONS[module]:
                    raise ParseError("%s: option %s (module %s)" % (where, t, module))
                v = value()
                if t in ("--dport", "--dports"):
                    try:
                        s = parse_ports(v.split(","), ":", low=0)
                    except ValueError as e:
                        raise ParseError("%s: %s" % (where, e))
                    s = PORTS - s if neg else s
                    ports = s if ports is None else ports & s
                elif t in ("--ctstate", "--state"):
                    states = set()
                    for name in v.split(","):
                        if name not in STATES:
                            raise ParseError("%s: conntrack state %s" % (where, name))
                        states.add(STATES[name])
                    preds.append(_state_pred(states, neg))
                elif t == "--comment":
                    pass
                elif t in ("--icmpv6-type", "--icmp-type"):
                    names = ICMP6_NAMES if t == "--icmpv6-type" else ICMP4_NAMES
                    want = names.get(v)
                    if want is None and v.isdigit():
                        want = int(v)
                    if want is None or neg:
                        raise ParseError("%s: icmp type %s" % (where, v))
                    preds.append(lambda p, want=want: p.icmp_type == want)
                elif t == "--dst-type":
                    if v != "LOCAL":
                        raise ParseError("%s: address type %s" % (where, v))
                    preds.append(lambda p, neg=neg: p.dst_self != neg)
                elif t == "--hl-eq":
                    hl = int(v)
                    preds.append(lambda p, hl=hl, neg=neg: (p.hoplimit == hl) != neg)
            elif t in ("-j", "-g"):
                tgt = value()
                if t == "-g":
                    action, target = "goto", tgt
                elif tgt in ("ACCEPT", "DROP", "RETURN"):
                    action = tgt.lower()
                elif tgt == "CT":
                    if tokens[i + 2:i + 3] != ["--helper"] or len(tokens) != i + 4:
                        raise ParseError("%s: CT target options %s" % (where, tokens[i + 2:]))
                    if table != "raw":
                        raise ParseError("%s: CT outside the raw table" % where)
                    action, target = "helper", tokens[i + 3]
                    i = len(tokens)
                    continue
                elif tgt.isupper():
                    raise ParseError("%s: target %s" % (where, tgt))
                else:
                    action, target = "jump", tgt
            else:
                raise ParseError("%s: unexpected %r" % (where, t))
            neg = False
            i += 2
        if action is None:
            raise ParseError("%s: a rule without a target" % where)
        return Rule(preds, ports, action, target, "%s %s" % (table, line), origin)

    # ---- evaluation -----------------------------------------------------------

    def evaluate(self, pkt, ports):
        if pkt.family != self.family:
            raise ValueError("IPv%d packet for an IPv%d ruleset" % (pkt.family, self.family))
        stages = []
        for table, name, knows in STAGES[pkt.hook]:
            seen = pkt
            if knows == "iif":
                seen = pkt.with_(oif=None)
            elif knows == "oif":
                seen = pkt.with_(iif=None)
            stages.append((self.chains[(table, name)], seen))
        return run_stages(self.chains, stages, ports, self.fragment, self.label)


def _addr_pred(field, s, neg):
    if field == "src":
        return lambda p: (p.src in s) != neg
    return lambda p: (p.dst in s) != neg


def _iface_pred(field, name, neg):
    # A hook without that interface (-o in PREROUTING) never matches it;
    # "! -o eth1" there matches, as the kernel compares with an empty name.
    if field == "iif":
        return lambda p: (p.iif == name) != neg
    return lambda p: (p.oif == name) != neg


def _state_pred(states, neg):
    return lambda p: (p.state in states) != neg
