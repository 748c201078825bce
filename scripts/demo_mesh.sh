#!/usr/bin/env bash
# The multi-host demo: three hosts as network namespaces on one underlay
# link, each with its own warrend and WireGuard device (the kernel's, or
# wireguard-go where the kernel has none), one fleet state applied to all,
# workloads of two environments on every host; traffic crossing hosts
# encrypted, cross-environment traffic refused, names across hosts, and a
# capture of the underlay. Cleans up on exit.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces, BPF)" >&2; exit 1; }

ID=mesh$$
TMP=$(mktemp -d "/tmp/warren-$ID.XXXX")
PROBE=$O/selftests/warren-probe
HOSTS=(h1 h2 h3)
declare -A PID PUB
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { local h=$1; shift; "$O/warrenctl" --socket "$TMP/$h.sock" "$@"; }
in_ns() { local n=$1; shift; ip netns exec "$ID-$n" "$@"; }

cleanup() {
	for h in "${!PID[@]}"; do kill "${PID[$h]}" 2>/dev/null; wait "${PID[$h]}" 2>/dev/null; done
	for ns in $(ip netns list | awk '{print $1}' | grep "^$ID-"); do
		ip netns pids "$ns" | xargs -r kill 2>/dev/null
		ip netns del "$ns"
	done
	rm -rf /sys/fs/bpf/warren-"$ID"-* /etc/netns/"$ID"-* "$TMP" /var/run/wireguard/wg"${ID#mesh}"?.*
}
trap cleanup EXIT

say "Three hosts on one underlay link (192.168.88.0/24), each with warrend and a WireGuard device"
ip netns add "$ID-sw" && ip -n "$ID-sw" link add br0 type bridge && ip -n "$ID-sw" link set br0 up || exit 1
for i in 1 2 3; do
	h=h$i
	ip netns add "$ID-$h" && ip -n "$ID-$h" link set lo up
	ip link add ul0 netns "$ID-$h" type veth peer name "p-$h" netns "$ID-sw"
	ip -n "$ID-sw" link set "p-$h" master br0 up
	ip -n "$ID-$h" link set ul0 up
	ip -n "$ID-$h" addr add "192.168.88.$i/24" dev ul0
	(umask 077; wg genkey > "$TMP/$h.key")
	PUB[$h]=$(wg pubkey < "$TMP/$h.key")
	nsenter --net="/run/netns/$ID-$h" "$O/warrend" --socket "$TMP/$h.sock" \
		--pin-dir "/sys/fs/bpf/warren-$ID-$h" --state "$TMP/$h.state" --host "$h" \
		--wg-private-key "$TMP/$h.key" --wg-device "wg${ID#mesh}$i" --uplink ul0 \
		--host4 "10.210.$i.0/24" --host6 "fd77:7761:7272:$i::/64" >"$TMP/$h.log" 2>&1 &
	PID[$h]=$!
done
for h in "${HOSTS[@]}"; do
	for _ in $(seq 50); do ctl "$h" status >/dev/null 2>&1 && break; sleep 0.1; done
done

say "The fleet state: hosts, environments, endpoints (one file, applied on every host)"
{
	for i in 1 2 3; do
		echo "host name=h$i underlay=192.168.88.$i public-key=${PUB[h$i]} prefix4=10.210.$i.0/24 prefix6=fd77:7761:7272:$i::/64"
	done
	echo "env project=shop env=prod"
	echo "env project=shop env=staging"
	slot=10
	for e in prod staging; do
		for i in 1 2 3; do
			slot=$((slot + 1))
			ip netns add "$ID-$e-$i" && ip -n "$ID-$e-$i" link set lo up
			ip netns exec "$ID-$e-$i" "$PROBE" serve >/dev/null 2>&1 &
			echo "endpoint host=h$i project=shop env=$e service=api replica=$((i - 1)) slot=$slot netns=$ID-$e-$i"
		done
	done
} > "$TMP/fleet"
sed 's/public-key=\([^ ]\{8\}\)[^ ]*/public-key=\1.../' "$TMP/fleet"
for h in "${HOSTS[@]}"; do printf '%s: ' "$h"; ctl "$h" apply "$TMP/fleet" || exit 1; done
ctl h1 host list

addr() { in_ns "$1" ip -o -4 addr show dev warren0 | awk '{print $4}' | cut -d/ -f1; }
addr6() { in_ns "$1" ip -o -6 addr show dev warren0 scope global | awk '{print $4}' | cut -d/ -f1; }
for _ in $(seq 30); do in_ns prod-1 "$PROBE" check --timeout-ms 500 icmp:"$(addr prod-2)" >/dev/null && break; done
for _ in $(seq 30); do in_ns prod-1 "$PROBE" check --timeout-ms 500 icmp:"$(addr prod-3)" >/dev/null && break; done

say "From shop/prod on h1 to every workload on the other hosts (TCP, UDP, ping; IPv4/IPv6)"
printf '%-12s %-5s %-13s %-8s %-8s %s\n' TO HOST IPV4 TCP UDP ICMP
for dst in prod-2 prod-3 staging-2 staging-3; do
	a4=$(addr "$dst") a6=$(addr6 "$dst")
	res=$(in_ns prod-1 "$PROBE" check --timeout-ms 500 tcp:"$a4" udp:"$a4" icmp:"$a4" \
		tcp:"$a6" udp:"$a6" icmp:"$a6" | awk '{print $2}' | paste -sd' ')
	read -r t4 u4 i4 t6 u6 i6 <<<"$res"
	printf '%-12s %-5s %-13s %-8s %-8s %s\n' "$dst" "h${dst##*-}" "$a4" "$t4/$t6" "$u4/$u6" "$i4/$i6"
done
echo "(ok/fail for IPv4/IPv6: shop/prod reaches shop/prod on every host, never shop/staging)"

say "Names across hosts: api.warren.internal from shop/prod on h1, and from shop/staging"
printf 'shop/prod:    %s\n' "$(in_ns prod-1 dig +short api.warren.internal A | sort | paste -sd' ')"
printf 'shop/staging: %s\n' "$(in_ns staging-1 dig +short api.warren.internal A | sort | paste -sd' ')"

say "What the underlay sees while a marker crosses from h1 to h2: only WireGuard"
in_ns sw tcpdump -i br0 -nn -c 6 -l 'not icmp6' 2>/dev/null > "$TMP/cap" &
tp=$!
sleep 0.5
for _ in 1 2 3; do in_ns prod-1 bash -c "echo SECRET-MARKER > /dev/udp/$(addr prod-2)/9999"; done
sleep 0.5; kill $tp 2>/dev/null; wait $tp 2>/dev/null
sed 's/^/    /' "$TMP/cap"
echo "    (SECRET-MARKER in clear on the underlay: $(grep -c SECRET-MARKER "$TMP/cap") times)"

say "h1: the mesh and its counters (warrenctl status)"
ctl h1 status | sed -n '/^Mesh/,$p'
