# SPDX-License-Identifier: MIT
"""The readers and the comparison on small hand-written rulesets.

Each reader must refuse what the backends do not write (never guess), decide
packets the way its target does, and turn any malformed input into a
ParseError; and the comparison must see a rule taken out of a real output.
No kernel here: the Linux readers get iptables-save text and nft JSON
written in the tests."""

import json
import random
import re

import pytest

from cases import Case, all_cases, plan_for, render
from compare import compare
from intervals import IntervalSet, PORTS, parse_address
from packets import NOPORT, Packet, ParseError
from profiles import BY_NAME
from readers.nft import NftRuleset
from readers.pf import PfRuleset
from readers.windows import parse_netsh, parse_powershell
from readers.xtables import XtablesRuleset


def addr(text):
    return parse_address(text)[1]


def pkt(hook, src, dst, proto="tcp", iif=None, oif=None, state="new", **kw):
    family = 6 if ":" in src else 4
    return Packet(hook, family, proto, addr(src), addr(dst), iif, oif, state,
                  src_self=hook == "output", dst_self=hook == "input", **kw)


def verdict(rs, p, port=None):
    """(verdict, helper) of one packet and port."""
    ports = PORTS if p.proto in ("tcp", "udp") else NOPORT
    for piece, outcome in rs.evaluate(p, ports):
        if (port if port is not None else 0) in piece:
            return outcome.verdict, outcome.helper
    raise AssertionError("no outcome for port %s" % port)


# ---- iptables-save ---------------------------------------------------------------

SAVE = """*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -d 10.0.0.0/8 -o eth1 -p tcp -m tcp --dport 21 -j CT --helper ftp
COMMIT
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
:out-zone - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i eth1 -j out-zone
-A INPUT -s 10.0.0.0/8 -i eth1 -p tcp -m multiport --dports 22,8000:8010 -m conntrack --ctstate NEW -j ACCEPT
-A OUTPUT -d 10.0.0.0/8 -o eth1 -p tcp -m tcp --dport 21 -m conntrack --ctstate NEW -j ACCEPT
-A out-zone -s 10.0.0.0/8 -j RETURN
-A out-zone -p tcp -m tcp ! --dport 25 -j RETURN
-A out-zone -p tcp -m conntrack --ctstate NEW -m comment --comment "smtp" -j ACCEPT
COMMIT
"""


def test_xtables_decides_like_the_kernel():
    rs = XtablesRuleset(SAVE, 4, "t")
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth1"), 25)[0] == "accept"
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth1"), 26)[0] == "drop"
    assert verdict(rs, pkt("input", "10.0.0.9", "10.0.0.1", iif="eth1"), 25)[0] == "drop"
    assert verdict(rs, pkt("input", "10.0.0.9", "10.0.0.1", iif="eth1"), 8005)[0] == "accept"
    assert verdict(rs, pkt("input", "10.0.0.9", "10.0.0.1", iif="eth2"), 22)[0] == "drop"
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth2",
                           state="established"), 1)[0] == "accept"
    assert verdict(rs, pkt("output", "10.0.0.1", "10.0.0.2", oif="eth1"), 21) == ("accept",
                                                                                 "ftp")
    assert verdict(rs, pkt("output", "10.0.0.1", "10.0.0.2", oif="eth2"), 21)[0] == "drop"


def test_xtables_fragment_returns_what_it_does_not_accept():
    frag = SAVE.replace(":INPUT DROP", ":INPUT ACCEPT")
    keys = XtablesRuleset.rule_keys(frag)
    hooked = frag.replace("COMMIT\n*filter", "COMMIT\n*filter", 1).replace(
        "-A out-zone -s", "-A INPUT -j out-zone\n-A out-zone -s", 1)
    rs = XtablesRuleset(hooked, 4, "t", fragment=True, fragment_keys=keys)
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth1"), 25)[0] == "accept"
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth1"), 26)[0] == "return"
    assert verdict(rs, pkt("forward", "192.0.2.1", "10.0.0.1", iif="eth1", oif="eth2"),
                   25)[0] == "return"


@pytest.mark.parametrize("line", [
    "-A INPUT -m mark --mark 1 -j ACCEPT",
    "-A INPUT -p tcp -m tcp --sport 22 -j ACCEPT",
    "-A INPUT -i eth+ -j ACCEPT",
    "-A INPUT -j LOG",
    "-A INPUT -p sctp -j ACCEPT",
    "-A INPUT -m conntrack --ctstate SNAT -j ACCEPT",
    "-A INPUT -p tcp -j ACCEPT --bogus",
    "-A INPUT -j nowhere",
    "-A INPUT -s 2001:db8::/32 -j ACCEPT",
    "-I INPUT -j ACCEPT",
])
def test_xtables_refuses_what_the_backends_do_not_write(line):
    with pytest.raises(ParseError):
        XtablesRuleset("*filter\n:INPUT DROP [0:0]\n%s\nCOMMIT\n" % line, 4, "t")


def test_xtables_refuses_other_tables():
    with pytest.raises(ParseError):
        XtablesRuleset("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", 4, "t")


# ---- nft JSON --------------------------------------------------------------------

def nft_doc(rules, sets=(), chains=None, helpers=()):
    objs = [{"metainfo": {"json_schema_version": 1}},
            {"table": {"family": "inet", "name": "t", "handle": 1}}]
    objs += [{"ct helper": dict({"family": "inet", "table": "t"}, **h)} for h in helpers]
    objs += [{"set": dict({"family": "inet", "table": "t"}, **s)} for s in sets]
    for c in chains or [{"name": "input", "type": "filter", "hook": "input", "prio": 0,
                         "policy": "drop"}]:
        objs.append({"chain": dict({"family": "inet", "table": "t"}, **c)})
    for i, (chain, expr) in enumerate(rules):
        objs.append({"rule": {"family": "inet", "table": "t", "chain": chain,
                              "handle": 100 + i, "expr": expr}})
    return {"nftables": objs}


def m(left, right, op="=="):
    return {"match": {"op": op, "left": left, "right": right}}


IIF = {"meta": {"key": "iifname"}}
SADDR = {"payload": {"protocol": "ip", "field": "saddr"}}
DPORT = {"payload": {"protocol": "tcp", "field": "dport"}}
STATE = {"ct": {"key": "state"}}
INSIDE = {"name": "inside", "type": "ipv4_addr", "flags": ["interval"],
          "elem": [{"prefix": {"addr": "10.0.0.0", "len": 8}}]}


def test_nft_decides_like_the_kernel():
    doc = nft_doc([
        ("input", [m(STATE, ["established", "related"], "in"), {"accept": None}]),
        ("input", [m(IIF, "eth1"), {"jump": {"target": "zone"}}]),
        ("zone", [m(SADDR, "@inside"), {"return": None}]),
        ("zone", [m(DPORT, {"set": [25, {"range": [8000, 8010]}]}), m(STATE, "new", "in"),
                  {"counter": None}, {"accept": None}]),
    ], sets=[INSIDE], chains=[
        {"name": "input", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"},
        {"name": "zone"}])
    rs = NftRuleset(doc, "t")
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth1"), 25)[0] == "accept"
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth1"), 8010)[0] == "accept"
    assert verdict(rs, pkt("input", "10.1.2.3", "10.0.0.1", iif="eth1"), 25)[0] == "drop"
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="eth2"), 25)[0] == "drop"
    # tcp dport implies tcp; ip saddr implies IPv4
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", "udp", iif="eth1"), 25)[0] == "drop"
    assert verdict(rs, pkt("input", "2001:db8::1", "2001:db8::2", iif="eth1"), 25)[0] == \
        "accept"
    assert verdict(rs, pkt("input", "10.1.2.3", "10.0.0.1", iif="eth9",
                           state="related"), 1)[0] == "accept"


def test_nft_every_base_chain_must_accept():
    doc = nft_doc([
        ("a", [m(DPORT, 22), {"accept": None}]),
        ("b", [m(DPORT, 22), {"ct helper": "ftp-h"}]),
        ("b", [m(DPORT, {"set": [22, 23]}), {"accept": None}]),
    ], chains=[{"name": "a", "type": "filter", "hook": "input", "prio": 0, "policy": "drop"},
               {"name": "b", "type": "filter", "hook": "prerouting", "prio": -300,
                "policy": "drop"}],
        helpers=[{"name": "ftp-h", "type": "ftp", "protocol": "tcp", "l3proto": "inet"}])
    rs = NftRuleset(doc, "t")
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="x"), 22) == ("accept", "ftp")
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="x"), 23)[0] == "drop"


def test_nft_rule_over_an_empty_set_is_dead():
    empty = dict(INSIDE, elem=[])
    rs = NftRuleset(nft_doc([("input", [m(SADDR, "@inside"), {"accept": None}])],
                            sets=[empty]), "t")
    assert rs.dead_rules


@pytest.mark.parametrize("expr", [
    [{"log": {"prefix": "x"}}],
    [m({"meta": {"key": "mark"}}, 1), {"accept": None}],
    [m(IIF, "eth*"), {"accept": None}],
    [m({"payload": {"protocol": "tcp", "field": "sport"}}, 22), {"accept": None}],
    [m(DPORT, 22, "<"), {"accept": None}],
    [{"accept": None}, {"drop": None}],
    [m(DPORT, "@nosuchset"), {"accept": None}],
    [{"reject": None}],
])
def test_nft_refuses_what_the_backends_do_not_write(expr):
    with pytest.raises(ParseError):
        NftRuleset(nft_doc([("input", expr)]), "t")


@pytest.mark.parametrize("obj", [
    {"map": {"family": "inet", "table": "t", "name": "m", "type": "ipv4_addr"}},
    {"table": {"family": "netdev", "name": "n", "handle": 2}},
    {"chain": {"family": "inet", "table": "t", "name": "n", "type": "nat", "hook": "input",
               "prio": 0, "policy": "accept"}},
])
def test_nft_refuses_objects_the_backends_do_not_write(obj):
    doc = nft_doc([])
    doc["nftables"].append(obj)
    with pytest.raises(ParseError):
        NftRuleset(doc, "t")


# ---- pf --------------------------------------------------------------------------

PF = """ext_if = "em0"
int_if = "em1"
table <inside> const { 10.0.0.0/8 2001:db8:1::/48 }
set skip on lo
block log all
pass in quick on $ext_if inet proto tcp from ! <inside> to (self) port 25 flags S/SA keep state
pass in on $int_if inet proto tcp from <inside> to any port 8000:8010 flags S/SA keep state
block in on $int_if inet proto tcp from <inside> to any port 8005
pass out quick on $ext_if inet proto tcp from (self) to <inside> port 21 flags S/SA keep state
"""


def test_pf_decides_like_pf():
    rs = PfRuleset(PF, "t")
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="em0"), 25)[0] == "accept"
    assert verdict(rs, pkt("input", "10.1.1.1", "10.0.0.1", iif="em0"), 25)[0] == "drop"
    # the last matching rule wins without quick
    assert verdict(rs, pkt("input", "10.1.1.1", "10.0.0.1", iif="em1"), 8004)[0] == "accept"
    assert verdict(rs, pkt("input", "10.1.1.1", "10.0.0.1", iif="em1"), 8005)[0] == "drop"
    assert verdict(rs, pkt("input", "10.1.1.1", "10.0.0.1", iif="lo"), 9)[0] == "accept"
    # forwarded: in on em1 passes, out on em0 has no pass rule
    assert verdict(rs, pkt("forward", "10.1.1.1", "192.0.2.1", iif="em1", oif="em0"),
                   8004)[0] == "drop"
    assert verdict(rs, pkt("output", "10.0.0.1", "10.2.2.2", oif="em0"), 21)[0] == "accept"
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="em0",
                           state="established"), 1)[0] == "accept"


def test_pf_anchor_returns_what_it_does_not_pass():
    anchor = "table <inside> const { 10.0.0.0/8 }\n" \
             "pass in quick inet proto tcp from <inside> to (self) port 22 flags S/SA keep state\n"
    rs = PfRuleset(anchor, "t", fragment=True)
    assert verdict(rs, pkt("input", "10.0.0.9", "10.0.0.1", iif="em0"), 22)[0] == "accept"
    assert verdict(rs, pkt("input", "10.0.0.9", "10.0.0.1", iif="em0"), 23)[0] == "return"


@pytest.mark.parametrize("line", [
    "match in all",
    "pass in quick on em0 inet proto tcp from any to any port 25 rdr-to 10.0.0.1",
    "pass in quick on em0 inet proto tcp from { ! 10.0.0.1 } to any port 25 flags S/SA keep state",
    "pass in quick on em0 inet proto tcp from any port 1024 to any port 25 flags S/SA keep state",
    "pass in quick on em0 inet proto tcp from <nosuch> to any port 25 flags S/SA keep state",
    "pass in quick on $nosuch inet proto tcp from any to any port 25 flags S/SA keep state",
    "pass in quick on em0 inet proto tcp from any to any port 25",
    "pass in quick on em0 inet proto udp from any to any port 53 flags S/SA keep state",
    "anchor \"other\"",
    "pass in quick inet proto tcp from any to any port 25 \\",
])
def test_pf_refuses_what_the_backend_does_not_write(line):
    with pytest.raises(ParseError):
        PfRuleset(line + "\n", "t")


def test_pf_anchor_rules_must_be_quick():
    with pytest.raises(ParseError):
        PfRuleset("pass in inet proto tcp from any to (self) port 22 flags S/SA keep state\n",
                  "t", fragment=True)


# ---- Windows ---------------------------------------------------------------------

NETSH = ("@echo off\r\nsetlocal EnableExtensions DisableDelayedExpansion\r\n"
         'powershell -NoProfile -NonInteractive -Command "snapshot" || goto failed\r\n'
         'netsh advfirewall firewall set rule name="t.staging" new name="t" >nul 2>&1\r\n'
         'netsh advfirewall firewall show rule name="t.staging" >nul 2>&1 && goto failed\r\n'
         'netsh advfirewall firewall add rule name="t.staging" dir=in action=allow protocol=TCP '
         'localport=25 remoteip=0.0.0.0-9.255.255.255,11.0.0.0-255.255.255.255 profile=any '
         'enable=yes description="x" || goto failed\r\n'
         'netsh advfirewall firewall add rule name="t.staging" dir=out action=allow protocol=TCP '
         'remoteport=21 remoteip=10.0.0.0/8 profile=any enable=yes description="y" '
         "|| goto failed\r\n"
         'netsh advfirewall firewall delete rule name="t" >nul 2>&1\r\n'
         'netsh advfirewall firewall show rule name="t" >nul 2>&1 && goto failed\r\n'
         'netsh advfirewall firewall set rule name="t.staging" new name="t" >nul || goto failed\r\n'
         "netsh advfirewall set allprofiles state on || goto failed\r\n"
         "netsh advfirewall set allprofiles firewallpolicy blockinbound,blockoutbound "
         "|| goto failed\r\nexit /b 0\r\n:remove\r\n"
         'powershell -NoProfile -NonInteractive -Command "restore" || goto restore_failed\r\n'
         "exit /b 0\r\n")


def test_netsh_decides_like_the_windows_firewall():
    rs = parse_netsh(NETSH.encode(), "t", False)
    assert verdict(rs, pkt("input", "192.0.2.1", "10.0.0.1", iif="e"), 25)[0] == "accept"
    assert verdict(rs, pkt("input", "10.0.0.7", "10.0.0.1", iif="e"), 25)[0] == "drop"
    assert verdict(rs, pkt("output", "10.0.0.1", "10.0.0.7", oif="e"), 21) == ("accept", "ftp")
    assert verdict(rs, pkt("input", "10.0.0.7", "10.0.0.1", iif="lo"), 9)[0] == "accept"
    assert verdict(rs, pkt("forward", "10.0.0.7", "10.0.0.1", iif="e", oif="f"), 25)[0] == \
        "drop"


@pytest.mark.parametrize("edit", [
    ("\r\n", "\n"),
    ("profile=any", "profile=domain"),
    ("action=allow", "action=block"),
    ("remoteip=10.0.0.0/8", "remoteip=localsubnet"),
    ("localport=25", "localport=25 interfacetype=lan"),
    ("setlocal", "set PATH=x"),
    ('name="t.staging" dir=out', 'name="u" dir=out'),
    ('netsh advfirewall firewall delete rule name="t" >nul 2>&1\r\n', ""),
    ('-Command "restore"', '-Command "%PATH%"'),
])
def test_netsh_refuses_what_the_backend_does_not_write(edit):
    with pytest.raises(ParseError):
        parse_netsh(NETSH.replace(*edit).encode(), "t", False)


PS = ("$ErrorActionPreference = 'Stop'\n"
      "New-NetFirewallRule -DisplayName 'a' -Group 'portspec' -Direction Inbound -Action Allow "
      "-Protocol UDP -LocalPort '53' -RemoteAddress @('10.0.0.0/8', '2001:db8::/32') "
      "-Profile Any -Description 'it''s' @Store | Out-Null\n")


def test_powershell_decides_like_the_windows_firewall():
    rs = parse_powershell(PS, "t", True)
    assert verdict(rs, pkt("input", "10.9.9.9", "10.0.0.1", "udp", iif="e"), 53)[0] == "accept"
    assert verdict(rs, pkt("input", "2001:db8::9", "2001:db8::1", "udp", iif="e"), 53)[0] == \
        "accept"
    assert verdict(rs, pkt("input", "192.0.2.9", "10.0.0.1", "udp", iif="e"), 53)[0] == "return"


@pytest.mark.parametrize("edit", [
    ("-Action Allow", "-Action Block"),
    ("'a'", '"a"'),
    ("-Profile Any", "-Profile Any -InterfaceType Wired"),
    ("| Out-Null", "| Out-Null; Remove-Item x"),
    (" @Store | Out-Null", " | Out-Null"),
    ("-Group 'portspec'", "-Group 'other'"),
    ("'it''s'", "'it`s'"),
])
def test_powershell_refuses_what_the_backend_does_not_write(edit):
    with pytest.raises(ParseError):
        parse_powershell(PS.replace(*edit), "t", True)


# ---- malformed input and sensitivity on real outputs -----------------------------

TEXT_BACKENDS = ("pf", "netsh", "powershell", "iptables", "ip6tables")


def real_output(backend, shape="complete", profile="central"):
    # pf refuses host-mode FTP (it cannot track the host's own data
    # connections): its real output is a gateway's
    case = Case(profile, "gateway" if backend == "pf" else "host", shape, backend)
    return case, render(case, BY_NAME[profile])


def read_text(backend, text, fragment=False):
    if backend == "pf":
        return PfRuleset(text, backend, fragment)
    if backend == "netsh":
        return parse_netsh(text, backend, fragment)
    if backend == "powershell":
        return parse_powershell(text, backend, fragment)
    return XtablesRuleset(text, 4 if backend == "iptables" else 6, backend, fragment)


def mutate(text, rng):
    """One small edit of a line: a word dropped, doubled, swapped or replaced."""
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    words = lines[i].split(" ")
    j = rng.randrange(len(words))
    how = rng.randrange(4)
    if how == 0:
        del words[j]
    elif how == 1:
        words.insert(j, words[j])
    elif how == 2:
        k = rng.randrange(len(words))
        words[j], words[k] = words[k], words[j]
    else:
        words[j] = rng.choice(["!", "{", "}", "'", '"', "0", "-1", "any", "65536", "::/0", ""])
    lines[i] = " ".join(words)
    return "\n".join(lines)


@pytest.mark.parametrize("backend", TEXT_BACKENDS)
def test_readers_turn_malformed_input_into_a_parse_error(backend):
    _case, text = real_output(backend)
    raw = text if isinstance(text, bytes) else None
    base = text.decode() if raw is not None else text
    rng = random.Random(backend)
    parsed = refused = 0
    for _ in range(300):
        m_text = mutate(base, rng)
        try:
            rs = read_text(backend, m_text.encode() if raw is not None else m_text)
        except ParseError:
            refused += 1
            continue
        parsed += 1
        for p in (pkt("input", "10.20.0.1", "0.0.0.0", iif="eth1"),
                  pkt("output", "0.0.0.0", "10.20.0.53", oif="eth1")):
            if p.family in getattr(rs, "families", (4, 6)):
                rs.evaluate(p, PORTS)
    assert refused, "no mutation was refused: the reader is not strict"


def test_nft_reader_turns_malformed_json_into_a_parse_error():
    rng = random.Random(7)
    base = nft_doc([("input", [m(IIF, "eth1"), m(SADDR, "@inside"), {"accept": None}])],
                   sets=[INSIDE])
    for _ in range(200):
        doc = json.loads(json.dumps(base))
        obj = rng.choice(doc["nftables"][1:])
        body = next(iter(obj.values()))
        key = rng.choice(sorted(body))
        if rng.randrange(2):
            del body[key]
        else:
            body[key] = rng.choice([None, 7, "x", [], {}])
        try:
            NftRuleset(doc, "t")
        except ParseError:
            pass


# An allow rule that lets ssh in from inside, IPv4, per backend.
SSH_RULE = {
    "pf": re.compile(r"^pass in quick inet proto tcp from <inside> .*port (\{ )?22\b"),
    "netsh": re.compile(r"^netsh advfirewall firewall add rule .*dir=in .*localport=22\b.*"
                        r"remoteip=[0-9]+\."),
    "powershell": re.compile(r"^New-NetFirewallRule .*-Direction Inbound .*-LocalPort "
                             r"(@\()?'22'.*-RemoteAddress @\('[0-9]+\."),
}


@pytest.mark.parametrize("backend", sorted(SSH_RULE))
def test_the_comparison_sees_a_rule_taken_out(backend):
    """Without one of its allow rules, an output accepts less: the comparison
    reports those packets as missing, naming the entry."""
    case, text = real_output(backend, profile="default")
    raw = isinstance(text, bytes)
    s = text.decode() if raw else text
    plan = plan_for(BY_NAME[case.profile], case.mode)
    keep = compare(plan, read_text(backend, text), False, "as rendered", backend=backend)
    lines = s.split("\n")
    cut = [l for l in lines if not SSH_RULE[backend].search(l)]
    assert len(cut) == len(lines) - 1, "not one ssh rule in the %s output" % backend
    cut = "\n".join(cut)
    less = compare(plan, read_text(backend, cut.encode() if raw else cut), False, "without ssh",
                   backend=backend)
    new = set(less.differences) - set(keep.differences)
    assert any(less.differences[k].kind == "missing" and "ssh" in less.differences[k].entry
               for k in new), less.report()


def test_cases_cover_every_profile_mode_and_backend():
    cases = list(all_cases())
    assert {c.profile for c in cases} == set(BY_NAME)
    assert {(c.mode, c.backend) for c in cases} == {
        ("host", b) for b in ("iptables", "ip6tables", "nft", "pf", "netsh", "powershell")} | {
        ("gateway", b) for b in ("iptables", "ip6tables", "nft", "pf")}
    assert {c.shape for c in cases} == {"complete", "fragment"}


def test_interval_sets():
    a = IntervalSet([(1, 5), (7, 9)])
    assert a | IntervalSet.of(6) == IntervalSet([(1, 9)])
    assert a - IntervalSet([(3, 8)]) == IntervalSet([(1, 2), (9, 9)])
    assert a & IntervalSet([(5, 7)]) == IntervalSet.of(5, 7)
    assert 8 in a and 6 not in a
    assert a.boundaries() == {1, 6, 7, 10}
