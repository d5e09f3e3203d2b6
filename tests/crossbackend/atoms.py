# SPDX-License-Identifier: MIT
"""The points where a ruleset or a plan can tell two packets apart.

Every reader records here each address set and interface name it matches
on, per field (src, dst, iif, oif) and family; the packet classes are the
cells between those points, so one representative per cell sees every
decision the ruleset and the plan can make.
"""

from intervals import universe


class Atoms:
    def __init__(self):
        self.addr = {}     # (field, family) -> set of boundary points
        self.ifaces = {}   # field -> set of names

    def add_addrs(self, field, family, s):
        self.addr.setdefault((field, family), set()).update(s.boundaries())
        return s

    def add_iface(self, field, name):
        self.ifaces.setdefault(field, set()).add(name)

    def merge(self, other):
        for k, v in other.addr.items():
            self.addr.setdefault(k, set()).update(v)
        for k, v in other.ifaces.items():
            self.ifaces.setdefault(k, set()).update(v)

    def representatives(self, field, family):
        """One address per cell: the start of each cell, from 0 up."""
        top = universe(family).iv[0][1]
        points = {0} | {p for p in self.addr.get((field, family), ()) if 0 <= p <= top}
        return sorted(points)

    def names(self, field):
        return sorted(self.ifaces.get(field, ()))
