#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions executed per stage, counted by callgrind: the same on every run
# and on any load, so growth with the spec size can be read without noise.
#
#   bench/instructions.sh BENCH_EXE [BACKEND] SPEC...     (SPEC "default": built-in)
#
# Each stage is one `portspec-bench once --stage S` process; a stage's cost is
# the difference to the stage before it (exec is process start-up and exit,
# parse includes reading the file, render writes to /dev/null).
set -eu

bench=$1
shift
backend=nft
case ${1:-} in
*.portspec | default) ;;
*) backend=$1; shift ;;
esac

count() { # count STAGE SPECARGS...
	stage=$1
	shift
	valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$bench" once --stage "$stage" --backend "$backend" "$@" 2>&1 >/dev/null |
		sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

echo "| spec | exec | parse | compile | render $backend | parse per byte |"
echo "|---|---:|---:|---:|---:|---:|"
for spec in "$@"; do
	if [ "$spec" = default ]; then
		set --
		bytes=0
	else
		set -- --spec "$spec"
		bytes=$(wc -c <"$spec")
	fi
	e=$(count exec "$@")
	p=$(count parse "$@")
	c=$(count compile "$@")
	r=$(count render "$@")
	awk -v s="$(basename "$spec")" -v e="$e" -v p="$p" -v c="$c" -v r="$r" -v b="$bytes" 'BEGIN {
		m = 1e6
		printf "| %s | %.2f M | %.2f M | %.2f M | %.2f M | %s |\n", s, e / m, (p - e) / m,
		       (c - p) / m, (r - c) / m, b ? sprintf("%.0f", (p - e) / b) : "-"
	}'
done
