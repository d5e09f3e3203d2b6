#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every benchmark of docs/performance.md and prints markdown.
#
#   bench/run.sh BENCH_EXE PYTHON GEN_SPEC SPECDIR [PORTSPEC_CLI]
#
# `ninja -C build bench` calls it with the right arguments.  Environment:
#   BENCH_SIZES   generated spec sizes (default "1000 10000 100000")
#   BENCH_QUICK=1 fewer repetitions, for a first look
#   BENCH_PYTHONPATH  where the portspec Python package is built
#                 (BUILD/bindings/python); the binding rows need it
#   BENCH_CALLGRIND=1 also count instructions per stage (valgrind; minutes)
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
echo "# rule counts"
echo
"$bench" rules
for n in $sizes; do
	[ "$n" = 10000 ] && "$bench" rules --spec "$specdir/bench-$n.portspec"
done

# hyperfine's own summary is the mean; the median and quartiles come from
# its JSON export.
hyper() { # hyper RUNS WARMUP COMMAND
	out=$(mktemp)
	hyperfine -N --style none --warmup "$2" --runs "$1" --export-json "$out" "$3" >/dev/null 2>&1
	"$python" - "$out" <<-'EOF'
	import json, statistics, sys
	r = json.load(open(sys.argv[1]))["results"][0]
	t = sorted(x * 1e3 for x in r["times"])
	q = statistics.quantiles(t, n=4, method="inclusive")
	print("| `%s` | %.2f ms | %.2f..%.2f ms | %.2f..%.2f ms | %.2f ms | %.2f ms | %d |" % (
	    r["command"].split("/")[-1], statistics.median(t), q[0], q[2], t[0], t[-1],
	    r["user"] * 1e3, r["system"] * 1e3, len(t)))
	EOF
	rm -f "$out"
}

if [ -n "$cli" ] && command -v hyperfine >/dev/null 2>&1; then
	echo "# portspec render --backend nft (hyperfine)"
	echo
	echo "| command | median | IQR | min..max | user (mean) | system (mean) | runs |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	hyper 200 10 "$cli render --backend nft"
	for n in $sizes; do
		[ "$n" = 10000 ] || continue
		hyper 30 3 "$cli render --backend nft --spec $specdir/bench-$n.portspec"
	done
	echo
fi

pydir=${BENCH_PYTHONPATH:-}
if [ -n "$pydir" ] && [ -d "$pydir/portspec" ]; then
	echo "# Python binding"
	echo
	PYTHONPATH=$pydir "$python" "$(dirname "$gen")/py-overhead.py" --reps "$reps"
	echo
fi

if [ "${BENCH_CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	echo "# instructions per stage (callgrind)"
	echo
	specs=default
	for n in $sizes; do specs="$specs $specdir/bench-$n.portspec"; done
	# shellcheck disable=SC2086
	"$(dirname "$0")/instructions.sh" "$bench" nft $specs
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
	"$(dirname "$0")/netns-lab.sh" "$bench" "$CONNRATE" default \
		"$specdir/bench-10000.portspec" -- 3 5
	echo
fi
