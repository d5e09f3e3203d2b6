# SPDX-License-Identifier: MIT
"""The seed's matrix through the binding.

The expectations are typed from the vendor document ("Lotus Protector for
Mail Security v2.5.1 Firewall Port Requirements"), not from the spec file,
so they check the whole chain: spec file, parser, profile, policy, binding.
"""
import pytest

import portspec

TCP, UDP = "tcp", "udp"
ZONES = ("outside", "inside", "cluster")
DIRECTIONS = ("inbound", "outbound")
PROTOCOLS = (TCP, UDP)

# The graphic: (direction, zone) -> ports; 53* and 123* from either zone.
# Protocols per DESIGN.md: DNS udp+tcp, NTP and SNMP udp, the rest tcp.
PROTO = {21: (TCP,), 22: (TCP,), 25: (TCP,), 53: (UDP, TCP), 123: (UDP,), 161: (UDP,),
         389: (TCP,), 443: (TCP,), 465: (TCP,), 636: (TCP,), 4443: (TCP,),
         4990: (TCP,), 5432: (TCP,)}
GRAPHIC = {
    ("outbound", "outside"): (25, 53, 123, 443, 465),
    ("inbound", "outside"): (25, 465),
    ("inbound", "inside"): (22, 25, 161, 443, 465, 4443),
    ("outbound", "inside"): (21, 25, 53, 123, 389, 465, 636),
}
SERVICE = {21: "ftp", 22: "ssh", 25: "smtp", 53: "dns", 123: "ntp", 161: "snmp",
           389: "ldap", 443: "https", 465: "smtps", 636: "ldaps", 4443: "https-user",
           4990: "cluster-access", 5432: "cluster-db"}
REQUIRED_PORTS = {25, 53, 123, 389, 443, 4443}
OPTIONAL_PORTS = {21, 22, 161, 465, 636}


def expand(table):
    """{(direction, zone): ports} -> {(zone, direction, protocol, port)}."""
    return {(zone, direction, proto, port)
            for (direction, zone), ports in table.items()
            for port in ports for proto in PROTO[port]}


SEED = expand(GRAPHIC)


def allowed_set(policy):
    """Every (zone, direction, protocol, port) the policy allows, asked port by port."""
    out = set()
    for zone in ZONES:
        for direction in DIRECTIONS:
            for proto in PROTOCOLS:
                allowed = policy.is_allowed
                out.update((zone, direction, proto, port) for port in range(1, 65536)
                           if allowed(zone, direction, proto, port))
    return out


def test_default_policy_is_the_seed_matrix_on_every_port(policy):
    # 3 zones x 2 directions x 2 protocols x 65535 ports.
    assert allowed_set(policy) == SEED


def test_flows_are_the_seed_matrix(policy):
    listed = {(f.zone, f.direction, f.protocol, p) for f in policy for p in f.ports}
    assert listed == SEED
    assert len(policy) == len(list(policy)) == len(SEED)


@pytest.mark.parametrize("zone,direction,proto,port", sorted(SEED))
def test_explain_names_the_seed_service(policy, zone, direction, proto, port):
    flow = policy.explain(zone, direction, proto, port)
    assert flow is not None
    assert flow.service == SERVICE[port]
    assert (flow.zone, flow.direction, flow.protocol) == (zone, direction, proto)
    assert flow.port <= port <= flow.port_last
    assert flow.level == ("required" if port in REQUIRED_PORTS else "optional")
    assert flow.interface == "eth1"
    assert flow.either == (port in (53, 123))


def test_explain_denied_is_none(policy):
    assert policy.explain("outside", "inbound", "tcp", 22) is None
    assert policy.explain("inside", "inbound", "udp", 53) is None


def test_required_only():
    policy = portspec.load_default().policy(required_only=True)
    expected = {t for t in SEED if t[3] in REQUIRED_PORTS}
    assert allowed_set(policy) == expected
    assert {f.level for f in policy} == {"required"}


def test_required_lists_the_required_flows(policy):
    required = policy.required()
    assert required
    assert all(f.level == "required" for f in required)
    assert {(f.zone, f.direction, f.protocol, f.port) for f in required} == \
        {t for t in SEED if t[3] in REQUIRED_PORTS}
    assert policy.flows(level="required") == required


def test_flows_filter(policy):
    assert {f.port for f in policy.flows(zone="outside", direction="inbound")} == {25, 465}
    assert {f.port for f in policy.flows(protocol="udp", zone="inside")} == {53, 123, 161}
    assert {f.level for f in policy.flows(level=["optional"])} == {"optional"}
    assert {f.port for f in policy.flows(level="optional")} == OPTIONAL_PORTS
    assert policy.flows(level="cluster") == []


def test_dns_and_ntp_from_one_zone(spec):
    policy = spec.policy(dns="outside", ntp="inside")
    assert policy.is_allowed("outside", "outbound", "udp", 53)
    assert policy.is_allowed("outside", "outbound", "tcp", 53)
    assert not policy.is_allowed("inside", "outbound", "udp", 53)
    assert not policy.is_allowed("outside", "outbound", "udp", 123)
    assert policy.is_allowed("inside", "outbound", "udp", 123)
    assert any("FQDN" in w for w in policy.warnings)


def test_disable_optional(spec):
    policy = spec.policy(disable=["ssh", "snmp"])
    assert not policy.is_allowed("inside", "inbound", "tcp", 22)
    assert not policy.is_allowed("inside", "inbound", "udp", 161)
    assert policy.is_allowed("inside", "inbound", "tcp", 465)
    assert not any("Lotus Support" in w for w in policy.warnings)


@pytest.mark.parametrize("role,inbound,outbound", [
    ("standalone", False, False),
    ("central", True, False),
    ("member", False, True),
])
def test_cluster_roles(spec, role, inbound, outbound):
    policy = spec.policy(role=role, cluster_peer=["192.0.2.20", "192.0.2.21"],
                         inside="10.0.0.0/8")
    for port in (4990, 5432):
        assert policy.is_allowed("cluster", "inbound", "tcp", port) == inbound
        assert policy.is_allowed("cluster", "outbound", "tcp", port) == outbound
        assert not policy.is_allowed("cluster", "inbound", "udp", port)
    cluster = {f.port for f in policy.flows(level="cluster")}
    assert cluster == (set() if role == "standalone" else {4990, 5432})


def test_cluster_ports(spec):
    services = spec.cluster_ports()
    assert [s.name for s in services] == ["cluster-access", "cluster-db"]
    assert [s.ports for s in services] == [(("tcp", 4990, 4990),), (("tcp", 5432, 5432),)]
    assert all(s.level == "cluster" for s in services)


def test_policy_from_profile_object_and_dict(spec):
    profile = spec.profile(dns="inside")
    a = spec.policy(profile)
    b = spec.policy(**{"dns": "inside"})
    c = spec.policy(dns="inside")
    assert list(a) == list(b) == list(c)
    assert not a.is_allowed("outside", "outbound", "udp", 53)
