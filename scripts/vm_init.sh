#!/bin/busybox sh
# /init of the initramfs scripts/vmtest.sh packs: load the modules that
# reach the host's root filesystem (listed in /modules.order), mount it
# read-only over 9p under a tmpfs overlay, mount the job share, and hand
# over to the second stage (scripts/vm_guest.sh) in the new root.
#
# Kernel arguments read here: warren.probe=1 (only prove the guest boots,
# for the KVM check), warren.modroot=DIR (the kernel's modules live in
# DIR/lib/modules, not in the host's /lib/modules), warren.stage2=PATH.
/bin/busybox --install -s /bin
export PATH=/bin

die() {
	echo "vm_init: $*" >&2
	[ -d /job ] && echo "init: $*" > /job/error
	poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

probe= modroot= stage2=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	warren.probe=1) probe=1 ;;
	warren.modroot=*) modroot=${arg#warren.modroot=} ;;
	warren.stage2=*) stage2=${arg#warren.stage2=} ;;
	esac
done

for m in $(cat /modules.order); do
	insmod "/modules/$m" || die "insmod $m failed"
done

mkdir -p /job
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 job /job || die "no job share"
if [ -n "$probe" ]; then
	echo 0 > /job/status
	umount /job
	poweroff -f
fi

mkdir -p /lower /upper /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose root /lower ||
	die "cannot mount the host's root over 9p"
# The suite writes (state, logs, /var/lib): a tmpfs upper layer keeps the
# host's files untouched.
mount -t tmpfs -o mode=0755 upper /upper
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work root /newroot ||
	die "cannot mount the overlay"

mount -t tmpfs -o mode=0755 run /newroot/run
mkdir -p /newroot/run/vmtest
umount /job
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 job /newroot/run/vmtest

if [ -n "$modroot" ]; then
	ver=$(uname -r)
	mkdir -p "/newroot/lib/modules/$ver"
	mount --bind "/newroot$modroot/lib/modules/$ver" "/newroot/lib/modules/$ver" ||
		die "cannot bind $modroot/lib/modules/$ver"
fi

mount --move /dev /newroot/dev
mount --move /sys /newroot/sys
mount --move /proc /newroot/proc
exec switch_root /newroot /bin/bash "$stage2"
