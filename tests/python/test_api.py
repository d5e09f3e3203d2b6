# SPDX-License-Identifier: MIT
"""The Pythonic surface: names, docstrings, the type stub, and the small methods."""
import ast
import inspect
import os
import pathlib
import re

import pytest

import portspec

STUB = pathlib.Path(portspec.__file__).with_name("__init__.pyi")
CLASSES = (portspec.Spec, portspec.Profile, portspec.Policy, portspec.Ruleset)


# What SWIG's built-in types inherit from its pointer object (the pointer
# handle and its ownership), not part of the API.
SWIG_INTERNALS = {"this", "thisown", "acquire", "own", "disown", "append", "next"}


def _public_members(cls):
    for name in dir(cls):
        if name.startswith("_") or name in SWIG_INTERNALS:
            continue
        yield name, inspect.getattr_static(cls, name)


def test_every_public_name_has_a_docstring():
    assert inspect.getdoc(portspec)
    for name in portspec.__all__:
        obj = getattr(portspec, name)
        assert inspect.getdoc(obj), f"portspec.{name} has no docstring"
    for cls in CLASSES + (portspec.Flow, portspec.Service, portspec.Zone, portspec.Backend):
        for name, member in _public_members(cls):
            if name in ("count", "index") and issubclass(cls, tuple):
                continue  # tuple's own
            doc = getattr(member, "__doc__", None)
            assert doc and doc.strip(), f"{cls.__name__}.{name} has no docstring"


def _stub():
    return ast.parse(STUB.read_text())


def test_stub_matches_the_module():
    tree = _stub()
    top = {node.name for node in tree.body
           if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    assert top == set(portspec.__all__)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(portspec, node.name)
        stubbed = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
        for name in stubbed:
            assert hasattr(cls, name), f"stub lists {node.name}.{name}, which does not exist"
        fields = [item.target.id for item in node.body if isinstance(item, ast.AnnAssign)]
        if issubclass(cls, tuple):
            assert tuple(fields) == cls._fields, f"stub fields of {node.name}"
        elif issubclass(cls, portspec.Error):
            err = cls("t", "f", 1, 2)
            for name in fields:
                assert hasattr(err, name), f"stub lists {node.name}.{name}"
        if cls in CLASSES:
            public = {name for name, _ in _public_members(cls)}
            assert public <= stubbed, f"{node.name}: not in the stub: {public - stubbed}"


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
    assert spec.service("ftp").helper == "ftp"
    assert "Lotus Support" in spec.service("ssh").note
    assert spec.service("telnet") is None


def test_to_string_round_trip(spec, tmp_path):
    text = spec.to_string()
    again = portspec.loads(text)
    assert again == spec and again.equal(spec)
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
    assert profile.role == "standalone"
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
    assert len(policy) == policy.flow_count() == len(flows)
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
    assert flow._asdict()["port_last"] == 21


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
    # The hot path is not wrapped in Python: it is the extension's method.
    assert type(policy).is_allowed is portspec._core.Policy.is_allowed
