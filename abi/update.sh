#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes the ABI baseline abi/libportspec.abi from a built library (a normal
# `meson setup build` with gcc, debugoptimized: the baseline needs DWARF).
#
#   abi/update.sh build/libportspec/libportspec.so
set -eu
[ $# -eq 1 ] || { echo "usage: $0 LIBRARY" >&2; exit 2; }
srcdir=$(cd "$(dirname "$0")/.." && pwd)
abidw --headers-dir "$srcdir/include/portspec" --no-corpus-path --no-comp-dir-path \
	--out-file "$srcdir/abi/libportspec.abi" "$1"
echo "wrote $srcdir/abi/libportspec.abi"
