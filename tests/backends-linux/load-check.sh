#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Loads every rendering of the Linux backends with the real tools, each in a
# throwaway network namespace (unshare -n: the namespace and its rules vanish
# when the command ends, also on failure):
#   iptables, ip6tables: --test and a real load, twice, with both the nf_tables
#     and the legacy variant; the rule count is read back with *-save; a
#     fragment is loaded with --noflush and hooked with the commands its
#     header prints;
#   nft: nft -c -f and a real load, twice; a fragment is hooked by the file
#     its header shows.
# Usage: load-check.sh PORTSPEC_EXE SRCDIR
# Needs root; elsewhere it skips (exit 77) unless CI=true, where it fails.
set -u

portspec=$1
srcdir=$2
here=$srcdir/tests/backends-linux

skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $* (CI must run this test)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "loading rules needs root (network namespaces, netfilter); run as root"
for tool in iptables-nft-restore iptables-legacy-restore ip6tables-nft-restore \
	ip6tables-legacy-restore iptables-nft-save iptables-legacy-save nft unshare; do
	command -v "$tool" >/dev/null || skip "$tool is missing (Debian packages iptables, nftables)"
done
unshare -n true 2>/dev/null || skip "cannot create a network namespace (unshare -n)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# The rule count of a rendering: -A lines.
rule_count() {
	grep -c '^-A ' "$1"
}

# check_xtables FILE FAMILY(4|6) FRAGMENT(0|1) LABEL
check_xtables() {
	local file=$1 family=$2 fragment=$3 label=$4 variant cmd restore save noflush=
	[ "$fragment" = 1 ] && noflush=--noflush
	for variant in nft legacy; do
		if [ "$family" = 4 ]; then cmd=iptables-$variant; else cmd=ip6tables-$variant; fi
		restore=$cmd-restore
		save=$cmd-save
		checks=$((checks + 1))
		# The hook commands the fragment's header prints, for this variant.
		sed -n 's/^#   ip6\{0,1\}tables /'"$cmd"' /p' "$file" > "$tmp/hooks"
		if ! unshare -n bash -c "
			set -e
			$restore --test $noflush < '$file'
			$restore $noflush < '$file'
			$restore $noflush < '$file'
			if [ $fragment = 1 ]; then
				while read -r line; do \$line; done < '$tmp/hooks'
				$restore $noflush < '$file'
			fi
			$save > '$tmp/saved'
		" > "$tmp/out" 2>&1; then
			fail "$label: $restore rejected it:"
			sed 's/^/    /' "$tmp/out" | head -20
			continue
		fi
		local want got
		want=$(rule_count "$file")
		[ "$fragment" = 1 ] && want=$((want + $(wc -l < "$tmp/hooks")))
		got=$(grep -c '^-A ' "$tmp/saved")
		[ "$want" = "$got" ] || fail "$label: $save shows $got rules, the file has $want"
	done
}

# check_nft FILE NAME FRAGMENT(0|1) LABEL
check_nft() {
	local file=$1 name=$2 fragment=$3 label=$4
	checks=$((checks + 1))
	if ! unshare -n bash -c "
		set -e
		nft -c -f '$file'
		nft -f '$file'
		nft -f '$file'
		nft list table inet '$name' > /dev/null
	" > "$tmp/out" 2>&1; then
		fail "$label: nft rejected it:"
		sed 's/^/    /' "$tmp/out" | head -20
		return
	fi
	if [ "$fragment" = 1 ]; then
		# The hook file the header shows, pointed at this file.
		sed -n '/^#   include /,/^#   }$/s/^#   //p' "$file" | sed "s|\"/etc/nftables.d/$name.nft\"|\"$file\"|" \
			> "$tmp/hook.nft"
		grep -q "jump $name" "$tmp/hook.nft" || fail "$label: no hook example in the header"
		# Every chain the example jumps to exists: nft refuses the jump otherwise.
		if ! unshare -n bash -c "
			set -e
			nft -c -f '$tmp/hook.nft'
			nft -f '$tmp/hook.nft'
			nft -f '$tmp/hook.nft'
			for chain in \$(sed -n 's/.*jump //p' '$tmp/hook.nft'); do
				nft list chain inet '$name' \$chain > /dev/null
			done
		" > "$tmp/out" 2>&1; then
			fail "$label: the hook example does not load:"
			sed 's/^/    /' "$tmp/out" | head -20
		fi
	fi
}

# variant LABEL [render options...]
variant() {
	local label=$1 backend=$2 name=portspec fragment=0
	shift 2
	local args=("$@")
	for ((i = 0; i < ${#args[@]}; i++)); do
		[ "${args[i]}" = --fragment ] && fragment=1
		[ "${args[i]}" = --name ] && name=${args[i + 1]}
	done
	local file=$tmp/$label.$backend
	if ! "$portspec" render --backend "$backend" "$@" -o "$file" 2> "$tmp/err"; then
		fail "$label $backend: render failed:"
		sed 's/^/    /' "$tmp/err"
		return
	fi
	case $backend in
	iptables) check_xtables "$file" 4 "$fragment" "$label $backend" ;;
	ip6tables) check_xtables "$file" 6 "$fragment" "$label $backend" ;;
	nft) check_nft "$file" "$name" "$fragment" "$label $backend" ;;
	esac
}

for backend in iptables ip6tables nft; do
	for mode in host gateway; do
		variant "$mode-complete" $backend --mode $mode
		variant "$mode-fragment" $backend --mode $mode --fragment
		variant "$mode-fragment-named" $backend --mode $mode --fragment --name mail-fw \
			--set role=central
		variant "$mode-central-ifaces" $backend --mode $mode --set role=central \
			--set outside-interface=eth0 --set inside-interface=eth2 \
			--set appliance-interface=eth3 --set cluster-interface=eth4
		variant "$mode-member-servers" $backend --mode $mode --set role=member \
			--set dns=outside --set server=dns:203.0.113.53 \
			--set server=dns:2001:db8:53::53 --set server=ldap:192.0.2.10
		variant "$mode-required-only" $backend --mode $mode --set required-only=true
		variant "$mode-hostile" $backend --mode $mode --spec "$here/hostile.portspec"
		variant "$mode-hostile-fragment" $backend --mode $mode --fragment \
			--spec "$here/hostile.portspec"
		variant "$mode-many-ports" $backend --mode $mode --spec "$here/many-ports.portspec" \
			--set dmz=198.51.100.0/24 --set dmz=2001:db8:dd::/64
	done
done

# The golden files themselves load too (they are what the documentation shows).
for f in "$here"/golden/*.rules; do
	case $(basename "$f") in
	ip6tables-*) family=6 ;;
	*) family=4 ;;
	esac
	fragment=0
	case $f in *fragment*) fragment=1 ;; esac
	check_xtables "$f" $family $fragment "golden $(basename "$f")"
done
for f in "$here"/golden/*.nft; do
	name=portspec
	case $f in *named*) name=mail-fw ;; esac
	fragment=0
	case $f in *fragment*) fragment=1 ;; esac
	check_nft "$f" $name $fragment "golden $(basename "$f")"
done

echo "$checks loads, $failures failures"
[ "$failures" = 0 ]
