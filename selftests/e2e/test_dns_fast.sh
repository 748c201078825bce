#!/usr/bin/env bash
# The DNS fast path end to end: workloads ask with dig, a raw client and
# the musl resolver; plain A/AAAA queries for their own environment's names
# are answered by the datapath (its counter moves, the shim's does not),
# with the question's case kept, records rotated, with and without EDNS,
# over IPv4 and IPv6. Everything else (TCP, other types, another
# environment's names, build-phase callers) reaches the shim. The answers
# are compared, bytes sorted only by record, with the shim's: over TCP
# while the fast path is on, and over UDP after a restart with
# --no-dns-fast, which must empty the map and leave every answer the same.
source "$(dirname "$0")/lib.sh"
need_root_tools
DNSQ=$O/selftests/warren-dnsq
MUSL=$O/selftests/warren-musl-resolve
for t in dig jq "$DNSQ"; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t"; exit 1; }
done
ktap_plan 12

H=h1
HNS=$(host_ns $H)
D=warren.internal
R4=10.210.1.1
R6=fd77:7761:7272:1::1

# dns FIELD: one of the agent's DNS counters (status --json).
dns() { ctl $H --json status | jq -r --arg f "$1" '.dns[$f]'; }
# snap: the counters the checks below compare, as "fast shim".
snap() { ctl $H --json status | jq -r '"\(.dns.fast_answered) \(.dns.queries)"'; }
# moved BEFORE WANT_FAST WANT_SHIM: the counters moved by exactly that.
moved() {
	local f0 s0 f1 s1
	read -r f0 s0 <<<"$1"
	read -r f1 s1 <<<"$(snap)"
	[ $((f1 - f0)) -eq "$2" ] && [ $((s1 - s0)) -eq "$3" ] && return 0
	diag "fast answered +$((f1 - f0)) (want +$2), shim queries +$((s1 - s0)) (want +$3)"
	return 1
}
q() { local wl=$1; shift; in_wl "$wl" dig +time=2 +tries=1 "$@"; }
short() { q "$1" +short "${@:2}" | sort; }
status_of() { q "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
sorted() { printf '%s\n' "$@" | sort; }

# qhex ID NAME TYPE EDNS: a query as hex (RD set; EDNS: one OPT, 1232 bytes).
qhex() {
	local id=$1 name=$2 type=$3 edns=$4 l out
	# ID, flags (RD), QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0 or 1
	out=$(printf '%04x' "$id")0100000100000000000$edns
	IFS=. read -ra labels <<<"$name"
	for l in "${labels[@]}"; do
		out+=$(printf '%02x' "${#l}")$(printf '%s' "$l" | od -An -tx1 | tr -d ' \n')
	done
	out+=00$( [ "$type" = AAAA ] && echo 001c || echo 0001 )0001
	# OPT: root name, type 41, class = UDP size 1232, TTL 0, no data
	[ "$edns" = 1 ] && out+=00002904d0000000000000
	echo "$out"
}
# canon WL ADDR [--tcp] HEX: the reply, answer records sorted (dnsq --canon).
canon() {
	local wl=$1 addr=$2; shift 2
	in_wl "$wl" "$DNSQ" --canon "${@:1:$#-1}" "$addr" 53 "${@: -1}" | sed -n 's/^canon=//p'
}

# --- set up ----------------------------------------------------------------------
host_create $H
HOST_ARGS=(--dns-upstream 127.0.0.1:9)	# nothing here is forwarded
setup() {
	agent_start $H || return 1
	ctl $H project add p1 && ctl $H project add p2 || return 1
	ctl $H env add p1 prod >/dev/null && ctl $H env add p1 dev >/dev/null &&
	ctl $H env add p2 prod >/dev/null && ctl $H env add p1 v6 ipv6-only >/dev/null || return 1
	local spec wl
	for spec in "a0 p1 prod api 0 type web" "a1 p1 prod api 1 type web" \
		    "a2 p1 prod api 2 type worker" "db p1 prod db 0" "c0 p1 prod client 0" \
		    "dev0 p1 dev api 0" "x0 p2 prod api 0" "six p1 v6 api 0" \
		    "bld p1 prod builder 0 build"; do
		set -- $spec
		wl=$1; shift
		wl_create "$wl" && add_endpoint "$wl" "$@" || { diag "adding $wl failed"; return 1; }
	done
	[ "$(dns fast_path)" = yes ] && [ "$(dns fast_names)" -gt 0 ]
}
check "agent with the fast path on, 9 endpoints in 4 environments" setup

# --- answered in the datapath -----------------------------------------------------
fast_a_aaaa() {
	local s got
	s=$(snap)
	got=$(short c0 api.$D A)
	[ "$got" = "$(sorted "${V4[a0]}" "${V4[a1]}" "${V4[a2]}")" ] || { diag "api A: $got"; return 1; }
	got=$(short c0 api.$D AAAA)
	[ "$got" = "$(sorted "${V6[a0]}" "${V6[a1]}" "${V6[a2]}")" ] || { diag "api AAAA: $got"; return 1; }
	got=$(short c0 0.web.api.prod.p1.$D A)
	[ "$got" = "${V4[a0]}" ] || { diag "0.web.api.prod.p1 A: $got"; return 1; }
	moved "$s" 3 0
}
check "A and AAAA of the caller's environment answered by the datapath, not the shim" fast_a_aaaa

fast_ipv6() {
	local s got
	s=$(snap)
	got=$(short c0 @$R6 api.$D AAAA)
	[ "$got" = "$(sorted "${V6[a0]}" "${V6[a1]}" "${V6[a2]}")" ] || { diag "c0 over IPv6: $got"; return 1; }
	# An IPv6-only environment's caller has only the IPv6 resolver.
	got=$(short six api.$D AAAA)
	[ "$got" = "${V6[six]}" ] || { diag "six: $got"; return 1; }
	moved "$s" 2 0
}
check "queries over IPv6 (to the IPv6 resolver, from an IPv6-only environment) answered by the datapath" fast_ipv6

fast_edns() {
	local s with without
	s=$(snap)
	with=$(q c0 +edns=0 +bufsize=1232 api.$D A)
	without=$(q c0 +noedns api.$D A)
	grep -q "OPT PSEUDOSECTION" <<<"$with" && grep -q "ANSWER: 3," <<<"$with" ||
		{ diag "with EDNS:"; diag "$with"; return 1; }
	! grep -q "OPT PSEUDOSECTION" <<<"$without" && grep -q "ANSWER: 3," <<<"$without" ||
		{ diag "without EDNS:"; diag "$without"; return 1; }
	moved "$s" 2 0
}
check "with EDNS0 the answer carries an OPT, without it none; both from the datapath" fast_edns

fast_case() {
	local s out
	s=$(snap)
	out=$(q c0 +noall +answer +question ApI.WaRrEn.InTeRnAl A)
	grep -q "^;ApI.WaRrEn.InTeRnAl\.[[:space:]]" <<<"$out" &&
		[ "$(grep -c "^ApI.WaRrEn.InTeRnAl\.[[:space:]].*IN[[:space:]]A[[:space:]]" <<<"$out")" = 3 ] ||
		{ diag "$out"; return 1; }
	moved "$s" 1 0
}
check "the question's 0x20 case is kept in the answer" fast_case

fast_rotation() {
	local i firsts
	firsts=$(for i in 1 2 3 4 5 6; do q c0 +short api.$D A | head -1; done | sort -u | wc -l)
	[ "$firsts" -ge 2 ] || { diag "6 answers, $firsts distinct first records"; return 1; }
}
check "records rotated per query" fast_rotation

fast_musl() {
	local s
	[ -x "$MUSL" ] || return 2
	s=$(snap)
	in_wl c0 "$MUSL" api.$D >"$TMP/musl.out" 2>&1 || { sed 's/^/#   /' "$TMP/musl.out"; return 1; }
	for a in "${V4[a0]}" "${V4[a1]}" "${V4[a2]}" "${V6[a0]}" "${V6[a1]}" "${V6[a2]}"; do
		grep -q "^api.$D $a$" "$TMP/musl.out" || { diag "musl: no $a"; sed 's/^/#   /' "$TMP/musl.out"; return 1; }
	done
	# musl asks A and AAAA at once, to every nameserver: the IPv4 resolver
	# answers both from the datapath (the IPv6 one too, if listed).
	local f0 f1
	f0=${s% *}; f1=$(dns fast_answered)
	[ $((f1 - f0)) -ge 2 ] || { diag "fast answered +$((f1 - f0))"; return 1; }
}
fast_musl; case $? in 0) ok "the musl resolver's A+AAAA answered by the datapath" ;;
	2) skip "the musl resolver's A+AAAA answered by the datapath" "no musl-gcc build of warren-musl-resolve" ;;
	*) not_ok "the musl resolver's A+AAAA answered by the datapath" ;; esac

# --- left to the shim -----------------------------------------------------------
fall_through() {
	local s got
	s=$(snap)
	got=$(short c0 +tcp api.$D A)
	[ "$(wc -l <<<"$got")" = 3 ] || { diag "TCP: $got"; return 1; }
	[ "$(status_of c0 api.$D MX)" = NOERROR ] || { diag "MX"; return 1; }
	# Another environment's name is not in the caller's part of the map.
	[ "$(status_of dev0 api.prod.p1.$D A)" = NXDOMAIN ] || { diag "dev0 asks prod's name"; return 1; }
	[ "$(short x0 api.prod.p1.$D A)" = "" ] || { diag "p2 sees p1's name"; return 1; }
	# A build-phase caller's queries are the shim's to judge.
	q bld api.$D A >/dev/null
	moved "$s" 0 5
}
check "TCP, other types, other environments' names and build callers go to the shim" fall_through

views() {
	local got
	got=$(short dev0 api.$D A); [ "$got" = "${V4[dev0]}" ] || { diag "p1/dev: $got"; return 1; }
	got=$(short x0 api.$D A); [ "$got" = "${V4[x0]}" ] || { diag "p2/prod: $got"; return 1; }
}
check "the same name answered per environment by the datapath" views

# --- the same bytes as the shim -----------------------------------------------------
# name type edns: fast-path queries whose answers are compared with the shim's.
CASES=("api.$D A 1" "api.$D AAAA 1" "api.$D A 0" "1.api.$D A 1" "web.api.$D AAAA 0"
       "2.worker.api.$D A 1" "db.prod.p1.$D AAAA 1" "DB.Warren.Internal A 0")
declare -A FAST
same_as_tcp() {
	local c i=0 u t bad=0
	for c in "${CASES[@]}"; do
		set -- $c
		i=$((i + 1))
		u=$(canon c0 $R4 "$(qhex $((0x4000 + i)) "$1" "$2" "$3")")
		t=$(canon c0 $R4 --tcp "$(qhex $((0x4000 + i)) "$1" "$2" "$3")")
		FAST[$c]=$u
		[ "$i" = 1 ] && diag "$c: $u"
		[ -n "$u" ] && [ "$u" = "$t" ] && continue
		diag "$c: datapath $u"; diag "$c: shim     $t"; bad=1
	done
	return $bad
}
check "datapath answers are the shim's (its TCP answers), records sorted" same_as_tcp

restart_off() {
	agent_stop $H
	agent_start $H --no-dns-fast || return 1
	[ "$(dns fast_path)" = no ]
}
check "agent restarted with --no-dns-fast" restart_off

same_as_shim_udp() {
	local c i=0 u s bad=0
	s=$(snap)
	for c in "${CASES[@]}"; do
		set -- $c
		i=$((i + 1))
		u=$(canon c0 $R4 "$(qhex $((0x4000 + i)) "$1" "$2" "$3")")
		[ -n "$u" ] && [ "$u" = "${FAST[$c]}" ] && continue
		diag "$c: datapath before $u"; diag "$c: shim now       $u"; bad=1
	done
	[ $bad -eq 0 ] || return 1
	local qs
	qs=$(dns queries)
	[ $((qs - ${s#* })) -eq ${#CASES[@]} ] || { diag "shim saw $((qs - ${s#* })) of ${#CASES[@]}"; return 1; }
	# The map was emptied: nothing is answered from it any more.
	local n
	n=$(bpftool -j map dump pinned "$(host_pins $H)/warren_dns_fast" | jq length)
	[ "$n" = 0 ] || { diag "warren_dns_fast holds $n entries"; return 1; }
}
check "with the fast path off, the shim gives the same answers over UDP and the map is empty" same_as_shim_udp

finish
