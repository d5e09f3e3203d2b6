#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every fuzz harness for SECONDS seconds each, one after the other.
#
#   fuzz/run.sh SECONDS [HARNESS...]
#
# Builds build-fuzz/ with clang (-Dfuzzers=true) when it is missing.
# Environment: FUZZ_BUILDDIR (build-fuzz), FUZZ_WORKDIR (BUILDDIR/fuzz-work),
# FUZZ_JOBS (ninja -j, 2), FUZZ_ARGS (extra libFuzzer options).
# Each harness grows its corpus in WORKDIR/corpus-NAME, seeded from
# fuzz/corpus/ and fuzz/regressions/; crashes land in WORKDIR/artifacts/.
# Prints the executions of each harness; exits 1 if any harness failed.
set -eu

usage() {
	echo "usage: $0 SECONDS [spec-parse|spec-load|profile-parse|render|ruleset-iptables|ruleset-nft|ruleset-pf...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
seconds=$1
shift
case $seconds in '' | *[!0-9]*) usage ;; esac

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${FUZZ_BUILDDIR:-$srcdir/build-fuzz}
workdir=${FUZZ_WORKDIR:-$builddir/fuzz-work}
harnesses=${*:-spec-parse spec-load profile-parse render ruleset-iptables ruleset-nft ruleset-pf}

if [ ! -f "$builddir/build.ninja" ]; then
	CC=clang meson setup "$builddir" "$srcdir" -Dfuzzers=true -Db_lundef=false \
		-Dtests=disabled -Dbindings=disabled -Ddocs=disabled
fi
ninja -C "$builddir" -j"${FUZZ_JOBS:-2}"

# The seed corpora of a harness (a spec alone is a render input too).
corpus_of() {
	case $1 in
	spec-parse | spec-load) echo spec ;;
	profile-parse) echo profile ;;
	render) echo render spec ;;
	ruleset-iptables | ruleset-nft | ruleset-pf) echo "$1" ;;
	*) echo "unknown harness $1" >&2; exit 2 ;;
	esac
}

mkdir -p "$workdir/artifacts"
status=0
summary=""
for h in $harnesses; do
	bin=$builddir/fuzz/fuzz-$h
	corpus=$workdir/corpus-$h
	mkdir -p "$corpus"
	log=$workdir/$h.log
	echo "== $h: ${seconds}s (log $log)"
	set +e
	# -merge is not used: the seed corpora are read-only inputs here.
	seeds=""
	for c in $(corpus_of "$h"); do
		seeds="$seeds $srcdir/fuzz/corpus/$c"
	done
	# shellcheck disable=SC2086 # the seed directories
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -dict="$srcdir/fuzz/portspec.dict" \
		-artifact_prefix="$workdir/artifacts/$h-" ${FUZZ_ARGS:-} \
		"$corpus" $seeds "$srcdir/fuzz/regressions/$h" >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
	if [ $rc -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc; see $log and $workdir/artifacts/)"
		status=1
	fi
	line="$h: ${execs:-?} executions in ${seconds}s, ${cov:-cov ?}, corpus $(ls "$corpus" | wc -l) files: $result"
	echo "$line"
	summary="$summary$line
"
done
echo "== summary"
printf '%s' "$summary"
exit $status
