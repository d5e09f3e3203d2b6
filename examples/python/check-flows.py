#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check observed flows against the policy and report the unexpected ones.

The CSV has one observed connection per row: zone, direction, protocol and
port, under a header row naming them (other columns, such as the peer's
address or a count, are carried into the report).  A flow export from a
firewall log, reduced to those columns, is enough:

    zone,direction,protocol,port,peer
    outside,inbound,tcp,25,203.0.113.9
    outside,inbound,tcp,22,198.51.100.77

    $ check-flows.py --set dns=outside observed.csv
    observed.csv:3: unexpected: outside inbound tcp/22 (peer=198.51.100.77)
    1 of 2 flows unexpected

Exit status: 0 if every flow is allowed, 1 if some are not, 2 on bad input.
"""
import argparse
import csv
import sys

import portspec

COLUMNS = ("zone", "direction", "protocol", "port")


def parse_settings(pairs):
    """["key=value", ...] -> {"key": [values]} (repeated keys add)."""
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--set takes KEY=VALUE, not {pair!r}")
        settings.setdefault(key.strip().replace("-", "_"), []).append(value.strip())
    return settings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="observed flows (zone,direction,protocol,port,...)")
    parser.add_argument("--spec", help="spec file (default: the built-in spec)")
    parser.add_argument("--profile", help="profile file (portspec-profile(5))")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="profile setting, as with `portspec --set` (repeatable)")
    args = parser.parse_args(argv)

    try:
        spec = portspec.load(args.spec) if args.spec else portspec.load_default()
        profile = spec.profile()
        if args.profile:
            profile.load(args.profile)
        profile.update(**parse_settings(args.set))
        policy = spec.policy(profile)
    except portspec.Error as e:
        print(f"check-flows: {e}", file=sys.stderr)
        return 2

    unexpected = total = 0
    with open(args.csv, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            print(f"{args.csv}: the header lacks {', '.join(missing)}", file=sys.stderr)
            return 2
        for row in reader:
            line = reader.line_num
            total += 1
            try:
                port = int(row["port"])
                flow = policy.explain(row["zone"], row["direction"], row["protocol"], port)
            except (ValueError, portspec.Error) as e:
                print(f"{args.csv}:{line}: {e}", file=sys.stderr)
                return 2
            if flow is None:
                unexpected += 1
                extra = ", ".join(f"{k}={v}" for k, v in row.items()
                                  if k not in COLUMNS and v)
                print(f"{args.csv}:{line}: unexpected: {row['zone']} {row['direction']} "
                      f"{row['protocol']}/{port}" + (f" ({extra})" if extra else ""))
    print(f"{unexpected} of {total} flows unexpected")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
