#!/usr/bin/env bash
# The VM runner itself, from the host: it boots the kernel asked for, the
# guest is a test machine (the host's files, bpffs, cgroup2, loadable
# modules, a writable overlay that leaves the host untouched), the guest
# command's exit status comes back as ours, and bad input or a hung guest
# ends in a clear error and status 125 instead of a hang.
source "$(dirname "$0")/../e2e/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "1..0 # SKIP no qemu-system-x86_64"; exit 0; }
VMTEST=scripts/vmtest.sh
KERNEL=${WARREN_VM_KERNEL:-6.12}
source scripts/vm_lib.sh
vm_resolve_kernel "$KERNEL" 2>/dev/null ||
	{ echo "1..0 # SKIP no kernel $KERNEL (scripts/vm_kernels.sh fetches it)"; exit 0; }
ktap_plan 7
OUT=$(mktemp -d /tmp/warren-vmtest-test.XXXXXX)
MARK=.vmtest-marker-$$
trap 'rm -rf "$OUT" "$MARK"' EXIT

# One boot answers most questions: the guest prints facts, then exits 7.
echo "from the host" >"$OUT/hostfile"	# /tmp: where CI clones the tree
"$VMTEST" --kernel "$KERNEL" --timeout 120 -- bash -c '
	echo "uname=$(uname -r)"
	echo "cwd=$(pwd)"
	echo "hostfile=$(cat '"$OUT/hostfile"')"
	echo "bpffs=$(stat -f -c %T /sys/fs/bpf)"
	echo "cgroup=$(stat -f -c %T /sys/fs/cgroup)"
	modprobe wireguard && modprobe veth && echo "modules=ok"
	ip link add vt0 type wireguard && echo "wgdev=ok"
	echo guest >'"$MARK"' && echo "write=ok"
	rm -f /etc/hostname && echo "rm=ok"
	echo "expect_wg=${WARREN_EXPECT_WG:-}"
	exit 7' >"$OUT/boot" 2>&1
rc=$?
grep -v "^ok\|^not ok" "$OUT/boot" | sed 's/^/# /'
check "the guest command's exit status is vmtest's (7)" test "$rc" -eq 7
check "the guest runs the kernel asked for ($VM_VERSION)" grep -qx "uname=$VM_VERSION" "$OUT/boot"
check "the guest starts in the caller's directory, sees the host's /tmp, has bpffs and cgroup2" \
	bash -c 'grep -qx "cwd=$(pwd)" "$0" && grep -qx "hostfile=from the host" "$0" && grep -qx bpffs=bpf_fs "$0" && grep -qx cgroup=cgroup2fs "$0"' \
	"$OUT/boot"
check "the kernel's own modules load: a kernel WireGuard device is created" \
	bash -c 'grep -qx modules=ok "$0" && grep -qx wgdev=ok "$0" && grep -qx expect_wg=kernel "$0"' \
	"$OUT/boot"
check "the guest writes and deletes through the overlay; the host's files do not change" \
	bash -c 'grep -qx write=ok "$0" && grep -qx rm=ok "$0" && [ ! -e "$1" ] && [ -e /etc/hostname ]' \
	"$OUT/boot" "$MARK"

# Bad input: a clear error, status 125, no VM started.
bad_ok=true
for args in "--kernel 0.0-none" "--kernel /etc/hostname" "--cpus 0" "--memory lots" "--accel fast" \
	    "--timeout -1" "--frobnicate"; do
	# shellcheck disable=SC2086
	"$VMTEST" $args -- true >"$OUT/bad" 2>&1
	rc=$?
	diag "$args: status $rc: $(grep -m1 '^vmtest:' "$OUT/bad")"
	if [ "$rc" -ne 125 ] || ! grep -q '^vmtest: ' "$OUT/bad" || grep -q "guest up" "$OUT/bad"; then
		bad_ok=false
	fi
done
check "bad options and missing kernels: a clear error and status 125, no boot" $bad_ok

# A guest that never finishes is killed at --timeout.
start=$(date +%s)
"$VMTEST" --kernel "$KERNEL" --timeout 25 -- sleep 600 >"$OUT/hang" 2>&1
rc=$?
took=$(($(date +%s) - start))
diag "hung guest: status $rc after ${took}s: $(grep -m1 'ran past' "$OUT/hang")"
check "a hung guest is killed at --timeout: status 125" \
	bash -c '[ "$0" -eq 125 ] && [ "$1" -lt 60 ] && grep -q "ran past --timeout" "$2"' "$rc" "$took" "$OUT/hang"

finish
