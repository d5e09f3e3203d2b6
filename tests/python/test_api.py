# SPDX-License-Identifier: MIT
"""The Pythonic surface: names, docstrings, the type stub, and the small methods."""
import ast
import csv
import dataclasses
import enum
import inspect
import io
import os
import pathlib
import re

import pytest

import portspec

STUB = pathlib.Path(portspec.__file__).with_name("_core.pyi")
CLASSES = (portspec.Spec, portspec.Profile, portspec.Policy, portspec.Ruleset)


RECORDS = (portspec.Flow, portspec.Service, portspec.Zone, portspec.Backend, portspec.PlanEntry,
           portspec.PlanPort, portspec.AddressSet, portspec.Verdict)


def _public_members(cls):
    for name in dir(cls):
        if name.startswith("_") or (dataclasses.is_dataclass(cls) and name in {
                f.name for f in dataclasses.fields(cls)}):
            continue
        yield name, inspect.getattr_static(cls, name)


def test_every_public_name_has_a_docstring():
    assert inspect.getdoc(portspec)
    for name in portspec.__all__:
        obj = getattr(portspec, name)
        assert inspect.getdoc(obj), f"portspec.{name} has no docstring"
    for cls in CLASSES + RECORDS:
        for name, member in _public_members(cls):
            doc = getattr(member, "__doc__", None)
            assert doc and doc.strip(), f"{cls.__name__}.{name} has no docstring"
    for cls in RECORDS:
        for field in dataclasses.fields(cls):
            assert field.metadata.get("doc"), f"{cls.__name__}.{field.name} has no docstring"
            assert field.name in cls.__doc__, f"{cls.__name__}'s docstring lacks {field.name}"


def test_only_the_extension_has_a_stub():
    # The package is typed inline (py.typed); the stub covers the extension:
    # its classes, and every other name as Any.
    here = STUB.parent
    assert (here / "py.typed").exists() and not (here / "__init__.pyi").exists()
    tree = ast.parse(STUB.read_text())
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert {"Spec", "Profile", "Policy", "Ruleset"} <= classes
    for name in classes:
        assert isinstance(getattr(portspec._core, name), type), f"stub lists _core.{name}"
    assert "__getattr__" in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    # every public method of the package is annotated inline
    for cls in CLASSES:
        for name, member in _public_members(cls):
            fn = getattr(member, "fget", member)
            if inspect.isfunction(fn):
                assert "return" in fn.__annotations__, f"{cls.__name__}.{name} is not annotated"


def test_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", portspec.version())
    assert portspec.__version__ == portspec.version()


def test_spec_metadata(spec):
    assert spec.name == "Lotus Protector for Mail Security"
    assert spec.version == "2.5.1"
    assert "Firewall Port Requirements" in spec.source
    assert spec.filename == "<default>"
    assert [z.name for z in spec.zones()] == ["outside", "inside", "cluster"]
    assert [z.kind for z in spec.zones()] == ["complement", "networks", "peers"]
    assert spec.zones()[0].kind is portspec.ZoneKind.COMPLEMENT
    assert spec.interfaces() == ["eth1"]
    assert "Lotus" in repr(spec)


def test_services(spec):
    names = [s.name for s in spec.services()]
    assert names[:3] == ["smtp", "dns", "ntp"]
    assert {s.name for s in spec.services("optional")} == {"ftp", "ssh", "snmp", "smtps", "ldaps"}
    assert {s.name for s in spec.services(["required", "cluster"])} == \
        {"smtp", "dns", "ntp", "ldap", "https", "https-user", "cluster-access", "cluster-db"}
    dns = spec.service("dns")
    assert dns.ports == (("tcp", 53, 53), ("udp", 53, 53))
    assert dns.ports[0][0] is portspec.Protocol.TCP and dns.level is portspec.Level.REQUIRED
    assert spec.cluster_ports() == spec.services("cluster")
    assert spec.service("ftp").helper == "ftp"
    assert "Lotus Support" in spec.service("ssh").note
    assert spec.service("telnet") is None


def test_to_string_round_trip(spec, tmp_path):
    text = spec.to_string()
    again = portspec.loads(text)
    assert again == spec and not again != spec
    assert again.filename == "<string>"
    path = tmp_path / "copy.portspec"
    path.write_text(text)
    for p in (path, str(path), os.fsencode(path)):
        assert portspec.load(p) == spec
    assert portspec.loads(text.encode()) == spec
    assert portspec.loads(portspec.default_spec_text()) == spec
    other = portspec.loads("portspec 1\nzone outside complement\n"
                           "service a {\n\tlevel required\n\ttcp 1\n}\n"
                           "flow inbound outside services a\n")
    assert other != spec
    assert spec != "a string"


def test_profile(spec):
    profile = spec.profile()
    assert profile.role == "standalone" and profile.role is portspec.Role.STANDALONE
    assert profile.uses_examples
    assert profile.enabled("ssh")
    profile.update(role="member", disable=["ssh"], cluster_peer="192.0.2.60",
                   inside=["10.0.0.0/8"], appliance="10.0.0.5")
    assert profile.role == "member"
    assert not profile.enabled("ssh")
    assert not profile.uses_examples
    text = profile.to_string()
    assert "member" in text and "10.0.0.0/8" in text
    again = spec.profile().loads(text, filename="again.profile")
    assert again.to_string() == text
    assert list(spec.policy(again)) == list(spec.policy(profile))
    assert profile.spec is spec
    assert "member" in repr(profile)


def test_profile_file(spec, tmp_path):
    path = tmp_path / "site.profile"
    path.write_text("# site\ndns = outside\nrole = central\ncluster-peer = 192.0.2.70\n"
                    "inside = 10.0.0.0/8\n")
    profile = spec.profile().load(path)
    policy = spec.policy(profile)
    assert policy.is_allowed("cluster", "inbound", "tcp", 4990)
    assert not policy.is_allowed("inside", "outbound", "udp", 53)


def test_policy_sequence(policy):
    flows = list(policy)
    assert len(policy) == len(flows) == 22
    assert policy[0] == flows[0]
    assert policy[-1] == flows[-1]
    assert policy[1:3] == flows[1:3]
    with pytest.raises(IndexError):
        policy[len(flows)]
    with pytest.raises(IndexError):
        policy[-len(flows) - 1]
    assert all(isinstance(f, portspec.Flow) for f in flows)
    assert "22 flows" in repr(policy) or "flows" in repr(policy)


def test_flow_value(policy):
    flow = policy.explain("inside", "outbound", "tcp", 21)
    assert flow == policy.explain("inside", "outbound", "tcp", 21)
    assert hash(flow) == hash(policy.explain("inside", "outbound", "tcp", 21))
    assert flow.service == "ftp" and flow.helper == "ftp"
    assert flow.ports == range(21, 22)
    assert flow.addresses == ()
    assert str(flow) == "outbound inside tcp/21 ftp"
    assert dataclasses.asdict(flow)["port_last"] == 21
    with pytest.raises(dataclasses.FrozenInstanceError):
        flow.port = 22
    assert flow.direction is portspec.Direction.OUTBOUND and flow.direction == "outbound"
    assert flow.protocol is portspec.Protocol.TCP and flow.level is portspec.Level.OPTIONAL
    assert not flow.either and flow.either == False  # noqa: E712


def test_flow_as_csv(spec):
    # Every field is a cell: enums by name, no addresses "", the mark "" or "either".
    policy = spec.policy(dns="outside", server=["dns:203.0.113.53", "dns:203.0.113.54"],
                         inside="10.0.0.0/8")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(f.name for f in dataclasses.fields(portspec.Flow))
    for flow in policy:
        writer.writerow(dataclasses.astuple(flow))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == len(policy)
    assert "()" not in out.getvalue() and "False" not in out.getvalue()
    assert "True" not in out.getvalue()
    smtp = next(r for r in rows if r["service"] == "smtp" and r["direction"] == "inbound")
    assert (smtp["protocol"], smtp["port"], smtp["addresses"], smtp["either"]) == ("tcp", "25", "", "")
    dns = next(r for r in rows if r["service"] == "dns" and r["direction"] == "outbound")
    assert dns["addresses"] == "203.0.113.53 203.0.113.54" and dns["either"] == "either"


def test_enums_are_strings():
    for cls in (portspec.Direction, portspec.Protocol, portspec.Level, portspec.Role,
                portspec.ZoneKind, portspec.Mode, portspec.Hook):
        assert issubclass(cls, enum.StrEnum) and inspect.getdoc(cls)
        for member in cls:
            assert member == member.value and str(member) == member.value
    assert portspec.Direction.INBOUND == "inbound"
    policy = portspec.load_default().policy()
    assert policy.is_allowed("outside", portspec.Direction.INBOUND, portspec.Protocol.TCP, 25)
    assert policy.flows(direction=portspec.Direction.INBOUND) == policy.flows(direction="inbound")


def test_server_narrows_outbound(spec):
    policy = spec.policy(dns="outside", server=["dns:203.0.113.53"], inside="10.0.0.0/8")
    flow = policy.explain("outside", "outbound", "udp", 53)
    assert flow.addresses == ("203.0.113.53",)


def test_warnings(spec):
    assert spec.policy().warnings == ["ssh: Not required unless otherwise directed by "
                                      "IBM Lotus Support"]
    assert spec.policy(disable="ssh").warnings == []
    warnings = spec.policy(dns="outside").warnings
    assert any(w.startswith("dns") and "FQDN" in w for w in warnings)
    # Each is a str with a stable kind and a severity.
    (ssh,) = spec.policy().warnings
    assert (ssh.kind, ssh.severity, ssh.is_note) == ("service-note", "note", True)
    plan = spec.policy(outside_interface="wan0").plan("host")
    kinds = {w.kind: w.severity for w in plan.warnings}
    assert kinds == {"service-note": "note", "unused-key": "warning"}


def test_is_allowed_is_the_c_function(policy):
    # The hot path is not wrapped in Python: it is the extension's method,
    # bound to the policy's handle.
    assert policy.is_allowed.__self__ is policy._h
    assert type(policy.is_allowed) is type(len)
    assert portspec._core.Policy.is_allowed.__get__(policy._h) == policy.is_allowed
    assert inspect.getdoc(portspec.Policy.is_allowed)
