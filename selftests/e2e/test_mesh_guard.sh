#!/usr/bin/env bash
# Two hosts meshed over wireguard-go (or the kernel's WireGuard), testing
# what the datapath does when things go wrong:
#
# - fail-closed encryption: a plain route for the other host's fabric
#   prefix via the underlay, in the host's netns; the host stack and a
#   workload's public egress (no NAT) then send fabric addresses towards
#   the uplink, and the egress guard (warren_ul_out) drops every one: the
#   capture of the underlay holds no fabric address, the counter
#   plaintext_out moves, and workloads still reach each other through
#   WireGuard;
# - fail fast: connect() to a deleted replica of the caller's own
#   environment (on this host or the other) is refused at once (TCP RST,
#   ICMP port unreachable for UDP, host unreachable for ping), timed and
#   printed; another environment gets silence (a timeout), as for an
#   address never used;
# - on this veth underlay the receive guard runs at tc ingress (auto) and
#   drops plaintext injected from the underlay;
# - teardown removes every uplink hook.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mesh_lib.sh"
need_root_tools
mesh_need_tools
command -v bpftool >/dev/null || { echo "1..0 # SKIP missing bpftool"; exit 0; }
ktap_plan 14

setup() {
	mesh_underlay h1 h2 || return 1
	mesh_wl a h1 p1 prod 0 11 && mesh_wl b h2 p1 prod 1 12 && mesh_wl c h1 p1 dev 0 13 &&
	mesh_wl gl h1 p1 prod 2 14 && mesh_wl gr h2 p1 prod 3 15 && mesh_wl gs h1 p1 stage 0 16 ||
		return 1
	mesh_agent h1 && mesh_agent h2 || return 1
	mesh_fleet "$TMP/fleet" a b c gl gr gs && mesh_apply "$TMP/fleet" || return 1
	wait_for 50 quiet in_wl a "$PROBE" check --timeout-ms 500 icmp:"${V4[b]}"
}
check "2 hosts, 5 workloads, the tunnel up" setup

h1() { ip netns exec "$(host_ns h1)" "$@"; }
mode=$(ctl h1 --json status | jq -r '.mesh.uplink_egress')
diag "uplink egress guard: $mode"
hooked() {
	case $mode in
	tcx) local id
	     id=$(bpftool -j link show pinned "$(host_pins h1)/links/ul0_out" | jq -r .prog_id) &&
	     bpftool prog show id "$id" | grep -q warren_ul_out ;;
	clsact) h1 tc filter show dev ul0 egress | grep -q warren_ul_out ;;
	*) false ;;
	esac
}
check "status shows the egress guard's hook ($mode), and it is on ul0" hooked

# On a veth underlay the receive guard runs at tc ingress (auto): it drops as XDP does.
inject() {
	local rx before after
	rx=$(ctl h1 --json status | jq -r .mesh.uplink_rx)
	before=$(counter h1 "" "" drop_plaintext)
	ip -n "$SW" route replace 10.210.1.0/24 via "${UL4[h1]}"
	for _ in 1 2 3 4 5; do
		ip netns exec "$SW" bash -c "echo plaintext > /dev/udp/${V4[a]}/9999" 2>/dev/null
	done
	sleep 0.2
	after=$(counter h1 "" "" drop_plaintext)
	diag "receive guard: $rx; plaintext injected towards a workload: plaintext +$((after - before))"
	[ "$rx" = "$mode" ] && [ $((after - before)) -ge 5 ]
}
check "the receive guard runs at tc ingress on a veth uplink and drops injected plaintext" inject

# --- fail-closed encryption ------------------------------------------------------
MARK=warren-leak-$RUN_ID-$RANDOM
leak() {
	local before after tpid
	before=$(counter h1 "" "" drop_plaintext_out)
	ip netns exec "$SW" tcpdump -i br0 -nn -U -w "$TMP/ul.pcap" 2>"$TMP/tcpdump.err" &
	tpid=$!
	wait_for 50 grep -q listening "$TMP/tcpdump.err" || { kill $tpid; return 1; }
	# The misconfiguration: the other host's fabric prefixes straight via the underlay.
	h1 ip route add 10.210.2.0/24 via "${UL4[h2]}" dev ul0 &&
	h1 ip -6 route add fd77:7761:7272:2::/64 via "${UL6[h2]}" dev ul0 || return 1
	SENT=0
	for _ in 1 2 3; do
		h1 bash -c "echo $MARK > /dev/udp/${V4[b]}/9999" 2>/dev/null; SENT=$((SENT + 1))
		h1 bash -c "echo $MARK > /dev/udp/${V6[b]}/9999" 2>/dev/null; SENT=$((SENT + 1))
	done
	h1 ping -c 2 -i 0.2 -W 1 "${V4[b]}" >/dev/null 2>&1; SENT=$((SENT + 2))
	# A workload's public egress, forwarded without NAT: its fabric source would leave.
	in_wl a ip route add default via 169.254.1.1 dev warren0 onlink 2>/dev/null
	in_wl a ip -6 route add default via fe80::1 dev warren0 onlink 2>/dev/null
	for _ in 1 2 3; do
		in_wl a bash -c "echo $MARK > /dev/udp/${UL4[h2]}/9999" 2>/dev/null; SENT=$((SENT + 1))
		in_wl a bash -c "echo $MARK > /dev/udp/${UL6[h2]}/9999" 2>/dev/null; SENT=$((SENT + 1))
	done
	# Workload to workload still goes through WireGuard, route or no route.
	TUNNEL_OK=false
	in_wl a "$PROBE" check --timeout-ms 800 tcp:"${V4[b]}" udp:"${V6[b]}" >/dev/null && TUNNEL_OK=true
	# tcpdump loses what it has not written when killed: wait for the tunnel's packets.
	wait_for 50 bash -c '[ "$(tcpdump -r "$0" -nn "udp port 51820" 2>/dev/null | wc -l)" -ge 4 ]' \
		"$TMP/ul.pcap"
	sleep 0.2
	kill $tpid; wait $tpid 2>/dev/null
	after=$(counter h1 "" "" drop_plaintext_out)
	LEAK_DROPS=$((after - before))
	FABRIC_SEEN=$(tcpdump -r "$TMP/ul.pcap" -nn 'net 10.210.0.0/16 or net fd77:7761:7272::/48' 2>/dev/null | wc -l)
	CLEAR=$(tcpdump -r "$TMP/ul.pcap" -A 2>/dev/null | grep -c "$MARK")
	WG_PKTS=$(tcpdump -r "$TMP/ul.pcap" -nn 'udp port 51820' 2>/dev/null | wc -l)
	diag "sent towards the uplink: $SENT; plaintext_out +$LEAK_DROPS; on the underlay: $FABRIC_SEEN packets with a fabric address, marker in clear $CLEAR times, $WG_PKTS WireGuard packets"
	h1 ip route del 10.210.2.0/24; h1 ip -6 route del fd77:7761:7272:2::/64
}
leak
check "with a plain route for a remote prefix, nothing with a fabric address reaches the underlay" \
	test "${FABRIC_SEEN:-1}" -eq 0 -a "${CLEAR:-1}" -eq 0
check "every one of them was dropped at the uplink and counted as plaintext_out" \
	test "${LEAK_DROPS:-0}" -ge "${SENT:-99}"
check "workloads still reach each other across hosts, through WireGuard" \
	bash -c "$TUNNEL_OK && [ ${WG_PKTS:-0} -ge 4 ]"

# --- fail fast --------------------------------------------------------------------
# gl (here) and gr (on h2) leave the fleet; their environment p1/prod stays.
mesh_fleet "$TMP/fleet.2" a b c
check "the replicas gl (h1), gr (h2) and gs (h1) are removed from the fleet" mesh_apply "$TMP/fleet.2"

# timed WL SPEC TIMEOUT: "RESULT MS" of one probe, the time around it.
timed() {
	local t0 t1 out
	t0=$(date +%s%N)
	out=$(in_wl "$1" "$PROBE" check --timeout-ms "$3" "$2")
	t1=$(date +%s%N)
	echo "$(awk '{ print $2 == "ok" ? "ok" : $3 }' <<<"$out") $(((t1 - t0) / 1000000))"
}
fast() {	# fast NAME WL SPEC WANT
	local r ms
	read -r r ms <<<"$(timed "$2" "$3" 2000)"
	diag "$1: $3 from $2: $r after $ms ms (the probe waits up to 2000 ms)"
	[ "$r" = "$4" ]
}
check "connect() to a deleted replica here is refused at once (TCP RST), IPv4 and IPv6" \
	bash -c "$(declare -f fast timed in_wl wl_ns diag); RUN_ID=$RUN_ID PROBE=$PROBE
		fast local a tcp:${V4[gl]} refused && fast local a tcp:${V6[gl]} refused"
check "connect() to a deleted replica on the other host is refused at once" \
	bash -c "$(declare -f fast timed in_wl wl_ns diag); RUN_ID=$RUN_ID PROBE=$PROBE
		fast remote a tcp:${V4[gr]} refused && fast remote a tcp:${V6[gr]} refused"
check "a connected UDP socket gets ECONNREFUSED (ICMP/ICMPv6 port unreachable)" \
	bash -c "$(declare -f fast timed in_wl wl_ns diag); RUN_ID=$RUN_ID PROBE=$PROBE
		fast udp a udp:${V4[gl]} refused && fast udp a udp:${V6[gr]} refused"
check "ping gets host/address unreachable" \
	bash -c "$(declare -f fast timed in_wl wl_ns diag); RUN_ID=$RUN_ID PROBE=$PROBE
		fast ping a icmp:${V4[gl]} unreachable && fast ping a icmp:${V6[gr]} unreachable"
silent() {
	local before after ok=true r ms
	before=$(counter h1 p1 dev drop_no_endpoint)
	for spec in tcp:${V4[gl]} udp:${V6[gl]} tcp:${V4[gr]} tcp:10.210.1.200; do
		read -r r ms <<<"$(timed c "$spec" 800)"
		diag "other environment: $spec from c: $r after $ms ms"
		[ "$r" = timeout ] || ok=false
	done
	after=$(counter h1 p1 dev drop_no_endpoint)
	diag "p1/dev no_endpoint drops: +$((after - before))"
	# For comparison, what every caller got before: an address of its own environment never used.
	read -r r ms <<<"$(timed a tcp:10.210.1.201 800)"
	diag "own environment, an address never used: tcp:10.210.1.201 from a: $r after $ms ms"
	$ok && [ $((after - before)) -ge 4 ]
}
check "another environment gets silence (a timeout), as for an address never used" silent

# A tombstone lasts as long as its environment: gs (p1/stage, slot 16) goes, then p1/stage.
# [env_id, flags] of h1's slot 16, from the raw value bytes (little-endian env_id at 0, flags at 12).
slot16() {
	bpftool -j map lookup pinned "$(host_pins h1)/warren_slots" key 16 0 0 0 | jq -c '
		def hex: ltrimstr("0x") | ascii_downcase | explode
			| map(if . >= 97 then . - 87 else . - 48 end) | reduce .[] as $d (0; . * 16 + $d);
		.value | [(.[0] | hex) + 256 * (.[1] | hex), (.[12] | hex)]'
}
lifetime() {
	local gone after
	gone=$(slot16)
	MESH_SKIP_ENVS=p1/stage mesh_fleet "$TMP/fleet.3" a b c && mesh_apply "$TMP/fleet.3" || return 1
	after=$(slot16)
	diag "slot 16 [env id, flags]: $gone once gs is gone, $after once p1/stage is gone too"
	[ "$(jq '.[1]' <<<"$gone")" -eq 64 ] && [ "$(jq '.[0]' <<<"$gone")" -gt 0 ] && [ "$after" = "[0,0]" ]
}
check "a tombstone lasts as long as its environment (slot kept, then cleared)" lifetime

# --- teardown ---------------------------------------------------------------------
torn() {
	agent_stop h1
	nsenter --net="/run/netns/$(host_ns h1)" "$WARREND" --pin-dir "$(host_pins h1)" \
		--socket "$(host_sock h1)" --state "$(host_state h1)" --host h1 \
		--wg-private-key "$TMP/h1.key" --wg-device "$(mesh_wgdev h1)" --uplink ul0 \
		--host4 10.210.1.0/24 --host6 fd77:7761:7272:1::/64 --teardown >>"$TMP/h1.log" 2>&1 || return 1
	[ ! -e "$(host_pins h1)" ] && ! h1 ip -d link show dev ul0 | grep -q xdp &&
		! h1 tc filter show dev ul0 egress | grep -q warren &&
		! h1 tc filter show dev ul0 ingress | grep -q warren
}
check "teardown removes the uplink's hooks" torn

finish
