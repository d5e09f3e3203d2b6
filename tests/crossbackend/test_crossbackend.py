# SPDX-License-Identifier: MIT
"""Every rule backend renders the plan and nothing else.

For every profile of profiles.py, mode and shape, each rule backend's
output is read back into packet sets (Linux outputs from the kernel, the
others by the readers here) and compared with `portspec plan`, packet
class by packet class; a difference names the entry and a packet."""

import pytest

from cases import LINUX, READERS, all_cases, check, rule_backends
from profiles import BY_NAME

CASES = list(all_cases())


def test_every_rule_backend_has_a_reader():
    backends = rule_backends()
    assert set(backends) - set(READERS) == set(), \
        "rule backends this test cannot read back: add a reader in readers/"
    assert set(READERS) <= set(backends), "readers for backends portspec does not list"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_backend_renders_the_plan(case, request):
    kernel = request.getfixturevalue("kernel") if case.backend in LINUX else None
    ok, report = check(case, BY_NAME[case.profile], kernel)
    assert ok, report
