# SPDX-License-Identifier: MIT
"""Sets of integers as sorted, disjoint, non-adjacent inclusive intervals.

Addresses (IPv4 as 32-bit, IPv6 as 128-bit integers) and ports are both
sets of integers, so one small type serves every match of every ruleset
and every field of the plan.  Every set also knows its boundaries, the
points where membership can change: the packet classes are cut at them.
"""

import ipaddress

BITS = {4: 32, 6: 128}
PORT_MAX = 65535


class IntervalSet:
    __slots__ = ("iv",)

    def __init__(self, intervals=()):
        merged = []
        for lo, hi in sorted((int(a), int(b)) for a, b in intervals):
            if lo > hi:
                raise ValueError("reversed interval %d-%d" % (lo, hi))
            if merged and lo <= merged[-1][1] + 1:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        self.iv = tuple(merged)

    @classmethod
    def of(cls, *values):
        return cls((v, v) for v in values)

    def __bool__(self):
        return bool(self.iv)

    def __eq__(self, other):
        return isinstance(other, IntervalSet) and self.iv == other.iv

    def __hash__(self):
        return hash(self.iv)

    def __repr__(self):
        return "IntervalSet(%r)" % (self.iv,)

    def __contains__(self, x):
        lo, hi = 0, len(self.iv)
        while lo < hi:
            mid = (lo + hi) // 2
            a, b = self.iv[mid]
            if x < a:
                hi = mid
            elif x > b:
                lo = mid + 1
            else:
                return True
        return False

    def __or__(self, other):
        return IntervalSet(self.iv + other.iv)

    def __and__(self, other):
        out = []
        i = j = 0
        a, b = self.iv, other.iv
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        s = IntervalSet()
        s.iv = tuple(out)
        return s

    def __sub__(self, other):
        out = []
        j = 0
        b = other.iv
        for lo, hi in self.iv:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        s = IntervalSet()
        s.iv = tuple(out)
        return s

    def complement(self, universe):
        return universe - self

    def first(self):
        return self.iv[0][0]

    def size(self):
        return sum(hi - lo + 1 for lo, hi in self.iv)

    def boundaries(self):
        """The points where membership changes: each start and each end + 1."""
        out = set()
        for lo, hi in self.iv:
            out.add(lo)
            out.add(hi + 1)
        return out


def universe(family):
    return IntervalSet([(0, (1 << BITS[family]) - 1)])


PORTS = IntervalSet([(0, PORT_MAX)])


def parse_address(text):
    """(family, integer) of one address; ValueError for anything else."""
    ip = ipaddress.ip_address(text)
    return ip.version, int(ip)


def parse_network(text, strict=True):
    """(family, IntervalSet) of an address, a CIDR or a range 'a-b'."""
    if "-" in text:
        a, b = text.split("-", 1)
        fa, lo = parse_address(a)
        fb, hi = parse_address(b)
        if fa != fb:
            raise ValueError("range %r mixes address families" % text)
        return fa, IntervalSet([(lo, hi)])
    net = ipaddress.ip_network(text, strict=strict)
    return net.version, IntervalSet([(int(net.network_address), int(net.broadcast_address))])


def parse_ports(items, sep, low=1):
    """The IntervalSet of port items "N" or "N<sep>M"; ValueError names a bad one."""
    out = []
    for item in items:
        lo, mid, hi = item.partition(sep)
        if not lo.isdigit() or mid and not hi.isdigit():
            raise ValueError("bad port %r" % item)
        a, b = int(lo), int(hi or lo)
        if not low <= a <= b <= PORT_MAX:
            raise ValueError("bad port range %r" % item)
        out.append((a, b))
    return IntervalSet(out)


def parse_networks(items):
    """{family: IntervalSet} of addresses, CIDRs and ranges "a-b"; ValueError
    names a bad one."""
    sets = {}
    for item in items:
        try:
            fam, s = parse_network(item)
        except ValueError as e:
            raise ValueError("bad address %r: %s" % (item, e))
        sets[fam] = sets.get(fam, IntervalSet()) | s
    return sets


def format_address(family, value):
    return str(ipaddress.IPv4Address(value) if family == 4 else ipaddress.IPv6Address(value))


def format_set(family, s, limit=4):
    """A short human form: '10.0.0.0-10.255.255.255, ...'."""
    parts = []
    for lo, hi in s.iv[:limit]:
        a = format_address(family, lo)
        parts.append(a if lo == hi else "%s-%s" % (a, format_address(family, hi)))
    if len(s.iv) > limit:
        parts.append("... (%d ranges)" % len(s.iv))
    return ", ".join(parts) if parts else "(none)"


def format_ports(s, limit=8):
    parts = ["%d" % lo if lo == hi else "%d-%d" % (lo, hi) for lo, hi in s.iv[:limit]]
    if len(s.iv) > limit:
        parts.append("...")
    return ",".join(parts) if parts else "(none)"
