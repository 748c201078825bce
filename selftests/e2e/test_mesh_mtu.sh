#!/usr/bin/env bash
# The tunnel's MTU follows the devices: two hosts whose underlay has an
# MTU of 1400. The agents work the tunnel's MTU out (1400 - 60 for
# WireGuard over IPv4 = 1340), give it to the WireGuard device and to
# every workload's fabric routes; a 20 MB HTTP transfer (IPv4 and IPv6)
# and a bounded iperf3 between hosts complete. A workload whose route
# still says 1500 gets "fragmentation needed" / "packet too big" from
# the datapath (not silence) and its transfer completes as well. An
# underlay MTU changed on a running host is picked up by the next apply.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
need_root_tools
mesh_need_tools
for t in curl iperf3 busybox ping; do
	command -v $t >/dev/null || { echo "1..0 # SKIP missing $t"; exit 0; }
done
ktap_plan 8

ul_mtu() {	# ul_mtu MTU: the whole underlay (uplinks, switch ports, bridge)
	local h
	for h in "${MESH_HOSTS[@]}"; do
		ip -n "$(host_ns "$h")" link set ul0 mtu "$1" && ip -n "$SW" link set "p-$h" mtu "$1" || return 1
	done
	ip -n "$SW" link set br0 mtu "$1"
}

setup() {
	mesh_underlay h1 h2 && ul_mtu 1400 || return 1
	mesh_wl a h1 p1 prod 0 11 && mesh_wl b h2 p1 prod 1 12 || return 1
	mesh_agent h1 && mesh_agent h2 || return 1
	mesh_fleet "$TMP/fleet" a b && mesh_apply "$TMP/fleet" || return 1
	wait_for 50 quiet in_wl a "$PROBE" check --timeout-ms 500 icmp:"${V4[b]}"
}
check "2 hosts on an underlay of MTU 1400, the tunnel up" setup

route_mtu() {	# route_mtu WL FAMILY: the MTU on its fabric route
	in_wl "$1" ip "-$2" route show dev warren0 | awk '/^(10\.210|fd77)/ { for (i = 1; i < NF; i++) if ($i == "mtu") print $(i + 1) }'
}
mtus() {	# mtus WANT: status, both devices, both workloads' routes
	local h st dev ok=true
	for h in h1 h2; do
		st=$(ctl "$h" --json status | jq -r .mesh.mtu)
		dev=$(ip -n "$(host_ns "$h")" -o link show "$(mesh_wgdev "$h")" | grep -o 'mtu [0-9]*' | cut -d' ' -f2)
		diag "$h: status mtu $st, $(mesh_wgdev "$h") mtu $dev"
		[ "$st" = "$1" ] && [ "$dev" = "$1" ] || ok=false
	done
	for wl in a b; do
		diag "$wl: fabric route mtu $(route_mtu $wl 4) (IPv4), $(route_mtu $wl 6) (IPv6)"
		[ "$(route_mtu $wl 4)" = "$1" ] && [ "$(route_mtu $wl 6)" = "$1" ] || ok=false
	done
	$ok
}
check "tunnel MTU 1340 (1400 - 60): in status, on the WireGuard devices, on the workloads' routes" mtus 1340

# --- a 20 MB transfer over HTTP, and iperf3 -----------------------------------------
mkdir -p "$TMP/www" && head -c 20M /dev/urandom > "$TMP/www/f"
WANT=$(sha256sum < "$TMP/www/f")
(in_wl b busybox httpd -f -p 8080 -h "$TMP/www" >/dev/null 2>&1 &)
wait_for 50 quiet in_wl b bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080'
fetch() {	# fetch URL: the 20 MB file arrives whole
	local got t0 t1
	t0=$(date +%s%N)
	got=$(in_wl a curl -sg --max-time 60 "$1" | sha256sum)
	t1=$(date +%s%N)
	diag "GET $1: $(((t1 - t0) / 1000000)) ms"
	[ "$got" = "$WANT" ]
}
# The MSS both ends announce follows the route: 1340 - 40 (IPv4, TCP headers).
mss() {
	local wg; wg=$(mesh_wgdev h1)
	ip netns exec "$(host_ns h1)" timeout 10 tcpdump -i "$wg" -nn -c 2 -l \
		'tcp port 8080 and tcp[tcpflags] & tcp-syn != 0' > "$TMP/syn.txt" 2>"$TMP/syn.err" &
	local tpid=$!
	wait_for 50 grep -q listening "$TMP/syn.err" || return 1
	fetch "http://${V4[b]}:8080/f" || return 1
	wait $tpid
	diag "SYN, SYN-ACK: $(grep -o 'mss [0-9]*' "$TMP/syn.txt" | tr '\n' ' ')"
	[ "$(grep -c 'mss 1300' "$TMP/syn.txt")" -eq 2 ]
}
check "20 MB over HTTP between hosts, IPv4, both ends announcing MSS 1300" mss
check "20 MB over HTTP between hosts, IPv6" fetch "http://[${V6[b]}]:8080/f"
perf() {
	local bytes
	(in_wl b timeout 30 iperf3 -s -1 -p 5201 >/dev/null 2>&1 &)
	# Not by connecting: the one-off server would take that for its client.
	wait_for 50 bash -c "ip netns exec $(wl_ns b) ss -Hltn 'sport = :5201' | grep -q ."
	in_wl a timeout 30 iperf3 -c "${V4[b]}" -p 5201 -t 3 -J > "$TMP/iperf.json" 2>&1 || { diag "$(jq -r .error "$TMP/iperf.json")"; return 1; }
	bytes=$(jq -r .end.sum_received.bytes "$TMP/iperf.json")
	diag "iperf3 3 s: $bytes bytes received, $(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$TMP/iperf.json") Mbit/s"
	[ "${bytes:-0}" -gt 0 ]
}
check "iperf3 between hosts completes" perf

# --- too big: a workload whose route is wrong hears of it ---------------------------
ptb() {
	local before after o4 o6
	in_wl a ip route change 10.210.0.0/16 via 169.254.1.1 dev warren0 onlink mtu 1500 &&
	in_wl a ip -6 route change fd77:7761:7272::/48 via fe80::1 dev warren0 onlink mtu 1500 || return 1
	before=$(counter h1 p1 prod drop_too_big)
	o4=$(in_wl a ping -M do -s 1400 -c 2 -i 0.3 -W 1 "${V4[b]}" 2>&1)
	o6=$(in_wl a ping -6 -M do -s 1400 -c 2 -i 0.3 -W 1 "${V6[b]}" 2>&1)
	after=$(counter h1 p1 prod drop_too_big)
	diag "ping -M do -s 1400: $(grep -io 'mtu *= *[0-9]*' <<<"$o4" | head -1) (IPv4), $(grep -io 'mtu *= *[0-9]*' <<<"$o6" | head -1) (IPv6); too_big +$((after - before))"
	grep -qi 'mtu *= *1340' <<<"$o4" && grep -qi 'mtu *= *1340' <<<"$o6" && [ $((after - before)) -ge 2 ]
}
check "too big for the tunnel: ICMP fragmentation needed / packet too big with MTU 1340, counted" ptb
check "and with its route at 1500, the 20 MB transfer still completes (path MTU discovery)" \
	fetch "http://[${V6[b]}]:8080/f"

# --- the underlay changes -------------------------------------------------------------------
changed() {
	ul_mtu 1500 && mesh_apply "$TMP/fleet" && mtus 1420
}
check "underlay back to 1500: the next apply sets 1420 on the devices and every workload's routes" changed

finish
