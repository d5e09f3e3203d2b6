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
(portspec-profile(5)), a :class:`Policy` both compiled into concrete flows:
iterate it for its :class:`Flow` values, or filter them with
:meth:`Policy.flows`.  Directions, protocols, levels and modes are
:class:`enum.StrEnum` members, so a plain string ("inbound") works wherever
one is asked for.  Errors are raised as subclasses of :class:`Error`, one per
status of the C library.

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

import enum
import ipaddress
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
import dataclasses
from typing import Any, Optional, Union

from . import _core

__all__ = [
    "AddressSet", "Backend", "Direction", "Error", "Flow", "Hook", "Level", "Mode", "Plan",
    "PlanEntry", "PlanPort", "Policy", "PolicyWarning", "Profile", "Protocol", "Role", "Ruleset",
    "Service", "Spec", "Verdict", "Zone", "ZoneKind", "backend_info", "backends",
    "default_spec_text", "load", "load_default", "loads", "version",
]

# --------------------------------------------------------------------------
# Errors: one class per status of the C library (enum portspec_status).


class Error(Exception):
    """Base class of every error libportspec raises.

    ``status`` is the C status name ("parse", "unknown", ...), ``text`` what is
    wrong and, where known, how to fix it; ``filename``, ``line`` and
    ``column`` (from 1) say where, ``line`` and ``column`` are None for an
    error with no place.  ``key`` is the profile key a setting error is
    about (None otherwise).
    """

    status = "error"

    def __init__(self, text: str = "", filename: Optional[str] = None,
                 line: Optional[int] = None, column: Optional[int] = None,
                 key: Optional[str] = None) -> None:
        # Only the text goes to the base classes: OSError and KeyError give
        # their positional arguments meanings of their own.
        super().__init__(text)
        self.text = text
        self.filename = filename
        self.line = line or None
        self.column = column or None
        self.key = key

    def __str__(self) -> str:
        if self.filename and self.line:
            return f"{self.filename}:{self.line}:{self.column}: {self.text}"
        if self.filename:
            return f"{self.filename}: {self.text}"
        return self.text

    def __reduce__(self):
        return (self.__class__, (self.text, self.filename, self.line, self.column, self.key))


# The one table: each status of portspec_status_name() -> class name, the
# builtin exception it also is, and its doc.  A status the library adds
# later still gets a class, named after it.
_STATUS_CLASSES = {
    "invalid": ("InvalidArgumentError", ValueError,
                "A bad argument: a port out of range, an unknown direction or mode."),
    "nomem": ("OutOfMemoryError", MemoryError, "The library could not allocate memory."),
    "io": ("FileError", OSError, "A file could not be read or written."),
    "parse": ("ParseError", ValueError,
              "A spec, profile or ruleset text is malformed; ``filename``, ``line`` and "
              "``column`` say where."),
    "unknown": ("UnknownError", KeyError,
                "An unknown zone, service, profile key or backend name."),
    "profile": ("ProfileError", ValueError,
                "A profile value is invalid or contradicts the spec."),
    "unsupported": ("UnsupportedError", NotImplementedError,
                    "A backend cannot express what was asked of it."),
    "limit": ("LimitError", ValueError, "A documented limit was exceeded (portspec(5), LIMITS)."),
}
_ERRORS: dict[str, type[Error]] = {}
for _status in itertools.takewhile(bool, map(_core.status_name, itertools.count(1))):
    _name, _base, _doc = _STATUS_CLASSES.get(
        _status, (_status.title().replace("-", "") + "Error", Exception, _core.strerror(
            len(_ERRORS) + 1)))
    _ERRORS[_status] = type(_name, (Error, _base), {
        "__doc__": _doc, "__module__": __name__, "__qualname__": _name, "status": _status})
    globals()[_name] = _ERRORS[_status]
    __all__.append(_name)
del _status, _name, _base, _doc


def _error_from_status(status: str, text: str, filename: Optional[str] = None,
                       line: int = 0, column: int = 0) -> Error:
    """The exception of a C status; the extension raises what it returns."""
    return _ERRORS.get(status, Error)(text, filename, line, column)


_core.register_error_factory(_error_from_status)
InvalidArgumentError = _ERRORS["invalid"]
UnknownError = _ERRORS["unknown"]

# --------------------------------------------------------------------------
# Enums: the names of the C enums; each member is its name, so a str works.


class _CEnum(enum.StrEnum):
    """A C enum by name; ``_c`` is the C value."""

    @classmethod
    def of(cls, value: Union[str, "_CEnum"], what: str):
        """The member called ``value``; InvalidArgumentError names the choices."""
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(repr(m.value) for m in cls)
            raise InvalidArgumentError(f"{what} must be one of {choices}, not {value!r}") from None

    @property
    def _c(self) -> int:
        return type(self)._values[self]  # type: ignore[attr-defined]


def _c_values(cls: type[_CEnum], values: dict) -> None:
    cls._values = values  # member -> C value
    cls._members = {i: m for m, i in values.items()}  # C value -> member


class Direction(_CEnum):
    """Which side opens the connection, relative to the appliance."""

    INBOUND = "inbound"    #: a zone connects to the appliance
    OUTBOUND = "outbound"  #: the appliance connects to a zone


class Protocol(_CEnum):
    """A protocol; for ICMP and ICMPv6 a "port" is the message type."""

    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ICMPV6 = "icmpv6"


class Level(_CEnum):
    """A service's requirement level."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    CLUSTER = "cluster"


class Role(_CEnum):
    """A cluster role."""

    STANDALONE = "standalone"
    CENTRAL = "central"
    MEMBER = "member"


class ZoneKind(_CEnum):
    """How a zone's addresses are known."""

    NETWORKS = "networks"      #: the profile lists its networks (inside)
    COMPLEMENT = "complement"  #: every address not in a networks zone (outside)
    PEERS = "peers"            #: the profile lists peer addresses (cluster)


class Mode(_CEnum):
    """Where rules are enforced."""

    HOST = "host"        #: on the appliance itself
    GATEWAY = "gateway"  #: on a firewall between the zones and the appliance


class Hook(_CEnum):
    """The netfilter hook a plan entry or a traced packet is at."""

    INPUT = "input"
    OUTPUT = "output"
    FORWARD = "forward"


for _cls, _fn in ((Direction, _core.direction_name), (Protocol, _core.protocol_name),
                  (Level, _core.level_name), (Role, _core.role_name),
                  (ZoneKind, _core.zone_kind_name), (Hook, _core.hook_name)):
    _c_values(_cls, {_cls(n): i for i in range(1, 16)
                     if (n := _fn(i)) and n in _cls._value2member_map_})
_c_values(Mode, {Mode.HOST: _core.MODE_HOST, Mode.GATEWAY: _core.MODE_GATEWAY})
del _cls, _fn


def _opt(cls: type[_CEnum], value: Optional[str]) -> Optional[_CEnum]:
    return None if value is None else cls(value)


# --------------------------------------------------------------------------
# Values copied out of a spec or policy: they outlive the objects they came from.


def _doc(text: str, default: Any = dataclasses.MISSING) -> Any:
    """A record field with its documentation (``dataclasses.fields()`` metadata)."""
    return dataclasses.field(default=default, metadata={"doc": text})


def _record(cls: type) -> type:
    """A frozen dataclass with slots whose docstring lists its fields' docs."""
    cls = dataclasses.dataclass(frozen=True, slots=True)(cls)
    docs = [f"``{f.name}``: {f.metadata['doc']}" for f in dataclasses.fields(cls)
            if "doc" in f.metadata]
    if docs:
        cls.__doc__ = (cls.__doc__ or "") + "\n\nFields:\n\n" + "\n".join(
            f"- {d}" for d in docs)
    return cls


class Addresses(tuple):
    """Addresses that narrow a flow: a tuple of str whose text (a CSV cell) is
    the addresses separated by spaces, "" for none (the whole zone)."""

    __slots__ = ()

    def __str__(self) -> str:
        return " ".join(self)


class Mark(int):
    """A yes/no mark: true or false like a bool, whose text (a CSV cell) is
    its name when set and "" when not."""

    __slots__ = ()
    name = "yes"

    def __str__(self) -> str:
        return self.name if self else ""

    def __repr__(self) -> str:
        return repr(bool(self))


class Either(Mark):
    """The spec's "servable from either zone" mark of a flow."""

    __slots__ = ()
    name = "either"


@_record
class Flow:
    """One allowed flow of a policy: one service's port range for one protocol,
    direction and zone.  Every field is a sensible CSV cell
    (``csv.writer(f).writerow(dataclasses.astuple(flow))``)."""

    service: str = _doc('the service\'s name ("smtp")')
    protocol: Protocol = _doc('tcp, udp, icmp or icmpv6')
    port: int = _doc('the first port (ICMP: message type) of the range')
    port_last: int = _doc('the last port of the range (= port for one port)')
    direction: Direction = _doc('inbound (the zone connects) or outbound')
    zone: str = _doc('the zone\'s name ("outside", "inside", "cluster")')
    level: Level = _doc('required, optional or cluster')
    interface: Optional[str] = _doc('the spec interface the flow uses on the appliance')
    either: Either = _doc('true if the spec marks the service servable from either zone')
    addresses: Addresses = _doc('server (outbound) or client (inbound) addresses; empty: the zone')
    title: Optional[str] = _doc("the service's title")
    note: Optional[str] = _doc('the service\'s caution ("not required unless ...")')
    helper: Optional[str] = _doc('the conntrack helper the service needs ("ftp")')

    @property
    def ports(self) -> range:
        """The flow's ports as a range (``port`` to ``port_last`` inclusive)."""
        return range(self.port, self.port_last + 1)

    def __str__(self) -> str:
        port = str(self.port) if self.port == self.port_last else f"{self.port}-{self.port_last}"
        return f"{self.direction} {self.zone} {self.protocol}/{port} {self.service}"

    @classmethod
    def _of(cls, h) -> Optional["Flow"]:
        if h is None:
            return None
        c, s = _core, _core.flow_service(h)
        return cls(c.service_name(s), Protocol._members[c.flow_protocol(h)],
                   c.flow_port_first(h), c.flow_port_last(h),
                   Direction._members[c.flow_direction(h)], c.zone_name(c.flow_zone(h)),
                   Level._members[c.flow_level(h)], c.interface_name(c.flow_interface(h)),
                   Either(c.flow_either(h)),
                   Addresses(_items(c.flow_address_count, c.flow_address, h)),
                   c.service_title(s), c.service_note(s), c.service_helper(s))


@_record
class Service:
    """A service of a spec: its name, texts, requirement level and port ranges."""

    name: str = _doc("the service's name")
    title: Optional[str] = _doc('its title')
    description: Optional[str] = _doc('its description')
    note: Optional[str] = _doc('a caution shown whenever the service is in a policy')
    helper: Optional[str] = _doc('the conntrack helper it needs ("ftp")')
    level: Level = _doc('required, optional or cluster')
    ports: tuple[tuple[Protocol, int, int], ...] = _doc('(protocol, first, last), by protocol, port')

    @classmethod
    def _of(cls, h) -> Optional["Service"]:
        if h is None:
            return None
        c = _core
        ports = tuple((Protocol._members[p], first, last) for _, p, first, last in
                      (c.service_port(h, i) for i in range(c.service_port_count(h))))
        return cls(c.service_name(h), c.service_title(h), c.service_description(h),
                   c.service_note(h), c.service_helper(h), Level._members[c.service_level(h)],
                   ports)


@_record
class Zone:
    """A network zone of a spec ("outside", "inside", "cluster")."""

    name: str = _doc("the zone's name")
    title: Optional[str] = _doc('its title')
    kind: ZoneKind = _doc('how its addresses are known')


@_record
class Backend:
    """A rendering backend: its name, what it renders and the modes it supports."""

    name: str = _doc('as passed to Policy.render()')
    description: str = _doc('one line on what it renders')
    modes: tuple[Mode, ...] = _doc('the modes it supports')


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


@_record
class AddressSet:
    """A normalized address set of one family in a plan entry; ``address in
    entry.remote`` tests membership."""

    match: str = _doc('"any", "in" (the listed) or "not-in" (all but them)')
    family: int = _doc('4 or 6')
    cidrs: tuple[str, ...] = _doc('the listed addresses as the fewest networks')
    matched: tuple[tuple[str, str], ...] = _doc('what the set matches, as (first, last) addresses')
    label: Optional[str] = _doc('the zone, "appliance"; None for narrowing addresses')

    def __contains__(self, address: _Address) -> bool:
        a = ipaddress.ip_address(address)
        return a.version == self.family and any(
            ipaddress.ip_address(lo) <= a <= ipaddress.ip_address(hi) for lo, hi in self.matched)


@_record
class PlanPort:
    """A destination port range (or ICMP type range) of a plan entry and the services it serves."""

    first: int = _doc("the first port or ICMP type")
    last: int = _doc("the last (= first for one)")
    services: tuple[str, ...] = _doc("the services it serves")


@_record
class PlanEntry:
    """One resolved match of a rule plan (libportspec(3), portspec_plan_entry).

    A flow entry accepts new connections at ``hook`` of ``family`` and
    ``protocol`` whose remote address is in ``remote``, local address in
    ``local``, destination port in ``ports`` (ICMP: type in ``icmp_types``),
    on ``iif`` and ``oif`` (None: any interface).
    """

    kind: str = _doc('"flow", or "loopback", "established", "neighbor-discovery"')
    complete_only: bool = _doc('a baseline entry only a complete ruleset has')
    hook: Hook = _doc('input, output or forward')
    direction: Optional[Direction] = _doc('flow entries: inbound or outbound')
    family: int = _doc('4 or 6')
    protocol: Optional[Protocol] = _doc('flow entries: the protocol')
    ports: tuple[PlanPort, ...] = _doc('destination port ranges, sorted, disjoint')
    remote: AddressSet = _doc("the zone's side")
    local: AddressSet = _doc("the appliance's side")
    iif: Optional[str] = _doc("the input interface, or None: any")
    oif: Optional[str] = _doc("the output interface, or None: any")
    helper: Optional[str] = _doc('the conntrack helper the connections get ("ftp")')
    zone: Optional[str] = _doc("flow entries: the zone")
    services: tuple[str, ...] = _doc("the services the entry serves")
    icmp_types: tuple[PlanPort, ...] = _doc("ICMP flow entries' types; established: ICMP errors", ())

    @classmethod
    def _of(cls, d: dict) -> "PlanEntry":
        def addrset(a: dict) -> AddressSet:
            return AddressSet(a["match"], d["family"], tuple(a["cidrs"]),
                              tuple((lo, hi) for lo, hi in a["matched"]), a["label"])

        def ports(key: str) -> tuple[PlanPort, ...]:
            return tuple(PlanPort(p["first"], p["last"], tuple(p["services"])) for p in d[key])

        return cls(d["kind"], d["complete_only"], Hook(d["hook"]), _opt(Direction, d["direction"]),
                   d["family"], _opt(Protocol, d["protocol"]), ports("ports"),
                   addrset(d["remote"]), addrset(d["local"]), d["iif"], d["oif"], d["helper"],
                   d["zone"], tuple(d["services"]), ports("icmp_types"))


@_record
class Verdict:
    """The answer of :meth:`Plan.check`; true when the connection is allowed."""

    allowed: bool = _doc('whether the new connection is allowed')
    entry: Optional[PlanEntry] = _doc('the plan entry that allows it')
    flow: Optional[Flow] = _doc('its flow for the port')
    zones: tuple[str, ...] = _doc('the zones of the remote address (or the zone asked)')
    reason: str = _doc('why, in one line')
    changes: tuple[tuple[str, str], ...] = _doc('(``--set`` setting, why) each allowing it if denied')

    def __bool__(self) -> bool:
        return self.allowed


# --------------------------------------------------------------------------
# Collections of the C API: count and index, or a cursor.


def _items(count: Callable[..., int], item: Callable[..., Any], *args: Any) -> list:
    return [item(*args, i) for i in range(count(*args))]


def _walk(next_: Callable[..., Any], *args: Any) -> Iterator:
    # [handle, cursor], or at the end (no handle) the cursor alone
    r = next_(*args, 0)
    while not isinstance(r, int):
        yield r[0]
        r = next_(*args, r[1])


def _levels(level: Union[None, str, Iterable[str]]) -> int:
    if level is None:
        return _core.LEVEL_ANY
    names = [level] if isinstance(level, str) else level
    mask = 0
    for name in names:
        mask |= Level.of(name, "level")._c
    return mask


def _fspath(path: Union[str, bytes, os.PathLike]) -> bytes:
    return os.fsencode(os.fspath(path))


class _Handle:
    """An object of the C library; ``_h`` is its handle."""

    def __getattr__(self, name: str) -> Any:
        if name == "_h":  # the constructor failed
            raise ValueError(f"the {type(self).__name__} was not created (its constructor failed)")
        raise AttributeError(name)

    def __repr__(self) -> str:
        try:
            return f"<portspec.{type(self).__name__} {self._describe()}>"
        except (ValueError, AttributeError):
            return f"<portspec.{type(self).__name__} (not created)>"

    def _describe(self) -> str:
        return ""


def _handle(obj: Optional[_Handle], cls: type, what: str) -> Any:
    if obj is None:
        return None
    if not isinstance(obj, cls):
        raise TypeError(f"{what} must be a portspec.{cls.__name__}, not {type(obj).__name__}")
    return obj._h


# --------------------------------------------------------------------------
# The handles.


class Spec(_Handle):
    """A vendor's port-requirement table (portspec(5)), immutable once parsed.

    Make one with :func:`load_default`, :func:`load` or :func:`loads`.
    """

    __slots__ = ("_h",)

    def __init__(self, text: Union[None, str, bytes] = None, *,
                 path: Union[None, str, bytes, os.PathLike] = None,
                 filename: Optional[str] = None) -> None:
        """Parses ``text`` if given, else reads ``path`` if given, else the built-in spec."""
        if text is not None:
            self._h = _core.spec_parse(text, filename)
        elif path is not None:
            self._h = _core.spec_load(_fspath(path))
        else:
            self._h = _core.spec_new_default()

    @property
    def name(self) -> Optional[str]:
        """The spec's name statement, or None."""
        return _core.spec_name(self._h)

    @property
    def version(self) -> Optional[str]:
        """The spec's version statement, or None."""
        return _core.spec_version(self._h)

    @property
    def source(self) -> Optional[str]:
        """The document the spec transcribes, or None."""
        return _core.spec_source(self._h)

    @property
    def filename(self) -> str:
        """Where the spec came from ("<default>", "<string>" or the path)."""
        return _core.spec_filename(self._h)

    def to_string(self) -> str:
        """The spec written back as spec text in canonical form."""
        return _core.spec_to_string(self._h)

    def services(self, level: Union[None, str, Iterable[str]] = None) -> list[Service]:
        """The services, in declaration order; ``level`` filters ("required", or a list)."""
        return [Service._of(s) for s in _walk(_core.spec_next_service, self._h, _levels(level))]

    def cluster_ports(self) -> list[Service]:
        """The cluster services: the ports a cluster of appliances needs."""
        return self.services(Level.CLUSTER)

    def service(self, name: str) -> Optional[Service]:
        """The service called ``name``, or None."""
        return Service._of(_core.spec_find_service(self._h, name))

    def zones(self) -> list[Zone]:
        """The zones, in declaration order."""
        return [Zone(_core.zone_name(z), _core.zone_title(z), ZoneKind._members[_core.zone_kind(z)])
            for z in _items(_core.spec_zone_count, _core.spec_zone, self._h)]

    def interfaces(self) -> list[str]:
        """The names of the interfaces the spec declares."""
        return [_core.interface_name(i)
                for i in _items(_core.spec_interface_count, _core.spec_interface, self._h)]

    def _zone(self, name: str) -> Any:
        z = _core.spec_find_zone(self._h, name)
        if z is None:
            raise UnknownError(f"unknown zone {name!r}; the zones are: "
                               + ", ".join(z.name for z in self.zones()))
        return z

    def profile(self, **settings: Any) -> "Profile":
        """A new profile for this spec, with ``settings`` applied (see :class:`Profile`)."""
        return Profile(self, **settings)

    def policy(self, profile: Optional["Profile"] = None, /, **settings: Any) -> "Policy":
        """Compiles the spec into a :class:`Policy`, with a :class:`Profile` or
        with profile settings as keyword arguments (``dns="outside"``); nothing
        gives the default profile, which reproduces the spec's matrix."""
        if profile is not None and settings:
            raise TypeError("give a Profile or profile settings, not both")
        return Policy(self, Profile(self, **settings) if settings else profile)

    def _describe(self) -> str:
        return f"{self.name!r} {self.version!r} from {self.filename!r}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spec):
            return NotImplemented
        return _core.spec_equal(self._h, other._h)

    __hash__ = None  # type: ignore[assignment]


class Profile(_Handle):
    """One site's choices for a spec (portspec-profile(5)).

    Settings are the keys of ``portspec --set``; as keyword arguments (the
    constructor, :meth:`update`) with ``_`` for ``-``: ``dns="outside"``,
    ``role="central"``, ``inside=["10.0.0.0/8"]``, ``cluster_peer=[...]``,
    ``enable=["ssh"]``, ``required_only=True``.  Every one goes through
    :meth:`set`.  The profile keeps its spec alive.
    """

    __slots__ = ("_h", "_spec")

    def __init__(self, spec: Spec, **settings: Any) -> None:
        """A default profile for ``spec``, with ``settings`` applied in order."""
        self._spec = spec
        self._h = _core.profile_new(_handle(spec, Spec, "spec"))
        self.update(**settings)

    def set(self, key: str, value: Any) -> "Profile":
        """Sets one key as in portspec-profile(5); repeatable keys add, and a
        list sets the key once per item; True and False are "true" and
        "false", None sets nothing.  A bad setting's error names ``key``.
        Returns the profile."""
        if value is None:
            return self
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            try:
                _core.profile_set(self._h, key, value if isinstance(value, (str, bytes))
                                  else str(value))
            except Error as e:
                e.key = key
                raise
            return self
        for item in value:
            self.set(key, item)
        return self

    def update(self, **settings: Any) -> "Profile":
        """Sets each keyword (``_`` for ``-``) with :meth:`set`; an error says
        which keyword it came from.  Returns the profile."""
        for name, value in settings.items():
            try:
                self.set(name.replace("_", "-"), value)
            except Error as e:
                raise type(e)(f"{e.text} (keyword argument {name}={value!r})", key=e.key) from None
        return self

    def load(self, path: Union[str, bytes, os.PathLike]) -> "Profile":
        """Applies the profile file at ``path``; returns the profile."""
        _core.profile_load(self._h, _fspath(path))
        return self

    def loads(self, text: Union[str, bytes], filename: Optional[str] = None) -> "Profile":
        """Applies profile-file text (``key = value`` lines); returns the profile."""
        _core.profile_parse(self._h, text, filename)
        return self

    def to_string(self) -> str:
        """The effective profile as profile-file text."""
        return _core.profile_to_string(self._h)

    def enabled(self, service: str) -> bool:
        """Whether the named service is on; UnknownError if the spec has none of that name."""
        svc = _core.spec_find_service(self._spec._h, service)
        if svc is None:
            raise UnknownError(f"unknown service {service!r}")
        return _core.profile_enabled(self._h, svc)

    @property
    def spec(self) -> Spec:
        """The spec the profile is for."""
        return self._spec

    @property
    def role(self) -> Role:
        """The cluster role."""
        return Role._members[_core.profile_role(self._h)]

    @property
    def uses_examples(self) -> bool:
        """Whether the addresses are still the documentation examples."""
        return _core.profile_uses_examples(self._h)

    def _describe(self) -> str:
        return f"role={self.role.value!r} for {self._spec.name!r}"


class Policy(_Handle):
    """A spec and a profile compiled into concrete, deduplicated flows.

    A sequence of :class:`Flow` values (``for flow in policy``, ``len()``,
    ``policy[i]``); :meth:`flows` filters them.  A policy is immutable and
    keeps its spec alive.
    """

    def __init__(self, spec: Spec, profile: Optional[Profile] = None) -> None:
        """Compiles ``spec`` with ``profile`` (None: the default profile)."""
        self._spec = spec
        self._h = _core.policy_new(_handle(spec, Spec, "spec"),
                                   _handle(profile, Profile, "profile"))
        # The extension's own method, bound: no Python between the caller and C.
        self.is_allowed = self._h.is_allowed

    def is_allowed(self, zone: str, direction: str, protocol: str, port: int) -> bool:
        """Whether a new connection is allowed: ``zone`` is a zone of the spec
        ("inside"), ``direction`` inbound or outbound (relative to the
        appliance), ``protocol`` tcp, udp, icmp or icmpv6, ``port`` 1..65535
        (ICMP: the message type)."""
        return self._h.is_allowed(zone, direction, protocol, port)

    def explain(self, zone: str, direction: str, protocol: str, port: int) -> Optional[Flow]:
        """The flow that allows the connection, or None when it is denied."""
        _, flow = _core.is_allowed(self._h, zone, _core.direction_from_name(direction),
                                   _core.protocol_from_name(protocol), port)
        return None if flow is None else self._flows()[1][int(flow)]

    def _flows(self) -> tuple[tuple[Flow, ...], dict[int, Flow]]:
        """The flows, built once (a policy is immutable), and by handle."""
        cache = self.__dict__.get("_cache")
        if cache is None:
            hs = _items(_core.policy_flow_count, _core.policy_flow, self._h)
            flows = tuple(map(Flow._of, hs))
            cache = self._cache = (flows, {int(h): f for h, f in zip(hs, flows)})
        return cache

    def flows(self, level: Union[None, str, Iterable[str]] = None, zone: Optional[str] = None,
              direction: Optional[str] = None, protocol: Optional[str] = None) -> list[Flow]:
        """The flows matching a filter; each argument left None matches anything
        (``level`` may be a list of levels)."""
        by_handle = self._flows()[1]
        return [by_handle[int(f)] for f in _walk(
            _core.policy_find, self._h, _levels(level),
            None if zone is None else self._spec._zone(zone),
            0 if direction is None else Direction.of(direction, "direction")._c,
            0 if protocol is None else Protocol.of(protocol, "protocol")._c)]

    def required(self) -> list[Flow]:
        """The required flows (the mission's list_required)."""
        return self.flows(level=Level.REQUIRED)

    @property
    def spec(self) -> Spec:
        """The spec the policy was compiled from."""
        return self._spec

    @property
    def warnings(self) -> list[PolicyWarning]:
        """Warnings the spec attaches to this policy."""
        h = self._h
        return [PolicyWarning(_core.policy_warning(h, i), _core.warning_kind_name(k),
                              "note" if _core.warning_kind_is_note(k) else "warning")
                for i in range(_core.policy_warning_count(h))
                for k in (_core.policy_warning_kind(h, i),)]

    def render(self, backend: str, mode: str = "host", fragment: bool = False,
               name: Optional[str] = None) -> str:
        """Renders the policy for ``backend`` (see :func:`backends`): for ``mode``
        host (rules on the appliance) or gateway (a firewall in front of it);
        with ``fragment`` a named chain/anchor/group called ``name`` (default
        "portspec") instead of a complete ruleset."""
        return _core.render(self._h, backend, Mode.of(mode, "mode")._c,
                            _core.RENDER_FRAGMENT if fragment else 0, name)

    def plan(self, mode: str = "host") -> "Plan":
        """The rule plan for ``mode``: the packets every rule backend's output lets through."""
        return Plan(self, mode)

    def audit(self, ruleset: Union["Ruleset", str, bytes, os.PathLike,
                                   Iterable[Union[str, bytes, os.PathLike]]],
              mode: str = "host", format: str = "json") -> Union[dict, str]:
        """Audits an existing ruleset (a :class:`Ruleset`, or the path or paths
        of ruleset files) against the plan of ``mode``: for every flow and
        family "allowed", "partial", "blocked" or "indeterminate", the
        baseline, and what it accepts beyond the policy ("extra").  Returns
        the audit document (docs/portspec-audit.schema.json, ``$defs/audit``)
        as a dict, or with ``format="text"`` the report ``portspec audit`` prints."""
        if not isinstance(ruleset, Ruleset):
            paths = ruleset if isinstance(ruleset, Iterable) and not isinstance(
                ruleset, (str, bytes)) else [ruleset]
            ruleset = Ruleset(*paths)
        fmt = _audit_format(format)
        audit = _core.audit_new(self._h, Mode.of(mode, "mode")._c, ruleset._h)
        return _audit_result(_core.audit_write(audit, fmt), format)

    def __len__(self) -> int:
        return _core.policy_flow_count(self._h)

    def __iter__(self) -> Iterator[Flow]:
        return iter(self._flows()[0])

    def __getitem__(self, index: Union[int, slice]) -> Union[Flow, list[Flow]]:
        if isinstance(index, slice):
            return list(self._flows()[0][index])
        try:
            return self._flows()[0][index]
        except IndexError:
            raise IndexError("flow index out of range") from None

    def _describe(self) -> str:
        return f"{self._spec.name!r}, {len(self)} flows"


class Plan:
    """The rule plan of a policy for one mode: the packets every rule backend
    lets through, as :class:`PlanEntry` values (baseline first), each hook's
    default verdict in a complete ruleset, and the mode's warnings.  Get it
    with :meth:`Policy.plan`."""

    def __init__(self, policy: Policy, mode: str) -> None:
        data = json.loads(policy.render("plan", mode))
        self._policy = policy
        self.mode = Mode(data["mode"])
        self.entries: tuple[PlanEntry, ...] = tuple(PlanEntry._of(e) for e in data["entries"])
        self.hook_drops = {h["hook"]: h["drop"] for h in data["hooks"]}
        # log=drops: the prefix of each hook's log lines (None: not logged)
        self.hook_logs = {h["hook"]: h["log"]["prefix"] if h["log"] else None
                          for h in data["hooks"]}
        self.warnings: tuple[PolicyWarning, ...] = tuple(
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
        p = self._policy
        allowed, index, flow, zones, reason, changes = _core.plan_explain(
            p._h, self.mode._c, _core.direction_from_name(direction),
            None if address is None else str(address),
            None if zone is None else p.spec._zone(zone), _core.protocol_from_name(protocol),
            port, interface)
        if flow is not None:
            flow = p._flows()[1].get(int(flow)) or Flow._of(flow)
        return Verdict(allowed, None if index is None else self.entries[index], flow,
                       tuple(zones), reason, tuple(changes))

    def __repr__(self) -> str:
        return f"<portspec.Plan {self.mode}, {len(self.entries)} entries>"


# --------------------------------------------------------------------------
# libportspec-audit: existing rulesets.

_RulesetPath = Union[str, bytes, os.PathLike]
_Ports = Union[None, int, tuple[int, int], str]


def _audit_format(format: str) -> int:
    formats = {"json": _core.AUDIT_JSON, "text": _core.AUDIT_TEXT}
    if format not in formats:
        raise InvalidArgumentError(f"format must be 'json' or 'text', not {format!r}")
    return formats[format]


def _audit_result(text: str, format: str) -> Union[dict, str]:
    return json.loads(text) if format == "json" else text


def _port_range(value: _Ports, what: str) -> tuple[int, int]:
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


class Ruleset(_Handle):
    """An existing firewall ruleset: one or more files read into one model
    (libportspec-audit, docs/audit.md).

    ``Ruleset("rules.v4", "rules.v6")`` reads files; :meth:`parse` and
    :meth:`load` add more.  Formats: "iptables", "ip6tables" (iptables-save
    output), "nft-json" (``nft -j list ruleset``), "pf" (pf.conf) or "auto"
    (decided from the text).  A packet passes only if every file lets it
    through.  Text that cannot be read raises ParseError with the file, line
    and column, and leaves the ruleset as it was.
    """

    __slots__ = ("_h",)

    def __init__(self, *paths: _RulesetPath, format: str = "auto",
                 host_addresses: Iterable[str] = ()) -> None:
        self._h = _core.ruleset_new()
        for path in paths:
            self.load(path, format)
        for address in host_addresses:
            self.add_host_address(address)

    @staticmethod
    def _format(name: str) -> int:
        f = _core.ruleset_format_from_name(name)
        if f < 0:
            raise InvalidArgumentError("ruleset format must be 'auto', 'iptables', 'ip6tables', "
                                       f"'nft-json' or 'pf', not {name!r}")
        return f

    def parse(self, text: Union[str, bytes], format: str = "auto",
              filename: Optional[str] = None) -> "Ruleset":
        """Reads one file's text; ``filename`` names it in errors and in
        the results (default "<string>").  Returns the ruleset."""
        _core.ruleset_parse(self._h, self._format(format), text, filename)
        return self

    def load(self, path: _RulesetPath, format: str = "auto") -> "Ruleset":
        """Reads the ruleset file at ``path``.  Returns the ruleset."""
        _core.ruleset_load(self._h, self._format(format), _fspath(path))
        return self

    def add_host_address(self, address: str) -> "Ruleset":
        """Names one of the host's own addresses with its network
        ("192.0.2.10/24"), for address-type matches (``-m addrtype``, nft
        ``fib``).  Returns the ruleset."""
        _core.ruleset_add_host_address(self._h, str(address))
        return self

    @property
    def families(self) -> tuple[int, ...]:
        """The families the files cover: (4,), (6,) or (4, 6)."""
        bits = _core.ruleset_families(self._h)
        return tuple(f for bit, f in ((1, 4), (2, 6)) if bits & bit)

    @property
    def notes(self) -> list[str]:
        """What the readers noticed (a family assumed, a table another tool
        manages), one line each."""
        return _items(_core.ruleset_note_count, _core.ruleset_note, self._h)

    def rule_count(self) -> int:
        """The number of rules read."""
        return _core.ruleset_rule_count(self._h)

    def chain_count(self) -> int:
        """The number of chains read."""
        return _core.ruleset_chain_count(self._h)

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
        fmt = _audit_format(format)
        s, d = _port_range(sport, "source"), _port_range(dport, "destination")
        t = _core.trace(self._h, Hook.of(hook, "hook")._c, Protocol.of(protocol, "protocol")._c,
                        family or 0, src, dst, *s, *d, iif, oif)
        return _audit_result(_core.ruleset_trace_write(t, fmt), format)

    def diff(self, other: Union["Ruleset", Plan], format: str = "json") -> Union[dict, str]:
        """What this ruleset (side a) and ``other`` (side b: a ruleset, or a
        :class:`Plan` for what the policy admits in its mode) accept
        differently, as ``portspec diff`` says.  Returns the diff document
        (``$defs/diff``: ``equal``, ``only_a``, ``only_b``, ...) or the text."""
        fmt = _audit_format(format)
        if isinstance(other, Plan):
            d = _core.ruleset_diff_plan(self._h, _core.policy_plan(other._policy._h,
                                                                   other.mode._c))
        else:
            d = _core.ruleset_diff(self._h, _handle(other, Ruleset, "other"))
        return _audit_result(_core.ruleset_diff_write(d, fmt), format)

    def matrix(self, protocol: str, port: int, *, hook: Optional[str] = None,
               chain: Optional[str] = None, family: Optional[int] = None,
               format: str = "json") -> Union[dict, str]:
        """The service matrix of one port, as ``portspec audit --matrix``:
        which address classes may open connections to which.  ``hook``
        defaults to "forward"; ``chain`` evaluates one chain alone.  Returns
        the matrix document (``$defs/matrix``) or the text."""
        fmt = _audit_format(format)
        families = {None: 0, 4: 1, 6: 2}.get(family)
        if families is None:
            raise InvalidArgumentError(f"family must be 4 or 6, not {family!r}")
        m = _core.matrix(self._h, Protocol.of(protocol, "protocol")._c, port,
                         0 if hook is None else Hook.of(hook, "hook")._c, chain, families)
        return _audit_result(_core.ruleset_matrix_write(m, fmt), format)

    def _describe(self) -> str:
        return f"{self.rule_count()} rules, {self.chain_count()} chains"


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


def backends() -> list[str]:
    """The names of the rendering backends, in a stable order."""
    return [_core.backend_name(i) for i in range(_core.backend_count())]


def backend_info(name: str) -> Backend:
    """What a backend renders and which modes it supports; UnknownError if there is none."""
    description = _core.backend_description(name)
    if description is None:
        raise UnknownError(f"unknown backend {name!r}; the backends are: "
                           + ", ".join(backends()))
    modes = _core.backend_modes(name)
    return Backend(name, description, tuple(m for m in Mode if modes & m._c))


def version() -> str:
    """The version of the libportspec library in use ("MAJOR.MINOR.PATCH")."""
    return _core.version()


def default_spec_text() -> str:
    """The text of the built-in spec."""
    return _core.default_spec_text()


__version__ = version()
