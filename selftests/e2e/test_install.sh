#!/usr/bin/env bash
# make install as a host provisioning script runs it: binaries, the CNI
# plugin where runtimes look for it, the systemd unit, the default config
# and man pages, under PREFIX and DESTDIR. systemd-analyze verifies the
# installed unit (its commands must exist, so this test installs into a
# PREFIX under its tmp dir rather than only a DESTDIR), its sandboxing is
# scored offline, the man pages render without a warning, and a reinstall
# keeps the host's config.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
for t in make groff man systemd-analyze jq; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t"; exit 1; }
done
ktap_plan 10

mk() { make -s -C "$TOP" O="$O" "$@" >"$TMP/make.log" 2>&1 || { sed 's/^/# /' "$TMP/make.log"; return 1; }; }
D=$TMP/destdir
# 1. The usual form: PREFIX=/usr/local into a DESTDIR.
mk install PREFIX=/usr/local DESTDIR="$D"
mode() { stat -c %a "$1" 2>/dev/null; }
check "make install DESTDIR= PREFIX=/usr/local: binaries, plugin, unit, config, man pages" eval '
	[ "$(mode $D/usr/local/sbin/warrend)" = 755 ] && [ "$(mode $D/usr/local/sbin/warrenctl)" = 755 ] &&
	[ "$(mode $D/usr/lib/cni/warren)" = 755 ] &&
	[ "$(mode $D/usr/local/lib/systemd/system/warrend.service)" = 644 ] &&
	[ "$(mode $D/etc/warren/warrend.conf)" = 644 ] &&
	(for m in warrend warrenctl warren-cni; do [ "$(mode $D/usr/local/share/man/man8/$m.8)" = 644 ] || exit 1; done)'
check "the unit starts the installed warrend with the options of the config file" eval '
	grep -qx "ExecStart=/usr/local/sbin/warrend --socket /run/warren/warrend.sock --state /var/lib/warren/state \$WARREND_OPTS" \
		$D/usr/local/lib/systemd/system/warrend.service &&
	grep -qx "EnvironmentFile=-/etc/warren/warrend.conf" $D/usr/local/lib/systemd/system/warrend.service &&
	(. $D/etc/warren/warrend.conf && [ -n "${WARREND_OPTS+set}" ])'
out=$(env -i CNI_COMMAND=VERSION "$D/usr/lib/cni/warren" <<<'{"cniVersion":"1.1.0"}')
check "the installed plugin answers VERSION" eval 'jq -e ".supportedVersions | index(\"1.1.0\")" <<<"$out" >/dev/null'
check "the installed warrend and warrenctl run (--help)" eval '
	$D/usr/local/sbin/warrend --help >/dev/null && $D/usr/local/sbin/warrenctl --help >/dev/null'

# 2. Into a PREFIX of its own, so systemd-analyze finds the unit's commands.
P=$TMP/prefix
mk install PREFIX="$P/usr" SYSCONFDIR="$P/etc" CNI_BIN_DIR="$P/usr/lib/cni"
U=$P/usr/lib/systemd/system/warrend.service
export MANPATH=$P/usr/share/man	# verify runs man for Documentation=
systemd-analyze verify "$U" >"$TMP/verify" 2>&1; rc=$?
check "systemd-analyze verify passes on the installed unit" eval '[ $rc = 0 ] && [ ! -s "$TMP/verify" ] ||
	{ sed "s/^/# /" "$TMP/verify"; false; }'
# The same check fails for a unit whose command is missing: verify is a real witness.
sed "s|^ExecStart=$P/usr/sbin/warrend|ExecStart=$P/usr/sbin/warrend-missing|" "$U" >"$TMP/broken.service"
check "... and fails on the same unit with a missing command" eval '! systemd-analyze verify "$TMP/broken.service" >/dev/null 2>&1'
systemd-analyze security --offline=yes "$U" >"$TMP/security" 2>&1
score=$(sed -n 's/.*exposure level for warrend.service: \([0-9.]*\).*/\1/p' "$TMP/security")
diag "systemd-analyze security --offline: exposure $score (0 = locked down, 10 = unprotected)"
check "the unit's sandboxing scores below 5 (systemd's 'OK')" eval '[ -n "$score" ] && awk -v s="$score" "BEGIN { exit !(s < 5) }"'
check "the unit keeps only the capabilities BPF, netlink, setns and port 53 need" eval '
	[ "$(sed -n "s/^CapabilityBoundingSet=//p" $U)" = "CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_SYS_ADMIN CAP_NET_BIND_SERVICE" ]'

# 3. Man pages: groff's warnings on, man -l as a reader sees them.
ok=1
for m in warrend warrenctl warren-cni; do
	f=$P/usr/share/man/man8/$m.8
	w=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
	[ -z "$w" ] || { diag "$m.8: $w"; ok=0; }
	MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q "^NAME" || { diag "$m.8 does not render"; ok=0; }
done
check "man pages render with man -l and without groff warnings" [ $ok = 1 ]

# 4. A reinstall keeps the host's config; uninstall removes what install put, but not it.
echo 'WARREND_OPTS="--hook clsact"' >"$D/etc/warren/warrend.conf"
mk install PREFIX=/usr/local DESTDIR="$D" && mk uninstall PREFIX=/usr/local DESTDIR="$D"
check "reinstall keeps the config; uninstall removes the rest and keeps it" eval '
	grep -q clsact "$D/etc/warren/warrend.conf" && [ ! -e "$D/usr/local/sbin/warrend" ] &&
	[ ! -e "$D/usr/lib/cni/warren" ] && [ ! -e "$D/usr/local/lib/systemd/system/warrend.service" ]'

echo "# $((T_N - T_FAIL)) passed, $T_FAIL failed"
finish
