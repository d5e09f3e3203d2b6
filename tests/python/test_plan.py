# SPDX-License-Identifier: MIT
"""The rule plan from Python: entries as frozen dataclasses, checks by address."""
import dataclasses
import ipaddress
import json

import pytest

import portspec

SITE = dict(inside=["10.20.0.0/16", "fd12:3456::/48"], appliance=["10.20.5.25", "fd12:3456::25"],
            dns="inside", server=["dns:10.20.0.53"])


@pytest.fixture(scope="module")
def policy():
    return portspec.load_default().policy(**SITE)


def test_plan_entries_are_the_json_plan(policy):
    for mode in ("host", "gateway"):
        plan = policy.plan(mode)
        data = json.loads(policy.render("plan", mode))
        assert plan.mode == mode and len(plan) == len(data["entries"])
        for e, d in zip(plan, data["entries"]):
            assert (e.kind, e.hook, e.family, e.protocol, e.zone) == (
                d["kind"], d["hook"], d["family"], d["protocol"], d["zone"])
            assert [(p.first, p.last) for p in e.ports] == [(p["first"], p["last"]) for p in d["ports"]]
            assert e.remote.cidrs == tuple(d["remote"]["cidrs"])
        assert plan.hook_drops == {h["hook"]: h["drop"] for h in data["hooks"]}


def test_entries_are_frozen(policy):
    e = policy.plan().entries[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.kind = "flow"


def test_address_sets(policy):
    plan = policy.plan("host")
    inside = [e for e in plan if e.kind == "flow" and e.zone == "inside" and e.family == 4
              and e.remote.label == "inside"]
    outside = [e for e in plan if e.kind == "flow" and e.zone == "outside" and e.family == 4]
    assert inside and outside
    assert all(e.remote.match == "in" and e.remote.cidrs == ("10.20.0.0/16",) for e in inside)
    assert all(e.remote.match == "not-in" for e in outside)
    assert "10.20.1.2" in inside[0].remote and "10.21.0.0" not in inside[0].remote
    assert ipaddress.ip_address("10.21.0.0") in outside[0].remote
    assert "fd12:3456::1" not in inside[0].remote  # another family
    narrowed = [e for e in plan if e.kind == "flow" and e.remote.label is None
                and e.remote.match == "in"]
    assert sorted((e.protocol, e.remote.cidrs) for e in narrowed) == [
        ("tcp", ("10.20.0.53",)), ("udp", ("10.20.0.53",))]


def test_gateway_entries_match_the_appliance(policy):
    plan = policy.plan("gateway")
    flows = [e for e in plan if e.kind == "flow"]
    assert flows and all(e.hook == "forward" and e.local.match == "in" for e in flows)
    assert {e.local.cidrs for e in flows} == {("10.20.5.25",), ("fd12:3456::25",)}
    assert plan.hook_drops == {"input": False, "forward": True, "output": False}


def test_check_by_address(policy):
    plan = policy.plan("host")
    v = plan.check("inbound", "udp", 161, "10.20.9.5")
    assert v and v.allowed and v.zones == ("inside",)
    assert v.flow.service == "snmp" and v.entry in plan.entries and not v.changes
    # narrowed to the configured server
    assert plan.check("outbound", "udp", 53, "10.20.0.53").allowed
    v = plan.check("outbound", "udp", 53, "10.20.0.9")
    assert not v and "narrowed" in v.reason
    assert ("server=dns:10.20.0.9", "the service is narrowed to other servers") in v.changes
    # by zone, and the settings that would allow it
    v = plan.check("inbound", "tcp", 5432, zone="cluster")
    assert not v.allowed and v.changes[0][0] == "role=central"


def test_check_bad_arguments(policy):
    plan = policy.plan()
    with pytest.raises(portspec.InvalidArgumentError):
        plan.check("inbound", "tcp", 22, "10.0.0.0/8")
    with pytest.raises(portspec.InvalidArgumentError):
        plan.check("inbound", "tcp", 22, "not an address")
    with pytest.raises(portspec.InvalidArgumentError):
        plan.check("sideways", "tcp", 22, "10.0.0.1")
    with pytest.raises(portspec.InvalidArgumentError):
        plan.check("inbound", "tcp", 0, "10.0.0.1")
    with pytest.raises(portspec.InvalidArgumentError):
        plan.check("inbound", "tcp", 22)
    with pytest.raises(portspec.UnknownError):
        plan.check("inbound", "tcp", 22, zone="dmz")
    with pytest.raises(portspec.InvalidArgumentError):
        policy.plan("router")
