#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions of the audit per step, counted by callgrind: the same on every
# run and on any load, so that the growth with the ruleset's size can be read
# without noise.  For each size, one `portspec-audit-bench --once` over a
# generated IPv4 ruleset, an IPv6 one and both together, collecting only
# inside portspec_ruleset_load (read), portspec_audit_new and
# portspec_ruleset_trace.
#
#   bench/audit-instructions.sh AUDIT_BENCH PYTHON GEN_RULESET DIR SIZE...
set -eu

bench=$1
python=$2
gen=$3
dir=$4
shift 4
mkdir -p "$dir"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "| rules (per family) | families | read | audit | trace | read per rule | audit per rule |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for n in "$@"; do
	for fam in 4 6; do
		f="$dir/audit-$n.v$fam"
		[ -s "$f" ] || "$python" "$gen" --rules "$n" --family "$fam" --output "$f"
	done
	for set in 4 6 46; do
		case $set in
		4) files="iptables:$dir/audit-$n.v4"; label=IPv4 ;;
		6) files="ip6tables:$dir/audit-$n.v6"; label=IPv6 ;;
		*) files="iptables:$dir/audit-$n.v4 ip6tables:$dir/audit-$n.v6"; label=both ;;
		esac
		# shellcheck disable=SC2086
		valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
			--toggle-collect=portspec_ruleset_load --toggle-collect=portspec_audit_new \
			--toggle-collect=portspec_ruleset_trace \
			"$bench" --once $files >/dev/null 2>&1
		callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null |
			awk -v n="$n" -v s="$label" '
			function grab(name,   v) {
				if (index($0, name " [") || $0 ~ ("[ :]" name "$")) {
					v = $1
					gsub(",", "", v)
					if (v + 0 > got[name])
						got[name] = v + 0
				}
			}
			{
				grab("portspec_ruleset_load"); grab("portspec_audit_new")
				grab("portspec_ruleset_trace")
			}
			END {
				m = 1e6
				r = got["portspec_ruleset_load"]; a = got["portspec_audit_new"]
				rules = n * (s == "both" ? 2 : 1)
				printf "| %s | %s | %.1f M | %.1f M | %.2f M | %.0f | %.0f |\n", n, s,
				       r / m, a / m, got["portspec_ruleset_trace"] / m, r / rules,
				       a / rules
			}'
	done
done
