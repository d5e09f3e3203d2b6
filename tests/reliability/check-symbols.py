#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The library exports exactly what the version script lists, and the version
script lists exactly what the public headers declare with PORTSPEC_EXPORT
(PORTSPEC_AUDIT_EXPORT in audit.h, for libportspec-audit).

usage: check-symbols.py LIBRARY MAPFILE HEADER...
"""
import re
import subprocess
import sys


def map_symbols(path):
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    text = re.sub(r'#[^\n]*', '', text)
    syms = set()
    for m in re.finditer(r'global\s*:(.*?)(?:local\s*:|\})', text, re.S):
        for name in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)\s*;', m.group(1)):
            syms.add(name)
    return syms


def exported_symbols(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2].split('@')[0]
        if kind in ('A',):  # version nodes
            continue
        syms.add(name)
    return syms


def header_symbols(paths):
    syms = set()
    for p in paths:
        text = open(p, encoding='utf-8').read()
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        for m in re.finditer(r'PORTSPEC_(?:AUDIT_)?EXPORT\b([^;{]*?)\b(portspec_\w+)\s*\(', text):
            syms.add(m.group(2))
    return syms


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    lib, mapfile, headers = sys.argv[1], sys.argv[2], sys.argv[3:]
    mapped = map_symbols(mapfile)
    exported = exported_symbols(lib)
    declared = header_symbols(headers)
    ok = True

    def diff(a, an, b, bn):
        nonlocal ok
        extra = sorted(a - b)
        if extra:
            ok = False
            print(f'in {an} but not in {bn}:')
            for s in extra:
                print(f'  {s}')

    diff(exported, 'the library (nm -D)', mapped, 'the version script')
    diff(mapped, 'the version script', exported, 'the library')
    diff(declared, 'the headers', mapped, 'the version script')
    diff(mapped, 'the version script', declared, 'the headers')
    bad = sorted(s for s in exported if not s.startswith('portspec_'))
    if bad:
        ok = False
        print('exported without the portspec_ prefix: ' + ', '.join(bad))
    print(f'{len(exported)} exported, {len(mapped)} in the map, {len(declared)} declared')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
