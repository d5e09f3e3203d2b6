#!/bin/sh
# SPDX-License-Identifier: MIT
# The ways a user gets libportspec, each from a clean copy of the tree and
# checked as that user would use it (README, "Installing"):
#
#  1. Debian packages: dpkg-buildpackage -us -uc -b (the test suite runs in
#     the build), again with DEB_BUILD_OPTIONS=nocheck, lintian (no error or
#     warning), then dpkg -i into a throwaway root (.ci/throwaway-root.sh:
#     dpkg checks the Depends against this system), the smoke test
#     (.ci/smoke-installed.sh) and dpkg --purge;
#  2. pip install --no-build-isolation . in a venv, imported with a bare
#     environment;
#  3. meson setup/compile/install to /usr/local in a throwaway root, then the
#     same smoke test.
#
# Needs root (mount namespaces); the packages of .ci/deps.txt.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
work=$(mktemp -d /tmp/portspec-packaging.XXXXXX)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
step() { echo "== packaging: $* ($(($(date +%s) - t0))s)"; }
# Runs a command with its output in a log, shown only when the command fails.
quiet() {
	log=$1
	shift
	"$@" >"$log" 2>&1 || { tail -n 150 "$log"; echo "packaging: failed: $*" >&2; exit 1; }
}
# A copy of the tree as git sees it (tracked and new files; no build
# directories, node_modules or other ignored files).
copy_tree() {
	mkdir -p "$1"
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		(cd "$src" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' copy |
			tar --null -T - -cf -) |
		tar -xf - -C "$1"
}

step "Debian packages: dpkg-buildpackage -us -uc -b"
copy_tree "$work/deb/libportspec"
(cd "$work/deb" && quiet "$work/source.log" dpkg-source -b libportspec)
(cd "$work/deb/libportspec" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
	quiet "$work/build.log" dpkg-buildpackage -us -uc -b)
grep -E '^(Ok|Fail|Skipped|Timeout): ' "$work/build.log" | tr -s ' ' | paste -sd ' ' -
grep -q '^Fail: *0' "$work/build.log" || { echo "packaging: no test summary in the package build" >&2; exit 1; }
ls "$work/deb"/*.deb | sed 's|.*/|  |'

step "Debian packages with DEB_BUILD_OPTIONS=nocheck"
copy_tree "$work/nocheck/libportspec"
(cd "$work/nocheck/libportspec" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	quiet "$work/nocheck.log" dpkg-buildpackage -us -uc -b)
if grep -q 'meson test' "$work/nocheck.log" || ! grep -q 'feature tests disabled' "$work/nocheck.log"; then
	echo "packaging: DEB_BUILD_OPTIONS=nocheck still built or ran the tests" >&2; exit 1
fi

step "lintian"
rc=0
lintian --pedantic --display-info --display-experimental --fail-on error,warning \
	"$work/deb"/*.changes "$work/deb"/*.dsc >"$work/lintian.log" 2>&1 || rc=$?
grep -v '^running with root privileges' "$work/lintian.log" || echo "(no tags)"
[ $rc = 0 ] || { echo "packaging: lintian reports errors or warnings (exit $rc)" >&2; exit 1; }

step "dpkg -i into a throwaway root, smoke test, dpkg --purge"
cat >"$work/deb-smoke.sh" <<EOF
set -eu
# man-db's trigger would rebuild its index for every package: not needed here
rm -f /var/lib/man-db/auto-update
debs=\$(ls "$work"/deb/*.deb | grep -v -- -dbgsym_)
dpkg -i \$debs
sh "$src/.ci/smoke-installed.sh" /usr "$src"
pkgs=\$(for d in \$debs; do dpkg-deb -f "\$d" Package; done)
dpkg --purge \$pkgs
! ldconfig -p | grep -q libportspec || { echo "libportspec is still in the linker cache" >&2; exit 1; }
for p in \$pkgs; do ! dpkg-query -W "\$p" 2>/dev/null | grep -q . || { echo "\$p is still installed" >&2; exit 1; }; done
echo "purged:" \$pkgs
EOF
.ci/throwaway-root.sh --bind "$work" --bind-ro "$src" sh "$work/deb-smoke.sh"

step "pip install --no-build-isolation . in a venv"
copy_tree "$work/pip/src"
/usr/bin/python3 -m venv --system-site-packages "$work/pip/venv"
(cd "$work/pip/src" && quiet "$work/pip.log" "$work/pip/venv/bin/pip" install --no-build-isolation .)
out=$(cd / && env -i "$work/pip/venv/bin/python" -c 'import portspec, pathlib
print(pathlib.Path(portspec.__file__).parent)
print(portspec.load_default().policy().is_allowed("outside", "inbound", "tcp", 25))')
pkgdir=$(echo "$out" | head -n 1)
case $pkgdir in "$work/pip/venv/lib/"*) ;; *) echo "packaging: venv imported portspec from $pkgdir" >&2; exit 1 ;; esac
[ "$(echo "$out" | tail -n 1)" = True ] || { echo "packaging: venv is_allowed answered $out" >&2; exit 1; }
! ldd "$pkgdir"/_core*.so | grep -q libportspec || { echo "packaging: the wheel's extension needs libportspec.so" >&2; exit 1; }
(cd / && env -i "$work/pip/venv/bin/python" "$pkgdir/examples/render-site.py" nft 2>/dev/null | grep -q '^table inet ') ||
	{ echo "packaging: the examples in the venv do not run" >&2; exit 1; }
echo "ok - the venv imports portspec from $pkgdir with no environment; the extension carries the library"

step "meson install to /usr/local in a throwaway root, smoke test"
copy_tree "$work/local/src"
cat >"$work/local-smoke.sh" <<EOF
set -eu
cd "$work/local/src"
meson setup build >"$work/local/setup.log" 2>&1 || { tail -n 50 "$work/local/setup.log"; exit 1; }
meson compile -C build -j 2 >"$work/local/compile.log" 2>&1 || { tail -n 50 "$work/local/compile.log"; exit 1; }
meson install -C build >"$work/local/install.log" 2>&1 || { tail -n 50 "$work/local/install.log"; exit 1; }
sh "$src/.ci/smoke-installed.sh" /usr/local "$src"
EOF
.ci/throwaway-root.sh --bind "$work" --bind-ro "$src" sh "$work/local-smoke.sh"

step "done"
