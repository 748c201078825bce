#!/usr/bin/env bash
# WireGuard in the metrics: two hosts meshed, each agent with --metrics on
# its own loopback; real traffic between a workload on h1 and one on h2
# (pings of a known size, then a TCP stream). Each exposition names the
# other host as its one peer; its rx/tx bytes grew by exactly the pings'
# WireGuard messages each way, then by at least the stream's bytes; they and the last handshake are the
# device's own (`wg show transfer`, `latest-handshakes`) and `warrenctl
# status`'s, the handshake recent. The pings count exactly on the mesh
# path on both sides (mesh on the sender, mesh_in on the receiver);
# promtool accepts both expositions.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
need_root_tools
mesh_need_tools
for t in curl ping; do
	command -v $t >/dev/null || { echo "1..0 # SKIP missing $t"; exit 0; }
done
ktap_plan 10

PORT=9190		# each host netns has a loopback of its own, nobody else on it
N=50 S=1000		# pings of S bytes: each way N packets of 20 + 8 + S bytes inside WireGuard
in_host() { ip netns exec "$(host_ns "$1")" "${@:2}"; }
scrape() { in_host "$1" curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
metric() { awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' "$1"; }
declare -A OTHER=([h1]=h2 [h2]=h1)
# wg_show HOST WHAT: the other host's line of `wg show DEV WHAT` (key, then values).
wg_show() { in_host "$1" wg show "$(mesh_wgdev "$1")" "$2" | awk -v k="${PUB[${OTHER[$1]}]}" '$1 == k { $1 = ""; print substr($0, 2) }'; }

setup() {
	mesh_underlay h1 h2 || return 1
	mesh_wl a h1 p1 prod 0 11 && mesh_wl b h2 p1 prod 1 12 || return 1
	mesh_agent h1 --metrics "127.0.0.1:$PORT" && mesh_agent h2 --metrics "127.0.0.1:$PORT" || return 1
	mesh_fleet "$TMP/fleet" a b && mesh_apply "$TMP/fleet" || return 1
	wait_for 50 quiet in_wl a "$PROBE" check --timeout-ms 500 icmp:"${V4[b]}"
}
check "2 hosts meshed, each agent with --metrics 127.0.0.1:$PORT, a on h1 reaches b on h2" setup
diag "WireGuard: $(ctl h1 --json status | jq -r .mesh.wg_kind)"

scrape h1 >"$TMP/h1.0" && scrape h2 >"$TMP/h2.0"
peers() {
	local h
	for h in h1 h2; do
		[ "$(metric "$TMP/$h.0" warren_wireguard_peers)" = 1 ] &&
		[ "$(metric "$TMP/$h.0" warren_fleet_hosts)" = 2 ] &&
		[ "$(grep -c '^warren_wireguard_peer_rx_bytes_total{' "$TMP/$h.0")" = 1 ] &&
		[ "$(metric "$TMP/$h.0" "warren_wireguard_peer_rx_bytes_total{peer=\"${OTHER[$h]}\"}")" != absent ] ||
			{ diag "$h: $(grep '^warren_wireguard\|^warren_fleet_hosts' "$TMP/$h.0" | tr '\n' ' ')"; return 1; }
	done
}
check "each exposition has one WireGuard peer, named by the other host" peers

pings() { in_wl a ping -q -c $N -s $S -i 0.01 -W 1 "${V4[b]}" >/dev/null; }
check "$N pings of $S bytes from a (h1) to b (h2) answered" pings

scrape h1 >"$TMP/h1.1" && scrape h2 >"$TMP/h2.1"
peer_val() { metric "$TMP/$1.$2" "warren_wireguard_peer_$3{peer=\"${OTHER[$1]}\"}"; }
grew() { echo $(( $(peer_val "$1" "$3" "$4") - $(peer_val "$1" "$2" "$4") )); }
# Each ping is one WireGuard data message each way: 16 header + IP packet padded to 16 + 16 tag.
ping_bytes() {
	local h tx rx msg=$((16 + ((20 + 8 + S + 15) / 16) * 16 + 16))
	for h in h1 h2; do
		tx=$(grew $h 0 1 tx_bytes_total) rx=$(grew $h 0 1 rx_bytes_total)
		diag "$h to ${OTHER[$h]}: tx +$tx, rx +$rx bytes ($N messages of $msg bytes: $((N * msg)))"
		# Exact on both implementations (wireguard-go here, the kernel's in the VMs):
		# no handshake or keepalive is due within the pings.
		[ "$tx" -eq $((N * msg)) ] && [ "$rx" -eq $((N * msg)) ] || return 1
	done
}
check "the pings in rx/tx bytes: exactly their $N messages each way on both hosts" ping_bytes

stream() {
	local total tx
	in_wl a "$PROBE" stream --dst "${V4[b]}" --seconds 1 >"$TMP/stream" || return 1
	scrape h1 >"$TMP/h1.2" && scrape h2 >"$TMP/h2.2" || return 1
	total=$(sed -n 's/.*total=\([0-9]*\).*/\1/p' "$TMP/stream")
	tx=$(grew h1 1 2 tx_bytes_total)
	diag "TCP stream a -> b: $(cat "$TMP/stream"); h1 tx +$tx, h2 rx +$(grew h2 1 2 rx_bytes_total)"
	[ -n "$total" ] && [ "$total" -gt 0 ] && [ "$tx" -ge "$total" ] &&
	[ "$(grew h2 1 2 tx_bytes_total)" -ge "$total" ]
}
check "a 1 s TCP stream a -> b -> a: each host's tx grew by at least the bytes echoed" stream

# The device's own word, read right after a scrape (a keepalive may come between: retried).
device_agrees() {
	local h want got
	for h in h1 h2; do
		scrape $h >"$TMP/$h.9" || return 1
		want=$(wg_show $h transfer)
		got="$(peer_val $h 9 rx_bytes_total) $(peer_val $h 9 tx_bytes_total)"
		[ "$want" = "$got" ] || { diag "$h: wg show transfer: $want; metrics: $got"; return 1; }
		want=$(wg_show $h latest-handshakes)
		got=$(peer_val $h 9 last_handshake_seconds)
		[ "$want" = "$got" ] || { diag "$h: wg show latest-handshakes: $want; metrics: $got"; return 1; }
	done
}
check "rx/tx bytes and the last handshake are the device's (wg show transfer, latest-handshakes)" \
	wait_for 30 device_agrees

handshake() {
	local h t now
	now=$(date +%s)
	for h in h1 h2; do
		t=$(peer_val $h 9 last_handshake_seconds)
		diag "$h: last handshake with ${OTHER[$h]} $((now - t)) s ago"
		[ "$t" -gt 0 ] && [ $((now - t)) -ge 0 ] && [ $((now - t)) -le 180 ] || return 1
	done
}
check "the last handshake is a Unix time within the last 3 minutes on both hosts" handshake

same_as_status() {
	local h s m
	for h in h1 h2; do
		scrape $h >"$TMP/$h.3" || return 1
		s=$(ctl $h --json status | jq -r --arg p "${OTHER[$h]}" '.peers[] | select(.host == $p) |
			"\(.["last-handshake"] // .last_handshake) \(.rx_bytes) \(.tx_bytes)"')
		m="$(peer_val $h 3 last_handshake_seconds) $(peer_val $h 3 rx_bytes_total) $(peer_val $h 3 tx_bytes_total)"
		[ "$s" = "$m" ] || { diag "$h: status $s, metrics $m"; return 1; }
	done
}
check "warrenctl status shows the same handshake and bytes" wait_for 30 same_as_status

# The pings' requests leave h1 on the mesh path and enter h2 as mesh_in; the replies the other way.
mesh_paths() {
	local h k v
	for h in h1 h2; do
		for k in mesh mesh_in; do
			v=$(( $(metric "$TMP/$h.1" "warren_delivered_packets_total{project=\"p1\",env=\"prod\",path=\"$k\"}") -
			      $(metric "$TMP/$h.0" "warren_delivered_packets_total{project=\"p1\",env=\"prod\",path=\"$k\"}") ))
			diag "$h p1/prod $k: +$v packets"
			[ $v -eq $N ] || return 1
		done
	done
}
check "p1/prod's packets on the mesh path on the sender, mesh_in on the receiver, on both hosts" mesh_paths

promtool_both() {
	local h
	command -v promtool >/dev/null || return 2
	for h in h1 h2; do
		promtool check metrics <"$TMP/$h.3" >"$TMP/promtool.$h" 2>&1 ||
			{ sed 's/^/# promtool: /' "$TMP/promtool.$h" | head -20; return 1; }
	done
}
promtool_both; rc=$?
if [ $rc -eq 2 ]; then skip "promtool check metrics passes on both hosts" "promtool missing (Debian package prometheus)"
elif [ $rc -eq 0 ]; then ok "promtool check metrics passes on both hosts"
else not_ok "promtool check metrics passes on both hosts"; fi
finish
