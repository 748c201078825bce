#!/usr/bin/env bash
# The control socket at scale: 1000 environments, 200 endpoints (four in
# each of the last 50 environments), real traffic in the last of them.
# `warrenctl status` answers some 2 MiB, past the 1 MiB it once refused
# ("Message too long"): --json parses with jq and has every environment,
# the counters of the last one equal the pings sent, the text form lists
# them all; `env list` and `endpoint list` have everything. Every call is
# bounded (timeout), and the agent answers quickly after.
source "$(dirname "$0")/lib.sh"
need_root_tools
command -v ping >/dev/null || { echo "1..0 # SKIP missing ping"; exit 1; }
ktap_plan 7

H=h1
NENV=1000 WITH_EPS=50 REPLICAS=4
NEP=$((WITH_EPS * REPLICAS))
NPING=10
# tctl ARGS...: warrenctl with a bound of its own (its socket timeout is 30 s).
tctl() { timeout 10 "$WARRENCTL" --socket "$(host_sock $H)" "$@"; }

host_create $H
setup() {
	local i
	agent_start $H && ctl $H project add p1 || return 1
	for ((i = 1; i <= NENV; i++)); do
		ctl $H env add p1 e$i >/dev/null || { diag "env add p1 e$i failed"; return 1; }
	done
}
SECONDS=0
check "$NENV environments in one project" setup
diag "$NENV environments added in ${SECONDS}s"

endpoints() {
	local i r
	for ((i = NENV - WITH_EPS + 1; i <= NENV; i++)); do
		for ((r = 0; r < REPLICAS; r++)); do
			wl_create w$i-$r && add_endpoint w$i-$r p1 e$i api $r ||
				{ diag "endpoint p1/e$i/api/$r failed"; return 1; }
		done
	done
}
SECONDS=0
check "$NEP endpoints: $REPLICAS in each of the last $WITH_EPS environments" endpoints
diag "$NEP endpoints added in ${SECONDS}s"

traffic() { in_wl w$NENV-0 ping -q -c $NPING -i 0.01 -W 1 "${V4[w$NENV-1]}" >/dev/null; }
check "$NPING pings between two replicas of p1/e$NENV answered" traffic

status_json() {
	local bytes
	tctl --json status >"$TMP/status.json" || return 1
	bytes=$(wc -c <"$TMP/status.json")
	diag "status --json: $bytes bytes"
	[ "$bytes" -gt $((1 << 20)) ] || { diag "under 1 MiB: this tests nothing"; return 1; }
	jq -e --argjson n $NENV --argjson ne $NEP --argjson p $((2 * NPING)) '
		.agent.envs == $n and .agent.endpoints == $ne and
		(.counters | length) == $n + 1 and
		([.counters[] | select(.project == "p1") | .env] | unique | length) == $n and
		(.counters[] | select(.env == "e\($n)") | .local_packets == $p and .drops == 0) and
		([.counters[] | select(.env != "e\($n)") | .delivered_packets] | add) == 0' \
		"$TMP/status.json" >/dev/null
}
check "status --json with $NENV environments parses, has them all, and e$NENV's $((2 * NPING)) packets" status_json

status_text() {
	tctl status >"$TMP/status.txt" || return 1
	[ "$(grep -cE '^p1 +e[0-9]+ ' "$TMP/status.txt")" -eq $NENV ]
}
check "status (text) lists all $NENV environments" status_text

lists() {
	[ "$(tctl --json env list | jq length)" = $NENV ] &&
	[ "$(tctl --json endpoint list | jq length)" = $NEP ] &&
	[ "$(tctl --json endpoint list env e$NENV | jq length)" = $REPLICAS ]
}
check "env list and endpoint list have all $NENV environments and $NEP endpoints" lists

quick() {
	local t0 t1
	t0=$(date +%s%N)
	tctl --json status | jq -e '.counters | length > 0' >/dev/null || return 1
	t1=$(date +%s%N)
	diag "status --json | jq: $(( (t1 - t0) / 1000000 )) ms"
	[ $(( (t1 - t0) / 1000000 )) -lt 5000 ]
}
check "status --json | jq answers within 5 s" quick
finish
