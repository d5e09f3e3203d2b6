#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs a command as root in a throwaway copy of this system: a chroot into a
# copy-on-write overlay of / (upper layer on a tmpfs) in a private mount
# namespace.  Whatever the command installs (dpkg -i, meson install, ldconfig)
# is gone when it ends; the system itself is never touched.  Faster than a
# debootstrap chroot, and dpkg checks each package's Depends against the
# packages this system really has.
#
#   .ci/throwaway-root.sh [--bind DIR | --bind-ro DIR]... COMMAND [ARG...]
#
# The command runs with a plain environment (PATH=/usr/sbin:/usr/bin:/sbin:/bin,
# HOME=/root, LC_ALL=C.UTF-8) and sees the files of the root file system as
# they are.  DIRs are mounted at the same place inside, the real ones (so that
# they are there even when they live on another file system, such as a tmpfs
# /tmp), writable with --bind and read-only with --bind-ro.
set -eu
usage() { echo "usage: $0 [--bind DIR | --bind-ro DIR]... COMMAND [ARG...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (mount namespaces, overlayfs)" >&2; exit 1; }
if [ -z "${THROWAWAY_ROOT_INSIDE:-}" ]; then
	THROWAWAY_ROOT_INSIDE=1 exec unshare --mount --propagation private "$0" "$@"
fi
binds=""
while [ $# -gt 0 ]; do
	case $1 in
	--bind | --bind-ro)
		[ $# -ge 2 ] && [ -d "$2" ] || usage
		binds="$binds $1=$(cd "$2" && pwd)"
		shift 2 ;;
	--*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
layer=$(mktemp -d /tmp/throwaway-root.XXXXXX)
mount -t tmpfs -o mode=0755 throwaway "$layer"
mkdir "$layer/upper" "$layer/work" "$layer/root"
mount -t overlay throwaway -o "lowerdir=/,upperdir=$layer/upper,workdir=$layer/work" "$layer/root"
mount -t proc proc "$layer/root/proc"
mount --rbind /dev "$layer/root/dev"
mount --rbind /sys "$layer/root/sys"
for b in $binds; do
	dir=${b#*=}
	mkdir -p "$layer/root$dir"
	mount --bind "$dir" "$layer/root$dir"
	[ "${b%%=*}" = --bind ] || mount -o remount,bind,ro "$layer/root$dir"
done
rc=0
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 ${CI:+CI=$CI} \
	chroot "$layer/root" "$@" || rc=$?
umount -R -l "$layer"
rmdir "$layer"
exit $rc
