# SPDX-License-Identifier: MIT
"""Packets, outcomes and the walk of Linux-style rule chains.

A packet here is one representative of a packet class: every field but the
destination port is concrete; the destination ports travel as a set, so
one walk of a ruleset decides every port class of a packet at once.  An
evaluation answers a list of (ports, outcome) pieces that partition the
ports it was given.
"""

from dataclasses import dataclass, replace
from typing import Optional

from intervals import IntervalSet, format_address

HOOKS = ("input", "output", "forward")
STATES = ("new", "established", "related")
# ICMPv6 types the classes probe: echo request and the four neighbour
# discovery types, plus redirect (137), which is not one of them.
ND_TYPES = (133, 134, 135, 136)
ICMP6_TYPES = (128,) + ND_TYPES + (137,)
ICMP4_TYPES = (8,)
HOPLIMITS = (255, 64)
NOPORT = IntervalSet.of(0)  # the port set of a packet without ports
# An interface name no ruleset or plan uses: "any other interface".
OTHER_IF = "psother0"


@dataclass(frozen=True)
class Packet:
    hook: str                 # input, output, forward (where the plan sees it)
    family: int               # 4 or 6
    proto: str                # tcp, udp, icmp, icmpv6
    src: int
    dst: int
    iif: Optional[str]        # None where there is no input interface (output)
    oif: Optional[str]        # None where there is no output interface (input)
    state: str = "new"
    icmp_type: Optional[int] = None
    hoplimit: int = 64
    src_self: bool = False    # the source is the filtering host itself (pf's "(self)")
    dst_self: bool = False

    def with_(self, **kw):
        return replace(self, **kw)

    def describe(self, port=None):
        s = "%s IPv%d %s %s %s -> %s" % (self.hook, self.family, self.state, self.proto,
                                         format_address(self.family, self.src),
                                         format_address(self.family, self.dst))
        if self.proto in ("tcp", "udp") and port is not None:
            s += " dport %d" % port
        if self.icmp_type is not None:
            s += " type %d hop limit %d" % (self.icmp_type, self.hoplimit)
        if self.iif is not None:
            s += " iif %s" % self.iif
        if self.oif is not None:
            s += " oif %s" % self.oif
        return s


@dataclass(frozen=True)
class Outcome:
    # accept, drop, return (a fragment leaves it to its caller), or
    # impossible (no such packet can exist on the target)
    verdict: str
    helper: Optional[str] = None    # conntrack helper the connection gets ("ftp")
    rule: str = ""                  # what decided, for messages
    implicit: Optional[str] = None  # baseline kind a platform provides without a rule
    entry: Optional[int] = None     # plan outcomes: the deciding entry's index


class ParseError(Exception):
    """The ruleset holds something the readers do not know: the test fails
    rather than guess what it means."""


# ---- Linux-style chains -------------------------------------------------------


class Rule:
    """One rule: predicates on the fixed fields, an optional destination port
    set, and an action: accept, drop, return, jump, goto or helper (set a
    helper and go on)."""

    __slots__ = ("preds", "ports", "action", "target", "text", "origin")

    def __init__(self, preds, ports, action, target, text, origin="output"):
        self.preds = preds
        self.ports = ports
        self.action = action
        self.target = target
        self.text = text
        self.origin = origin


class Chain:
    """origin: "output" for what the rendered output brought, "caller" for
    what hooks a fragment in (base chains, jumps)."""

    __slots__ = ("name", "rules", "policy", "origin")

    def __init__(self, name, policy=None, origin="output"):
        self.name = name
        self.rules = []
        self.policy = policy   # base chains: accept or drop; regular chains: None
        self.origin = origin


MAX_DEPTH = 32


def walk(chains, chain, pkt, live, depth=0, only_jumps=False):
    """Runs pieces [(ports, helper)] through a chain.  Returns
    [(ports, verdict, helper, rule)] where verdict is accept, drop or
    "return" (the chain returned, or fell off its end: rule is None).
    only_jumps: of the rules that hook a fragment in, only the jumps count."""
    if depth > MAX_DEPTH:
        raise ParseError("chain %s: jumps nest deeper than %d" % (chain.name, MAX_DEPTH))
    done = []
    for rule in chain.rules:
        if not live:
            break
        if only_jumps and rule.origin == "caller" and rule.action not in ("jump", "goto"):
            continue
        if not all(p(pkt) for p in rule.preds):
            continue
        nxt = []
        for ports, helper in live:
            if rule.ports is None:
                hit, rest = ports, None
            else:
                hit = ports & rule.ports
                if not hit:
                    nxt.append((ports, helper))
                    continue
                rest = ports - hit
            if rest:
                nxt.append((rest, helper))
            act = rule.action
            if act == "helper":
                nxt.append((hit, rule.target))
            elif act in ("accept", "drop"):
                done.append((hit, act, helper, rule))
            elif act == "return":
                done.append((hit, "return", helper, rule))
            elif act in ("jump", "goto"):
                for p, verdict, h, r in walk(chains, chains[rule.target], pkt, [(hit, helper)],
                                             depth + 1, only_jumps):
                    if verdict != "return":
                        done.append((p, verdict, h, r))
                    elif act == "jump":
                        nxt.append((p, h))
                    else:  # a goto's return goes back to this chain's caller
                        done.append((p, "return", h, r))
            else:
                raise ParseError("unknown action %r" % act)
        live = nxt
    done.extend((ports, "return", helper, None) for ports, helper in live)
    return done


def run_stages(chains, stages, ports, fragment, label):
    """Runs a packet through base chains in order, [(base chain, the packet as
    that hook sees it)]: each must accept for the packet to go on.  Answers
    [(ports, Outcome)].  A fragment is judged on every packet its hooks
    send it: of the rules that hook it in only the jumps count (not, say,
    the loopback accept of the header's example), and a verdict that no rule
    of the fragment gave is "return"."""
    live = [(ports, None, None)]   # (ports, helper, the fragment's own accepting rule)
    out = []
    for base, pkt in stages:
        nxt = []
        for p, helper, own in live:
            for q, verdict, h, rule in walk(chains, base, pkt, [(p, helper)],
                                            only_jumps=fragment):
                if verdict == "return":
                    verdict, decided = base.policy, None
                else:
                    decided = rule
                if verdict == "drop":
                    out.append((q, _outcome(verdict, h, decided, base, fragment, label)))
                else:
                    mine = decided if decided is not None and decided.origin == "output" else own
                    nxt.append((q, h, mine))
        live = nxt
    for p, helper, own in live:
        if fragment and own is None:
            out.append((p, Outcome("return", helper, "%s: no rule of the fragment" % label)))
        else:
            out.append((p, Outcome("accept", helper, _describe(own, None, label))))
    return out


def _outcome(verdict, helper, rule, base, fragment, label):
    if fragment and (rule is None or rule.origin != "output"):
        return Outcome("return", helper, "caller: " + _describe(rule, base, label))
    return Outcome(verdict, helper, _describe(rule, base, label))


def _describe(rule, base, label):
    if rule is None:
        return "%s: policy of %s" % (label, base.name if base else "the hook")
    return "%s: %s" % (label, rule.text)
