#!/bin/sh
# SPDX-License-Identifier: MIT
# The query tables of docs/performance.md ("Queries against the floor"):
# ns per call and ratio to the floor for each spec, both modes of the
# address query, the index's memory, and with BENCH_CALLGRIND=1 the
# instructions per call.
#
#   bench/queries.sh QUERY_BENCH INDEX_SIZE [SPEC...]   (SPEC "default": built-in)
#
# Environment: REPS (timed runs per row, default 21), BENCH_CALLGRIND=1.
set -eu

qb=$1
isz=$2
shift 2
[ $# -gt 0 ] || set -- default
reps=${REPS:-21}

for spec in "$@"; do
	if [ "$spec" = default ]; then
		"$qb" run --reps "$reps"
		"$qb" run --reps "$reps" --mode gateway | grep plan_check
	else
		"$qb" run --reps "$reps" --spec "$spec"
		"$qb" run --reps "$reps" --spec "$spec" --mode gateway | grep plan_check
	fi
	echo
done

echo "## Memory of the index"
echo
"$isz" "$@"
echo

if [ "${BENCH_CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	echo "## Instructions per call (callgrind)"
	echo
	"$(dirname "$0")/query-instructions.sh" "$qb" "$@"
	echo
fi
