#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every benchmark of docs/performance.md and prints markdown: the
# instruction counts first (callgrind: the same on every run), then times.
#
#   bench/run.sh BENCH_EXE PYTHON GEN_SPEC SPECDIR [PORTSPEC_CLI]
#
# `ninja -C build bench` calls it with the right arguments.  Environment:
#   BENCH_SIZES   generated spec sizes (default "1000 10000 100000"); the
#                 built-in spec is always measured too
#   BENCH_QUICK=1 fewer repetitions, for a first look
#   BENCH_CALLGRIND=0 skip the instruction counts (they take about 25 minutes
#                 with the 100,000-service spec; valgrind is needed for them)
#   BENCH_PYTHONPATH  where the portspec Python package is built
#                 (BUILD/bindings/python); the binding rows need it
#   BENCH_NETNS=1 also run the packet-path lab (root; CONNRATE=path of connrate)
#   QUERY_BENCH, INDEX_SIZE  portspec-query-bench and portspec-index-size:
#                 the queries against the floor (bench/queries.sh)
#   AUDIT_BENCH, GEN_RULESET  portspec-audit-bench and bench/gen-ruleset.py:
#                 the audit of generated rulesets (AUDIT_SIZES, default
#                 "1000 2000 5000 10000"; with BENCH_CALLGRIND=1 also its
#                 instructions, bench/audit-instructions.sh)
set -eu

bench=$1
python=$2
gen=$3
specdir=$4
cli=${5:-}
here=$(dirname "$0")
sizes=${BENCH_SIZES:-1000 10000 100000}
reps=21
budget=1000
cmd_reps=11
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	reps=7
	budget=200
	cmd_reps=3
fi

mkdir -p "$specdir"
specs=default
for n in $sizes; do
	f="$specdir/bench-$n.portspec"
	[ -s "$f" ] || "$python" "$gen" --services "$n" --output "$f"
	specs="$specs $f"
done

"$bench" machine

if [ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	echo "# instructions per stage (callgrind)"
	echo
	# shellcheck disable=SC2086 # the list of specs
	"$here/instructions.sh" "$bench" all $specs
	echo
	if [ -n "$cli" ]; then
		echo "# instructions per command (callgrind)"
		echo
		# shellcheck disable=SC2086
		"$here/commands.sh" "$cli" $specs
		echo
	fi
fi

echo "# is_allowed"
echo
"$bench" query --reps "$reps"
for n in $sizes; do
	"$bench" query --reps "$reps" --spec "$specdir/bench-$n.portspec"
done

if [ -n "${QUERY_BENCH:-}" ]; then
	echo "# queries against the floor"
	echo
	qspecs=default
	for n in $sizes; do qspecs="$qspecs $specdir/bench-$n.portspec"; done
	# shellcheck disable=SC2086
	REPS=$reps "$(dirname "$0")/queries.sh" "$QUERY_BENCH" "$INDEX_SIZE" $qspecs
fi

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

if [ -n "$cli" ]; then
	echo "# portspec commands (whole process)"
	echo
	first=1
	for spec in $specs; do
		set --
		[ "$spec" = default ] || set -- --spec "$spec"
		for c in "list" "validate" "doc" "profile --format json" "explain 443" \
			"render --backend nft" "render --backend iptables"; do
			# shellcheck disable=SC2086 # the command's words
			"$bench" command --reps "$cmd_reps" -- "$cli" $c "$@" --quiet |
				if [ $first = 1 ]; then cat; else sed 1,2d; fi
			first=0
		done
		if [ "$spec" != default ]; then
			"$bench" command --reps "$cmd_reps" -- "$cli" fmt "$spec" | sed 1,2d
		fi
	done
	echo
fi

echo "# rule counts"
echo
"$bench" rules
for n in $sizes; do
	[ "$n" = 10000 ] && "$bench" rules --spec "$specdir/bench-$n.portspec"
done

pydir=${BENCH_PYTHONPATH:-}
if [ -n "$pydir" ] && [ -d "$pydir/portspec" ]; then
	echo "# Python binding"
	echo
	PYTHONPATH=$pydir "$python" "$here/py-overhead.py" --reps "$reps"
	echo
fi

if [ -n "${AUDIT_BENCH:-}" ] && [ -n "${GEN_RULESET:-}" ]; then
	echo "# audit of existing rulesets"
	echo
	audit_sizes=${AUDIT_SIZES:-1000 2000 5000 10000}
	echo "| rules | chains | read ms | audit ms | diff ms | trace ms | max RSS MiB |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
	for n in $audit_sizes; do
		for fam in 4 6; do
			f="$specdir/audit-$n.v$fam"
			[ -s "$f" ] || "$python" "$GEN_RULESET" --rules "$n" --family "$fam" --output "$f"
		done
		"$AUDIT_BENCH" --reps "$((reps / 4 + 1))" "iptables:$specdir/audit-$n.v4"
		"$AUDIT_BENCH" --reps "$((reps / 4 + 1))" "iptables:$specdir/audit-$n.v4" \
			"ip6tables:$specdir/audit-$n.v6"
	done
	echo
	if [ "${BENCH_CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		"$(dirname "$0")/audit-instructions.sh" "$AUDIT_BENCH" "$python" "$GEN_RULESET" \
			"$specdir" $audit_sizes
		echo
	fi
fi

if [ "${BENCH_NETNS:-0}" = 1 ] && [ -n "${CONNRATE:-}" ]; then
	echo "# packet path (netns lab)"
	echo
	"$here/netns-lab.sh" "$bench" "$CONNRATE" default \
		"$specdir/bench-10000.portspec" -- 3 5
	echo
fi
