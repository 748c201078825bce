#!/usr/bin/env bash
# warren under a real container runtime: Debian's podman with its CNI
# backend runs warren-cni (as the plugin "warren") for two networks,
# warren-shop-prod and warren-shop-dev. Nothing global changes: podman gets
# a private containers.conf (CONTAINERS_CONF), its own storage and run
# directories and network config directory under the test's tmp dir, and an
# image imported from a rootfs made here from busybox-static and a static
# warren-probe (no registry is reachable). Containers of one environment
# reach each other by name and over TCP, UDP and ICMP; a container of the
# other environment can neither reach nor name them; `podman rm -f` removes
# the endpoint everywhere (endpoint, map entries, host veth, DNS).
# (The one file podman writes outside: containers/image's blob-info cache,
# /var/lib/containers/cache, which it keeps there for root whatever --root says.)
source "$(dirname "$0")/lib.sh"
need_root_tools
CNI=$O/warren-cni
PROBE_STATIC=$O/selftests/warren-probe-static
for t in podman runc "$CNI" "$PROBE_STATIC" bpftool; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP missing $t"; exit 1; }
done
file -L /bin/busybox 2>/dev/null | grep -q "statically linked" ||
	{ echo "1..0 # SKIP /bin/busybox is not busybox-static"; exit 1; }
ktap_plan 14

H=h1
R4=10.210.1.1
PM=$TMP/podman
IMG=localhost/warren-test

# --- podman's private world ----------------------------------------------------------
mkdir -p "$PM"/{cni-bin,net.d,tmp,rootfs/bin,rootfs/etc,rootfs/tmp}
cp "$CNI" "$PM/cni-bin/warren"	# the CNI "type" is the binary's name
# runc, not crun: crun refuses cgroup v1 / hybrid hosts (this CI machine's).
cat >"$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["$PM/cni-bin", "/usr/lib/cni"]
network_config_dir = "$PM/net.d"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$PM/tmp"
# Locks in tmp_dir too, not in the machine-wide /dev/shm/libpod_lock.
lock_type = "file"
EOF
export CONTAINERS_CONF=$PM/containers.conf
pm() { podman --root "$PM/root" --runroot "$PM/run" --storage-driver vfs "$@"; }
netconf() {	# ENV: the conflist a host provisioning script writes (README)
	jq -n --arg e "$1" --arg s "$(host_sock $H)" \
		'{cniVersion: "1.0.0", name: "warren-shop-\($e)",
		  plugins: [{type: "warren", project: "shop", env: $e, socket: $s,
			     capabilities: {aliases: true}}]}' >"$PM/net.d/warren-shop-$1.conflist"
}
pm_cleanup() {
	pm rm -af -t 0 >/dev/null 2>&1
	grep -o " $PM[^ ]*" /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
	cleanup
}
trap pm_cleanup EXIT

# run NAME NET [podman args...] -- CMD...: a detached container.
run() { local n=$1 net=$2; shift 2; pm run -d --name "$n" --network "$net" "$@" >/dev/null; }
cid() { pm inspect --format '{{.Id}}' "$1"; }
x() { pm exec "$@"; }
ep_of() { ctl $H --json endpoint list | jq -c --arg n "$1" '.[] | select(.netns == $n)'; }
netns_of() { pm inspect --format '{{.NetworkSettings.SandboxKey}}' "$1"; }
resolve4() { x "$1" nslookup "$2" 2>/dev/null | awk '/^Name:/ {n=1} n && /^Address: [0-9.]+$/ {print $2}' | sort | xargs; }
map_ifaces() { bpftool map dump pinned "$(host_pins $H)/warren_ifaces" -j | jq length; }
host_links() { ip -n "$(host_ns $H)" -o link show | grep -c ' wrn[0-9]*@'; }

host_create $H
agent_start $H || { echo "Bail out! agent did not start"; exit 1; }
ctl $H project add shop && ctl $H env add shop prod >/dev/null && ctl $H env add shop dev >/dev/null ||
	{ echo "Bail out! setup"; exit 1; }
netconf prod; netconf dev

cp /bin/busybox "$PM/rootfs/bin/" && chroot "$PM/rootfs" /bin/busybox --install -s /bin &&
	cp "$PROBE_STATIC" "$PM/rootfs/bin/warren-probe" || { echo "Bail out! rootfs"; exit 1; }
tar -C "$PM/rootfs" -c . | pm import - "$IMG" >"$TMP/import.log" 2>&1
check "image imported from a local busybox rootfs; podman lists both warren networks" eval '
	pm image exists $IMG && [ "$(pm network ls --format "{{.Name}} {{.Driver}}" | grep -c "^warren-shop-.* warren$")" = 2 ]'

# --- two containers of prod, one of dev --------------------------------------------------
run api warren-shop-prod $IMG /bin/warren-probe serve
run web warren-shop-prod $IMG /bin/sleep 300
run other warren-shop-dev $IMG /bin/sleep 300
API=$(ep_of "$(netns_of api)")
API4=$(jq -r .ipv4 <<<"$API") API6=$(jq -r .ipv6 <<<"$API")
check "podman run: warrend has the endpoint (service from the container name), in podman's netns" eval '
	[ "$(jq -r .service <<<"$API")/$(jq -r .env <<<"$API")" = api/prod ] &&
	ctl $H --json endpoint list | jq -e "length == 3" >/dev/null'
check "podman's container id is the attachment's (CHECK by that id succeeds)" eval '
	env -i CNI_COMMAND=CHECK CNI_CONTAINERID="$(cid api)" CNI_NETNS="$(netns_of api)" CNI_IFNAME=eth0 \
		"$CNI" <<<"$(jq -c ".plugins[0] + {name, cniVersion}" "$PM/net.d/warren-shop-prod.conflist")"'
check "eth0 in the container has the address; resolv.conf has warren's resolver first and its domain" eval '
	x api ip -o addr show dev eth0 | grep -q "inet $API4/32" &&
	[ "$(x web sed -n "s/^nameserver //p" /etc/resolv.conf | head -1)" = $R4 ] &&
	x web grep -q "^search.*warren.internal" /etc/resolv.conf'
check "web resolves api by name through warren's DNS" eval '[ "$(resolve4 web api)" = "$API4" ]'
served() { pm logs "$1" 2>/dev/null | grep -q ready; }
wait_for 50 served api
check "web reaches api by name (ping, TCP echo) and over TCP, UDP and ICMP on both families" eval '
	x web ping -c1 -W2 api >/dev/null && [ "$(echo hello | x -i web nc -w2 api 7)" = hello ] &&
	x web /bin/warren-probe check tcp:$API4 udp:$API4 icmp:$API4 tcp:$API6 udp:$API6 icmp:$API6 >/dev/null'
check "a container of another environment can neither reach api nor resolve its name" eval '
	! x other /bin/warren-probe check --timeout-ms 400 tcp:$API4 udp:$API4 icmp:$API4 icmp:$API6 >/dev/null 2>&1 &&
	[ -z "$(resolve4 other api)" ] && x other nslookup api 2>&1 | grep -qi "NXDOMAIN\|find"'

# --- a second replica through an alias, then podman rm -f ------------------------------------
run api-b "warren-shop-prod:alias=api" $IMG /bin/warren-probe serve
B=$(ep_of "$(netns_of api-b)")
B4=$(jq -r .ipv4 <<<"$B")
check "a second container with alias api is replica 1 of api; the name answers both" eval '
	[ "$(jq -r ".service + \"/\" + (.replica | tostring)" <<<"$B")" = api/1 ] &&
	[ "$(resolve4 web api)" = "$(printf "%s\n" $API4 $B4 | sort | xargs)" ]'
maps_before=$(map_ifaces) links_before=$(host_links)
API_NS=$(netns_of api)
pm rm -f -t 0 api >/dev/null
check "podman rm -f: the endpoint is gone from warrend" eval '[ -z "$(ep_of "$API_NS")" ]'
check "... its map entry and host veth are gone" eval '
	[ "$(map_ifaces)" = $((maps_before - 1)) ] && [ "$(host_links)" = $((links_before - 1)) ]'
check "... and DNS answers only the replica that is left" eval '[ "$(resolve4 web api)" = "$B4" ]'
check "... and its address no longer answers" eval '
	! x web /bin/warren-probe check --timeout-ms 400 tcp:$API4 icmp:$API4 >/dev/null 2>&1 &&
	x web /bin/warren-probe check tcp:$B4 >/dev/null'
pm stop -t 0 web >/dev/null && pm start web >/dev/null
W=$(ep_of "$(netns_of web)")
check "podman stop/start: a fresh attachment, reachable again" eval '[ -n "$W" ] &&
	x api-b /bin/warren-probe check icmp:$(jq -r .ipv4 <<<"$W") >/dev/null'
pm rm -af -t 0 >/dev/null
check "podman rm -af: no endpoint, map entry or veth left" eval '
	[ "$(ctl $H --json endpoint list | jq length)" = 0 ] && [ "$(map_ifaces)" = 0 ] &&
	[ "$(host_links)" = 0 ]'

echo "# $((T_N - T_FAIL)) passed, $T_FAIL failed"
finish
