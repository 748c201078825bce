#!/usr/bin/env bash
# Three hosts, each its own network namespace with its own agent, its own
# WireGuard device and an underlay address on one shared link (a bridge in
# a fourth namespace, the "switch"); workloads of 2 projects x 2
# environments spread over them, one replica of each on every host.
#
# The cross-host all-pairs matrix (TCP, UDP, ICMP over IPv4 and IPv6),
# names across hosts, a capture of the underlay while a marker crosses,
# plaintext and stranger packets injected from the underlay, an agent
# killed and restarted, a bad fleet state refused whole, and a host
# removed from the fleet.
#
# Whatever implements WireGuard here (the kernel module, or wireguard-go
# where the kernel has none) is the agent's choice; the suite passes on
# either. WARREN_EXPECT_WG=kernel|wireguard-go (scripts/vmtest.sh sets it
# on a kernel with the module) makes the choice itself a check.
source "$(dirname "$0")/lib.sh"
need_root_tools
for t in wg tcpdump dig; do
	command -v $t >/dev/null || { echo "1..0 # SKIP missing $t"; exit 0; }
done
if ! modprobe -q wireguard 2>/dev/null && ! command -v "${WARREN_WIREGUARD_GO:-wireguard-go}" >/dev/null; then
	echo "1..0 # SKIP no WireGuard: neither the kernel module nor wireguard-go"
	exit 0
fi
ktap_plan 23

HOSTS=(h1 h2 h3)
SW=$RUN_ID-sw			# the underlay switch
declare -A UL4=([h1]=192.168.77.1 [h2]=192.168.77.2 [h3]=192.168.77.3)
declare -A UL6=([h1]=fd00:77::1 [h2]=fd00:77::2 [h3]=fd00:77::3)
# One underlay address per host, so one family for the whole fleet: the
# uplink guard admits a peer only from the address the fleet state gives.
declare -A UNDERLAY=([h1]=${UL4[h1]} [h2]=${UL4[h2]} [h3]=${UL4[h3]})
declare -A IDX=([h1]=1 [h2]=2 [h3]=3)
declare -A PUB
wgdev() { echo "wg${RUN_ID#w}${IDX[$1]}"; }	# unique per run: wireguard-go's sockets are global
DOMAIN=warren.internal

cleanup_mesh() {
	cleanup
	rm -f /var/run/wireguard/wg"${RUN_ID#w}"?.sock
}
trap cleanup_mesh EXIT

# --- underlay and hosts ------------------------------------------------------------
setup_underlay() {
	ip netns add "$SW" && ip -n "$SW" link set lo up &&
	ip -n "$SW" link add br0 type bridge && ip -n "$SW" link set br0 up || return 1
	ip -n "$SW" addr add 192.168.77.100/24 dev br0
	for h in "${HOSTS[@]}"; do
		host_create "$h" || return 1
		ip link add ul0 netns "$(host_ns "$h")" type veth peer name "p-$h" netns "$SW" || return 1
		ip -n "$SW" link set "p-$h" master br0 up
		ip -n "$(host_ns "$h")" link set ul0 up
		ip -n "$(host_ns "$h")" addr add "${UL4[$h]}/24" dev ul0
		ip -n "$(host_ns "$h")" addr add "${UL6[$h]}/64" dev ul0 nodad
		# A real host forwards (container NAT): plaintext towards a
		# workload would be routed to it, were it not for the guard.
		ip netns exec "$(host_ns "$h")" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		(umask 077; wg genkey > "$TMP/$h.key") && PUB[$h]=$(wg pubkey < "$TMP/$h.key") || return 1
	done
}

start_agent() {	# start_agent HOST
	local h=$1 i=${IDX[$1]}
	# XDP for the receive guard here (auto would take tc on a veth): test_mesh_guard.sh has tc.
	agent_start "$h" --host "$h" --wg-private-key "$TMP/$h.key" --wg-device "$(wgdev "$h")" \
		--uplink ul0 --uplink-rx xdp --host4 "10.210.$i.0/24" --host6 "fd77:7761:7272:$i::/64"
}

# --- the fleet state -----------------------------------------------------------------
PROJECTS=(p1 p2) ENVS=(prod dev)
WLS=()
declare -A HOST_OF SLOT
fleet_file() {	# fleet_file OUT [HOST...]: the state with only these hosts
	local out=$1 h p e; shift
	local hosts=("$@")
	{
		echo "# warren fleet state for $RUN_ID"
		for h in "${hosts[@]}"; do
			local i=${IDX[$h]}
			echo "host name=$h underlay=${UNDERLAY[$h]} port=51820 public-key=${PUB[$h]}" \
			     "prefix4=10.210.$i.0/24 prefix6=fd77:7761:7272:$i::/64 keepalive=25"
		done
		for p in "${PROJECTS[@]}"; do for e in "${ENVS[@]}"; do
			echo "env project=$p env=$e"
		done; done
		for wl in "${WLS[@]}"; do
			[[ " ${hosts[*]} " == *" ${HOST_OF[$wl]} "* ]] || continue
			IFS=- read -r p e _ r <<<"$wl"
			echo "endpoint host=${HOST_OF[$wl]} project=$p env=$e service=web replica=$r" \
			     "type=web slot=${SLOT[$wl]} netns=$(wl_ns "$wl") ports=http=$((8080 + r))/tcp"
		done
	} > "$out"
}

setup_ok=true
setup_underlay || setup_ok=false
n=0
for p in "${PROJECTS[@]}"; do for e in "${ENVS[@]}"; do
	for h in "${HOSTS[@]}"; do
		r=$((IDX[$h] - 1))
		wl=$p-$e-web-$r
		WLS+=("$wl")
		HOST_OF[$wl]=$h
		n=$((n + 1))
		SLOT[$wl]=$((10 + n))
		wl_create "$wl" && wl_serve "$wl" || setup_ok=false
		i=${IDX[$h]}
		V4[$wl]=10.210.$i.${SLOT[$wl]}
		V6[$wl]=fd77:7761:7272:$i::$(printf %x "${SLOT[$wl]}")
		ENV_OF[$wl]=$p/$e
	done
done; done
for h in "${HOSTS[@]}"; do start_agent "$h" || setup_ok=false; done
fleet_file "$TMP/fleet" "${HOSTS[@]}"
for h in "${HOSTS[@]}"; do
	ctl "$h" apply "$TMP/fleet" >"$TMP/apply.$h" 2>&1 || { setup_ok=false; diag "apply on $h: $(cat "$TMP/apply.$h")"; }
done
check "3 hosts up, the same fleet state applied on each (12 workloads, 4 environments)" $setup_ok
kind=$(ctl h1 --json status | jq -r '.mesh.wg_kind')
xdp=$(ctl h1 --json status | jq -r '.mesh.uplink_xdp')
diag "WireGuard: $kind; uplink guard: $xdp XDP"
check "status shows the WireGuard implementation${WARREN_EXPECT_WG:+ (expected: $WARREN_EXPECT_WG)} and the XDP mode" \
	bash -c '[[ ($0 == kernel || $0 == wireguard-go) && ($1 == native || $1 == generic) &&
		   ( -z $2 || $0 == $2 ) ]]' "$kind" "$xdp" "${WARREN_EXPECT_WG:-}"

# Every workload has its addresses, inside its own netns.
addrs_ok=true
for wl in "${WLS[@]}"; do
	in_wl "$wl" ip -o addr show dev warren0 | grep -q " ${V4[$wl]}/32" || { addrs_ok=false; diag "$wl lacks ${V4[$wl]}"; }
done
check "each workload has the address its slot names on its host" $addrs_ok

peers_ok=true
for h in "${HOSTS[@]}"; do
	np=$(ip netns exec "$(host_ns "$h")" wg show "$(wgdev "$h")" peers | wc -l)
	[ "$np" -eq 2 ] || { peers_ok=false; diag "$h has $np peers"; }
done
check "each device has one peer per other host" $peers_ok

# Handshakes first: the matrix then measures policy, not key exchange.
warm() {
	local a b
	for a in p1-prod-web-0 p1-prod-web-1 p1-prod-web-2; do for b in p1-prod-web-0 p1-prod-web-1 p1-prod-web-2; do
		[ "$a" = "$b" ] && continue
		wait_for 30 quiet in_wl "$a" "$PROBE" check --timeout-ms 500 icmp:"${V4[$b]}" || return 1
	done; done
}
check "tunnels come up between every pair of hosts" warm
# An operator reads how long ago each peer shook hands, not an epoch.
peer_ages() {
	local ages
	ages=$(ctl h1 --json status | jq -r '.peers[].handshake_age')
	diag "h1 peers' handshakes: $(echo $ages)"
	[ "$(grep -cE '^[0-9]+s ago$' <<<"$ages")" -eq 2 ] &&
		ctl h1 status | grep -E '^h[23] ' | grep -qE ' [0-9]+s ago '
}
check "status shows each peer's handshake as an age" wait_for 30 peer_ages

# --- the cross-host matrix ---------------------------------------------------------------
matrix() {	# matrix TAG: every workload probes every workload on another host
	local src dst proto pids=()
	for src in "${WLS[@]}"; do
		specs=()
		for dst in "${WLS[@]}"; do
			[ "${HOST_OF[$src]}" = "${HOST_OF[$dst]}" ] && continue
			for proto in tcp udp icmp; do specs+=("$proto:${V4[$dst]}" "$proto:${V6[$dst]}"); done
		done
		in_wl "$src" "$PROBE" check --timeout-ms 800 "${specs[@]}" > "$TMP/matrix.$1.$src" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	declare -gA OWNER
	for wl in "${WLS[@]}"; do OWNER[${V4[$wl]}]=$wl; OWNER[${V6[$wl]}]=$wl; done
	SAME_OK=0 SAME_BAD=0 CROSS_OK=0 CROSS_REFUSED=0
	for src in "${WLS[@]}"; do
		while read -r spec verdict _; do
			dst=${OWNER[${spec#*:}]:-}
			[ -n "$dst" ] || { SAME_BAD=$((SAME_BAD + 1)); diag "unexpected: $spec $verdict"; continue; }
			if [ "${ENV_OF[$src]}" = "${ENV_OF[$dst]}" ]; then
				[ "$verdict" = ok ] && SAME_OK=$((SAME_OK + 1)) ||
					{ SAME_BAD=$((SAME_BAD + 1)); diag "same-env $src -> $dst $spec: $verdict"; }
			else
				[ "$verdict" = ok ] && { CROSS_OK=$((CROSS_OK + 1)); diag "CROSS-ENV DELIVERED $src -> $dst $spec"; } ||
					CROSS_REFUSED=$((CROSS_REFUSED + 1))
			fi
		done < "$TMP/matrix.$1.$src"
	done
	diag "same environment: $SAME_OK delivered, $SAME_BAD not; other environments: $CROSS_REFUSED refused, $CROSS_OK delivered"
}
matrix all
# 12 workloads x 8 on other hosts x 6 probes: 2 of the 8 share the environment.
check "every same-environment pair across hosts delivers (TCP, UDP, ICMP; IPv4, IPv6): 144 probes" \
	test "$SAME_OK" -eq 144 -a "$SAME_BAD" -eq 0
check "no cross-environment pair across hosts delivers: 432 probes refused" \
	test "$CROSS_REFUSED" -eq 432 -a "$CROSS_OK" -eq 0
xenv=0
for h in "${HOSTS[@]}"; do
	for p in "${PROJECTS[@]}"; do for e in "${ENVS[@]}"; do
		xenv=$((xenv + $(counter "$h" "$p" "$e" drop_cross_env)))
	done; done
done
check "the refusals are the datapath's: cross_env drops counted ($xenv)" test "$xenv" -ge 432

# --- names across hosts -----------------------------------------------------------------------
dig_set() { in_wl "$1" dig +short +time=2 +tries=2 "$2" "${3:-A}" | sort | tr '\n' ' '; }
want=$(printf '%s\n' "${V4[p1-prod-web-0]}" "${V4[p1-prod-web-1]}" "${V4[p1-prod-web-2]}" | sort | tr '\n' ' ')
got=$(dig_set p1-prod-web-0 web.$DOMAIN)
diag "web.$DOMAIN from p1/prod on h1: $got"
check "a service's name answers every replica on every host, own environment only" test "$got" = "$want"
check "a replica on another host by number: 2.web.$DOMAIN" \
	test "$(dig_set p1-prod-web-0 2.web.$DOMAIN)" = "${V4[p1-prod-web-2]} "

srv_want=$(for r in 0 1 2; do echo "0 1 $((8080 + r)) $r.web.$DOMAIN."; done | sort | tr '\n' ' ')
check "SRV _http._tcp.web.$DOMAIN: one record per replica on every host (fleet state ports)" \
	test "$(dig_set p1-prod-web-0 _http._tcp.web.$DOMAIN SRV)" = "$srv_want"
# A change of ports only renames: the endpoint keeps its interface, DNS sees the new port.
ports_only() {
	local before after
	before=$(ctl h1 --json endpoint list | jq -c '[.[] | {id, ifindex}]')
	sed 's|\(service=web replica=0 .*\)ports=http=8080/tcp|\1ports=http=9090/tcp|' "$TMP/fleet" > "$TMP/fleet.ports"
	ctl h1 apply "$TMP/fleet.ports" >/dev/null || return 1
	after=$(ctl h1 --json endpoint list | jq -c '[.[] | {id, ifindex}]')
	[ "$before" = "$after" ] && dig_set p1-prod-web-0 _http._tcp.0.web.$DOMAIN SRV | grep -q " 9090 " &&
	ctl h1 --json endpoint list | jq -e '.[] | select(.ports == "http=9090/tcp")' >/dev/null &&
	ctl h1 apply "$TMP/fleet" >/dev/null
}
check "a fleet state changing only ports keeps the endpoints, and SRV answers the new port" ports_only

# --- the underlay carries nothing in the clear ---------------------------------------------------
MARK=warren-marker-$RUN_ID-$RANDOM
capture() {
	local dst=p1-prod-web-1 got
	ip netns exec "$SW" tcpdump -i br0 -nn -U -w "$TMP/ul.pcap" 2>"$TMP/tcpdump.err" &
	local tpid=$!
	wait_for 50 grep -q listening "$TMP/tcpdump.err" || { kill $tpid; return 1; }
	in_wl $dst "$PROBE" recv --port 9999 --timeout-ms 1500 > "$TMP/recv.marker" &
	local rpid=$!
	wait_for 20 grep -q ready "$TMP/recv.marker"
	for _ in 1 2 3; do
		in_wl p1-prod-web-0 bash -c "echo $MARK > /dev/udp/${V4[$dst]}/9999"
		in_wl p1-prod-web-0 bash -c "echo $MARK > /dev/udp/${V6[$dst]}/9999"
	done
	wait $rpid
	# tcpdump drops what it has not read yet when killed; on a slow
	# machine (TCG in scripts/vmtest.sh) that is seconds behind, so wait
	# until the 6 datagrams' WireGuard packets are in the file (bounded).
	wait_for 50 bash -c '[ "$(tcpdump -r "$0" -nn "udp port 51820" 2>/dev/null | wc -l)" -ge 6 ]' \
		"$TMP/ul.pcap"
	sleep 0.2
	kill $tpid; wait $tpid 2>/dev/null
	got=$(awk '/received/ { print $2 }' "$TMP/recv.marker")
	MARKER_RECEIVED=${got:-$(grep -o '[0-9]\+' "$TMP/recv.marker" | tail -1)}
	CLEAR=$(tcpdump -r "$TMP/ul.pcap" -A 2>/dev/null | grep -c "$MARK")
	WG_PKTS=$(tcpdump -r "$TMP/ul.pcap" -nn 'udp port 51820' 2>/dev/null | wc -l)
	OTHER=$(tcpdump -r "$TMP/ul.pcap" -nn '(ip and not udp port 51820) or (ip6 and not udp port 51820 and not icmp6)' 2>/dev/null | wc -l)
	diag "marker datagrams received: $MARKER_RECEIVED; on the underlay: $WG_PKTS WireGuard packets, $OTHER others, marker in clear $CLEAR times"
}
capture
check "a marker crossing hosts arrives, and the underlay shows it nowhere in clear" \
	test "${MARKER_RECEIVED:-0}" -ge 1 -a "${CLEAR:-1}" -eq 0 -a "${WG_PKTS:-0}" -ge 6
check "the underlay carried only WireGuard UDP meanwhile" test "${OTHER:-1}" -eq 0

# --- the uplink guard -----------------------------------------------------------------------
inject() {
	local dst=p1-prod-web-1 before after
	before=$(counter h2 "" "" drop_plaintext)
	in_wl $dst "$PROBE" recv --port 9999 --timeout-ms 1200 > "$TMP/recv.inject" &
	local rpid=$!
	wait_for 20 grep -q ready "$TMP/recv.inject"
	ip -n "$SW" route replace 10.210.0.0/16 via "${UL4[h2]}"
	for _ in 1 2 3 4 5; do
		ip netns exec "$SW" bash -c "echo plaintext > /dev/udp/${V4[$dst]}/9999" 2>/dev/null
	done
	wait $rpid
	after=$(counter h2 "" "" drop_plaintext)
	INJECT_RECEIVED=$(grep -o '[0-9]\+' "$TMP/recv.inject" | tail -1)
	INJECT_DROPS=$((after - before))
	diag "plaintext to a workload from the underlay: received ${INJECT_RECEIVED:-?}, drop-plaintext +$INJECT_DROPS"
}
inject
check "plaintext injected from the underlay towards a workload is dropped by the uplink guard" \
	test "${INJECT_RECEIVED:-1}" -eq 0 -a "$INJECT_DROPS" -ge 5
stranger() {
	local before after
	before=$(counter h2 "" "" drop_not_peer)
	for _ in 1 2 3; do
		ip netns exec "$SW" bash -c "echo hello > /dev/udp/${UL4[h2]}/51820" 2>/dev/null
	done
	sleep 0.2
	after=$(counter h2 "" "" drop_not_peer)
	diag "stranger to the WireGuard port: drop-not-peer +$((after - before))"
	[ $((after - before)) -ge 3 ]
}
check "UDP to the WireGuard port from a non-peer is dropped and counted" stranger

# --- restart one agent -------------------------------------------------------------------------
agent_kill9 h2
start_agent h2
resumed() {
	wait_for 30 quiet in_wl p1-prod-web-0 "$PROBE" check --timeout-ms 500 tcp:"${V4[p1-prod-web-1]}" udp:"${V6[p1-prod-web-1]}" &&
	wait_for 30 quiet in_wl p1-prod-web-1 "$PROBE" check --timeout-ms 500 tcp:"${V4[p1-prod-web-2]}" icmp:"${V6[p1-prod-web-2]}" &&
	! in_wl p2-dev-web-1 "$PROBE" check --timeout-ms 300 tcp:"${V4[p1-prod-web-0]}" >/dev/null
}
check "after kill -9 and restart of one agent traffic resumes, nothing else reconfigured" resumed ||
	sed 's/^/# h2: /' "$TMP/h2.log"

# --- bad input, and applying again --------------------------------------------------------------
bad_file() {
	local before after rc
	before=$(ctl h1 --json host list; ctl h1 --json endpoint list)
	sed 's/slot=13 /slot=1 /' "$TMP/fleet" > "$TMP/fleet.bad"
	ctl h1 apply "$TMP/fleet.bad" > "$TMP/bad.out" 2>&1; rc=$?
	diag "bad file: $(cat "$TMP/bad.out")"
	after=$(ctl h1 --json host list; ctl h1 --json endpoint list)
	[ $rc -ne 0 ] && grep -q "line [0-9]*: field slot" "$TMP/bad.out" && [ "$before" = "$after" ]
}
check "a bad fleet state is refused whole with its line and field, and nothing changes" bad_file
again() {
	local before after
	before=$(ctl h1 --json endpoint list)
	ctl h1 apply "$TMP/fleet" >/dev/null || return 1
	after=$(ctl h1 --json endpoint list)
	[ "$before" = "$after" ]
}
check "applying the same state again changes nothing (same endpoints, same interfaces)" again

# --- remove a host ------------------------------------------------------------------------------
fleet_file "$TMP/fleet.2" h1 h2
removed() {
	ctl h1 host del name h3 >/dev/null || return 1
	ctl h2 apply "$TMP/fleet.2" >/dev/null || return 1
	local h np
	for h in h1 h2; do
		np=$(ip netns exec "$(host_ns "$h")" wg show "$(wgdev "$h")" peers | wc -l)
		[ "$np" -eq 1 ] || { diag "$h still has $np peers"; return 1; }
		ip netns exec "$(host_ns "$h")" wg show "$(wgdev "$h")" peers | grep -q "${PUB[h3]}" && return 1
	done
	[ "$(ctl h1 --json status | jq -r '.mesh.remote_endpoints')" -eq 4 ]
}
check "removing a host from the fleet state removes its peer and its endpoints (host del, apply)" removed
check "its names are gone: web.$DOMAIN answers the 2 remaining replicas" \
	test "$(dig_set p1-prod-web-0 web.$DOMAIN)" = "$(printf '%s\n' "${V4[p1-prod-web-0]}" "${V4[p1-prod-web-1]}" | sort | tr '\n' ' ')"
check "and its workloads are unreachable" \
	bash -c "! ip netns exec $(wl_ns p1-prod-web-0) $PROBE check --timeout-ms 300 tcp:${V4[p1-prod-web-2]} icmp:${V6[p1-prod-web-2]} >/dev/null"

finish
