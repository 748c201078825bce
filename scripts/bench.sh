#!/usr/bin/env bash
# warren's benchmarks, each a ratio against a baseline measured in the same run:
#  1. decision cost of warren_from_wl (BPF_PROG_TEST_RUN ns/packet minus an
#     empty tc program's), allow and drop paths, IPv4 and IPv6;
#  2. same-host TCP throughput (iperf3) between two workloads through
#     warren, against (a) one direct veth pair and (b) two veth pairs
#     joined by kernel routing in a host namespace.
# Everything runs in namespaces this script makes; it cleans up on exit.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "bench: iperf3 missing (make deps)" >&2; exit 1; }

ID=wb$$
source scripts/lib.sh

echo "== 1. decision cost of warren_from_wl (BPF_PROG_TEST_RUN, median of 5 rounds)"
"$O/selftests/bench_progs" | tee "$TMP/prog.txt" | awk '
	/^empty_tc/ { printf "  empty tc program      %6.1f ns/packet (baseline)\n", $2 }
	/_decision/ { sub("_decision", "", $1); printf "  %-21s %6.1f ns/packet over the baseline (goal <= 20)\n", $1, $2 }'

# iperf3 between ns $1 (server, address $2) and ns $3 (client): Gbit/s.
iperf() {
	ip netns exec "$1" iperf3 -s -1 -B "$2" >/dev/null 2>&1 &
	local spid=$! i
	for i in $(seq 50); do ip netns exec "$1" ss -ltn | grep -q ":5201" && break; sleep 0.1; done
	ip netns exec "$3" iperf3 -c "$2" -t "$SECONDS_PER_RUN" -J > "$TMP/iperf.json" 2>/dev/null
	wait $spid 2>/dev/null
	jq -r '.end.sum_received.bits_per_second / 1e9' "$TMP/iperf.json"
}

echo "== 2. same-host TCP throughput, iperf3 ${SECONDS_PER_RUN}s x $ROUNDS rounds, interleaved"
# (a) one direct veth pair
ip netns add "$ID-a1"; ip netns add "$ID-a2"
ip -n "$ID-a1" link add eth0 type veth peer name eth0 netns "$ID-a2"
ip -n "$ID-a1" addr add 10.99.0.1/24 dev eth0; ip -n "$ID-a2" addr add 10.99.0.2/24 dev eth0
for n in a1 a2; do ip -n "$ID-$n" link set lo up; ip -n "$ID-$n" link set eth0 up; done

# (b) two veth pairs joined by kernel routing in a host namespace
ip netns add "$ID-bh"; ip netns add "$ID-b1"; ip netns add "$ID-b2"
ip netns exec "$ID-bh" sysctl -qw net.ipv4.ip_forward=1
for i in 1 2; do
	ip -n "$ID-bh" link add "h$i" type veth peer name eth0 netns "$ID-b$i"
	ip -n "$ID-bh" addr add "10.98.$i.1/24" dev "h$i"; ip -n "$ID-bh" link set "h$i" up
	ip -n "$ID-b$i" addr add "10.98.$i.2/24" dev eth0
	ip -n "$ID-b$i" link set lo up; ip -n "$ID-b$i" link set eth0 up
	ip -n "$ID-b$i" route add default via "10.98.$i.1"
done

# (c) warren: an agent in a host namespace, two endpoints of one environment
ip netns add "$ID-w1"; ip netns add "$ID-w2"
agent_start || exit 1
ctl project add bench && ctl env add bench prod >/dev/null || exit 1
for i in 1 2; do
	ip -n "$ID-w$i" link set lo up
	ctl --json endpoint add project bench env prod service s replica $i netns "$ID-w$i" > "$TMP/w$i.json" || exit 1
done
W2=$(jq -r '.[0].ipv4' "$TMP/w2.json")

declare -A SUM
for r in $(seq "$ROUNDS"); do
	a=$(iperf "$ID-a2" 10.99.0.2 "$ID-a1")
	b=$(iperf "$ID-b2" 10.98.2.2 "$ID-b1")
	w=$(iperf "$ID-w2" "$W2" "$ID-w1")
	printf '  round %d: direct veth %6.2f  routed %6.2f  warren %6.2f Gbit/s\n' "$r" "$a" "$b" "$w"
	SUM[a]=$(awk -v x="${SUM[a]:-0}" -v y="$a" 'BEGIN { print x + y }')
	SUM[b]=$(awk -v x="${SUM[b]:-0}" -v y="$b" 'BEGIN { print x + y }')
	SUM[w]=$(awk -v x="${SUM[w]:-0}" -v y="$w" 'BEGIN { print x + y }')
done
awk -v a="${SUM[a]}" -v b="${SUM[b]}" -v w="${SUM[w]}" -v n="$ROUNDS" 'BEGIN {
	printf "  mean: direct veth %.2f, routed %.2f, warren %.2f Gbit/s\n", a/n, b/n, w/n
	printf "  warren / direct veth = %.2fx (goal >= 0.90x)\n", w/a
	printf "  warren / routed      = %.2fx (goal >= 1.10x)\n", w/b }'
[ ! -x scripts/bench_dns.sh ] || O=$O scripts/bench_dns.sh || echo "bench: DNS benchmark did not complete (exit $?)" >&2
[ ! -x scripts/bench_mesh.sh ] || O=$O scripts/bench_mesh.sh || echo "bench: mesh benchmark did not complete (exit $?)" >&2
[ ! -x scripts/bench_directory.sh ] || O=$O scripts/bench_directory.sh || echo "bench: directory benchmark did not complete (exit $?)" >&2
