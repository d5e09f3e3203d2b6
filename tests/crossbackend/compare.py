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
    impossible: int = 0

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
        if self.impossible:
            lines.append("  %d packet classes cannot occur on this target (no state can "
                         "exist for them)" % self.impossible)
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
            # A packet to or from the appliance is forwarded: the firewall's
            # own traffic (gateway mode) never has the appliance's address.
            appliance = getattr(plan, "appliance", {}).get(family)
            if appliance is not None and hook == "input":
                dsts = [d for d in dsts if d not in appliance]
            elif appliance is not None and hook == "output":
                srcs = [a for a in srcs if a not in appliance]
            routes = [(dests, oif) for fam, dests, oif in getattr(plan, "routes", ())
                      if fam == family]
            possible = _possible(hook, appliance, routes, family)
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
                                    if not possible(src, dst, iif, oif):
                                        continue
                                    yield Packet(hook, family, proto, src, dst, iif, oif,
                                                 state, itype, hl,
                                                 src_self=hook == "output",
                                                 dst_self=hook == "input")


def _link_scope(family, src, dst):
    """Packets a router never forwards.  IPv6 (RFC 4291 2.5.6, 2.7; RFC 4861):
    from the unspecified or a link-local address, or to a link-local address
    or an interface- or link-local multicast group.  IPv4: to the Local
    Network Control Block 224.0.0.0/24 (RFC 5771 4: never forwarded off the
    link; Linux and the BSDs deliver it locally only)."""
    if family == 4:
        return dst >> 8 == 0xE00000
    return (src == 0 or src >> 118 == 0x3fa or dst >> 118 == 0x3fa
            or dst >> 112 in (0xff01, 0xff02))


def _possible(hook, appliance, routes, family):
    """Whether a packet can exist: a router forwards no link-scope IPv6
    packet; in gateway mode, the loopback interface carries only the
    firewall's own addresses; the appliance does not send to itself through
    the firewall; a packet leaves on the interface its destination is routed
    to (the one facing the appliance or the zone)."""
    if appliance is None:
        if hook == "forward":
            return lambda src, dst, iif, oif: not _link_scope(family, src, dst)
        return lambda src, dst, iif, oif: True
    if hook == "input":
        return lambda src, dst, iif, oif: not (iif == "lo" and src in appliance)
    if hook == "output":
        return lambda src, dst, iif, oif: not (oif == "lo" and dst in appliance)

    def forwarded(src, dst, iif, oif):
        if _link_scope(family, src, dst) or (src in appliance and dst in appliance):
            return False
        wanted = {out for dests, out in routes if dst in dests}
        return len(wanted) != 1 or oif in wanted
    return forwarded


def compare(plan, ruleset, fragment, label, families=None, backend=None):
    families = families or ruleset.families
    cmp = Comparison(label, getattr(plan, "ref", "plan"))
    for pkt in packet_classes(plan, ruleset, families):
        ports = PORTS if pkt.proto in ("tcp", "udp") else NOPORT
        want = plan.evaluate(pkt, ports, fragment)
        got = ruleset.evaluate(pkt, ports)
        cmp.classes += 1
        for wp, w in want:
            for gp, g in got:
                both = wp & gp
                if both:
                    _judge(cmp, pkt, both, w, g, fragment, backend)
    return cmp


# Differences a target cannot avoid and that change nothing a connection
# sees: (backends, predicate on (packet, outcome), why).  Each is named in
# the report whenever it applies; anything else is a difference.
ALLOWANCES = [
    (("pf", "netsh", "powershell"),
     lambda pkt, got: pkt.proto == "icmpv6" and pkt.icmp_type in ND_TYPES
     and pkt.hoplimit != 255 and pkt.hook != "forward",
     "neighbour discovery at a hop limit other than 255: pf and the Windows firewall cannot "
     "match the hop limit, and the IPv6 stack discards such packets itself (RFC 4861, 7.1)"),
    (("pf",),
     lambda pkt, got: pkt.hook == "output" and pkt.proto == "tcp" and got.verdict == "accept"
     and "divert-proxy" in got.rule,
     "pf gateway: the connections ftp-proxy(8) opens from the firewall itself to the FTP "
     "servers, which carry the control connections diverted to it"),
]


def allowance(backend, pkt, got):
    for backends, pred, why in ALLOWANCES:
        if backend in backends and pred(pkt, got):
            return why
    return None


def _judge(cmp, pkt, ports, want, got, fragment, backend):
    port = ports.first() if pkt.proto in ("tcp", "udp") else None
    if "impossible" in (want.verdict, got.verdict):
        # No such packet can exist on the target (pf: no state can be made).
        cmp.impossible += 1
        return
    why = allowance(backend, pkt, got)
    if why:
        cmp.allowances.add(why)
        return
    if got.implicit is not None:
        cmp.implicit.add(got.implicit)
        # What the platform accepts by itself must be what the plan accepts
        # (or, in a fragment, leaves to the caller).
        if not (want.verdict == "accept" or fragment and want.verdict == "return"):
            cmp.add(("implicit", got.implicit, want.rule),
                    Difference("implicit", "the platform accepts these packets by itself "
                               "(%s), and no entry does" % got.implicit,
                               pkt.describe(port), "%s by %s" % (want.verdict, want.rule),
                               got.rule))
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
