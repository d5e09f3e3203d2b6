#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes the ABI baseline abi/NAME.abi from a built NAME.so (a normal
# `meson setup build` with gcc, debugoptimized: the baseline needs DWARF).
#
#   abi/update.sh build/libportspec/libportspec.so
#   abi/update.sh build/audit/libportspec-audit.so
set -eu
[ $# -eq 1 ] || { echo "usage: $0 LIBRARY" >&2; exit 2; }
srcdir=$(cd "$(dirname "$0")/.." && pwd)
out=$srcdir/abi/$(basename "$1" | sed 's/\.so.*$//').abi
abidw --headers-dir "$srcdir/include/portspec" --no-corpus-path --no-comp-dir-path \
	--out-file "$out" "$1"
echo "wrote $out"
