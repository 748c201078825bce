#!/usr/bin/env bash
# Cross-host throughput and latency: a workload on host 1 to a workload on
# host 2 (hosts as namespaces on one underlay veth), through warren, against
# the same WireGuard implementation with plain kernel routes and no warren
# programs (the baseline), measured in the same run, interleaved.
#
# Both use whatever WireGuard the agent would use here: the kernel's where
# it has the module, else wireguard-go (then both sides pay its cost).
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
SECS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }

ID=bm$$
TMP=$(mktemp -d "/tmp/warren-$ID.XXXX")
declare -A PID PUB
N=${ID#bm}
cleanup() {
	for h in "${!PID[@]}"; do kill "${PID[$h]}" 2>/dev/null; wait "${PID[$h]}" 2>/dev/null; done
	for ns in $(ip netns list | awk '{print $1}' | grep "^$ID-"); do
		ip netns pids "$ns" | xargs -r kill 2>/dev/null
		ip netns del "$ns"
	done
	rm -rf /sys/fs/bpf/warren-"$ID"-* /etc/netns/"$ID"-* "$TMP" /var/run/wireguard/[bwnx]"$N"?.*
}
trap cleanup EXIT
ctl() { local h=$1; shift; "$O/warrenctl" --socket "$TMP/$h.sock" "$@"; }

# hosts PREFIX: two host namespaces joined by a veth underlay 192.168.(66|67).0/24
hosts() {
	local p=$1 net=$2 i
	ip netns add "$ID-$p-h1" && ip netns add "$ID-$p-h2" || return 1
	ip -n "$ID-$p-h1" link add ul0 type veth peer name ul0 netns "$ID-$p-h2"
	for i in 1 2; do
		ip -n "$ID-$p-h$i" link set lo up
		ip -n "$ID-$p-h$i" link set ul0 up
		ip -n "$ID-$p-h$i" addr add "192.168.$net.$i/24" dev ul0
		(umask 077; wg genkey > "$TMP/$p-h$i.key")
		PUB[$p-h$i]=$(wg pubkey < "$TMP/$p-h$i.key")
	done
}

# --- baseline: WireGuard with kernel routes, veths to workloads, no BPF ---------------
hosts b 66 || exit 1
for i in 1 2; do
	j=$((3 - i)) h=$ID-b-h$i dev=b${N}$i
	ns=$ID-b-w$i
	if ! ip -n "$h" link add "$dev" type wireguard 2>/dev/null; then
		ip netns exec "$h" wireguard-go "$dev" >/dev/null 2>&1 || exit 1
	fi
	ip netns exec "$h" wg set "$dev" private-key "$TMP/b-h$i.key" listen-port 51820 \
		peer "${PUB[b-h$j]}" endpoint "192.168.66.$j:51820" allowed-ips "10.77.$j.0/24" \
		persistent-keepalive 25
	ip -n "$h" link set "$dev" mtu 1420 up
	ip -n "$h" route add "10.77.$j.0/24" dev "$dev"
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
	ip netns add "$ns"
	ip -n "$h" link add wl0 type veth peer name eth0 netns "$ns"
	ip -n "$h" addr add "10.77.$i.1/32" dev wl0
	ip -n "$h" link set wl0 up
	ip -n "$h" route add "10.77.$i.2/32" dev wl0
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.77.$i.2/32" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add 10.77.$i.1 dev eth0
	ip -n "$ns" route add default via "10.77.$i.1" mtu 1420
done

# --- warren: two agents, one fleet state ----------------------------------------------
# warren_hosts P NET [warrend args...]: hosts P-h1, P-h2 with agents w<P>1, w<P>2
warren_hosts() {
	local p=$1 net=$2 i; shift 2
	hosts "$p" "$net" || return 1
	for i in 1 2; do
		nsenter --net="/run/netns/$ID-$p-h$i" "$O/warrend" --socket "$TMP/$p$i.sock" \
			--pin-dir "/sys/fs/bpf/warren-$ID-$p$i" --state "$TMP/$p$i.state" --host "h$i" \
			--wg-private-key "$TMP/$p-h$i.key" --wg-device "$p${N}$i" --no-dns \
			--host4 "10.210.$i.0/24" --host6 "fd77:7761:7272:$i::/64" "$@" >"$TMP/$p$i.log" 2>&1 &
		PID[$p$i]=$!
		ip netns add "$ID-$p-w$i"
		ip -n "$ID-$p-w$i" link set lo up
	done
	for i in 1 2; do
		for _ in $(seq 50); do ctl "$p$i" status >/dev/null 2>&1 && break; sleep 0.1; done
	done
	{
		for i in 1 2; do
			echo "host name=h$i underlay=192.168.$net.$i public-key=${PUB[$p-h$i]} prefix4=10.210.$i.0/24 prefix6=fd77:7761:7272:$i::/64"
		done
		echo "env project=bench env=prod"
		for i in 1 2; do
			echo "endpoint host=h$i project=bench env=prod service=s replica=$i slot=2 netns=$ID-$p-w$i"
		done
	} > "$TMP/fleet.$p"
	for i in 1 2; do ctl "$p$i" apply "$TMP/fleet.$p" >/dev/null || { cat "$TMP/$p$i.log" >&2; return 1; }; done
}
warren_hosts w 67 --uplink ul0 || exit 1
# BENCH_AB=1: warren twice more, with the receive guard in XDP (native on
# the veth; the default here is tc) and without the uplink guards at all,
# to tell their share of the difference.
AB=${BENCH_AB:-0}
if [ "$AB" = 1 ]; then
	warren_hosts x 69 --uplink ul0 --uplink-rx xdp || exit 1
	warren_hosts n 68 || exit 1
fi
KIND=$(ctl w1 --json status | jq -r .mesh.wg_kind)

iperf() {	# iperf SERVER_NS ADDR CLIENT_NS: Gbit/s
	ip netns exec "$1" iperf3 -s -1 -B "$2" >/dev/null 2>&1 &
	local spid=$!
	for _ in $(seq 50); do ip netns exec "$1" ss -ltn | grep -q ":5201" && break; sleep 0.1; done
	ip netns exec "$3" iperf3 -c "$2" -t "$SECS" -J > "$TMP/iperf.json" 2>/dev/null
	wait $spid 2>/dev/null
	jq -r '(.end.sum_received.bits_per_second // 0) / 1e9' "$TMP/iperf.json"
}
rtt() {	# rtt NS ADDR: mean ping RTT in ms over 50 pings
	ip netns exec "$1" ping -q -c 50 -i 0.02 -W 1 "$2" | awk -F/ '/rtt|round-trip/ { print $5 }'
}

# Handshakes before measuring.
for _ in $(seq 30); do ip netns exec "$ID-b-w1" ping -c1 -W1 10.77.2.2 >/dev/null 2>&1 && break; done
for _ in $(seq 30); do ip netns exec "$ID-w-w1" ping -c1 -W1 10.210.2.2 >/dev/null 2>&1 && break; done
if [ "$AB" = 1 ]; then
	for p in x n; do
		for _ in $(seq 30); do ip netns exec "$ID-$p-w1" ping -c1 -W1 10.210.2.2 >/dev/null 2>&1 && break; done
	done
fi

echo "== 4. cross-host TCP through WireGuard ($KIND), iperf3 ${SECS}s x $ROUNDS rounds, interleaved"
sb=0 sw=0
for r in $(seq "$ROUNDS"); do
	b=$(iperf "$ID-b-w2" 10.77.2.2 "$ID-b-w1")
	w=$(iperf "$ID-w-w2" 10.210.2.2 "$ID-w-w1")
	printf '  round %d: plain WireGuard + routes %6.2f  warren %6.2f Gbit/s' "$r" "$b" "$w"
	if [ "$AB" = 1 ]; then
		x=$(iperf "$ID-x-w2" 10.210.2.2 "$ID-x-w1")
		y=$(iperf "$ID-n-w2" 10.210.2.2 "$ID-n-w1")
		printf '  warren, XDP guard %6.2f  warren, no uplink guard %6.2f' "$x" "$y"
		sx=$(awk -v a="${sx:-0}" -v b="$x" 'BEGIN { print a + b }')
		sn=$(awk -v a="${sn:-0}" -v b="$y" 'BEGIN { print a + b }')
	fi
	echo
	sb=$(awk -v x="$sb" -v y="$b" 'BEGIN { print x + y }')
	sw=$(awk -v x="$sw" -v y="$w" 'BEGIN { print x + y }')
done
lb=$(rtt "$ID-b-w1" 10.77.2.2)
lw=$(rtt "$ID-w-w1" 10.210.2.2)
awk -v b="$sb" -v w="$sw" -v n="$ROUNDS" -v lb="$lb" -v lw="$lw" 'BEGIN {
	printf "  mean: plain WireGuard %.2f, warren %.2f Gbit/s\n", b / n, w / n
	printf "  warren / plain WireGuard = %.2fx (goal >= 0.97x)\n", (b ? w / b : 0)
	printf "  ping RTT (mean of 50): plain WireGuard %.3f ms, warren %.3f ms\n", lb, lw }'
[ "$AB" = 1 ] && awk -v b="$sb" -v x="${sx:-0}" -v y="${sn:-0}" -v n="$ROUNDS" 'BEGIN {
	printf "  warren with the receive guard in XDP %.2f Gbit/s = %.2fx of plain WireGuard\n", x / n, (b ? x / b : 0)
	printf "  warren without uplink guards %.2f Gbit/s = %.2fx of plain WireGuard\n", y / n, (b ? y / b : 0) }'
