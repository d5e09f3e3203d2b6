# SPDX-License-Identifier: MIT
"""portspec apply --dry-run in network namespaces: it prints the semantic
difference between the live ruleset and the one the load would leave (as
portspec diff does), exits 0 / 1 as diff does, and leaves the live ruleset
exactly as the kernel listed it.  Run through run.py (root; see there)."""
import json
import re
import shutil
import subprocess

import pytest

from nsutil import EXE, IPTABLES_VARIANTS, Namespace, apply_batch, listing

from test_apply import HOOKS, OLD, setup_site

# (variant, backend): nft, and each iptables family alone for both variants.
TARGETS = [("nft", "nft")] + [(v, b) for v in IPTABLES_VARIANTS for b in ("iptables", "ip6tables")]


@pytest.fixture(params=TARGETS, ids=lambda t: "%s-%s" % t)
def target(request):
    return request.param


def options(variant, backend):
    if variant == "nft":
        return ["--backend", "nft"]
    prefix = variant if backend == "iptables" else variant.replace("iptables", "ip6tables")
    return ["--backend", backend, "--%s-restore" % backend, prefix + "-restore"]


def dry_run(ns, target, *args):
    """`portspec apply --dry-run` in ns, no terminal: (status, stdout, stderr)."""
    p = subprocess.run(["ip", "netns", "exec", ns.name, EXE, "apply", "-q", "--dry-run",
                        *options(*target), *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def applied(ns, target, *args):
    rc, err = apply_batch(ns, *options(*target), "-q", "--yes", *args)
    assert rc == 0, err


def section(out, title):
    """The lines of the text diff under 'accepted by A only' / 'B only'."""
    m = re.search(r"^%s \(\d+\):\n((?:  .*\n)*)" % re.escape(title), out, re.M)
    return m.group(1) if m else ""


def test_empty_live_ruleset_differs_and_stays_empty(target):
    with Namespace("dry") as ns:
        before = listing(ns, target[0])
        rc, out, err = dry_run(ns, target)
        assert rc == 1, out + err
        assert "\ndifferent\n" in out
        # The new rules drop what nothing filters now.
        assert "drop by policy" in section(out, "accepted by A only"), out
        assert "nothing was changed" in err
        assert listing(ns, target[0]) == before


def test_other_rules_stay_as_they_list(target):
    with Namespace("drysite") as ns:
        setup_site(ns, target[0])
        before = listing(ns, target[0])
        rc, out, err = dry_run(ns, target)
        assert rc == 1, out + err
        assert listing(ns, target[0]) == before


def test_after_applying_the_same_profile_no_difference(target):
    with Namespace("drysame") as ns:
        applied(ns, target, *OLD)
        before = listing(ns, target[0])
        rc, out, err = dry_run(ns, target, *OLD)
        assert rc == 0, out + err
        assert "\nequal\n" in out
        assert listing(ns, target[0]) == before


def test_another_port_is_named(target):
    with Namespace("dryport") as ns:
        applied(ns, target, *OLD)
        before = listing(ns, target[0])
        rc, out, err = dry_run(ns, target, *OLD, "--set", "enable=ssh")
        assert rc == 1, out + err
        opened = section(out, "accepted by B only")
        assert re.search(r"\btcp\b.* dport 22(\s|$)", opened), out
        assert section(out, "accepted by A only") == "", out
        assert listing(ns, target[0]) == before


def test_json_names_the_port(target):
    with Namespace("dryjson") as ns:
        applied(ns, target, *OLD)
        rc, out, err = dry_run(ns, target, *OLD, "--set", "enable=ssh", "--format", "json")
        assert rc == 1, out + err
        d = json.loads(out)
        assert d["equal"] is False and d["only_a"] == []
        assert {c["hook"] for c in d["only_b"]} == {"input"}
        assert all(c["class"]["dport"] == [[22, 22]] for c in d["only_b"]), out


def test_unreferenced_fragment_changes_nothing(target):
    with Namespace("dryfrag") as ns:
        before = listing(ns, target[0])
        rc, out, err = dry_run(ns, target, "--fragment")
        assert rc == 0, out + err
        assert "\nequal\n" in out
        assert listing(ns, target[0]) == before


def test_fragment_is_compared_with_the_live_ruleset_it_joins(target, tmp_path):
    """Live ruleset against live ruleset with the fragment loaded: the jumps
    to it stay, only its chains (iptables) or table (nft) change."""
    hooks = tmp_path / "hooks.nft"
    hooks.write_text(HOOKS)
    frag = ["--fragment"] + (["--hooks", str(hooks)] if target[0] == "nft" else [])
    with Namespace("dryjoin") as ns:
        applied(ns, target, *frag, *OLD)
        if target[0] != "nft":
            tool = target[0] if target[1] == "iptables" else \
                target[0].replace("iptables", "ip6tables")
            ns.run(tool, "-A", "INPUT", "-j", "portspec-in")
            ns.run(tool, "-A", "OUTPUT", "-j", "portspec-out")
            ns.run(tool, "-P", "INPUT", "DROP")
            ns.run(tool, "-P", "OUTPUT", "DROP")
        before = listing(ns, target[0])
        rc, out, err = dry_run(ns, target, *frag, *OLD)
        assert rc == 0, out + err
        rc, out, err = dry_run(ns, target, *frag, *OLD, "--set", "enable=ssh")
        assert rc == 1, out + err
        assert re.search(r"\btcp\b.* dport 22(\s|$)", section(out, "accepted by B only")), out
        assert section(out, "accepted by A only") == "", out
        assert listing(ns, target[0]) == before


def test_nft_fragment_over_base_chains_needs_hooks():
    """As apply refuses it (the load would delete the base chains), so does
    the dry run, before comparing anything."""
    with Namespace("dryhooks") as ns:
        applied(ns, ("nft", "nft"), *OLD)
        before = listing(ns, "nft")
        rc, out, err = dry_run(ns, ("nft", "nft"), "--fragment", *OLD)
        assert rc == 2 and "--hooks" in err and out == "", out + err
        assert listing(ns, "nft") == before


def test_rules_that_do_not_check_change_nothing(target, tmp_path):
    tool = tmp_path / "refuse-restore"
    tool.write_text("#!/bin/sh\necho 'no, never' >&2\nexit 1\n")
    tool.chmod(0o755)
    if target[0] != "nft":  # the save program is found next to it
        prefix = target[0] if target[1] == "iptables" else \
            target[0].replace("iptables", "ip6tables")
        save = tmp_path / "refuse-save"  # a wrapper: the programs go by their name
        save.write_text('#!/bin/sh\nexec %s "$@"\n' % shutil.which(prefix + "-save"))
        save.chmod(0o755)
    with Namespace("dryrefuse") as ns:
        before = listing(ns, target[0])
        opts = ["--nft", str(tool)] if target[0] == "nft" else \
            ["--%s-restore" % target[1], str(tool)]
        p = subprocess.run(["ip", "netns", "exec", ns.name, EXE, "apply", "-q", "--dry-run",
                            "--backend", target[1], *opts], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 69, p.stderr
        assert "no, never" in p.stderr and p.stdout == ""
        assert listing(ns, target[0]) == before
