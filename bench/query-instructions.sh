#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions per query call, counted by callgrind: the same on every run
# and on any load.  For each spec and mix, one run of
# `portspec-query-bench count --kind all` makes CALLS calls of the floor,
# portspec_is_allowed_zone, portspec_is_allowed (by name) and
# portspec_plan_check (host mode), collecting only inside those functions
# (and what they call); each figure is a function's inclusive count divided
# by its calls.  The bench calls the library through its PLT entries, which
# are not counted.
#
#   bench/query-instructions.sh QUERY_BENCH_EXE SPEC...   (SPEC "default": built-in)
#
# Environment: CALLS (default 200000).
set -eu

bench=$1
shift
calls=${CALLS:-200000}
out=$(mktemp)
trap 'rm -f "$out" "$out.log"' EXIT

echo "| spec | mix | floor | \`is_allowed_zone\` | \`is_allowed\` (by name) | \`plan_check\` (address) | address / floor |"
echo "|---|---|---:|---:|---:|---:|---:|"
for spec in "$@"; do
	if [ "$spec" = default ]; then
		set --
	else
		set -- --spec "$spec"
	fi
	for mix in hits random adversarial; do
		valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
			--toggle-collect=floor_lookup --toggle-collect=portspec_is_allowed_zone \
			--toggle-collect=portspec_is_allowed --toggle-collect=portspec_plan_check \
			"$bench" count --kind all --mix "$mix" --calls "$calls" "$@" \
			>"$out.log" 2>/dev/null
		callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
			awk -v s="$(basename "$spec")" -v m="$mix" -v calls_file="$out.log" '
			# a function inlines code of other files, which callgrind lists
			# as lines of their own: the largest line is the inclusive total
			function keep(k, v) { if (v + 0 > ir[k] + 0) ir[k] = v }
			BEGIN {
				while ((getline line < calls_file) > 0) {
					split(line, w, " ")
					calls[w[1]] = w[2]
				}
			}
			{
				gsub(",", "", $1)
				if ($0 ~ /:floor_lookup( |$)/) keep("floor", $1)
				else if ($0 ~ /:portspec_is_allowed_zone( |$)/) keep("zone", $1)
				else if ($0 ~ /:portspec_is_allowed( |$)/) keep("name", $1)
				else if ($0 ~ /:portspec_plan_check( |$)/) keep("address", $1)
			}
			END {
				f = ir["floor"] / calls["floor"]
				a = ir["address"] / calls["address"]
				printf "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f× |\n", s, m, f,
				       ir["zone"] / calls["zone"], ir["name"] / calls["name"], a, a / f
			}'
	done
done
