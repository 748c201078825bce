#!/usr/bin/env bash
# The etcd client (user/directory/etcd*.c) against real etcd: a 3-member
# cluster and a TLS member on loopback ports, started here (etcd_lib.sh),
# and the C driver warren-etcd-test using the client on a real loop: kv,
# create-if-absent, leases, watches in order, a watch resuming across a
# killed member, compaction, timeouts, every member down, TLS, garbage.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/etcd_lib.sh"
DRIVER=$O/selftests/warren-etcd-test
for t in etcd etcdctl openssl curl jq ss; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t (scripts/deps.sh installs it)"; exit 0; }
done
[ -x "$DRIVER" ] || { echo "1..0 # SKIP $DRIVER not built"; exit 0; }

ETCD_DIR=$TMP/etcd3
ETCD_TLS_DIR=$TMP/etcd-tls
etcd_cleanup() { etcd_cluster_stop "$ETCD_DIR"; etcd_cluster_stop "$ETCD_TLS_DIR"; cleanup; }
trap etcd_cleanup EXIT

if ! etcd_cluster_start "$ETCD_DIR" 3 || ! etcd_cluster_start "$ETCD_TLS_DIR" 1 tls; then
	echo "1..1"
	echo "not ok 1 start etcd members"
	for f in "$ETCD_DIR"/m*/log "$ETCD_TLS_DIR"/m*/log; do
		[ -f "$f" ] && tail -5 "$f" | sed "s|^|# $(basename "$(dirname "$f")"): |"
	done
	exit 1
fi
diag "etcd $(etcd --version | head -1 | awk '{print $3}'): $(etcd_urls "$ETCD_DIR"), TLS $(etcd_urls "$ETCD_TLS_DIR")"

ETCD_LIB=$(cd "$(dirname "$0")" && pwd)/etcd_lib.sh ETCD_DIR=$ETCD_DIR ETCD_URLS=$(etcd_urls "$ETCD_DIR") \
ETCD_TLS_DIR=$ETCD_TLS_DIR ETCD_TLS_URL=$(etcd_urls "$ETCD_TLS_DIR") "$DRIVER"
rc=$?
if [ $rc -ne 0 ]; then
	for f in "$ETCD_DIR"/m*/log; do
		grep -E " (E|C|W) \| " "$f" | tail -3 | sed "s|^|# $(basename "$(dirname "$f")"): |"
	done
fi
exit $rc
