# SPDX-License-Identifier: MIT
"""`nft -j list ruleset` (libnftables-json(5)), as the kernel holds it, to a packet evaluator.

Understood, and nothing else: tables of family inet, ip and ip6; filter
base chains on prerouting, input, forward, output and postrouting; regular
chains; named sets of addresses, ports and interface names; ct helper
objects; rules made of matches on meta iifname/oifname/l4proto/nfproto,
ip/ip6 saddr/daddr, ip6 hoplimit, tcp/udp/th dport, icmp/icmpv6 type and
ct state, and the statements counter, ct helper, accept, drop, return, jump
and goto.  Anything else raises ParseError.  nft -j leaves out the
protocol dependencies a payload match implies (ip saddr: IPv4; tcp dport:
tcp); they are put back here.
"""

import json

from atoms import Atoms
from intervals import IntervalSet, PORTS, parse_address, parse_network
from packets import Chain, ParseError, Rule, run_stages

FAMILIES = {"inet": (4, 6), "ip": (4,), "ip6": (6,)}
# The netfilter hooks a packet passes, per plan hook, and the interfaces
# each knows.
PATH = {
    "input": (("prerouting", "iif"), ("input", "iif")),
    "output": (("output", "oif"), ("postrouting", "oif")),
    "forward": (("prerouting", "iif"), ("forward", "both"), ("postrouting", "oif")),
}
L4 = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "ipv6-icmp": "icmpv6", "icmpv6": "icmpv6",
      6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}
ICMP6 = {"nd-router-solicit": 133, "nd-router-advert": 134, "nd-neighbor-solicit": 135,
         "nd-neighbor-advert": 136, "echo-request": 128, "echo-reply": 129, "nd-redirect": 137}
ICMP4 = {"echo-request": 8, "echo-reply": 0}
STATES = {"new", "established", "related", "invalid", "untracked"}
SET_TYPES = {"ipv4_addr": "addr4", "ipv6_addr": "addr6", "inet_service": "port",
             "ifname": "ifname"}
IGNORED_OBJECTS = {"metainfo"}


class NftRuleset:
    def __init__(self, doc, label, fragment=False, fragment_keys=None):
        try:
            self._read(doc, label, fragment, fragment_keys)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise ParseError("%s: malformed nft JSON (%s: %s)" % (label, type(e).__name__, e))

    def _read(self, doc, label, fragment, fragment_keys):
        self.label = label
        self.fragment = fragment
        self.atoms = Atoms()
        self.notes = []
        self.dead_rules = []
        self.tables = {}      # (family, name) -> {"chains": {}, "sets": {}, "helpers": {}}
        self.chains = {}      # (family, table, name) -> Chain
        self.bases = []       # (hook, prio, family, Chain)
        self._fragment_keys = fragment_keys
        rules = []
        if isinstance(doc, str):
            doc = json.loads(doc)
        for obj in doc.get("nftables", []):
            if len(obj) != 1:
                raise ParseError("%s: object with keys %s" % (label, sorted(obj)))
            kind, body = next(iter(obj.items()))
            if kind in IGNORED_OBJECTS:
                continue
            if kind == "table":
                self._table(body)
            elif kind == "chain":
                self._chain(body)
            elif kind == "set":
                self._set(body)
            elif kind == "ct helper":
                self._helper(body)
            elif kind == "rule":
                rules.append(body)
            else:
                raise ParseError("%s: %s objects are not something the backends write"
                                 % (label, kind))
        for body in rules:
            self._rule(body, fragment_keys)
        fams = set()
        for family, _ in self.tables:
            fams.update(FAMILIES[family])
        self.families = tuple(sorted(fams))

    @staticmethod
    def rule_keys(doc):
        """The rules and chains of a readback: what a fragment brought."""
        if isinstance(doc, str):
            doc = json.loads(doc)
        keys = set()
        for obj in doc.get("nftables", []):
            if "rule" in obj:
                r = obj["rule"]
                keys.add((r["family"], r["table"], r["chain"], r["handle"]))
            elif "chain" in obj:
                c = obj["chain"]
                keys.add((c["family"], c["table"], c["name"]))
        return keys

    # ---- objects --------------------------------------------------------------

    def _table(self, t):
        if t["family"] not in FAMILIES:
            raise ParseError("%s: table family %s" % (self.label, t["family"]))
        self.tables[(t["family"], t["name"])] = {"sets": {}, "helpers": {}}

    def _tab(self, body):
        key = (body["family"], body["table"])
        if key not in self.tables:
            raise ParseError("%s: object in unknown table %s %s" % ((self.label,) + key))
        return self.tables[key]

    def _chain(self, c):
        self._tab(c)
        key = (c["family"], c["table"], c["name"])
        origin = "output"
        if self._fragment_keys is not None and key not in self._fragment_keys:
            origin = "caller"
        if "hook" in c:
            if c.get("type") != "filter" or c["hook"] not in ("prerouting", "input", "forward",
                                                               "output", "postrouting"):
                raise ParseError("%s: base chain %s: type %s hook %s" % (
                    self.label, c["name"], c.get("type"), c["hook"]))
            if c.get("policy") not in ("accept", "drop"):
                raise ParseError("%s: base chain %s policy %s" % (self.label, c["name"],
                                                                   c.get("policy")))
            chain = Chain("%s %s %s" % key, c["policy"], origin)
            self.bases.append((c["hook"], int(c["prio"]), c["family"], chain))
        else:
            chain = Chain("%s %s %s" % key, None, origin)
        self.chains[key] = chain

    def _set(self, s):
        tab = self._tab(s)
        kind = SET_TYPES.get(s.get("type")) if isinstance(s.get("type"), str) else None
        if kind is None:
            raise ParseError("%s: set %s of type %s" % (self.label, s["name"], s.get("type")))
        flags = set(s.get("flags", []))
        if flags - {"interval", "constant"}:
            raise ParseError("%s: set %s flags %s" % (self.label, s["name"], sorted(flags)))
        tab["sets"][s["name"]] = (kind, self._values(kind, s.get("elem", []), "set " + s["name"]))

    def _helper(self, h):
        tab = self._tab(h)
        if h.get("type") != "ftp" or h.get("protocol") != "tcp":
            raise ParseError("%s: ct helper %s: type %s protocol %s" % (
                self.label, h["name"], h.get("type"), h.get("protocol")))
        tab["helpers"][h["name"]] = h["type"]

    # ---- values ---------------------------------------------------------------

    def _values(self, kind, items, where):
        """A set of values of one kind: IntervalSet for addresses and ports,
        a frozenset for names."""
        if kind in ("addr4", "addr6", "port", "int", "icmp4", "icmp6"):
            out = IntervalSet()
            for v in items:
                out = out | self._interval(kind, v, where)
            return out
        out = set()
        for v in items:
            if isinstance(v, dict) and "elem" in v:
                v = v["elem"]["val"]
            if not isinstance(v, str) and kind != "l4":
                raise ParseError("%s: %r is not a name" % (where, v))
            out.add(self._name(kind, v, where))
        return frozenset(out)

    def _name(self, kind, v, where):
        if kind == "ifname":
            if "*" in v:
                raise ParseError("%s: interface wildcard %s" % (where, v))
            return v
        if kind == "state":
            if v not in STATES:
                raise ParseError("%s: ct state %s" % (where, v))
            return v
        if kind == "l4":
            if v not in L4:
                raise ParseError("%s: l4proto %s" % (where, v))
            return L4[v]
        if kind == "nfproto":
            if v not in ("ipv4", "ipv6"):
                raise ParseError("%s: nfproto %s" % (where, v))
            return 4 if v == "ipv4" else 6
        raise ParseError("%s: values of kind %s" % (where, kind))

    def _interval(self, kind, v, where):
        if isinstance(v, dict) and "elem" in v:
            extra = set(v["elem"]) - {"val", "comment"}
            if extra:
                raise ParseError("%s: element with %s" % (where, sorted(extra)))
            v = v["elem"]["val"]
        if isinstance(v, dict) and "range" in v:
            a = self._interval(kind, v["range"][0], where)
            b = self._interval(kind, v["range"][1], where)
            return IntervalSet([(a.first(), b.iv[-1][1])])
        if kind in ("port", "int", "icmp4", "icmp6"):
            names = {"icmp4": ICMP4, "icmp6": ICMP6}.get(kind, {})
            if isinstance(v, str) and v in names:
                return IntervalSet.of(names[v])
            if not isinstance(v, int) or isinstance(v, bool):
                raise ParseError("%s: %r is not a number" % (where, v))
            return IntervalSet.of(v)
        family = 4 if kind == "addr4" else 6
        try:
            if isinstance(v, dict) and "prefix" in v:
                f, s = parse_network("%s/%d" % (v["prefix"]["addr"], v["prefix"]["len"]))
            elif isinstance(v, str):
                f, a = parse_address(v)
                s = IntervalSet.of(a)
            else:
                raise ValueError("%r" % (v,))
        except ValueError as e:
            raise ParseError("%s: bad address %s" % (where, e))
        if f != family:
            raise ParseError("%s: IPv%d value where IPv%d is needed" % (where, f, family))
        return s

    def _right(self, tab, kind, right, where):
        """The values on the right of a match: a named set, an anonymous set,
        a list or one value."""
        if isinstance(right, str) and right.startswith("@"):
            name = right[1:]
            if name not in tab["sets"]:
                raise ParseError("%s: unknown set @%s" % (where, name))
            set_kind, values = tab["sets"][name]
            if set_kind != kind:
                raise ParseError("%s: set @%s holds %s, not %s" % (where, name, set_kind, kind))
            return values
        if isinstance(right, dict) and "set" in right:
            return self._values(kind, right["set"], where)
        if isinstance(right, list):
            return self._values(kind, right, where)
        return self._values(kind, [right], where)

    # ---- rules ----------------------------------------------------------------

    def _rule(self, r, fragment_keys):
        key = (r["family"], r["table"], r["chain"])
        chain = self.chains.get(key)
        if chain is None:
            raise ParseError("%s: rule in unknown chain %s" % (self.label, key))
        tab = self._tab(r)
        where = "%s: chain %s handle %s" % (self.label, r["chain"], r.get("handle"))
        text = "table %s %s chain %s handle %s" % (r["family"], r["table"], r["chain"],
                                                   r.get("handle"))
        if r.get("comment"):
            text += " (%s)" % r["comment"]
        origin = "output"
        if fragment_keys is not None and (r["family"], r["table"], r["chain"],
                                          r["handle"]) not in fragment_keys:
            origin = "caller"
        preds, ports, actions = [], None, []
        dead = False
        for expr in r["expr"]:
            if len(expr) != 1:
                raise ParseError("%s: expression %s" % (where, expr))
            k, v = next(iter(expr.items()))
            if actions and k != "counter":
                if actions[-1][0] != "helper":
                    raise ParseError("%s: %s after the verdict" % (where, k))
            if k == "match":
                pred, pset, empty = self._match(tab, r["family"], v, where)
                preds.extend(pred)
                dead = dead or empty
                if pset is not None:
                    ports = pset if ports is None else ports & pset
            elif k == "counter":
                continue
            elif k in ("accept", "drop", "return"):
                actions.append((k, None))
            elif k in ("jump", "goto"):
                target = (r["family"], r["table"], v["target"])
                if target not in self.chains:
                    raise ParseError("%s: %s to unknown chain %s" % (where, k, v["target"]))
                actions.append((k, target))
            elif k == "ct helper":
                if v not in tab["helpers"]:
                    raise ParseError("%s: unknown ct helper %s" % (where, v))
                actions.append(("helper", tab["helpers"][v]))
            else:
                raise ParseError("%s: statement %s" % (where, k))
        if not actions:
            raise ParseError("%s: a rule without a statement the backends write" % where)
        if dead:
            self.dead_rules.append(text)
        if key[0] != "inet":
            fams = FAMILIES[key[0]]
            preds.insert(0, lambda p, fams=fams: p.family in fams)
        for action, target in actions:
            chain.rules.append(Rule(preds, ports, action, target, text, origin))

    def _match(self, tab, family, m, where):
        """(predicates, port set or None, matches an empty set) of one match."""
        op, left, right = m.get("op"), m.get("left"), m.get("right")
        if op not in ("==", "!=", "in"):
            raise ParseError("%s: operator %s" % (where, op))
        neg = op == "!="
        if isinstance(left, dict) and "meta" in left:
            key = left["meta"]["key"]
            kinds = {"iifname": "ifname", "oifname": "ifname", "l4proto": "l4",
                     "nfproto": "nfproto"}
            if key not in kinds or op == "in":
                raise ParseError("%s: meta %s %s" % (where, key, op))
            values = self._right(tab, kinds[key], right, where)
            if key in ("iifname", "oifname"):
                field = "iif" if key == "iifname" else "oif"
                for name in values:
                    self.atoms.add_iface(field, name)
                return [_member(field, values, neg)], None, not values and not neg
            attr = "proto" if key == "l4proto" else "family"
            return [_member(attr, values, neg)], None, not values and not neg
        if isinstance(left, dict) and "ct" in left:
            if left["ct"].get("key") != "state" or op == "!=" and isinstance(right, list):
                raise ParseError("%s: ct %s" % (where, left["ct"]))
            values = self._right(tab, "state", right, where)
            return [_member("state", values, neg)], None, False
        if isinstance(left, dict) and "payload" in left:
            return self._payload(tab, family, left["payload"], op, right, neg, where)
        raise ParseError("%s: match on %s" % (where, left))

    def _payload(self, tab, family, pl, op, right, neg, where):
        proto, field = pl.get("protocol"), pl.get("field")
        if op == "in":
            raise ParseError("%s: %s %s in" % (where, proto, field))
        deps = {"ip": [lambda p: p.family == 4], "ip6": [lambda p: p.family == 6],
                "tcp": [lambda p: p.proto == "tcp"], "udp": [lambda p: p.proto == "udp"],
                "th": [lambda p: p.proto in ("tcp", "udp")],
                "icmp": [lambda p: p.family == 4 and p.proto == "icmp"],
                "icmpv6": [lambda p: p.family == 6 and p.proto == "icmpv6"]}
        if proto not in deps:
            raise ParseError("%s: payload %s" % (where, proto))
        preds = list(deps[proto])
        if proto in ("ip", "ip6") and field in ("saddr", "daddr"):
            fam = 4 if proto == "ip" else 6
            values = self._right(tab, "addr%d" % fam, right, where)
            attr = "src" if field == "saddr" else "dst"
            self.atoms.add_addrs(attr, fam, values)
            return preds + [_in_set(attr, values, neg)], None, not values and not neg
        if proto == "ip6" and field == "hoplimit":
            values = self._right(tab, "int", right, where)
            return preds + [_in_set("hoplimit", values, neg)], None, False
        if proto in ("tcp", "udp", "th") and field == "dport":
            values = self._right(tab, "port", right, where)
            return preds, (PORTS - values if neg else values), not values and not neg
        if proto in ("icmp", "icmpv6") and field == "type":
            values = self._right(tab, "icmp4" if proto == "icmp" else "icmp6", right, where)
            return preds + [_in_set("icmp_type", values, neg)], None, False
        raise ParseError("%s: payload %s %s" % (where, proto, field))

    # ---- evaluation -----------------------------------------------------------

    def evaluate(self, pkt, ports):
        stages = []
        for hook, knows in PATH[pkt.hook]:
            seen = pkt
            if knows == "iif":
                seen = pkt.with_(oif=None)
            elif knows == "oif":
                seen = pkt.with_(iif=None)
            chains = sorted((prio, chain.name, chain) for h, prio, fam, chain in self.bases
                            if h == hook and pkt.family in FAMILIES[fam])
            stages.extend((chain, seen) for _, _, chain in chains)
        return run_stages(self.chains, stages, ports, self.fragment, self.label)


def _member(attr, values, neg):
    return lambda p: (getattr(p, attr) in values) != neg


def _in_set(attr, values, neg):
    def pred(p):
        v = getattr(p, attr)
        return (v is not None and v in values) != neg
    return pred
