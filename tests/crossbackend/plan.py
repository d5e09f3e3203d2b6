# SPDX-License-Identifier: MIT
"""The rule plan (`portspec plan --format json`) as a packet evaluator.

Semantics from the plan API: a NEW connection at (hook, family, protocol)
with remote address r, local address l, destination port p, input
interface i and output interface o is accepted iff some flow entry of that
hook, family and protocol has r in remote, l in local, p in a port range,
iif null or i, oif null or o.  INPUT: src = remote, dst = local; OUTPUT:
src = local, dst = remote; FORWARD: inbound as INPUT, outbound as OUTPUT.
Baseline entries accept loopback traffic, ESTABLISHED/RELATED packets and
IPv6 neighbour discovery (types 133-136, hop limit 255).  A complete
ruleset drops or accepts what no entry accepts as the hook's policy says;
a fragment holds only the entries that are not complete_only and returns
the rest.

The reader is strict: an unknown kind, a field out of place or an address
set whose three forms (ranges, cidrs, matched) disagree is an error, since
every backend is compared with this one file.
"""

import json

from intervals import IntervalSet, parse_address, parse_network, universe, \
    format_ports, format_set
from packets import ND_TYPES, Outcome, ParseError

KINDS = ("flow", "loopback", "established", "neighbor-discovery")
ENTRY_KEYS = {"kind", "complete_only", "hook", "direction", "family", "protocol", "ports",
              "remote", "local", "iif", "oif", "helper", "zone", "services"}


ADDRSET_KEYS = {"match", "ranges", "cidrs", "matched", "label"}


class AddrSet:
    def __init__(self, doc, family, where):
        if not isinstance(doc, dict) or set(doc) - ADDRSET_KEYS:
            raise ParseError("%s: an address set with fields %s" % (
                where, sorted(set(doc) - ADDRSET_KEYS) if isinstance(doc, dict) else doc))
        match = doc.get("match")
        if match not in ("any", "in", "not-in"):
            raise ParseError("%s: match %r is none of any, in, not-in" % (where, match))
        self.match = match
        ranges = _ranges(doc.get("ranges", []), family, where + ".ranges")
        matched = _ranges(doc.get("matched", []), family, where + ".matched")
        cidrs = IntervalSet()
        for c in doc.get("cidrs", []):
            fam, s = parse_network(c)
            if fam != family:
                raise ParseError("%s: cidr %s is not IPv%d" % (where, c, family))
            cidrs = cidrs | s
        full = universe(family)
        expect = {"any": full, "in": ranges, "not-in": full - ranges}[match]
        if match == "any" and ranges:
            raise ParseError("%s: match any with ranges" % where)
        if cidrs != ranges:
            raise ParseError("%s: cidrs and ranges name different addresses" % where)
        if matched != expect:
            raise ParseError("%s: matched is not what %s %s means" % (where, match,
                                                                   format_set(family, ranges)))
        if match == "in" and not ranges:
            raise ParseError("%s: match in with no addresses (a rule that can never match)"
                             % where)
        self.set = matched
        self.family = family

    def describe(self):
        if self.match == "any":
            return "any"
        return "%s{%s}" % ("!" if self.match == "not-in" else "",
                          format_set(self.family, self.set if self.match == "in"
                                     else universe(self.family) - self.set))


def _ranges(items, family, where):
    out = []
    for pair in items:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ParseError("%s: %r is not a [first, last] pair" % (where, pair))
        fa, lo = parse_address(pair[0])
        fb, hi = parse_address(pair[1])
        if fa != family or fb != family:
            raise ParseError("%s: %r is not IPv%d" % (where, pair, family))
        if lo > hi:
            raise ParseError("%s: reversed range %r" % (where, pair))
        out.append((lo, hi))
    s = IntervalSet(out)
    if len(s.iv) != len(out) or tuple(out) != s.iv:
        raise ParseError("%s: ranges are not sorted, disjoint and apart" % where)
    return s


class Entry:
    def __init__(self, index, doc):
        where = "entry %d" % index
        unknown = set(doc) - ENTRY_KEYS
        if unknown:
            # Fields are only ever added at the end: a new one the test does
            # not read could change what the entry matches.
            raise ParseError("%s: unknown fields %s" % (where, sorted(unknown)))
        self.index = index
        self.kind = doc["kind"]
        if self.kind not in KINDS:
            raise ParseError("%s: unknown kind %r" % (where, self.kind))
        self.complete_only = bool(doc["complete_only"])
        self.hook = doc["hook"]
        if self.hook not in ("input", "output", "forward"):
            raise ParseError("%s: unknown hook %r" % (where, self.hook))
        self.family = doc["family"]
        if self.family not in (4, 6):
            raise ParseError("%s: family %r" % (where, self.family))
        self.direction = doc.get("direction")
        self.protocol = doc.get("protocol")
        self.iif = doc.get("iif")
        self.oif = doc.get("oif")
        self.helper = doc.get("helper")
        self.zone = doc.get("zone")
        self.services = doc.get("services", [])
        self.remote = AddrSet(doc["remote"], self.family, where + ".remote")
        self.local = AddrSet(doc["local"], self.family, where + ".local")
        ports = []
        for p in doc.get("ports", []):
            if not 0 < p["first"] <= p["last"] <= 65535:
                raise ParseError("%s: port range %r" % (where, p))
            ports.append((p["first"], p["last"]))
        self.ports = IntervalSet(ports)
        if self.kind == "flow":
            if self.direction not in ("inbound", "outbound"):
                raise ParseError("%s: flow direction %r" % (where, self.direction))
            if self.protocol not in ("tcp", "udp") or not self.ports:
                raise ParseError("%s: a flow needs tcp or udp and ports" % where)
            if self.hook == "input" and self.direction != "inbound" or \
                    self.hook == "output" and self.direction != "outbound":
                raise ParseError("%s: %s on the %s hook" % (where, self.direction, self.hook))
        else:
            if self.direction is not None or self.protocol is not None or self.ports:
                raise ParseError("%s: a baseline entry with a direction, protocol or ports"
                                 % where)
            if self.helper is not None:
                raise ParseError("%s: a baseline entry with a helper" % where)
            if self.kind == "neighbor-discovery" and self.family != 6:
                raise ParseError("%s: neighbour discovery is IPv6" % where)
        # Which packet field holds the remote and the local side.
        outbound = self.direction == "outbound" or (self.direction is None
                                                    and self.hook == "output")
        self.src, self.dst = ((self.local, self.remote) if outbound
                              else (self.remote, self.local))

    def describe(self):
        parts = ["#%d %s" % (self.index, self.kind)]
        if self.kind == "flow":
            parts.append("%s %s IPv%d %s %s" % (self.hook, self.direction, self.family,
                                                self.protocol, format_ports(self.ports)))
            parts.append("zone %s remote %s" % (self.zone, self.remote.describe()))
            if self.local.match != "any":
                parts.append("local %s" % self.local.describe())
        else:
            parts.append("%s IPv%d" % (self.hook, self.family))
        if self.iif:
            parts.append("iif %s" % self.iif)
        if self.oif:
            parts.append("oif %s" % self.oif)
        if self.helper:
            parts.append("helper %s" % self.helper)
        if self.services:
            parts.append("(%s)" % ", ".join(self.services))
        return " ".join(parts)

    def matches_fixed(self, pkt):
        """Every field but the port."""
        if pkt.hook != self.hook or pkt.family != self.family:
            return False
        if self.iif is not None and pkt.iif != self.iif:
            return False
        if self.oif is not None and pkt.oif != self.oif:
            return False
        if pkt.src not in self.src.set or pkt.dst not in self.dst.set:
            return False
        if self.kind == "flow":
            return pkt.state == "new" and pkt.proto == self.protocol
        if self.kind == "established":
            return pkt.state in ("established", "related")
        if self.kind == "neighbor-discovery":
            return pkt.proto == "icmpv6" and pkt.icmp_type in ND_TYPES and pkt.hoplimit == 255
        # loopback: all traffic on lo; an entry that names no interface
        # means the loopback interface of its hook.
        if self.iif is None and self.oif is None:
            return (pkt.iif if self.hook != "output" else pkt.oif) == "lo"
        return True


class Plan:
    def __init__(self, doc, source="plan"):
        self.source = source
        self.mode = doc.get("mode")
        if self.mode not in ("host", "gateway"):
            raise ParseError("%s: mode %r" % (source, self.mode))
        self.drops = {}
        for h in doc.get("hooks", []):
            self.drops[h["hook"]] = bool(h["drop"])
        if set(self.drops) != {"input", "output", "forward"}:
            raise ParseError("%s: hooks %s: want input, output and forward"
                             % (source, sorted(self.drops)))
        self.entries = [Entry(i, e) for i, e in enumerate(doc.get("entries", []))]
        # What the appliance's addresses are (gateway mode): a packet to or
        # from them is forwarded, never the firewall's own.
        self.appliance = {}
        # Routes (gateway mode): (family, destinations, the interface they
        # leave on) -- a packet to the appliance leaves on the interface
        # facing it, one to a zone on the zone's interface, where the profile
        # names them.  Sources are not bound: any source may arrive anywhere.
        self.routes = []
        for e in self.entries:
            if e.kind != "flow" or e.hook != "forward":
                continue
            if e.local.match == "in":
                self.appliance[e.family] = self.appliance.get(e.family, IntervalSet()) | \
                    e.local.set
            if e.oif is not None:
                self.routes.append((e.family, e.dst.set, e.oif))
        self.warnings = doc.get("warnings", [])

    @classmethod
    def from_json(cls, text, source="plan"):
        return cls(json.loads(text), source)

    def families(self):
        return sorted({e.family for e in self.entries})

    def atoms(self, atoms):
        """Records every address and interface the plan distinguishes."""
        for e in self.entries:
            atoms.add_addrs("src", e.family, e.src.set)
            atoms.add_addrs("dst", e.family, e.dst.set)
            for field, name in (("iif", e.iif), ("oif", e.oif)):
                if name is not None:
                    atoms.add_iface(field, name)

    def evaluate(self, pkt, ports, fragment):
        """[(ports, Outcome)] for one packet class: the first entry that
        matches accepts it, and the connection gets that entry's helper."""
        live = ports
        pieces = []
        for e in self.entries:
            if not live:
                break
            if fragment and e.complete_only:
                continue
            if not e.matches_fixed(pkt):
                continue
            hit = live & e.ports if e.kind == "flow" else live
            if not hit:
                continue
            pieces.append((hit, Outcome("accept", e.helper, e.describe(), entry=e.index)))
            live = live - hit
        if live:
            if fragment:
                o = Outcome("return", rule="no entry of the fragment")
            else:
                o = Outcome("drop" if self.drops[pkt.hook] else "accept",
                            rule="hook %s policy (%s)" % (pkt.hook, "drop" if self.drops[pkt.hook]
                                                          else "accept"))
            pieces.append((live, o))
        return pieces

    def entry(self, index):
        return self.entries[index]
