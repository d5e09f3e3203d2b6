#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs the cross-backend comparison by hand and prints every difference.

    tests/crossbackend/run.py [--profile NAME]... [--backend NAME]... [--mode MODE]
                              [--shape SHAPE] [--hand-plan | --against BACKEND]

Needs root (one network namespace).  --hand-plan compares with the
hand-derived plans (plans/) instead of `portspec plan`; --against BACKEND
with that backend's output for the same case (without a plan it does not
know the appliance's addresses, so in gateway mode it also lists packets
that cannot occur: the firewall's own traffic to the appliance's
address).  Exit 1 when any case differs.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cases import all_cases, check, hand_plan  # noqa: E402
from kernel import Kernel  # noqa: E402
from profiles import BY_NAME  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", action="append")
    ap.add_argument("--backend", action="append")
    ap.add_argument("--mode")
    ap.add_argument("--shape")
    ap.add_argument("--hand-plan", action="store_true")
    ap.add_argument("--against", help="compare with this backend's output instead of a plan")
    ap.add_argument("-q", "--quiet", action="store_true", help="one line per case")
    args = ap.parse_args()
    kernel = Kernel()
    bad = 0
    started = time.monotonic()
    n = 0
    for case in all_cases():
        if args.profile and case.profile not in args.profile or \
                args.backend and case.backend not in args.backend or \
                args.mode and case.mode != args.mode or args.shape and case.shape != args.shape:
            continue
        profile = BY_NAME[case.profile]
        if args.hand_plan and case.mode not in profile.hand_plans:
            continue
        plan = hand_plan(profile, case.mode) if args.hand_plan else None
        t = time.monotonic()
        if args.against == case.backend:
            continue
        ok, report = check(case, profile, kernel, plan, args.against)
        n += 1
        bad += not ok
        if ok:
            print("ok   %s (%.1f s)" % (case.id, time.monotonic() - t), flush=True)
        elif args.quiet:
            print("FAIL " + report.split("\n")[0], flush=True)
        else:
            print(report + "\n", flush=True)
    print("%d of %d cases differ, %.1f s" % (bad, n, time.monotonic() - started))
    kernel.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
