# SPDX-License-Identifier: MIT
"""Packet classes, and a ruleset compared with the plan over every one of them.

For each hook, family and protocol (tcp, udp, and ICMP for the baseline
and the hook policies) and each connection state, the classes are the
cells cut by every address and interface name that the ruleset or the plan
matches on, per field: one representative packet per cell.  Destination
ports are not cut: each representative carries the whole port range, and
both evaluators split it into pieces with one outcome each.  So every
packet is decided the same way as its class's representative, by the
ruleset and by the plan alike; nothing is sampled.

A difference names the plan entry (or, for traffic the plan does not
accept, the backend's rule that accepted it) and one concrete packet, and
counts the classes it covers.
"""

from dataclasses import dataclass, field

from atoms import Atoms
from intervals import PORTS, format_ports
from packets import HOOKS, HOPLIMITS, ICMP4_TYPES, ICMP6_TYPES, ND_TYPES, NOPORT, OTHER_IF, \
    STATES, Packet

# Kinds of baseline a platform may provide without a rule.
IMPLICIT_KINDS = ("loopback", "established", "neighbor_discovery")


@dataclass
class Difference:
    kind: str                 # missing, extra, verdict, helper, implicit
    entry: str                # the plan entry, or what the backend accepted with
    packet: str               # one concrete packet
    plan: str                 # what the plan does with it
    backend: str              # what the backend does with it
    classes: int = 1

    def describe(self, ref="plan"):
        return "%s: %s\n      e.g. %s\n      %s: %s\n      backend: %s%s" % (
            self.kind, self.entry, self.packet, ref, self.plan, self.backend,
            "" if self.classes == 1 else "\n      (%d packet classes)" % self.classes)


@dataclass
class Comparison:
    label: str
    ref: str = "plan"
    classes: int = 0
    differences: dict = field(default_factory=dict)
    implicit: set = field(default_factory=set)
    allowances: set = field(default_factory=set)

    def add(self, key, diff):
        if key in self.differences:
            self.differences[key].classes += 1
        else:
            self.differences[key] = diff

    def report(self, limit=40):
        diffs = list(self.differences.values())
        lines = ["%s: %d packet classes, %d difference(s)" % (self.label, self.classes,
                                                           len(diffs))]
        for d in diffs[:limit]:
            lines.append("  - " + d.describe(self.ref))
        for why in sorted(self.allowances):
            lines.append("  allowed: " + why)
        if len(diffs) > limit:
            lines.append("  ... and %d more" % (len(diffs) - limit))
        return "\n".join(lines)


def packet_classes(plan, ruleset, families):
    atoms = Atoms()
    atoms.merge(ruleset.atoms)
    plan.atoms(atoms)
    for hook in HOOKS:
        # Nothing is forwarded from or to the loopback interface.
        lo = [] if hook == "forward" else ["lo"]
        iifs = [None] if hook == "output" else atoms.names("iif") + lo + [OTHER_IF]
        oifs = [None] if hook == "input" else atoms.names("oif") + lo + [OTHER_IF]
        if hook == "forward":
            iifs = [i for i in iifs if i != "lo"]
            oifs = [o for o in oifs if o != "lo"]
        iifs = sorted(set(iifs), key=str)
        oifs = sorted(set(oifs), key=str)
        for family in families:
            srcs = atoms.representatives("src", family)
            dsts = atoms.representatives("dst", family)
            icmp = "icmp" if family == 4 else "icmpv6"
            kinds = [("tcp", None, 64), ("udp", None, 64)]
            types = ICMP4_TYPES if family == 4 else ICMP6_TYPES
            kinds += [(icmp, t, hl) for t in types for hl in HOPLIMITS]
            for proto, itype, hl in kinds:
                for state in STATES:
                    if state != "new" and itype is not None and itype != types[0]:
                        continue
                    for src in srcs:
                        for dst in dsts:
                            for iif in iifs:
                                for oif in oifs:
                                    yield Packet(hook, family, proto, src, dst, iif, oif,
                                                 state, itype, hl,
                                                 src_self=hook == "output",
                                                 dst_self=hook == "input")


def compare(plan, ruleset, fragment, label, families=None, backend=None):
    families = families or ruleset.families
    cmp = Comparison(label, getattr(plan, "ref", "plan"))
    for pkt in packet_classes(plan, ruleset, families):
        why = allowance(backend, pkt)
        if why:
            cmp.allowances.add(why)
            continue
        ports = PORTS if pkt.proto in ("tcp", "udp") else NOPORT
        want = plan.evaluate(pkt, ports, fragment)
        got = ruleset.evaluate(pkt, ports)
        cmp.classes += 1
        for wp, w in want:
            for gp, g in got:
                both = wp & gp
                if both:
                    _judge(cmp, plan, pkt, both, w, g, fragment)
    return cmp


# Packets a target cannot tell apart from others and that never reach its
# stack anyway: (backends, predicate, why).  Each is named in the report
# whenever it applies.
ALLOWANCES = [
    (("pf", "netsh", "powershell"),
     lambda pkt: pkt.proto == "icmpv6" and pkt.icmp_type in ND_TYPES and pkt.hoplimit != 255
     and pkt.hook != "forward",
     "neighbour discovery at a hop limit other than 255: pf and the Windows firewall cannot "
     "match the hop limit, and the IPv6 stack discards such packets itself (RFC 4861, 7.1)"),
]


def allowance(backend, pkt):
    for backends, pred, why in ALLOWANCES:
        if backend in backends and pred(pkt):
            return why
    return None


def _judge(cmp, plan, pkt, ports, want, got, fragment):
    port = ports.first() if pkt.proto in ("tcp", "udp") else None
    entry = plan.entry(want.entry) if want.entry is not None else None
    if got.implicit is not None:
        cmp.implicit.add(got.implicit)
        # The platform's baseline stands for a plan entry of the same kind
        # (or, in a fragment, for what the plan leaves to the caller).
        ok = want.verdict == "accept" and (entry is None or entry.kind == got.implicit) or \
            fragment and want.verdict == "return"
        if not ok:
            cmp.add(("implicit", got.implicit, want.rule),
                    Difference("implicit", "the platform provides %s without a rule, where "
                               "no entry of that kind accepts these packets" % got.implicit,
                               pkt.describe(port), want.rule, got.rule))
        return
    if want.verdict != got.verdict:
        if want.verdict == "accept":
            kind, what = "missing", "entry %s" % want.rule
            key = (kind, want.rule)
        elif got.verdict == "accept":
            kind, what = "extra", "accepted by the backend, by no entry: %s" % got.rule
            key = (kind, got.rule, pkt.hook)
        else:
            kind, what = "verdict", "%s where the backend %ss" % (want.rule, got.verdict)
            key = (kind, want.rule, got.rule, pkt.hook)
        cmp.add(key, Difference(kind, what, pkt.describe(port) + _ports_note(ports),
                                "%s by %s" % (want.verdict, want.rule),
                                "%s by %s" % (got.verdict, got.rule)))
        return
    # A helper is assigned when a connection starts: only NEW packets tell.
    if want.verdict == "accept" and pkt.state == "new" and want.helper != got.helper:
        cmp.add(("helper", want.rule, got.rule),
                Difference("helper", "entry %s" % want.rule, pkt.describe(port),
                           "helper %s" % want.helper, "helper %s (%s)" % (got.helper,
                                                                         got.rule)))


def _ports_note(ports):
    if ports.size() == 1:
        return ""
    return " (ports %s)" % format_ports(ports)


class RulesetAsReference:
    """Another backend's ruleset in the plan's place: backends compared with
    each other, packet class by packet class (for finding where today's
    outputs disagree before there is a plan)."""

    def __init__(self, ruleset, name):
        self.ruleset = ruleset
        self.source = name
        self.ref = name

    def atoms(self, atoms):
        atoms.merge(self.ruleset.atoms)

    def evaluate(self, pkt, ports, fragment):
        return self.ruleset.evaluate(pkt, ports)

    @staticmethod
    def entry(_index):
        return None
