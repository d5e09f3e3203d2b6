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
    (["--format", "json", "--yes"], "--format is for --dry-run's output"),
    (["--dry-run", "--format", "yaml"], "--format is text or json"),
    (["--dry-run", "--on-failure=closed"], "--dry-run loads nothing"),
])
def test_refused(args, says):
    rc, err = apply(*args)
    assert rc == 2, err
    assert says in err


def test_help_names_every_exit_status():
    p = subprocess.run([EXE, "apply", "--help"], capture_output=True, text=True)
    assert p.returncode == 0
    for code in ("0 applied", "1 not confirmed", "2 usage", "65 bad", "69 the firewall tool",
                 "70 the rollback failed", "74 I/O", "With --dry-run: 0 no difference",
                 "1 the load would change what passes", "3 no certain difference"):
        assert code in " ".join(p.stdout.split()), code
    assert subprocess.run([EXE, "help", "apply"], capture_output=True, text=True).stdout == p.stdout


def test_missing_tool_changes_nothing():
    rc, err = apply("--yes", "--nft", "/nonexistent/nft")
    assert rc == 69, err
    assert "/nonexistent/nft not found" in err and "nothing changed" in err


SRCDIR = os.environ["PORTSPEC_SRCDIR"]


def complete(words):
    script = os.path.join(SRCDIR, "cli", "portspec.bash-completion")
    cmd = ('source "%s"; COMP_WORDS=(%s); COMP_CWORD=%d; _portspec; '
           'printf "%%s\\n" "${COMPREPLY[@]}"' % (script, " ".join(words), len(words) - 1))
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_bash_completion_knows_apply():
    assert complete(["portspec", "ap"]) == ["apply"]
    assert complete(["portspec", "apply", "--backend", "ip"]) == ["iptables", "ip6tables",
                                                                   "iptables,ip6tables"]
    assert complete(["portspec", "apply", "--on-failure", ""]) == ["open", "closed"]
    opts = complete(["portspec", "apply", "--"])
    help_text = subprocess.run([EXE, "apply", "--help"], capture_output=True, text=True).stdout
    import re
    # (--test is iptables-restore's, named in the text)
    assert set(re.findall(r"--[a-z][a-z0-9-]+", help_text)) - {"--help", "--test"} <= set(opts)


def test_manual_documents_apply_and_every_option():
    with open(os.path.join(SRCDIR, "docs", "portspec.1.scd"), encoding="utf-8") as f:
        page = f.read()
    assert "\n*apply*" in page
    import re
    help_text = subprocess.run([EXE, "apply", "--help"], capture_output=True, text=True).stdout
    for opt in set(re.findall(r"--[a-z][a-z0-9-]+", help_text)):
        assert opt in page, opt
    for code in ("*69*", "*70*"):
        assert code in page
