#!/usr/bin/env bash
# One host, 2 projects x 2 environments x 2 services x 2 replicas, all
# through a real warrend: the all-pairs matrix over TCP, UDP and ICMP, IPv4
# and IPv6, the drop counters as a second witness, forged sources, an agent
# killed mid-stream, and endpoints removed and refused.
source "$(dirname "$0")/lib.sh"
need_root_tools
ktap_plan 17

H=h1
PROJECTS=(p1 p2) ENVS=(prod dev) SERVICES=(web api) REPLICAS=(0 1)
WLS=()

# --- set up -------------------------------------------------------------------
host_create $H && agent_start $H
check "agent starts and answers" quiet ctl $H status

# tcx came in Linux 6.6; before it the agent must fall back to clsact by
# itself (scripts/vmtest.sh --kernel 6.1 runs this on such a kernel).
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
want_hook=clsact; [ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "$kmin" -ge 6 ]; } && want_hook=tcx
got_hook=$(ctl $H --json status | jq -r .agent.hook)
diag "Linux $(uname -r): hooks by $got_hook"
check "the agent picks tcx on Linux 6.6 and later, clsact before ($want_hook here)" \
	test "$got_hook" = "$want_hook"

setup_ok=true
for p in "${PROJECTS[@]}"; do
	ctl $H project add "$p" || setup_ok=false
	for e in "${ENVS[@]}"; do ctl $H env add "$p" "$e" >/dev/null || setup_ok=false; done
done
for p in "${PROJECTS[@]}"; do for e in "${ENVS[@]}"; do
	for s in "${SERVICES[@]}"; do for r in "${REPLICAS[@]}"; do
		wl=$p-$e-$s-$r
		WLS+=("$wl")
		wl_create "$wl" && wl_serve "$wl" && add_endpoint "$wl" "$p" "$e" "$s" "$r" ||
			{ setup_ok=false; diag "setting up $wl failed"; }
	done; done
done; done
check "16 endpoints added across 2 projects x 2 environments" $setup_ok

# --- the matrix ------------------------------------------------------------------
# Every source probes every other workload on TCP, UDP and ICMP over IPv4 and
# IPv6 in one parallel run; each probe is exactly one packet.
snapshot() {	# snapshot FILE: the counters of every environment, as JSON
	ctl $H --json status > "$1"
}
delta() {	# delta BEFORE AFTER PROJECT ENV FIELD
	local b a
	b=$(jq -r --arg p "$3" --arg e "$4" --arg f "$5" '.counters[] | select(.project==$p and .env==$e) | .[$f]' "$1")
	a=$(jq -r --arg p "$3" --arg e "$4" --arg f "$5" '.counters[] | select(.project==$p and .env==$e) | .[$f]' "$2")
	echo $((a - b))
}

snapshot "$TMP/before.json"
pids=()
for src in "${WLS[@]}"; do
	specs=()
	for dst in "${WLS[@]}"; do
		[ "$src" = "$dst" ] && continue
		for proto in tcp udp icmp; do
			specs+=("$proto:${V4[$dst]}" "$proto:${V6[$dst]}")
		done
	done
	in_wl "$src" "$PROBE" check --timeout-ms 600 "${specs[@]}" > "$TMP/matrix.$src" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
snapshot "$TMP/after.json"

declare -A OWNER
for wl in "${WLS[@]}"; do OWNER[${V4[$wl]}]=$wl; OWNER[${V6[$wl]}]=$wl; done
same_ok=0 same_bad=0 cross_ok=0 cross_refused=0
declare -A REFUSED_FROM
for src in "${WLS[@]}"; do
	while read -r spec verdict _; do
		addr=${spec#*:}
		dst=${OWNER[$addr]:-}
		[ -n "$dst" ] || { diag "unexpected line: $spec $verdict"; same_bad=$((same_bad + 1)); continue; }
		if [ "${ENV_OF[$src]}" = "${ENV_OF[$dst]}" ]; then
			[ "$verdict" = ok ] && same_ok=$((same_ok + 1)) ||
				{ same_bad=$((same_bad + 1)); diag "same-env $src -> $dst $spec: $verdict"; }
		else
			[ "$verdict" = ok ] && { cross_ok=$((cross_ok + 1)); diag "CROSS-ENV DELIVERED $src -> $dst $spec"; } ||
				{ cross_refused=$((cross_refused + 1)); REFUSED_FROM[${ENV_OF[$src]}]=$(( ${REFUSED_FROM[${ENV_OF[$src]}]:-0} + 1 )); }
		fi
	done < "$TMP/matrix.$src"
done
diag "same-environment: $same_ok delivered, $same_bad not; cross-environment: $cross_refused refused, $cross_ok delivered"
# 4 environments x 4 workloads x 3 peers x 6 probes; 16 x 12 x 6 cross.
check "every same-environment pair delivers (288 probes: TCP/UDP/ICMP x IPv4/IPv6)" \
	test "$same_ok" -eq 288 -a "$same_bad" -eq 0
check "no cross-environment pair delivers (1152 probes)" \
	test "$cross_ok" -eq 0 -a "$cross_refused" -eq 1152

counters_match=true
for p in "${PROJECTS[@]}"; do for e in "${ENVS[@]}"; do
	d=$(delta "$TMP/before.json" "$TMP/after.json" "$p" "$e" drop_cross_env)
	want=${REFUSED_FROM[$p/$e]:-0}
	[ "$d" -eq "$want" ] || { counters_match=false; diag "$p/$e: cross_env drops +$d, refused probes $want"; }
	dl=$(delta "$TMP/before.json" "$TMP/after.json" "$p" "$e" delivered_packets)
	[ "$dl" -ge 144 ] || { counters_match=false; diag "$p/$e: delivered +$dl, expected at least 144"; }
done; done
check "cross_env drop counters account for every refused probe" $counters_match

# --- forged sources ---------------------------------------------------------------
# p1-prod-web-0 forges the address of its sibling p1-prod-web-1 towards
# p1-prod-api-0, same environment: only the source is wrong.
A=p1-prod-web-0 B=p1-prod-web-1 C=p1-prod-api-0
spoof_case() {	# spoof_case FAMILY-ADDR-SUFFIX
	local fam=$1 src_true src_forged dst got before after
	if [ "$fam" = 4 ]; then src_true=${V4[$A]} src_forged=${V4[$B]} dst=${V4[$C]}
	else src_true=${V6[$A]} src_forged=${V6[$B]} dst=${V6[$C]}; fi

	# Control first: the same raw packets with the true source arrive.
	in_wl $C "$PROBE" recv --port 9999 --timeout-ms 800 > "$TMP/recv.ctl" &
	rpid=$!
	wait_for 30 grep -q ready "$TMP/recv.ctl"
	in_wl $A "$PROBE" spoof --src "$src_true" --dst "$dst" --port 9999 --count 5 >/dev/null
	wait $rpid
	got=$(awk '/received/ {print $2}' "$TMP/recv.ctl")
	[ "${got:-0}" -eq 5 ] || { diag "control IPv$fam: received ${got:-none} of 5 unforged packets"; return 1; }

	before=$(counter $H p1 prod drop_spoofed)
	in_wl $C "$PROBE" recv --port 9999 --timeout-ms 800 > "$TMP/recv.spoof" &
	rpid=$!
	wait_for 30 grep -q ready "$TMP/recv.spoof"
	in_wl $A "$PROBE" spoof --src "$src_forged" --dst "$dst" --port 9999 --count 5 >/dev/null
	wait $rpid
	after=$(counter $H p1 prod drop_spoofed)
	got=$(awk '/received/ {print $2}' "$TMP/recv.spoof")
	diag "IPv$fam forged: received ${got:-none}, spoofed drops +$((after - before))"
	[ "${got:-x}" = 0 ] && [ $((after - before)) -eq 5 ]
}
check "forged IPv4 source from a raw socket is dropped and counted" spoof_case 4
check "forged IPv6 source from a raw socket is dropped and counted" spoof_case 6

truncated() {
	local before after
	before=$(counter $H p1 prod drop_malformed)
	in_wl $A "$PROBE" short --dev warren0 --count 3 >/dev/null || return 1
	after=$(counter $H p1 prod drop_malformed)
	diag "truncated IPv4 frames: malformed drops +$((after - before))"
	[ $((after - before)) -eq 3 ]
}
check "frames cut inside the IP header are dropped as malformed" truncated

# --- kill -9 during a stream ---------------------------------------------------------
ctl $H --json endpoint list > "$TMP/list.before"
in_wl $A "$PROBE" stream --dst "${V4[$C]}" --seconds 5 --interval-ms 250 > "$TMP/stream" 2>&1 &
spid=$!
sleep 1
agent_kill9 $H
sleep 1.5	# the agent stays down for a while: the datapath must not care
agent_start $H
wait $spid; src=$?
diag "stream: $(cat "$TMP/stream")"
check "a TCP stream survives kill -9 and restart of the agent with no stall" \
	test "$src" -eq 0 -a "$(grep -o 'stalls=[0-9]*' "$TMP/stream")" = stalls=0
ctl $H --json endpoint list > "$TMP/list.after"
check "the restarted agent serves the same endpoints" cmp -s "$TMP/list.before" "$TMP/list.after"
check "traffic still flows after the restart" quiet in_wl $A "$PROBE" check tcp:"${V4[$C]}" udp:"${V6[$C]}" icmp:"${V4[$C]}"

# --- bad input changes nothing ---------------------------------------------------------
bad_input() {
	local before after links_before links_after rc fail=0
	wl_create bad || return 1
	before=$(ctl $H --json endpoint list)
	links_before=$(ip -n "$(host_ns $H)" -o link | wc -l)
	expect_fail() {	# expect_fail EXIT-CODE MESSAGE-PATTERN args...
		local want=$1 pat=$2 out; shift 2
		out=$(ctl $H "$@" 2>&1); rc=$?
		if [ "$rc" -ne "$want" ] || ! grep -qi -- "$pat" <<<"$out"; then
			diag "warrenctl $*: exit $rc, said: $out"; fail=1
		fi
	}
	expect_fail 1 "unknown project" endpoint add project nope env prod service web replica 0 netns "$(wl_ns bad)"
	expect_fail 1 "unknown environment" endpoint add project p1 env nope service web replica 0 netns "$(wl_ns bad)"
	expect_fail 1 "replica 0 of p1/prod/web exists" endpoint add project p1 env prod service web replica 0 netns "$(wl_ns bad)"
	expect_fail 1 "netns.*no such file" endpoint add project p1 env prod service web replica 7 netns "$RUN_ID-missing"
	expect_fail 1 "not a network namespace" endpoint add project p1 env prod service web replica 7 netns /etc/passwd
	expect_fail 1 "replica must be a number" endpoint add project p1 env prod service web replica x netns "$(wl_ns bad)"
	expect_fail 1 "not a dns label" endpoint add project p1 env prod service Web_1 replica 7 netns "$(wl_ns bad)"
	expect_fail 2 "missing \"netns\"" endpoint add project p1 env prod service web replica 7
	expect_fail 2 "unknown argument" endpoint add project p1 env prod service web replica 7 netns x color red
	expect_fail 1 "no endpoint 9999" endpoint del 9999
	expect_fail 1 "is warrend running" --socket "$TMP/none.sock" endpoint list
	# A name clash inside the workload fails the add and leaves nothing behind.
	ip -n "$(wl_ns bad)" link add warren0 type veth peer name other0
	expect_fail 1 "exists" endpoint add project p1 env prod service web replica 7 netns "$(wl_ns bad)"
	after=$(ctl $H --json endpoint list)
	links_after=$(ip -n "$(host_ns $H)" -o link | wc -l)
	[ "$before" = "$after" ] || { diag "endpoint list changed"; fail=1; }
	[ "$links_before" = "$links_after" ] || { diag "host links $links_before -> $links_after"; fail=1; }
	return $fail
}
check "bad input gets a clear error, a non-zero exit and changes nothing" bad_input

# --- build phase and IPv6-only ------------------------------------------------------------
build_phase() {
	local before after
	wl_create build && wl_serve build && add_endpoint build p1 prod web 9 build || return 1
	before=$(counter $H p1 prod drop_build_phase)
	# Neither direction: to a sibling, and from a sibling.
	! in_wl build "$PROBE" check --timeout-ms 300 tcp:"${V4[$C]}" udp:"${V6[$C]}" >/dev/null &&
	! in_wl $C "$PROBE" check --timeout-ms 300 tcp:"${V4[build]}" icmp:"${V6[build]}" >/dev/null || return 1
	after=$(counter $H p1 prod drop_build_phase)
	diag "build-phase drops +$((after - before))"
	[ $((after - before)) -eq 4 ]
}
check "a build-phase endpoint sends and receives no private traffic" build_phase

ipv6_only() {
	ctl $H env add p2 v6only ipv6-only >/dev/null || return 1
	wl_create v6a && wl_serve v6a && add_endpoint v6a p2 v6only web 0 || return 1
	wl_create v6b && wl_serve v6b && add_endpoint v6b p2 v6only web 1 || return 1
	[ "${V4[v6a]}" = "" ] || { diag "IPv6-only endpoint got ${V4[v6a]}"; return 1; }
	[ -z "$(ip -n "$(wl_ns v6a)" -4 -o addr show dev warren0)" ] || return 1
	in_wl v6a "$PROBE" check tcp:"${V6[v6b]}" udp:"${V6[v6b]}" icmp:"${V6[v6b]}" >/dev/null
}
check "an IPv6-only environment gets IPv6 only, and it works" ipv6_only

# --- delete ------------------------------------------------------------------------------
del_unreachable() {
	local before after
	before=$(counter $H p1 prod drop_no_endpoint)
	ctl $H endpoint del project p1 env prod service api replica 0 >/dev/null || return 1
	# At once: no wait between the command returning and the probes.
	! in_wl $A "$PROBE" check --timeout-ms 300 tcp:"${V4[$C]}" udp:"${V4[$C]}" icmp:"${V4[$C]}" \
		tcp:"${V6[$C]}" udp:"${V6[$C]}" icmp:"${V6[$C]}" > "$TMP/del.out" || return 1
	after=$(counter $H p1 prod drop_no_endpoint)
	diag "after delete: $(grep -c fail "$TMP/del.out") of 6 probes failed, no_endpoint drops +$((after - before))"
	[ "$(grep -c fail "$TMP/del.out")" -eq 6 ] && [ $((after - before)) -eq 6 ] &&
		! ip -n "$(wl_ns $C)" link show warren0 >/dev/null 2>&1
}
check "endpoint del makes the endpoint unreachable at once" del_unreachable

teardown_clean() {
	agent_stop $H
	nsenter --net="/run/netns/$(host_ns $H)" "$WARREND" --teardown --pin-dir "$(host_pins $H)" \
		--socket "$(host_sock $H)" --state "$(host_state $H)" >>"$TMP/$H.log" 2>&1 || { diag "teardown failed: $(tail -3 "$TMP/$H.log")"; return 1; }
	[ ! -e "$(host_pins $H)" ] && [ -z "$(ip -n "$(host_ns $H)" -o link show | grep wrn)" ]
}
check "warrend --teardown removes every link, pin and the state" teardown_clean

finish
