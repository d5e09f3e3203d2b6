# SPDX-License-Identifier: MIT
"""Shared fixtures of the Python binding tests.

The tests import `portspec` from the build tree (PYTHONPATH is set by
`meson test`); they fail rather than test an installed copy by mistake.
"""
import os

import pytest

import portspec


def pytest_report_header(config):
    return f"portspec {portspec.version()} from {os.path.dirname(portspec.__file__)}"


@pytest.fixture(scope="session", autouse=True)
def _from_build_tree():
    builddir = os.environ.get("PORTSPEC_BUILDDIR")
    if builddir:
        here = os.path.realpath(portspec.__file__)
        assert here.startswith(os.path.realpath(builddir) + os.sep), \
            f"portspec imported from {here}, not from the build tree {builddir}"


@pytest.fixture(scope="session")
def spec():
    return portspec.load_default()


@pytest.fixture(scope="session")
def policy(spec):
    return spec.policy()


@pytest.fixture(scope="session")
def cli():
    """The path of the build's portspec CLI, which some tests compare with."""
    builddir = os.environ.get("PORTSPEC_BUILDDIR")
    path = os.path.join(builddir, "cli", "portspec") if builddir else None
    if not path or not os.access(path, os.X_OK):
        pytest.fail("the portspec CLI is not built (PORTSPEC_BUILDDIR/cli/portspec)")
    return path
