#!/usr/bin/env bash
# The DNS shim end to end: workloads in different environments ask the
# same names with dig (UDP and TCP) and get their own environment's view;
# replica and container-type names; round robin; IPv6-only and build-phase
# callers; a musl (Alpine-style) client right after `endpoint add`; renames
# and deletes seen at once; forwarding to an upstream the test runs itself
# (dnsmasq on the host's loopback), TCP fallback on a large answer,
# SERVFAIL when the upstream is gone or silent; malformed queries.
source "$(dirname "$0")/lib.sh"
need_root_tools
DNSQ=$O/selftests/warren-dnsq
MUSL=$O/selftests/warren-musl-resolve
for t in dig dnsmasq "$DNSQ"; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t"; exit 1; }
done
ktap_plan 33

H=h1
HNS=$(host_ns $H)
D=warren.internal
R4=10.210.1.1
UP_PORT=5353

# --- an upstream of our own: dnsmasq on the host's loopback ----------------------
big_txt() {	# 8 strings of 200 bytes: 1.6 KB, more than any default UDP size
	local i s=""
	for i in 1 2 3 4 5 6 7 8; do s+=",\"$(printf "$i%.0s" {1..200})\""; done
	echo "${s#,}"
}
upstream_start() {
	ip netns exec "$HNS" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
		--no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
		--port=$UP_PORT --pid-file="$TMP/dnsmasq.pid" \
		--address=/up.test/192.0.2.7 --address=/up.test/2001:db8::7 \
		--txt-record="big.up.test,$(big_txt)" >"$TMP/dnsmasq.log" 2>&1 &
	wait_for 50 upstream_answers
}
upstream_answers() { quiet ip netns exec "$HNS" dig +time=1 +tries=1 @127.0.0.1 -p $UP_PORT up.test; }
upstream_gone_yet() { ! upstream_answers; }
upstream_stop() { kill "$(cat "$TMP/dnsmasq.pid" 2>/dev/null)" 2>/dev/null; wait_for 30 upstream_gone_yet; }


# q WL ARGS...: dig from inside a workload, through its resolv.conf.
q() { local wl=$1; shift; in_wl "$wl" dig +time=3 +tries=1 "$@"; }
short() { q "$1" +short "${@:2}" | sort; }
status_of() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
sorted() { printf '%s\n' "$@" | sort; }

# --- set up ----------------------------------------------------------------------
host_create $H
HOST_ARGS=(--dns-upstream "127.0.0.1:$UP_PORT" --dns-timeout 300)
setup() {
	upstream_start || { diag "dnsmasq did not come up"; return 1; }
	agent_start $H || return 1
	ctl $H project add p1 && ctl $H project add p2 || return 1
	ctl $H env add p1 prod >/dev/null && ctl $H env add p1 dev >/dev/null &&
	ctl $H env add p2 prod >/dev/null && ctl $H env add p1 v6 ipv6-only >/dev/null || return 1
	local spec wl
	# wl project env service replica [type T] [build]
	for spec in "a0 p1 prod api 0 type web port http=8080/tcp port dns=53/udp" \
		    "a1 p1 prod api 1 type web port http=8081/tcp" \
		    "a2 p1 prod api 2 type worker" "db p1 prod db 0" \
		    "dev0 p1 dev api 0" "x0 p2 prod api 0" "x1 p2 prod api 1" \
		    "six p1 v6 api 0" "bld p1 prod builder 0 build"; do
		set -- $spec
		wl=$1; shift
		wl_create "$wl" && add_endpoint "$wl" "$@" || { diag "adding $wl failed"; return 1; }
	done
}
check "agent with DNS, 9 endpoints in 4 environments, upstream up" setup

resolv_conf() {
	in_wl a0 cat /etc/resolv.conf | grep -qx "nameserver $R4" &&
	in_wl a0 cat /etc/resolv.conf | grep -qx "search $D" &&
	! in_wl six cat /etc/resolv.conf | grep -q "nameserver $R4" &&
	in_wl six cat /etc/resolv.conf | grep -q "nameserver fd77:7761:7272:1::1"
}
check "resolv.conf of each workload names only the fabric's resolvers" resolv_conf

# --- views -------------------------------------------------------------------------
views() {
	local got want
	got=$(short a0 api.$D A); want=$(sorted "${V4[a0]}" "${V4[a1]}" "${V4[a2]}")
	[ "$got" = "$want" ] || { diag "p1/prod api A: $got"; return 1; }
	got=$(short a0 api.$D AAAA); want=$(sorted "${V6[a0]}" "${V6[a1]}" "${V6[a2]}")
	[ "$got" = "$want" ] || { diag "p1/prod api AAAA: $got"; return 1; }
	got=$(short dev0 api.$D A); [ "$got" = "${V4[dev0]}" ] || { diag "p1/dev api: $got"; return 1; }
	got=$(short x0 api.$D A); want=$(sorted "${V4[x0]}" "${V4[x1]}")
	[ "$got" = "$want" ] || { diag "p2/prod api: $got"; return 1; }
}
check "the same name gives each environment its own replicas (A and AAAA)" views

short_names() {
	local got
	got=$(short a0 +search api A); [ "$(wc -l <<<"$got")" = 3 ] || { diag "search domain: $got"; return 1; }
	got=$(short a0 1.api.$D A); [ "$got" = "${V4[a1]}" ] || { diag "1.api: $got"; return 1; }
	got=$(short a0 web.api.$D A); [ "$got" = "$(sorted "${V4[a0]}" "${V4[a1]}")" ] || { diag "web.api: $got"; return 1; }
	got=$(short a0 worker.api.$D AAAA); [ "$got" = "${V6[a2]}" ] || { diag "worker.api: $got"; return 1; }
	got=$(short a0 2.worker.api.$D A); [ "$got" = "${V4[a2]}" ] || { diag "2.worker.api: $got"; return 1; }
	[ "$(status_of a0 1.worker.api.$D A)" = NXDOMAIN ] || { diag "1.worker.api exists?"; return 1; }
	got=$(short a0 0.web.api.prod.p1.$D A); [ "$got" = "${V4[a0]}" ] || { diag "FQ replica: $got"; return 1; }
	got=$(short a0 db.prod.p1.$D A); [ "$got" = "${V4[db]}" ] || { diag "FQ db: $got"; return 1; }
}
check "replica, container-type and fully qualified names" short_names

# The reply to another environment's name must be byte-for-byte the shape of
# the reply to a name that exists nowhere: same rcode, flags, counts, length.
indistinguishable() {
	local pair a b
	# caller, another environment's name, a name of the same length that exists nowhere
	for pair in "a0 api.prod.p2 zzz.prod.p2" "a0 api.dev.p1 api.dxx.p1" \
		    "dev0 api.prod.p1 zzz.prod.p1" "dev0 0.web.api.prod.p1 0.web.zzz.prod.p1"; do
		set -- $pair
		a=$(in_wl "$1" "$DNSQ" $R4 53 "$(query_hex "$2.$D" 1)")
		b=$(in_wl "$1" "$DNSQ" $R4 53 "$(query_hex "$3.$D" 1)")
		shift
		diag "$1: $a"
		[ "$a" = "$b" ] && [[ "$a" == rcode=3\ * ]] || { diag "$2: $b"; return 1; }
	done
	[ "$(status_of x0 db.$D)" = NXDOMAIN ] && [ "$(status_of x0 db.prod.p1.$D)" = NXDOMAIN ]
}
# query_hex NAME TYPE: a plain query, id 0x1234, RD, one question, class IN.
query_hex() {
	local name=$1 type=$2 h="123401000001000000000000" l
	IFS=. read -ra labels <<<"$name"
	for l in "${labels[@]}"; do h+=$(printf '%02x' ${#l}); h+=$(printf '%s' "$l" | od -An -tx1 | tr -d ' \n'); done
	printf '%s00%04x0001' "$h" "$type"
}
check "another environment's names answer exactly like names that do not exist" indistinguishable

round_robin() {
	local i firsts=()
	for i in 1 2 3 4 5 6; do firsts+=("$(q a0 +short api.$D A | head -1)"); done
	diag "first records: ${firsts[*]}"
	[ "$(printf '%s\n' "${firsts[@]}" | sort -u | wc -l)" -eq 3 ]
}
check "answers rotate across queries (round robin over 3 replicas)" round_robin

tcp() {
	local got want
	got=$(q a0 +tcp +short api.$D A | sort); want=$(sorted "${V4[a0]}" "${V4[a1]}" "${V4[a2]}")
	[ "$got" = "$want" ] && [ "$(q x0 +tcp api.prod.p1.$D | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')" = NXDOMAIN ]
}
check "TCP queries get the same views" tcp

v6only() {
	[ "$(status_of six api.$D A)" = NOERROR ] && [ -z "$(short six api.$D A)" ] &&
	[ "$(short six api.$D AAAA)" = "${V6[six]}" ]
}
check "an IPv6-only environment gets AAAA and no A" v6only

build_caller() {
	[ "$(status_of bld api.$D A)" = NXDOMAIN ] && [ "$(status_of bld builder.$D A)" = NXDOMAIN ] &&
	[ "$(short bld up.test A)" = 192.0.2.7 ] &&
	# and nobody finds the build-phase workload by name
	[ "$(status_of a0 builder.$D A)" = NXDOMAIN ]
}
check "a build-phase caller gets no internal names, but public ones" build_caller

refused() {	# the host itself is no workload: no view, and no open resolver
	local out
	out=$(ip netns exec "$HNS" "$DNSQ" $R4 53 "$(query_hex "up.test" 1)")
	[[ "$out" == rcode=5\ * ]] || { diag "$out"; return 1; }
}
check "a source that is not a local workload is refused" refused

# --- the first lookup of a fresh workload ------------------------------------------
musl_first_try() {
	[ -x "$MUSL" ] || return 2
	wl_create fresh || return 1
	add_endpoint fresh p1 prod api 3 type web || return 1
	# No wait, no retry: the very first lookup, by a musl static binary.
	in_wl fresh "$MUSL" api.$D api db >"$TMP/musl.out" 2>&1
	local rc=$?
	sed 's/^/#   /' "$TMP/musl.out"
	[ $rc -eq 0 ] && grep -q "^api.$D ${V4[fresh]}$" "$TMP/musl.out" &&
	grep -q "^db ${V4[db]}$" "$TMP/musl.out"
}
if [ -x "$MUSL" ]; then
	check "musl getaddrinfo resolves on its first try right after endpoint add" musl_first_try
else
	skip "musl getaddrinfo resolves on its first try right after endpoint add" "no musl-gcc build ($MUSL)"
fi

# --- names without the asked type, and a service too big for 512 bytes -------------------
# NOERROR, no answer, the SOA in authority: never NXDOMAIN for a name that exists.
nodata_one() {	# nodata_one WL NAME TYPE
	local out
	out=$(q "$1" "$2" "$3")
	grep -q "status: NOERROR" <<<"$out" && grep -q "ANSWER: 0, AUTHORITY: 1" <<<"$out" &&
	grep -q "^$D\..*IN	SOA" <<<"$out" || { diag "$1 $2 $3: $(grep -E 'status|SOA' <<<"$out" | tr '\n' ' ')"; return 1; }
}
nodata() {
	local t n
	for n in api.$D 0.api.$D api.v6.p1.$D; do nodata_one six "$n" A || return 1; done
	for t in TXT MX PTR CAA; do
		for n in api.$D 1.api.$D web.api.$D 0.web.api.prod.p1.$D; do
			nodata_one a0 "$n" $t || return 1
		done
	done
	nodata_one a0 prod.p1.$D A
}
check "names that exist without the asked type: NOERROR, no data, SOA (IPv6-only A; TXT, MX, PTR, CAA)" nodata

musl_families() {
	local out rc
	# IPv6-only: musl's A query gets NODATA, its AAAA query the address.
	out=$(in_wl six "$MUSL" api.$D 0.api.$D 2>&1); rc=$?
	sed 's/^/#   six: /' <<<"$out"
	[ $rc -eq 0 ] && [ "$(sort -u <<<"$out")" = "$(printf '%s\n' "0.api.$D ${V6[six]}" "api.$D ${V6[six]}")" ] ||
		return 1
	# Dual-stack: both families of the one replica.
	out=$(in_wl a0 "$MUSL" 1.api.$D 2>&1); rc=$?
	sed 's/^/#   a0: /' <<<"$out"
	[ $rc -eq 0 ] && grep -qx "1.api.$D ${V4[a1]}" <<<"$out" && grep -qx "1.api.$D ${V6[a1]}" <<<"$out" &&
	[ "$(wc -l <<<"$out")" -eq 2 ]
}
if [ -x "$MUSL" ]; then
	check "musl getaddrinfo (parallel A+AAAA): IPv6-only names resolve, dual-stack gets both" musl_families
else
	skip "musl getaddrinfo (parallel A+AAAA): IPv6-only names resolve, dual-stack gets both" "no musl-gcc build ($MUSL)"
fi

BIG=45
big_setup() {
	local i t0=$(date +%s%N)
	for ((i = 0; i < BIG; i++)); do
		wl_create "big$i" && add_endpoint "big$i" p1 prod big "$i" || { diag "big$i"; return 1; }
	done
	diag "$BIG endpoint adds: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}
check "$BIG replicas of one service" big_setup

BIG4=$(for ((i = 0; i < BIG; i++)); do echo "${V4[big$i]}"; done | sort)
BIG6=$(for ((i = 0; i < BIG; i++)); do echo "${V6[big$i]}"; done | sort)
# answers OUT: the addresses in dig's answer section, sorted.
answers() { awk '$4 == "A" || $4 == "AAAA" { print $5 }' <<<"$1" | sort; }
big_udp() {
	local out t sets=() n size a
	for t in A AAAA; do
		for a in 1 2 3; do
			out=$(q a0 +noedns +ignore big.$D $t)
			size=$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<<"$out")
			n=$(answers "$out" | wc -l)
			grep -q "flags:.* tc" <<<"$out" && [ "$size" -le 512 ] && [ "$n" -ge 5 ] && [ "$n" -lt $BIG ] ||
				{ diag "$t: size $size, $n answers, $(grep flags: <<<"$out")"; return 1; }
			# every address one of the service's
			[ -z "$(comm -23 <(answers "$out") <([ $t = A ] && echo "$BIG4" || echo "$BIG6"))" ] ||
				{ diag "$t: foreign addresses"; return 1; }
			sets+=("$(answers "$out" | tr '\n' ' ')")
		done
		diag "$t over UDP without EDNS: $n of $BIG records, $size bytes, TC"
	done
	# Each query shows another window of the replicas.
	[ "${sets[0]}" != "${sets[1]}" ] && [ "${sets[1]}" != "${sets[2]}" ] &&
	[ "${sets[3]}" != "${sets[4]}" ] || { diag "no rotation: ${sets[0]} | ${sets[1]}"; return 1; }
}
check "$BIG replicas over UDP without EDNS: at most 512 bytes, TC set, rotating subsets (A and AAAA)" big_udp

big_tcp() {
	local out
	[ "$(answers "$(q a0 +tcp big.$D A)")" = "$BIG4" ] || { diag "TCP A"; return 1; }
	[ "$(answers "$(q a0 +tcp big.$D AAAA)")" = "$BIG6" ] || { diag "TCP AAAA"; return 1; }
	# dig's own retry after TC gets all of them too
	[ "$(answers "$(q a0 +noedns big.$D A)")" = "$BIG4" ] || { diag "TC retry"; return 1; }
	# with EDNS, up to the client's size: 45 A fit 1232 bytes, 45 AAAA do not
	out=$(q a0 +bufsize=1232 +ignore big.$D A)
	[ "$(answers "$out")" = "$BIG4" ] && ! grep -q "flags:.* tc" <<<"$out" || { diag "EDNS A"; return 1; }
	out=$(q a0 +bufsize=1232 +ignore big.$D AAAA)
	grep -q "flags:.* tc" <<<"$out" &&
	[ "$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<<"$out")" -le 1232 ] || { diag "EDNS AAAA"; return 1; }
}
check "$BIG replicas over TCP: the full set (A and AAAA); EDNS up to the client's size" big_tcp

# musl before 1.2.4 (Debian 12 has 1.2.3) never retries over TCP: it must
# still get a correct part of the set from the truncated UDP answers.
musl_big() {
	local out rc n
	out=$(in_wl a0 "$MUSL" big.$D 2>&1); rc=$?
	n=$(wc -l <<<"$out")
	diag "musl: rc $rc, $n addresses"
	[ $rc -eq 0 ] && [ "$n" -ge 2 ] && [ "$n" -le $((2 * BIG)) ] &&
	[ -z "$(comm -23 <(awk '{print $2}' <<<"$out" | sort) <(printf '%s\n' "$BIG4" "$BIG6" | sort))" ]
}
if [ -x "$MUSL" ]; then
	check "musl getaddrinfo of $BIG replicas: a correct subset, no error" musl_big
else
	skip "musl getaddrinfo of $BIG replicas: a correct subset, no error" "no musl-gcc build ($MUSL)"
fi

# --- named ports: SRV ----------------------------------------------------------------------
srv() {
	local got want out
	got=$(short a0 _http._tcp.api.$D SRV)
	want=$(printf '%s\n' "0 1 8080 0.api.$D." "0 1 8081 1.api.$D." | sort)
	[ "$got" = "$want" ] || { diag "_http._tcp.api: $got"; return 1; }
	# the targets' addresses come along in the additional section, and resolve by themselves
	out=$(q a0 +noall +additional _http._tcp.api.$D SRV)
	grep -q "^0.api.$D.*A	${V4[a0]}$" <<<"$out" && grep -q "^1.api.$D.*AAAA	${V6[a1]}$" <<<"$out" ||
		{ diag "additional: $out"; return 1; }
	[ "$(short a0 0.api.$D A)" = "${V4[a0]}" ] || return 1
	[ "$(short dev0 1.api.$D A)" = "" ] || return 1
	[ "$(short a0 _dns._udp.api.$D SRV)" = "0 1 53 0.api.$D." ] || { diag "_dns._udp"; return 1; }
	[ "$(short a0 _http._tcp.1.api.$D SRV)" = "0 1 8081 1.api.$D." ] || { diag "replica form"; return 1; }
	[ "$(short a0 +tcp _http._tcp.api.prod.p1.$D SRV | wc -l)" -eq 2 ] || { diag "FQ over TCP"; return 1; }
	[ "$(status_of a0 _http._udp.api.$D SRV)" = NXDOMAIN ] && [ "$(status_of a0 _ssh._tcp.api.$D SRV)" = NXDOMAIN ] &&
	[ "$(status_of a0 _http._tcp.db.$D SRV)" = NXDOMAIN ] || { diag "undeclared ports exist?"; return 1; }
	nodata_one a0 _http._tcp.api.$D A
}
check "SRV for named ports: one per replica, targets with addresses, per port and protocol" srv

srv_views() {	# another environment's SRV names are names that do not exist
	local pair a b
	for pair in "x0 _http._tcp.api.prod.p1 _http._tcp.zzz.prod.p1" "dev0 _http._tcp.api.prod.p1 _http._tcp.api.prod.zz" \
		    "x0 _dns._udp.0.web.api.prod.p1 _dns._udp.0.web.zzz.prod.p1"; do
		set -- $pair
		a=$(in_wl "$1" "$DNSQ" $R4 53 "$(query_hex "$2.$D" 33)")
		b=$(in_wl "$1" "$DNSQ" $R4 53 "$(query_hex "$3.$D" 33)")
		diag "$1 $2: $a"
		[ "$a" = "$b" ] && [[ "$a" == rcode=3\ * ]] || { diag "$3: $b"; return 1; }
	done
	[ "$(status_of dev0 _http._tcp.api.$D SRV)" = NXDOMAIN ]
}
check "another environment's SRV names answer exactly like names that do not exist" srv_views

ports_shown() {
	local j
	j=$(ctl $H --json endpoint list) || return 1
	[ "$(jq -r --arg id "${ID[a0]}" '.[] | select(.id == ($id | tonumber)) | .ports' <<<"$j")" = "http=8080/tcp,dns=53/udp" ] &&
	[ "$(jq -r --arg id "${ID[db]}" '.[] | select(.id == ($id | tonumber)) | .ports' <<<"$j")" = "" ] &&
	ctl $H endpoint list | head -1 | grep -q PORTS &&
	ctl $H endpoint list | grep -q "http=8081/tcp"
}
check "endpoint list shows the ports (text and --json)" ports_shown

bad_ports() {
	local spec before after rc
	wl_create bp || return 1
	before=$(ctl $H --json endpoint list | jq length)
	for spec in "http=0/tcp" "http=65536/tcp" "http=80/sctp" "HTTP=80/tcp" "ht--tp=80/tcp" \
		    "abcdefghijklmnop=1/tcp" "1234=1/tcp" "http" "http=80/tcp port http=81/tcp"; do
		ctl $H endpoint add project p1 env prod service bp replica 0 netns "$(wl_ns bp)" \
			port $spec >/dev/null 2>"$TMP/bp.err"; rc=$?
		diag "port $spec: rc $rc: $(cat "$TMP/bp.err")"
		[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/bp.err")" -eq 1 ] && grep -q "port" "$TMP/bp.err" || return 1
	done
	ctl $H endpoint add project p1 env prod service bp replica 0 netns "$(wl_ns bp)" port \
		2>/dev/null; rc=$?
	after=$(ctl $H --json endpoint list | jq length)
	[ $rc -eq 2 ] && [ "$before" = "$after" ] && ! in_wl bp ip link show warren0 >/dev/null 2>&1 &&
	[ "$(status_of a0 bp.$D A)" = NXDOMAIN ]
}
check "bad ports are refused with one line each, and nothing is created" bad_ports

env_vars() {
	local out
	out=$(ctl $H endpoint env project p1 env prod service api replica 1) || return 1
	sed 's/^/#   /' <<<"$out"
	grep -qx "WARREN_PRIVATE_DOMAIN=api.$D" <<<"$out" &&
	grep -qx "WARREN_REPLICA_DOMAIN=1.web.api.$D" <<<"$out" &&
	grep -qx "WARREN_PRIVATE_IPV4=${V4[a1]}" <<<"$out" &&
	grep -qx "WARREN_RESOLVER_IPV4=$R4" <<<"$out" &&
	[ "$(short a0 "$(sed -n 's/^WARREN_REPLICA_DOMAIN=//p' <<<"$out")" A)" = "${V4[a1]}" ]
}
check "endpoint env gives the workload's names, addresses and resolver" env_vars

# --- changes are seen at once ------------------------------------------------------
rename() {
	ctl $H service rename project p1 env prod service db to database || return 1
	[ "$(short a0 database.$D A)" = "${V4[db]}" ] && [ "$(status_of a0 db.$D A)" = NXDOMAIN ] &&
	! ctl $H service rename project p1 env prod service nosuch to x1 2>/dev/null &&
	! ctl $H service rename project p1 env prod service api to 123 2>/dev/null
}
check "service rename moves the names at once; the old name is gone" rename

del() {
	ctl $H endpoint del project p1 env prod service api replica 2 >/dev/null || return 1
	[ "$(short a0 api.$D A)" = "$(sorted "${V4[a0]}" "${V4[a1]}" "${V4[fresh]}")" ] &&
	[ "$(status_of a0 worker.api.$D A)" = NXDOMAIN ]
}
check "endpoint del removes the replica from answers at once" del

# --- forwarding ----------------------------------------------------------------------
forward() {
	local out
	[ "$(short a0 up.test A)" = 192.0.2.7 ] && [ "$(short six up.test AAAA)" = 2001:db8::7 ] || return 1
	# EDNS0 goes up and comes back: the answer carries an OPT record.
	out=$(q a0 +edns=0 +bufsize=1400 up.test A) && grep -q "EDNS: version: 0" <<<"$out"
}
check "public names are forwarded upstream and relayed (A, AAAA, EDNS0)" forward

big_answer() {
	local out n
	# Without EDNS the client takes 512 bytes: TC over UDP first...
	out=$(q a0 +noedns +ignore big.up.test TXT)
	grep -q "flags:.* tc" <<<"$out" || { diag "no TC over UDP"; return 1; }
	# ...and dig's retry over TCP gets all of it (upstream went TCP too).
	out=$(q a0 +noedns big.up.test TXT)
	n=$(grep -c "^big.up.test.*IN	TXT" <<<"$out")
	[ "$n" -eq 1 ] && [ "$(grep -o '"' <<<"$out" | wc -l)" -ge 16 ] || { diag "TXT: $n"; return 1; }
	out=$(q a0 +tcp big.up.test TXT) && grep -q "status: NOERROR" <<<"$out" && grep -q 88888888 <<<"$out"
}
check "a large upstream answer: TC over UDP, complete over TCP" big_answer

upstream_gone() {
	upstream_stop || return 1
	[ "$(status_of a0 up.test A)" = SERVFAIL ] &&
	[ "$(short a0 api.$D A | wc -l)" -eq 3 ]
}
check "upstream down: SERVFAIL for public names, internal names still answer" upstream_gone

# A silent upstream (it reads and never answers): the forward is pending while
# internal answers keep flowing, and the client gets SERVFAIL in bounded time.
silent_upstream() {
	(ip netns exec "$HNS" "$PROBE" recv --port $UP_PORT --timeout-ms 20000 >"$TMP/silent" 2>&1 &)
	wait_for 50 grep -q ready "$TMP/silent" || return 1
	q a0 +time=8 up.test A >"$TMP/slow.out" 2>&1 &
	local slow=$! t0 got
	t0=$(date +%s%N)
	got=$(short a0 api.$D A | wc -l)
	diag "internal answer while upstream is silent: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	wait $slow
	grep -q "status: SERVFAIL" "$TMP/slow.out" && [ "$got" -eq 3 ]
}
check "silent upstream: internal answers flow, the forwarded query ends in SERVFAIL" silent_upstream

# --- malformed queries ---------------------------------------------------------------
malformed() {
	local hdr="1234" bad out name255 i
	ask() { in_wl a0 "$DNSQ" --timeout-ms 500 $R4 53 "$1"; }
	# shorter than a header: dropped
	out=$(ask "12340100"); [ "$out" = noanswer ] || { diag "short: $out"; return 1; }
	# a response (QR set): never answered
	out=$(ask "${hdr}81800001000000000000036170690000010001"); [ "$out" = noanswer ] || { diag "QR: $out"; return 1; }
	# zero questions, two questions: FORMERR
	out=$(ask "${hdr}01000000000000000000"); [[ "$out" == rcode=1\ * ]] || { diag "qd=0: $out"; return 1; }
	out=$(ask "${hdr}01000002000000000000036170690000010001036170690000010001")
	[[ "$out" == rcode=1\ * ]] || { diag "qd=2: $out"; return 1; }
	# a compression pointer to itself, a label running past the end
	out=$(ask "${hdr}01000001000000000000c00c00010001"); [[ "$out" == rcode=1\ * ]] || { diag "loop: $out"; return 1; }
	out=$(ask "${hdr}01000001000000000000056162"); [[ "$out" == rcode=1\ * ]] || { diag "trunc: $out"; return 1; }
	# a name longer than 255 bytes
	name255=""; for i in $(seq 5); do name255+="3f$(printf '61%.0s' $(seq 63))"; done
	out=$(ask "${hdr}01000001000000000000${name255}0000010001")
	[[ "$out" == rcode=1\ * ]] || { diag "long name: $out"; return 1; }
	# opcode STATUS: NOTIMP
	out=$(ask "${hdr}10000001000000000000036170690000010001")
	[[ "$out" == rcode=4\ * ]] || { diag "opcode: $out"; return 1; }
	# garbage over TCP too, then a good query on the same server
	out=$(in_wl a0 "$DNSQ" --tcp --timeout-ms 500 $R4 53 "${hdr}01000000000000000000")
	[[ "$out" == rcode=1\ * ]] || { diag "tcp qd=0: $out"; return 1; }
	[ "$(short a0 api.$D A | wc -l)" -eq 3 ]
}
check "malformed queries get FORMERR/NOTIMP or nothing, and the server carries on" malformed

counters() {
	local j
	j=$(ctl $H --json status) || return 1
	diag "$(jq -c '.dns' <<<"$j")"
	[ "$(jq -r '.dns.serving' <<<"$j")" = yes ] && [ "$(jq -r '.dns.malformed' <<<"$j")" -ge 6 ] &&
	[ "$(jq -r '.dns.dropped' <<<"$j")" -ge 2 ] && [ "$(jq -r '.dns.forwarded' <<<"$j")" -ge 5 ] &&
	[ "$(jq -r '.dns.servfail' <<<"$j")" -ge 2 ] && [ "$(jq -r '.dns.refused' <<<"$j")" -ge 1 ]
}
check "status counts queries by outcome" counters

# --- restart ---------------------------------------------------------------------------
restart() {
	agent_kill9 $H
	agent_start $H || return 1
	[ "$(short a0 api.$D A | wc -l)" -eq 3 ] && [ "$(short x0 api.$D A | wc -l)" -eq 2 ] &&
	[ "$(short a0 _http._tcp.api.$D SRV | wc -l)" -eq 2 ]
}
check "after kill -9 and restart the agent answers the same views (SRV too: ports saved)" restart

bad_flags() {
	local f args=(--pin-dir "$(host_pins $H)-3" --socket "$TMP/third.sock" --state "$TMP/third.state")
	# Each is refused before anything is touched (paths of their own, all the same).
	for f in "--dns-domain Bad_Domain." "--dns-domain a..b" "--dns-ttl x" "--dns-port 0" \
		 "--dns-timeout 5" "--dns-upstream 127.0.0.1:99999" "--dns-upstream 1.2.3:53" \
		 "--dns-upstream 127.0.0.1,,::1"; do
		timeout 10 nsenter --net="/run/netns/$HNS" "$WARREND" "${args[@]}" $f \
			>"$TMP/flag.err" 2>&1 && { diag "accepted: $f"; return 1; }
		diag "$f: $(head -1 "$TMP/flag.err")"
	done
	[ ! -e "$TMP/third.state" ] || { diag "a refused start wrote state"; return 1; }
	# a second agent cannot take the resolver's port: it says so and leaves
	! nsenter --net="/run/netns/$HNS" "$WARREND" --pin-dir "$(host_pins $H)-2" \
		--socket "$TMP/second.sock" --state "$TMP/second.state" 2>"$TMP/second.err" &&
	grep -q "DNS UDP socket on 10.210.1.1:53" "$TMP/second.err" &&
	[ "$(short a0 api.$D A | wc -l)" -eq 3 ]
}
check "bad DNS settings are refused; the running agent is undisturbed" bad_flags

teardown_conf() {
	agent_stop $H
	nsenter --net="/run/netns/$HNS" "$WARREND" --pin-dir "$(host_pins $H)" \
		--socket "$(host_sock $H)" --state "$(host_state $H)" --teardown >/dev/null 2>&1 &&
	[ ! -e "/etc/netns/$(wl_ns a0)/resolv.conf" ] && [ ! -d "/etc/netns/$(wl_ns a0)" ] &&
	! ip -n "$HNS" addr show dev lo | grep -q "$R4"
}
check "teardown removes resolv.conf files and the resolver address" teardown_conf

finish
