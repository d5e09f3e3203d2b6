#!/bin/sh
# SPDX-License-Identifier: MIT
# Instructions each `portspec` command executes, counted by callgrind, on
# specs of growing size: the same on every run and on any load.
#
#   bench/commands.sh PORTSPEC_CLI SPEC...        (SPEC "default": built-in)
#
# Prints, per command, millions of instructions on each spec, the growth per
# ten times the services between consecutive specs of 100 services or more
# (linear is ×10), and the ratio to `portspec list` on the largest spec.
# Environment: BENCH_COMMANDS, a newline-separated list of commands to run
# instead of the default list ("@SERVICE" stands for the spec's first service);
# BENCH_CALLGRIND_TIMEOUT, seconds a command may run under callgrind (default
# 900; a command that grows faster than linearly can take hours at 100,000
# services), after which its cell says "timeout".
set -eu

here=$(dirname "$0")
cli=$1
shift

commands=${BENCH_COMMANDS:-"list
validate
fmt
doc
doc --format json
doc --format csv
doc --format dot
explain @SERVICE
explain 443
explain 443 --zone outside --direction inbound
profile
profile --format json
plan
check --zone outside --direction inbound --proto tcp --port 443
cluster
required
render --backend iptables
render --backend ip6tables
render --backend nft
render --backend pf --mode gateway
render --backend powershell"}

count() { # count ARGS...: instructions, "timeout", or "error" when the command failed (exit > 1)
	status=0
	log=$(timeout "${BENCH_CALLGRIND_TIMEOUT:-900}" \
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$cli" "$@" 2>&1 >/dev/null) ||
		status=$?
	if [ "$status" = 124 ]; then
		echo timeout
	elif [ "$status" -gt 1 ]; then
		printf '%s: %s\n' "$*" "$(printf '%s\n' "$log" | grep -v '^==' | head -n 1)" >&2
		echo error
	else
		printf '%s\n' "$log" | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
	fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
col=0
for spec in "$@"; do
	col=$((col + 1))
	if [ "$spec" = default ]; then
		name=built-in text=$("$cli" fmt)
	else
		name=$(basename "$spec" .portspec) text=$(cat "$spec")
	fi
	services=$(printf '%s\n' "$text" | grep -c '^service ' || true)
	first=$(printf '%s\n' "$text" | sed -n 's/^service \([^ ]*\) .*/\1/p' | head -n 1)
	echo "spec $col $name $services" >>"$out"
	printf '%s\n' "$commands" | while IFS= read -r c; do
		[ -n "$c" ] || continue
		# shellcheck disable=SC2046 # the command's words
		set -- $(printf '%s' "$c" | sed "s/@SERVICE/$first/")
		if [ "$spec" = default ]; then
			n=$(count "$@")
		elif [ "$1" = fmt ]; then
			n=$(count "$@" "$spec")
		else
			n=$(count "$@" --spec "$spec" --quiet)
		fi
		printf 'cmd %s\t%s\t%s\n' "$col" "$c" "$n" >>"$out"
	done
done

awk -F '\t' -f "$here/growth.awk" -f "$here/commands.awk" "$out"
