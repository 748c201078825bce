#!/usr/bin/env bash
# Boot a kernel in qemu and run a command inside it, the way virtme-ng
# does: the host's root filesystem shared read-only over 9p under a tmpfs
# overlay, an initramfs built here with the modules that reach it, bpffs
# and cgroup2 mounted, the command's output on our stdout and its exit
# status as ours.
#
#   scripts/vmtest.sh [--kernel VER|PATH] [--accel auto|kvm|tcg] [--cpus N]
#                     [--memory SIZE] [--timeout SECONDS] [--no-vng]
#                     [-- COMMAND ARGS...]
#
# --kernel: a version (prefix) of a kernel installed in /boot or fetched by
# scripts/vm_kernels.sh ("6.12", "6.1", "6.12.117+deb12-amd64"), or a path
# to a bzImage (its modules then come from /lib/modules/<its version>).
# Default 6.12. COMMAND defaults to the end-to-end suite; it runs as root
# in the current directory, with WARREN_EXPECT_WG=kernel when the kernel
# has a WireGuard module. Exit status: the command's, or 125 when the VM
# could not run it (no kernel, boot failure, timeout).
#
# KVM is used when it really boots a guest (a probe boot of a few seconds
# decides; /dev/kvm existing is not enough), TCG otherwise. If vng is
# installed it runs the VM instead of our qemu command line.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
O=${O:-build}
source scripts/vm_lib.sh

kernel=6.12 accel=auto cpus=$(nproc) memory=2G timeout=1500 use_vng=1
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?--kernel needs a version or a path}; shift 2 ;;
	--accel) accel=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--memory) memory=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--no-vng) use_vng=0; shift ;;
	--) shift; break ;;
	-h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) vm_die "unknown option $1 (see --help)" ;;
	esac
done
[ $# -gt 0 ] || set -- selftests/run.sh e2e
case "$accel" in auto|kvm|tcg) ;; *) vm_die "--accel must be auto, kvm or tcg" ;; esac
[[ "$cpus" =~ ^[1-9][0-9]?$ ]] || vm_die "--cpus must be 1..99"
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || vm_die "--timeout must be a number of seconds"
[[ "$memory" =~ ^[1-9][0-9]*[MG]$ ]] || vm_die "--memory must be like 2G or 1536M"
[ "$(id -u)" -eq 0 ] || vm_die "needs root (the guest runs the suites as root)"
command -v qemu-system-x86_64 >/dev/null || vm_die "qemu-system-x86_64 missing (make deps)"

# The guest mounts its own /run, /dev, /proc and /sys over the host's.
case "$REPO/" in
/run/*|/dev/*|/proc/*|/sys/*) vm_die "$REPO is hidden in the guest (it mounts its own /run, /dev, /proc, /sys)" ;;
esac
vm_resolve_kernel "$kernel" || exit 125
JOB=$(mktemp -d /tmp/warren-vm.XXXXXX)
QEMU_PID=
cleanup() {
	[ -n "$QEMU_PID" ] && kill -9 "$QEMU_PID" 2>/dev/null
	rm -rf "$JOB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

vm_build_initramfs "$JOB/initramfs.cpio.gz" || exit 125

# What the guest runs: the command in this directory, with the environment
# that says which WireGuard the suite must find.
{
	echo "cd $(printf %q "$REPO")"
	echo "export O=$(printf %q "$O")"
	[ -n "$VM_HAS_WG" ] && echo "export WARREN_EXPECT_WG=kernel"
	printf '%q ' "$@"; echo
} >"$JOB/cmd.sh"

[ "$accel" = auto ] && { accel=tcg; vm_kvm_works "$JOB/initramfs.cpio.gz" && accel=kvm; }
echo "# vmtest: Linux $VM_VERSION ($VM_KERNEL), $accel, $cpus CPUs, $memory," \
	"WireGuard module: ${VM_HAS_WG:-none}"

start=$(date +%s.%N)
if [ "$use_vng" = 1 ] && command -v vng >/dev/null; then
	# Untested here (no virtme-ng in Debian 12): vng's own initramfs and
	# overlays (its /tmp is the guest's own, so the job goes inline), its
	# exit status passed through.
	vng_args=(--run "$VM_KERNEL" --cpus "$cpus" --memory "$memory" --cwd "$REPO"
		  --overlay-rwdir "$REPO" --overlay-rwdir /var)
	[ "$accel" = tcg ] && vng_args+=(--disable-kvm)
	vng_args+=(--exec "$(paste -sd ';' "$JOB/cmd.sh")")
	timeout -k 10 "$timeout" vng "${vng_args[@]}"
	rc=$?
else
	vm_qemu "$accel" "$cpus" "$memory" "$JOB" "" "$REPO/scripts/vm_guest.sh" &
	QEMU_PID=$!
	vm_wait "$QEMU_PID" "$timeout"
	QEMU_PID=
	if [ -s "$JOB/status" ]; then
		rc=$(cat "$JOB/status")
	else
		[ -s "$JOB/error" ] && echo "vmtest: guest: $(cat "$JOB/error")" >&2
		echo "vmtest: the guest did not report an exit status (boot failure or timeout)" >&2
		rc=125
	fi
fi
end=$(date +%s.%N)
awk -v rc="$rc" -v s="$start" -v e="$end" \
	'BEGIN { printf "# vmtest: exit status %d after %.1f s wall-clock\n", rc, e - s }'
exit "$rc"
