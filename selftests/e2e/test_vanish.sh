#!/usr/bin/env bash
# Workloads whose network namespace vanishes while warrend runs (a crashed
# container, `ip netns del`): the agent hears the veth go (RTM_DELLINK) and
# removes the endpoint at once — endpoint list, DNS, the state file, its
# resolv.conf — and a later `endpoint add` of the same replica works. One
# at a time, many at once, while the agent is down, and in a fleet (the
# applied fleet state's record goes too; re-applying recreates it).
source "$(dirname "$0")/lib.sh"
need_root_tools
command -v dig >/dev/null || { echo "1..0 # SKIP missing dig"; exit 1; }
ktap_plan 11

H=h1
D=warren.internal
MANY=24

q() { local wl=$1; shift; in_wl "$wl" dig +time=2 +tries=1 "$@"; }
status_of() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
listed() { ctl $H --json endpoint list | jq -r '.[] | "\(.service)/\(.replica)"' | sort; }
has_ep() { listed | grep -qx "$1"; }
lacks_ep() { ! has_ep "$1"; }
count_eps() { ctl $H --json endpoint list | jq length; }
# reach WL SPEC...: every probe delivers.
reach() {
	local wl=$1 out; shift
	out=$(in_wl "$wl" "$PROBE" check --timeout-ms 1000 "$@")
	[ "$(grep -c ' ok$' <<<"$out")" -eq $# ] || { diag "$wl: $out"; return 1; }
}

cleanup_vanish() {
	cleanup
	rm -f /var/run/wireguard/wg"${RUN_ID#w}"v.sock /var/run/wireguard/wg"${RUN_ID#w}"v.log
}
trap cleanup_vanish EXIT

host_create $H
setup() {
	agent_start $H || return 1
	ctl $H project add p1 && ctl $H env add p1 prod >/dev/null || return 1
	wl_create peer && wl_serve peer && add_endpoint peer p1 prod peer 0 || return 1
	wl_create one && wl_serve one && add_endpoint one p1 prod api 0 || return 1
	[ "$(q peer +short api.$D A)" = "${V4[one]}" ]
}
check "agent, a caller and an endpoint api/0 that resolves" setup

# --- one netns deleted --------------------------------------------------------------------
one_gone() {
	local ns; ns=$(wl_ns one)
	[ -e "/etc/netns/$ns/resolv.conf" ] || { diag "no resolv.conf to begin with"; return 1; }
	ip netns pids "$ns" | xargs -r kill -9
	ip netns del "$ns" || return 1
	wait_for 50 lacks_ep api/0 || { diag "still listed: $(listed | tr '\n' ' ')"; return 1; }
	grep -q "endpoint ${ID[one]} p1/prod/api/0.*its interface is gone (netns deleted); removing" \
		"$TMP/$H.log" || { diag "no log line"; return 1; }
	[ "$(status_of peer api.$D A)" = NXDOMAIN ] || { diag "api still resolves"; return 1; }
	! grep -q "service=api" "$(host_state $H)" || { diag "state file keeps it"; return 1; }
	[ ! -e "/etc/netns/$ns" ] || { diag "/etc/netns/$ns left behind"; return 1; }
}
check "ip netns del: the endpoint leaves the list, DNS, the state file and /etc/netns at once" one_gone

readd() {
	wl_create one && wl_serve one && add_endpoint one p1 prod api 0 || return 1
	[ "$(q peer +short api.$D A)" = "${V4[one]}" ] &&
	reach peer "tcp:${V4[one]}" "udp:${V6[one]}"
}
check "endpoint add of the same replica then works: named and reachable" readd

# --- many at once --------------------------------------------------------------------------
many_setup() {
	local i
	for ((i = 0; i < MANY; i++)); do
		wl_create "m$i" && add_endpoint "m$i" p1 prod many "$i" || { diag "m$i"; return 1; }
	done
	[ "$(q peer +short many.$D A | wc -l)" -eq "$MANY" ]
}
check "$MANY more endpoints of one service" many_setup

many_gone() {
	local i pids=() t0 left
	t0=$(date +%s%N)
	# All but the last four, deleted at the same time.
	for ((i = 0; i < MANY - 4; i++)); do ip netns del "$(wl_ns "m$i")" & pids+=($!); done
	wait "${pids[@]}"
	all_gone() { [ "$(listed | grep -c '^many/')" -eq 4 ]; }
	wait_for 100 all_gone || { diag "left: $(listed | grep -c '^many/')"; return 1; }
	diag "$((MANY - 4)) removed within $(( ($(date +%s%N) - t0) / 1000000 )) ms of the first ip netns del"
	left=$(q peer +short many.$D A | sort)
	[ "$left" = "$(printf '%s\n' "${V4[m20]}" "${V4[m21]}" "${V4[m22]}" "${V4[m23]}" | sort)" ] ||
		{ diag "DNS: $left"; return 1; }
	[ "$(grep -c "service=many" "$(host_state $H)")" -eq 4 ] || { diag "state file"; return 1; }
	reach m23 "icmp:${V4[m20]}" "tcp:${V6[peer]}"
}
check "$((MANY - 4)) netns deleted at once: all removed, the other 4 named and reachable" many_gone

many_readd() {
	local i
	for ((i = 0; i < MANY - 4; i++)); do
		wl_create "m$i" && add_endpoint "m$i" p1 prod many "$i" || { diag "m$i again"; return 1; }
	done
	[ "$(q peer +short many.$D A | wc -l)" -eq "$MANY" ]
}
check "the same $((MANY - 4)) replicas can be added again" many_readd

# --- while the agent is down ------------------------------------------------------------------
while_down() {
	agent_stop $H
	ip netns del "$(wl_ns m0)" && ip netns del "$(wl_ns m1)" || return 1
	agent_start $H || return 1
	lacks_ep many/0 && lacks_ep many/1 && has_ep many/2 &&
	[ "$(q peer +short many.$D A | wc -l)" -eq $((MANY - 2)) ] &&
	[ ! -e "/etc/netns/$(wl_ns m0)" ] && ! grep -q "service=many replica=1 " "$(host_state $H)"
}
check "netns deleted while the agent was down: removed at start, resolv.conf too" while_down

after_restart() {	# the restarted agent watches as well
	ip netns del "$(wl_ns m2)" || return 1
	wait_for 50 lacks_ep many/2
}
check "after a restart, a vanishing netns is still noticed" after_restart

# --- notifications lost -----------------------------------------------------------------------
# The agent stopped (SIGSTOP) while a storm of link changes fills its
# netlink socket until the kernel drops messages: the removal that comes
# after is lost, and the agent must find it by rescanning once it runs.
netlink_drops() {	# the Drops column of the agent's netlink sockets, summed
	local pid=${AGENT_PID[$H]} inodes
	inodes=$(ls -l /proc/"$pid"/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | tr '\n' '|')
	ip netns exec "$(host_ns $H)" cat /proc/net/netlink |
		awk -v re="^(${inodes%|})$" 'NR > 1 && $10 ~ re { d += $9 } END { print d + 0 }'
}
storm() {
	local ns; ns=$(host_ns $H)
	local i chunk ifname
	ifname=$(ctl $H --json endpoint list | jq -r '.[] | select(.service == "many" and .replica == 5) | .ifname')
	ip -n "$ns" link add "st${RUN_ID#w}" type veth peer name "su${RUN_ID#w}" || return 1
	for ((i = 0; i < 4000; i++)); do echo "link set st${RUN_ID#w} mtu $((1280 + i % 200))"; done >"$TMP/storm"
	kill -STOP "${AGENT_PID[$H]}"
	for ((chunk = 0; chunk < 20 && $(netlink_drops) == 0; chunk++)); do
		ip -n "$ns" -b "$TMP/storm" || break
	done
	diag "$((chunk * 4000)) link changes queued; the agent's netlink drops: $(netlink_drops)"
	ip netns del "$(wl_ns m5)"
	# The kernel removes a netns asynchronously: wait for the veth to be gone (its removal dropped).
	veth_gone() { ! ip -n "$ns" link show "$ifname" >/dev/null 2>&1; }
	wait_for 50 veth_gone || diag "$ifname still there"
	kill -CONT "${AGENT_PID[$H]}"
	ip -n "$ns" link del "st${RUN_ID#w}"
	[ "$(netlink_drops)" -gt 0 ] || { diag "no drops: the storm was too small"; return 1; }
	wait_for 50 lacks_ep many/5 || { diag "many/5 still listed"; return 1; }
	grep -q "link notifications overflowed; rescanning" "$TMP/$H.log" &&
	grep -q "endpoint ${ID[m5]} .*found by rescan" "$TMP/$H.log" && has_ep many/6
}
check "notifications dropped while the agent was stopped: the vanished endpoint is found by rescan" storm

# --- in a fleet ----------------------------------------------------------------------------------
WG_OK=true
command -v wg >/dev/null || WG_OK=false
modprobe -q wireguard 2>/dev/null || command -v "${WARREN_WIREGUARD_GO:-wireguard-go}" >/dev/null ||
	WG_OK=false
F=f1
fleet_setup() {
	host_create $F && ip -n "$(host_ns $F)" link add ul0 type veth peer name ul1 &&
	ip -n "$(host_ns $F)" addr add 192.0.2.1/24 dev ul0 && ip -n "$(host_ns $F)" link set ul0 up ||
		return 1
	(umask 077; wg genkey > "$TMP/$F.key") || return 1
	agent_start $F --host $F --wg-private-key "$TMP/$F.key" --wg-device "wg${RUN_ID#w}v" \
		--host4 10.210.9.0/24 --host6 fd77:7761:7272:9::/64 || return 1
	wl_create fa && wl_create fb || return 1
	cat > "$TMP/fleet" <<-EOF
	host name=$F underlay=192.0.2.1 public-key=$(wg pubkey < "$TMP/$F.key") prefix4=10.210.9.0/24 prefix6=fd77:7761:7272:9::/64
	env project=p1 env=prod
	endpoint host=$F project=p1 env=prod service=web replica=0 slot=5 netns=$(wl_ns fa)
	endpoint host=$F project=p1 env=prod service=web replica=1 slot=6 netns=$(wl_ns fb)
	EOF
	ctl $F apply "$TMP/fleet" >/dev/null
}
fleet_vanish() {
	local fl; fl="$(host_state $F).fleet"
	fleet_setup || { diag "fleet setup: $(tail -3 "$TMP/$F.log")"; return 1; }
	grep -q "replica=1" "$fl" || { diag "fleet file lacks replica 1"; return 1; }
	ip netns del "$(wl_ns fb)"
	f_gone() { [ "$(ctl $F --json endpoint list | jq length)" -eq 1 ]; }
	wait_for 50 f_gone || { diag "fleet endpoint still listed"; return 1; }
	! grep -q "replica=1" "$fl" || { diag "applied fleet state keeps it"; return 1; }
	# The control plane's state still names it: refused while its netns is gone...
	ctl $F apply "$TMP/fleet" >"$TMP/reapply" 2>&1 && { diag "re-apply accepted"; return 1; }
	diag "re-apply: $(cat "$TMP/reapply")"
	grep -q "netns" "$TMP/reapply" || return 1
	# ...recreated once it is back,
	wl_create fb && ctl $F apply "$TMP/fleet" >/dev/null &&
	[ "$(ctl $F --json endpoint list | jq length)" -eq 2 ] && grep -q "replica=1" "$fl" || return 1
	# and one that vanishes while the agent is down does not stop it starting.
	agent_stop $F
	ip netns del "$(wl_ns fb)"
	agent_start $F --host $F --wg-private-key "$TMP/$F.key" --wg-device "wg${RUN_ID#w}v" \
		--host4 10.210.9.0/24 --host6 fd77:7761:7272:9::/64 || return 1
	[ "$(ctl $F --json endpoint list | jq length)" -eq 1 ] && ! grep -q "replica=1" "$fl"
}
if $WG_OK; then
	check "in a fleet: removed from the applied fleet state; re-apply refused, then recreated; restart survives" fleet_vanish
else
	skip "in a fleet: removed from the applied fleet state" "no WireGuard (module or wireguard-go) or no wg"
fi

bad_del() {	# endpoint del of a vanished endpoint says so, and changes nothing
	! ctl $H endpoint del project p1 env prod service many replica 2 2>"$TMP/del.err" &&
	grep -q "no endpoint" "$TMP/del.err" && [ "$(count_eps)" -eq $((MANY - 4 + 2)) ]
}
check "endpoint del of a vanished endpoint: no endpoint, nothing else changes" bad_del

finish
