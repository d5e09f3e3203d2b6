#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions executed per stage, counted by callgrind: the same on every run
# and on any load, so growth with the spec size can be read without noise.
#
#   bench/instructions.sh BENCH_EXE [BACKEND...] SPEC...    (SPEC "default": built-in)
#
# BACKEND: names (nft, iptables, ...) or "all" for every backend; default nft.
# A backend that refuses the policy in host mode is counted in gateway mode,
# in a row named BACKEND/gateway.
# Each stage is one `portspec-bench once --stage S` process; a stage's cost is
# the difference to the stage before it (exec is process start-up and exit,
# parse includes reading the file, render writes to /dev/null).  Prints two
# tables: the stages with parse instructions per byte of spec text, then each
# backend's render; both with the growth per ten times the services between
# consecutive specs of 100 services or more (the built-in spec is too small
# for a growth to mean anything).
set -eu

here=$(dirname "$0")
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
		n=$(count render "$b" "$@")
		# A backend that refuses the policy in host mode (pf with an ftp
		# helper) is counted as a router's, and says so.
		if [ "$n" = error ] && m=$(count render "$b" "$@" --mode gateway 2>/dev/null) &&
			[ "$m" != error ]; then
			echo "render $col $b/gateway $m" >>"$out"
		else
			echo "render $col $b $n" >>"$out"
		fi
	done
done

awk -f "$here/growth.awk" -f "$here/stages.awk" "$out"
