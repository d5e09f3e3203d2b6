# SPDX-License-Identifier: MIT
"""One case: a profile, a mode, a shape and a rule backend; rendered, read
back into a packet evaluator and compared with the plan."""

import json
import os
import subprocess
from dataclasses import dataclass

from compare import RulesetAsReference, compare
from kernel import VARIANTS, LoadError
from packets import ParseError
from plan import Plan
from profiles import PROFILES, hand_plan_path
from readers.nft import NftRuleset
from readers.pf import PfRuleset
from readers.windows import parse_netsh, parse_powershell
from readers.xtables import XtablesRuleset

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("PORTSPEC_SRCDIR", os.path.join(HERE, "..", ".."))
BUILDDIR = os.environ.get("PORTSPEC_BUILDDIR", os.path.join(SRCDIR, "build"))
EXE = os.environ.get("PORTSPEC_EXE", os.path.join(BUILDDIR, "cli", "portspec"))

# The rule backends this test can read back; `portspec backends` must not
# list a rule backend that is not here.
READERS = ("iptables", "ip6tables", "nft", "pf", "netsh", "powershell")
DOCUMENTS = ("markdown", "csv", "json", "dot")
LINUX = ("iptables", "ip6tables", "nft")
# The families each backend covers: every plan entry of these families must
# be in its output.
FAMILIES = {"iptables": (4,), "ip6tables": (6,), "nft": (4, 6), "pf": (4, 6), "netsh": (4, 6),
            "powershell": (4, 6)}


class NoPlan(Exception):
    pass


class RenderError(Exception):
    """args: (message, exit status)"""

    def __str__(self):
        return self.args[0]


def portspec(*args, raw=False):
    """raw: stdout as bytes, line ends untouched (netsh scripts end lines in CRLF)."""
    p = subprocess.run([EXE, *args], capture_output=True, timeout=60)
    p.stderr = p.stderr.decode("utf-8", "replace")
    if not raw:
        p.stdout = p.stdout.decode("utf-8")
    return p


def rule_backends():
    """{name: modes} of the rule backends `portspec backends` lists."""
    p = portspec("backends", "--format", "json")
    if p.returncode != 0:
        raise RuntimeError("portspec backends: %s" % p.stderr)
    out = {}
    for b in json.loads(p.stdout):
        kind = b.get("kind")
        if kind in ("documents", "document") or kind is None and b["name"] in DOCUMENTS:
            continue
        out[b["name"]] = tuple(b["modes"])
    return out


@dataclass(frozen=True)
class Case:
    profile: str
    mode: str
    shape: str
    backend: str

    @property
    def id(self):
        return "%s-%s-%s-%s" % (self.profile, self.mode, self.shape, self.backend)

    @property
    def fragment(self):
        return self.shape == "fragment"


def all_cases(backends=None):
    backends = backends if backends is not None else rule_backends()
    for p in PROFILES:
        for mode in p.modes:
            for shape in ("complete", "fragment"):
                for name in READERS:
                    if mode in backends.get(name, ()):
                        yield Case(p.name, mode, shape, name)


_plans = {}


def plan_for(profile, mode):
    """The plan from `portspec plan --format json`; while the CLI has no
    plan, the hand-derived one where there is one."""
    key = (profile.name, mode)
    if key not in _plans:
        p = portspec("plan", "--mode", mode, "--format", "json", "--quiet", *profile.args)
        if p.returncode == 0:
            _plans[key] = Plan.from_json(p.stdout, "portspec plan (%s, %s)" % key)
        elif os.path.exists(hand_plan_path(profile, mode)):
            with open(hand_plan_path(profile, mode)) as f:
                _plans[key] = Plan.from_json(f.read(), "hand-derived plan (%s, %s)" % key)
        else:
            _plans[key] = NoPlan("portspec plan failed (%d): %s" % (p.returncode,
                                                                  p.stderr.strip()))
    if isinstance(_plans[key], NoPlan):
        raise _plans[key]
    return _plans[key]


def hand_plan(profile, mode):
    with open(hand_plan_path(profile, mode)) as f:
        return Plan.from_json(f.read(), "hand-derived plan (%s, %s)" % (profile.name, mode))


def render(case, profile, warnings=None):
    """The output (bytes for netsh: read as written, CRLF line ends and all);
    the warnings on stderr go to the list given."""
    argv = ["render", "--backend", case.backend, "--mode", case.mode]
    if case.fragment:
        argv.append("--fragment")
    p = portspec(*argv, *profile.args, raw=True)
    if p.returncode != 0:
        raise RenderError("portspec %s failed (%d): %s" % (" ".join(argv), p.returncode,
                                                          p.stderr.strip()), p.returncode)
    if warnings is not None:
        warnings.extend(l for l in p.stderr.splitlines() if l.strip())
    return p.stdout if case.backend == "netsh" else p.stdout.decode("utf-8")


# What a target cannot express, and what its backend must do instead of
# rendering it wrong: refuse the profile (an error naming the reason), or
# render it and warn.
def must_refuse(case, plan):
    """Why the backend must refuse this case, or None."""
    if case.backend == "netsh" and any(e.kind == "flow" and (e.iif or e.oif)
                                       for e in plan.entries):
        return ("netsh advfirewall cannot match an interface by name", "interface")
    if case.backend == "pf" and case.mode == "host" and any(
            e.kind == "flow" and e.helper for e in plan.entries):
        return ("pf cannot track the FTP data connections of the host's own connections",
                "FTP data connections")
    return None


def warned_helper(case, warnings):
    """A backend that renders a helper entry without assigning the helper
    must warn; none does (pf refuses host-mode FTP, see must_refuse)."""
    return None


def read_back(case, text, kernel):
    """[(label, ruleset)]: the evaluators of what the target holds.  For
    iptables both kernel interfaces are loaded; when their readbacks agree,
    one evaluator stands for both."""
    label = case.backend
    if case.backend == "nft":
        doc, keys = kernel.load_nft(text, case.fragment)
        return [(label, NftRuleset(doc, label, case.fragment, keys))]
    if case.backend in ("iptables", "ip6tables"):
        saves = {}
        for variant in VARIANTS:
            saves[variant] = kernel.load_xtables(case.backend, variant, text, case.fragment,
                                                 case.mode)
        family = FAMILIES[case.backend][0]
        out = []
        first = saves[VARIANTS[0]]
        for variant in VARIANTS:
            save, keys = saves[variant]
            if variant != VARIANTS[0] and save == first[0]:
                continue
            name = "%s (%s)" % (label, variant)
            out.append((name, XtablesRuleset(save, family, name, case.fragment, keys)))
        return out
    if case.backend == "pf":
        return [(label, PfRuleset(text, label, case.fragment))]
    if case.backend == "netsh":
        return [(label, parse_netsh(text, label, case.fragment))]
    if case.backend == "powershell":
        return [(label, parse_powershell(text, label, case.fragment))]
    raise ParseError("no reader for backend %s" % case.backend)


def reference(case, profile, kernel, backend):
    """Another backend's output for the same case, as the thing to compare with."""
    other = Case(case.profile, case.mode, case.shape, backend)
    name, rs = read_back(other, render(other, profile), kernel)[0]
    return RulesetAsReference(rs, name)


def check(case, profile, kernel, plan=None, against=None):
    """(ok, report): the case's differences from the plan (or from another
    backend's output), every one named."""
    lines = []
    try:
        if against:
            plan = reference(case, profile, kernel, against)
        plan = plan or plan_for(profile, case.mode)
    except NoPlan as e:
        return False, "%s: no plan to compare with: %s" % (case.id, e)
    except (RenderError, LoadError, ParseError) as e:
        what = "the reference %s" % against if against else "the plan"
        return False, "%s: %s: %s" % (case.id, what, e)
    warnings = []
    try:
        text = render(case, profile, warnings)
    except RenderError as e:
        refusal = must_refuse(case, plan)
        if refusal and e.args[1] == 2 and refusal[1] in str(e):
            return True, "%s: refused, as it must be (%s): %s" % (case.id, refusal[0], e)
        return False, "%s: %s" % (case.id, e)
    try:
        rulesets = read_back(case, text, kernel)
    except LoadError as e:
        return False, "%s: does not load: %s" % (case.id, e)
    except ParseError as e:
        return False, "%s: the reader does not understand the output: %s" % (case.id, e)
    ok = True
    for name, rs in rulesets:
        label = "%s [%s, vs %s]" % (case.id, name, plan.source)
        try:
            cmp = compare(plan, rs, case.fragment, label, FAMILIES[case.backend], case.backend)
        except ParseError as e:
            return False, "%s: %s" % (label, e)
        helper_ok = warned_helper(case, warnings)
        if helper_ok:
            for key in [k for k, d in cmp.differences.items() if d.kind == "helper"]:
                del cmp.differences[key]
                cmp.allowances.add(helper_ok)
        dead = getattr(rs, "dead_rules", [])
        if cmp.differences or dead:
            ok = False
        lines.append(cmp.report())
        for d in dead:
            lines.append("  - a rule that can never match (an empty set): %s" % d)
        if rs.notes:
            lines.append("  baseline: " + "; ".join(rs.notes))
    return ok, "\n".join(lines)
