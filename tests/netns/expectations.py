# SPDX-License-Identifier: MIT
"""What the policy says about one connection, worked out by the lab itself.

The flows come from `portspec list --format json`; which zones an address is
in and which interface a zone is known by come from the lab's own
configuration, so the lab does not take the renderer's word for what a zone
means.  A zone known by addresses and by an interface matches on both: an
outside address arriving on the inside interface is in no zone there.
"""

import ipaddress

from topology import INSIDE_NETS, PEERS


def zones_of(addr, peers=PEERS):
    """The spec's zones an address belongs to: outside is the complement of inside."""
    ip = ipaddress.ip_address(addr)
    inside = any(ip in ipaddress.ip_network(n) for n in INSIDE_NETS)
    zones = {"inside"} if inside else {"outside"}
    if addr in peers:
        zones.add("cluster")
    return zones


def allowed(flows, direction, remote, proto, port, via=None, zone_ifaces=None):
    """The flow that allows this connection, or None.  via: the interface
    the remote end's traffic crosses; zone_ifaces: zone -> the interface the
    profile gives it (zones not in it are known by address only)."""
    zones = zones_of(remote)
    zone_ifaces = zone_ifaces or {}
    ip = ipaddress.ip_address(remote)
    for f in flows:
        if f["direction"] != direction or f["protocol"] != proto or f["zone"] not in zones:
            continue
        if f["zone"] in zone_ifaces and via != zone_ifaces[f["zone"]]:
            continue
        if not f["port"] <= port <= f["port_last"]:
            continue
        addrs = f.get("addresses") or []
        if addrs and not any(ip in ipaddress.ip_network(a, strict=False) for a in addrs):
            continue
        return f
    return None
