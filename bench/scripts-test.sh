#!/bin/sh
# SPDX-License-Identifier: MIT
# The instruction-count scripts work: instructions.sh and commands.sh print a
# row per stage or command with a count for each spec, no failed command, and
# a growth figure.  Not a measurement: nothing here depends on the numbers.
#
#   bench/scripts-test.sh BENCH_EXE PORTSPEC_CLI SPEC_100 SPEC_1000
set -eu

here=$(dirname "$0")
bench=$1 cli=$2 small=$3 big=$4
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
command -v valgrind >/dev/null || fail "valgrind is not installed (.ci/deps.txt has it)"

out=$("$here/instructions.sh" "$bench" nft csv default "$small" "$big") ||
	fail "instructions.sh exited with status $?"
printf '%s\n' "$out"
rows=$(printf '%s\n' "$out" | grep -c '^| \(built-in\|bench-[0-9]*\) |' || true)
[ "$rows" = 3 ] || fail "instructions.sh: $rows stage rows, wanted 3"
printf '%s\n' "$out" | grep -q '^| growth per 10× services | | | | ×[0-9]' ||
	fail "instructions.sh: no growth for parse"
for b in nft csv; do
	printf '%s\n' "$out" | grep -q "^| $b | [0-9.]* M | [0-9.]* M | [0-9.]* M | ×[0-9]" ||
		fail "instructions.sh: no render row for $b"
done

out=$(BENCH_COMMANDS="list
validate
explain @SERVICE
fmt" "$here/commands.sh" "$cli" default "$small" "$big") ||
	fail "commands.sh exited with status $?"
printf '%s\n' "$out"
for c in list validate 'explain @SERVICE' fmt; do
	printf '%s\n' "$out" |
		grep -q "^| \`$c\` | [0-9.]* M | [0-9.]* M | [0-9.]* M | ×[0-9.]* | [0-9.]* |" ||
		fail "commands.sh: no complete row for $c"
done
if printf '%s\n' "$out" | grep -q 'error'; then
	fail "commands.sh: a command failed"
fi
echo ok
