#!/usr/bin/env bash
# A demo fabric on this host: one warrend in a "host" network namespace,
# two projects with two environments each, two replicas of a service in
# every environment, real traffic between all of them, and the counters.
# Everything lives in namespaces this script makes; it cleans up on exit.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
case "$O" in /*) ;; *) O=$PWD/$O ;; esac
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (network namespaces, BPF)" >&2; exit 1; }

ID=demo$$
source scripts/lib.sh
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting warrend in host namespace $ID-host"
# There is no Internet here: a dnsmasq on the host's loopback stands in for
# the public resolvers the agent forwards other names to.
ip netns add "$ID-host" && ip -n "$ID-host" link set lo up || exit 1
ip netns exec "$ID-host" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
	--no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port=5353 \
	--address=/example.test/192.0.2.80 >/dev/null 2>&1 &
AGENT_ARGS=(--dns-upstream 127.0.0.1:5353)
agent_start || exit 1

say "Provisioning: 2 projects x 2 environments x 2 replicas of 'web'"
WLS=()
declare -A V4 V6
for p in shop blog; do
	ctl project add $p
	for e in prod staging; do
		ctl env add $p $e
		for r in 0 1; do
			wl=$p-$e-$r
			ip netns add "$ID-$wl"
			ip -n "$ID-$wl" link set lo up
			ip netns exec "$ID-$wl" "$O/selftests/warren-probe" serve >/dev/null 2>&1 &
			out=$(ctl --json endpoint add project $p env $e service web replica $r \
				netns "$ID-$wl") || exit 1
			V4[$wl]=$(jq -r '.[0].ipv4' <<<"$out")
			V6[$wl]=$(jq -r '.[0].ipv6' <<<"$out")
			WLS+=("$wl")
		done
	done
done
ctl endpoint list

say "Traffic from shop-prod-0 to every other workload (TCP, UDP, ping; IPv4 and IPv6)"
printf '%-16s %-14s %-26s %-8s %-8s %s\n' TO IPV4 IPV6 TCP UDP ICMP
src=shop-prod-0
for dst in "${WLS[@]}"; do
	[ "$dst" = "$src" ] && continue
	res=$(ip netns exec "$ID-$src" "$O/selftests/warren-probe" check --timeout-ms 400 \
		tcp:"${V4[$dst]}" udp:"${V4[$dst]}" icmp:"${V4[$dst]}" \
		tcp:"${V6[$dst]}" udp:"${V6[$dst]}" icmp:"${V6[$dst]}" | awk '{print $2}' | paste -sd' ')
	read -r t4 u4 i4 t6 u6 i6 <<<"$res"
	printf '%-16s %-14s %-26s %-8s %-8s %s\n' "$dst" "${V4[$dst]}" "${V6[$dst]}" \
		"$t4/$t6" "$u4/$u6" "$i4/$i6"
done
echo "(ok/fail for IPv4/IPv6: only shop-prod-1, the same environment, answers)"

say "A real ping, same environment and across environments"
ip netns exec "$ID-shop-prod-0" ping -c 2 -W 1 "${V4[shop-prod-1]}" | sed -n '2,3p'
ip netns exec "$ID-shop-prod-0" ping -c 2 -W 1 "${V4[shop-staging-0]}" | tail -2

say "A forged source address from a raw socket is dropped at the veth"
ip netns exec "$ID-shop-prod-0" "$O/selftests/warren-probe" spoof --src "${V4[blog-prod-0]}" \
	--dst "${V4[shop-prod-1]}" --port 9 --count 3

say "DNS: one name, each environment's own answer (dig inside the workloads)"
for wl in shop-prod-0 shop-staging-0 blog-prod-0; do
	printf '%-16s web.warren.internal -> %s\n' "$wl" \
		"$(ip netns exec "$ID-$wl" dig +short web.warren.internal A | paste -sd' ')"
done
printf '%-16s 1.web.warren.internal -> %s\n' shop-prod-0 \
	"$(ip netns exec "$ID-shop-prod-0" dig +short 1.web.warren.internal AAAA)"
printf '%-16s web.staging.shop.warren.internal -> %s\n' shop-prod-0 \
	"$(ip netns exec "$ID-shop-prod-0" dig web.staging.shop.warren.internal |
	   sed -n 's/.*status: \([A-Z]*\),.*/\1/p') (another environment: as if it did not exist)"
printf '%-16s www.example.test -> %s\n' shop-prod-0 \
	"$(ip netns exec "$ID-shop-prod-0" dig +short www.example.test) (forwarded upstream)"
echo "resolv.conf inside shop-prod-0:"
ip netns exec "$ID-shop-prod-0" cat /etc/resolv.conf | sed 's/^/    /'

say "Counters per environment (warrenctl status)"
ctl status

say "Next: the same fabric across hosts (scripts/demo_mesh.sh)"
cleanup
trap - EXIT
exec scripts/demo_mesh.sh
