#!/bin/sh
# SPDX-License-Identifier: MIT
# The test suite under the sanitizers and valgrind.
#
#   .ci/sanitizers.sh [asan] [tsan] [valgrind] [fuzz]    (default: asan tsan valgrind)
#
#   asan      build-asan/: -Db_sanitize=address,undefined, every suite but
#             the interpreted ones (python, bindings) and the packet lab
#             (netns: the kernel's side, slow), errors are fatal
#   tsan      build-tsan/: -Db_sanitize=thread, the thread test
#   valgrind  $BUILDDIR (default build/, a normal build): meson test --setup valgrind
#   fuzz      build-fuzz/ (clang): each fuzz harness for FUZZ_SECONDS (20)
#
# Environment: JOBS (ninja -j, default 2), MESON_TEST_ARGS (extra args),
# BUILDDIR (the normal build the valgrind run reuses), FUZZ_SECONDS.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir"
jobs=${JOBS:-2}
modes=${*:-asan tsan valgrind}

setup() {
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" -Dwerror=true -Dtests=enabled "$@"
	fi
	ninja -C "$dir" -j"$jobs"
}

for mode in $modes; do
	echo "=== $mode"
	case $mode in
	asan)
		setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
			-Dc_args=-fno-sanitize-recover=all -Dcpp_args=-fno-sanitize-recover=all
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			meson test -C build-asan --print-errorlogs --num-processes "$jobs" \
			--no-suite python --no-suite bindings --no-suite netns ${MESON_TEST_ARGS:-}
		;;
	tsan)
		setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dbindings=disabled
		TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
			meson test -C build-tsan --print-errorlogs --suite threads ${MESON_TEST_ARGS:-}
		;;
	valgrind)
		bdir=${BUILDDIR:-build}
		setup "$bdir"
		# Only the tests that are programs of this build: memcheck on an
		# interpreter (python, bash, node, lua) checks the interpreter.
		tests=$(meson introspect "$bdir" --tests | /usr/bin/python3 -c '
import json, os, sys
build = os.path.realpath(sys.argv[1])
for t in json.load(sys.stdin):
    exe = os.path.realpath(t["cmd"][0])
    if exe.startswith(build + os.sep):
        print(t["name"])
' "$bdir")
		echo "memcheck on:" $tests
		# shellcheck disable=SC2086
		meson test -C "$bdir" --print-errorlogs --num-processes "$jobs" --setup valgrind \
			${MESON_TEST_ARGS:-} $tests
		;;
	fuzz)
		FUZZ_JOBS=$jobs "$srcdir/fuzz/run.sh" "${FUZZ_SECONDS:-20}"
		;;
	*)
		echo "unknown mode '$mode': use asan, tsan, valgrind or fuzz" >&2
		exit 2
		;;
	esac
done
