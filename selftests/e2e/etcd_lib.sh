#!/usr/bin/env bash
# A real etcd cluster for tests: N members on random free loopback ports,
# their data in a directory the test owns, optionally TLS with a CA,
# server and client certificates made here with openssl (and a second CA
# that signed nothing, for the wrong-CA case). Every wait is bounded.
#
# Members listen on 127.0.0.1, or, with ETCD_NETNS=NS ETCD_HOST=ADDR set
# when the cluster is made, on ADDR inside namespace NS (the hosts' switch
# of a multi-host test, so agents in host namespaces reach them over the
# underlay as on a real fleet); the cluster file remembers both.
#
# Sourced, it gives functions on a cluster directory DIR:
#   etcd_cluster_start DIR N [tls]   make, start and wait for every member
#   etcd_cluster_stop DIR            kill -9 every member
#   etcd_urls DIR                    the client URLs, comma-separated
# Run, it does one thing to DIR, for a C test driver (stdout: the answer only):
#   bash etcd_lib.sh DIR start|kill|stop|cont|wait I   one member
#   bash etcd_lib.sh DIR kill-all|start-all|wait-all
#   bash etcd_lib.sh DIR leader                        the leader's index
#   bash etcd_lib.sh DIR compact REV

# A free TCP port in 20000-60000 nobody listens on and we did not hand out
# yet, in ETCD_PORT (not echoed: a subshell would forget what it handed out).
ETCD_PORTS_TAKEN=" "
etcd_free_port() {
	local p i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 40000))
		[[ "$ETCD_PORTS_TAKEN" == *" $p "* ]] && continue
		[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] || continue
		ETCD_PORTS_TAKEN+="$p "
		ETCD_PORT=$p
		return 0
	done
	return 1
}

# etcd_certs DIR: ca.pem, server.{pem,key} (127.0.0.1; also the gateway's
# client certificate, so serverAuth and clientAuth), client.{pem,key},
# wrong-ca.pem.
etcd_certs() {
	local d=$1 host=${2:-127.0.0.1} ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	(
		cd "$d" || exit 1
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=warren-test-ca" &&
		openssl req -x509 "${ec[@]}" -keyout wrong-ca.key -out wrong-ca.pem -days 2 \
			-subj "/CN=warren-test-ca" &&
		openssl req "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=etcd-test" &&
		printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$host" >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 \
			-extfile server.ext -out server.pem &&
		openssl req "${ec[@]}" -keyout client.key -out client.csr -subj "/CN=warren-client" &&
		printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -set_serial 3 -days 2 \
			-extfile client.ext -out client.pem
	) >"$d/openssl.log" 2>&1
}

etcd_load() {	# the cluster's settings: N, TLS, HOST, NETNS, CPORT[i], PPORT[i]
	HOST=127.0.0.1 NETNS=
	# shellcheck source=/dev/null
	source "$1/cluster"
}

etcd_url() { local s=http; etcd_load "$1"; [ "$TLS" = 1 ] && s=https; echo "$s://$HOST:${CPORT[$2]}"; }

# etcd_in DIR cmd...: run where the cluster's members are (their namespace).
etcd_in() {
	etcd_load "$1"; shift
	if [ -n "$NETNS" ]; then ip netns exec "$NETNS" "$@"; else "$@"; fi
}

etcd_urls() {
	local d=$1 i out=""
	etcd_load "$d"
	for ((i = 0; i < N; i++)); do out+=",$(etcd_url "$d" $i)"; done
	echo "${out#,}"
}

etcd_init() {
	local d=$1 n=$2 tls=${3:-} i lines=""
	mkdir -p "$d" || return 1
	for ((i = 0; i < n; i++)); do
		etcd_free_port || return 1
		lines+="CPORT[$i]=$ETCD_PORT "
		etcd_free_port || return 1
		lines+="PPORT[$i]=$ETCD_PORT"$'\n'
	done
	printf 'N=%s\nTLS=%s\nHOST=%s\nNETNS=%s\ndeclare -ga CPORT PPORT\n%s' "$n" \
		"$([ "$tls" = tls ] && echo 1 || echo 0)" "${ETCD_HOST:-127.0.0.1}" "${ETCD_NETNS:-}" \
		"$lines" >"$d/cluster"
	[ "$tls" != tls ] || etcd_certs "$d" "${ETCD_HOST:-127.0.0.1}" || { echo "etcd_lib: openssl failed:" >&2; cat "$d/openssl.log" >&2; return 1; }
}

etcd_start() {
	local d=$1 i=$2 j peers="" tls_args=()
	etcd_load "$d"
	for ((j = 0; j < N; j++)); do peers+=",m$j=http://$HOST:${PPORT[$j]}"; done
	[ "$TLS" = 1 ] && tls_args=(--cert-file "$d/server.pem" --key-file "$d/server.key"
		--trusted-ca-file "$d/ca.pem" --client-cert-auth)
	mkdir -p "$d/m$i"
	# Short heartbeats and elections: a killed leader is replaced in about a second.
	# A subshell, so no shell has a job to report when the test kills it.
	local pre=()
	[ -n "$NETNS" ] && pre=(ip netns exec "$NETNS")	# which execs: $! stays etcd's pid
	("${pre[@]}" etcd --name "m$i" --data-dir "$d/m$i/data" \
		--listen-client-urls "$(etcd_url "$d" "$i")" --advertise-client-urls "$(etcd_url "$d" "$i")" \
		--listen-peer-urls "http://$HOST:${PPORT[$i]}" \
		--initial-advertise-peer-urls "http://$HOST:${PPORT[$i]}" \
		--initial-cluster "${peers#,}" --initial-cluster-token "$(basename "$d")" \
		--initial-cluster-state new --heartbeat-interval 50 --election-timeout 500 \
		--experimental-watch-progress-notify-interval 2s \
		"${tls_args[@]}" </dev/null >>"$d/m$i/log" 2>&1 &
	echo $! >"$d/m$i/pid")
}

etcd_pid() { cat "$1/m$2/pid" 2>/dev/null; }

etcd_signal() {	# etcd_signal DIR I SIG
	local pid; pid=$(etcd_pid "$1" "$2")
	[ -n "$pid" ] && kill -"$3" "$pid" 2>/dev/null
}

etcd_kill() {	# kill -9 and wait until it is gone (its ports free)
	local d=$1 i=$2 pid t
	pid=$(etcd_pid "$d" "$i")
	[ -n "$pid" ] || return 0
	kill -9 "$pid" 2>/dev/null
	for ((t = 0; t < 50; t++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$d/m$i/pid"
}

etcd_healthy() {
	local d=$1 i=$2 tls_args=()
	etcd_load "$d"
	[ "$TLS" = 1 ] && tls_args=(--cacert "$d/ca.pem" --cert "$d/client.pem" --key "$d/client.key")
	etcd_in "$d" curl -s --max-time 1 "${tls_args[@]}" "$(etcd_url "$d" "$i")/health" 2>/dev/null |
		grep -q '"health":"true"'
}

etcd_wait() {	# etcd_wait DIR I...: each healthy (has a leader), within 15 s in all
	local d=$1 i t; shift
	for i in "$@"; do
		for ((t = 0; t < 150; t++)); do
			etcd_healthy "$d" "$i" && break
			sleep 0.1
		done
		etcd_healthy "$d" "$i" || { echo "etcd_lib: member $i of $d not healthy" >&2; return 1; }
	done
}

etcd_all() { etcd_load "$1"; seq 0 $((N - 1)); }

etcd_cluster_start() {
	local d=$1 i
	etcd_init "$@" || return 1
	for i in $(etcd_all "$d"); do etcd_start "$d" "$i"; done
	# shellcheck disable=SC2046
	etcd_wait "$d" $(etcd_all "$d")
}

etcd_cluster_stop() {
	local d=$1 i
	[ -f "$d/cluster" ] || return 0
	for i in $(etcd_all "$d"); do etcd_kill "$d" "$i"; done
}

etcdctl_on() {	# etcdctl_on DIR args...: etcdctl against every member
	local d=$1; shift
	etcd_load "$d"
	local tls_args=()
	[ "$TLS" = 1 ] && tls_args=(--cacert "$d/ca.pem" --cert "$d/client.pem" --key "$d/client.key")
	ETCDCTL_API=3 etcd_in "$d" etcdctl --endpoints "$(etcd_urls "$d")" --dial-timeout 2s \
		--command-timeout 5s "${tls_args[@]}" "$@"
}

etcd_leader() {
	local d=$1 i id
	for i in $(etcd_all "$d"); do
		id=$(ETCDCTL_API=3 etcd_in "$d" etcdctl --endpoints "$(etcd_url "$d" "$i")" --dial-timeout 1s \
			endpoint status -w json 2>/dev/null |
			jq -r '.[0].Status | select(.header.member_id == .leader) | .leader' 2>/dev/null)
		[ -n "$id" ] && { echo "$i"; return 0; }
	done
	return 1
}

# Run as a command: one action on a cluster directory.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	d=$1 cmd=$2 arg=${3:-}
	case "$cmd" in
	start) etcd_start "$d" "$arg" ;;
	kill) etcd_kill "$d" "$arg" ;;
	stop) etcd_signal "$d" "$arg" STOP ;;
	cont) etcd_signal "$d" "$arg" CONT ;;
	wait) etcd_wait "$d" "$arg" ;;
	# shellcheck disable=SC2046
	kill-all) for i in $(etcd_all "$d"); do etcd_kill "$d" "$i"; done ;;
	start-all) for i in $(etcd_all "$d"); do etcd_start "$d" "$i"; done ;;
	# shellcheck disable=SC2046
	wait-all) etcd_wait "$d" $(etcd_all "$d") ;;
	leader) etcd_leader "$d" ;;
	compact) etcdctl_on "$d" compact "$arg" >/dev/null ;;
	*) echo "etcd_lib: unknown command $cmd" >&2; exit 2 ;;
	esac
fi
