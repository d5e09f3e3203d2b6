# SPDX-License-Identifier: MIT
"""pf.conf(5) text, as the pf backend writes it, to a packet evaluator.

No pf runs here, so the text is read by this parser: strictly the subset
the backend emits (macros, tables, `set skip on`, `block`, `pass` with
direction, quick, on, inet/inet6, proto, icmp6-type, from/to with tables
(whose entries may be `self` or `!self`), negated tables, (self) and
! (self), any, addresses and address lists (which may hold (self)), ports,
flags S/SA, keep state or no state, divert-to, and anchors); anything else
raises ParseError.

How pf decides, as modelled here (pf.conf(5), "PACKET FILTERING"):
* the last matching rule wins, unless a matching rule is quick; with no
  rule matching, a packet passes;
* a packet on an interface of `set skip on` bypasses pf (loopback);
* packets of a connection with a state pass without rule evaluation: a
  reply or an ICMP error of a connection that a keep-state rule passed is
  accepted ("established" and "related");
* a forwarded packet is filtered twice, in on its input interface and out
  on its output interface, and must pass both;
* `(self)` is the filtering host's own addresses: true for the destination
  of a packet to the host, the source of one from it; a table entry `self`
  puts those addresses in the table, `!self` takes them out (pf.conf(5)
  TABLES: the most specific entry decides, and a host address is more
  specific than any network);
* `divert-to` hands the connection to a local proxy (ftp-proxy, which opens
  the FTP data connections in its anchor): the proxy's own connection,
  from (self), must then pass out.
"""

import re

from atoms import Atoms
from intervals import IntervalSet, parse_network, parse_networks, parse_ports
from packets import Outcome, ParseError

ICMP6_TYPES = {"neighbrsol": 135, "neighbradv": 136, "routersol": 133, "routeradv": 134,
               "echoreq": 128, "redir": 137}
PROTOS = {"tcp", "udp", "icmp", "icmp6"}
TOKEN = re.compile(r'\s*(?:("[^"]*")|(<[^>\s]+>)|(\(self\))|([{},!])|([^\s{},!"]+))')


def tokenize(line, where):
    out = []
    pos = 0
    line = line.rstrip()
    while pos < len(line):
        m = TOKEN.match(line, pos)
        if not m or m.end() == pos:
            raise ParseError("%s: cannot read %r" % (where, line[pos:]))
        out.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
    return out


class Host:
    """One side of a rule: any, (self), a table, an address list; maybe negated.
    ``self_entry``: True when the firewall's own addresses are in the set
    (a table's `self`, a list's `(self)`), False when a table takes them out
    (`!self`), None when the addresses alone decide."""

    def __init__(self, kind, sets=None, neg=False, text="", self_entry=None):
        self.kind = kind          # any, self, addrs
        self.sets = sets or {}    # family -> IntervalSet
        self.neg = neg
        self.text = text
        self.self_entry = self_entry

    def only_self(self):
        """(self) itself: the firewall's own addresses and nothing else."""
        return self.kind == "self" and not self.neg

    def matches(self, family, addr, is_self):
        if self.kind == "self" and self.neg:
            return not is_self
        if self.kind == "addrs" and is_self and self.self_entry is not None:
            return self.self_entry != self.neg
        if self.kind == "any":
            return True
        if self.kind == "self":
            return is_self
        return (addr in self.sets.get(family, IntervalSet())) != self.neg

    def empty(self, family):
        return self.kind == "addrs" and not self.neg and not self.sets.get(family)


class PfRule:
    __slots__ = ("action", "direction", "quick", "ifaces", "family", "protos", "icmp_types",
                 "src", "dst", "ports", "state", "divert", "text", "anchor")

    def matches(self, direction, iface, pkt):
        if self.direction is not None and self.direction != direction:
            return False
        if self.ifaces is not None and iface not in self.ifaces:
            return False
        if self.family is not None and pkt.family != self.family:
            return False
        if self.protos is not None and pkt.proto not in self.protos:
            return False
        if self.icmp_types is not None and pkt.icmp_type not in self.icmp_types:
            return False
        return (self.src.matches(pkt.family, pkt.src, pkt.src_self)
                and self.dst.matches(pkt.family, pkt.dst, pkt.dst_self))


class PfRuleset:
    def __init__(self, text, label, fragment=False):
        self.label = label
        self.fragment = fragment
        self.atoms = Atoms()
        self.macros = {}
        self.tables = {}
        self.skip = set()
        self.rules = []
        self.anchors = []
        self.dead_rules = []
        self.notes = []
        for n, line in enumerate(text.split("\n"), 1):
            where = "%s line %d" % (label, n)
            stripped = line.split("#", 1)[0].strip() if '"' not in line else line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.endswith("\\"):
                raise ParseError("%s: continued line" % where)
            try:
                self._statement(tokenize(stripped, where), where, stripped)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
                raise ParseError("%s: cannot read %r (%s)" % (where, stripped, e))
        self.keeps_state = any(r.action == "pass" and r.state == "keep" for r in self.rules)
        self.families = (4, 6)
        self._explain()

    # ---- parsing ------------------------------------------------------------------

    def _statement(self, t, where, line):
        if len(t) == 3 and t[1] == "=" and t[2].startswith('"'):
            if not re.fullmatch(r"[a-z][a-z0-9_]*", t[0]):
                raise ParseError("%s: macro name %s" % (where, t[0]))
            self.macros[t[0]] = t[2].strip('"')
        elif t[0] == "table":
            self._table(t, where)
        elif t[:3] == ["set", "skip", "on"]:
            if self.fragment:
                raise ParseError("%s: `set` in an anchor" % where)
            for name in t[3:]:
                self.skip.add(self._iface(name, where))
        elif t[0] == "anchor":
            if len(t) != 2 or not t[1].startswith('"'):
                raise ParseError("%s: anchor %s" % (where, " ".join(t[1:])))
            name = t[1].strip('"')
            if name != "ftp-proxy/*":
                raise ParseError("%s: anchor %s is not one the backend writes" % (where, name))
            self.anchors.append(name)
        elif t[0] in ("pass", "block"):
            self.rules.append(self._rule(t, where, line))
        else:
            raise ParseError("%s: statement %r" % (where, line))

    def _table(self, t, where):
        m = re.fullmatch(r"<([a-z0-9][a-z0-9_-]*)>", t[1]) if len(t) > 1 else None
        if not m:
            raise ParseError("%s: table name" % where)
        sets = {}
        self_entry = None
        if t[2:] == ["persist"]:
            pass
        elif t[2:4] == ["const", "{"] and t[-1] == "}":
            items = t[4:-1]
            for k, item in enumerate(items):
                if item in (",", "!"):
                    continue
                if item == "self":
                    if self_entry is not None:
                        raise ParseError("%s: self twice in a table" % where)
                    self_entry = not (k and items[k - 1] == "!")
                    continue
                if k and items[k - 1] == "!":
                    raise ParseError("%s: a negated table address %s" % (where, item))
                try:
                    fam, s = parse_network(item)
                except ValueError as e:
                    raise ParseError("%s: table address %s: %s" % (where, item, e))
                sets[fam] = sets.get(fam, IntervalSet()) | s
        else:
            raise ParseError("%s: table form %s" % (where, " ".join(t[2:])))
        self.tables[m.group(1)] = (sets, self_entry)

    def _iface(self, name, where):
        if name.startswith("$"):
            if name[1:] not in self.macros:
                raise ParseError("%s: undefined macro %s" % (where, name))
            name = self.macros[name[1:]]
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,15}", name):
            raise ParseError("%s: interface %s" % (where, name))
        return name

    def _rule(self, t, where, line):
        r = PfRule()
        r.text = line
        r.action = t[0]
        r.direction = None
        r.quick = False
        r.ifaces = None
        r.family = None
        r.protos = None
        r.icmp_types = None
        r.src = r.dst = Host("any")
        r.ports = None
        r.state = "keep" if r.action == "pass" else None
        r.divert = False
        i = 1
        if t[i:i + 1] and t[i] in ("in", "out"):
            r.direction = t[i]
            i += 1
        if t[i:i + 1] == ["log"]:
            i += 1
        if t[i:i + 1] == ["quick"]:
            r.quick = True
            i += 1
        if t[i:i + 1] == ["on"]:
            r.ifaces = {self._iface(t[i + 1], where)}
            i += 2
        if t[i:i + 1] and t[i] in ("inet", "inet6"):
            r.family = 4 if t[i] == "inet" else 6
            i += 1
        if t[i:i + 1] == ["proto"]:
            p = t[i + 1]
            if p not in PROTOS:
                raise ParseError("%s: proto %s" % (where, p))
            r.protos = {"icmpv6" if p == "icmp6" else p}
            i += 2
        i = self._icmp6_type(t, i, r, where)
        # "all", or "from HOST" and/or "to HOST [port P]" (a side left out is any).
        if t[i:i + 1] == ["all"]:
            i += 1
        else:
            if t[i:i + 1] == ["from"]:
                r.src, i = self._host(t, i + 1, where, "src")
                if t[i:i + 1] == ["port"]:
                    raise ParseError("%s: a source port" % where)
            if t[i:i + 1] == ["to"]:
                r.dst, i = self._host(t, i + 1, where, "dst")
                if t[i:i + 1] == ["port"]:
                    if r.protos is None or not r.protos <= {"tcp", "udp"}:
                        raise ParseError("%s: port without proto tcp or udp" % where)
                    r.ports, i = self._ports(t, i + 1, where)
        # icmp6-type is a filter option: after the hosts (pf.conf(5) GRAMMAR),
        # or alone when there are none.
        i = self._icmp6_type(t, i, r, where)
        while i < len(t):
            if t[i:i + 2] == ["flags", "S/SA"]:
                if r.protos != {"tcp"}:
                    raise ParseError("%s: flags on a rule that is not tcp" % where)
                i += 2
            elif t[i:i + 2] == ["keep", "state"]:
                r.state = "keep"
                i += 2
            elif t[i:i + 2] == ["no", "state"]:
                r.state = "no"
                i += 2
            elif t[i] == "allow-opts":
                # IP options and IPv6 extension headers are not part of the
                # packet model: the rule decides as it would without them.
                i += 1
            elif t[i] == "divert-to" and len(t) == i + 4 and t[i + 2] == "port":
                if r.direction != "in" or r.action != "pass":
                    raise ParseError("%s: divert-to on a rule that is not pass in" % where)
                if t[i + 1] not in ("127.0.0.1", "::1"):
                    raise ParseError("%s: divert-to %s" % (where, t[i + 1]))
                r.divert = True
                i += 4
            else:
                raise ParseError("%s: unexpected %r" % (where, " ".join(t[i:])))
        if r.protos == {"tcp"} and r.action == "pass" and "flags" not in t and not r.divert \
                and r.state == "keep":
            raise ParseError("%s: a tcp pass rule without flags S/SA" % where)
        if self.fragment and not r.quick:
            # In an anchor, a rule without quick only sets the last match for
            # the main ruleset: what the caller then does is not the fragment's.
            raise ParseError("%s: a rule without quick in an anchor" % where)
        # A rule no packet of its families can match (an empty table).
        fams = [r.family] if r.family else [4, 6]
        if all(r.src.empty(f) or r.dst.empty(f) for f in fams):
            self.dead_rules.append("%s (%s)" % (where, line))
        return r

    def _icmp6_type(self, t, i, r, where):
        if t[i:i + 1] != ["icmp6-type"]:
            return i
        if r.protos != {"icmpv6"} or r.icmp_types is not None:
            raise ParseError("%s: icmp6-type without proto icmp6, or twice" % where)
        types, i = self._list(t, i + 1, where)
        try:
            r.icmp_types = {ICMP6_TYPES[x] for x in types}
        except KeyError as e:
            raise ParseError("%s: icmp6-type %s" % (where, e))
        return i

    def _list(self, t, i, where):
        if t[i] != "{":
            return [t[i]], i + 1
        items = []
        i += 1
        while i < len(t) and t[i] != "}":
            if t[i] != ",":
                items.append(t[i])
            i += 1
        if i >= len(t):
            raise ParseError("%s: unclosed list" % where)
        return items, i + 1

    def _host(self, t, i, where, field):
        neg = False
        if t[i] == "!":
            neg = True
            i += 1
        tok = t[i]
        self_entry = None
        if tok == "any" and not neg:
            return Host("any", text="any"), i + 1
        if tok == "(self)":
            return Host("self", neg=neg, text=("! " if neg else "") + "(self)"), i + 1
        if tok.startswith("<"):
            name = tok[1:-1]
            if name not in self.tables:
                raise ParseError("%s: table <%s> used before it is defined" % (where, name))
            sets, self_entry = self.tables[name]
            text = ("! " if neg else "") + tok
        elif tok == "{":
            if neg:
                raise ParseError("%s: a negated list" % where)
            items, j = self._list(t, i, where)
            if "(self)" in items:
                items = [x for x in items if x != "(self)"]
                self_entry = True
            sets = self._addrs(items, where)
            return self._record(Host("addrs", sets, False, " ".join(items), self_entry),
                                field), j
        else:
            sets = self._addrs([tok], where)
            text = ("! " if neg else "") + tok
        return self._record(Host("addrs", sets, neg, text, self_entry), field), i + 1

    def _record(self, host, field):
        for fam, s in host.sets.items():
            self.atoms.add_addrs(field, fam, s)
        return host

    def _addrs(self, items, where):
        if any(item.startswith("!") for item in items):
            raise ParseError("%s: a negated list item in %s" % (where, items))
        try:
            return parse_networks(items)
        except ValueError as e:
            raise ParseError("%s: %s" % (where, e))

    def _ports(self, t, i, where):
        items, j = self._list(t, i, where)
        try:
            return parse_ports(items, ":"), j
        except ValueError as e:
            raise ParseError("%s: %s" % (where, e))

    def _explain(self):
        for fam_set, _ in self.tables.values():
            for fam, s in fam_set.items():
                self.atoms.add_addrs("src", fam, s)
                self.atoms.add_addrs("dst", fam, s)
        for r in self.rules:
            if r.ifaces:
                for name in r.ifaces:
                    self.atoms.add_iface("iif", name)
                    self.atoms.add_iface("oif", name)
        for name in self.skip:
            self.atoms.add_iface("iif", name)
            self.atoms.add_iface("oif", name)
        if self.skip:
            self.notes.append("loopback: set skip on %s" % " ".join(sorted(self.skip)))
        if self.keeps_state:
            self.notes.append("established/related: the state table (pass rules keep state)")
        if any(r.icmp_types for r in self.rules):
            self.notes.append("neighbour discovery: a pass rule for ICMPv6 types %s, at any "
                              "hop limit (pf cannot match the hop limit)" % sorted(
                                  set().union(*(r.icmp_types for r in self.rules
                                                if r.icmp_types))))
        if self.anchors:
            self.notes.append("FTP data: the anchor ftp-proxy/* of ftp-proxy(8), control "
                              "connections diverted to it")

    # ---- evaluation -------------------------------------------------------------

    def _direction(self, direction, iface, pkt, ports):
        """[(ports, rule or None)]: the deciding rule per port piece."""
        if iface in self.skip:
            return [(ports, "skip")]
        pieces = [(ports, None)]      # (ports, last match so far)
        final = []
        for r in self.rules:
            if not pieces:
                break
            if not r.matches(direction, iface, pkt):
                continue
            nxt = []
            for p, last in pieces:
                hit = p if r.ports is None else p & r.ports
                rest = None if r.ports is None else p - hit
                if rest:
                    nxt.append((rest, last))
                if not hit:
                    continue
                if r.quick:
                    final.append((hit, r))
                else:
                    nxt.append((hit, r))
            pieces = nxt
        return final + pieces

    def _proxy_port(self, out_rule):
        """Whether a pass-out rule from (self) is ftp-proxy's own connection:
        some divert-to rule diverts the same port to the proxy."""
        return out_rule.ports is not None and any(
            r.divert and r.ports is not None and r.ports & out_rule.ports for r in self.rules)

    def states_possible(self, hook, family):
        """Whether a pass rule that keeps state can match a new connection at
        this hook: only then can a packet there belong to a state."""
        for r in self.rules:
            if r.action != "pass" or r.state != "keep" or r.family not in (None, family):
                continue
            if hook == "input" and r.direction in (None, "in") and not r.src.only_self():
                return True
            if hook == "output" and r.direction in (None, "out") and not r.dst.only_self():
                return True
            if hook == "forward" and not r.src.only_self() and not r.dst.only_self():
                return True
        return False

    def evaluate(self, pkt, ports):
        skipped = (pkt.iif if pkt.hook == "input" else pkt.oif) in self.skip
        if pkt.hook != "forward" and skipped:
            return [(ports, self._verdict("skip"))]
        if pkt.state != "new":
            if not self.states_possible(pkt.hook, pkt.family):
                # Without a state no packet is established or related in pf.
                return [(ports, Outcome("impossible", rule="%s: no state can exist" % self.label))]
            return [(ports, Outcome("accept", rule="%s: pf state table" % self.label,
                                    implicit="established"))]
        if pkt.hook == "input":
            return [(p, self._verdict(r)) for p, r in self._direction("in", pkt.iif, pkt, ports)]
        if pkt.hook == "output":
            return [(p, self._verdict(r)) for p, r in
                    self._direction("out", pkt.oif, pkt, ports)]
        out = []
        for p, r_in in self._direction("in", pkt.iif, pkt, ports):
            first = self._verdict(r_in)
            if first.verdict != "accept":
                out.append((p, first))
                continue
            onward = pkt
            helper = None
            if r_in not in (None, "skip") and r_in.divert:
                # The proxy connects from the filtering host itself.
                onward = pkt.with_(src=-1, src_self=True)
                helper = "ftp"
            for q, r_out in self._direction("out", pkt.oif, onward, p):
                second = self._verdict(r_out)
                if second.verdict == "accept":
                    out.append((q, Outcome("accept", helper, "%s | %s" % (first.rule,
                                                                          second.rule))))
                elif second.verdict == "return":
                    out.append((q, Outcome("return", None, "%s, passed in by %s only"
                                           % (second.rule, first.rule))))
                else:
                    out.append((q, second))
        return out

    def _verdict(self, rule):
        if rule not in (None, "skip") and rule.action == "pass" and rule.direction == "out" \
                and rule.src.only_self() and self._proxy_port(rule):
            return Outcome("accept", rule="%s: %s (divert-proxy)" % (self.label, rule.text))
        if rule == "skip":
            return Outcome("accept", rule="%s: set skip" % self.label, implicit=None)
        if rule is None:
            if self.fragment:
                return Outcome("return", rule="%s: no rule of the anchor" % self.label)
            return Outcome("accept", rule="%s: no rule matches (pf passes)" % self.label)
        verdict = "accept" if rule.action == "pass" else "drop"
        return Outcome(verdict, rule="%s: %s" % (self.label, rule.text))
