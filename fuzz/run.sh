#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every fuzz harness for SECONDS seconds each, one after the other.
#
#   fuzz/run.sh SECONDS [HARNESS...]
#
# Builds build-fuzz/ with clang (-Dfuzzers=true) when it is missing.
# Environment: FUZZ_BUILDDIR (build-fuzz), FUZZ_WORKDIR (BUILDDIR/fuzz-work),
# FUZZ_JOBS (ninja -j, 2), FUZZ_ARGS (extra libFuzzer options).
# Each harness grows its corpus in WORKDIR/corpus-NAME, seeded from its seed
# directories (linked in WORKDIR/seeds-NAME) and fuzz/regressions/; crashes
# land in WORKDIR/artifacts/.
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

# The seed directories of a harness, below the source tree (as in
# fuzz/meson.build): a spec alone is a render input too; the ruleset readers'
# seeds are their golden cases.
corpus_of() {
	case $1 in
	spec-parse | spec-load) echo fuzz/corpus/spec ;;
	profile-parse) echo fuzz/corpus/profile ;;
	render) echo fuzz/corpus/render fuzz/corpus/spec ;;
	ruleset-iptables) echo tests/audit/readers/iptables tests/audit/readers/ip6tables ;;
	ruleset-nft) echo tests/audit/readers/nft-json ;;
	ruleset-pf) echo tests/audit/readers/pf ;;
	*) echo "unknown harness $1" >&2; exit 2 ;;
	esac
}

# Links to the seed inputs of harness $1 in directory $2: the golden files
# beside the readers' cases (.model, .error, .actual) are not inputs.
link_seeds() {
	rm -rf "$2"
	mkdir -p "$2"
	for c in $(corpus_of "$1"); do
		find "$srcdir/$c" -type f ! -name '.*' ! -name '*.model' ! -name '*.error' \
			! -name '*.actual' | while read -r f; do
			rel=${f#"$srcdir"/}
			ln -s "$f" "$2/$(printf '%s' "$rel" | tr / _)"
		done
	done
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
	seeds=$workdir/seeds-$h
	link_seeds "$h" "$seeds"
	# shellcheck disable=SC2086 # FUZZ_ARGS: options, several words
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -dict="$srcdir/fuzz/portspec.dict" \
		-artifact_prefix="$workdir/artifacts/$h-" ${FUZZ_ARGS:-} \
		"$corpus" "$seeds" "$srcdir/fuzz/regressions/$h" >"$log" 2>&1
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
