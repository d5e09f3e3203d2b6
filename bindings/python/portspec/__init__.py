# SPDX-License-Identifier: MIT
"""Firewall port-requirement tables as a queryable model and as firewall rules.

The pipeline of libportspec, in Python::

    spec text --parse--> Spec --+ Profile--> Policy --> queries, backends

>>> import portspec
>>> spec = portspec.load_default()          # Lotus Protector for Mail Security 2.5.1
>>> policy = spec.policy(dns="outside", role="central", cluster_peer=["192.0.2.10"])
>>> policy.is_allowed("inside", "inbound", "tcp", 22)
True
>>> policy.explain("outside", "inbound", "tcp", 25).service
'smtp'

A :class:`Spec` is the vendor's table, a :class:`Profile` one site's choices
(portspec-profile(5)), a :class:`Policy` both compiled into concrete flows.
Every query and every backend reads the policy.  Errors are raised as
subclasses of :class:`Error`.

The other direction, libportspec-audit: a :class:`Ruleset` is an existing
firewall's rules (``iptables-save``, ``nft -j list ruleset``, pf.conf);
:meth:`Policy.audit` says what it does to the policy's flows and what it
opens beyond them, :meth:`Ruleset.trace`, :meth:`Ruleset.diff` and
:meth:`Ruleset.matrix` answer the questions of ``portspec trace``, ``diff``
and ``audit --matrix``.  Results are the documents of
docs/portspec-audit.schema.json as dicts (docs/audit.md)::

    >>> rules = portspec.Ruleset("rules.v4", "rules.v6")   # doctest: +SKIP
    >>> policy.audit(rules)["clean"]                        # doctest: +SKIP
    True
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, List, NamedTuple, Optional, Tuple, Union

from . import _core

__all__ = [
    "AddressSet",
    "Backend",
    "Error",
    "FileError",
    "Flow",
    "InvalidArgumentError",
    "LimitError",
    "OutOfMemoryError",
    "ParseError",
    "Plan",
    "PlanEntry",
    "PlanPort",
    "Policy",
    "PolicyWarning",
    "Profile",
    "ProfileError",
    "Ruleset",
    "Service",
    "Spec",
    "UnknownError",
    "UnsupportedError",
    "Verdict",
    "Zone",
    "backend_info",
    "backends",
    "default_spec_text",
    "load",
    "load_default",
    "loads",
    "version",
]

# --------------------------------------------------------------------------
# Errors: one class per status of the C library (enum portspec_status).


class Error(Exception):
    """Base class of every error libportspec raises.

    Attributes: ``status`` (the C status name: "parse", "unknown", ...),
    ``text`` (what is wrong and, where known, how to fix it), ``filename``,
    ``line`` and ``column`` (from 1; 0 when the error has no place).
    """

    status = "error"

    def __init__(self, text: str = "", filename: Optional[str] = None,
                 line: int = 0, column: int = 0) -> None:
        # Only the text goes to the base classes: OSError and KeyError give
        # their positional arguments meanings of their own.
        super().__init__(text)
        self.text = text
        self.filename = filename
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.filename and self.line:
            return f"{self.filename}:{self.line}:{self.column}: {self.text}"
        if self.filename:
            return f"{self.filename}: {self.text}"
        return self.text

    def __reduce__(self):
        return (self.__class__, (self.text, self.filename, self.line, self.column))


class InvalidArgumentError(Error, ValueError):
    """A bad argument: a port out of range, an unknown direction or mode."""

    status = "invalid"


class OutOfMemoryError(Error, MemoryError):
    """The library could not allocate memory."""

    status = "nomem"


class FileError(Error, OSError):
    """A file could not be read or written."""

    status = "io"


class ParseError(Error, ValueError):
    """A spec or profile text is malformed; ``filename``, ``line`` and ``column`` say where."""

    status = "parse"


class UnknownError(Error, KeyError):
    """An unknown zone, service, profile key or backend name."""

    status = "unknown"


class ProfileError(Error, ValueError):
    """A profile value is invalid or contradicts the spec."""

    status = "profile"


class UnsupportedError(Error, NotImplementedError):
    """A backend cannot express what was asked of it (or is not implemented)."""

    status = "unsupported"


class LimitError(Error, ValueError):
    """A documented limit was exceeded (portspec(5), LIMITS)."""

    status = "limit"


_ERRORS = {cls.status: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, FileError, ParseError, UnknownError,
    ProfileError, UnsupportedError, LimitError)}


def _error_from_status(status: str, text: str, filename: Optional[str],
                       line: int, column: int) -> Error:
    """Builds the exception for a C status; called by the extension module."""
    return _ERRORS.get(status, Error)(text, filename, line, column)


# --------------------------------------------------------------------------
# Values copied out of a spec or policy: they outlive the objects they came from.


class Flow(NamedTuple):
    """One allowed flow of a policy: one service's port range for one protocol,
    direction and zone."""

    service: str
    protocol: str
    port: int
    port_last: int
    direction: str
    zone: str
    level: str
    interface: Optional[str]
    either: bool
    addresses: Tuple[str, ...]
    title: Optional[str]
    note: Optional[str]
    helper: Optional[str]

    @property
    def ports(self) -> range:
        """The flow's ports as a range (``port`` to ``port_last`` inclusive)."""
        return range(self.port, self.port_last + 1)

    def __str__(self) -> str:
        port = str(self.port) if self.port == self.port_last else f"{self.port}-{self.port_last}"
        return f"{self.direction} {self.zone} {self.protocol}/{port} {self.service}"


class Service(NamedTuple):
    """A service of a spec: its name, texts, requirement level and port ranges."""

    name: str
    title: Optional[str]
    description: Optional[str]
    note: Optional[str]
    helper: Optional[str]
    level: str
    ports: Tuple[Tuple[str, int, int], ...]


class PolicyWarning(str):
    """A warning of a policy or plan: its text (it is a ``str``), with the
    stable ``kind`` programs filter on ("service-note", "zone-note",
    "zone-covers-family", "no-rule", "unused-key") and its ``severity``:
    "note" for the vendor's cautions, "warning" when the policy may not do
    what the site meant."""

    kind: str
    severity: str

    def __new__(cls, text: str, kind: str, severity: str) -> "PolicyWarning":
        self = super().__new__(cls, text)
        self.kind = kind
        self.severity = severity
        return self

    @property
    def is_note(self) -> bool:
        """True for a note (``severity == "note"``)."""
        return self.severity == "note"

    def __reduce__(self):
        return (PolicyWarning, (str(self), self.kind, self.severity))


_Address = Union[str, ipaddress.IPv4Address, ipaddress.IPv6Address]


@dataclass(frozen=True)
class AddressSet:
    """A normalized address set of one family in a plan entry.

    ``match`` is "any" (every address of the family), "in" (the listed
    addresses) or "not-in" (every address of the family but the listed ones).
    ``cidrs`` lists the addresses as the fewest networks (nested and adjacent
    ones folded); ``matched`` is what the set matches, as (first, last)
    address pairs; ``label`` names the set (the zone, "appliance"; None for
    addresses that narrow a flow).  ``address in entry.remote`` tests
    membership.
    """

    match: str
    family: int
    cidrs: Tuple[str, ...]
    matched: Tuple[Tuple[str, str], ...]
    label: Optional[str]

    def __contains__(self, address: _Address) -> bool:
        a = ipaddress.ip_address(address)
        return a.version == self.family and any(
            ipaddress.ip_address(lo) <= a <= ipaddress.ip_address(hi) for lo, hi in self.matched)


@dataclass(frozen=True)
class PlanPort:
    """A destination port range of a plan entry and the services it serves."""

    first: int
    last: int
    services: Tuple[str, ...]


@dataclass(frozen=True)
class PlanEntry:
    """One resolved match of a rule plan (libportspec(3), portspec_plan_entry).

    ``kind`` is "flow" (new connections of the policy's flows) or a baseline
    kind: "loopback", "established", "neighbor-discovery".  A flow entry
    accepts new connections at ``hook`` ("input", "output", "forward") of
    ``family`` (4, 6) and ``protocol`` whose remote address is in ``remote``,
    local address in ``local``, destination port in ``ports``, on ``iif`` and
    ``oif`` (None: any interface).  ICMP flow entries (``protocol`` "icmp" or
    "icmpv6") admit the message types in ``icmp_types`` instead of ports;
    established entries list there the ICMP errors that pass with a
    connection.
    """

    kind: str
    complete_only: bool
    hook: str
    direction: Optional[str]
    family: int
    protocol: Optional[str]
    ports: Tuple[PlanPort, ...]
    remote: AddressSet
    local: AddressSet
    iif: Optional[str]
    oif: Optional[str]
    helper: Optional[str]
    zone: Optional[str]
    services: Tuple[str, ...]
    icmp_types: Tuple[PlanPort, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The answer of :meth:`Plan.check`: whether a new connection is allowed,
    by which plan entry and flow, the zones of the remote address, the reason
    in one line, and the profile settings (``--set`` form, with why each is
    needed) each of which would allow a denied connection."""

    allowed: bool
    entry: Optional[PlanEntry]
    flow: Optional["Flow"]
    zones: Tuple[str, ...]
    reason: str
    changes: Tuple[Tuple[str, str], ...]

    def __bool__(self) -> bool:
        return self.allowed


def _addrset(d: dict, family: int) -> AddressSet:
    return AddressSet(d["match"], family, tuple(d["cidrs"]),
                      tuple((lo, hi) for lo, hi in d["matched"]), d["label"])


def _entry(d: dict) -> PlanEntry:
    return PlanEntry(
        d["kind"], d["complete_only"], d["hook"], d["direction"], d["family"], d["protocol"],
        tuple(PlanPort(p["first"], p["last"], tuple(p["services"])) for p in d["ports"]),
        _addrset(d["remote"], d["family"]), _addrset(d["local"], d["family"]),
        d["iif"], d["oif"], d["helper"], d["zone"], tuple(d["services"]),
        tuple(PlanPort(p["first"], p["last"], tuple(p["services"])) for p in d["icmp_types"]))


class Plan:
    """The rule plan of a policy for one mode: the packets every rule backend
    lets through, as :class:`PlanEntry` values (baseline first), each hook's
    default verdict in a complete ruleset, and the mode's warnings.  Get it
    with :meth:`Policy.plan`."""

    def __init__(self, policy: "Policy", mode: str) -> None:
        data = json.loads(policy.render("plan", mode))
        self._policy = policy
        self.mode: str = data["mode"]
        self.entries: Tuple[PlanEntry, ...] = tuple(_entry(e) for e in data["entries"])
        self.hook_drops = {h["hook"]: h["drop"] for h in data["hooks"]}
        # log=drops: the prefix of each hook's log lines (None: not logged)
        self.hook_logs = {h["hook"]: h["log"]["prefix"] if h["log"] else None
                          for h in data["hooks"]}
        self.warnings: Tuple[PolicyWarning, ...] = tuple(
            PolicyWarning(d["text"], d["kind"], d["severity"]) for d in data["diagnostics"])

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[PlanEntry]:
        return iter(self.entries)

    def check(self, direction: str, protocol: str, port: int, address: Optional[_Address] = None,
              *, zone: Optional[str] = None, interface: Optional[str] = None) -> Verdict:
        """Is a new connection allowed?  ``address`` is the remote side (the
        source of an inbound connection, the destination of an outbound one);
        without it, ``zone`` asks about a zone as :meth:`Policy.is_allowed`
        does.  ``interface`` is the interface on the remote's side (None: the
        one the plan expects)."""
        if (address is None) == (zone is None):
            raise InvalidArgumentError("give an address or a zone")
        allowed, index, flow, zones, reason, changes = self._policy._explain(
            self.mode, direction, None if address is None else str(address), zone, protocol,
            int(port), interface)
        return Verdict(allowed, None if index is None else self.entries[index], flow,
                       tuple(zones), reason, tuple(changes))

    def __repr__(self) -> str:
        return f"<portspec.Plan {self.mode}, {len(self.entries)} entries>"


class Zone(NamedTuple):
    """A network zone of a spec ("outside", "inside", "cluster")."""

    name: str
    title: Optional[str]
    kind: str


class Backend(NamedTuple):
    """A rendering backend: its name, what it renders and the modes it supports."""

    name: str
    description: str
    modes: Tuple[str, ...]


_FIELD_DOCS = {
    Flow: {
        "service": "The service's name (\"smtp\").",
        "protocol": "\"tcp\" or \"udp\".",
        "port": "The first port of the range.",
        "port_last": "The last port of the range (equal to port for a single port).",
        "direction": "\"inbound\" (the zone connects to the appliance) or \"outbound\".",
        "zone": "The zone's name (\"outside\", \"inside\", \"cluster\").",
        "level": "\"required\", \"optional\" or \"cluster\".",
        "interface": "The spec interface the flow uses on the appliance, or None.",
        "either": "True if the spec marks the service servable from either zone.",
        "addresses": "Server addresses narrowing an outbound flow; empty: the whole zone.",
        "title": "The service's title, or None.",
        "note": "The service's caution (\"not required unless ...\"), or None.",
        "helper": "The conntrack helper the service needs (\"ftp\"), or None.",
    },
    Service: {
        "name": "The service's name.",
        "title": "The title, or None.",
        "description": "The description, or None.",
        "note": "A caution shown whenever the service is in a policy, or None.",
        "helper": "The conntrack helper the service needs (\"ftp\"), or None.",
        "level": "\"required\", \"optional\" or \"cluster\".",
        "ports": "Port ranges as (protocol, first, last), sorted by protocol then port.",
    },
    Zone: {
        "name": "The zone's name.",
        "title": "The zone's title, or None.",
        "kind": "How its addresses are known: \"networks\", \"complement\" or \"peers\".",
    },
    Backend: {
        "name": "The backend's name, as passed to Policy.render().",
        "description": "One line on what it renders.",
        "modes": "The modes it supports: \"host\", \"gateway\" or both.",
    },
}
for _cls, _docs in _FIELD_DOCS.items():
    for _field, _doc in _docs.items():
        getattr(_cls, _field).__doc__ = _doc
del _cls, _docs, _field, _doc

_core.register_types(_error_from_status, Flow, Service, Zone)


def _levels(level: Union[None, str, Iterable[str]]) -> Optional[str]:
    if level is None or isinstance(level, str):
        return level
    return ",".join(level)


# --------------------------------------------------------------------------
# The handles.  Each class is the SWIG built-in type plus what makes it
# Pythonic; the methods not redefined here run straight in C.


class Spec(_core.Spec):
    """A vendor's port-requirement table (portspec(5)), immutable once parsed.

    Make one with :func:`load_default`, :func:`load` or :func:`loads`.
    """

    def __init__(self, text: Union[None, str, bytes] = None, *,
                 path: Union[None, str, bytes, os.PathLike] = None,
                 filename: Optional[str] = None) -> None:
        """Parses ``text`` if given, else reads ``path`` if given, else the built-in spec."""
        if path is not None:
            path = os.fspath(path)
            if isinstance(path, str):
                path = os.fsencode(path)
        super().__init__(text, path, filename)

    name = property(_core.Spec.name, doc="The spec's name statement, or None.")
    version = property(_core.Spec.version, doc="The spec's version statement, or None.")
    source = property(_core.Spec.source, doc="The document the spec transcribes, or None.")
    filename = property(_core.Spec.filename,
                        doc="Where the spec came from (\"<default>\", \"<string>\" or the path).")

    def services(self, level: Union[None, str, Iterable[str]] = None) -> List[Service]:
        """The services, in declaration order; ``level`` filters ("required", or a list)."""
        return _core.Spec.services(self, _levels(level))

    def service(self, name: str) -> Optional[Service]:
        """The service called ``name``, or None."""
        return _core.Spec.service(self, name)

    def profile(self, **settings: Any) -> "Profile":
        """A new profile for this spec, with ``settings`` applied (see :class:`Profile`)."""
        return Profile(self, **settings)

    def policy(self, profile: Union[None, "Profile", dict] = None, /, **settings: Any) -> "Policy":
        """Compiles the spec into a :class:`Policy`.

        Give a :class:`Profile`, a dict of profile settings, or the settings as
        keyword arguments (``dns="outside", role="central"``); nothing gives
        the default profile, which reproduces the spec's matrix.
        """
        if isinstance(profile, dict):
            settings = {**profile, **settings}
            profile = None
        elif profile is not None and settings:
            raise TypeError("give a Profile or profile settings, not both")
        if profile is None and settings:
            profile = Profile(self, **settings)
        return Policy(self, profile)

    def __repr__(self) -> str:
        try:
            return f"<portspec.Spec {self.name!r} {self.version!r} from {self.filename!r}>"
        except ValueError:
            return "<portspec.Spec (not created)>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _core.Spec):
            return NotImplemented
        return self.equal(other)

    __hash__ = None  # type: ignore[assignment]


class Profile(_core.Profile):
    """One site's choices for a spec (portspec-profile(5)).

    Settings are the keys of ``portspec --set``, with ``_`` for ``-``:
    ``dns="outside"``, ``ntp="inside"``, ``role="central"``,
    ``inside=["10.0.0.0/8"]``, ``appliance="192.0.2.1"``,
    ``cluster_peer=[...]``, ``enable=["ssh"]``, ``disable="snmp"``,
    ``interface="eth0"``, ``server=...``, ``required_only=True``.  A list
    sets a repeatable key once per item.  The profile keeps its spec alive.
    """

    def __init__(self, spec: Spec, **settings: Any) -> None:
        """A default profile for ``spec``, with ``settings`` applied in order."""
        super().__init__(spec)
        self._spec = spec
        self.update(**settings)

    def update(self, **settings: Any) -> "Profile":
        """Applies settings (keyword arguments, as for the constructor); returns the profile."""
        for key, value in settings.items():
            name = key.replace("_", "-")
            if value is None:
                continue
            if isinstance(value, (str, bytes)):
                self.set(name, value)
            elif isinstance(value, bool):
                self.set(name, "true" if value else "false")
            elif isinstance(value, Iterable):
                for item in value:
                    self.set(name, item if isinstance(item, (str, bytes)) else str(item))
            else:
                self.set(name, str(value))
        return self

    def load(self, path: Union[str, bytes, os.PathLike]) -> "Profile":
        """Applies the profile file at ``path``; returns the profile."""
        path = os.fspath(path)
        _core.Profile.load(self, os.fsencode(path) if isinstance(path, str) else path)
        return self

    def loads(self, text: Union[str, bytes], filename: Optional[str] = None) -> "Profile":
        """Applies profile-file text (``key = value`` lines); returns the profile."""
        _core.Profile.parse(self, text, filename)
        return self

    @property
    def spec(self) -> Spec:
        """The spec the profile is for."""
        return self._spec

    role = property(_core.Profile.role, doc="The cluster role: standalone, central or member.")
    uses_examples = property(_core.Profile.uses_examples,
                             doc="Whether the addresses are still the documentation examples.")

    def __repr__(self) -> str:
        try:
            return f"<portspec.Profile role={self.role!r} for {self._spec.name!r}>"
        except (ValueError, AttributeError):
            return "<portspec.Profile (not created)>"


class Policy(_core.Policy):
    """A spec and a profile compiled into concrete, deduplicated flows.

    Iterating yields :class:`Flow` values; ``len()`` is the number of flows.
    A policy is immutable and keeps its spec alive.
    """

    def __init__(self, spec: Spec, profile: Optional[Profile] = None) -> None:
        """Compiles ``spec`` with ``profile`` (None: the default profile).  See Spec.policy()."""
        super().__init__(spec, profile)
        self._spec = spec

    @property
    def spec(self) -> Spec:
        """The spec the policy was compiled from."""
        return self._spec

    @property
    def warnings(self) -> List[PolicyWarning]:
        """Warnings the spec attaches to this policy: a list of :class:`PolicyWarning`
        (each a ``str`` with a ``kind`` and a ``severity``)."""
        return [PolicyWarning(*w) for w in zip(_core.Policy.warnings(self),
                                               _core.Policy._warning_kinds(self),
                                               _core.Policy._warning_severities(self))]

    def flows(self, level: Union[None, str, Iterable[str]] = None, zone: Optional[str] = None,
              direction: Optional[str] = None, protocol: Optional[str] = None) -> List[Flow]:
        """The flows matching a filter; each argument left None matches anything."""
        return self.find(_levels(level), zone, direction, protocol)

    def render(self, backend: str, mode: str = "host", fragment: bool = False,
               name: Optional[str] = None) -> str:
        """Renders the policy for ``backend`` (see :func:`backends`) and returns the text.

        ``mode`` is "host" (rules on the appliance) or "gateway" (a firewall
        in front of it); ``fragment`` asks for a named chain/anchor/group
        called ``name`` (default "portspec") instead of a complete ruleset.
        """
        return _core.Policy.render(self, backend, mode, bool(fragment), name)

    def plan(self, mode: str = "host") -> Plan:
        """The rule plan for ``mode`` ("host" or "gateway"): the packets every
        rule backend's output lets through."""
        return Plan(self, mode)

    def audit(self, ruleset: Union["Ruleset", str, bytes, os.PathLike,
                                   Iterable[Union[str, bytes, os.PathLike]]],
              mode: str = "host", format: str = "json") -> Union[dict, str]:
        """Audits an existing ruleset against the plan of ``mode``: for every
        flow and family, "allowed", "partial", "blocked" or "indeterminate"
        with the rules that decide; the baseline; the connections accepted
        beyond the policy ("extra").  ``ruleset`` is a :class:`Ruleset`, or
        the path (or paths) of ruleset files to read.  Returns the audit
        document (docs/portspec-audit.schema.json, ``$defs/audit``) as a dict,
        or with ``format="text"`` the report ``portspec audit`` prints."""
        if not isinstance(ruleset, Ruleset):
            paths = ruleset if isinstance(ruleset, Iterable) and not isinstance(
                ruleset, (str, bytes)) else [ruleset]
            ruleset = Ruleset(*paths)
        return _audit_result(ruleset._audit(self, mode, format), format)

    def __len__(self) -> int:
        return self.flow_count()

    def __iter__(self) -> Iterator[Flow]:
        return iter(self.find(None, None, None, None))

    def __getitem__(self, index: int) -> Flow:
        if isinstance(index, slice):
            return self.find(None, None, None, None)[index]
        count = self.flow_count()
        if not -count <= index < count:
            raise IndexError("flow index out of range")
        return self.flow(index)

    def __repr__(self) -> str:
        try:
            return f"<portspec.Policy {self._spec.name!r}, {self.flow_count()} flows>"
        except (ValueError, AttributeError):
            return "<portspec.Policy (not created)>"


# --------------------------------------------------------------------------
# libportspec-audit: existing rulesets.

_RulesetPath = Union[str, bytes, os.PathLike]
_Ports = Union[None, int, Tuple[int, int], str]


def _audit_result(text: str, format: str) -> Union[dict, str]:
    return json.loads(text) if format == "json" else text


def _port_range(value: _Ports, what: str) -> Tuple[int, int]:
    """None (every port), a port, (first, last) or "first-last"."""
    if value is None:
        return 0, 0
    if isinstance(value, str):
        first, _, last = value.partition("-")
        try:
            value = (int(first), int(last or first))
        except ValueError:
            raise InvalidArgumentError(
                f"{what} ports {value!r}: give a port or a range first-last") from None
    if isinstance(value, int):
        value = (value, value)
    first, last = value
    if not 1 <= first <= last <= 65535:
        raise InvalidArgumentError(
            f"{what} ports {first}-{last}: ports are 1 to 65535, first <= last")
    return first, last


def _fspath(path: _RulesetPath) -> bytes:
    path = os.fspath(path)
    return os.fsencode(path) if isinstance(path, str) else path


class Ruleset(_core.Ruleset):
    """An existing firewall ruleset: one or more files read into one model
    (libportspec-audit, docs/audit.md).

    ``Ruleset("rules.v4", "rules.v6")`` reads files; :meth:`parse` and
    :meth:`load` add more.  Formats: "iptables", "ip6tables" (iptables-save
    output), "nft-json" (``nft -j list ruleset``), "pf" (pf.conf) or "auto"
    (decided from the text).  A packet passes only if every file lets it
    through.  Text that cannot be read raises :class:`ParseError` with the
    file, line and column.
    """

    def __init__(self, *paths: _RulesetPath, format: str = "auto",
                 host_addresses: Iterable[str] = ()) -> None:
        super().__init__()
        for path in paths:
            self.load(path, format)
        for address in host_addresses:
            self.add_host_address(address)

    def parse(self, text: Union[str, bytes], format: str = "auto",
              filename: Optional[str] = None) -> "Ruleset":
        """Reads one file's text; ``filename`` names it in errors and in
        the results (default "<string>").  Returns the ruleset."""
        if text is None:
            raise TypeError("parse() needs the ruleset text")
        _core.Ruleset.parse(self, text, format, filename)
        return self

    def load(self, path: _RulesetPath, format: str = "auto") -> "Ruleset":
        """Reads the ruleset file at ``path``.  Returns the ruleset."""
        _core.Ruleset.load(self, _fspath(path), format)
        return self

    def add_host_address(self, address: str) -> "Ruleset":
        """Names one of the host's own addresses with its network
        ("192.0.2.10/24"), for address-type matches (``-m addrtype``, nft
        ``fib``).  Returns the ruleset."""
        _core.Ruleset.add_host_address(self, str(address))
        return self

    @property
    def families(self) -> Tuple[int, ...]:
        """The families the files cover: (4,), (6,) or (4, 6)."""
        bits = _core.Ruleset.families(self)
        return tuple(f for bit, f in ((1, 4), (2, 6)) if bits & bit)

    notes = property(_core.Ruleset.notes,
                     doc="What the readers noticed (a family assumed, a table another tool "
                         "manages), one line each.")

    def trace(self, hook: str, protocol: str = "tcp", *, src: Optional[str] = None,
              dst: Optional[str] = None, sport: _Ports = None, dport: _Ports = None,
              iif: Optional[str] = None, oif: Optional[str] = None,
              family: Optional[int] = None, format: str = "json") -> Union[dict, str]:
        """Traces new connections at ``hook`` ("input", "output", "forward")
        as ``portspec trace`` does; what is left None means every value.
        Ports are a port, (first, last) or "first-last".  Returns the trace
        document (``$defs/trace``: its ``verdict`` is "accept", "drop",
        "reject", "deny" or "indeterminate") or, with ``format="text"``, the
        report."""
        s = _port_range(sport, "source")
        d = _port_range(dport, "destination")
        return _audit_result(self._trace(hook, protocol, int(family or 0), src, dst, s[0], s[1],
                                         d[0], d[1], iif, oif, format), format)

    def diff(self, other: Union["Ruleset", Plan], format: str = "json") -> Union[dict, str]:
        """What this ruleset (side a) and ``other`` (side b: a ruleset, or a
        :class:`Plan` for what the policy admits in its mode) accept
        differently, as ``portspec diff`` says.  Returns the diff document
        (``$defs/diff``: ``equal``, ``only_a``, ``only_b``, ...) or the text."""
        if isinstance(other, Plan):
            text = self._diff_plan(other._policy, other.mode, format)
        else:
            text = self._diff(other, format)
        return _audit_result(text, format)

    def matrix(self, protocol: str, port: int, *, hook: Optional[str] = None,
               chain: Optional[str] = None, family: Optional[int] = None,
               format: str = "json") -> Union[dict, str]:
        """The service matrix of one port, as ``portspec audit --matrix``:
        which address classes may open connections to which.  ``hook``
        defaults to "forward"; ``chain`` evaluates one chain alone.  Returns
        the matrix document (``$defs/matrix``) or the text."""
        return _audit_result(self._matrix(protocol, int(port), hook, chain, int(family or 0),
                                          format), format)

    def __repr__(self) -> str:
        try:
            return (f"<portspec.Ruleset {self.rule_count()} rules, "
                    f"{self.chain_count()} chains>")
        except ValueError:
            return "<portspec.Ruleset (not created)>"


# --------------------------------------------------------------------------
# Module functions.


def load_default() -> Spec:
    """The built-in Lotus Protector for Mail Security 2.5.1 spec."""
    return Spec()


def load(path: Union[str, bytes, os.PathLike]) -> Spec:
    """Reads and parses the spec file at ``path``."""
    return Spec(path=path)


def loads(text: Union[str, bytes], filename: Optional[str] = None) -> Spec:
    """Parses a spec from ``text``; ``filename`` names it in errors (default "<string>")."""
    if text is None:
        raise TypeError("loads() needs the spec text")
    return Spec(text, filename=filename)


def backends() -> List[str]:
    """The names of the rendering backends, in a stable order."""
    return _core.backends()


def backend_info(name: str) -> Backend:
    """What a backend renders and which modes it supports; UnknownError if there is none."""
    description = _core.backend_description(name)
    if description is None:
        raise UnknownError(f"unknown backend {name!r}; the backends are: "
                           + ", ".join(backends()))
    return Backend(name, description, tuple(_core.backend_modes(name).split(",")))


def version() -> str:
    """The version of the libportspec library in use ("MAJOR.MINOR.PATCH")."""
    return _core.version()


def default_spec_text() -> str:
    """The text of the built-in spec."""
    return _core.default_spec_text()


__version__ = version()
