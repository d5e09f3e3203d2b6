# SPDX-License-Identifier: MIT
"""portspec list --format json against the vendor document, and the exit
codes of portspec check and of a bad spec file."""
import json
import os
import re
import subprocess
import sys
import tempfile

PROTOCOLS = {  # domain facts the document leaves implicit (DESIGN.md)
    21: {"tcp"}, 22: {"tcp"}, 25: {"tcp"}, 53: {"tcp", "udp"}, 123: {"udp"},
    161: {"udp"}, 389: {"tcp"}, 443: {"tcp"}, 465: {"tcp"}, 636: {"tcp"},
    4443: {"tcp"},
}


def document_matrix(path):
    text = open(path, encoding="utf-8").read()
    cells = set()
    for heading, zone in (("### OUTSIDE THE NETWORK", "outside"),
                          ("### INSIDE THE NETWORK", "inside")):
        section = text.split(heading, 1)[1].split("###", 1)[0]
        for direction, ports in re.findall(r"^(OUTBOUND|INBOUND) PORTS: (.*)$", section, re.M):
            for port in re.findall(r"\d+", ports):
                for proto in PROTOCOLS[int(port)]:
                    cells.add((direction.lower(), zone, proto, int(port)))
    return cells


def run(*args):
    return subprocess.run([PORTSPEC, *args], capture_output=True, text=True, timeout=30)


def main():
    doc = os.path.join(os.environ["PORTSPEC_SRCDIR"], "tests", "data",
                       "lotus-protector-2.5.1-requirements.md")
    want = document_matrix(doc)
    assert len(want) == 22, len(want)

    r = run("list", "--format", "json")
    assert r.returncode == 0, r.stderr
    flows = json.loads(r.stdout)
    got = set()
    for f in flows:
        for key in ("service", "protocol", "port", "port_last", "direction", "zone",
                    "level"):
            assert key in f, (key, f)
        assert f["port"] == f["port_last"]
        got.add((f["direction"], f["zone"], f["protocol"], f["port"]))
    assert len(got) == len(flows), "duplicate flows"
    assert got == want, f"missing {want - got}, extra {got - want}"

    # check: 0 allowed, 1 denied, 2 usage
    for (direction, zone, proto, port) in sorted(want):
        r = run("check", "--zone", zone, "--direction", direction, "--proto", proto,
                "--port", str(port))
        assert r.returncode == 0, (direction, zone, proto, port, r.stdout, r.stderr)
        assert "allowed" in r.stdout
    r = run("check", "--zone", "outside", "--direction", "inbound", "--proto", "tcp", "--port", "22")
    assert r.returncode == 1 and r.stdout.startswith("denied"), r
    for bad in (["--port", "0"], ["--port", "65536"], ["--port", "-1"], ["--port", "22x"], ["--port", "+22"], ["--port", " 22"], ["--port", "99999999999999999999"],
                ["--proto", "sctp"], ["--direction", "up"]):
        args = {"--zone": "inside", "--direction": "inbound", "--proto": "tcp", "--port": "22"}
        args[bad[0]] = bad[1]
        r = run("check", *[x for kv in args.items() for x in kv])
        assert r.returncode == 2, (bad, r)
    # for icmp and icmpv6, --port is the message type
    r = run("check", "--zone", "inside", "--direction", "inbound", "--proto", "icmp", "--port", "256")
    assert r.returncode == 2 and "ICMP type" in r.stderr, r
    r = run("check", "--zone", "inside", "--direction", "inbound", "--proto", "icmp", "--port", "8")
    assert r.returncode == 1, r
    r = run("check", "--zone", "inside", "--direction", "inbound", "--proto", "icmp", "--port", "8",
            "--set", "ping=inside")
    assert r.returncode == 0 and "service ping" in r.stdout, r
    r = run("check", "--zone", "dmz", "--direction", "inbound", "--proto", "tcp", "--port", "22")
    assert r.returncode == 2 and "unknown zone 'dmz'" in r.stderr, r

    # a bad spec: exit 65, file:line:column on stderr, nothing on stdout
    with tempfile.NamedTemporaryFile("w", suffix=".portspec", delete=False) as f:
        f.write("portspec 1\nzone outside complement\nservice web {\n\tlevel required\n\ttcp 70000\n}\n")
    try:
        r = run("list", "--spec", f.name)
        assert r.returncode == 65, r
        assert f"{f.name}:5:6: error: port '70000' is out of range" in r.stderr, r.stderr
        assert r.stdout == "", r.stdout
    finally:
        os.unlink(f.name)
    r = run("list", "--spec", "/nonexistent.portspec")
    assert r.returncode == 74, r
    r = run("list", "--set", "inside=10.0.0.1/8")
    assert r.returncode == 65 and "did you mean 10.0.0.0/8" in r.stderr, r
    print("1 passed, 0 failed")


if __name__ == "__main__":
    PORTSPEC = sys.argv[1]
    main()
