#!/bin/sh
# SPDX-License-Identifier: MIT
# Compares a built library with its committed ABI baseline: abi/NAME.abi for
# NAME.so (libportspec, libportspec-audit).
#
#   abi/check.sh BUILD/libportspec/libportspec.so
#   abi/check.sh BUILD/audit/libportspec-audit.so
#
# Any difference fails: an incompatible one must not ship; an addition is
# fine but needs abi_current bumped in meson.build (audit/meson.build for
# libportspec-audit) and a new baseline
# (abi/update.sh), reviewed as a diff.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 LIBRARY" >&2; exit 2; }
lib=$1
srcdir=$(cd "$(dirname "$0")/.." && pwd)
baseline=$srcdir/abi/$(basename "$lib" | sed 's/\.so.*$//').abi
set +e
abidiff --headers-dir2 "$srcdir/include/portspec" --no-show-locs \
	"$baseline" "$lib"
rc=$?
set -e
if [ $rc -eq 0 ]; then
	echo "ABI of $lib matches $baseline"
	exit 0
fi
if [ $((rc & 8)) -ne 0 ]; then
	echo "INCOMPATIBLE ABI change against $baseline (abidiff exit $rc)" >&2
elif [ $((rc & 4)) -ne 0 ]; then
	echo "ABI changed compatibly against $baseline (abidiff exit $rc): bump abi_current" \
		"(meson.build, audit/meson.build) and run abi/update.sh $lib" >&2
else
	echo "abidiff failed (exit $rc)" >&2
fi
exit 1
