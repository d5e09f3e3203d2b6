# SPDX-License-Identifier: MIT
"""The plan itself, against plans derived by hand from the profile and the spec.

plans/ holds the plans of two profiles worked out by hand (plans/README.md):
`portspec plan` must accept the same packets, with the same helpers, as
they do, in both shapes.  The plan reader is strict, so a plan whose
address sets disagree with themselves fails here too."""

import os

import pytest

from atoms import Atoms
from cases import NoPlan, hand_plan, plan_for
from compare import compare
from profiles import PROFILES, hand_plan_path

HAND = [(p, mode) for p in PROFILES for mode in p.hand_plans]


class PlanAsRuleset:
    """A plan in a ruleset's place, to compare two plans."""

    def __init__(self, plan, fragment):
        self.plan = plan
        self.fragment = fragment
        self.atoms = Atoms()
        plan.atoms(self.atoms)
        self.families = (4, 6)

    def evaluate(self, pkt, ports):
        return self.plan.evaluate(pkt, ports, self.fragment)


def test_hand_plans_exist():
    assert HAND, "no profile has a hand-derived plan"
    for p, mode in HAND:
        assert os.path.exists(hand_plan_path(p, mode))


@pytest.mark.parametrize("profile,mode", HAND, ids=["%s-%s" % (p.name, m) for p, m in HAND])
@pytest.mark.parametrize("shape", ["complete", "fragment"])
def test_portspec_plan_matches_the_hand_derived_plan(profile, mode, shape):
    hand = hand_plan(profile, mode)
    try:
        cli = plan_for(profile, mode)
    except NoPlan as e:
        pytest.fail("portspec plan: %s" % e)
    if cli.source.startswith("hand-derived"):
        pytest.fail("portspec plan is not there yet; nothing to compare the hand-derived "
                    "plan with")
    cmp = compare(hand, PlanAsRuleset(cli, shape == "fragment"), shape == "fragment",
                  "portspec plan vs %s, %s" % (hand.source, shape))
    assert not cmp.differences, cmp.report()


def test_the_comparison_sees_a_changed_plan():
    """A plan without one of its entries is not the same plan."""
    profile, mode = HAND[0]
    hand = hand_plan(profile, mode)
    for i, e in enumerate(hand.entries):
        if e.kind == "flow":
            break
    other = hand_plan(profile, mode)
    del other.entries[i]
    cmp = compare(hand, PlanAsRuleset(other, False), False, "without entry %d" % i)
    kinds = {d.kind for d in cmp.differences.values()}
    assert kinds == {"missing"}, cmp.report()
    assert any(e.describe() in d.entry for d in cmp.differences.values()), cmp.report()
