# SPDX-License-Identifier: MIT
"""A real site in one profile file, and the reproductions of issue 12: what a
network administrator set up and a change reviewer read.

The site: inside 10.20.0.0/16 and fd12:3456::/48, the appliance 10.20.5.25
and fd12:3456::25, DNS and NTP inside at 10.20.0.53 and 10.20.0.123, no SSH,
no FTP, SNMP only from the management network 10.20.9.0/24."""
import re

import pytest

from conftest import run

SITE = """\
# mail gateway of example.com
inside = 10.20.0.0/16, fd12:3456::/48
appliance = 10.20.5.25, fd12:3456::25
dns = inside
ntp = inside
server = dns:10.20.0.53, ntp:10.20.0.123
disable = ssh, ftp
client = snmp:10.20.9.0/24
"""

# Every documentation range the examples come from (RFC 5737, RFC 3849).
EXAMPLE = re.compile(r"192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:", re.I)
RULE_BACKENDS = ["iptables", "ip6tables", "nft", "pf", "netsh", "powershell"]
DOCS = ["markdown", "csv", "json", "dot"]


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "site.profile"
    path.write_text(SITE, encoding="utf-8")
    return str(path)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


# ---- the site in one file ---------------------------------------------------

def test_validate_passes_on_the_complete_site(site):
    r = run("validate", "--profile", site)
    assert r.rc == 0, r
    assert r.err == "", r


@pytest.mark.parametrize("backend", RULE_BACKENDS)
def test_site_renders_without_examples_or_warnings(site, backend):
    r = run("render", "--backend", backend, "--profile", site)
    assert r.rc == 0, r
    assert r.err == ""
    assert not EXAMPLE.search(r.out), EXAMPLE.search(r.out)
    assert "FQDN" not in r.out
    assert "documentation example" not in r.out


@pytest.mark.parametrize("fmt", DOCS)
def test_site_documents_without_examples(site, fmt):
    r = run("doc", "--format", fmt, "--profile", site)
    assert r.rc == 0 and r.err == "", r
    assert not EXAMPLE.search(r.out)
    assert "FQDN" not in r.out.split("Warnings")[-1] if fmt == "markdown" else True


def test_snmp_only_from_the_management_network(site):
    base = ["check", "--profile", site, "--direction", "inbound", "--proto", "udp",
            "--port", "161"]
    assert run(*base, "--address", "10.20.9.7").rc == 0
    r = run(*base, "--address", "10.20.1.7")
    assert r.rc == 1 and "client=snmp:10.20.1.7" in r.out
    nft = run("render", "--backend", "nft", "--profile", site).out
    assert "ip saddr 10.20.9.0/24 udp dport" in nft


def test_profile_output_reads_back_to_the_same_profile(site, tmp_path):
    r = run("profile", "--profile", site)
    assert r.rc == 0 and "client = snmp:10.20.9.0/24" in r.out
    again = run("profile", "--profile", write(tmp_path, "again.profile", r.out))
    assert again.out == r.out


# ---- the change request -------------------------------------------------------------

def csv_rows(*args):
    import csv
    import io
    r = run("doc", "--format", "csv", *args)
    assert r.rc == 0, r
    return list(csv.DictReader(io.StringIO(r.out)))


def test_change_request_names_source_and_destination_of_every_flow(site):
    rows = csv_rows("--profile", site)
    assert rows and all(r["source"] and r["destination"] for r in rows)
    snmp = next(r for r in rows if r["service"] == "snmp")
    # SNMP and DNS are narrowed to IPv4 networks: their rules are IPv4's alone
    assert (snmp["source"], snmp["destination"]) == ("10.20.9.0/24", "10.20.5.25")
    dns = next(r for r in rows if r["service"] == "dns" and r["protocol"] == "udp")
    assert (dns["source"], dns["destination"]) == ("10.20.5.25", "10.20.0.53")
    https = next(r for r in rows if r["service"] == "https" and r["direction"] == "inbound")
    assert (https["source"], https["destination"]) == ("10.20.0.0/16, fd12:3456::/48",
                                                        "10.20.5.25, fd12:3456::25")
    smtp_in = next(r for r in rows if r["service"] == "smtp" and r["direction"] == "inbound"
                   and r["zone"] == "outside")
    assert smtp_in["source"] == "all IPv4 but 10.20.0.0/16; all IPv6 but fd12:3456::/48"


def test_change_request_in_gateway_mode_names_the_interfaces(site):
    rows = csv_rows("--profile", site, "--mode", "gateway", "--set", "outside-interface=wan0",
                    "--set", "inside-interface=lan0", "--set", "appliance-interface=dmz0", "-q")
    snmp = next(r for r in rows if r["service"] == "snmp")
    assert (snmp["in_interface"], snmp["out_interface"]) == ("lan0", "dmz0")
    https_out = next(r for r in rows if r["service"] == "https" and r["direction"] == "outbound")
    assert (https_out["in_interface"], https_out["out_interface"]) == ("dmz0", "wan0")
    md = run("doc", "--profile", site, "--mode", "gateway", "--set", "inside-interface=lan0",
             "--set", "appliance-interface=dmz0", "-q").out
    assert "| 10.20.9.0/24 | 10.20.5.25 | lan0 | dmz0 |" in md
    assert "gateway (a firewall in front of the appliance)" in md


# ---- inbound narrowing ------------------------------------------------------------

def test_server_for_an_inbound_service_points_to_client():
    r = run("list", "--set", "inside=10.20.0.0/16", "--set", "server=snmp:10.20.9.0/24")
    assert r.rc == 65
    assert "client=snmp:10.20.9.0/24 narrows those" in r.err


def test_client_contradiction_names_file_line_and_column(tmp_path):
    bad = write(tmp_path, "bad.profile", "inside = 10.20.0.0/16\nclient = snmp:192.168.9.0/24\n")
    r = run("render", "--profile", bad)
    assert r.rc == 65 and f"{bad}:2:15: error: client=snmp:192.168.9.0/24" in r.err
    assert r.out == ""


def test_a_spec_with_its_own_zones_validates(tmp_path):
    spec = write(tmp_path, "mgmt.portspec", """portspec 1
name "Appliance with a management network"
zone outside complement "Outside"
zone inside networks "Inside"
zone mgmt networks "Management"
interface eth1 "ETH1"
service smtp {
\ttitle "SMTP"
\tlevel required
\ttcp 25
}
service snmp {
\ttitle "SNMP"
\tlevel optional
\tudp 161
}
flow inbound outside interface eth1 services smtp
flow inbound inside interface eth1 services smtp
flow inbound mgmt interface eth1 services snmp
""")
    r = run("validate", spec)
    assert r.rc == 0 and "ok" in r.out, r
    profile = write(tmp_path, "site.profile", "inside = 10.20.0.0/16\nmgmt = 10.30.9.0/24\n"
                    "appliance = 10.20.5.25\n")
    r = run("validate", spec, "--profile", profile)
    assert r.rc == 0, r
    # without the management networks: an error that names the key
    partial = write(tmp_path, "partial.profile", "inside = 10.20.0.0/16\n")
    r = run("validate", spec, "--profile", partial)
    assert r.rc == 65 and "set mgmt=ADDRESS" in r.err


# ---- examples never leak ------------------------------------------------------------

def test_one_site_address_ends_every_example():
    r = run("render", "--backend", "nft", "--set", "inside=10.0.0.0/8", "-q")
    assert r.rc == 0 and not EXAMPLE.search(r.out)
    assert "the addresses below are the site's own" in r.out
    r = run("render", "--backend", "nft", "-q")
    assert "documentation examples" in r.out and "not a site's" in r.out


def test_a_role_that_needs_peers_without_any_says_which_key(tmp_path):
    p = write(tmp_path, "c.profile", "inside = 10.0.0.0/8\nrole = central\n")
    r = run("render", "--profile", p)
    assert r.rc == 65 and f"{p}:2:8:" in r.err and "set cluster-peer=ADDRESS" in r.err


def test_default_profile_written_and_read_back_keeps_its_examples(tmp_path):
    r = run("profile", "-q")
    assert "# Documentation examples" in r.out
    assert not re.search(r"^(appliance|inside|cluster) =", r.out, re.M)
    p = write(tmp_path, "default.profile", r.out)
    assert run("profile", "-q", "--profile", p).out == r.out
    r = run("validate", "--profile", p, "-q")
    assert r.rc == 1 and "documentation example addresses" in r.out


# ---- parsing ------------------------------------------------------------------------

def test_lists_take_spaces_after_commas(tmp_path):
    p = write(tmp_path, "p.profile", "inside = 10.0.0.0/8\ndns = inside, outside\n"
              "ntp = outside ,inside\n")
    r = run("profile", "--profile", p, "-q")
    assert r.rc == 0, r
    assert "dns = outside, inside" in r.out and "ntp = outside, inside" in r.out
    bad = write(tmp_path, "bad.profile", "dns = inside, dmz\n")
    r = run("list", "--profile", bad)
    assert r.rc == 65 and f"{bad}:1:15:" in r.err and "'dmz' is not one of them" in r.err


def test_set_ignores_spaces_around_the_key_as_files_do():
    r = run("profile", "-q", "--set", " inside = 10.0.0.0/8 ")
    assert r.rc == 0 and "inside = 10.0.0.0/8" in r.out


def test_required_only_false_does_not_undo_disable(tmp_path):
    p = write(tmp_path, "p.profile", "disable = ssh\nrequired-only = false\n")
    r = run("check", "--profile", p, "--zone", "inside", "--direction", "inbound",
            "--proto", "tcp", "--port", "22", "-q")
    assert r.rc == 1, r
    p = write(tmp_path, "q.profile", "enable = ssh\nrequired-only = true\n")
    r = run("check", "--profile", p, "--zone", "inside", "--direction", "inbound",
            "--proto", "tcp", "--port", "22", "-q")
    assert r.rc == 0, r
    r = run("check", "--profile", p, "--zone", "inside", "--direction", "inbound",
            "--proto", "udp", "--port", "161", "-q")
    assert r.rc == 1, r


# ---- hostile input: early, with a location, exit 65 ---------------------------------

@pytest.mark.parametrize("value", ["-j", "--comment", "..", "eth0;reboot", "a" * 16])
@pytest.mark.parametrize("cmd", ["validate", "list", "render"])
def test_bad_interface_names_fail_when_read(tmp_path, cmd, value):
    p = write(tmp_path, "i.profile", f"interface = {value}\n")
    r = run(cmd, "--profile", p)
    assert r.rc == 65, r
    assert f"{p}:1:13: error: interface: " in r.err and "is not an interface name" in r.err
    assert r.out == ""


def test_invalid_utf8_in_a_comment_is_an_error(tmp_path):
    p = tmp_path / "u.profile"
    p.write_bytes(b"inside = 10.0.0.0/8  # caf\xe9\n")
    r = run("validate", "--profile", str(p))
    assert r.rc == 65 and f"{p}:1:27: error: invalid UTF-8" in r.err, r


def test_noncharacters_are_rejected_in_profiles(tmp_path):
    p = tmp_path / "n.profile"
    p.write_bytes("role = central  # \ufffe\n".encode())
    r = run("validate", "--profile", str(p))
    assert r.rc == 65 and f"{p}:1:19: error:" in r.err and "noncharacter" in r.err


@pytest.mark.parametrize("cidr", ["10.0.0.0/08", "10.0.0.0/008", "2001:db8::/032",
                                  "010.0.0.1"])
def test_leading_zeros_are_rejected_everywhere(tmp_path, cidr):
    p = write(tmp_path, "z.profile", f"inside = {cidr}\n")
    r = run("validate", "--profile", p)
    assert r.rc == 65 and f"{p}:1:10: error:" in r.err


def test_server_contradiction_names_file_line_and_column(tmp_path):
    p = write(tmp_path, "s.profile", "inside = 10.20.0.0/16\ndns = inside\n"
              "server = dns:8.8.8.8\n")
    r = run("list", "--profile", p)
    assert r.rc == 65 and f"{p}:3:14: error: server=dns:8.8.8.8" in r.err


def test_an_unexpected_argument_is_named():
    r = run("render", "nft")
    assert r.rc == 2 and "unexpected argument 'nft'" in r.err and "--backend nft" in r.err


MULTIBYTE_SPEC = """portspec 1
name "%s"
zone outside complement "Outside"
zone inside networks "Inside"
service web {
\ttitle "%s"
\tlevel required
\ttcp 443
}
flow inbound outside services web
"""


@pytest.mark.parametrize("backend", ["iptables", "ip6tables", "nft", "pf", "netsh", "powershell"])
def test_a_long_multibyte_name_is_cut_between_characters(tmp_path, backend):
    # the header lines are cut after 200 bytes: here in the middle of the é's
    name = "a" * 190 + "\u00e9" * 20
    spec = write(tmp_path, "mb.portspec", MULTIBYTE_SPEC % (name, "Web"))
    r = run("render", "--backend", backend, "--spec", spec, "-q")
    assert r.rc == 0, r
    raw = r.out.encode("utf-8", "surrogateescape")
    raw.decode("utf-8")  # strict: no character cut in two
    if backend in ("iptables", "ip6tables", "nft"):
        assert "\u00e9 [...]" in r.out


def test_noncharacters_never_reach_a_document(tmp_path):
    spec = write(tmp_path, "nc.portspec", MULTIBYTE_SPEC % ("Appliance", "Web\ufffe\uffff"))
    r = run("doc", "--format", "dot", "--spec", spec, "-q")
    if r.rc == 65:  # the spec parser rejects them outright
        assert "noncharacter" in r.err
        return
    assert r.rc == 0 and "\ufffe" not in r.out and "\uffff" not in r.out
    for fmt in ("markdown", "json", "csv"):
        out = run("doc", "--format", fmt, "--spec", spec, "-q").out
        assert "\ufffe" not in out and "\uffff" not in out, fmt
