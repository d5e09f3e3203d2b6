#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the build into a scratch root and builds a consumer that uses only
# the installed header and `pkg-config --cflags --libs libportspec`.
set -eu
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --no-rebuild --destdir "$tmp/root" >"$tmp/install.log" 2>&1 || {
	cat "$tmp/install.log" >&2; exit 1; }
pc=$(find "$tmp/root" -name libportspec.pc | head -n 1)
[ -n "$pc" ] || { echo "libportspec.pc was not installed" >&2; exit 1; }
find "$tmp/root" -path '*/include/portspec/portspec.h' | grep -q . || { echo "header not installed" >&2; exit 1; }
find "$tmp/root" -name 'lotus-protector-mail-security-2.5.1.portspec' | grep -q . || {
	echo "spec data not installed" >&2; exit 1; }
cat >"$tmp/consumer.c" <<'C'
#include <stdio.h>
#include <portspec/portspec.h>
int main(void)
{
	struct portspec_spec *spec;
	struct portspec_policy *policy;
	struct portspec_error err;
	if (portspec_spec_new_default(&spec, &err) || portspec_policy_new(spec, NULL, &policy, &err))
		return fprintf(stderr, "%s\n", err.text), 2;
	bool a = false, b = true;
	if (portspec_is_allowed(policy, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP, 25, &a, NULL, &err) ||
	    portspec_is_allowed(policy, "outside", PORTSPEC_INBOUND, PORTSPEC_TCP, 22, &b, NULL, &err))
		return fprintf(stderr, "%s\n", err.text), 2;
	printf("%d %d\n", a, b);
	portspec_policy_free(policy);
	portspec_spec_free(spec);
	return !(a && !b);
}
C
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
cflags=$(pkg-config --cflags libportspec)
libs=$(pkg-config --libs libportspec)
cc -std=c99 -pedantic -Wall -Werror $cflags "$tmp/consumer.c" $libs -o "$tmp/consumer"
# pkg-config applies the sysroot to variables only in some versions
libdir=$(dirname "$(find "$tmp/root" -name 'libportspec.so.[0-9]*' -type f | head -n 1)")
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/consumer")
[ "$out" = "1 0" ] || { echo "consumer answered '$out', wanted '1 0'" >&2; exit 1; }
# the CLI was installed too and runs against the installed library
cli=$(find "$tmp/root" -path '*/bin/portspec' | head -n 1)
[ -n "$cli" ] || { echo "portspec CLI not installed" >&2; exit 1; }
LD_LIBRARY_PATH="$libdir" "$cli" check --zone outside --direction inbound --proto tcp --port 25 >/dev/null
# the Python package, when built: importable from where it was installed,
# and that folder is one Debian's /usr/bin/python3 searches by default
init=$(find "$tmp/root" -path '*/portspec/__init__.py' | head -n 1)
if [ -n "$init" ]; then
	site=$(dirname "$(dirname "$init")")
	/usr/bin/python3 -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "${site#"$tmp/root"}" || {
		echo "the Python package went to ${site#"$tmp/root"}, which /usr/bin/python3 does not search" >&2
		exit 1; }
	out=$(cd "$tmp" && PYTHONPATH="$site" LD_LIBRARY_PATH="$libdir" /usr/bin/python3 -c \
		"import portspec; print(portspec.load_default().policy().is_allowed('outside','inbound','tcp',25))")
	[ "$out" = "True" ] || { echo "installed Python package answered '$out'" >&2; exit 1; }
fi
echo "1 passed, 0 failed"
