#!/bin/sh
# SPDX-License-Identifier: MIT
# Run by `meson install` after it copied the files, unless it installs into a
# DESTDIR (packagers, the install test, pip): refreshes the dynamic linker's
# cache, so that programs linked with plain `pkg-config --libs libportspec`
# find libportspec.so.1 in LIBDIR (Debian searches /usr/local/lib/<triplet>,
# but only through the cache).  Never fails the install: it says what to do.
#
#   build-aux/ldconfig.sh LIBDIR
set -eu
libdir=$1
[ "$(uname -s)" = Linux ] || exit 0
ldconfig=$(PATH="$PATH:/sbin:/usr/sbin" command -v ldconfig || true)
[ -n "$ldconfig" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "libportspec: not root, so the linker cache was not refreshed: run 'sudo ldconfig'" \
		"if $libdir is in /etc/ld.so.conf, or link programs with -Wl,-rpath,$libdir" >&2
	exit 0
fi
"$ldconfig" || { echo "libportspec: ldconfig failed; run it by hand" >&2; exit 0; }
if ! "$ldconfig" -p | grep -q " => $libdir/libportspec\.so\.[0-9]*\$"; then
	echo "libportspec: $libdir is not a directory the dynamic linker searches:" \
		"add it to /etc/ld.so.conf.d/ and run ldconfig, or link programs with -Wl,-rpath,$libdir" >&2
fi
