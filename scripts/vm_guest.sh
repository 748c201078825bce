#!/bin/bash
# Second stage in the guest, PID 1 in the host's root filesystem (a tmpfs
# overlay over 9p): mount what a test machine has, run the job
# (/run/vmtest/cmd.sh, written by scripts/vmtest.sh), record its exit
# status in /run/vmtest/status and power off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

mnt() { # mnt TYPE DIR [OPTIONS]
	mkdir -p "$2"
	mount -t "$1" ${3:+-o "$3"} "$1" "$2" || echo "vm_guest: cannot mount $1 on $2" >&2
}

mnt devpts /dev/pts newinstance,ptmxmode=0666
ln -sf pts/ptmx /dev/ptmx
mnt tmpfs /dev/shm mode=1777
# bash process substitution needs /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
# /tmp stays the overlay's: the caller's tree may live there (CI clones
# into /tmp), and writes still go to the tmpfs upper layer only.
mnt bpf /sys/fs/bpf mode=0700
mnt cgroup2 /sys/fs/cgroup
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
# The serial console would turn every "\n" into "\r\n" on the host's side.
stty -onlcr 2>/dev/null </dev/console
hostname warren-vm
ip link set lo up

read -r up _ </proc/uptime
echo "# vmtest: guest up in ${up}s: Linux $(uname -r), $(nproc) CPUs"

bash /run/vmtest/cmd.sh </dev/null
echo $? >/run/vmtest/status
sync
umount /run/vmtest
# busybox-static powers off without an init system to talk to.
exec /bin/busybox poweroff -f
