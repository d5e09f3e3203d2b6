#!/bin/bash
# SPDX-License-Identifier: MIT
# portspec render -o FILE: the file appears whole on success, and a failed
# render leaves neither a file nor a temporary one (an existing file stays).
# Usage: render-output.sh PORTSPEC_EXE
set -u
portspec=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for backend in iptables ip6tables nft; do
	"$portspec" render --backend "$backend" > "$dir/stdout" 2>/dev/null ||
		fail "$backend: render to stdout failed"
	"$portspec" render --backend "$backend" -o "$dir/out.$backend" 2>/dev/null ||
		fail "$backend: render -o failed"
	cmp -s "$dir/stdout" "$dir/out.$backend" || fail "$backend: -o and stdout differ"
done

# Failures: an nft keyword as the name, an unknown backend, a bad profile value.
for args in "--backend nft --name accept" "--backend nosuch" "--backend iptables --set role=king"; do
	# shellcheck disable=SC2086
	if "$portspec" render $args -o "$dir/failed" 2>/dev/null; then
		fail "render $args succeeded"
	fi
	[ -e "$dir/failed" ] && fail "render $args left $dir/failed"
	echo previous > "$dir/kept"
	# shellcheck disable=SC2086
	"$portspec" render $args -o "$dir/kept" 2>/dev/null
	[ "$(cat "$dir/kept")" = previous ] || fail "render $args changed an existing file"
done
leftover=$(find "$dir" -name '*.??????' | head -1)
[ -z "$leftover" ] || fail "temporary file left behind: $leftover"

[ "$failures" = 0 ] && echo "ok"
[ "$failures" = 0 ]
