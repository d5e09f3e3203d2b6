# SPDX-License-Identifier: MIT
"""portspec.service at boot: its ExecStart, expanded as systemd expands it
with the settings of apply.conf, run in a fresh network namespace (what the
kernel has before the network comes up).  Run through run.py (root)."""
import os
import subprocess

import pytest

from nsutil import EXE, Namespace, listing, render, strip_comments
from unitfile import command, unit_lines

UNIT = os.environ["PORTSPEC_UNIT"]
CONF = os.environ["PORTSPEC_APPLY_CONF"]

PROFILE = "inside = 10.20.0.0/16\nrequired-only = true\n"


def boot(ns, tmp_path, conf_changes=None, profile=PROFILE, key="ExecStart"):
    """Runs the unit's command with /etc/portspec in tmp_path; returns (rc, stderr)."""
    with open(UNIT) as f:
        unit = f.read()
    etc = os.path.dirname(unit_lines(unit, "EnvironmentFile")[0].lstrip("-"))
    with open(CONF) as f:
        conf = f.read()
    for key_, value in (conf_changes or {}).items():
        conf = "\n".join(l if not l.startswith(key_ + "=") else "%s=%s" % (key_, value)
                         for l in conf.splitlines()) + "\n"
    if profile is not None:
        (tmp_path / "site.profile").write_text(profile)
    argv = command(unit.replace(etc, str(tmp_path)), conf, key)
    argv[0] = EXE
    p = subprocess.run(["ip", "netns", "exec", ns.name, *argv], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr


def rendered_listing(variant, *args):
    with Namespace("bootexp") as ns:
        if variant == "nft":
            ns.run("nft", "-f", "-", input=render("--backend", "nft", *args))
        else:
            for backend in ("iptables", "ip6tables"):
                tool = variant.replace("iptables", backend)
                ns.run(tool + "-restore", input=render("--backend", backend, *args))
        return listing(ns, variant)


def test_boot_loads_the_profile_with_nft(tmp_path):
    with Namespace("boot") as ns:
        rc, err = boot(ns, tmp_path)
        assert rc == 0, err
        profile = str(tmp_path / "site.profile")
        assert listing(ns, "nft") == rendered_listing("nft", "--profile", profile)
        rc, err = boot(ns, tmp_path, key="ExecReload")  # systemctl reload: the same again
        assert rc == 0, err
        assert listing(ns, "nft") == rendered_listing("nft", "--profile", profile)


@pytest.mark.parametrize("variant", ["iptables-nft", "iptables-legacy"])
def test_boot_loads_both_iptables_families(tmp_path, variant):
    v6 = variant.replace("iptables", "ip6tables")
    options = "--iptables-restore %s-restore --ip6tables-restore %s-restore" % (variant, v6)
    with Namespace("boot") as ns:
        rc, err = boot(ns, tmp_path, {"BACKEND": "iptables,ip6tables", "OPTIONS": options})
        assert rc == 0, err
        profile = str(tmp_path / "site.profile")
        assert listing(ns, variant) == rendered_listing(variant, "--profile", profile)


CLOSED_NFT = 'table inet portspec {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tiifname "lo" accept\n\t}\n\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n\n\tchain output {\n\t\ttype filter hook output priority filter; policy drop;\n\t\toifname "lo" accept\n\t}\n}\n'


@pytest.mark.parametrize("case, changes, profile, status", [
    ("missing profile", {}, None, 74),
    ("broken profile", {}, "inside = ten.0.0.0/8\n", 65),
    ("gateway without --replace-forwarding", {"MODE": "gateway"}, PROFILE, 2),
    ("unknown option", {"OPTIONS": "--fragmnet"}, PROFILE, 2),
])
def test_boot_fails_closed_by_default(tmp_path, case, changes, profile, status):
    with Namespace("closed") as ns:
        rc, err = boot(ns, tmp_path, changes, profile)
        assert rc == status, err
        assert "failed closed: only loopback traffic passes" in err
        assert listing(ns, "nft") == CLOSED_NFT


def test_boot_fails_closed_with_iptables_too(tmp_path):
    with Namespace("closed") as ns:
        rc, err = boot(ns, tmp_path, {"BACKEND": "iptables,ip6tables"}, None)
        assert rc == 74, err
        for tool in ("iptables-save", "ip6tables-save"):
            rules = strip_comments(ns.run(tool, "-t", "filter"))
            assert rules == ("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
                             ":OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n"
                             "-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n"), tool


def test_boot_can_fail_open(tmp_path):
    with Namespace("open") as ns:
        rc, err = boot(ns, tmp_path, {"ON_FAILURE": "open"}, "inside = ten.0.0.0/8\n")
        assert rc == 65, err
        assert "failed closed" not in err
        assert listing(ns, "nft") == ""
