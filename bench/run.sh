#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every benchmark of docs/performance.md and prints markdown.
#
#   bench/run.sh BENCH_EXE PYTHON GEN_SPEC SPECDIR [PORTSPEC_CLI]
#
# `ninja -C build bench` calls it with the right arguments.  Environment:
#   BENCH_SIZES   generated spec sizes (default "1000 10000 100000")
#   BENCH_QUICK=1 fewer repetitions, for a first look
set -eu

bench=$1
python=$2
gen=$3
specdir=$4
cli=${5:-}
sizes=${BENCH_SIZES:-1000 10000 100000}
reps=21
budget=1000
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	reps=7
	budget=200
fi

mkdir -p "$specdir"
for n in $sizes; do
	f="$specdir/bench-$n.portspec"
	[ -s "$f" ] || "$python" "$gen" --services "$n" --output "$f"
done

"$bench" machine

echo "# is_allowed"
echo
"$bench" query --reps "$reps"
for n in $sizes; do
	"$bench" query --reps "$reps" --spec "$specdir/bench-$n.portspec"
done

echo "# parse, compile, render (in process)"
echo
"$bench" pipeline --budget-ms "$budget"
for n in $sizes; do
	"$bench" pipeline --budget-ms "$budget" --spec "$specdir/bench-$n.portspec"
done

echo "# whole process"
echo
"$bench" process --stage exec --reps "$reps" | sed -n 1,2p
for stage in exec parse compile render; do
	"$bench" process --stage "$stage" --reps "$reps" | sed 1,2d
done
for n in $sizes; do
	for stage in parse compile render; do
		"$bench" process --stage "$stage" --reps "$reps" \
			--spec "$specdir/bench-$n.portspec" | sed 1,2d
	done
done

echo
echo "# rule counts"
echo
"$bench" rules
for n in $sizes; do
	[ "$n" = 10000 ] && "$bench" rules --spec "$specdir/bench-$n.portspec"
done

if [ -n "$cli" ] && command -v hyperfine >/dev/null 2>&1; then
	echo "# portspec render --backend nft (hyperfine)"
	echo
	out=$(mktemp)
	hyperfine -N --warmup 10 --runs 200 --export-markdown "$out" \
		"$cli render --backend nft" >/dev/null
	cat "$out"
	for n in $sizes; do
		[ "$n" = 10000 ] || continue
		hyperfine -N --warmup 3 --runs 30 --export-markdown "$out" \
			"$cli render --backend nft --spec $specdir/bench-$n.portspec" >/dev/null
		sed 1,2d "$out"
	done
	rm -f "$out"
	echo
fi
