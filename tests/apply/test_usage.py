# SPDX-License-Identifier: MIT
"""portspec apply's command line: what it refuses before it touches anything
(no root needed: every case stops before the first tool runs)."""
import os
import subprocess

import pytest

EXE = os.environ["PORTSPEC_EXE"]


def apply(*args):
    p = subprocess.run([EXE, "apply", "-q", *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr


@pytest.mark.parametrize("args, says", [
    (["--mode", "gateway", "--yes"], "cutting all other traffic this firewall forwards"),
    (["--mode", "gateway", "--fragment", "--replace-forwarding", "--yes"],
     "--replace-forwarding is for a complete gateway ruleset only"),
    (["--replace-forwarding", "--yes"], "--replace-forwarding is for a complete gateway"),
    (["--hooks", "/dev/null", "--yes"], "--hooks is for an nft fragment"),
    (["--backend", "iptables", "--fragment", "--hooks", "/dev/null", "--yes"],
     "--hooks is for an nft fragment"),
    (["--backend", "pf", "--yes"], "apply loads nft, iptables or ip6tables rules"),
    (["--backend", "nft,nft", "--yes"], "a backend is named twice"),
    (["--backend", ",", "--yes"], "--backend names no backend"),
    (["--timeout", "0", "--yes"], "--timeout is a number of seconds"),
    (["--timeout", "30s", "--yes"], "--timeout is a number of seconds"),
    (["--name", "1x", "--yes"], "--name is 1 to 28 letters"),
    (["--name", "a;b", "--yes"], "--name is 1 to 28 letters"),
    (["--mode", "router", "--yes"], "--mode is host or gateway"),
    (["--on-failure", "maybe", "--yes"], "--on-failure is open or closed"),
    (["--backend", "iptables", "--iptables-restore", "/usr/sbin/xtables-nft-multi", "--yes"],
     "its name must end in -restore"),
    (["--yes", "extra"], "unexpected argument"),
    (["--frobnicate"], "unknown option '--frobnicate'"),
    ([], "no terminal to confirm on, so nothing was changed"),
])
def test_refused(args, says):
    rc, err = apply(*args)
    assert rc == 2, err
    assert says in err


def test_help_names_every_exit_status():
    p = subprocess.run([EXE, "apply", "--help"], capture_output=True, text=True)
    assert p.returncode == 0
    for code in ("0 applied", "1 not confirmed", "2 usage", "65 bad", "69 the firewall tool",
                 "70 the rollback failed", "74 I/O"):
        assert code in " ".join(p.stdout.split()), code
    assert subprocess.run([EXE, "help", "apply"], capture_output=True, text=True).stdout == p.stdout


def test_missing_tool_changes_nothing():
    rc, err = apply("--yes", "--nft", "/nonexistent/nft")
    assert rc == 69, err
    assert "/nonexistent/nft not found" in err and "nothing changed" in err
