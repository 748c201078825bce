#!/usr/bin/env bash
# The fleet directory on etcd: how fast a change on one host is everywhere.
# A 3-member etcd cluster on loopback and 3 hosts as namespaces on one
# switch, an agent on each in directory mode (the end-to-end tests'
# harness: selftests/e2e/lib.sh, mesh_lib.sh, etcd_lib.sh).
#
#  a. for each of N endpoints (BENCH_DIR_ENDPOINTS, default 50), one at a
#     time: from the start of `warrenctl endpoint add` on h1 until a
#     workload on h2 resolves its name, and until that workload's first
#     UDP datagram to it is echoed (polled from inside the workload: a dig
#     costs a few ms, a lost datagram 50 ms);
#  b. M endpoints (BENCH_DIR_BULK, default 1000) written straight into
#     etcd as 4 more hosts would publish them (a host record and a claim
#     each, records on a lease, transactions of 125 puts): from the first
#     write until every agent's status counts them all.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
export O
N_LAT=${BENCH_DIR_ENDPOINTS:-50}
N_BULK=${BENCH_DIR_BULK:-1000}
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
for t in etcd etcdctl wg dig jq; do
	command -v $t >/dev/null || { echo "bench: $t missing (make deps)" >&2; exit 1; }
done
"$O/warrend" --help 2>&1 | grep -q -- --directory || { echo "bench: this warrend has no --directory" >&2; exit 1; }

RUN_ID=bd$$
source selftests/e2e/lib.sh
source selftests/e2e/mesh_lib.sh
source selftests/e2e/etcd_lib.sh
ETCD=$TMP/etcd
PFX=/warren/v1/
DOMAIN=warren.internal
bench_cleanup() {
	local h
	for h in "${!AGENT_PID[@]}"; do agent_kill9 "$h"; done
	etcd_cluster_stop "$ETCD"
	mesh_cleanup
}
trap bench_cleanup EXIT
fail() { echo "bench_directory: $*" >&2; for h in h1 h2 h3; do tail -5 "$TMP/$h.log" 2>/dev/null | sed "s/^/  $h: /" >&2; done; exit 1; }
remotes() { ctl "$1" --json status | jq -r '.mesh.remote_endpoints // empty'; }
has_env() { ctl "$1" --json env list | jq -e 'any(.[]; .project == "bench" and .env == "prod")' >/dev/null; }
# every other host is its WireGuard peer
meshed() { [ "$(ip netns exec "$(host_ns "$1")" wg show "$(mesh_wgdev "$1")" peers | grep -c .)" = 2 ]; }
# pct P FILE: the P-th percentile (nearest rank) of the numbers in FILE
pct() { sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { i = int((p * NR + 99) / 100); print v[i < 1 ? 1 : i] }'; }

mesh_underlay h1 h2 h3 || fail "hosts"
# etcd on the switch, reached over the underlay
ETCD_HOST=192.168.77.100 ETCD_NETNS=$SW etcd_cluster_start "$ETCD" 3 || fail "etcd did not start"
etcd_load "$ETCD"
URLS="etcd://$HOST:${CPORT[0]},$HOST:${CPORT[1]},$HOST:${CPORT[2]}"
for h in h1 h2 h3; do
	mesh_agent_bare "$h" --directory "$URLS" --underlay "${UL4[$h]}" || fail "agent $h"
done
for h in h1 h2 h3; do wait_for 100 meshed "$h" || fail "$h has not the others as peers"; done
ctl h1 project add bench >/dev/null && ctl h1 env add bench prod >/dev/null || fail "env add"
for h in h2 h3; do wait_for 50 has_env "$h" || fail "$h has no bench/prod"; done
KIND=$(ctl h1 --json status | jq -r .mesh.wg_kind)

# The client on h2, a first endpoint on h1 it reaches (the tunnel up before timing).
H=h2
wl_create c2 && add_endpoint c2 bench prod client 0 || fail "client endpoint"
H=h1
wl_create w0 && wl_serve w0 && add_endpoint w0 bench prod warm 0 || fail "warm endpoint"
wait_for 100 quiet in_wl c2 "$PROBE" check --timeout-ms 300 udp:"${V4[w0]}" || fail "no tunnel h2 -> h1"
for i in $(seq "$N_LAT"); do wl_create "e$i" && wl_serve "e$i" || fail "workload e$i"; done

echo "== 5. fleet directory on etcd: 3 members, 3 hosts ($KIND), etcd $(etcd --version | awk 'NR == 1 { print $3 }')"
# Inside c2: poll until NAME resolves to ADDR, then until a datagram to it is
# echoed; print the two times in ms since T0 (ns), or "timeout" after 10 s.
POLL='t0=$1 name=$2 addr=$3 probe=$4 end=$(( $(date +%s%N) + 10000000000 ))
until dig +short +time=1 +tries=1 "$name" A | grep -qxF "$addr"; do
	[ "$(date +%s%N)" -lt $end ] || { echo timeout; exit 1; }
done
t1=$(date +%s%N)
until "$probe" check --timeout-ms 50 "udp:$addr" >/dev/null 2>&1; do
	[ "$(date +%s%N)" -lt $end ] || { echo timeout; exit 1; }
done
t2=$(date +%s%N)
echo $(( (t1 - t0) / 1000000 )) $(( (t2 - t0) / 1000000 ))'
: >"$TMP/add.ms"; : >"$TMP/dns.ms"; : >"$TMP/pkt.ms"
lost=0
for i in $(seq "$N_LAT"); do
	t0=$(date +%s%N)
	out=$(ctl h1 --json endpoint add project bench env prod service api replica "$i" netns "$(wl_ns "e$i")") ||
		fail "endpoint add $i"
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >>"$TMP/add.ms"
	addr=$(jq -r '.[0].ipv4' <<<"$out")
	r=$(in_wl c2 bash -c "$POLL" _ "$t0" "$i.api.$DOMAIN" "$addr" "$PROBE")
	if [ "$r" = timeout ] || [ -z "$r" ]; then lost=$((lost + 1)); continue; fi
	echo "${r% *}" >>"$TMP/dns.ms"
	echo "${r#* }" >>"$TMP/pkt.ms"
done
n=$(grep -c . "$TMP/pkt.ms")
printf '  a. %d endpoints added on h1, one at a time%s\n' "$N_LAT" "$([ $lost -gt 0 ] && echo ", $lost not seen on h2 within 10 s")"
printf '     warrenctl endpoint add on h1 itself      p50 %5s ms  p99 %5s ms\n' "$(pct 50 "$TMP/add.ms")" "$(pct 99 "$TMP/add.ms")"
if [ "$n" -gt 0 ]; then
	printf '     add on h1 -> name resolves on h2         p50 %5s ms  p99 %5s ms\n' "$(pct 50 "$TMP/dns.ms")" "$(pct 99 "$TMP/dns.ms")"
	printf '     add on h1 -> first packet from h2 echoed p50 %5s ms  p99 %5s ms\n' "$(pct 50 "$TMP/pkt.ms")" "$(pct 99 "$TMP/pkt.ms")"
fi

# --- b. a bulk of endpoints from 4 more hosts ------------------------------------------------
FAKE=4 PER=$(( (N_BULK + 3) / 4 ))
[ "$PER" -le 250 ] || fail "BENCH_DIR_BULK over 1000 needs more fake hosts"
declare -A BASE
for h in h1 h2 h3; do BASE[$h]=$(remotes "$h"); done
LEASE=$(etcdctl_on "$ETCD" lease grant 600 | awk '{ print $2 }')
[ -n "$LEASE" ] || fail "lease grant"
# One transaction per 125 puts (etcd's --max-txn-ops is 128); the hosts in the first.
{
	for f in $(seq "$FAKE"); do
		p=$((200 + f))
		echo "put ${PFX}claims/$p f$f"
		echo "put --lease=$LEASE ${PFX}hosts/f$f \"host name=f$f underlay=192.168.77.$p port=51820" \
		     "public-key=$(wg genkey | wg pubkey) prefix4=10.210.$p.0/24 prefix6=fd77:7761:7272:$(printf %x $p)::/64 keepalive=25\""
	done
	k=0
	for f in $(seq "$FAKE"); do
		for r in $(seq 0 $((PER - 1))); do
			[ $k -lt "$N_BULK" ] || break
			echo "put --lease=$LEASE ${PFX}endpoints/f$f/bench/prod/bulk/$((f * 1000 + r))" \
			     "\"endpoint host=f$f project=bench env=prod service=bulk replica=$((f * 1000 + r)) slot=$((r + 2)) build=no\""
			k=$((k + 1))
		done
	done
} | split -l 125 - "$TMP/txn."
t0=$(date +%s%N)
for f in "$TMP"/txn.*; do
	{ echo; cat "$f"; echo; echo; } | etcdctl_on "$ETCD" txn >/dev/null || fail "etcdctl txn $f"
done
t_put=$(( ($(date +%s%N) - t0) / 1000000 ))
declare -A SEEN=()
end=$(( t0 + 60000000000 ))
while [ ${#SEEN[@]} -lt 3 ] && [ "$(date +%s%N)" -lt $end ]; do
	for h in h1 h2 h3; do
		[ -n "${SEEN[$h]:-}" ] && continue
		[ "$(remotes "$h")" = $(( BASE[$h] + N_BULK )) ] && SEEN[$h]=$(( ($(date +%s%N) - t0) / 1000000 ))
	done
	sleep 0.05
done
printf '  b. %d endpoints of %d more hosts written into etcd in %d ms (%d transactions)\n' \
	"$N_BULK" "$FAKE" "$t_put" "$(ls "$TMP"/txn.* | wc -l)"
for h in h1 h2 h3; do
	printf '     %s shows them all after %s ms%s\n' "$h" "${SEEN[$h]:-(not within 60 s)}" \
		"$([ -z "${SEEN[$h]:-}" ] && echo ": $(remotes "$h") of $(( BASE[$h] + N_BULK )) remote endpoints")"
done
[ ${#SEEN[@]} -eq 3 ] || exit 1
