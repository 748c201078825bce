#!/usr/bin/env bash
# warren-cni against a real agent, as the CNI spec (1.0.0, 1.1.0) defines
# a plugin's behaviour: the binary is run with the CNI_* environment and
# a network config on stdin, exactly as a runtime runs it, from the root
# namespace while warrend runs in its host namespace. Every command, every
# error code the plugin gives, DEL twice, a missing netns, bad JSON, an
# unknown cniVersion, CHECK after the interface is deleted by hand, GC,
# STATUS with and without an agent, and a plugin or agent killed in the
# middle of ADD leaving nothing that DEL does not clean.
source "$(dirname "$0")/lib.sh"
need_root_tools
CNI=$O/warren-cni
command -v "$CNI" >/dev/null || { echo "1..0 # SKIP missing $CNI"; exit 1; }
ktap_plan 35

H=h1
HNS=$(host_ns $H)
R4=10.210.1.1

# conf PROJECT ENV [VERSION] [extra jq]: a network config as a conflist's runtime hands it.
conf() {
	jq -cn --arg p "$1" --arg e "$2" --arg v "${3:-1.1.0}" --arg s "$(host_sock $H)" \
		'{cniVersion: $v, name: "warren-\($p)-\($e)", type: "warren", project: $p, env: $e,
		  socket: $s}'"${4:+ | $4}"
}
# cni CMD CONTAINER NETNS IFNAME ARGS <conf: run the plugin; stdout in $TMP/out, status in RC.
cni() {
	env -i PATH="$PATH" CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="$3" CNI_IFNAME="$4" \
		CNI_PATH="$O:/usr/lib/cni" CNI_ARGS="${5:-}" "$CNI" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
# code N: the plugin failed with error code N and the spec's error shape.
code() {
	[ "$RC" -ne 0 ] && jq -e --argjson c "$1" \
		'.code == $c and (.msg | type == "string" and length > 0) and (.cniVersion | type == "string")' \
		"$TMP/out" >/dev/null || { diag "rc=$RC $(cat "$TMP/out" "$TMP/err")"; return 1; }
}
succeeded() { [ "$RC" -eq 0 ] || { diag "rc=$RC $(cat "$TMP/out" "$TMP/err")"; return 1; }; }
silent_ok() { succeeded && [ ! -s "$TMP/out" ]; }
nsp() { echo "/run/netns/$(wl_ns "$1")"; }
endpoints() { ctl $H --json endpoint list | jq length; }
has_link() { ip -n "$(wl_ns "$1")" link show "$2" >/dev/null 2>&1; }
host_links() { ip -n "$HNS" -o link show | grep -c ' wrn[0-9]*@' ; }
map_ifaces() { bpftool map dump pinned "$(host_pins $H)/warren_ifaces" -j | jq length; }

host_create $H
agent_start $H || { echo "Bail out! agent did not start"; exit 1; }
ctl $H project add shop && ctl $H env add shop prod >/dev/null && ctl $H env add shop dev >/dev/null ||
	{ echo "Bail out! setup"; exit 1; }
for w in c1 c2 c3 c4 c5 c6 c7 k1 k2 k3; do wl_create $w || exit 1; done
PROD=$(conf shop prod)
DEV=$(conf shop dev)

# --- VERSION and input errors ------------------------------------------------------
cni VERSION "" "" "" <<<'{"cniVersion":"1.0.0"}'
check "VERSION lists 1.0.0 and 1.1.0" eval 'succeeded && jq -e ".cniVersion == \"1.0.0\" and
	(.supportedVersions | index(\"1.0.0\") and index(\"1.1.0\"))" "$TMP/out" >/dev/null'
cni VERSION "" "" "" <<<'{"cniVersion":"0.9.9"}'; a=$(jq -r .cniVersion "$TMP/out")
cni ADD c1 "$(nsp c1)" eth0 <<<"$(conf shop prod 0.9.9)"
check "unknown cniVersion: code 1 (VERSION still answers, in 1.1.0)" eval 'code 1 && [ "$a" = 1.1.0 ]'
cni ADD c1 "$(nsp c1)" eth0 <<<'{"cniVersion": "1.0.0", "name": '
check "bad JSON: code 6" code 6
cni "" c1 "$(nsp c1)" eth0 <<<"$PROD"; a=$RC; code 4 && cni FROB c1 "$(nsp c1)" eth0 <<<"$PROD"
check "missing or unknown CNI_COMMAND: code 4" code 4
ok=1
cni ADD "" "$(nsp c1)" eth0 <<<"$PROD"; code 4 || ok=0
cni ADD 'bad/id' "$(nsp c1)" eth0 <<<"$PROD"; code 4 || ok=0
cni ADD c1 "$(nsp c1)" "" <<<"$PROD"; code 4 || ok=0
cni ADD c1 "$(nsp c1)" averyveryverylongname <<<"$PROD"; code 4 || ok=0
cni ADD c1 "" eth0 <<<"$PROD"; code 4 || ok=0
cni ADD c1 "$(nsp c1)" eth0 "WARREN_REPLICA=x" <<<"$PROD"; code 4 || ok=0
check "missing or invalid CNI_CONTAINERID, CNI_IFNAME, CNI_NETNS, CNI_ARGS: code 4" [ $ok = 1 ]
cni ADD c1 "/run/netns/$RUN_ID-none" eth0 "WARREN_SERVICE=api" <<<"$PROD"
check "ADD with a missing netns: code 3, nothing added" eval 'code 3 && [ "$(endpoints)" = 0 ]'
ok=1
cni ADD c1 "$(nsp c1)" eth0 "WARREN_SERVICE=api" <<<"$(conf shop prod 1.1.0 '.type = "bridge"')"; code 7 || ok=0
cni ADD c1 "$(nsp c1)" eth0 "WARREN_SERVICE=api" <<<"$(conf shop prod 1.1.0 'del(.project)')"; code 7 || ok=0
cni ADD c1 "$(nsp c1)" eth0 "WARREN_SERVICE=api" <<<"$(conf shop prod 1.1.0 '.env = 7')"; code 7 || ok=0
cni ADD c1 "$(nsp c1)" eth0 "WARREN_SERVICE=api" <<<"$(conf shop nope)"; code 7 || ok=0
check "wrong type, missing project, env not a string, unknown env: code 7" eval '[ $ok = 1 ] && [ "$(endpoints)" = 0 ]'
cni ADD c1 "$(nsp c1)" eth0 "" <<<"$PROD"
check "ADD with no service name from anywhere: code 4" code 4

# --- ADD ---------------------------------------------------------------------------
cni ADD cid-1 "$(nsp c1)" eth1 "IgnoreUnknown=1;WARREN_SERVICE=api" <<<"$PROD"
cp "$TMP/out" "$TMP/add1"
check "ADD: result with interfaces, ips, routes and DNS (our resolvers, our domain)" eval 'succeeded &&
	jq -e --arg ns "$(nsp c1)" --arg r "$R4" ".cniVersion == \"1.1.0\" and
	.interfaces[1].name == \"eth1\" and .interfaces[1].sandbox == \$ns and
	(.interfaces[1].mac | test(\"^06:77:\")) and (.interfaces[0].name | test(\"^wrn\")) and
	(.ips[0].address | test(\"^10\\\\.210\\\\.1\\\\.[0-9]+/32$\")) and .ips[0].interface == 1 and
	(.ips[1].address | test(\"/128$\")) and .routes[0].dst == \"10.210.0.0/16\" and
	.routes[0].gw == \"169.254.1.1\" and .dns.nameservers[0] == \$r and
	.dns.search == [\"warren.internal\"]" "$TMP/add1" >/dev/null'
A1=$(jq -r '.ips[0].address | sub("/.*"; "")' "$TMP/add1")
check "the interface is CNI_IFNAME inside the netns, with the address" \
	eval 'ip -n "$(wl_ns c1)" -o addr show dev eth1 | grep -q "inet $A1/32"'
cni ADD cid-2 "$(nsp c2)" eth0 "WARREN_SERVICE=api" <<<"$PROD"; cp "$TMP/out" "$TMP/add2"
A2=$(jq -r '.ips[0].address | sub("/.*"; "")' "$TMP/add2")
check "a second container of the service gets the lowest free replica (1)" eval 'succeeded &&
	[ "$(ctl $H --json endpoint list | jq -r "map(select(.service == \"api\")) | map(.replica) | sort | join(\",\")")" = 0,1 ]'
(ip netns exec "$(wl_ns c2)" "$PROBE" serve >"$TMP/serve.c2" 2>&1 &)
wait_for 50 grep -qs ready "$TMP/serve.c2"
check "the two reach each other over TCP, UDP and ICMP" \
	quiet in_wl c1 "$PROBE" check tcp:"$A2" udp:"$A2" icmp:"$A2"
check "names: api answers both replicas" eval '[ "$(in_wl c1 dig +short @$R4 api.warren.internal A | sort | xargs)" = "$(printf "%s\n" $A1 $A2 | sort | xargs)" ]'
cni ADD cid-3 "$(nsp c3)" eth0 "K8S_POD_NAME=Web_Front.2" <<<"$DEV"; cp "$TMP/out" "$TMP/add3"
A3=$(jq -r '.ips[0].address | sub("/.*"; "")' "$TMP/add3")
check "service from the container name (K8S_POD_NAME), made a DNS label" eval 'succeeded &&
	ctl $H --json endpoint list | jq -e "any(.[]; .service == \"web-front-2\" and .env == \"dev\")" >/dev/null'
check "another environment's container cannot reach them" \
	eval '! in_wl c3 "$PROBE" check --timeout-ms 300 tcp:"$A2" udp:"$A2" icmp:"$A2" >/dev/null 2>&1'
cni ADD cid-4 "$(nsp c4)" eth0 "WARREN_REPLICA=7" <<<"$(conf shop prod 1.0.0 '.runtimeConfig = {aliases: {"warren-shop-prod": ["Worker"]}}')"
check "service from the runtime's aliases, replica from WARREN_REPLICA, 1.0.0 result" eval 'succeeded &&
	jq -e ".cniVersion == \"1.0.0\"" "$TMP/out" >/dev/null &&
	ctl $H --json endpoint list | jq -e "any(.[]; .service == \"worker\" and .replica == 7)" >/dev/null'
cni ADD cid-1 "$(nsp c1)" eth1 "WARREN_SERVICE=api" <<<"$PROD"
check "ADD repeated for the same container: the same result, nothing new" eval 'succeeded &&
	[ "$(jq -c .ips "$TMP/out")" = "$(jq -c .ips "$TMP/add1")" ] && [ "$(endpoints)" = 4 ]'
cni ADD cid-7 "$(nsp c7)" eth0 "WARREN_SERVICE=api;WARREN_REPLICA=1" <<<"$PROD"
check "ADD of a replica another container holds: code 100 with warrend's reason, nothing left" eval '
	code 100 && jq -e ".details | test(\"exists\")" "$TMP/out" >/dev/null && ! has_link c7 eth0 &&
	[ "$(endpoints)" = 4 ]'

# --- CHECK ---------------------------------------------------------------------------
prev() { jq -c --slurpfile r "$1" '. + {prevResult: $r[0]}' <<<"$PROD"; }
cni CHECK cid-1 "$(nsp c1)" eth1 <<<"$(prev "$TMP/add1")"
check "CHECK of a healthy attachment: success, no output" silent_ok
jq '.ips[0].address = "10.210.1.200/32"' "$TMP/add1" >"$TMP/wrong"
cni CHECK cid-1 "$(nsp c1)" eth1 <<<"$(prev "$TMP/wrong")"
check "CHECK with a prevResult warrend does not hold: code 101" code 101
cni CHECK cid-none "$(nsp c1)" eth1 <<<"$PROD"
check "CHECK of an unknown container: code 3" code 3
ip -n "$(wl_ns c2)" link del eth0
cni CHECK cid-2 "$(nsp c2)" eth0 <<<"$(prev "$TMP/add2")"
check "CHECK after deleting the interface by hand: code 101 naming what is gone" \
	eval 'code 101 && jq -e ".details | test(\"missing\")" "$TMP/out" >/dev/null'

# --- DEL -----------------------------------------------------------------------------
cni DEL cid-1 "$(nsp c1)" eth1 <<<"$PROD"
check "DEL: success, no output, the interface and the endpoint are gone" eval 'silent_ok &&
	! has_link c1 eth1 && ! ctl $H --json endpoint list | jq -e "any(.[]; .ipv4 == \"$A1\")" >/dev/null'
check "the deleted container's address is gone from DNS at once" \
	eval '[ "$(in_wl c4 dig +short @$R4 api.warren.internal A)" = "$A2" ]'
cni DEL cid-1 "$(nsp c1)" eth1 <<<"$PROD"; a=$RC
cni DEL cid-never "" eth0 <<<"$PROD"
check "DEL twice, and DEL of an unknown container without a netns: success" eval '[ $a = 0 ] && silent_ok'

# --- GC and STATUS ---------------------------------------------------------------------
ctl $H endpoint add project shop env prod service manual replica 0 netns "$(wl_ns c5)" >/dev/null
cni ADD cid-6 "$(nsp c6)" eth0 "WARREN_SERVICE=gone" <<<"$PROD"
before_dev=$(ctl $H --json endpoint list | jq '[.[] | select(.env == "dev")] | length')
cni GC "" "" "" <<<"$(jq -c '. + {"cni.dev/valid-attachments": [{containerID: "cid-4", ifname: "eth0"}]}' <<<"$PROD")"
check "GC removes the attachments the runtime no longer lists, only in its network" eval 'silent_ok &&
	ctl $H --json endpoint list | jq -e "(map(.service) | index(\"gone\") == null) and
		(map(.service) | index(\"api\") == null) and (map(.service) | index(\"worker\") != null) and
		(map(.service) | index(\"manual\") != null)" >/dev/null &&
	[ "$(ctl $H --json endpoint list | jq "[.[] | select(.env == \"dev\")] | length")" = "$before_dev" ] &&
	! has_link c6 eth0'
cni GC "" "" "" <<<"$PROD"; a=$RC; code 7 && cni GC "" "" "" <<<"$(conf shop prod 1.0.0 '. + {"cni.dev/valid-attachments": []}')"
check "GC without valid-attachments: code 7; with cniVersion 1.0.0: code 1" eval '[ $a = 1 ] && code 1'
cni STATUS "" "" "" <<<"$PROD"; a=$RC
cni STATUS "" "" "" <<<"$(conf shop nope)"
check "STATUS: success with the agent up; code 50 for an env it does not have" eval '[ $a = 0 ] && code 50'

# --- restart, and killed in the middle -------------------------------------------------------
agent_stop $H; agent_start $H
cni CHECK cid-4 "$(nsp c4)" eth0 <<<"$PROD"; a=$RC
cni DEL cid-4 "$(nsp c4)" eth0 <<<"$PROD"
check "after an agent restart the container id still finds its attachment (CHECK, DEL)" \
	eval '[ $a = 0 ] && silent_ok && ! has_link c4 eth0'
agent_kill9 $H
cni STATUS "" "" "" <<<"$PROD"; a=$RC; code 50 && cni ADD cid-k "$(nsp k1)" eth0 "WARREN_SERVICE=api" <<<"$PROD"
check "warrend down: STATUS code 50, ADD code 11 (try again later)" code 11
agent_start $H
n_before=$(endpoints)
# The plugin killed while warrend works on its ADD: the runtime's DEL cleans up.
(env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID=cid-k1 CNI_NETNS="$(nsp k1)" CNI_IFNAME=eth0 \
	CNI_ARGS=WARREN_SERVICE=killed "$CNI" <<<"$PROD" >/dev/null 2>&1 & p=$!; sleep 0.05; kill -9 $p) 2>/dev/null
wait_for 30 quiet ctl $H status
cni DEL cid-k1 "$(nsp k1)" eth0 <<<"$PROD"
check "plugin killed during ADD, then DEL: nothing left" eval 'silent_ok && ! has_link k1 eth0 &&
	[ "$(endpoints)" = "$n_before" ]'
# warrend killed after building the veth, before saving its state: the same
# kernel state made exactly, by putting back the state file from before the ADD.
links_before=$(host_links)
cp "$(host_state $H)" "$TMP/state.before"
cni ADD cid-k2 "$(nsp k2)" eth0 "WARREN_SERVICE=killed" <<<"$PROD"
agent_kill9 $H; cp "$TMP/state.before" "$(host_state $H)"
left=0; has_link k2 eth0 && [ "$(host_links)" -gt "$links_before" ] && left=1
agent_start $H
check "warrend killed during ADD and restarted: no interface, endpoint or map entry left" eval '[ $left = 1 ] &&
	! has_link k2 eth0 && [ "$(host_links)" = "$links_before" ] && [ "$(endpoints)" = "$n_before" ] &&
	[ "$(map_ifaces)" = "$n_before" ]'
cni DEL cid-k2 "$(nsp k2)" eth0 <<<"$PROD"; a=$RC
cni ADD cid-k2 "$(nsp k2)" eth0 "WARREN_SERVICE=killed" <<<"$PROD"; b=$RC
cni DEL cid-k2 "$(nsp k2)" eth0 <<<"$PROD"
check "then the runtime's DEL succeeds, and the same ADD again works (the veth name is free)" eval '[ $a = 0 ] && [ $b = 0 ] && silent_ok && ! has_link k2 eth0'
# Killed earlier still, before the map entries: the veth stays through the
# restart (nothing says it is this agent's), and the runtime's DEL removes it.
cp "$(host_state $H)" "$TMP/state.before"
cni ADD cid-k3 "$(nsp k3)" eth0 "WARREN_SERVICE=killed" <<<"$PROD"
ifx=$(ip -n "$HNS" -o link show | awk -F': ' '$2 ~ /^wrn/ {print $1 " " $2}' | sort -n | tail -1 | cut -d' ' -f1)
agent_kill9 $H; cp "$TMP/state.before" "$(host_state $H)"
bpftool map delete pinned "$(host_pins $H)/warren_ifaces" key $(printf '%d %d %d %d' $((ifx & 255)) $(((ifx >> 8) & 255)) 0 0)
agent_start $H; a=0; has_link k3 eth0 && a=1
cni DEL cid-k3 "$(nsp k3)" eth0 <<<"$PROD"
check "killed before its map entries: the veth survives the restart, the runtime's DEL removes it" eval '
	[ $a = 1 ] && silent_ok && ! has_link k3 eth0 && [ "$(host_links)" = "$links_before" ]'
# A second agent in the same namespace (its own pins, state, socket) leaves the first one's veths alone.
cni ADD cid-k3 "$(nsp k3)" eth0 "WARREN_SERVICE=kept" <<<"$PROD"; links_now=$(host_links)
nsenter --net="/run/netns/$HNS" "$WARREND" --pin-dir "$(host_pins $H)-2" --socket "$TMP/second.sock" \
	--state "$TMP/second.state" --no-dns >"$TMP/second.log" 2>&1 & second=$!
wait_for 50 quiet "$WARRENCTL" --socket "$TMP/second.sock" status; kill $second; wait $second 2>/dev/null
check "a second agent in the same namespace removes none of the first one's veths" eval '
	[ "$(host_links)" = "$links_now" ] && has_link k3 eth0 && ! grep -q "owns" "$TMP/second.log"'
cni DEL cid-k3 "$(nsp k3)" eth0 <<<"$PROD"

echo "# $((T_N - T_FAIL)) passed, $T_FAIL failed"
finish
