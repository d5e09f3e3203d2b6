# SPDX-License-Identifier: MIT
"""portspec doc, the committed picture, the manuals, Doxygen, bash completion, examples."""
import json
import os
import re
import subprocess
import tempfile

import pytest

from conftest import BUILDDIR, EXE, IN_CI, REGEN, SRCDIR, need_tool, run, schema, validate

# The vendor's picture, "How to set up the firewall", as the markdown regenerates it.
SEED_LISTS = [
    ("### OUTSIDE THE NETWORK", "OUTBOUND PORTS: 25, 53\\*, 123\\*, 443, 465", "SOURCE: ETH1",
     "DESTINATION: OUTSIDE"),
    ("INBOUND PORTS: 25, 465", "SOURCE: OUTSIDE", "DESTINATION: ETH1"),
    ("### INSIDE THE NETWORK", "INBOUND PORTS: 22, 25, 161, 443, 465, 4443", "SOURCE: INSIDE",
     "DESTINATION: ETH1"),
    ("OUTBOUND PORTS: 21, 25, 53\\*, 123\\*, 389, 465, 636", "SOURCE: ETH1",
     "DESTINATION: INSIDE"),
]


def test_markdown_regenerates_the_vendor_document():
    r = run("doc", "-q")
    assert r.rc == 0 and r.err == ""
    md = r.out
    assert md.startswith("# Lotus Protector for Mail Security 2.5.1: firewall port requirements")
    for block in SEED_LISTS:
        assert "  \n".join(block) in md.replace("\n\n### ", "\n### ").replace(
            "### OUTSIDE THE NETWORK\n\n", "### OUTSIDE THE NETWORK  \n").replace(
            "### INSIDE THE NETWORK\n\n", "### INSIDE THE NETWORK  \n"), block
    assert "\\*Can be served from either Outside or Inside the network." in md
    for heading in ["## Required ports", "## Optional ports", "## Cluster communications"]:
        assert heading in md
    required = md.split("## Required ports")[1].split("## Optional ports")[0]
    assert [int(m) for m in re.findall(r"^\| (\d+) \|", required, re.M)] == [25, 53, 123, 389,
                                                                           443, 4443]
    optional = md.split("## Optional ports")[1].split("## Cluster")[0]
    assert [int(m) for m in re.findall(r"^\| (\d+) \|", optional, re.M)] == [21, 22, 161, 465,
                                                                           636]
    cluster = md.split("## Cluster communications")[1].split("## Flows")[0]
    assert [int(m) for m in re.findall(r"^\| (\d+) \|", cluster, re.M)] == [4990, 5432]
    assert "(Not required unless otherwise directed by IBM Lotus Support)" in optional
    assert "## Warnings" in md


def test_markdown_follows_the_profile():
    md = run("doc", "-q", "--set", "required-only=true", "--set", "dns=outside").out
    assert "INBOUND PORTS: 25, 443, 4443" in md
    assert "OUTBOUND PORTS: 25, 123\\*, 389" in md  # dns outside only; no ftp, ldaps, smtps
    assert "Note: dns is served from outside, not from inside: If external DNS" in md
    central = run("doc", "-q", "--set", "role=central").out
    assert "### MAIL SECURITY CLUSTER PEERS" in central and "INBOUND PORTS: 4990, 5432" in central


def test_doc_fragments():
    md = run("doc", "-q", "--fragment").out
    assert md.startswith("## How to set up the firewall")
    assert not run("doc", "-q", "--format", "csv", "--fragment").out.startswith("direction,")
    flows = run("doc", "-q", "--format", "json", "--fragment").json()
    assert len(flows) == 22 and flows == run("list", "-q", "--format", "json").json()
    dot = run("doc", "-q", "--format", "dot", "--fragment").out
    assert dot.startswith('\tsubgraph "cluster_portspec" {')


def test_doc_json_follows_the_schema():
    r = run("doc", "-q", "--format", "json", "--set", "role=central")
    assert r.rc == 0
    d = r.json()
    validate(d, schema("portspec-policy.schema.json"))
    assert d["portspec"] == 1 and d["profile"]["role"] == "central"
    assert len(d["flows"]) == 24 and d["warnings"]
    assert [z["name"] for z in d["zones"]] == ["outside", "inside", "cluster"]


def test_doc_usage_and_output_errors(tmp_path):
    assert run("doc", "--format", "pdf").rc == 2
    assert run("doc", "--format", "svg", "--fragment").rc == 2
    r = run("doc", "-q", "--output", str(tmp_path / "no" / "such" / "dir.md"))
    assert r.rc == 74 and "cannot write" in r.err
    out = tmp_path / "doc.md"
    assert run("doc", "-q", "--output", str(out)).rc == 0
    assert out.read_text(encoding="utf-8") == run("doc", "-q").out


def test_dot_draws_the_vendor_picture(tmp_path):
    dot = run("doc", "-q", "--format", "dot").out
    # zones, ETH1, arrows labelled with ports; required and optional distinguishable
    assert 'label="OUTSIDE THE NETWORK"' in dot and 'label="INSIDE THE NETWORK"' in dot
    assert 'label="ETH1\\nLotus Protector for Mail Security"' in dot
    assert 'style=solid' in dot and 'style=dashed' in dot
    assert 'label="OUTBOUND:\\n25, 53*, 123*, 443"' in dot
    assert 'label="OUTBOUND (optional):\\n465"' in dot
    assert 'label="INBOUND:\\n25, 443, 4443"' in dot
    assert 'label="INBOUND (optional):\\n22, 161, 465"' in dot
    need_tool("dot")
    p = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "<svg" in p.stdout


def test_svg_through_graphviz(tmp_path):
    need_tool("dot")
    r = run("doc", "-q", "--format", "svg")
    assert r.rc == 0 and "<svg" in r.out and "OUTBOUND" in r.out
    # without Graphviz on PATH: a clear I/O error
    env = dict(os.environ, PATH=str(tmp_path))
    p = subprocess.run([EXE, "doc", "-q", "--format", "svg"], capture_output=True, text=True,
                       env=env)
    assert p.returncode == 74 and "Graphviz" in p.stderr


def test_committed_picture_is_current():
    """docs/lotus-protector.dot is the golden DOT; the SVG next to it is drawn from it.
    PORTSPEC_REGEN=1 rewrites both."""
    dot = run("doc", "-q", "--format", "dot").out
    dot_path = os.path.join(SRCDIR, "docs", "lotus-protector.dot")
    svg_path = os.path.join(SRCDIR, "docs", "lotus-protector.svg")
    if REGEN:
        with open(dot_path, "w", encoding="utf-8") as f:
            f.write(dot)
        need_tool("dot")
        assert run("doc", "-q", "--format", "svg", "--output", svg_path).rc == 0
    with open(dot_path, encoding="utf-8") as f:
        assert f.read() == dot, "run the cli tests with PORTSPEC_REGEN=1 to update docs/"
    with open(svg_path, encoding="utf-8") as f:
        svg = f.read()
    for text in ["OUTSIDE THE NETWORK", "INSIDE THE NETWORK", "ETH1", "25, 53*, 123*, 443"]:
        assert text in svg


def test_readme_shows_the_picture():
    with open(os.path.join(SRCDIR, "README.md"), encoding="utf-8") as f:
        assert "docs/lotus-protector.svg" in f.read()


# ---- manuals ---------------------------------------------------------------

MANUALS = ["portspec.1", "portspec.5", "portspec-profile.5", "libportspec.3",
           "libportspec-audit.3"]


def built_manual(page):
    """The roff of a manual the build made (skipped without scdoc, but not in CI)."""
    built = os.path.join(BUILDDIR, "docs", page)
    if not os.path.exists(built):
        if IN_CI:
            pytest.fail(f"{page} was not built: scdoc is in .ci/deps.txt")
        pytest.skip("scdoc is not installed")
    with open(built, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("page", MANUALS)
def test_manuals_build(page):
    roff = built_manual(page)
    assert ".TH" in roff and ".SH NAME" in roff.upper().replace('"NAME"', "NAME")


def scd(name):
    with open(os.path.join(SRCDIR, "docs", name + ".scd"), encoding="utf-8") as f:
        return f.read()


def test_portspec1_documents_every_command_and_option():
    page = scd("portspec.1")
    commands = re.findall(r"^  ([a-z]+)  ", run("--help").out, re.M)
    assert "plan" in commands and "check" in commands
    for cmd in commands:
        assert f"\n*{cmd}*" in page, cmd
        help_text = run(cmd, "--help").out
        for opt in set(re.findall(r"--[a-z][a-z-]+", help_text)):
            assert opt in page, (cmd, opt)
    for code in ["*0*", "*1*", "*2*", "*65*", "*74*"]:
        assert code in page


def test_portspec_profile5_documents_every_key():
    page = scd("portspec-profile.5")
    with open(os.path.join(SRCDIR, "include", "portspec", "portspec.h"), encoding="utf-8") as f:
        header = f.read()
    keys = re.search(r'Sets one profile key.*?\n \*/', header, re.S).group(0)
    for key in re.findall(r'"([a-z<>-]+)"', keys):
        key = key.replace("<zone>", "outside")
        assert f"*{key}*" in page, key


def test_portspec5_documents_every_statement():
    page = scd("portspec.5")
    for word in ["portspec 1", "name", "version", "source", "either-note", "zone", "networks",
                 "complement", "peers", "interface", "service", "title", "description", "note",
                 "level", "required", "optional", "cluster", "tcp", "udp", "icmp", "icmpv6", "helper", "flow",
                 "inbound", "outbound", "role", "services", "central", "member", "standalone"]:
        assert f"*{word}*" in page, word
    # the manual's example is a valid spec
    example = page.split("# EXAMPLE")[1].split("```")[1]
    with tempfile.NamedTemporaryFile("w", suffix=".portspec", delete=False) as f:
        f.write(example)
    try:
        r = run("validate", f.name)
        assert r.rc == 0, r
    finally:
        os.unlink(f.name)


def test_api_docs_build(tmp_path):
    """Doxygen over the public header, warnings as errors."""
    doxygen = need_tool("doxygen")
    doxyfile = os.path.join(BUILDDIR, "docs", "Doxyfile")
    with open(doxyfile, encoding="utf-8") as f:
        conf = f.read()
    conf = re.sub(r'OUTPUT_DIRECTORY\s*=.*', f'OUTPUT_DIRECTORY = "{tmp_path}"', conf)
    p = subprocess.run([doxygen, "-"], input=conf, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "warning" not in p.stderr.lower(), p.stderr
    assert (tmp_path / "html" / "index.html").exists()


# ---- bash completion ---------------------------------------------------------

def complete(words):
    script = os.path.join(SRCDIR, "cli", "portspec.bash-completion")
    line = " ".join(words)
    cmd = (f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; '
           f'_portspec; printf "%s\\n" "${{COMPREPLY[@]}}"')
    env = dict(os.environ, PATH=os.path.dirname(EXE) + ":" + os.environ.get("PATH", ""))
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_bash_completion():
    need_tool("bash")
    assert complete(["portspec", "do"]) == ["doc"]
    assert "--zone" in complete(["portspec", "check", "--"])
    assert complete(["portspec", "doc", "--format", "s"]) == ["svg"]
    assert complete(["portspec", "list", "--format", ""]) == ["table", "json", "csv"]
    assert "nft" in complete(["portspec", "render", "--backend", ""])


# ---- example programs --------------------------------------------------------

def example(name):
    return os.path.join(BUILDDIR, "examples", "example-" + name)


def test_example_is_allowed():
    r = run(exe=example("is-allowed"))
    assert r.rc == 0 and "allowed by smtp" in r.out
    r = run("outside", "inbound", "tcp", "22", exe=example("is-allowed"))
    assert r.rc == 1 and "denied" in r.out
    r = run("mars", "inbound", "tcp", "22", exe=example("is-allowed"))
    assert r.rc == 2


def test_example_list_required():
    r = run(exe=example("list-required"))
    assert r.rc == 0
    lines = r.out.splitlines()
    assert len(lines) == len(run("required", "-q", "--format", "json").json())
    assert any(line.split()[:3] == ["inbound", "inside", "tcp/4443"] for line in lines)


def test_example_cluster_ports():
    r = run(exe=example("cluster-ports"))
    assert r.rc == 0
    assert "tcp/4990  cluster-access" in r.out and "tcp/5432  cluster-db" in r.out
    assert "inbound cluster tcp/4990" in r.out


def test_example_audit(tmp_path):
    rules = tmp_path / "rules.v4"
    rules.write_text(run("render", "-q", "--backend", "iptables").out, encoding="utf-8")
    r = run(str(rules), exe=example("audit"))
    assert r.rc == 0, r
    assert "22 flows: 22 allowed" in r.out
    rules.write_text(rules.read_text().replace("--dport 161", "--dport 162"))
    r = run(str(rules), exe=example("audit"))
    assert r.rc == 1 and "blocked" in r.out and "udp/161" in r.out
    r = run(str(tmp_path / "missing.v4"), exe=example("audit"))
    assert r.rc == 2 and "missing.v4" in r.err


def test_libportspec_audit3_example_is_the_example_program():
    page = scd("libportspec-audit.3")
    shown = page.split("# EXAMPLE")[1].split("```")[1].replace("\\\\n", "\\n")
    with open(os.path.join(SRCDIR, "examples", "audit.c"), encoding="utf-8") as f:
        source = f.read()
    assert shown.strip() in source and "int main" in shown
    # every public function of the audit header is named in the manual
    with open(os.path.join(SRCDIR, "include", "portspec", "audit.h"), encoding="utf-8") as f:
        header = f.read()
    functions = set(re.findall(r"\b(portspec_(?:ruleset|audit)_[a-z_]+)\(", header))
    assert len(functions) > 40
    for fn in functions:
        # in full, or as the suffix after a name given before: *\_class_count*
        parts = fn.split("_")
        forms = [f"*{fn}*"] + ["*\\_" + "_".join(parts[k:]) + "*" for k in range(2, len(parts))]
        assert any(form in page for form in forms), fn


def test_example_render():
    r = run("markdown", exe=example("render"))
    assert r.rc == 0 and "OUTBOUND PORTS: 25, 53\\*, 123\\*, 443, 465" in r.out
    r = run("no-such-backend", exe=example("render"))
    assert r.rc == 1 and "unknown backend" in r.err


MINIMAL = """portspec 1
zone wan complement
zone lan networks
zone peers peers
service app {
	level optional
	tcp 8000-8010 9000
	udp 9000
}
flow inbound wan services app
flow outbound lan role member services app*
"""


@pytest.mark.parametrize("fmt", ["markdown", "csv", "json", "dot"])
def test_doc_of_a_spec_without_names_titles_or_interfaces(tmp_path, fmt):
    spec = tmp_path / "minimal.portspec"
    spec.write_text(MINIMAL, encoding="utf-8")
    r = run("doc", "--spec", str(spec), "--format", fmt, "--set", "role=member", "-q")
    assert r.rc == 0, r
    if fmt == "json":
        d = r.json()
        validate(d, schema("portspec-policy.schema.json"))
        assert d["spec"]["name"] is None and d["interfaces"] == []
        assert {(f["port"], f["port_last"]) for f in d["flows"]} == {(8000, 8010),
                                                                          (9000, 9000)}
    elif fmt == "markdown":
        assert r.out.startswith("# portspec policy: firewall port requirements")
        assert "INBOUND PORTS: 8000-8010, 9000" in r.out
        assert "OUTBOUND PORTS: 8000-8010\\*, 9000\\*" in r.out
        assert "DESTINATION: the appliance" in r.out
    elif fmt == "dot":
        assert 'label="INBOUND (optional):\\n8000-8010, 9000"' in r.out
        need_tool("dot")
        p = subprocess.run(["dot", "-Tsvg"], input=r.out, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr


def test_portspec_profile5_example_is_a_valid_profile(tmp_path):
    page = scd("portspec-profile.5")
    example = page.split("# EXAMPLE")[1].split("```")[1]
    path = tmp_path / "site.profile"
    path.write_text(example, encoding="utf-8")
    r = run("validate", "--profile", str(path), "-q")
    assert r.rc == 0, r
    prof = run("profile", "--profile", str(path), "--format", "json", "-q").json()
    assert prof["role"] == "central" and prof["examples"] is False
    # the commands the text after it names, run as written
    after = page.split("# EXAMPLE")[1].split("```")[2].split("# SEE ALSO")[0]
    commands = re.findall(r"\*(portspec [^*]+)\*", after.replace("\n", " "))
    assert len(commands) == 3, commands
    for cmd in commands:
        args = cmd.split()[1:]
        r = run(*[str(path) if a == "site.profile" else a for a in args], "-q")
        assert r.rc == 0 and r.out, (cmd, r)


def test_installed_manuals_name_the_paths_of_the_build():
    """@SPECDIR@ and @SYSCONFDIR@ are the prefix's, substituted at build time."""
    with open(os.path.join(BUILDDIR, "meson-info", "intro-buildoptions.json")) as f:
        opts = {o["name"]: o["value"] for o in json.load(f)}
    specdir = os.path.join(opts["prefix"], opts["datadir"], "portspec")
    etc = os.path.join(opts["prefix"], opts["sysconfdir"], "portspec")
    for page in ("portspec.1", "portspec.5"):
        assert "@SPECDIR@" in scd(page)
        roff = built_manual(page)
        assert "@SPECDIR@" not in roff and "@SYSCONFDIR@" not in roff
        assert "\\fI%s/" % specdir in roff, page
    with open(os.path.join(BUILDDIR, "docs", "portspec.1"), encoding="utf-8") as f:
        assert "%s/apply.\\&conf" % etc in f.read()


GOLDEN = os.path.join(SRCDIR, "tests", "cli", "golden")


@pytest.mark.parametrize("fmt,ext", [("markdown", "md"), ("csv", "csv"), ("json", "json")])
def test_documents_of_the_default_policy(fmt, ext):
    """Golden documents of the default policy; PORTSPEC_REGEN=1 rewrites them."""
    out = run("doc", "-q", "--format", fmt).out
    path = os.path.join(GOLDEN, f"lotus-protector-default.{ext}")
    if REGEN:
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(out)
    with open(path, encoding="utf-8") as f:
        assert f.read() == out, f"{path} differs: review, then rerun with PORTSPEC_REGEN=1"
