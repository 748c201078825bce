#!/usr/bin/env bash
# A small fleet for the mesh's end-to-end tests (sourced after lib.sh):
# hosts as network namespaces, each with its own agent and WireGuard
# device, their uplinks ul0 on one bridge in a "switch" namespace; the
# workloads a test declares, and the fleet state that places them.
#
#   mesh_need_tools                 SKIP (exit 0) without wg/tcpdump/WireGuard
#   mesh_underlay HOST...           the switch (once), the hosts, their keys
#   mesh_agent HOST [args...]       start HOST's agent (--uplink ul0) with its prefixes
#   mesh_agent_bare HOST [args...]  the same without --host4/--host6 (a directory
#                                   hands them out)
#   mesh_wl NAME HOST P E REPLICA SLOT   declare (and create) a workload
#   mesh_fleet OUT [NAME...]        the fleet state: all hosts, every declared workload's
#                                   environment, these workloads
#   mesh_apply FILE                 apply it on every host

mesh_need_tools() {
	local t
	for t in wg tcpdump; do
		command -v $t >/dev/null || { echo "1..0 # SKIP missing $t"; exit 0; }
	done
	if ! modprobe -q wireguard 2>/dev/null &&
	   ! command -v "${WARREN_WIREGUARD_GO:-wireguard-go}" >/dev/null; then
		echo "1..0 # SKIP no WireGuard: neither the kernel module nor wireguard-go"
		exit 0
	fi
}

MESH_HOSTS=()
SW=$RUN_ID-sw
declare -A UL4 UL6 IDX PUB HOST_OF SLOT WL_P WL_E WL_R
mesh_wgdev() { echo "wg${RUN_ID#w}${IDX[$1]}"; }	# wireguard-go's sockets are global

mesh_cleanup() {
	cleanup
	rm -f /var/run/wireguard/wg"${RUN_ID#w}"?.sock
}
trap mesh_cleanup EXIT

mesh_underlay() {	# again later: more hosts on the same switch
	local h i=${#MESH_HOSTS[@]}
	if [ ! -e "/run/netns/$SW" ]; then
		ip netns add "$SW" && ip -n "$SW" link set lo up &&
		ip -n "$SW" link add br0 type bridge && ip -n "$SW" link set br0 up || return 1
		ip -n "$SW" addr add 192.168.77.100/24 dev br0
		ip -n "$SW" addr add fd00:77::100/64 dev br0 nodad
	fi
	for h in "$@"; do
		i=$((i + 1))
		MESH_HOSTS+=("$h")
		IDX[$h]=$i UL4[$h]=192.168.77.$i UL6[$h]=fd00:77::$i
		host_create "$h" || return 1
		ip link add ul0 netns "$(host_ns "$h")" type veth peer name "p-$h" netns "$SW" || return 1
		ip -n "$SW" link set "p-$h" master br0 up
		ip -n "$(host_ns "$h")" link set ul0 up
		ip -n "$(host_ns "$h")" addr add "${UL4[$h]}/24" dev ul0
		ip -n "$(host_ns "$h")" addr add "${UL6[$h]}/64" dev ul0 nodad
		# A real host forwards (container NAT, public egress).
		ip netns exec "$(host_ns "$h")" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		(umask 077; wg genkey > "$TMP/$h.key") && PUB[$h]=$(wg pubkey < "$TMP/$h.key") || return 1
	done
}

mesh_agent() {
	local h=$1 i=${IDX[$1]}; shift
	mesh_agent_bare "$h" --host4 "10.210.$i.0/24" --host6 "fd77:7761:7272:$i::/64" "$@"
}

mesh_agent_bare() {
	local h=$1; shift
	agent_start "$h" --host "$h" --wg-private-key "$TMP/$h.key" --wg-device "$(mesh_wgdev "$h")" \
		--uplink ul0 "$@"
}

# mesh_wl NAME HOST PROJECT ENV REPLICA SLOT: a workload netns serving echo.
mesh_wl() {
	local wl=$1 h=$2 i=${IDX[$2]}
	HOST_OF[$wl]=$h WL_P[$wl]=$3 WL_E[$wl]=$4 WL_R[$wl]=$5 SLOT[$wl]=$6
	V4[$wl]=10.210.$i.$6
	V6[$wl]=fd77:7761:7272:$i::$(printf %x "$6")
	ENV_OF[$wl]=$3/$4
	wl_create "$wl" && wl_serve "$wl"
}

mesh_fleet() {
	local out=$1 h wl; shift
	{
		for h in "${MESH_HOSTS[@]}"; do
			local i=${IDX[$h]}
			echo "host name=$h underlay=${UL4[$h]} port=51820 public-key=${PUB[$h]}" \
			     "prefix4=10.210.$i.0/24 prefix6=fd77:7761:7272:$i::/64 keepalive=25"
		done
		# Every declared workload's environment, placed or not: an environment
		# outlives its endpoints (and keeps their tombstones).
		# (MESH_SKIP_ENVS="P/E ...": leave these out.)
		for wl in "${!WL_P[@]}"; do echo "${WL_P[$wl]}/${WL_E[$wl]}"; done | sort -u | while IFS=/ read -r p e; do
			[[ " ${MESH_SKIP_ENVS:-} " == *" $p/$e "* ]] && continue
			echo "env project=$p env=$e"
		done
		for wl in "$@"; do
			echo "endpoint host=${HOST_OF[$wl]} project=${WL_P[$wl]} env=${WL_E[$wl]} service=web" \
			     "replica=${WL_R[$wl]} slot=${SLOT[$wl]} netns=$(wl_ns "$wl")"
		done
	} > "$out"
}

mesh_apply() {
	local h ok=true
	for h in "${MESH_HOSTS[@]}"; do
		ctl "$h" apply "$1" >"$TMP/apply.$h" 2>&1 || { ok=false; diag "apply on $h: $(cat "$TMP/apply.$h")"; }
	done
	$ok
}
