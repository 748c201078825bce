#!/usr/bin/env bash
# Install the Debian packages warren builds and tests with, only those
# missing. Idempotent and quiet when nothing is missing.
set -euo pipefail

# build: compiler, BPF toolchain, libraries
pkgs=(clang llvm make pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
      libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libc-ares-dev libjson-c-dev)
# the fleet directory: the etcd client (libcurl, OpenSSL flavour, for https members), and
# libcrypto for a host's WireGuard public key in its record
pkgs+=(libcurl4-openssl-dev libssl-dev)
# tests and demo: namespaces, traffic, inspection
pkgs+=(iproute2 iperf3 iputils-ping procps util-linux psmisc jq tcpdump)
# the mesh: wireguard-go where the kernel has no WireGuard, wg to inspect
pkgs+=(wireguard-go wireguard-tools)
# DNS: dig, a test upstream, musl for the Alpine-style client, libFuzzer
pkgs+=(bind9-dnsutils dnsmasq-base musl-tools libclang-rt-14-dev)
# DNS benchmark: the load generator and the servers compared against
pkgs+=(dnsperf knot nsd unbound)
# container runtimes (test_podman.sh): podman with its CNI backend, runc (crun
# refuses cgroup v1/hybrid hosts); installing (test_install.sh): systemd-analyze, man
pkgs+=(podman containernetworking-plugins runc file systemd groff-base man-db)
# the etcd client's tests (test_etcd_client.sh): a real cluster, certificates for TLS
pkgs+=(etcd-server etcd-client openssl)
# the tunnel's MTU (test_mesh_mtu.sh): an HTTP client and server for 20 MB
pkgs+=(curl busybox-static)
# metrics (test_metrics.sh): promtool checks the exposition, a real Prometheus scrapes it
pkgs+=(prometheus)
# VM suites (scripts/vmtest.sh): qemu, a static busybox for the initramfs,
# the tools that pack it and unpack kernel modules
pkgs+=(qemu-system-x86 busybox-static cpio xz-utils zstd kmod)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	# Fresh machines have no package lists yet; refresh them once if needed.
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/warren-deps.log 2>&1; then
		apt-get update -qq >>/tmp/warren-deps.log 2>&1
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/warren-deps.log 2>&1 || {
			tail -20 /tmp/warren-deps.log >&2
			exit 1
		}
	fi
fi

# The kernels the VM suites boot (unpacked, not installed: see the script).
"$(dirname "$0")"/vm_kernels.sh >/dev/null
