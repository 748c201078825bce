#!/usr/bin/env bash
# The Prometheus endpoint end to end: an agent with --metrics on a random
# loopback port, two environments, a known amount of traffic (pings of
# known sizes, IPv4 and IPv6) and of cross-environment drops; the
# exposition passes `promtool check metrics` and its counters equal the
# traffic sent and `warrenctl status`; bursts of spoofed packets past the
# event bucket and, with the agent stopped, past the event ring are counted
# in the events' metrics as status and a monitor see them (every drop an
# event sent, rate-limited or ring-full); a slow-loris and 20 idle
# connections leave the agent answering (status, DNS over TCP), are
# closed at the deadline and counted; then a real Prometheus scrapes the
# agent and its query API returns the same per-environment count.
source "$(dirname "$0")/lib.sh"
need_root_tools
for t in curl ping ss; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t"; exit 1; }
done
ktap_plan 18

H=h1
HNS=$(host_ns $H)
D=warren.internal
DEADLINE_S=5		# METRICS_DEADLINE_MS
SLOTS=16		# METRICS_MAX_CLIENTS

# free_port: a random loopback port in 20000-60000 nobody listens on in the host netns.
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$(shuf -i 20000-60000 -n 1)
		[ -z "$(ip netns exec "$HNS" ss -Hltn "sport = :$p")" ] && { echo "$p"; return 0; }
	done
	return 1
}
in_host() { ip netns exec "$HNS" "$@"; }
scrape() { in_host curl -sS --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
# metric FILE SERIES: the value of one series (name and labels exactly as written).
metric() { awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' "$1"; }

# --- set up ----------------------------------------------------------------------
host_create $H
PORT=$(free_port)
setup() {
	[ -n "$PORT" ] || { diag "no free port"; return 1; }
	agent_start $H --metrics "127.0.0.1:$PORT" || return 1
	ctl $H project add p1 && ctl $H env add p1 prod >/dev/null && ctl $H env add p1 dev >/dev/null ||
		return 1
	wl_create a && add_endpoint a p1 prod api 0 &&
	wl_create b && add_endpoint b p1 prod api 1 &&
	wl_create c && add_endpoint c p1 dev api 0
}
check "agent with --metrics 127.0.0.1:$PORT, 3 endpoints in 2 environments" setup

usage_errors() {
	local out rc
	"$WARREND" --help | grep -q -- "--metrics" || { diag "--help lacks --metrics"; return 1; }
	for bad in nonsense 0 127.0.0.1:70000 host:9100 ::1:9100; do
		out=$("$WARREND" --metrics "$bad" 2>&1); rc=$?
		[ "$rc" -eq 2 ] && grep -q "must be PORT, ADDR:PORT" <<<"$out" ||
			{ diag "--metrics $bad: rc $rc: $out"; return 1; }
	done
}
check "--metrics is in --help; a bad ADDR:PORT is a usage error (exit 2)" usage_errors

# --- known traffic -----------------------------------------------------------------
# Every echo request and reply is one delivered packet of the sender's
# environment, counted with its Ethernet header: IPv4 14+20+8+payload,
# IPv6 14+40+8+payload. Pings to another environment are refused, each once.
N4=20 S4=100 N6=10 S6=200 NX=5
WANT_PKTS=$((2 * N4 + 2 * N6))
WANT_BYTES=$((2 * N4 * (42 + S4) + 2 * N6 * (62 + S6)))
traffic() {
	in_wl a ping -q -c $N4 -s $S4 -i 0.01 -W 1 "${V4[b]}" >/dev/null &&
	in_wl a ping -6 -q -c $N6 -s $S6 -i 0.01 -W 1 "${V6[b]}" >/dev/null || return 1
	! in_wl a ping -q -c $NX -i 0.01 -W 1 "${V4[c]}" >/dev/null
}
check "$N4 IPv4 and $N6 IPv6 pings within p1/prod answered, $NX to p1/dev refused" traffic

scrape >"$TMP/m1.txt"
promtool_ok() {
	command -v promtool >/dev/null || return 2
	promtool check metrics <"$TMP/m1.txt" >"$TMP/promtool.log" 2>&1 ||
		{ sed 's/^/# promtool: /' "$TMP/promtool.log" | head -20; return 1; }
}
promtool_ok; rc=$?
if [ $rc -eq 2 ]; then skip "promtool check metrics passes" "promtool missing (Debian package prometheus)"
elif [ $rc -eq 0 ]; then ok "promtool check metrics passes on the exposition ($(wc -l <"$TMP/m1.txt") lines)"
else not_ok "promtool check metrics passes"; fi

accounting() {
	local p b x d m g
	p=$(metric "$TMP/m1.txt" 'warren_delivered_packets_total{project="p1",env="prod",path="local"}')
	b=$(metric "$TMP/m1.txt" 'warren_delivered_bytes_total{project="p1",env="prod",path="local"}')
	x=$(metric "$TMP/m1.txt" 'warren_drops_total{project="p1",env="prod",reason="cross_env",direction="from_wl"}')
	d=$(metric "$TMP/m1.txt" 'warren_delivered_packets_total{project="p1",env="dev",path="local"}')
	m=$(metric "$TMP/m1.txt" 'warren_delivered_packets_total{project="p1",env="prod",path="mesh"}')
	g=$(metric "$TMP/m1.txt" 'warren_delivered_packets_total{project="p1",env="prod",path="egress"}')
	diag "p1/prod delivered locally $p packets ($WANT_PKTS sent), $b bytes ($WANT_BYTES), mesh $m, egress $g; cross_env from_wl $x ($NX); p1/dev $d"
	[ "$p" = $WANT_PKTS ] && [ "$b" = $WANT_BYTES ] && [ "$x" = $NX ] && [ "$d" = 0 ] &&
	[ "$m" = 0 ] && [ "$g" = 0 ]
}
check "per-environment delivered packets and bytes equal the traffic sent, drops the refused pings" accounting

endpoints() {
	[ "$(metric "$TMP/m1.txt" 'warren_endpoints{project="p1",env="prod"}')" = 2 ] &&
	[ "$(metric "$TMP/m1.txt" 'warren_endpoints{project="p1",env="dev"}')" = 1 ]
}
check "warren_endpoints per environment" endpoints

same_as_status() {
	local f s m
	scrape >"$TMP/m2.txt" || return 1
	for f in local_packets:warren_delivered_packets_total local_bytes:warren_delivered_bytes_total \
		 mesh_packets:warren_delivered_packets_total egress_packets:warren_delivered_packets_total; do
		s=$(counter $H p1 prod "${f%%:*}")
		m=$(metric "$TMP/m2.txt" "${f#*:}{project=\"p1\",env=\"prod\",path=\"${f%%_*}\"}")
		[ "$s" = "$m" ] || { diag "${f%%:*}: status $s, metrics $m"; return 1; }
	done
	s=$(counter $H p1 prod drop_from_wl_cross_env)
	m=$(metric "$TMP/m2.txt" 'warren_drops_total{project="p1",env="prod",reason="cross_env",direction="from_wl"}')
	[ "$s" = "$m" ] || { diag "drop_cross_env: status $s, metrics $m"; return 1; }
}
check "warrenctl status shows the same accounting" same_as_status

# --- events ------------------------------------------------------------------------
# A monitor reads every event; bursts of forged packets from a go past the
# bucket (default 100/s, burst 200), then, with the agent stopped, past the
# ring. The events' counters then equal status's, every drop counted is an
# event sent, rate-limited or ring-full, and every event read reached the
# monitor or was counted as lost to it.
NB=5000 NR=20000
RING_EVENTS=13107	# WARREN_EVENTS_RING_BYTES / (72-byte event + 8-byte record header)
# msum FILE FAMILY: the sum of a family's series.
msum() { awk -v f="$2" '{ n = $1; sub(/\{.*/, "", n) } n == f { s += $2 } END { printf "%d\n", s }' "$1"; }
ev() { metric "$1" "$2{type=\"$3\"}"; }
mon_events() { jq -s 'map(select(.type == "drop")) | length' "$TMP/mon.json"; }
mon_lost() { jq -s 'map(.lost // 0) | add // 0' "$TMP/mon.json"; }
spoof() { in_wl a "$PROBE" spoof --src "${V4[b]}" --dst "${V4[c]}" --count "$1" >/dev/null; }

# events_agree FILE: a scrape and the status taken right after it say the same.
events_agree() {
	local s t k m v
	s=$(ctl $H --json status) || return 1
	for t in drop flow; do
		for k in sent rate_limited ring_full received; do
			m=$(ev "$1" "warren_events_${k}_total" $t)
			v=$(jq ".events.${t}_$k" <<<"$s")
			[ "$m" = "$v" ] || { diag "$t $k: metrics $m, status $v"; return 1; }
		done
	done
	for k in monitor_sent monitor_dropped; do
		m=$(metric "$1" "warren_events_${k}_total")
		v=$(jq ".events.$k" <<<"$s")
		[ "$m" = "$v" ] || { diag "$k: metrics $m, status $v"; return 1; }
	done
	m=$(metric "$1" warren_events_monitors); v=$(jq .events.monitors <<<"$s")
	[ "$m" = "$v" ] || { diag "monitors: metrics $m, status $v"; return 1; }
	m=$(msum "$1" warren_drops_total); v=$(jq '[.counters[].drops] | add' <<<"$s")
	[ "$m" = "$v" ] || { diag "drops: metrics $m, status $v"; return 1; }
}

# honest FILE: every drop is an event sent, rate-limited or ring-full; all sent were read.
honest() {
	local d sent rl full rcv
	d=$(msum "$1" warren_drops_total)
	sent=$(ev "$1" warren_events_sent_total drop)
	rl=$(ev "$1" warren_events_rate_limited_total drop)
	full=$(ev "$1" warren_events_ring_full_total drop)
	rcv=$(ev "$1" warren_events_received_total drop)
	diag "drops $d = sent $sent + rate-limited $rl + ring full $full; received $rcv"
	[ "$d" -eq $((sent + rl + full)) ] && [ "$rcv" = "$sent" ]
}

# delta A B FAMILY [TYPE]: how much a series grew between two scrapes.
delta() {
	if [ $# -eq 4 ]; then echo $(( $(ev "$2" "$3" "$4") - $(ev "$1" "$3" "$4") ))
	else echo $(( $(metric "$2" "$3") - $(metric "$1" "$3") )); fi
}

# The monitor wrote every event queued to it: the agent has flushed its buffer.
mon_caught_up() { [ "$(mon_events)" = "$(metric <(scrape) warren_events_monitor_sent_total)" ]; }

"$WARRENCTL" --socket "$(host_sock $H)" monitor --json >"$TMP/mon.json" 2>"$TMP/mon.err" &
MON_PID=$!
bucket_burst() {
	local rl sent
	wait_for 50 eval '[ "$(metric <(scrape) warren_events_monitors)" = 1 ]' ||
		{ diag "the monitor did not connect: $(cat "$TMP/mon.err")"; return 1; }
	scrape >"$TMP/e0.txt" && spoof $NB && scrape >"$TMP/e1.txt" || return 1
	sent=$(delta "$TMP/e0.txt" "$TMP/e1.txt" warren_events_sent_total drop)
	rl=$(delta "$TMP/e0.txt" "$TMP/e1.txt" warren_events_rate_limited_total drop)
	diag "$NB spoofed: drops +$(( $(msum "$TMP/e1.txt" warren_drops_total) - $(msum "$TMP/e0.txt" warren_drops_total) )), events sent +$sent, rate-limited +$rl"
	[ $(( $(msum "$TMP/e1.txt" warren_drops_total) - $(msum "$TMP/e0.txt" warren_drops_total) )) -eq $NB ] &&
	[ "$sent" -ge 1 ] && [ "$rl" -ge $((NB - 1000)) ] && [ $((sent + rl)) -eq $NB ] &&
	honest "$TMP/e1.txt" && events_agree "$TMP/e1.txt"
}
check "$NB spoofed packets past the bucket: metrics count them sent or rate-limited, as status does" bucket_burst

# Stopped, the agent reads nothing: the ring takes $RING_EVENTS events and counts the rest.
ring_full() {
	local pid=${AGENT_PID[$H]} sent full rcv ms md rc=0
	[ "$(cat /proc/"$pid"/comm)" = warrend ] || { diag "pid $pid is not warrend"; return 1; }
	ctl $H events set --rate 1000000 --burst 1000000 >/dev/null || return 1
	scrape >"$TMP/f0.txt" || return 1
	kill -STOP "$pid"
	wait_for 50 eval '[ "$(awk "{print \$3}" /proc/'"$pid"'/stat)" = T ]' || rc=1
	spoof $NR || rc=1
	kill -CONT "$pid"
	[ $rc -eq 0 ] || return 1
	scrape >"$TMP/f1.txt" || return 1
	sent=$(delta "$TMP/f0.txt" "$TMP/f1.txt" warren_events_sent_total drop)
	full=$(delta "$TMP/f0.txt" "$TMP/f1.txt" warren_events_ring_full_total drop)
	rcv=$(delta "$TMP/f0.txt" "$TMP/f1.txt" warren_events_received_total drop)
	ms=$(delta "$TMP/f0.txt" "$TMP/f1.txt" warren_events_monitor_sent_total)
	md=$(delta "$TMP/f0.txt" "$TMP/f1.txt" warren_events_monitor_dropped_total)
	diag "$NR spoofed, agent stopped: sent +$sent, ring full +$full, read +$rcv; the monitor: +$ms queued, +$md dropped"
	ctl $H events set --rate 100 --burst 200 >/dev/null
	[ "$sent" -eq $RING_EVENTS ] && [ "$full" -eq $((NR - RING_EVENTS)) ] && [ "$rcv" -eq "$sent" ] &&
	[ $((ms + md)) -eq "$rcv" ] && honest "$TMP/f1.txt" && events_agree "$TMP/f1.txt"
}
check "$NR spoofed with the agent stopped: $RING_EVENTS sent, $((NR - RING_EVENTS)) ring full; read, queued or dropped for the monitor" ring_full

# One more event tells the monitor what it lost; then its stream accounts for every event.
monitor_agrees() {
	local s ms md
	spoof 1 || return 1
	wait_for 100 mon_caught_up || { diag "monitor: $(mon_events) events written"; return 1; }
	scrape >"$TMP/g1.txt" || return 1
	ms=$(metric "$TMP/g1.txt" warren_events_monitor_sent_total)
	md=$(metric "$TMP/g1.txt" warren_events_monitor_dropped_total)
	diag "the monitor wrote $(mon_events) drop events and {\"lost\": N} for $(mon_lost); metrics: $ms queued, $md dropped"
	[ "$(mon_events)" = "$ms" ] && [ "$(mon_lost)" = "$md" ] &&
	[ $((ms + md)) -eq $(( $(ev "$TMP/g1.txt" warren_events_received_total drop) -
			       $(ev "$TMP/e0.txt" warren_events_received_total drop) )) ] &&
	[ "$md" -gt 0 ] && jq -e . "$TMP/mon.json" >/dev/null && events_agree "$TMP/g1.txt"
}
check "the monitor's events and its {\"lost\": N} lines are the metrics' queued and dropped" monitor_agrees

promtool_events() {
	command -v promtool >/dev/null || return 2
	promtool check metrics <"$TMP/g1.txt" >"$TMP/promtool2.log" 2>&1 ||
		{ sed 's/^/# promtool: /' "$TMP/promtool2.log" | head -20; return 1; }
}
promtool_events; rc=$?
if [ $rc -eq 2 ]; then skip "promtool check metrics passes after the bursts" "promtool missing (Debian package prometheus)"
elif [ $rc -eq 0 ]; then ok "promtool check metrics passes after the bursts"
else not_ok "promtool check metrics passes after the bursts"; fi
kill -INT "$MON_PID" 2>/dev/null; wait "$MON_PID" 2>/dev/null

# One DNS query the shim answers (TCP: the datapath answers only UDP itself).
dns_latency() {
	local before after ab aa
	scrape >"$TMP/d1.txt"
	in_wl a dig +tcp +time=2 +tries=1 +short api.$D A >/dev/null || return 1
	scrape >"$TMP/d2.txt"
	before=$(metric "$TMP/d1.txt" 'warren_dns_response_duration_seconds_count{source="internal"}')
	after=$(metric "$TMP/d2.txt" 'warren_dns_response_duration_seconds_count{source="internal"}')
	ab=$(metric "$TMP/d1.txt" 'warren_dns_responses_total{outcome="answered"}')
	aa=$(metric "$TMP/d2.txt" 'warren_dns_responses_total{outcome="answered"}')
	diag "internal answers timed: $before -> $after; answered: $ab -> $aa"
	[ $((after - before)) -eq 1 ] && [ $((aa - ab)) -eq 1 ] &&
	[ "$(metric "$TMP/d2.txt" 'warren_dns_response_duration_seconds_bucket{source="internal",le="+Inf"}')" = "$after" ]
}
check "a DNS answer over TCP: answered +1, the latency histogram's count +1" dns_latency

http_errors() {
	[ "$(in_host curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")" = 404 ] &&
	[ "$(in_host curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/metrics")" = 405 ] &&
	in_host curl -s "http://127.0.0.1:$PORT/" | grep -q 'href="/metrics"'
}
check "404 for other paths, 405 for POST, / links to /metrics" http_errors

# --- hostile clients -------------------------------------------------------------------
# A slow-loris (half a request, then nothing) and 20 connections that say
# nothing: 16 take the slots, the other 5 are closed at once; the agent
# answers meanwhile; the 16 are closed at the deadline.
hostile() {	# in the host netns: open all 21, then wait for each to be closed
	in_host timeout 30 bash -c '
		exec {s}<>/dev/tcp/127.0.0.1/'"$PORT"' || exit 1
		printf "GET /metr" >&$s
		fds=()
		for i in $(seq 20); do exec {f}<>/dev/tcp/127.0.0.1/'"$PORT"' || exit 1; fds+=($f); done
		echo opened >'"$TMP"'/hostile.opened
		for f in $s "${fds[@]}"; do cat <&$f >/dev/null; done
		echo closed >'"$TMP"'/hostile.done' &
}
scrape >"$TMP/h0.txt"
hostile
responsive() {
	wait_for 50 test -e "$TMP/hostile.opened" || { diag "could not open the connections"; return 1; }
	quiet ctl $H status || { diag "status did not answer"; return 1; }
	[ "$(in_wl a dig +tcp +time=2 +tries=1 +short 1.api.$D A)" = "${V4[b]}" ] ||
		{ diag "DNS did not answer"; return 1; }
	[ ! -e "$TMP/hostile.done" ] || { diag "closed before the deadline"; return 1; }
}
check "while 16 slots are held: warrenctl status and a DNS query over TCP answer" responsive
closed_at_deadline() {
	local dl ol
	# The deadline is ${DEADLINE_S} s; wait at most three times that.
	wait_for $((DEADLINE_S * 30)) test -e "$TMP/hostile.done" || { diag "still open"; return 1; }
	scrape >"$TMP/h1.txt" || return 1
	dl=$(( $(metric "$TMP/h1.txt" 'warren_metrics_http_closed_connections_total{reason="deadline"}') -
	       $(metric "$TMP/h0.txt" 'warren_metrics_http_closed_connections_total{reason="deadline"}') ))
	ol=$(( $(metric "$TMP/h1.txt" 'warren_metrics_http_closed_connections_total{reason="over_limit"}') -
	       $(metric "$TMP/h0.txt" 'warren_metrics_http_closed_connections_total{reason="over_limit"}') ))
	diag "closed at the deadline: $dl, over the limit: $ol"
	[ "$dl" -eq $SLOTS ] && [ "$ol" -eq $((21 - SLOTS)) ]
}
check "all closed: $SLOTS at the deadline, $((21 - SLOTS)) at once (over the limit); scrapes work again" closed_at_deadline

parallel_scrapes() {
	local i n=0 pids=()
	for i in $(seq 20); do
		in_host curl -s --max-time 5 -o "$TMP/par.$i" -w '%{http_code}\n' "http://127.0.0.1:$PORT/metrics" >"$TMP/par.$i.code" &
		pids+=($!)
	done
	wait "${pids[@]}"	# not the agent's: it runs in the background too
	for i in $(seq 20); do [ "$(cat "$TMP/par.$i.code")" = 200 ] && n=$((n + 1)); done
	diag "20 scrapes at once: $n got 200 (the rest were over the limit of $SLOTS)"
	[ $n -ge 1 ] && quiet ctl $H status
}
check "20 scrapes at once: served or refused at once, the agent answers after" parallel_scrapes

# --- a real Prometheus -----------------------------------------------------------------
prometheus_scrapes() {
	local pport q v i
	pport=$(free_port) || return 1
	mkdir -p "$TMP/prom"
	cat >"$TMP/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: warren
	    static_configs:
	      - targets: ['127.0.0.1:$PORT']
	EOF
	in_host prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
		--web.listen-address="127.0.0.1:$pport" >"$TMP/prometheus.log" 2>&1 &
	q='warren_delivered_packets_total{project="p1",env="prod",path="local"}'
	for ((i = 0; i < 300; i++)); do	# 30 s at most: start-up and the first scrapes
		v=$(in_host curl -s --max-time 2 "http://127.0.0.1:$pport/api/v1/query" \
			--data-urlencode "query=$q" | jq -r '.data.result[0].value[1] // empty' 2>/dev/null)
		[ -n "$v" ] && break
		sleep 0.1
	done
	diag "Prometheus $(prometheus --version 2>&1 | awk 'NR==1 {print $3}') on 127.0.0.1:$pport: $q = ${v:-nothing}"
	[ -n "$v" ] || { tail -5 "$TMP/prometheus.log" | sed 's/^/#   /'; return 1; }
	[ "$v" = $WANT_PKTS ] || return 1
	v=$(in_host curl -s "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=up{job="warren"}' |
		jq -r '.data.result[0].value[1]')
	[ "$v" = 1 ] || { diag "up = $v"; return 1; }
	v=$(in_host curl -s "http://127.0.0.1:$pport/api/v1/query" \
		--data-urlencode 'query=warren_drops_total{project="p1",env="prod",reason="cross_env",direction="from_wl"}' |
		jq -r '.data.result[0].value[1]')
	[ "$v" = $NX ] || { diag "cross_env drops: $v"; return 1; }
}
if command -v prometheus >/dev/null; then
	check "a real Prometheus scrapes the agent: its query API returns $WANT_PKTS delivered packets for p1/prod, $NX drops, up 1" prometheus_scrapes
else
	skip "a real Prometheus scrapes the agent" "prometheus missing (Debian package prometheus)"
fi

check "the agent is still answering" quiet ctl $H status
echo "# $((T_N - T_FAIL)) passed, $T_FAIL failed"
finish
