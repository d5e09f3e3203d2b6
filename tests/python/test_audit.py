# SPDX-License-Identifier: MIT
"""libportspec-audit from Python: rulesets read with errors that say where, the audit of the
project's own renders clean and of a mutant with exactly its finding, trace, diff and matrix,
the documents validated against docs/portspec-audit.schema.json and equal to the CLI's."""
import gc
import json
import os
import pathlib
import subprocess
import sys

import pytest

import portspec

SRCDIR = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((SRCDIR / "docs" / "portspec-audit.schema.json").read_text())
IN_CI = os.environ.get("CI") == "true"
SITE = dict(inside=["10.20.0.0/16", "fd12:3456::/48"], appliance=["10.20.5.25", "fd12:3456::25"],
            dns="inside")

HEAD = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
SMALL = (HEAD + "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
         "-A INPUT -i lo -j ACCEPT\n"
         "-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\n"
         "-A INPUT -p tcp -m tcp --dport 25 -m mark --mark 0x1 -j ACCEPT\n"
         "-A INPUT -p tcp -m tcp --dport 23 -j REJECT --reject-with tcp-reset\n"
         "COMMIT\n")


def validate(doc, ref):
    """Validates with python3-jsonschema, which CI must have."""
    try:
        import jsonschema
    except ImportError:
        if IN_CI:
            pytest.fail("python3-jsonschema is missing in CI; it is listed in .ci/deps.txt")
        return
    jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": ref}).validate(doc)


@pytest.fixture(scope="module")
def policy():
    return portspec.load_default().policy(**SITE)


def rendered(policy, mode="host"):
    return (portspec.Ruleset()
            .parse(policy.render("iptables", mode), filename="r.v4")
            .parse(policy.render("ip6tables", mode), filename="r.v6"))


@pytest.fixture
def small():
    return portspec.Ruleset().parse(SMALL, "iptables", "small.v4")


# ---- reading ---------------------------------------------------------------

def test_parse_errors_say_where(tmp_path):
    with pytest.raises(portspec.ParseError) as e:
        portspec.Ruleset().parse(HEAD + "-A INPUT -p tcp --dport 22 -j ACCEPT\n"
                                 "-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n",
                                 filename="bad.v4")
    assert (e.value.filename, e.value.line, e.value.column) == ("bad.v4", 6, 25)
    assert "'99999' is not a port" in e.value.text
    assert str(e.value).startswith("bad.v4:6:25: ")
    path = tmp_path / "bad.json"
    path.write_text('{"nftables": [{"rule": {"family": "inet"}}]')
    with pytest.raises(portspec.ParseError) as e:
        portspec.Ruleset(path)
    assert e.value.filename == str(path) and e.value.line == 1 and e.value.column > 0
    with pytest.raises(portspec.FileError):
        portspec.Ruleset(tmp_path / "missing.v4")
    with pytest.raises(portspec.InvalidArgumentError, match="ruleset format"):
        portspec.Ruleset().parse(SMALL, format="ipchains")


def test_failed_parse_leaves_the_ruleset_as_it_was(small):
    rules = small.rule_count()
    with pytest.raises(portspec.ParseError):
        small.parse("*filter\n-A NOPE -j ACCEPT\nCOMMIT\n", "iptables", "bad.v4")
    assert small.rule_count() == rules == 5


def test_formats_and_families(policy, tmp_path):
    assert portspec.Ruleset().families == ()
    assert rendered(policy).families == (4, 6)
    v6 = portspec.Ruleset().parse(policy.render("ip6tables"), filename="r.v6")
    assert v6.families == (6,)
    nft = portspec.Ruleset(SRCDIR / "tests" / "audit" / "readers" / "nft-json" /
                           "portspec-host.json", format="nft-json")
    assert nft.families == (4, 6) and nft.rule_count() > 0
    pf = tmp_path / "pf.conf"
    pf.write_text("block all\npass in proto tcp to port 22\n")
    assert portspec.Ruleset(pf, format="pf").rule_count() == 2
    assert portspec.Ruleset().parse(SMALL, filename="small.v4").notes == []
    unsure = portspec.Ruleset().parse(HEAD + "-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
                                      filename="any.v4")
    assert [n for n in unsure.notes if "read as IPv4" in n] and unsure.families == (4,)


# ---- audit -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["host", "gateway"])
def test_own_render_audits_clean(policy, mode):
    doc = policy.audit(rendered(policy, mode), mode)
    validate(doc, "#/$defs/audit")
    assert doc["clean"] and doc["mode"] == mode and doc["families"] == [4, 6]
    assert not doc["extra"] and not doc["indeterminate"]
    assert doc["flows"] and all(f["verdict"] == "allowed" for f in doc["flows"])
    assert all(b["verdict"] == "allowed" for b in doc["baseline"])
    assert doc["rulesets"] == ["r.v4", "r.v6"]


def test_a_removed_flow_rule_blocks_that_flow(policy):
    v4 = policy.render("iptables")
    mutant = "".join(line for line in v4.splitlines(True) if "--dport 161" not in line)
    assert mutant != v4
    doc = policy.audit(portspec.Ruleset().parse(mutant, filename="m.v4"))
    validate(doc, "#/$defs/audit")
    assert not doc["clean"] and doc["families"] == [4]
    verdicts = {(f["service"], f["family"]): f["verdict"] for f in doc["flows"]}
    assert verdicts.pop(("snmp", 4)) == "blocked"
    assert set(verdicts.values()) == {"allowed"}
    assert doc["summary"]["blocked"] == 1 and not doc["extra"]


def test_audit_takes_paths_and_writes_text(policy, tmp_path):
    v4, v6 = tmp_path / "r.v4", tmp_path / "r.v6"
    v4.write_text(policy.render("iptables"))
    v6.write_text(policy.render("ip6tables"))
    assert policy.audit([v4, v6])["clean"]
    assert policy.audit(str(v4))["families"] == [4]
    text = policy.audit([v4, v6], "host", "text")
    assert isinstance(text, str) and "allowed" in text
    with pytest.raises(portspec.InvalidArgumentError, match="mode"):
        policy.audit(rendered(policy), "bridge")
    with pytest.raises(portspec.InvalidArgumentError, match="format"):
        policy.audit(rendered(policy), "host", "xml")


def test_documents_are_the_cli_s(cli, policy, tmp_path):
    # The same library writes both: the same document for the same input.
    v4 = tmp_path / "r.v4"
    v4.write_text(policy.render("iptables").replace("--dport 161", "--dport 162"))
    sets = [a for k, v in SITE.items() for item in ([v] if isinstance(v, str) else v)
            for a in ("--set", f"{k}={item}")]
    r = subprocess.run([cli, "audit", "-q", "-r", str(v4), "--format", "json", *sets],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert json.loads(r.stdout) == policy.audit(portspec.Ruleset(v4))
    r = subprocess.run([cli, "trace", "-q", "-r", str(v4), "--hook", "input", "--proto",
                        "udp", "--dport", "162", "--format", "json"],
                       capture_output=True, text=True)
    assert json.loads(r.stdout) == portspec.Ruleset(v4).trace("input", "udp", dport=162)


# ---- trace -----------------------------------------------------------------

def test_trace_verdicts(small):
    q = dict(iif="eth0", dport=22)
    doc = small.trace("input", src="192.0.2.7", **q)
    validate(doc, "#/$defs/trace")
    assert doc["verdict"] == "accept"
    assert small.trace("input", src="198.51.100.7", **q)["verdict"] == "drop"
    assert small.trace("input", src="198.51.100.7", iif="eth0", dport=23)["verdict"] == "reject"
    # A match the readers do not model (-m mark) is never taken as true or false.
    assert small.trace("input", src="198.51.100.7", iif="eth0",
                       dport="25")["verdict"] == "indeterminate"
    # An open question whose classes differ is indeterminate too.
    assert small.trace("input", dport=22)["verdict"] == "indeterminate"
    text = small.trace("input", src="192.0.2.7", format="text", **q)
    assert text.startswith("accept: ") and "small.v4:7" in text


def test_trace_argument_errors(small):
    with pytest.raises(portspec.InvalidArgumentError, match="hook"):
        small.trace("prerouting", dport=22)
    with pytest.raises(portspec.InvalidArgumentError, match="protocol"):
        small.trace("input", "sctp")
    with pytest.raises(portspec.InvalidArgumentError, match="ports"):
        small.trace("input", dport=(30, 20))
    with pytest.raises(portspec.InvalidArgumentError, match="ports"):
        small.trace("input", dport=70000)
    with pytest.raises(portspec.InvalidArgumentError, match="not an address"):
        small.trace("input", src="192.0.2.300")
    with pytest.raises(portspec.InvalidArgumentError, match="output interface"):
        small.trace("input", oif="eth1")
    with pytest.raises(portspec.InvalidArgumentError, match="family"):
        small.trace("input", family=5)


# ---- diff ------------------------------------------------------------------

def test_diff_equal_and_not(policy, small):
    a = rendered(policy)
    doc = a.diff(rendered(policy))
    validate(doc, "#/$defs/diff")
    assert doc["equal"] and not doc["only_a"] and not doc["only_b"]
    doc = a.diff(small)
    validate(doc, "#/$defs/diff")
    assert not doc["equal"] and doc["only_a"] and doc["only_b"]
    assert isinstance(a.diff(small, format="text"), str)


def test_diff_against_the_plan(policy):
    plan = policy.plan("host")
    assert rendered(policy).diff(plan)["equal"]
    wider = policy.render("iptables").replace("--dport 161", "--dport 161:162")
    doc = portspec.Ruleset().parse(wider, filename="w.v4").diff(plan)
    validate(doc, "#/$defs/diff")
    assert not doc["equal"]
    assert [d["class"]["dport"] for d in doc["only_a"]] == [[[162, 162]]]
    with pytest.raises(TypeError):
        rendered(policy).diff("r.v4")


# ---- matrix ----------------------------------------------------------------

def test_matrix(small):
    doc = small.matrix("tcp", 22, hook="input")
    validate(doc, "#/$defs/matrix")
    assert doc["port"] == 22 and doc["hook"] == "input" and doc["classes"]
    assert len(doc["edges"]) >= 1
    # Only 192.0.2.0/24 may connect, to every class.
    assert {tuple(doc["classes"][a]) for a, _ in doc["edges"]} == {("192.0.2.0/24",)}
    assert {b for _, b in doc["edges"]} == set(range(len(doc["classes"])))
    assert small.matrix("tcp", 80, hook="input")["edges"] == []
    with pytest.raises(portspec.InvalidArgumentError, match="port"):
        small.matrix("tcp", 0)
    with pytest.raises(portspec.InvalidArgumentError, match="chain"):
        small.matrix("tcp", 22, chain="NOPE")


# ---- lifetime --------------------------------------------------------------

def test_results_outlive_the_policy_and_ruleset():
    policy = portspec.load_default().policy()
    rules = portspec.Ruleset().parse(policy.render("iptables"), filename="r.v4")
    doc = policy.audit(rules)
    del policy, rules
    gc.collect()
    assert doc["clean"] and doc["flows"][0]["rules"][0]["file"] == "r.v4"


def test_no_leaks_over_many_cycles(small):
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    from test_lifetime import _UNDER_ASAN, _c_heap_in_use

    def cycle():
        rs = portspec.Ruleset().parse(SMALL, "iptables", "small.v4")
        rs.trace("input", src="192.0.2.7", dport=22)
        rs.diff(small)
        rs.matrix("tcp", 22, hook="input")
        try:
            rs.parse("*filter\n-A NOPE -j ACCEPT\nCOMMIT\n", "iptables", "bad.v4")
        except portspec.ParseError:
            pass

    for _ in range(200):
        cycle()
    gc.collect()
    blocks, heap = sys.getallocatedblocks(), _c_heap_in_use()
    for _ in range(5000):
        cycle()
    gc.collect()
    assert sys.getallocatedblocks() - blocks < 500
    if heap is not None and not _UNDER_ASAN:
        assert _c_heap_in_use() - heap < 256 * 1024


# ---- the documentation's examples, run as written ------------------------------

def _python_blocks(path, section):
    text = (SRCDIR / path).read_text(encoding="utf-8")
    text = text.split(section, 1)[1].split("\n## ", 1)[0]
    return [b.split("\n", 1)[1] for b in text.split("```python")[1:]
            for b in [b.split("```", 1)[0]]]


@pytest.mark.parametrize("path, section", [("docs/audit.md", "## Python"),
                                           ("README.md", "## Python (and Lua)")])
def test_documented_examples_run(tmp_path, monkeypatch, path, section):
    blocks = _python_blocks(path, section)
    assert blocks and any("Ruleset(" in b for b in blocks)
    site = portspec.load_default().policy(inside=["10.0.0.0/8"], appliance="10.0.0.5")
    (tmp_path / "rules.v4").write_text(site.render("iptables"))
    (tmp_path / "rules.v6").write_text(site.render("ip6tables"))
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, f"{path} (Python example)", "exec"), namespace)
    assert isinstance(namespace["rules"], portspec.Ruleset)
