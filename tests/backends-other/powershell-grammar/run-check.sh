#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs check.cjs over every .ps1 file in the folder given ($1), and over the
# PowerShell commands of every .cmd file there.
# Exit 77 (skip) when node or the grammar is not installed, unless CI=true:
# then it installs the grammar (install.sh, npm) or fails.
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: run-check.sh GOLDEN_DIR}
missing=
command -v node >/dev/null 2>&1 || missing="node is not installed"
if [ -z "$missing" ] && [ ! -d "$here/node_modules/web-tree-sitter" ]; then
	# CI must not skip: install the pinned grammar on the spot.
	if [ "${CI:-}" = "true" ] && command -v npm >/dev/null 2>&1; then
		"$here/install.sh" >&2 || true
	fi
	[ -d "$here/node_modules/web-tree-sitter" ] ||
		missing="the grammar is not installed: run $here/install.sh"
fi
if [ -n "$missing" ]; then
	if [ "${CI:-}" = "true" ]; then
		echo "powershell-grammar: $missing" >&2
		exit 1
	fi
	echo "powershell-grammar: skipped: $missing"
	exit 77
fi
set -- "$dir"/*.ps1
[ -e "$1" ] || { echo "no .ps1 files in $dir" >&2; exit 1; }
for f in "$dir"/*.cmd; do
	[ -e "$f" ] && set -- "$@" "$f"
done
# V8 compiles the grammar's WebAssembly a second time, optimised, in the
# background and waits for that at exit (over a minute on a busy machine);
# the baseline compiler alone parses these files in milliseconds.
flags=
node --liftoff-only -e 0 >/dev/null 2>&1 && flags=--liftoff-only
exec node $flags "$here/check.cjs" "$@"
