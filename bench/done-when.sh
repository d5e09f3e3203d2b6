#!/bin/sh
# SPDX-License-Identifier: MIT
# The performance targets of docs/performance.md ("Summary"), measured in
# one run and printed as markdown, each with its target and whether this run
# met it:
#
#   * queries against the one-lookup floor (bench/query-bench.c), zone query
#     by handle and by name, address query (portspec_plan_check) in host and
#     gateway mode, on the built-in spec and on 10,000 and 100,000 services:
#     ratio <= 4x, zero allocations;
#   * the memory the query index adds per policy (portspec-index-size);
#   * parse instructions per byte of spec <= 25 at 10,000 and 100,000
#     services, and render instructions per 10x services <= x10.5 for every
#     backend (callgrind, bench/instructions.sh over 1,000, 10,000 and
#     100,000 services);
#   * the whole `portspec render` of 100,000 services <= 150 ms of CPU
#     (median of REPS runs, with the spread), on the machine printed first.
#
#   bench/done-when.sh BENCH QUERY_BENCH INDEX_SIZE PORTSPEC PYTHON GEN_SPEC SPECDIR
#
# `ninja -C build bench-targets` calls it.  Environment: REPS (timed runs,
# default 21), BENCH_CALLGRIND=0 skips the instruction counts (they take
# about 20 minutes; valgrind is needed).
set -eu

bench=$1 qb=$2 isz=$3 cli=$4 python=$5 gen=$6 specdir=$7
here=$(dirname "$0")
reps=${REPS:-21}

mkdir -p "$specdir"
for n in 1000 10000 100000; do
	f="$specdir/bench-$n.portspec"
	[ -s "$f" ] || "$python" "$gen" --services "$n" --output "$f"
done
s10k="$specdir/bench-10000.portspec"
s100k="$specdir/bench-100000.portspec"

echo "# Performance targets, one run"
echo
echo "## Machine"
echo
model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "- CPU (lscpu): ${model:-unknown}, $(nproc) logical CPUs"
echo "- kernel: $(uname -sr)"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" machine | sed -n 's/^- \(compiler\|build type\|libportspec\)/- \1/p'
echo

# ---- queries ----
out=$(mktemp)
trap 'rm -f "$out" "$out".*' EXIT
col=0
for spec in default "$s10k" "$s100k"; do
	col=$((col + 1))
	set --
	[ "$spec" = default ] || set -- --spec "$spec"
	for mode in host gateway; do
		"$qb" run --reps "$reps" --mode "$mode" "$@" |
			awk -F'|' -v col=$col -v mode=$mode '
			/^\| `/ {
				q = $2; gsub(/^ +| +$/, "", q)
				if (mode == "gateway" && q !~ /plan_check/) next
				if (mode == "gateway") q = q ", gateway mode"
				mix = $3; gsub(/ /, "", mix)
				r = $7; gsub(/[ *×]/, "", r)
				iqr = $8; gsub(/[ ×]/, "", iqr)
				a = $9; gsub(/ /, "", a)
				print q "\t" mix "\t" col "\t" r "\t" iqr "\t" a
			}' >>"$out"
	done
done
echo "## Queries: ratio to the floor (target ≤ 4×, zero allocations)"
echo
echo "Median of $reps paired runs (IQR); \`portspec-query-bench run --reps $reps [--mode gateway] [--spec F]\`."
echo
echo "| query | mix | built-in ($("$bench" default-services) services) | 10,000 services | 100,000 services | allocations | ≤ 4× at every size |"
echo "|---|---|---:|---:|---:|---:|---|"
awk -F'\t' '
	{
		k = $1 "\t" $2
		if (!(k in seen)) { seen[k] = 1; order[++n] = k }
		r[k, $3] = $4; iqr[k, $3] = $5; alloc[k] += $6
		if ($4 + 0 > worst[k] + 0) worst[k] = $4
	}
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, w, "\t")
			printf "| %s | %s |", w[1], w[2]
			for (c = 1; c <= 3; c++) printf " %s× (%s) |", r[k, c], iqr[k, c]
			printf " %d | %s |\n", alloc[k], worst[k] <= 4 ? "met" : "not met"
		}
	}' "$out"
echo
echo "## Memory the query index adds per policy"
echo
"$isz" default "$s10k" "$s100k"
echo

# ---- instructions ----
if [ "${BENCH_CALLGRIND:-1}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	echo "## Instructions (callgrind): parse per byte (target ≤ 25 at 10,000 and 100,000), render growth per 10× services (target ≤ ×10.5, every backend)"
	echo
	echo "\`bench/instructions.sh BENCH all default bench-1000 bench-10000 bench-100000\`"
	echo
	"$here/instructions.sh" "$bench" all default "$specdir/bench-1000.portspec" "$s10k" \
		"$s100k" >"$out.ins"
	cat "$out.ins"
	echo
	awk -F'|' '
		/^\| bench-10000 \||^\| bench-100000 \|/ {
			s = $2; gsub(/ /, "", s); v = $7 + 0
			printf "- parse per byte, %s: %.1f: %s\n", s, v, v <= 25 ? "met" : "not met"
		}
		/^\| render \|/ { render = 1; next }
		render && /^\| [a-z]/ {
			b = $2; gsub(/ /, "", b); g = $(NF - 1); worst = 0
			n = split(g, x, ",")
			for (i = 1; i <= n; i++) { v = x[i]; gsub(/[ ×]/, "", v); if (v + 0 > worst) worst = v + 0 }
			counted = g ~ /×/ && $0 !~ /error|timeout/
			printf "- render %s: %s per 10× services: %s\n", b, counted ? g : "(no count at every size)",
			       counted && worst <= 10.5 ? "met" : "not met"
		}' "$out.ins"
	echo
fi

# ---- the whole render ----
echo "## Whole \`portspec render\` of 100,000 services (target ≤ 150 ms)"
echo
echo "\`portspec-bench command --reps $reps -- portspec render --backend nft --spec bench-100000.portspec -q\`, after 3 warm-up runs; CPU time of the child (wait4)."
echo
"$bench" command --reps "$reps" -- "$cli" render --backend nft --spec "$s100k" -q | tee "$out.cmd"
echo
awk -F'|' '/render/ { v = $6; gsub(/[ ms]/, "", v); printf "- CPU median %s ms: %s\n", v, v + 0 <= 150 ? "met" : "not met" }' "$out.cmd"
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
