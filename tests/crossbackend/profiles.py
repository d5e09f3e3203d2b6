# SPDX-License-Identifier: MIT
"""The profiles every rule backend is compared with the plan for.

Chosen to cover what the backends used to decide for themselves: roles,
where DNS and NTP are served, server narrowing inside and outside in both
families, zones with one family only, an appliance with one family only
(gateway mode), nested and adjacent networks, a spec with a second
networks zone, zone interfaces in host and gateway mode, and required-only.
"""

import os
from dataclasses import dataclass, field
from typing import Optional

HERE = os.path.dirname(os.path.abspath(__file__))

APPLIANCE = ["appliance=203.0.113.25", "appliance=2001:db8:25::25"]
INSIDE = ["inside=10.20.0.0/16", "inside=2001:db8:20::/48"]
PEERS = ["cluster-peer=203.0.113.26", "cluster-peer=2001:db8:25::26"]
BASE = APPLIANCE + INSIDE + PEERS


@dataclass
class Profile:
    name: str
    sets: list
    spec: Optional[str] = None
    modes: tuple = ("host", "gateway")
    # A plan derived by hand from the profile and the spec (plans/NAME-MODE.json).
    hand_plans: tuple = ()
    why: str = ""
    args: list = field(init=False)

    def __post_init__(self):
        self.args = []
        if self.spec:
            self.args += ["--spec", os.path.join(HERE, "specs", self.spec)]
        for s in self.sets:
            self.args += ["--set", s]


PROFILES = [
    Profile("default", [], why="the documentation example addresses"),
    Profile("central", BASE + ["role=central"]),
    Profile("member", BASE + ["role=member"]),
    Profile("dns-inside-ntp-outside", BASE + ["dns=inside", "ntp=outside"]),
    Profile("dns-outside-ntp-inside", BASE + ["dns=outside", "ntp=inside"]),
    Profile("servers-inside", BASE + ["interface=eth1", "dns=inside", "ntp=inside",
                                      "server=dns:10.20.0.53", "server=dns:2001:db8:20::53",
                                      "server=ntp:10.20.0.123"],
            hand_plans=("host",),
            why="DNS narrowed to one inside server per family, NTP to an IPv4 one only"),
    Profile("servers-outside", BASE + ["dns=outside", "ntp=outside",
                                       "server=dns:198.51.100.53", "server=dns:2001:db8:77::53",
                                       "server=ntp:192.0.2.123"]),
    Profile("servers-both", BASE + ["server=dns:10.20.0.53", "server=dns:198.51.100.53",
                                    "server=ntp:2001:db8:77::123"],
            why="DNS narrowed in both zones; NTP to one outside IPv6 server: inside no "
                "longer served"),
    Profile("inside-v4-only", APPLIANCE + PEERS + ["inside=10.0.0.0/8"]),
    Profile("inside-v6-only", APPLIANCE + PEERS + ["inside=2001:db8:100::/48"]),
    Profile("appliance-v4-only", INSIDE + ["appliance=10.0.0.25"]),
    Profile("appliance-v6-only", INSIDE + ["appliance=2001:db8:100::25"]),
    Profile("no-shared-family", ["appliance=10.0.0.25", "inside=2001:db8:100::/48"],
            why="the zones share no family with the appliance for the inside flows"),
    Profile("nested", APPLIANCE + ["inside=10.0.0.0/8", "inside=10.1.0.0/16",
                                   "inside=2001:db8:100::/48", "inside=2001:db8:100:1::/64"]),
    Profile("adjacent", APPLIANCE + ["inside=10.0.0.0/24", "inside=10.0.1.0/24",
                                     "inside=2001:db8:100::/64", "inside=2001:db8:100:1::/64"]),
    Profile("two-networks", APPLIANCE + ["inside=192.0.2.0/25", "dmz=192.0.2.128/25",
                                         "inside=2001:db8:2::/64", "dmz=2001:db8:3::/64"],
            spec="two-networks.portspec", why="a second networks zone, adjacent to inside"),
    Profile("interface", BASE + ["interface=ens3"]),
    Profile("interface-and-zone-keys", BASE + ["interface=ens3", "outside-interface=wan0",
                                               "inside-interface=lan0"]),
    Profile("interface-per-zone", BASE + ["interface=outside:wan0,inside:lan0"]),
    Profile("gateway-interfaces", BASE + ["role=central", "outside-interface=wan0",
                                          "inside-interface=lan0",
                                          "appliance-interface=app0"],
            hand_plans=("gateway",)),
    Profile("inside-interface-only", APPLIANCE + ["inside=10.20.0.0/16", "inside-interface=lan0"],
            why="an inside interface, and no IPv6 inside network"),
    Profile("appliance-interface-only", BASE + ["appliance-interface=app0"]),
    Profile("required-only", BASE + ["required-only=true"]),
]

BY_NAME = {p.name: p for p in PROFILES}


def hand_plan_path(profile, mode):
    return os.path.join(HERE, "plans", "%s-%s.json" % (profile.name, mode))
