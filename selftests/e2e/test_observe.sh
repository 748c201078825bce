#!/usr/bin/env bash
# Observing the datapath through a real warrend: cross-environment,
# spoofed and build-phase drops reach `warrenctl monitor --json` within a
# second with both ends named (project/env/service/replica on each side);
# six monitors at once with their own filters (--reason, --type, --env,
# --service, --project/--env/--service together);
# Ctrl-C ends a monitor cleanly; `warrenctl events set` changes the rate and
# flow sampling live; 100,000 refused packets in a burst leave the agent
# answering (status, DNS over TCP: the shim itself) while they arrive, and
# afterwards events read + rate-limited + ring-full equals the drops counted,
# also with a monitor that stopped reading; status shows the traffic per path.
source "$(dirname "$0")/lib.sh"
need_root_tools
command -v dig >/dev/null || { echo "1..0 # SKIP missing dig"; exit 1; }
ktap_plan 16

H=h1
D=warren.internal
R4=10.210.1.1
FLOOD=100000

host_create $H
setup() {
	agent_start $H || return 1
	ctl $H project add p1 && ctl $H env add p1 prod >/dev/null && ctl $H env add p1 dev >/dev/null ||
		return 1
	wl_create a && wl_serve a && add_endpoint a p1 prod api 0 || return 1
	wl_create b && wl_serve b && add_endpoint b p1 prod db 0 || return 1
	wl_create c && wl_serve c && add_endpoint c p1 dev api 0 || return 1
	wl_create d && wl_serve d && add_endpoint d p1 prod web 9 build
}
check "agent with three endpoints in two environments and a build-phase one" setup

# monitor NAME ARGS...: a warrenctl monitor in the background, its JSON lines in
# $TMP/NAME; started directly (not through a function) so that $! is warrenctl.
declare -A MON
monitor() {
	local name=$1; shift
	"$WARRENCTL" --socket "$(host_sock $H)" monitor --json "$@" > "$TMP/$name" 2> "$TMP/$name.err" &
	MON[$name]=$!
}
monitors() { ctl $H --json status | jq -r .events.monitors; }
monitors_are() { [ "$(monitors)" = "$1" ]; }

# seen FILE JQ-CONDITION: a line of FILE matches (the monitor wrote it).
seen() { jq -e -s "map(select($2)) | length > 0" "$1" >/dev/null 2>&1; }

# Filters: --reason, --type, and names, which match either end (all of them on one end).
monitor all
monitor spoofed --reason spoofed
monitor dev --env dev
monitor web --service web
monitor flows --type flow
monitor db --project p1 --env prod --service db
check "six monitors at once, each its own stream" wait_for 50 monitors_are 6

# --- named drops, within a second ----------------------------------------------------
cross_env() {
	! in_wl a "$PROBE" check --timeout-ms 300 udp:"${V4[c]}" >/dev/null || return 1
	wait_for 10 seen "$TMP/all" ".type == \"drop\" and .reason == \"cross_env\" and
		.direction == \"from_wl\" and .src == \"${V4[a]}\" and .dst == \"${V4[c]}\" and
		.src_project == \"p1\" and .src_env == \"prod\" and .src_service == \"api\" and
		.src_replica == 0 and .dst_project == \"p1\" and .dst_env == \"dev\" and
		.dst_service == \"api\" and .dst_replica == 0 and .proto == \"udp\" and .dport == 7"
}
check "a cross-environment drop is in the monitor within a second, both ends named" cross_env

# The sender is the interface's endpoint (a), whatever source it forged (b's).
spoofed() {
	in_wl a "$PROBE" spoof --src "${V6[b]}" --dst "${V6[c]}" --count 1 >/dev/null || return 1
	wait_for 10 seen "$TMP/all" ".reason == \"spoofed\" and .family == \"ipv6\" and
		.src == \"${V6[b]}\" and .src_project == \"p1\" and .src_env == \"prod\" and
		.src_service == \"api\" and .src_replica == 0 and .dst == \"${V6[c]}\" and
		.dst_project == \"p1\" and .dst_env == \"dev\" and .dst_service == \"api\" and
		.dst_replica == 0 and .dport == 7 and .proto == \"udp\""
}
check "a spoofed drop names the workload that sent it, not the forged source" spoofed

build_phase() {
	! in_wl d "$PROBE" check --timeout-ms 300 tcp:"${V4[b]}" >/dev/null || return 1
	wait_for 10 seen "$TMP/all" ".reason == \"build_phase\" and .src_project == \"p1\" and
		.src_env == \"prod\" and .src_service == \"web\" and .src_replica == 9 and
		.dst_project == \"p1\" and .dst_env == \"prod\" and .dst_service == \"db\" and
		.dst_replica == 0 and .proto == \"tcp\""
}
check "a build-phase drop is in the monitor, both ends named" build_phase

filtered() {
	wait_for 10 seen "$TMP/spoofed" '.reason == "spoofed"' &&
		jq -e -s 'all(.reason == "spoofed")' "$TMP/spoofed" >/dev/null
}
check "a filtered monitor gets its reason only" filtered

ctrl_c() {
	local rc
	kill -INT "${MON[spoofed]}"
	wait "${MON[spoofed]}"; rc=$?
	[ "$rc" -eq 0 ] || { diag "monitor exited $rc: $(cat "$TMP/spoofed.err")"; return 1; }
	wait_for 30 monitors_are 5
}
check "Ctrl-C ends a monitor with status 0, and the agent lets it go" ctrl_c

bad_input() {
	local out rc
	out=$(ctl $H monitor --type bogus 2>&1); rc=$?
	[ "$rc" -eq 1 ] && grep -q 'type "bogus"' <<<"$out" || { diag "monitor --type bogus: $rc $out"; return 1; }
	out=$(ctl $H events set --rate lots 2>&1); rc=$?
	[ "$rc" -eq 1 ] && grep -q 'rate "lots"' <<<"$out" || { diag "events set --rate lots: $rc $out"; return 1; }
	ctl $H monitor --frobnicate 1 >/dev/null 2>&1; [ $? -eq 2 ] || return 1
	[ "$(ctl $H --json status | jq -r .events.rate)" = 100 ]
}
check "bad filters and settings get a clear error and change nothing" bad_input

# --- settings, live -------------------------------------------------------------------
live_settings() {
	local before after
	ctl $H events set --rate 0 >/dev/null || return 1
	before=$(ctl $H --json status | jq -r .events.drop_rate_limited)
	in_wl a "$PROBE" spoof --src "${V4[b]}" --dst "${V4[c]}" --count 20 >/dev/null || return 1
	after=$(ctl $H --json status | jq -r .events.drop_rate_limited)
	[ $((after - before)) -eq 20 ] || { diag "rate 0: rate-limited +$((after - before)), not 20"; return 1; }
	ctl $H events set --rate 100 --flow-sample 1 >/dev/null || return 1
	in_wl a "$PROBE" check tcp:"${V4[b]}" >/dev/null || return 1
	wait_for 10 seen "$TMP/all" ".type == \"flow\" and .path == \"local\" and .verdict == \"FORWARDED\" and
		.src_service == \"api\" and .dst_service == \"db\"" || { diag "no flow event"; return 1; }
	ctl $H events set --flow-sample 0 >/dev/null
}
check "events set: rate 0 sends none (each counted), flow sampling on and off, live" live_settings

# only FILE WHAT JQ-CONDITION: the monitor got events, and every one of them matches.
only() {
	[ -s "$1" ] && jq -e -s "length > 0 and all($3)" "$1" >/dev/null && return 0
	diag "$2: $(wc -l <"$1") lines, $(jq -c -s "map(select(($3) | not)) | .[0]" "$1" 2>&1) does not match"
	return 1
}
filters() {
	local m rc=0
	# dev: the cross-environment and spoofed drops to c (p1/dev), not the build-phase one.
	only "$TMP/dev" "--env dev" '.src_env == "dev" or .dst_env == "dev"' &&
		seen "$TMP/dev" '.reason == "cross_env"' && seen "$TMP/dev" '.reason == "spoofed"' || rc=1
	only "$TMP/web" "--service web" '.src_service == "web" or .dst_service == "web"' &&
		seen "$TMP/web" '.reason == "build_phase"' || rc=1
	only "$TMP/flows" "--type flow" '.type == "flow"' || rc=1
	# db: the build-phase drop to b and the flow a -> b, nothing to or from c.
	only "$TMP/db" "--project p1 --env prod --service db" \
		'(.src_project == "p1" and .src_env == "prod" and .src_service == "db") or
		 (.dst_project == "p1" and .dst_env == "prod" and .dst_service == "db")' &&
		seen "$TMP/db" '.reason == "build_phase"' && seen "$TMP/db" '.type == "flow"' || rc=1
	for m in dev web flows db; do
		kill -INT "${MON[$m]}"; wait "${MON[$m]}" || { diag "monitor $m exited $?"; rc=1; }
	done
	wait_for 30 monitors_are 1 || rc=1
	return $rc
}
check "--env, --service, --type, --project/--env/--service: each monitor got its events only" filters

# --- a flood ----------------------------------------------------------------------------
# Every drop of the agent's datapath is either an event it read or counted as not sent.
honest() {
	local s drops read rl full
	s=$(ctl $H --json status) || return 1
	drops=$(jq '[.counters[].drops] | add' <<<"$s")
	read=$(jq .events.drop_received <<<"$s")
	rl=$(jq .events.drop_rate_limited <<<"$s")
	full=$(jq .events.drop_ring_full <<<"$s")
	diag "drops $drops = read $read + rate-limited $rl + ring full $full ($(jq .events.monitor_dropped <<<"$s") dropped for slow monitors)"
	[ "$drops" -eq $((read + rl + full)) ]
}

# flood: FLOOD forged packets from a in the background, the agent asked while they come.
flood() {
	local pid answers=0 dns=0 i
	in_wl a "$PROBE" spoof --src "${V4[b]}" --dst "${V4[c]}" --count $FLOOD > "$TMP/flood" 2>&1 &
	pid=$!
	for i in 1 2 3; do
		quiet ctl $H status && answers=$((answers + 1))
		[ -n "$(in_wl b dig +tcp +time=2 +tries=1 +short db.$D A)" ] && dns=$((dns + 1))
	done
	wait $pid || { diag "sender: $(cat "$TMP/flood")"; return 1; }
	diag "during the flood: $answers/3 status answers, $dns/3 DNS answers over TCP"
	[ "$answers" -eq 3 ] && [ "$dns" -eq 3 ] && quiet ctl $H status &&
		[ -n "$(in_wl b dig +tcp +time=2 +tries=1 +short db.$D A)" ]
}
spoofed_drops() { counter $H p1 prod drop_spoofed; }

flood_default() {
	local before after
	before=$(spoofed_drops)
	flood || return 1
	after=$(spoofed_drops)
	diag "spoofed drops +$((after - before)) of $FLOOD sent"
	[ $((after - before)) -eq $FLOOD ]
}
check "$FLOOD refused packets: the agent answers status and DNS during and after" flood_default
check "after the flood: events read + rate-limited + ring full = drops counted" honest

# A monitor that stops reading (its stdout a pipe nobody drains) while the rate lets
# every event through: it loses events, counted; the agent and the other monitor go on.
flood_stalled() {
	local stalled rc
	ctl $H events set --rate 1000000 --burst 1000000 >/dev/null || return 1
	"$WARRENCTL" --socket "$(host_sock $H)" monitor --json 2>"$TMP/stalled.err" | sleep 600 &
	stalled=$!	# the sleep: once it is gone, warrenctl's next write fails and it ends
	wait_for 50 monitors_are 2 || return 1
	flood || rc=1
	[ "$(jq .events.monitor_dropped <<<"$(ctl $H --json status)")" -gt 0 ] ||
		{ diag "the stalled monitor lost nothing"; rc=1; }
	kill $stalled 2>/dev/null; wait $stalled 2>/dev/null
	ctl $H events set --rate 100 --burst 200 >/dev/null
	return ${rc:-0}
}
check "a monitor that stops reading loses events (counted); the agent answers throughout" flood_stalled
check "after the second flood: events read + rate-limited + ring full = drops counted" honest
valid_json() { jq -e . "$TMP/all" >/dev/null; }
check "the other monitor's stream is valid JSON, one object per line" valid_json

paths() {
	local s
	s=$(ctl $H --json status) || return 1
	jq -e '.counters[] | select(.project == "p1" and .env == "prod") |
		.local_packets > 0 and .local_bytes > 0 and
		.delivered_packets == .local_packets + .mesh_packets + .egress_packets + .mesh_in_packets and
		.drop_spoofed == .drop_from_wl_spoofed' <<<"$s" >/dev/null &&
	ctl $H status | grep -q "^Drops by direction and reason" &&
	ctl $H status | grep -qE '^  p1/prod +from_wl +spoofed +[0-9]+'
}
check "status shows packets and bytes per path and drops per direction" paths

kill "${MON[all]}" 2>/dev/null; wait "${MON[all]}" 2>/dev/null
finish
