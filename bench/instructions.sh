#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions executed per stage, counted by callgrind: the same on every run
# and on any load, so growth with the spec size can be read without noise.
#
#   bench/instructions.sh BENCH_EXE [BACKEND...] SPEC...    (SPEC "default": built-in)
#
# BACKEND: names (nft, iptables, ...) or "all" for every backend; default nft.
# Each stage is one `portspec-bench once --stage S` process; a stage's cost is
# the difference to the stage before it (exec is process start-up and exit,
# parse includes reading the file, render writes to /dev/null).  Prints two
# tables: the stages with parse instructions per byte of spec text, then each
# backend's render; both with the growth per ten times the services between
# consecutive specs of 100 services or more (the built-in spec is too small
# for a growth to mean anything).
set -eu

bench=$1
shift
backends=
while [ $# -gt 0 ]; do
	case $1 in
	*.portspec | default) break ;;
	all) backends="$backends $("$bench" backends | tr '\n' ' ')" ;;
	*) backends="$backends $1" ;;
	esac
	shift
done
[ -n "$backends" ] || backends=nft

count() { # count STAGE BACKEND SPECARGS...: instructions, or "error" when the stage failed
	stage=$1 backend=$2
	shift 2
	if log=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bench" once --stage "$stage" --backend "$backend" "$@" 2>&1 >/dev/null); then
		printf '%s\n' "$log" | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
	else
		printf '%s\n' "$log" | grep -v '^==' >&2 || true
		echo error
	fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
col=0
for spec in "$@"; do
	col=$((col + 1))
	if [ "$spec" = default ]; then
		set --
		name=built-in bytes=$("$bench" default-bytes) services=$("$bench" default-services)
	else
		set -- --spec "$spec"
		name=$(basename "$spec" .portspec) bytes=$(wc -c <"$spec")
		services=$(grep -c '^service ' "$spec" || true)
	fi
	e=$(count exec nft "$@")
	p=$(count parse nft "$@")
	c=$(count compile nft "$@")
	echo "stage $col $name $bytes $e $p $c $services" >>"$out"
	for b in $backends; do
		echo "render $col $b $(count render "$b" "$@")" >>"$out"
	done
done

awk '
function m(x) { return x == "error" ? "error" : sprintf("%.2f M", x / 1e6) }
# growth per ten times the services from spec i-1 to spec i
function growth(a, b, i) {
	if (sv[i - 1] < 100 || a == "error" || b == "error" || a <= 0 || b <= 0) return ""
	return sprintf("×%.1f", exp(log(b / a) * log(10) / log(sv[i] / sv[i - 1])))
}
function join(acc, x) { return x == "" ? acc : (acc == "" ? x : acc ", " x) }
$1 == "stage" { n++; name[n] = $3; bytes[n] = $4; e[n] = $5; p[n] = $6 - $5; c[n] = $7 - $6; comp[n] = $7; sv[n] = $8 }
$1 == "render" { r[$2, $3] = $4 == "error" ? "error" : $4 - comp[$2]; if (!($3 in seen)) { seen[$3] = 1; order[++nb] = $3 } }
END {
	print "| spec | services | bytes | exec | parse | parse per byte | compile |"
	print "|---|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++)
		printf "| %s | %d | %d | %s | %s | %.1f | %s |\n", name[i], sv[i], bytes[i], m(e[i]),
		       m(p[i]), bytes[i] ? p[i] / bytes[i] : 0, m(c[i])
	gp = gc = ""
	for (i = 2; i <= n; i++) {
		gp = join(gp, growth(p[i - 1], p[i], i))
		gc = join(gc, growth(c[i - 1], c[i], i))
	}
	printf "| growth per 10× services | | | | %s | | %s |\n\n", gp, gc
	printf "| render |"
	for (i = 1; i <= n; i++) printf " %s |", name[i]
	print " growth per 10× services |"
	printf "|---|"
	for (i = 1; i <= n; i++) printf "---:|"
	print "---|"
	for (k = 1; k <= nb; k++) {
		b = order[k]
		printf "| %s |", b
		g = ""
		for (i = 1; i <= n; i++) {
			printf " %s |", m(r[i, b])
			if (i > 1) g = join(g, growth(r[i - 1, b], r[i, b], i))
		}
		print " " g " |"
	}
}' "$out"
