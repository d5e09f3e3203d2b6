# SPDX-License-Identifier: MIT
"""The example scripts in examples/python, run as a user would."""
import os
import pathlib
import subprocess
import sys

import pytest

import portspec

EXAMPLES = pathlib.Path(os.environ.get(
    "PORTSPEC_PYTHON_EXAMPLES",
    pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"))


def run(script, *args, text=True):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(portspec.__file__))
    r = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)],
                       capture_output=True, env=env, timeout=60)
    if text:
        # decode without newline translation: CRLF outputs must stay CRLF
        r.stdout = r.stdout.decode("utf-8")
        r.stderr = r.stderr.decode("utf-8")
    return r


def test_check_flows(tmp_path):
    observed = tmp_path / "observed.csv"
    observed.write_text(
        "zone,direction,protocol,port,peer\n"
        "outside,inbound,tcp,25,203.0.113.9\n"
        "outside,inbound,tcp,22,198.51.100.77\n"
        "inside,outbound,udp,53,10.0.0.53\n"
        "inside,inbound,tcp,22,10.0.0.8\n")
    r = run("check-flows.py", observed)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [
        f"{observed}:3: unexpected: outside inbound tcp/22 (peer=198.51.100.77)",
        "1 of 4 flows unexpected",
    ]
    # With DNS served from outside only, the inside DNS query is unexpected too.
    r = run("check-flows.py", "--set", "dns=outside", "--set", "disable=ssh", observed)
    assert r.returncode == 1
    assert "3 of 4 flows unexpected" in r.stdout
    assert f"{observed}:4: unexpected: inside outbound udp/53" in r.stdout


def test_check_flows_all_expected(tmp_path):
    observed = tmp_path / "ok.csv"
    observed.write_text("zone,direction,protocol,port\noutside,outbound,tcp,443\n")
    r = run("check-flows.py", observed)
    assert r.returncode == 0 and "0 of 1 flows unexpected" in r.stdout


def test_check_flows_bad_input(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("zone,direction,protocol,port\nmoon,inbound,tcp,25\n")
    r = run("check-flows.py", bad)
    assert r.returncode == 2 and "moon" in r.stderr
    r = run("check-flows.py", "--set", "role=dictator", bad)
    assert r.returncode == 2 and "role" in r.stderr


@pytest.mark.parametrize("backend", portspec.backends())
def test_render_site(backend):
    site = ["--set", "dns=outside", "--set", "inside=10.0.0.0/8",
            "--set", "appliance=10.0.0.25", "--set", "disable=ssh"]
    r = run("render-site.py", backend, *site)
    policy = portspec.load_default().policy(dns="outside", inside="10.0.0.0/8",
                                            appliance="10.0.0.25", disable="ssh")
    try:
        expected = policy.render(backend)
    except portspec.UnsupportedError as e:
        assert r.returncode == 1 and e.text in r.stderr
        return
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected
    assert "FQDN" in r.stderr  # the either-zone warning for DNS from outside only


def test_render_site_errors():
    r = run("render-site.py", "no-such-backend")
    assert r.returncode == 1 and "unknown backend" in r.stderr
    r = run("render-site.py", "markdown", "--set", "colour=blue")
    assert r.returncode == 1 and "colour" in r.stderr
