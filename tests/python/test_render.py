# SPDX-License-Identifier: MIT
"""Rendering through the binding: every backend renders or refuses cleanly."""
import subprocess

import pytest

import portspec


def _site_policy():
    return portspec.load_default().policy(dns="outside", role="central",
                                          cluster_peer=["192.0.2.50"],
                                          inside=["10.0.0.0/8"], appliance="192.0.2.1")


@pytest.fixture(scope="module")
def site():
    return _site_policy()


def test_backends_listed():
    names = portspec.backends()
    assert names and all(isinstance(n, str) for n in names)
    assert len(set(names)) == len(names)
    for expected in ("iptables", "ip6tables", "nft", "pf", "netsh", "powershell",
                     "markdown", "csv", "json", "dot"):
        assert expected in names
    for name in names:
        info = portspec.backend_info(name)
        assert info.name == name and info.description
        assert info.modes and set(info.modes) <= {"host", "gateway"}


@pytest.mark.parametrize("backend", portspec.backends())
@pytest.mark.parametrize("mode", ["host", "gateway"])
@pytest.mark.parametrize("fragment", [False, True])
def test_render(site, backend, mode, fragment):
    supported = mode in portspec.backend_info(backend).modes
    try:
        text = site.render(backend, mode=mode, fragment=fragment, name="mailsec")
    except portspec.UnsupportedError as e:
        # A mode the backend does not support, or a backend not written yet:
        # a clean error with a reason, never partial output.
        assert e.status == "unsupported" and e.text
        if not supported:
            assert mode in e.text
        return
    assert supported, f"{backend} rendered {mode} mode, which it does not list"
    assert isinstance(text, str) and text.strip()
    # Deterministic: the same policy renders byte for byte the same.
    assert site.render(backend, mode=mode, fragment=fragment, name="mailsec") == text
    assert _site_policy().render(backend, mode=mode, fragment=fragment, name="mailsec") == text


def test_render_defaults(site):
    for backend in portspec.backends():
        try:
            a = site.render(backend)
        except portspec.UnsupportedError:
            continue
        assert a == site.render(backend, "host", False, None)


def test_render_errors(site):
    with pytest.raises(portspec.UnknownError):
        site.render("no-such-backend")
    with pytest.raises(portspec.InvalidArgumentError):
        site.render(portspec.backends()[0], mode="sideways")
    for bad in ("", "1abc", "a b", "x" * 29, "semi;colon", "quote'"):
        with pytest.raises(portspec.InvalidArgumentError):
            site.render(portspec.backends()[0], fragment=True, name=bad)


SITE_SETTINGS = ["dns=outside", "role=central", "cluster-peer=192.0.2.50",
                 "inside=10.0.0.0/8", "appliance=192.0.2.1"]


@pytest.mark.parametrize("backend", portspec.backends())
@pytest.mark.parametrize("mode", ["host", "gateway"])
def test_render_is_what_the_cli_renders(cli, site, backend, mode):
    # The binding hands the library's text through unchanged: the same bytes
    # as `portspec render` for the same site.
    args = [cli, "render", "--backend", backend, "--mode", mode, "--fragment",
            "--name", "mailsec"]
    for setting in SITE_SETTINGS:
        args += ["--set", setting]
    out = subprocess.run(args, capture_output=True)
    try:
        text = site.render(backend, mode=mode, fragment=True, name="mailsec")
    except portspec.UnsupportedError:
        assert out.returncode != 0
        return
    assert out.returncode == 0, out.stderr
    assert out.stdout == text.encode()


@pytest.mark.parametrize("backend", ["iptables", "nft"])
def test_rules_name_every_service(site, backend):
    # DESIGN: every rule carries the service name as a comment.
    text = site.render(backend, mode="host")
    missing = {f.service for f in site if f.service not in text}
    assert not missing
