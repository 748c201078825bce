#!/usr/bin/env bash
# DNS throughput: warren's datapath fast path and its userspace shim against
# Knot DNS, NSD and unbound, in one run, each serving the records the shim
# gives one caller.
#
# One host namespace runs warrend; project "bench" has two environments
# (prod, staging) with the same 4 services x 3 replicas, so the shim's
# per-caller views are doing real work. The caller is one more prod
# workload. The competitors run in the host namespace on the resolver
# address (10.210.1.1) on their own ports, so every server sits behind the
# same datapath: workload veth -> warren's BPF -> host stack. Each is
# checked to give every query of the load the expected answer before the
# timed runs; a server that answers differently stops the benchmark.
#
# Resources: 2 workers each where configurable (knotd udp-workers 2, nsd
# server-count 2 with reuseport, unbound num-threads 2 with reuseport); the
# shim is one thread in the agent's event loop. No query logging, no rate
# "warren fast path" is the agent as it runs by default: the datapath
# answers the load's A/AAAA queries for the caller's names and the shim
# the rest (the NXDOMAINs); "warren shim" is the same agent restarted with
# --no-dns-fast, so the shim answers everything. The agent is restarted
# between the two (its endpoints are re-adopted, nothing is re-created).
#
# CPU: "srv µs/query" is the CPU of the processes in the host namespace
# (the server) per completed query, which misses work done in softirq on
# the client's CPU: for the fast path, all of it. "all µs/query" is every
# CPU's busy time (/proc/stat: user, system, irq, softirq, steal) per
# completed query, dnsperf included: the same client work is in every row,
# so it is the fair comparison, and the one the CPU goal is judged on.
# Other load on the machine inflates it: the load average is printed.
#
# limiting (knot: mod-rrl is not loaded; nsd: rrl-ratelimit 0; unbound:
# ratelimit and ip-ratelimit are 0 by default), answer rotation on in all
# four. unbound serves a static local-zone with local-data: it is a
# resolver, and that is how it answers names it owns without recursion.
#
# The load generator is dnsperf inside the caller's namespace: the same
# query file and parameters for every server. On a 2-CPU machine dnsperf
# (a sender and a receiver thread per -T) competes with the server for the
# same CPUs, so these are figures for this machine, not server maxima.
#
# Environment: DNS_BENCH_SECONDS (10), DNS_BENCH_ROUNDS (1),
# DNS_BENCH_CLIENTS (8), DNS_BENCH_THREADS (as many as CPUs),
# DNS_BENCH_OUTSTANDING (256).
# The benchmark reports; a slow shim never fails it. It exits non-zero only
# when the comparison cannot be made (setup failed, wrong answers).
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
SECS=${DNS_BENCH_SECONDS:-10}
ROUNDS=${DNS_BENCH_ROUNDS:-1}
CLIENTS=${DNS_BENCH_CLIENTS:-8}
THREADS=${DNS_BENCH_THREADS:-$(nproc)}
OUTSTANDING=${DNS_BENCH_OUTSTANDING:-256}
GOAL=1.5
CPU_GOAL=0.67	# of Knot's CPU per query
D=warren.internal
R4=10.210.1.1
TTL=5
SOA="ns.$D. hostmaster.$D. 1 3600 600 86400 $TTL"	# the shim's own SOA

echo "== 3. DNS throughput: warren's fast path and shim against Knot DNS, NSD, unbound (dnsperf)"
[ "$(id -u)" -eq 0 ] || { echo "bench_dns: run as root" >&2; exit 1; }
for t in dnsperf dig jq "$O/warrend" "$O/warrenctl"; do
	command -v "$t" >/dev/null || { echo "  # SKIP missing $t"; exit 0; }
done

ID=wd$$
source scripts/lib.sh
HNS=$ID-host
CALLER=$ID-caller
W=$TMP/dns
mkdir -p "$W"

# name -> binary, port, pid; "fast" and "shim" are warrend itself on port 53.
SERVERS=(knot nsd unbound)
declare -A BIN=([knot]=/usr/sbin/knotd [nsd]=/usr/sbin/nsd [unbound]=/usr/sbin/unbound)
declare -A PORT=([fast]=53 [shim]=53 [knot]=5301 [nsd]=5302 [unbound]=5303)
declare -A PID LABEL=([fast]="warren fast path" [shim]="warren shim")
RUNNING=()	# servers that started and answer correctly, warren's first if they do
AGENT_MODE=fast

bench_dns_cleanup() {
	local s
	[ -z "${BPF_STATS:-}" ] || sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS"
	for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null; done
	for s in "${!PID[@]}"; do wait "${PID[$s]}" 2>/dev/null; done
	cleanup
}
trap bench_dns_cleanup EXIT

wait_for() {	# wait_for TRIES cmd...: poll every 0.1 s
	local i
	for ((i = 0; i < $1; i++)); do "${@:2}" && return 0; sleep 0.1; done
	return 1
}
in_caller() { ip netns exec "$CALLER" "$@"; }
answers() {	# answers PORT: the server gives the zone's SOA to the caller
	in_caller dig +time=1 +tries=1 @$R4 -p "$1" "$D" SOA 2>/dev/null | grep -q "status: NOERROR"
}

# --- the fabric: 2 environments x 4 services x 3 replicas, and the caller ----------
SVCS=(api db cache auth)
# service replica [type]
SPECS=("api 0 web" "api 1 web" "api 2 worker" "db 0" "db 1" "db 2"
       "cache 0 redis" "cache 1 redis" "cache 2" "auth 0" "auth 1" "auth 2")
declare -A V4 V6 TYPE	# of prod endpoints, by "service/replica"

add() {	# add NETNS ENV SERVICE REPLICA [TYPE]
	local out
	ip netns add "$1" && ip -n "$1" link set lo up || return 1
	out=$(ctl --json endpoint add project bench env "$2" service "$3" replica "$4" \
		${5:+type "$5"} netns "$1") || return 1
	[ "$2" = prod ] || return 0
	V4[$3/$4]=$(jq -r '.[0].ipv4' <<<"$out")
	V6[$3/$4]=$(jq -r '.[0].ipv6' <<<"$out")
	TYPE[$3/$4]=${5:-}
}

setup() {
	local flags spec e
	flags=$("$O/warrend" --help 2>&1)
	AGENT_ARGS=()
	# No upstream is ever asked (every name is under $D); do not depend on
	# this machine's resolv.conf. TTL set to what the zones below carry.
	grep -q -- --dns-upstream <<<"$flags" && AGENT_ARGS+=(--dns-upstream 127.0.0.1:9)
	grep -q -- --dns-ttl <<<"$flags" && AGENT_ARGS+=(--dns-ttl "$TTL")
	agent_start || return 1
	ip -n "$HNS" link set lo up
	ctl project add bench && ctl env add bench prod >/dev/null &&
		ctl env add bench staging >/dev/null || return 1
	for e in prod staging; do
		for spec in "${SPECS[@]}"; do
			set -- $spec
			add "$ID-$e-$1-$2" "$e" "$@" || { echo "  adding $e $spec failed" >&2; return 1; }
		done
	done
	add "$CALLER" prod client 0 || return 1
	# An agent without the shim does not own the resolver address yet.
	if ! ip -n "$HNS" addr show dev lo | grep -q "inet $R4/"; then
		echo "  (the agent has no $R4 on the host's lo: added by this script)"
		ip -n "$HNS" addr add "$R4/32" dev lo || return 1
	fi
}
setup || { echo "bench_dns: setup failed" >&2; exit 1; }

# --- the records the shim gives the caller, and the query mix ----------------------
# records: "name type address", names relative to $D, the caller's view:
# service, replica N.service, type.service, N.type.service, each also fully
# qualified as ....prod.bench.
records() {
	local k s r t base
	for k in "${!V4[@]}"; do
		s=${k%/*} r=${k#*/} t=${TYPE[$k]}
		for base in "$s" "$s.prod.bench"; do
			printf '%s A %s\n%s AAAA %s\n' "$base" "${V4[$k]}" "$base" "${V6[$k]}"
			printf '%s A %s\n%s AAAA %s\n' "$r.$base" "${V4[$k]}" "$r.$base" "${V6[$k]}"
			[ -n "$t" ] || continue
			printf '%s A %s\n%s AAAA %s\n' "$t.$base" "${V4[$k]}" "$t.$base" "${V6[$k]}"
			printf '%s A %s\n%s AAAA %s\n' "$r.$t.$base" "${V4[$k]}" "$r.$t.$base" "${V6[$k]}"
		done
	done | sort
}
records > "$W/records"

# 70% service names (A and AAAA), 20% replica, type and fully qualified
# names, 10% names that must be NXDOMAIN (half of them another
# environment's, which exist in the shim but not for this caller).
SERVICE_Q=() REPLICA_Q=() NX_Q=()
for i in $(seq 0 34); do SERVICE_Q+=("${SVCS[i % 4]} A" "${SVCS[i % 4]} AAAA"); done
REPLICA_Q=("0.api A" "1.api AAAA" "2.db A" "0.db AAAA" "1.cache A" "2.cache AAAA" "0.auth A"
	   "2.auth AAAA" "web.api A" "worker.api AAAA" "redis.cache A" "0.web.api AAAA"
	   "2.worker.api A" "1.redis.cache AAAA" "api.prod.bench A" "db.prod.bench AAAA"
	   "1.api.prod.bench A" "web.api.prod.bench AAAA" "2.worker.api.prod.bench A"
	   "cache.prod.bench AAAA")
NX_Q=("api.staging.bench A" "db.staging.bench AAAA" "0.api.staging.bench A"
      "web.api.staging.bench AAAA" "auth.staging.bench A" "nosuch A" "3.api AAAA"
      "1.worker.api A" "redis.api AAAA" "api.prod.nosuch A")
for k in $(seq 0 9); do
	printf '%s\n' "${SERVICE_Q[@]:k*7:7}" "${REPLICA_Q[@]:k*2:2}" "${NX_Q[k]}"
done | awk -v d="$D" '{ print $1 "." d, $2 }' > "$W/queries"
NX_SHARE=$(awk -v n=${#NX_Q[@]} 'END { printf "%.2f", 100 * n / NR }' "$W/queries")

# expected: "name. TYPE STATUS addr,addr,..." for every distinct query.
sort -u "$W/queries" | awk -v d="$D" '
	FNR == NR { n = $1 "." d; exists[n] = 1; rr[n " " $2] = rr[n " " $2] " " $3; next }
	{ q = $1; sub("\\." d "$", "", q); q = q "." d
	  st = (q in exists) ? "NOERROR" : "NXDOMAIN"
	  m = split(rr[q " " $2], a, " "); out = ""
	  for (i = 1; i <= m; i++) out = out (i > 1 ? "," : "") a[i]
	  print $1 ".", $2, st, out }' "$W/records" - |
	awk '{ n = split($4, a, ","); asort_(a, n); s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") a[i]; print $1, $2, $3, s }
	     function asort_(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }' |
	sort > "$W/expected"

# --- the competitors, configured from templates into $W ------------------------------
zonefile() {
	echo "\$ORIGIN $D."
	echo "\$TTL $TTL"
	echo "@ SOA $SOA"
	echo "@ NS localhost."	# out of zone: no glue, no extra name
	awk '{ print $1, $2, $3 }' "$W/records"
}
zonefile > "$W/$D.zone"

config_knot() {
	mkdir -p "$W/knot"
	cat > "$W/knot/knot.conf" <<-EOF
	server:
	    rundir: "$W/knot"
	    user: root:root
	    listen: $R4@${PORT[knot]}
	    udp-workers: 2
	    tcp-workers: 1
	    background-workers: 1
	    answer-rotation: on
	log:
	  - target: stderr
	    any: warning
	database:
	    storage: "$W/knot"
	template:
	  - id: default
	    storage: "$W/knot"
	    zonefile-sync: -1
	    zonefile-load: whole
	    journal-content: none
	zone:
	  - domain: $D
	    file: "$W/$D.zone"
	EOF
	echo "${BIN[knot]}" -c "$W/knot/knot.conf"
}

config_nsd() {
	mkdir -p "$W/nsd"
	cat > "$W/nsd/nsd.conf" <<-EOF
	server:
	    ip-address: $R4@${PORT[nsd]}
	    server-count: 2
	    reuseport: yes
	    username: ""
	    chroot: ""
	    zonesdir: "$W/nsd"
	    database: ""
	    zonelistfile: "$W/nsd/zone.list"
	    xfrdfile: "$W/nsd/xfrd.state"
	    xfrdir: "$W/nsd"
	    pidfile: "$W/nsd/nsd.pid"
	    verbosity: 0
	    round-robin: yes
	    minimal-responses: yes
	    rrl-ratelimit: 0
	    rrl-whitelist-ratelimit: 0
	remote-control:
	    control-enable: no
	zone:
	    name: $D
	    zonefile: "$W/$D.zone"
	EOF
	echo "${BIN[nsd]}" -d -c "$W/nsd/nsd.conf"
}

config_unbound() {
	mkdir -p "$W/unbound"
	{
		cat <<-EOF
		server:
		    interface: $R4@${PORT[unbound]}
		    num-threads: 2
		    so-reuseport: yes
		    username: ""
		    chroot: ""
		    directory: "$W/unbound"
		    pidfile: "$W/unbound/unbound.pid"
		    use-syslog: no
		    logfile: ""
		    verbosity: 0
		    log-queries: no
		    log-replies: no
		    do-daemonize: no
		    access-control: 0.0.0.0/0 allow
		    access-control: ::/0 allow
		    module-config: "iterator"
		    rrset-roundrobin: yes
		    minimal-responses: yes
		    local-zone: "$D." static
		    local-data: "$D. $TTL IN SOA $SOA"
		EOF
		awk -v d="$D" -v ttl=$TTL '{ printf "    local-data: \"%s.%s. %s IN %s %s\"\n", $1, d, ttl, $2, $3 }' "$W/records"
		printf 'remote-control:\n    control-enable: no\n'
	} > "$W/unbound/unbound.conf"
	echo "${BIN[unbound]}" -d -c "$W/unbound/unbound.conf"
}

version_of() {
	case $1 in
	knot) echo "knot $(${BIN[knot]} -V 2>&1 | awk '{ print $NF; exit }')" ;;
	nsd) echo "nsd $(${BIN[nsd]} -v 2>&1 | awk '{ print $NF; exit }')" ;;
	unbound) echo "unbound $(${BIN[unbound]} -V 2>&1 | awk '{ print $NF; exit }')" ;;
	esac
}

server_start() {	# server_start NAME: run it in the host namespace until it answers
	local s=$1 cmd
	cmd=$(config_$s) || return 1
	ip netns exec "$HNS" $cmd >"$W/$s.log" 2>&1 &
	PID[$s]=$!
	LABEL[$s]=$(version_of "$s")
	wait_for 100 answers "${PORT[$s]}" && return 0
	echo "  $s did not come up on $R4:${PORT[$s]}:" >&2
	sed 's/^/    /' "$W/$s.log" | tail -20 >&2
	return 1
}

# --- correctness: every distinct query of the load, against the expectation -------
# dig's batch mode, one process per server; prints lines as in $W/expected.
actual() {
	sort -u "$W/queries" | awk -v s=$R4 -v p="$1" '{ print "@" s, "-p", p, $1, $2 }' > "$W/batch.$1"
	in_caller dig +time=1 +tries=2 +noall +comments +question +answer -f "$W/batch.$1" 2>&1 |
	awk '
		function flush(   n, i, j, t, s) {
			if (q == "") return
			n = split(rd, a, " ")
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
			s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") a[i]
			print q, st, s; q = ""; rd = ""
		}
		/->>HEADER<<-/ { flush(); st = $6; sub(",", "", st); next }
		/^;[^;]/ { q = substr($1, 2) " " $3; next }
		/^[^;]/ && NF >= 5 && ($4 == "A" || $4 == "AAAA") { rd = rd " " $5 }
		END { flush() }' | sort
}

verify() {	# verify NAME: the server's answers are exactly the expected ones
	local s=$1
	actual "${PORT[$s]}" > "$W/actual.$s"
	cmp -s "$W/expected" "$W/actual.$s" && return 0
	echo "  ${LABEL[$s]} answers differently from what the shim must give this caller:" >&2
	diff "$W/expected" "$W/actual.$s" | sed 's/^/    /' | head -20 >&2
	return 1
}

# --- warren: warrend itself on $R4:53, with and without the fast path ------------------
# agent_mode fast|shim: restart the agent with the fast path on or off.
agent_mode() {
	[ "$AGENT_MODE" = "$1" ] && return 0
	kill "$AGENT" 2>/dev/null; wait "$AGENT" 2>/dev/null
	local args=() x
	for x in "${AGENT_ARGS[@]}"; do [ "$x" = --no-dns-fast ] || args+=("$x"); done
	[ "$1" = shim ] && args+=(--no-dns-fast)
	AGENT_ARGS=("${args[@]}")
	agent_start || { echo "  the agent did not restart (fast path $1)" >&2; exit 1; }
	wait_for 50 answers "${PORT[shim]}" || { echo "  the agent serves no DNS after its restart" >&2; exit 1; }
	AGENT_MODE=$1
}
# The agent's from-workload programs (the links it pinned): "run_time_ns run_cnt".
# Run times are kept while kernel.bpf_stats_enabled is 1, for every row alike.
prog_stats() {
	local l id t=0 c=0 rt rc
	for id in $(for l in "$PINS"/links/*_in; do bpftool -j link show pinned "$l" | jq -r .prog_id; done | sort -u); do
		read -r rt rc < <(bpftool -j prog show id "$id" | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"')
		t=$((t + rt)) c=$((c + rc))
	done
	echo "$t $c"
}
fast_answered() { ctl --json status | jq -r '.dns.fast_answered // 0'; }

warren_check() {
	local s f0
	if ! answers "${PORT[shim]}"; then
		echo "  warren: not serving DNS yet (SKIP)"
		return 0
	fi
	for s in fast shim; do
		agent_mode $s
		f0=$(fast_answered)
		verify $s || exit 1
		if [ $s = fast ] && [ "$(fast_answered)" = "$f0" ]; then
			echo "  warren fast path: answered nothing (SKIP: the agent has no fast path)"
			continue
		fi
		RUNNING+=($s)
	done
}

# --- load --------------------------------------------------------------------------------
# Busy CPU seconds of the whole machine so far, every CPU: user, nice,
# system, irq, softirq, steal (not idle, not iowait).
all_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '$1 == "cpu" { print ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}
# CPU seconds used so far by every process in the host namespace: the server
# under load (idle ones add nothing), its worker threads and processes.
host_cpu() {
	ip netns pids "$HNS" | sed 's|.*|/proc/&/stat|' | xargs cat 2>/dev/null |
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t / hz }'
}
udp_drops() {	# udp_drops NETNS: UDP datagrams dropped for a full receive buffer
	ip netns exec "$1" awk '/^Udp:/ { if (h) print $(col); else for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") col = i; h = 1 }' /proc/net/snmp
}
now() { date +%s.%N; }

# perf NAME: one timed dnsperf run, one line into $W/results:
# name qps avg_us sd_us completed lost wall_s server_cpu_s dnsperf_cpu_s drops_server drops_dnsperf all_cpu_s rcodes
perf() {
	local s=$1 f="$W/perf.$1" t0 t1 c0 c1 ds0 ds1 dc0 dc1 a0 a1
	case $s in fast|shim) agent_mode "$s" ;; esac
	local p0 p1
	p0=$(prog_stats)
	a0=$(all_cpu) c0=$(host_cpu) ds0=$(udp_drops "$HNS") dc0=$(udp_drops "$CALLER") t0=$(now)
	# `times` in a subshell: the CPU time of its children, dnsperf's.
	( timeout $((SECS + 15)) ip netns exec "$CALLER" dnsperf -s $R4 -p "${PORT[$s]}" \
		-d "$W/queries" -l "$SECS" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" -t 2 \
		>"$f" 2>&1; times > "$f.times" )
	t1=$(now) c1=$(host_cpu) ds1=$(udp_drops "$HNS") dc1=$(udp_drops "$CALLER") a1=$(all_cpu)
	p1=$(prog_stats)
	echo "$s $p0 $p1" >> "$W/progstats"
	awk -v s="$s" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
	    -v scpu="$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" \
	    -v acpu="$(awk -v a="$a0" -v b="$a1" 'BEGIN { print b - a }')" \
	    -v ds=$((ds1 - ds0)) -v dc=$((dc1 - dc0)) '
		function sec(x, m) { split(x, m, "m"); return m[1] * 60 + m[2] }
		FNR == NR { if (FNR == 2) pcpu = sec($1) + sec($2); next }
		/Queries per second:/ { q = $4 }
		/Queries completed:/ { done = $3 }
		/Queries lost:/ { lost = $3 }
		/Average Latency \(s\):/ { lat = $4 * 1e6 }
		/Latency StdDev \(s\):/ { sd = $4 * 1e6 }
		/Response codes:/ { sub(/.*Response codes: */, ""); gsub(/ \([0-9.]*%\),?/, ""); gsub(/ /, ":"); rc = $0 }
		END { print s, q + 0, lat + 0, sd + 0, done + 0, lost + 0, wall, scpu, pcpu + 0, ds, dc, acpu, rc }' \
		"$f.times" "$f" >> "$W/results"
	grep -q "Queries per second" "$f" ||
		{ echo "  $s: dnsperf gave no result:" >&2; tail -5 "$f" | sed 's/^/    /' >&2; }
}

# The table, from $W/results: means over rounds; the best competitor is the
# one with the most queries/s, the CPU goal is against Knot's.
report() {
	awk -v goal=$GOAL -v cgoal=$CPU_GOAL -v nx="$NX_SHARE" -v labels="$1" -v load="$2" '
	BEGIN { n = split(labels, l, "|"); for (i = 1; i <= n; i += 2) { label[l[i]] = l[i + 1]; order[++ns] = l[i] } }
	{ s = $1; runs[s]++; q[s] += $2; lat[s] += $3; sd[s] += $4; done[s] += $5; lost[s] += $6
	  wall[s] += $7; scpu[s] += $8; pcpu[s] += $9; ds[s] += $10; dc[s] += $11; acpu[s] += $12
	  m = split($13, rc, ":")
	  for (i = 1; i < m; i += 2) { cnt[s, rc[i]] += rc[i + 1]; all[s] += rc[i + 1]; if (rc[i] != "NOERROR" && rc[i] != "NXDOMAIN") odd[s] = odd[s] " " rc[i] } }
	function us(c, s) { return 1e6 * c / done[s] }
	END {
		for (i = 1; i <= ns; i++) { s = order[i]; if (s == "shim" || s == "fast" || !runs[s]) continue
			if (best == "" || q[s] / runs[s] > q[best] / runs[best]) best = s }
		printf "  %-17s %10s %7s %7s %6s %8s %9s %9s %8s  %s\n", "server", "queries/s", "avg µs", "sd µs",
			"lost", "srv CPU", "srv µs/q", "all µs/q", "dnsperf", "vs best competitor"
		for (i = 1; i <= ns; i++) { s = order[i]; if (!runs[s]) continue; r = runs[s]
			printf "  %-17s %10.0f %7.0f %7.0f %6d %7.0f%% %9.2f %9.2f %7.0f%%  %s\n", label[s], q[s] / r,
				lat[s] / r, sd[s] / r, lost[s], 100 * scpu[s] / wall[s], us(scpu[s], s), us(acpu[s], s),
				100 * pcpu[s] / wall[s], (best != "" ? sprintf("%.2fx", (q[s] / r) / (q[best] / runs[best])) : "-") }
		print "  (srv CPU: the host namespace'"'"'s processes, as a share of one CPU of the 2; srv µs/q: theirs per"
		print "   completed query; all µs/q: every CPU'"'"'s busy time per completed query, dnsperf and softirq"
		printf "   included; load average before the run: %s)\n", load
		for (i = 1; i <= ns; i++) { s = order[i]; if (!runs[s]) continue
			if (lost[s]) printf "  note: %s lost %d queries; UDP receive-buffer drops: %d at the server, %d at dnsperf\n",
				label[s], lost[s], ds[s], dc[s]
			if (odd[s] != "") printf "  warning: %s answered with%s\n", label[s], odd[s]
			share = all[s] ? 100 * cnt[s, "NXDOMAIN"] / all[s] : 0
			if (share < nx - 1 || share > nx + 1)
				printf "  warning: %s: NXDOMAIN %.1f%% of answers, the load has %.1f%%\n", label[s], share, nx }
		if (best == "") exit
		for (i = 1; i <= ns; i++) { s = order[i]; if ((s != "fast" && s != "shim") || !runs[s]) continue
			ratio = (q[s] / runs[s]) / (q[best] / runs[best])
			printf "  %s / best competitor (%s) = %.2fx queries/s (goal >= %.1fx: %s)\n", label[s],
				label[best], ratio, goal, (ratio >= goal ? "met" : "not met")
			if (!runs["knot"]) continue
			ratio = us(acpu[s], s) / us(acpu["knot"], "knot")
			printf "  %s / %s = %.2fx CPU per query, all CPUs (goal <= %.2fx: %s)\n", label[s],
				label["knot"], ratio, cgoal, (ratio <= cgoal ? "met" : "not met") }
	}' "$W/results"
}

# --- run -----------------------------------------------------------------------------------
warren_check
for s in "${SERVERS[@]}"; do
	if [ ! -x "${BIN[$s]}" ]; then
		echo "  $s: ${BIN[$s]} missing (SKIP)"
		continue
	fi
	server_start "$s" || exit 1
	verify "$s" || exit 1
	RUNNING+=("$s")
done
[ ${#RUNNING[@]} -gt 0 ] || { echo "  # SKIP no server to measure"; exit 0; }

echo "  $(wc -l < "$W/expected") distinct queries checked against every server: identical answers"
echo "  load: dnsperf -l $SECS -c $CLIENTS -T $THREADS -q $OUTSTANDING from workload bench/prod/client" \
	"to $R4, ${ROUNDS} round(s), servers interleaved;"
echo "        $(wc -l < "$W/queries") queries: 70% service A/AAAA, 20% replica/type/qualified, $NX_SHARE% NXDOMAIN"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
BPF_STATS=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
for r in $(seq "$ROUNDS"); do
	for s in "${RUNNING[@]}"; do perf "$s"; done
done
labels=
for s in "${RUNNING[@]}"; do labels+="$s|${LABEL[$s]}|"; done
report "${labels%|}" "$LOAD"
# What warren_from_wl costs per packet in each row (queries in, for the fast
# path the answer written too): the run time the kernel kept for it.
awk -v labels="${labels%|}" '
	BEGIN { n = split(labels, l, "|"); for (i = 1; i <= n; i += 2) label[l[i]] = l[i + 1] }
	{ t[$1] += $4 - $2; c[$1] += $5 - $3 }
	END { if (("fast" in c) && c["fast"] > 0 && ("shim" in c) && c["shim"] > 0)
		printf "  warren_from_wl per packet: %.0f ns with the fast path (parse, look up, answer), %.0f ns without\n",
			t["fast"] / c["fast"], t["shim"] / c["shim"] }' "$W/progstats"
exit 0
