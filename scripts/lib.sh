#!/usr/bin/env bash
# Shared by demo.sh and bench.sh: a host namespace with its own warrend,
# and a cleanup that removes every namespace, pin and file of this run.
# Set ID (a per-run prefix) and O (the build dir) before sourcing.

TMP=$(mktemp -d "/tmp/warren-$ID.XXXX")
SOCK=$TMP/warrend.sock
PINS=/sys/fs/bpf/warren-$ID
AGENT=
AGENT_ARGS=()

ctl() { "$O/warrenctl" --socket "$SOCK" "$@"; }

cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep "^$ID-"); do
		ip netns pids "$ns" | xargs -r kill 2>/dev/null
		ip netns del "$ns"
	done
	rm -rf "$PINS" "$TMP" /etc/netns/"$ID"-*
}
trap cleanup EXIT

# agent_start: namespace $ID-host with warrend in it, answering on $SOCK.
agent_start() {
	[ -e "/run/netns/$ID-host" ] || ip netns add "$ID-host" || return 1
	nsenter --net="/run/netns/$ID-host" "$O/warrend" --socket "$SOCK" --pin-dir "$PINS" \
		--state "$TMP/state" "${AGENT_ARGS[@]}" >"$TMP/warrend.log" 2>&1 &
	AGENT=$!
	for _ in $(seq 50); do ctl status >/dev/null 2>&1 && return 0; sleep 0.1; done
	cat "$TMP/warrend.log" >&2
	return 1
}
