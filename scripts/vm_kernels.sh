#!/usr/bin/env bash
# Fetch the Debian kernels the VM suites boot, without installing them:
# each package is downloaded with apt and unpacked under
# $WARREN_KERNEL_CACHE (default /var/cache/warren/kernels/<version>/), with
# modules.dep made by depmod. The host's /boot, bootloader and
# /lib/modules stay as they are. A kernel already installed on the host
# (/boot/vmlinuz-<version> with its modules) is used as it is.
#
#   scripts/vm_kernels.sh [--force] [PACKAGE...]
#
# --force fetches into the cache even a kernel the host has installed (the
# cache then wins: vmtest.sh boots it with the package's own modules).
#
# PACKAGE is a Debian kernel image package or the meta-package pointing at
# one. Default: linux-image-6.12-amd64 (6.12, bookworm's newer kernel) and
# linux-image-amd64 (bookworm's 6.1). Idempotent and quiet when all are
# there; prints the versions it has.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/vm_lib.sh

force=0
[ "${1:-}" = --force ] && { force=1; shift; }
[ $# -gt 0 ] || set -- linux-image-6.12-amd64 linux-image-amd64
LOG=/tmp/warren-vm-kernels.log

# The versioned image package behind a meta-package (or the package itself).
image_package() {
	local pkg=$1 dep
	if [[ "$pkg" =~ ^linux-image-[0-9]+\.[0-9]+\.[0-9]+ ]]; then
		echo "$pkg"
		return
	fi
	dep=$(apt-cache depends "$pkg" 2>/dev/null |
	      awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]+\.[0-9]+\.[0-9]+/ { print $2; exit }')
	if [ -z "$dep" ]; then
		apt-get update -qq >>"$LOG" 2>&1 || true
		dep=$(apt-cache depends "$pkg" 2>/dev/null |
		      awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]+\.[0-9]+\.[0-9]+/ { print $2; exit }')
	fi
	[ -n "$dep" ] || { echo "vm_kernels: apt knows no kernel image behind $pkg" >&2; return 1; }
	echo "$dep"
}

fetch() {
	local pkg ver dest tmp
	pkg=$(image_package "$1") || return 1
	ver=${pkg#linux-image-}
	ver=${ver%-unsigned}
	if [ "$force" = 0 ] && [ -f "/boot/vmlinuz-$ver" ] && [ -e "/lib/modules/$ver/modules.dep" ]; then
		echo "$ver (installed)"
		return 0
	fi
	dest=$VM_KERNEL_CACHE/$ver
	if [ -f "$dest/boot/vmlinuz-$ver" ] && [ -e "$dest/lib/modules/$ver/modules.dep" ]; then
		echo "$ver ($dest)"
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || { echo "vm_kernels: fetching $pkg needs root" >&2; return 1; }
	echo "vm_kernels: fetching $pkg" >&2
	mkdir -p "$VM_KERNEL_CACHE"
	tmp=$(mktemp -d "$VM_KERNEL_CACHE/.fetch.XXXXXX")
	# apt's sandbox user must be able to write the download directory.
	chmod 0755 "$tmp"
	if ! (cd "$tmp" && apt-get download -q "$pkg" >>"$LOG" 2>&1); then
		apt-get update -qq >>"$LOG" 2>&1 || true
		(cd "$tmp" && apt-get download -q "$pkg" >>"$LOG" 2>&1) ||
			{ tail -5 "$LOG" >&2; rm -rf "$tmp"; return 1; }
	fi
	mkdir -p "$tmp/root"
	dpkg-deb -x "$tmp"/*.deb "$tmp/root"
	# Packages of a merged /usr put the modules under usr/lib.
	if [ ! -d "$tmp/root/lib/modules/$ver" ] && [ -d "$tmp/root/usr/lib/modules/$ver" ]; then
		mkdir -p "$tmp/root/lib/modules"
		mv "$tmp/root/usr/lib/modules/$ver" "$tmp/root/lib/modules/"
	fi
	[ -f "$tmp/root/boot/vmlinuz-$ver" ] && [ -d "$tmp/root/lib/modules/$ver" ] ||
		{ echo "vm_kernels: $pkg has no vmlinuz-$ver with modules" >&2; rm -rf "$tmp"; return 1; }
	depmod -b "$tmp/root" "$ver"
	rm -rf "$dest"
	mv "$tmp/root" "$dest"
	rm -rf "$tmp"
	echo "$ver ($dest)"
}

rc=0
for p in "$@"; do
	fetch "$p" || rc=1
done
exit $rc
