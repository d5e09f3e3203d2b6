#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Render firewall rules for one site's profile, given on the command line.

    $ render-site.py nft --set dns=outside --set inside=10.0.0.0/8 \\
          --set appliance=10.0.0.25 --set disable=ssh > mailsec.nft
    $ render-site.py pf --mode gateway --fragment mailsec --set role=central \\
          --set cluster-peer=10.0.0.26

The spec's warnings for this site (the either-zone note, service notes) go
to standard error; the rules go to standard output.
"""
import argparse
import sys

import portspec


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backend", help="one of: " + ", ".join(portspec.backends()))
    parser.add_argument("--spec", help="spec file (default: the built-in spec)")
    parser.add_argument("--profile", help="profile file applied before --set")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="profile setting, as with `portspec --set` (repeatable)")
    parser.add_argument("--mode", choices=("host", "gateway"), default="host",
                        help="rules on the appliance (host) or on a firewall in front (gateway)")
    parser.add_argument("--fragment", metavar="NAME",
                        help="a named chain/anchor/group instead of a complete ruleset")
    args = parser.parse_args(argv)

    try:
        spec = portspec.load(args.spec) if args.spec else portspec.load_default()
        profile = spec.profile()
        if args.profile:
            profile.load(args.profile)
        for pair in args.set:
            key, sep, value = pair.partition("=")
            if not sep:
                parser.error(f"--set takes KEY=VALUE, not {pair!r}")
            profile.set(key.strip(), value.strip())
        policy = spec.policy(profile)
        text = policy.render(args.backend, mode=args.mode,
                             fragment=args.fragment is not None, name=args.fragment)
    except portspec.Error as e:
        print(f"render-site: {e}", file=sys.stderr)
        return 1
    for warning in policy.warnings:
        print(f"render-site: warning: {warning}", file=sys.stderr)
    if profile.uses_examples:
        print("render-site: warning: the addresses are the documentation examples; "
              "set appliance=, inside= (and cluster-peer=) for this site", file=sys.stderr)
    # The bytes exactly as rendered: netsh scripts use CRLF line ends.
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
