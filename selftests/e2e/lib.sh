#!/usr/bin/env bash
# Shared pieces of the end-to-end tests, in the manner of the kernel's
# tools/testing/selftests/net: namespaces with a per-run prefix, KTAP
# output, a cleanup trap, bounded polls instead of sleeps.
#
# A "host" is a network namespace running its own warrend; workloads are
# network namespaces whose veth the agent creates. warrend joins the host
# namespace with nsenter --net only, so it keeps this mount namespace and
# its bpffs pins survive an agent restart as they would on a real host.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-${WARREN_BUILD:-build}}
case "$O" in /*) ;; *) O=$TOP/$O ;; esac
WARREND=$O/warrend
WARRENCTL=$O/warrenctl
PROBE=$O/selftests/warren-probe

RUN_ID=${RUN_ID:-w$$}
TMP=$(mktemp -d "/tmp/warren-e2e.$RUN_ID.XXXX")
T_N=0 T_FAIL=0

ktap_plan() { echo "TAP version 13"; echo "1..$1"; }
ok() { T_N=$((T_N + 1)); echo "ok $T_N $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N $*"; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N $1 # SKIP $2"; }
# check NAME CMD...: one result from a command's status.
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }
diag() { echo "# $*"; }
quiet() { "$@" >/dev/null 2>&1; }

need_root_tools() {
	local t
	[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
	for t in ip nsenter jq "$WARREND" "$WARRENCTL" "$PROBE"; do
		command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t"; exit 1; }
	done
}

# --- hosts -----------------------------------------------------------------
# host_start NAME [warrend args...]: a host netns with a running agent.
declare -A AGENT_PID
host_ns() { echo "$RUN_ID-$1"; }
host_sock() { echo "$TMP/$1.sock"; }
host_pins() { echo "/sys/fs/bpf/warren-$RUN_ID-$1"; }
host_state() { echo "$TMP/$1.state"; }

host_create() {
	local ns; ns=$(host_ns "$1")
	ip netns add "$ns" && ip -n "$ns" link set lo up
}

agent_start() {
	local h=$1; shift
	nsenter --net="/run/netns/$(host_ns "$h")" "$WARREND" \
		--pin-dir "$(host_pins "$h")" --socket "$(host_sock "$h")" \
		--state "$(host_state "$h")" "${HOST_ARGS[@]}" "$@" >>"$TMP/$h.log" 2>&1 &
	AGENT_PID[$h]=$!
	wait_for 50 quiet ctl "$h" status || { diag "agent $h did not come up:"; sed 's/^/#   /' "$TMP/$h.log"; return 1; }
}
HOST_ARGS=()

agent_stop() {	# SIGTERM: a clean stop that leaves the datapath in place
	local pid=${AGENT_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	AGENT_PID[$1]=
}

agent_kill9() {
	local pid=${AGENT_PID[$1]:-}
	kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	AGENT_PID[$1]=
}

# ctl HOST args...: warrenctl against that host's agent.
ctl() { local h=$1; shift; "$WARRENCTL" --socket "$(host_sock "$h")" "$@"; }

# --- workloads ---------------------------------------------------------------
wl_ns() { echo "$RUN_ID-$1"; }

# wl_create NAME: an empty netns with loopback up, serving echo on port 7.
wl_create() {
	local ns; ns=$(wl_ns "$1")
	ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
}

wl_serve() {
	local ns; ns=$(wl_ns "$1")
	# A subshell, so the shell has no job to report when cleanup kills it.
	(ip netns exec "$ns" "$PROBE" serve >"$TMP/serve.$1" 2>&1 &)
	wait_for 50 grep -qs ready "$TMP/serve.$1"
}

# add_endpoint WL PROJECT ENV SERVICE REPLICA [extra...]: an endpoint of
# host $H in workload WL; its addresses, id and environment land in the
# arrays V4, V6, ID, ENV_OF.
declare -A V4 V6 ID ENV_OF
add_endpoint() {
	local wl=$1 out; shift
	out=$(ctl "$H" --json endpoint add project "$1" env "$2" service "$3" replica "$4" \
		netns "$(wl_ns "$wl")" "${@:5}") || return 1
	V4[$wl]=$(jq -r '.[0].ipv4' <<<"$out")
	V6[$wl]=$(jq -r '.[0].ipv6' <<<"$out")
	ID[$wl]=$(jq -r '.[0].id' <<<"$out")
	ENV_OF[$wl]="$1/$2"
}

# in_wl NAME cmd...: run inside a workload.
in_wl() { local ns; ns=$(wl_ns "$1"); shift; ip netns exec "$ns" "$@"; }

# --- helpers -----------------------------------------------------------------
# wait_for TRIES cmd...: poll every 0.1 s, at most TRIES times.
wait_for() {
	local tries=$1 i; shift
	for ((i = 0; i < tries; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# counter HOST PROJECT ENV FIELD: one counter of `status --json`.
counter() {
	ctl "$1" --json status | jq -r --arg p "$2" --arg e "$3" --arg f "$4" \
		'.counters[] | select(.project == $p and .env == $e) | .[$f]'
}

cleanup() {
	local h ns
	for h in "${!AGENT_PID[@]}"; do agent_kill9 "$h"; done
	# Processes left in our namespaces (probe servers) go with them.
	for ns in $(ip netns list | awk '{print $1}' | grep "^$RUN_ID-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# resolv.conf files the agent wrote for our workloads (kill -9 leaves them)
	rm -rf /sys/fs/bpf/warren-"$RUN_ID"-* /etc/netns/"$RUN_ID"-* "$TMP"
}
trap cleanup EXIT

# finish: exit status for the runner.
finish() { [ "$T_FAIL" -eq 0 ]; exit $?; }
