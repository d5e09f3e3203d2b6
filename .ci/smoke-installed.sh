#!/bin/sh
# SPDX-License-Identifier: MIT
# Smoke test of an installed libportspec, as a user runs it: no
# LD_LIBRARY_PATH, PKG_CONFIG_PATH or PYTHONPATH.  Run by .ci/packaging.sh in
# a throwaway root after `dpkg -i` (PREFIX /usr) or `meson install` (/usr/local).
#
#   .ci/smoke-installed.sh PREFIX SRCDIR
#
# The CLI renders the built-in rules (compared with the golden file); the
# example program of libportspec(3) builds with plain pkg-config and runs;
# Debian's python3 and lua5.4 load the modules installed under PREFIX.
set -eu
prefix=$1
srcdir=$2
PATH="$prefix/bin:/usr/bin:/bin"
export PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "smoke-installed: FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok - $*"; }
passed=0

cli=$(command -v portspec) || fail "portspec is not on PATH"
[ "$cli" = "$prefix/bin/portspec" ] || fail "portspec is $cli, not under $prefix"
lib=$(ldd "$cli" | sed -n 's/^[[:space:]]*libportspec\.so\.[0-9][0-9]* => \([^ ]*\) .*/\1/p')
case $(readlink -f "$lib") in
"$prefix"/lib/*) ;;
*) fail "$cli loads libportspec.so from '$lib', not from $prefix/lib" ;;
esac
portspec render --backend iptables >"$tmp/rules" 2>"$tmp/stderr" || fail "portspec render: $(cat "$tmp/stderr")"
cmp -s "$tmp/rules" "$srcdir/tests/backends-linux/golden/iptables-host-complete.rules" ||
	fail "portspec render --backend iptables differs from tests/backends-linux/golden/iptables-host-complete.rules"
ok "the installed CLI renders the built-in iptables rules"

set -- "$prefix"/share/man/man1/portspec.1* "$prefix"/share/man/man5/portspec.5* \
	"$prefix"/share/man/man5/portspec-profile.5* "$prefix"/share/man/man3/libportspec.3*
for page; do [ -f "$page" ] || fail "manual $page is missing"; done
bash -c ". '$prefix/share/bash-completion/completions/portspec' && complete -p portspec" >/dev/null ||
	fail "the bash completion does not register for portspec"
ok "manuals and bash completion are installed"

# The EXAMPLE of libportspec(3), with scdoc's escapes undone.
sed -n '/^# EXAMPLE/,/^# /p' "$srcdir/docs/libportspec.3.scd" |
	awk '/^```/ { n++; next } n == 1' | sed 's/\\\\/\\/g' >"$tmp/example.c"
grep -q 'int main' "$tmp/example.c" || fail "no example program found in docs/libportspec.3.scd"
# shellcheck disable=SC2046 # pkg-config prints several words
cc -Wall -Werror -o "$tmp/example" "$tmp/example.c" $(pkg-config --cflags --libs libportspec) ||
	fail "the example of libportspec(3) does not build with pkg-config"
out=$("$tmp/example") || fail "the example of libportspec(3) failed: $out"
[ "$out" = "tcp/22 from outside: denied" ] || fail "the example printed '$out'"
ok "a C program builds with plain pkg-config and runs"

out=$(cd "$tmp" && python3 -c 'import portspec
print(portspec.__file__)
print(portspec.load_default().policy().is_allowed("outside", "inbound", "tcp", 25))') ||
	fail "python3 cannot import portspec"
case $(echo "$out" | head -n 1) in
"$prefix"/lib/python3*) ;;
*) fail "python3 imported portspec from $(echo "$out" | head -n 1), not from $prefix" ;;
esac
[ "$(echo "$out" | tail -n 1)" = True ] || fail "python3: is_allowed answered $(echo "$out" | tail -n 1)"
ok "python3 imports the installed portspec"

if [ "$prefix" = /usr ]; then
	examples=/usr/share/doc/python3-portspec/examples
else
	examples=$prefix/share/doc/libportspec/examples/python
fi
(cd "$tmp" && python3 "$examples/render-site.py" --set dns=inside nft >"$tmp/site.nft" 2>/dev/null) ||
	fail "$examples/render-site.py failed"
grep -q '^table inet ' "$tmp/site.nft" || fail "render-site.py rendered no nft table"
ok "the installed Python example renders"

out=$(cd "$tmp" && lua5.4 -e 'local p = require("portspec")
local policy = p.policy_new(p.spec_new_default(), nil)
print(package.searchpath("portspec", package.cpath))
print((p.is_allowed(policy, "outside", p.INBOUND, p.TCP, 25)))') || fail "lua5.4 cannot require portspec"
case $out in
"$prefix"/lib/*) ;;
*) fail "lua5.4 loaded portspec from $(echo "$out" | head -n 1), not from $prefix" ;;
esac
[ "$(echo "$out" | tail -n 1)" = true ] || fail "lua: is_allowed answered $(echo "$out" | tail -n 1)"
ok "lua5.4 requires the installed portspec"

echo "$passed passed, 0 failed"
