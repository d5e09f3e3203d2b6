# SPDX-License-Identifier: MIT
"""portspec subcommands: behaviour, exit codes, every format, errors on stderr."""
import re
import csv
import io
import json
import os

import pytest

from conftest import EXE, SRCDIR, need_tool, run, schema, validate

COMMANDS = ["list", "check", "explain", "required", "cluster", "plan", "render", "doc", "validate",
            "fmt", "profile", "backends", "audit", "trace", "diff"]
LISTINGS = ["list", "required", "cluster", "backends"]
# The commands that read a policy: --spec, --profile, --set, --quiet.
POLICY_COMMANDS = ["list", "check", "explain", "required", "cluster", "plan", "render", "doc",
                   "validate", "profile", "audit", "diff", "apply"]
SSH_NOTE = "Not required unless otherwise directed by IBM Lotus Support"
FQDN_NOTE = "you must set up FQDNs of internal hosts externally"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


# ---- the dispatcher ------------------------------------------------------

def test_help_lists_every_command_and_the_four_questions():
    r = run("--help")
    assert r.rc == 0 and r.err == ""
    for c in COMMANDS:
        assert f"\n  {c} " in r.out
    # A new user finds each answer in the help's examples.
    assert "portspec check --zone outside --direction inbound --proto tcp --port 22" in r.out
    assert "portspec cluster --role central" in r.out
    assert "portspec render --backend nft --set inside=" in r.out
    assert "portspec doc " in r.out


def test_version():
    r = run("--version")
    assert r.rc == 0 and r.out.startswith("portspec ") and r.out.strip().split()[1][0].isdigit()


def test_no_command_is_a_usage_error():
    r = run()
    assert r.rc == 2 and r.out == "" and "usage:" in r.err


def test_unknown_command():
    r = run("frobnicate")
    assert r.rc == 2 and r.out == "" and "unknown command 'frobnicate'" in r.err


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help(cmd):
    r = run(cmd, "--help")
    assert r.rc == 0, r
    assert r.out.startswith(f"usage: portspec {cmd}") and r.err == ""
    assert run("help", cmd).out == r.out


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_rejects_unknown_options(cmd):
    r = run(cmd, "--no-such-option")
    assert r.rc == 2, r
    assert r.out == "" and "--no-such-option" in r.err


@pytest.mark.parametrize("cmd", COMMANDS + ["apply"])
def test_every_command_takes_short_help_and_names_the_first_bad_option(cmd):
    assert run(cmd, "-h").out == run(cmd, "--help").out
    r = run(cmd, "--no-such-option", "--nor-this-one")
    assert r.rc == 2 and r.out == "", r
    assert "'--no-such-option'" in r.err and "--nor-this-one" not in r.err
    r = run(cmd, "-Z")
    assert r.rc == 2 and r.out == "" and "unknown option '-Z'" in r.err, r


@pytest.mark.parametrize("cmd", POLICY_COMMANDS)
def test_every_policy_command_takes_the_policy_options(cmd):
    # --quiet's value is checked alike everywhere: a usage error, not an I/O error.
    r = run(cmd, "--quiet=everything")
    assert r.rc == 2 and r.out == "", r
    assert "--quiet takes notes, warnings or all, not 'everything'" in r.err
    # An option without its value names the option.
    for opt in ("--spec", "--profile", "--set"):
        r = run(cmd, opt)
        assert r.rc == 2 and r.out == "" and f"unknown option '{opt}', or it needs a value" in r.err, r
    r = run(cmd, "-s")
    assert r.rc == 2 and "unknown option '-s', or it needs a value" in r.err, r


@pytest.mark.parametrize("cmd", LISTINGS)
def test_every_listing_rejects_an_unknown_format(cmd):
    r = run(cmd, "--format", "xml")
    assert r.rc == 2 and r.out == "" and "unknown format 'xml'" in r.err


# ---- list and required ---------------------------------------------------

def test_list_table_is_the_vendor_matrix():
    r = run("list", "--quiet")
    assert r.rc == 0 and r.err == ""
    lines = r.out.splitlines()
    assert lines[0].split() == ["DIRECTION", "ZONE", "PROTO", "PORT", "SERVICE", "LEVEL", "EITHER",
                                "ADDRESSES"]
    assert len(lines) == 1 + 22


def test_list_json_follows_the_schema():
    r = run("list", "--format", "json", "--quiet")
    assert r.rc == 0
    flows = r.json()
    assert len(flows) == 22
    s = schema("portspec-policy.schema.json")
    for f in flows:
        validate(f, s, "#/$defs/flow")
    assert {"direction": "inbound", "zone": "inside", "interface": "eth1", "protocol": "tcp",
            "port": 22, "port_last": 22, "service": "ssh", "level": "optional",
            "either": False, "addresses": []} in flows


def test_list_csv_is_the_csv_document():
    lst = run("list", "--format", "csv", "-q")
    doc = run("doc", "--format", "csv", "-q")
    assert lst.rc == 0 and doc.rc == 0
    # the listing's columns are the document's first ones
    assert [r[:11] for r in csv.reader(io.StringIO(doc.out))] == list(
        csv.reader(io.StringIO(lst.out)))
    rows = list(csv.DictReader(io.StringIO(lst.out)))
    assert len(rows) == 22
    assert rows[0].keys() == {"direction", "zone", "interface", "protocol", "port",
                              "port_last", "service", "level", "either", "addresses", "title"}
    rows = list(csv.DictReader(io.StringIO(doc.out)))
    assert list(rows[0])[11:] == ["source", "destination", "in_interface", "out_interface"]


def test_listings_are_the_documents_rows():
    # a listing in json or csv is made of the library's own text of each flow
    lst = run("list", "--format", "json", "-q")
    frag = run("doc", "--format", "json", "--fragment", "-q")
    assert lst.rc == 0 and lst.out == frag.out
    inside = run("list", "--format", "json", "-q", "--zone", "inside")
    assert inside.json() == [f for f in frag.json() if f["zone"] == "inside"]
    lst = run("list", "--format", "csv", "-q").out.splitlines()
    doc = run("doc", "--format", "csv", "-q").out.splitlines()
    assert len(lst) == len(doc) and all(d.startswith(r + ",") for r, d in zip(lst, doc))
    for role in ("central", "member"):
        frag = run("doc", "--format", "json", "--fragment", "-q", "--set", "role=" + role).out
        rows = run("cluster", "--format", "json", "--role", role, "-q").out.splitlines()[1:-1]
        assert rows and all(r.startswith('  {"role": "%s", ' % role) for r in rows)
        lines = frag.splitlines()
        assert all("  {" + r[len('  {"role": "%s", ' % role):] in lines or
                   "  {" + r[len('  {"role": "%s", ' % role):] + "," in lines for r in rows)
        doc = run("doc", "--format", "csv", "-q", "--set", "role=" + role).out.splitlines()
        rows = run("cluster", "--format", "csv", "--role", role, "-q").out.splitlines()
        assert rows[0] == "role," + ",".join(next(csv.reader([doc[0]]))[:11])
        assert all(any(d.startswith(r[len(role) + 1:] + ",") for d in doc) for r in rows[1:])


def test_list_filters():
    flows = run("list", "-q", "--zone", "outside", "--direction", "outbound", "--format",
                "json").json()
    ports = sorted({f["port"] for f in flows})
    assert ports == [25, 53, 123, 443, 465]  # the picture: OUTBOUND PORTS 25, 53*, 123*, 443, 465
    flows = run("list", "-q", "--proto", "udp", "--format", "json").json()
    assert {f["protocol"] for f in flows} == {"udp"}
    flows = run("list", "-q", "--level", "optional,cluster", "--format", "json").json()
    assert {f["level"] for f in flows} == {"optional"}


@pytest.mark.parametrize("args,msg", [
    (["--zone", "nowhere"], "unknown zone 'nowhere'"),
    (["--direction", "sideways"], "--direction is inbound or outbound"),
    (["--proto", "sctp"], "--proto is tcp, udp, icmp or icmpv6"),
    (["--level", "important"], "--level takes"),
    (["extra"], "unexpected argument"),
])
def test_list_usage_errors(args, msg):
    r = run("list", *args)
    assert r.rc == 2 and r.out == "" and msg in r.err


def test_required_lists_only_required_flows():
    flows = run("required", "-q", "--format", "json").json()
    assert flows and {f["level"] for f in flows} == {"required"}
    assert {f["service"] for f in flows} == {"smtp", "dns", "ntp", "ldap", "https", "https-user"}
    assert run("required", "--level", "optional").rc == 2


# ---- check ---------------------------------------------------------------

def test_check_tcp22_from_outside_is_denied():
    r = run("check", "--zone", "outside", "--direction", "inbound", "--proto", "tcp", "--port",
            "22")
    assert r.rc == 1 and r.out.startswith("denied")


def test_check_tcp22_from_inside_is_allowed_with_the_support_note():
    r = run("check", "--zone", "inside", "--direction", "inbound", "--proto", "tcp", "--port",
            "22")
    assert r.rc == 0 and r.out.startswith("allowed") and "ssh" in r.out
    assert SSH_NOTE in r.err and "note: ssh" in r.err


def test_check_follows_the_profile():
    args = ["check", "-z", "inside", "-d", "inbound", "-P", "tcp", "-n", "22"]
    assert run(*args, "--set", "disable=ssh").rc == 1
    assert run(*args, "--set", "required-only=true").rc == 1


@pytest.mark.parametrize("args", [
    ["--zone", "inside", "--direction", "inbound", "--proto", "tcp"],
    ["--zone", "inside", "--direction", "inbound", "--proto", "tcp", "--port", "0"],
    ["--zone", "inside", "--direction", "inbound", "--proto", "tcp", "--port", "65536"],
    ["--zone", "inside", "--direction", "inbound", "--proto", "sctp", "--port", "22"],
    ["--zone", "mars", "--direction", "inbound", "--proto", "tcp", "--port", "22"],
])
def test_check_usage_errors(args):
    r = run("check", *args)
    assert r.rc == 2 and r.out == "" and r.err


# ---- warnings --------------------------------------------------------------

def test_dns_only_from_outside_warns_about_fqdns():
    r = run("list", "--set", "dns=outside", "--set", "disable=ssh")
    assert r.rc == 0
    assert FQDN_NOTE in r.err and "note: dns is served from outside, not from inside" in r.err
    # the note is about external DNS: served from inside, there is nothing to say
    r = run("list", "--set", "dns=inside", "--set", "ntp=inside", "--set", "disable=ssh")
    assert r.rc == 0 and r.err == "", r
    assert SSH_NOTE not in r.err
    assert FQDN_NOTE not in r.out


def test_default_policy_warns_only_about_ssh():
    r = run("list")
    assert SSH_NOTE in r.err and FQDN_NOTE not in r.err
    assert run("list", "--quiet").err == ""


# ---- check by address, and the plan ---------------------------------------

SITE = ["--set", "inside=10.20.0.0/16", "--set", "inside=fd12:3456::/48",
        "--set", "appliance=10.20.5.25", "--set", "appliance=fd12:3456::25", "-q"]


def test_check_by_address_names_the_zone_and_the_entry():
    r = run("check", "--address", "10.20.9.5", "--direction", "inbound", "--proto", "udp",
            "--port", "161", *SITE)
    assert r.rc == 0, r
    assert r.out.startswith("allowed: inbound udp/161 from 10.20.9.5 (zone inside): service snmp")
    entry = int(re.search(r"plan entry (\d+)", r.out).group(1))
    plan = run("plan", "--format", "json", *SITE).json()
    e = plan["entries"][entry]
    assert (e["kind"], e["hook"], e["family"], e["protocol"], e["zone"]) == (
        "flow", "input", 4, "udp", "inside")


def test_check_by_address_denied_says_which_setting_allows_it():
    r = run("check", "--address", "10.20.9.5", "-d", "inbound", "-P", "udp", "-n", "161",
            *SITE, "--set", "disable=snmp")
    assert r.rc == 1 and "snmp is turned off" in r.out and "--set enable=snmp" in r.out
    # outside the inside networks, snmp is not allowed in any profile
    r = run("check", "--address", "192.0.2.7", "-d", "inbound", "-P", "udp", "-n", "161", *SITE)
    assert r.rc == 1 and "(zone outside)" in r.out and "allowed from zone inside" in r.out


def test_check_by_address_honours_server_narrowing():
    narrow = [*SITE, "--set", "dns=inside", "--set", "server=dns:10.20.0.53"]
    assert run("check", "--address", "10.20.0.53", "-d", "outbound", "-P", "udp", "-n", "53",
               *narrow).rc == 0
    r = run("check", "--address", "10.20.0.9", "-d", "outbound", "-P", "udp", "-n", "53", *narrow)
    assert r.rc == 1 and "narrowed" in r.out and "--set server=dns:10.20.0.9" in r.out
    # dns is served inside only: an outside resolver is denied too
    assert run("check", "--address", "8.8.8.8", "-d", "outbound", "-P", "udp", "-n", "53",
               *narrow).rc == 1


def test_check_by_address_in_gateway_mode_with_interfaces():
    gw = [*SITE, "--mode", "gateway", "--set", "inside-interface=lan0",
          "--set", "outside-interface=wan0"]
    assert run("check", "--address", "10.20.9.5", "-d", "inbound", "-P", "tcp", "-n", "22",
               "--interface", "lan0", *gw).rc == 0
    # an inside source arriving on the outside interface: spoofed, denied
    r = run("check", "--address", "10.20.9.5", "-d", "inbound", "-P", "tcp", "-n", "22",
            "--interface", "wan0", *gw)
    assert r.rc == 1 and "interface lan0, not wan0" in r.out


@pytest.mark.parametrize("args", [
    ["--address", "10.0.0.0/8"], ["--address", "nonsense"], ["--zone", "inside", "--address", "10.0.0.1"],
    ["--zone", "inside", "--mode", "gateway"], ["--address", "10.0.0.1", "--mode", "router"]])
def test_check_bad_address_arguments(args):
    r = run("check", *args, "-d", "inbound", "-P", "tcp", "-n", "22")
    assert r.rc == 2 and r.out == "" and r.err


def test_plan_json_matches_its_schema_and_folds_networks():
    plan = run("plan", "--format", "json", "--set", "inside=10.0.0.0/8,10.1.0.0/16,192.168.0.0/24,"
               "192.168.1.0/24", "-q").json()
    validate(plan, schema("portspec-plan.schema.json"))
    inside = [e for e in plan["entries"] if e["zone"] == "inside" and e["family"] == 4]
    assert inside and all(e["remote"]["cidrs"] == ["10.0.0.0/8", "192.168.0.0/23"] for e in inside)
    assert plan["hooks"] == [{"hook": "input", "drop": True, "log": None},
                             {"hook": "forward", "drop": True, "log": None},
                             {"hook": "output", "drop": True, "log": None}]


def test_plan_warns_of_keys_the_mode_does_not_use():
    r = run("plan", "--set", "outside-interface=wan0", "--set", "interface=ens3")
    assert r.rc == 0 and "host rules do not use the gateway keys outside-interface=wan0" in r.err
    r = run("plan", "--mode", "gateway", "--set", "outside-interface=wan0", "--set", "interface=ens3")
    assert r.rc == 0 and "gateway rules do not use interface=ens3" in r.err


def test_quiet_hides_notes_or_warnings_alone():
    sets = ("--set", "outside-interface=wan0")
    r = run("plan", *sets)
    assert r.rc == 0 and "note: ssh: Not required" in r.err
    assert "warning: host rules do not use the gateway keys" in r.err
    r = run("plan", "--quiet=notes", *sets)
    assert r.rc == 0 and "note:" not in r.err and "warning: host rules do not use" in r.err
    r = run("plan", "--quiet=warnings", *sets)
    assert r.rc == 0 and "note: ssh" in r.err and "warning:" not in r.err
    for q in ("-q", "--quiet", "--quiet=all"):
        r = run("plan", q, *sets)
        assert r.rc == 0 and r.err == "", q
    r = run("plan", "--quiet=everything")
    assert r.rc == 2 and r.out == "" and "--quiet takes notes, warnings or all" in r.err


def test_plan_json_gives_each_warning_its_kind():
    r = run("plan", "--format", "json", "--set", "outside-interface=wan0", "-q")
    d = json.loads(r.out)
    validate(d, schema("portspec-plan.schema.json"))
    assert [w["text"] for w in d["diagnostics"]] == d["warnings"]
    kinds = {w["kind"]: w["severity"] for w in d["diagnostics"]}
    assert kinds == {"service-note": "note", "unused-key": "warning"}


# ---- explain -------------------------------------------------------------

def test_explain_service():
    r = run("explain", "ssh", "-q")
    assert r.rc == 0
    assert "level: optional" in r.out and "tcp/22" in r.out and SSH_NOTE in r.out


def test_explain_denied_port_says_where_it_is_open():
    r = run("explain", "tcp/22", "--zone", "outside", "-q")
    assert r.rc == 1
    assert "denied" in r.out and "open elsewhere: ssh inbound inside tcp/22" in r.out


def test_explain_names_the_setting_that_would_allow():
    r = run("explain", "4990", "--zone", "cluster", "--direction", "inbound", "-q")
    assert r.rc == 1 and "--set role=central" in r.out
    r = run("explain", "tcp/53", "--zone", "outside", "--set", "dns=inside", "-q")
    assert r.rc == 1 and "--set dns=all" in r.out
    r = run("explain", "tcp/22", "--set", "disable=ssh", "-q")
    assert r.rc == 1 and "--set enable=ssh" in r.out


def test_explain_allowed_port():
    r = run("explain", "443", "-q")
    assert r.rc == 0
    assert "allowed: tcp/443 inbound from inside: service https" in r.out
    assert "allowed: tcp/443 outbound to outside: service https" in r.out


@pytest.mark.parametrize("arg", ["nosuchservice", "tcp/0", "sctp/22", "70000"])
def test_explain_bad_argument(arg):
    r = run("explain", arg)
    assert r.rc == 2 and r.out == "" and r.err


# ---- cluster -------------------------------------------------------------

def test_cluster_central_node():
    flows = run("cluster", "--role", "central", "--format", "json").json()
    assert [(f["role"], f["direction"], f["zone"], f["port"]) for f in flows] == [
        ("central", "inbound", "cluster", 4990), ("central", "inbound", "cluster", 5432)]
    s = schema("portspec-policy.schema.json")
    for f in flows:
        validate(f, s, "#/$defs/flow")


def test_cluster_both_roles_table_and_csv():
    r = run("cluster")
    assert r.rc == 0 and r.out.splitlines()[0].split()[0] == "ROLE"
    assert len(r.out.splitlines()) == 5
    rows = list(csv.DictReader(io.StringIO(run("cluster", "--format", "csv").out)))
    assert {(x["role"], x["direction"]) for x in rows} == {("central", "inbound"),
                                                           ("member", "outbound")}


def test_cluster_all_is_everything_the_node_opens():
    flows = run("cluster", "--role", "member", "--all", "--format", "json", "-q").json()
    assert len(flows) == 22 + 2
    assert {f["role"] for f in flows} == {"member"}


def test_cluster_bad_role():
    r = run("cluster", "--role", "standalone")
    assert r.rc == 2 and "--role is central or member" in r.err


# ---- profile -------------------------------------------------------------

def test_profile_text_is_a_profile_file(tmp_path):
    r = run("profile", "-q", "--set", "dns=inside", "--set", "inside=10.0.0.0/8",
            "--set", "appliance=10.0.0.25")
    assert r.rc == 0 and "dns = inside" in r.out
    path = write(tmp_path, "site.profile", r.out)
    again = run("profile", "-q", "--profile", path)
    # read back, the same profile: no example address became the site's
    assert again.rc == 0 and again.out == r.out
    assert "198.51.100" not in r.out and "2001:db8" not in r.out
    # the default: examples are written as comments, and stay examples
    r = run("profile", "-q")
    assert "\n#   appliance = 198.51.100.10, 2001:db8:100::10\n" in r.out
    path = write(tmp_path, "default.profile", r.out)
    again = run("profile", "-q", "--profile", path)
    assert again.rc == 0 and again.out == r.out
    d = run("profile", "-q", "--format", "json", "--profile", path).json()
    assert d["examples"] is True


def test_profile_json_follows_the_schema():
    r = run("profile", "-q", "--format", "json", "--set", "role=central")
    assert r.rc == 0
    doc = r.json()
    validate(doc, schema("portspec-profile.schema.json"))
    assert doc["role"] == "central" and doc["examples"] is True
    r = run("profile", "-q", "--format", "json", "--set", "role=central",
            "--set", "server=dns:192.0.2.53", "--set", "inside=192.0.2.0/24",
            "--set", "cluster-peer=192.0.2.77")
    assert r.rc == 0
    doc = r.json()
    validate(doc, schema("portspec-profile.schema.json"))
    assert doc["examples"] is False
    dns = next(s for s in doc["services"] if s["name"] == "dns")
    assert dns["servers"] == ["192.0.2.53"]


def test_profile_bad_format():
    assert run("profile", "--format", "yaml").rc == 2


# ---- errors: bad data and I/O ----------------------------------------------

def test_bad_profile_key_is_bad_data():
    r = run("list", "--set", "colour=blue")
    assert r.rc == 65 and r.out == "" and "unknown profile key 'colour'" in r.err


def test_bad_profile_file_names_line_and_column(tmp_path):
    path = write(tmp_path, "bad.profile", "# site\nrole = central\ndisable = telnet\n")
    r = run("list", "--profile", path)
    assert r.rc == 65 and r.out == ""
    assert f"{path}:3:11: error: unknown service 'telnet'" in r.err


def test_set_without_equals_is_a_usage_error():
    r = run("list", "--set", "role")
    assert r.rc == 2 and "KEY=VALUE" in r.err


def test_bad_spec_is_bad_data(tmp_path):
    path = write(tmp_path, "bad.portspec", "portspec 1\nservice x {\n\ttcp 99999\n}\n")
    r = run("list", "--spec", path)
    assert r.rc == 65 and r.out == "" and f"{path}:3:" in r.err and "out of range" in r.err


def test_missing_files_are_io_errors(tmp_path):
    missing = str(tmp_path / "missing")
    assert run("list", "--spec", missing).rc == 74
    assert run("list", "--profile", missing).rc == 74
    assert run("validate", missing).rc == 74
    assert run("fmt", missing).rc == 74


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args", [["list"], ["required", "--format", "json"], ["backends"],
                                  ["doc"], ["fmt"], ["profile"]])
def test_write_errors_are_io_errors(args):
    with open("/dev/full", "w") as full:
        import subprocess
        p = subprocess.run([EXE, *args, "-q"] if args[0] not in ("backends", "fmt") else
                           [EXE, *args], stdout=full, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 74, p.stderr
    assert "write error" in p.stderr


# ---- validate ------------------------------------------------------------

def test_validate_builtin_spec_is_ok():
    r = run("validate")
    assert r.rc == 0 and r.out == "<default>: ok\n"
    src = os.path.join(SRCDIR, "data", "lotus-protector-mail-security-2.5.1.portspec")
    r = run("validate", src)
    assert r.rc == 0 and r.out == f"{src}: ok\n"


def test_validate_reports_findings(tmp_path):
    path = write(tmp_path, "lint.portspec", """portspec 1
zone outside complement
zone lab networks
interface eth0
service smtp {
	level required
	tcp 25
}
service unused {
	title "Unused"
	level optional
	tcp 1234
}
flow inbound outside services smtp
""")
    r = run("validate", path)
    assert r.rc == 1, r
    assert "service 'unused' is in no flow" in r.out
    assert "service 'smtp' has no title" in r.out
    assert "zone 'lab' is in no flow" in r.out
    assert "interface 'eth0' is in no flow" in r.out


def test_validate_profile(tmp_path):
    r = run("validate", "--set", "role=central", "-q")
    assert r.rc == 1 and "documentation example addresses" in r.out
    good = write(tmp_path, "site.profile", "appliance = 10.0.0.25\ninside = 10.0.0.0/8\n"
                 "cluster-peer = 10.0.1.26\nrole = central\n")
    r = run("validate", "--profile", good, "-q")
    assert r.rc == 0, r
    bad = write(tmp_path, "bad.profile", "role = boss\n")
    r = run("validate", "--profile", bad)
    assert r.rc == 65 and f"{bad}:1:8" in r.err


def test_validate_spec_errors(tmp_path):
    path = write(tmp_path, "broken.portspec", "portspec 1\nflow inbound nowhere services x\n")
    r = run("validate", path)
    assert r.rc == 65 and f"{path}:2:14: error: unknown zone 'nowhere'" in r.err


# ---- fmt -----------------------------------------------------------------

def test_fmt_round_trip(tmp_path):
    r = run("fmt")
    assert r.rc == 0 and r.out.startswith("portspec 1\n")
    path = write(tmp_path, "canon.portspec", r.out)
    assert run("fmt", "--check", path).rc == 0
    assert run("fmt", path).out == r.out
    src = os.path.join(SRCDIR, "data", "lotus-protector-mail-security-2.5.1.portspec")
    chk = run("fmt", "--check", src)
    assert chk.rc == 1 and "not in canonical form" in chk.err and chk.out == ""


def test_fmt_output_in_place(tmp_path):
    src = os.path.join(SRCDIR, "data", "lotus-protector-mail-security-2.5.1.portspec")
    path = write(tmp_path, "spec.portspec", open(src, encoding="utf-8").read())
    assert run("fmt", path, "--output", path).rc == 0
    assert run("fmt", "--check", path).rc == 0
    assert run("list", "--spec", path, "-q").out == run("list", "-q").out


def test_fmt_usage():
    assert run("fmt", "--check").rc == 2
    assert run("fmt", "a", "b").rc == 2


# ---- backends ------------------------------------------------------------

def test_backends_every_format():
    t = run("backends")
    assert t.rc == 0 and t.out.splitlines()[0].split() == ["NAME", "KIND", "MODES", "DESCRIPTION"]
    names = [line.split()[0] for line in t.out.splitlines()[1:]]
    for b in ["iptables", "ip6tables", "nft", "pf", "netsh", "powershell", "markdown", "csv",
              "json", "dot"]:
        assert b in names
    js = run("backends", "--format", "json").json()
    assert [b["name"] for b in js] == names
    assert all(set(b["modes"]) <= {"host", "gateway"} and b["modes"] for b in js)
    kinds = {b["name"]: b["kind"] for b in js}
    assert all(kinds[b] == "rules" for b in ["iptables", "ip6tables", "nft", "pf", "netsh",
                                              "powershell"])
    assert all(kinds[b] == "document" for b in ["markdown", "csv", "json", "dot"])
    rows = list(csv.DictReader(io.StringIO(run("backends", "--format", "csv").out)))
    assert [r["name"] for r in rows] == names


# ---- spec strings cannot inject into any output ----------------------------

EVIL = 'Evil \\"quoted\\" | pipe <b>tag</b> `tick` $(rm -rf /) %s & ; # \\\\N \\n=cmd|x'

EVIL_SPEC = f"""portspec 1
name "{EVIL}"
zone outside complement "{EVIL}"
zone inside networks "{EVIL}"
interface eth1 "{EVIL}"
either-note "{EVIL}"
service web {{
	title "{EVIL}"
	description "{EVIL}"
	note "{EVIL}"
	level required
	tcp 443
}}
service dns {{
	title "=HYPERLINK(\\"http://x\\")"
	level required
	udp 53
}}
flow inbound outside interface eth1 services web
flow outbound inside interface eth1 services dns*
flow outbound outside interface eth1 services dns*
"""
EVIL_TEXT = 'Evil "quoted" | pipe <b>tag</b> `tick` $(rm -rf /) %s & ; # \\N \n=cmd|x'


def test_strings_are_escaped_in_every_output(tmp_path):
    spec = write(tmp_path, "evil.portspec", EVIL_SPEC)
    doc = run("doc", "--spec", spec, "--format", "json", "--set", "dns=outside", "-q")
    assert doc.rc == 0, doc
    d = doc.json()
    assert d["spec"]["name"] == EVIL_TEXT
    web = next(s for s in d["services"] if s["name"] == "web")
    assert web["title"] == EVIL_TEXT and web["note"] == EVIL_TEXT
    validate(d, schema("portspec-policy.schema.json"))

    rows = list(csv.reader(io.StringIO(run("doc", "--spec", spec, "--format", "csv").out)))
    assert all(len(r) == 15 for r in rows)
    titles = {r[10] for r in rows[1:]}
    assert EVIL_TEXT.replace("\n", " ") in titles
    assert "'=HYPERLINK(\"http://x\")" in titles  # no formula for spreadsheets

    md = run("doc", "--spec", spec, "-q").out
    for line in md.splitlines():
        if line.startswith("| "):
            # every table row keeps its column count: no unescaped '|'
            cells = line.replace("\\|", "").count("|")
            assert cells in (7, 9, 13), line
    assert "<b>" not in md and "\\<b\\>" in md

    dot = run("doc", "--spec", spec, "--format", "dot", "-q").out
    assert '\\"quoted\\"' in dot and "\\\\N" in dot and "\n=cmd" not in dot
    table = run("list", "--spec", spec, "--format", "csv", "-q").out
    assert [r[:11] for r in csv.reader(io.StringIO(table))][1:] == [r[:11] for r in rows[1:]]
    r = run("explain", "web", "--spec", spec, "-q")
    assert r.rc == 0 and "\x1b" not in r.out


def _asan_instrumented(exe):
    import subprocess
    out = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    return "libasan" in out


@pytest.mark.parametrize("limit", [20_000_000, 60_000_000])
def test_out_of_memory_is_74_wherever_it_happens(tmp_path, limit):
    """Out of memory in the library (while parsing, at the first limit) and
    in the command's own buffers exits 74 with a message, as the CLI's own
    allocations do: never 65, which would blame the input.  Memory is capped
    by an address-space limit, or, for an AddressSanitizer build (whose
    shadow memory needs the address space), by ASan's largest allocation."""
    import subprocess
    import sys
    spec = tmp_path / "big.portspec"
    subprocess.run([sys.executable, os.path.join(SRCDIR, "bench", "gen-spec.py"),
                    "--services", "100000", "--output", str(spec)], check=True)
    args = ["render", "-q", "--backend", "nft", "--spec", str(spec)]
    if _asan_instrumented(EXE):
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":allocator_may_return_null=1"
                               ":max_allocation_size_mb=%d" % (limit // 10_000_000))
        r = run(*args, env=env)
    else:
        r = run(f"--as={limit}", EXE, *args, exe=need_tool("prlimit"))
    assert r.rc == 74, r
    assert "out of memory" in r.err and r.out == ""
