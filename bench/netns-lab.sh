#!/bin/sh
# SPDX-License-Identifier: MIT
# Packet path: TCP connection setup rate through a gateway namespace holding a
# generated ruleset, iptables against nft.  Needs root; everything lives in
# three throwaway network namespaces with documentation addresses, and every
# run is bounded by SECONDS.
#
#   bench/netns-lab.sh BENCH_EXE CONNRATE SPEC... [-- SECONDS ROUNDS]
#
#   client (outside) 203.0.113.2 --- 203.0.113.1 gateway 198.51.100.1 --- 198.51.100.10 appliance
#
# For each spec the client connects to the highest tcp port the policy allows
# inbound from outside (`portspec-bench pick`): the port a linear ruleset
# sorted by port matches last.  Rulesets: none (forwarding only), the gateway
# rendering of iptables (iptables-restore) and of nft (nft -f).  Rounds are
# interleaved so that a noisy neighbour hurts all variants alike; the median
# of the rounds is reported.
set -eu

if [ "$(id -u)" != 0 ]; then
	echo "netns-lab: needs root (network namespaces)" >&2
	exit 77
fi

bench=$1
connrate=$2
shift 2
specs=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	specs="$specs $1"
	shift
done
[ "${1:-}" = "--" ] && shift
secs=${1:-3}
rounds=${2:-3}

tag=pb$$
C=$tag-client
G=$tag-gw
A=$tag-app
work=$(mktemp -d)
cleanup() {
	for ns in $C $G $A; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

for ns in $C $G $A; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add c0 netns "$C" type veth peer name g0 netns "$G"
ip link add a0 netns "$A" type veth peer name g1 netns "$G"
ip -n "$C" addr add 203.0.113.2/24 dev c0
ip -n "$G" addr add 203.0.113.1/24 dev g0
ip -n "$G" addr add 198.51.100.1/24 dev g1
ip -n "$A" addr add 198.51.100.10/24 dev a0
for l in "$C c0" "$G g0" "$G g1" "$A a0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$C" route add default via 203.0.113.1
ip -n "$A" route add default via 198.51.100.1
ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
# Connections end with an RST; do not keep their conntrack entries long.
ip netns exec "$G" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_close=1 2>/dev/null || true


flush() {
	ip netns exec "$G" nft flush ruleset 2>/dev/null || true
	ip netns exec "$G" iptables -F 2>/dev/null || true
	ip netns exec "$G" iptables -P FORWARD ACCEPT 2>/dev/null || true
}

# rate VARIANT PORT: one bounded measurement; prints connections/s.
rate() {
	ip netns exec "$A" "$connrate" listen 198.51.100.10 "$2" "$((secs + 2))" &
	lpid=$!
	sleep 0.3
	r=$(ip netns exec "$C" "$connrate" connect 198.51.100.10 "$2" "$secs" | cut -d' ' -f1)
	wait "$lpid" || true
	echo "$r"
}

load() { # load VARIANT SPECFILE
	flush
	case $1 in
	none) ;;
	iptables) ip netns exec "$G" iptables-restore <"$work/$2.iptables" ;;
	nft) ip netns exec "$G" nft -f "$work/$2.nft" ;;
	esac
}

# Rules the kernel holds after loading the nft ruleset (handles of rules,
# not of tables, chains, sets or maps).
nft_rules() {
	load nft "$1"
	ip netns exec "$G" nft -a list ruleset |
		grep '# handle' | grep -Evc '^[[:space:]]*(table|chain|set|map|flowtable) ' || true
	flush
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "| spec | port | ruleset | rules | connections/s (median of $rounds x ${secs} s) | all rounds |"
echo "|---|---:|---|---:|---:|---|"
for spec in $specs; do
	key=$(basename "$spec")
	sarg=""
	[ "$spec" = default ] || sarg="--spec $spec"
	port=$("$bench" pick $sarg)
	for b in iptables nft; do
		# shellcheck disable=SC2086
		"$bench" once $sarg --backend "$b" --mode gateway >"$work/$key.$b"
	done
	nipt=$(grep -c '^-A ' "$work/$key.iptables" || true)
	for round in $(seq "$rounds"); do
		for v in none iptables nft; do
			load "$v" "$key"
			rate "$v" "$port" >>"$work/$key.$v.rates"
		done
	done
	flush
	for v in none iptables nft; do
		m=$(median <"$work/$key.$v.rates")
		all=$(tr '\n' ' ' <"$work/$key.$v.rates")
		case $v in
		none) n=0 ;;
		iptables) n=$nipt ;;
		nft) n=$(nft_rules "$key") ;;
		esac
		echo "| $key | $port | $v | $n | $m | $all|"
	done
done
