# SPDX-License-Identifier: MIT
"""portspec.service: where meson installs it, and `systemd-analyze verify`
over it (ExecStart resolved in a tree laid out like the installed one)."""
import json
import os
import shutil
import subprocess

import pytest

from unitfile import command

BUILDDIR = os.environ["PORTSPEC_BUILDDIR"]
UNIT = os.environ["PORTSPEC_UNIT"]
EXE = os.environ["PORTSPEC_EXE"]
CONF = os.environ["PORTSPEC_APPLY_CONF"]


def installed():
    p = subprocess.run(["meson", "introspect", "--installed", BUILDDIR], capture_output=True,
                       text=True, check=True)
    return json.loads(p.stdout)


def analyze():
    path = shutil.which("systemd-analyze")
    if not path:
        why = "systemd-analyze not found (Debian package systemd)"
        if os.environ.get("CI") == "true":
            pytest.fail(why + "; CI must have it (.ci/deps.txt)")
        pytest.skip(why)
    return path


def build_root(tmp_path, unit_text):
    """A tree with the unit and the portspec binary where they install."""
    dest = installed()
    unit_path = dest[os.path.realpath(UNIT)]
    root = str(tmp_path / "root")
    for rel, src, text in ((unit_path, None, unit_text),
                           (dest[os.path.realpath(EXE)], EXE, None)):
        target = root + rel
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if src:
            shutil.copy(src, target)
        else:
            with open(target, "w") as f:
                f.write(text)
    return root, unit_path


def verify(tmp_path, unit_text):
    root, unit_path = build_root(tmp_path, unit_text)
    p = subprocess.run([analyze(), "verify", "--man=no", "--root=" + root, unit_path],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def unit_text():
    with open(UNIT) as f:
        return f.read()


def test_the_unit_is_installed_in_systemdunitdir():
    dest = installed()
    unit = dest.get(os.path.realpath(UNIT))
    assert unit and unit.endswith("/systemd/system/portspec.service"), dest
    conf = [d for s, d in dest.items() if s.endswith("/data/systemd/apply.conf")]
    assert conf and conf[0].endswith("/portspec/apply.conf")
    text = unit_text()
    assert "ExecStart=" + dest[os.path.realpath(EXE)] + " apply --yes" in text
    assert "EnvironmentFile=-" + conf[0] + "\n" in text


def test_systemd_analyze_verify_passes(tmp_path):
    rc, out = verify(tmp_path, unit_text())
    assert rc == 0 and out == "", out


@pytest.mark.parametrize("break_it", [
    ("RemainAfterExit=yes", "RemainAfterExit=maybe"),
    ("Type=oneshot", "Type=oneshots"),
    (" apply --yes", "-missing apply --yes"),
])
def test_verify_would_notice_a_broken_unit(tmp_path, break_it):
    rc, out = verify(tmp_path, unit_text().replace(*break_it, 1))
    assert rc != 0 or out != ""


def test_ordering_before_the_network():
    text = unit_text()
    for line in ("DefaultDependencies=no", "Wants=network-pre.target",
                 "Before=network-pre.target shutdown.target", "WantedBy=sysinit.target"):
        assert line + "\n" in text


def test_exec_start_with_the_shipped_settings():
    with open(CONF) as f:
        conf = f.read()
    argv = command(unit_text(), conf)
    assert argv[1:] == ["apply", "--yes", "--quiet", "--backend=nft", "--mode=host",
                        "--on-failure=closed", argv[-1]]
    assert argv[-1].startswith("--profile=/") and argv[-1].endswith("/portspec/site.profile")
    assert command(unit_text(), None) == argv  # the unit's defaults are the file's


def test_systemctl_enable_hooks_it_into_early_boot(tmp_path):
    """`systemctl enable`, offline in the tree: the [Install] section works."""
    systemctl = shutil.which("systemctl")
    if not systemctl:
        if os.environ.get("CI") == "true":
            pytest.fail("systemctl not found (Debian package systemd)")
        pytest.skip("systemctl not found")
    root, unit_path = build_root(tmp_path, unit_text())
    p = subprocess.run([systemctl, "--root=" + root, "enable", "portspec.service"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    link = os.path.join(root, "etc/systemd/system/sysinit.target.wants/portspec.service")
    assert os.readlink(link) == unit_path
