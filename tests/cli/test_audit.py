# SPDX-License-Identifier: MIT
"""portspec audit, trace and diff: exit codes, errors, JSON against the schema; the project's
own renders audit clean for every profile of the cross-backend test, and each mutant of one
(a flow rule removed, a port widened, a source dropped) audits with exactly that finding."""
import os
import re
import subprocess
import sys

import pytest

from conftest import SRCDIR, run, schema, validate

sys.path.insert(0, os.path.join(SRCDIR, "tests", "crossbackend"))
from profiles import PROFILES  # noqa: E402

HEAD = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
EST = "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


@pytest.fixture
def rules(tmp_path):
    return write(tmp_path, "rules.v4", HEAD + EST +
                 "-A INPUT -i lo -j ACCEPT\n"
                 "-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\n"
                 "-A INPUT -p tcp -m tcp --dport 25 -m mark --mark 0x1 -j ACCEPT\n"
                 "-A INPUT -p tcp -m tcp --dport 23 -j REJECT --reject-with tcp-reset\n"
                 "COMMIT\n")


def trace(*args):
    return run("trace", "-q", *args)


# ---- trace ---------------------------------------------------------------

def test_trace_exit_codes(rules):
    base = ["-r", rules, "--hook", "input", "--proto", "tcp", "--iif", "eth0"]
    r = trace(*base, "--src", "192.0.2.7", "--dport", "22")
    assert r.rc == 0, r
    assert r.out.startswith("accept: ") and "rules.v4:7" in r.out
    r = trace(*base, "--src", "198.51.100.7", "--dport", "22")
    assert r.rc == 1 and r.out.startswith("drop: ") and "policy drop" in r.out
    r = trace(*base, "--src", "198.51.100.7", "--dport", "23")
    assert r.rc == 1 and r.out.startswith("reject: ")
    r = trace(*base, "--src", "198.51.100.7", "--dport", "25")
    assert r.rc == 3 and r.out.startswith("indeterminate: ") and "rules.v4:8" in r.out
    # An open question whose classes differ is indeterminate too.
    r = trace(*base, "--dport", "22")
    assert r.rc == 3 and "narrow the question" in r.out


def test_trace_json_follows_the_schema(rules):
    r = trace("-r", rules, "--hook", "input", "--proto", "tcp", "--dport", "22", "--format", "json")
    doc = r.json()
    validate(doc, schema("portspec-audit.schema.json"), "#/$defs/trace")
    validate(doc, schema("portspec-audit.schema.json"))
    verdicts = {c["verdict"] for c in doc["classes"]}
    assert verdicts == {"accept", "drop"}
    accepted = [c for c in doc["classes"] if c["verdict"] == "accept"]
    assert any(c["rule"]["where"] == "%s:7" % rules for c in accepted)
    assert all(c["path"] for c in doc["classes"])


@pytest.mark.parametrize("args,why", [
    ([], "--ruleset is required"),
    (["--hook", "in"], "--hook is input, output or forward"),
    (["--hook", "input", "--proto", "icmp"], "--proto is tcp or udp"),
    (["--hook", "input", "--proto", "tcp", "--dport", "0"], "--dport"),
    (["--hook", "input", "--proto", "tcp", "--dport", "9-3"], "--dport"),
    (["--hook", "input", "--proto", "tcp", "--oif", "eth0"], "no output interface"),
    (["--hook", "input", "--proto", "tcp", "--src", "10.0.0.1", "--dst", "2001:db8::1"], "IPv4"),
    (["--hook", "input", "--proto", "tcp", "--src", "2001:db8::1"], "do not cover IPv6"),
    (["--hook", "input", "--proto", "tcp", "--src", "nonsense"], "not an address"),
])
def test_trace_usage_errors(rules, args, why):
    full = args if not args else ["-r", rules] + args
    r = trace(*full)
    assert r.rc == 2, r
    assert why in r.err and r.out == ""


def test_unreadable_ruleset_is_65_with_a_location(tmp_path):
    bad = write(tmp_path, "bad.v4", HEAD + "-A INPUT -p tcp -m tcp --dport 99999 -j ACCEPT\nCOMMIT\n")
    r = trace("-r", bad, "--hook", "input", "--proto", "tcp")
    assert r.rc == 65 and r.out == ""
    assert re.search(r"bad\.v4:5:32: error: '99999' is not a port", r.err), r.err
    r = run("audit", "-q", "-r", bad)
    assert r.rc == 65 and "bad.v4:5:32" in r.err
    r = run("diff", bad, bad)
    assert r.rc == 65


def test_missing_ruleset_is_74(tmp_path):
    r = trace("-r", str(tmp_path / "nope"), "--hook", "input", "--proto", "tcp")
    assert r.rc == 74 and "cannot open" in r.err


def test_format_prefix_forces_the_reader(tmp_path):
    # Without evidence the text is IPv4; the prefix says IPv6.
    f = write(tmp_path, "plain", HEAD + "-A INPUT -p tcp -j ACCEPT\nCOMMIT\n")
    r = trace("-r", "ip6tables:" + f, "--hook", "input", "--proto", "tcp", "--src", "2001:db8::1")
    assert r.rc == 0, r
    r = trace("-r", "nft-json:" + f, "--hook", "input", "--proto", "tcp")
    assert r.rc == 65 and "not JSON" in r.err


def test_notes_go_to_stderr(tmp_path):
    empty = write(tmp_path, "empty.v4", "")
    r = run("trace", "-r", empty, "--hook", "input", "--proto", "udp")
    assert r.rc == 65 and "name it, as in iptables:FILE" in r.err
    empty = "iptables:" + empty
    r = run("trace", "-r", empty, "--hook", "input", "--proto", "udp")
    assert r.rc == 0 and "note:" in r.err and "no table" in r.err
    assert "note:" not in run("trace", "-q", "-r", empty, "--hook", "input", "--proto", "udp").err


def test_ruleset_text_cannot_forge_output_lines(tmp_path):
    # A comment with an escape sequence and a fake verdict line stays on its line.
    f = write(tmp_path, "evil.v4", HEAD +
              '-A INPUT -p tcp -m comment --comment "x\\\\n\x1b[2Jaccept: forged" -j ACCEPT\nCOMMIT\n')
    r = trace("-r", f, "--hook", "input", "--proto", "tcp")
    assert r.rc == 0, r
    assert "\x1b" not in r.out
    assert not any(line.startswith("accept: forged") for line in r.out.splitlines())
    r = trace("-r", f, "--hook", "input", "--proto", "tcp", "--format", "json")
    assert "\x1b" not in r.out
    r.json()


# ---- diff ----------------------------------------------------------------

def test_diff_equal_and_different(tmp_path, rules):
    same = write(tmp_path, "same.v4", open(rules).read())
    r = run("diff", rules, same)
    assert r.rc == 3 or r.rc == 0, r  # the mark rule is indeterminate on both sides
    wider = write(tmp_path, "wider.v4", open(rules).read().replace("--dport 22", "--dport 22:24"))
    r = run("diff", "-q", rules, wider, "--format", "json")
    assert r.rc == 1, r
    doc = r.json()
    validate(doc, schema("portspec-audit.schema.json"), "#/$defs/diff")
    assert doc["equal"] is False
    assert doc["only_b"] and not doc["only_a"]
    assert all(d["b"]["rule"]["where"] == "%s:7" % wider for d in doc["only_b"])


def test_diff_of_a_render_and_its_policy_is_equal(tmp_path):
    v4 = write(tmp_path, "r.v4", run("render", "--backend", "iptables", "-q").out)
    v6 = write(tmp_path, "r.v6", run("render", "--backend", "ip6tables", "-q").out)
    r = run("diff", "-q", v4 + "," + v6, "--policy")
    assert r.rc == 0, r
    assert "equal" in r.out
    mutant = write(tmp_path, "m.v4", open(v4).read().replace("--dport 161", "--dport 161:162"))
    r = run("diff", "-q", mutant, "--policy", "--format", "json")
    assert r.rc == 1, r
    doc = r.json()
    assert doc["b"] == ["<policy, host mode>"]
    assert [d["class"]["dport"] for d in doc["only_a"]] == [[[162, 162]]]


def test_diff_usage(rules):
    assert run("diff", rules).rc == 2
    assert run("diff", rules, rules, rules).rc == 2
    assert run("diff", rules, rules, "--set", "dns=inside").rc == 2


# ---- audit ---------------------------------------------------------------

def audit(*args):
    return run("audit", "-q", *args)


def render(backend, mode, sets):
    r = run("render", "-q", "--backend", backend, "--mode", mode, *sets)
    assert r.rc == 0, r
    return r.out


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("mode", ["host", "gateway"])
def test_own_renders_audit_clean(tmp_path, profile, mode):
    if mode not in profile.modes:
        pytest.skip("the profile has no %s mode" % mode)
    v4 = write(tmp_path, "r.v4", render("iptables", mode, profile.args))
    v6 = write(tmp_path, "r.v6", render("ip6tables", mode, profile.args))
    r = audit("-r", v4, "-r", v6, "--mode", mode, "--format", "json", *profile.args)
    assert r.rc == 0, r
    doc = r.json()
    validate(doc, schema("portspec-audit.schema.json"), "#/$defs/audit")
    assert doc["clean"] and not doc["extra"] and not doc["indeterminate"]
    assert all(f["verdict"] == "allowed" for f in doc["flows"])
    assert all(b["verdict"] == "allowed" for b in doc["baseline"])
    plan = run("plan", "-q", "--mode", mode, "--format", "json", *profile.args).json()
    flows = {(svc, e["family"]) for e in plan["entries"] if e["kind"] == "flow"
             for p in e["ports"] + e["icmp_types"] for svc in p["services"]}
    assert {(f["service"], f["family"]) for f in doc["flows"]} == flows


def test_ping_is_audited_by_icmp_type(tmp_path):
    """ping= flows are audited like the others: by ICMP type, blocked when the
    ruleset drops the echo requests, and the echo replies are not extra."""
    sets = ["--set", "inside=10.20.0.0/16", "--set", "ping=inside"]
    rules = render("iptables", "host", sets)
    assert "--icmp-type 8" in rules
    r = audit("-r", write(tmp_path, "ok.v4", rules), "--format", "json", *sets)
    assert r.rc == 0, r
    ping = [f for f in r.json()["flows"] if f["service"] == "ping"]
    assert [(f["protocol"], f["port"], f["verdict"]) for f in ping] == [("icmp", 8, "allowed")]
    dropped = "\n".join(x for x in rules.splitlines() if "--icmp-type 8" not in x) + "\n"
    r = audit("-r", write(tmp_path, "drop.v4", dropped), "--format", "json", *sets)
    assert r.rc == 1, r
    doc = r.json()
    validate(doc, schema("portspec-audit.schema.json"), "#/$defs/audit")
    ping = [f for f in doc["flows"] if f["service"] == "ping"]
    assert [(f["protocol"], f["verdict"]) for f in ping] == [("icmp", "blocked")]
    assert not doc["extra"]
    # Echo requests of another type (13, timestamp) admitted are beyond the policy.
    wide = rules.replace("--icmp-type 8", "--icmp-type 13")
    r = audit("-r", write(tmp_path, "wide.v4", wide), "--format", "json", *sets)
    assert r.rc == 1 and r.json()["extra"], r


def pf_args(mode, args):
    """The profile's arguments for pf, which refuses FTP for the host's own
    connections (host mode): without it there."""
    args = list(args)
    while True:
        r = run("render", "-q", "--backend", "pf", "--mode", mode, *args)
        m = re.search(r"service (\S+) needs its FTP data connections", r.err)
        if r.rc == 0 or not m:
            return args
        args += ["--set", "disable=" + m.group(1)]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("mode", ["host", "gateway"])
def test_own_pf_renders_audit_clean(tmp_path, profile, mode):
    if mode not in profile.modes:
        pytest.skip("the profile has no %s mode" % mode)
    args = pf_args(mode, profile.args)
    conf = write(tmp_path, "pf.conf", render("pf", mode, args))
    r = audit("-r", "pf:" + conf, "--mode", mode, "--format", "json", *args)
    assert r.rc == 0, r
    doc = r.json()
    validate(doc, schema("portspec-audit.schema.json"), "#/$defs/audit")
    assert doc["clean"] and not doc["extra"] and not doc["indeterminate"]
    assert all(f["verdict"] == "allowed" for f in doc["flows"])
    assert all(b["verdict"] == "allowed" for b in doc["baseline"])
    plan = run("plan", "-q", "--mode", mode, "--format", "json", *args).json()
    flows = {(svc, e["family"]) for e in plan["entries"] if e["kind"] == "flow"
             for p in e["ports"] + e["icmp_types"] for svc in p["services"]}
    assert {(f["service"], f["family"]) for f in doc["flows"]} == flows


def pf_host(tmp_path, edit):
    text = render("pf", "host", ["--set", "disable=ftp"])
    mutant = edit(text)
    assert mutant != text
    r = audit("-r", "pf:" + write(tmp_path, "m.conf", mutant), "--set", "disable=ftp",
              "--format", "json")
    assert r.rc == 1, r
    return r.json()


def test_pf_mutant_without_a_flow_rule_blocks_exactly_that_flow(tmp_path):
    doc = pf_host(tmp_path, lambda t: "\n".join(
        line for line in t.splitlines() if not line.startswith("pass in quick inet proto udp")))
    bad = [(f["service"], f["family"], f["verdict"]) for f in doc["flows"] if f["verdict"] != "allowed"]
    assert bad == [("snmp", 4, "blocked")]
    assert not doc["extra"]


def test_pf_mutant_with_a_widened_port_opens_exactly_that_port(tmp_path):
    doc = pf_host(tmp_path, lambda t: t.replace(
        "inet proto tcp from <inside> to (self) port { 22, 25, 443, 465, 4443 }",
        "inet proto tcp from <inside> to (self) port { 22, 25, 443, 465, 4443, 8080 }"))
    assert all(f["verdict"] == "allowed" for f in doc["flows"])
    assert [(e["direction"], e["family"], e["protocol"], e["ports"], e["zone"])
            for e in doc["extra"]] == [("inbound", 4, "tcp", [[8080, 8080]], "inside")]


def test_pf_mutant_without_a_source_opens_the_flows_to_everyone(tmp_path):
    doc = pf_host(tmp_path, lambda t: t.replace(
        "pass in quick inet6 proto tcp from <inside> to (self)",
        "pass in quick inet6 proto tcp from any to (self)"))
    assert all(f["verdict"] == "allowed" for f in doc["flows"])
    assert [(e["direction"], e["family"], e["zone"], e["ports"]) for e in doc["extra"]] == \
        [("inbound", 6, "outside", [[22, 22], [443, 443], [4443, 4443]])]


def host_render(tmp_path):
    return render("iptables", "host", [])


def test_mutant_without_a_flow_rule_blocks_exactly_that_flow(tmp_path):
    text = "\n".join(line for line in host_render(tmp_path).splitlines()
                     if "--dport 161" not in line) + "\n"
    r = audit("-r", write(tmp_path, "m.v4", text), "--format", "json")
    assert r.rc == 1, r
    doc = r.json()
    bad = [f for f in doc["flows"] if f["verdict"] != "allowed"]
    assert [(f["service"], f["verdict"]) for f in bad] == [("snmp", "blocked")]
    assert bad[0]["rules"][0]["policy"] == "drop"
    assert not doc["extra"]


def test_mutant_with_a_widened_port_opens_exactly_that_port(tmp_path):
    text = host_render(tmp_path).replace("--dports 22,25,443,465,4443", "--dports 22,25,443,465,4443,8080")
    assert "8080" in text
    r = audit("-r", write(tmp_path, "m.v4", text), "--format", "json")
    assert r.rc == 1, r
    doc = r.json()
    assert all(f["verdict"] == "allowed" for f in doc["flows"])
    assert [(e["direction"], e["protocol"], e["ports"], e["zone"]) for e in doc["extra"]] == \
        [("inbound", "tcp", [[8080, 8080]], "inside")]
    assert "8080" in doc["extra"][0]["rules"][0]["text"]


def test_mutant_without_a_source_opens_the_flows_to_everyone(tmp_path):
    text = host_render(tmp_path).replace("-A INPUT -s 192.0.2.0/24 -p tcp", "-A INPUT -p tcp")
    r = audit("-r", write(tmp_path, "m.v4", text), "--format", "json")
    assert r.rc == 1, r
    doc = r.json()
    assert all(f["verdict"] == "allowed" for f in doc["flows"])
    extra = doc["extra"]
    assert len(extra) == 1 and extra[0]["zone"] == "outside" and extra[0]["direction"] == "inbound"
    # The inside-only ports, now from outside too (25 and 465 outside had anyway).
    assert extra[0]["ports"] == [[22, 22], [443, 443], [4443, 4443]]


def test_partial_flow_says_what_is_missing(tmp_path):
    text = host_render(tmp_path).replace(
        "-A INPUT -s 192.0.2.0/24 -p udp -m udp --dport 161",
        "-A INPUT -s 192.0.2.0/25 -p udp -m udp --dport 161")
    r = audit("-r", write(tmp_path, "m.v4", text), "--format", "json")
    assert r.rc == 1, r
    snmp = [f for f in r.json()["flows"] if f["service"] == "snmp"][0]
    assert snmp["verdict"] == "partial"
    assert [m["addresses"] for m in snmp["missing"]] == [["192.0.2.128/25"]]
    text_out = audit("-r", write(tmp_path, "m2.v4", text)).out
    assert re.search(r"^  partial .* snmp \(optional\)$", text_out, re.M), text_out


def test_replies_blocked_make_a_flow_blocked(tmp_path):
    text = host_render(tmp_path).replace(
        "-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED", "-A OUTPUT -m conntrack --ctstate RELATED")
    r = audit("-r", write(tmp_path, "m.v4", text), "--format", "json")
    assert r.rc == 1, r
    doc = r.json()
    inbound = [f for f in doc["flows"] if f["direction"] == "inbound"]
    assert inbound and all(f["verdict"] == "blocked" for f in inbound)
    assert all(m["stage"] == "reply" for f in inbound for m in f["missing"])


def test_ftp_without_its_helper_is_partial(tmp_path):
    text = "\n".join(line for line in host_render(tmp_path).splitlines()
                     if "CT --helper" not in line) + "\n"
    r = audit("-r", write(tmp_path, "m.v4", text), "--format", "json")
    ftp = [f for f in r.json()["flows"] if f["service"] == "ftp"][0]
    assert ftp["verdict"] == "partial" and ftp["helper"] == {"name": "ftp", "assigned": False}


def test_audit_notes_an_uncovered_family(tmp_path):
    v4 = write(tmp_path, "r.v4", host_render(tmp_path))
    r = audit("-r", v4, "--format", "json")
    assert r.rc == 0, r
    doc = r.json()
    assert doc["families"] == [4]
    assert "IPv6 is not audited: no ruleset covers it" in doc["notes"]


def test_audit_usage(rules):
    assert audit().rc == 2
    assert audit("-r", rules, "--mode", "router").rc == 2
    assert audit("-r", rules, "--matrix", "tcp/22", "--set", "dns=inside").rc == 2
    assert audit("-r", rules, "--matrix", "icmp/8").rc == 2
    assert audit("-r", rules, "--matrix", "tcp/22", "--chain", "nosuch").rc == 2


def test_matrix(tmp_path):
    f = write(tmp_path, "fw.v4", "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
              "-A FORWARD -s 10.0.0.0/8 -d 192.168.0.0/16 -p tcp -m tcp --dport 22 -j ACCEPT\n"
              "-A FORWARD -s 192.168.0.0/16 -p tcp -m tcp --dport 22 -j ACCEPT\n"
              "-A FORWARD -s 172.16.0.0/12 -p tcp -m tcp --dport 22 -m limit --limit 1/s -j ACCEPT\n"
              "COMMIT\n")
    r = audit("-r", f, "--matrix", "tcp/22", "--format", "json")
    assert r.rc == 0, r
    doc = r.json()
    validate(doc, schema("portspec-audit.schema.json"), "#/$defs/matrix")
    classes = [sorted(c) for c in doc["classes"]]
    i10 = classes.index(["10.0.0.0/8"])
    i192 = classes.index(["192.168.0.0/16"])
    i172 = classes.index(["172.16.0.0/12"])
    assert len(classes) == 4
    rest = [i for i in range(4) if i not in (i10, i192, i172)][0]
    assert sorted(map(tuple, doc["edges"])) == sorted(
        [(i10, i192)] + [(i192, x) for x in range(4)])
    assert sorted(map(tuple, doc["indeterminate"])) == sorted((i172, x) for x in range(4))
    assert rest not in {a for a, _ in doc["edges"]}
    text = audit("-r", f, "--matrix", "tcp/22").out
    assert "class %d (IPv4): 10.0.0.0/8" % i10 in text


# ---- the index of long runs of rules --------------------------------------

def generated(tmp_path, rules, family):
    """A real-shaped ruleset of bench/gen-ruleset.py: blocklists, zone jumps,
    per-host allows, long enough that the analysis indexes its runs."""
    out = tmp_path / ("gen-%d.v%d" % (rules, family))
    subprocess.run([sys.executable, os.path.join(SRCDIR, "bench", "gen-ruleset.py"),
                    "--rules", str(rules), "--family", str(family), "--output", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("family", [4, 6])
def test_indexed_runs_decide_as_rule_by_rule(tmp_path, family):
    # A comment rule matches everything and does nothing: one after every few
    # rules breaks every run, so that side is evaluated rule by rule.  The two
    # must not differ anywhere (diff compares every class at every hook).
    src = generated(tmp_path, 600, family)
    lines, n = [], 0
    for line in src.read_text().splitlines():
        lines.append(line)
        if line.startswith("-A "):
            n += 1
            if n % 7 == 0:
                lines.append(line.split()[0] + " " + line.split()[1] +
                             ' -m comment --comment "no run here"')
    broken = write(tmp_path, "broken", "\n".join(lines) + "\n")
    fmt = "iptables" if family == 4 else "ip6tables"
    r = run("diff", "-q", fmt + ":" + str(src), fmt + ":" + broken, "--format", "json")
    assert r.rc == 0, r
    doc = r.json()
    assert not doc["only_a"] and not doc["only_b"] and not doc["indeterminate"]
