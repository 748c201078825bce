#!/usr/bin/env bash
# The clsact fallback that kernels before 6.6 (no tcx) get, forced here
# with --hook clsact: same verdicts, filters that survive an agent restart,
# and the restart swaps programs in place.
source "$(dirname "$0")/lib.sh"
need_root_tools
ktap_plan 5

H=c1
add() {	# add WL ENV REPLICA
	wl_create "$1" && wl_serve "$1" && add_endpoint "$1" p "$2" s "$3"
}

host_create $H && agent_start $H --hook clsact
ctl $H project add p && ctl $H env add p prod >/dev/null && ctl $H env add p dev >/dev/null
add a prod 0 && add b prod 1 && add c dev 0
check "agent reports clsact" test "$(ctl $H --json status | jq -r .agent.hook)" = clsact
check "filters, not tcx links, on the veth" \
	bash -c "tc -n $(host_ns $H) filter show dev wrn1 ingress | grep -q warren_from_wl && \
		 tc -n $(host_ns $H) filter show dev wrn1 egress | grep -q warren_to_wl && \
		 [ ! -e $(host_pins $H)/links/wrn1_in ]"

verdicts() {
	in_wl a "$PROBE" check tcp:"${V4[b]}" udp:"${V6[b]}" icmp:"${V4[b]}" >/dev/null &&
	! in_wl a "$PROBE" check --timeout-ms 300 tcp:"${V4[c]}" udp:"${V6[c]}" icmp:"${V6[c]}" | grep -q " ok"
}
check "same environment delivers, other environment refused" verdicts

agent_kill9 $H
check "traffic flows while the agent is down" verdicts
agent_start $H --hook clsact
restart_ok() {
	verdicts && [ "$(tc -n "$(host_ns $H)" filter show dev wrn1 ingress | grep -c warren_from_wl)" -eq 1 ]
}
check "after a restart: one filter per hook, same verdicts" restart_ok

finish
