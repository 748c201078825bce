#!/usr/bin/env bash
# Shared by vmtest.sh and vm_kernels.sh: finding a kernel and its modules,
# building the initramfs, probing KVM, the qemu command line.

# Where vm_kernels.sh unpacks Debian kernel packages: <dir>/<version>/
# holds the package's boot/ and lib/modules/, with modules.dep made here.
VM_KERNEL_CACHE=${WARREN_KERNEL_CACHE:-/var/cache/warren/kernels}

vm_die() {
	echo "vmtest: $*" >&2
	exit 125
}

# The version string a bzImage carries (what uname -r will say): the
# setup header's kernel_version field points at it, 0x200 past its value.
vm_bzimage_version() {
	local off
	off=$(od -An -tu2 -j526 -N2 "$1" 2>/dev/null | tr -d ' ')
	[ -n "$off" ] && [ "$off" -gt 0 ] || return 1
	dd if="$1" bs=1 skip=$((off + 512)) count=128 2>/dev/null | tr '\0' '\n' | head -1 |
		awk '{print $1}'
}

# vm_modules_dir VERSION: prints the modules directory and sets VM_MODROOT
# (the unpacked package's root, or "" for the host's /lib/modules). A
# fetched package wins: it was asked for.
vm_modules_dir() {
	local ver=$1
	if [ -e "$VM_KERNEL_CACHE/$ver/lib/modules/$ver/modules.dep" ]; then
		VM_MODROOT=$VM_KERNEL_CACHE/$ver
	elif [ -e "/lib/modules/$ver/modules.dep" ]; then
		VM_MODROOT=
	else
		return 1
	fi
	echo "$VM_MODROOT/lib/modules/$ver"
}

# vm_resolve_kernel VER|PATH: sets VM_KERNEL (the image), VM_VERSION,
# VM_MODULES, VM_MODROOT and VM_HAS_WG ("module", "built-in" or "").
vm_resolve_kernel() {
	local want=$1 f v best=$'\n'
	if [ -f "$want" ]; then
		VM_KERNEL=$want
		VM_VERSION=$(vm_bzimage_version "$want") ||
			{ echo "vmtest: $want is not a bzImage with a version" >&2; return 1; }
	else
		# A prefix matches whole version parts: "6.1" is 6.1.x, not 6.12.
		# Real-time flavours only when asked for.
		for f in "$VM_KERNEL_CACHE"/*/boot/vmlinuz-* /boot/vmlinuz-*; do
			[ -f "$f" ] || continue
			v=${f##*/vmlinuz-}
			[[ "$best" == *$'\n'"$v "* ]] && continue	# fetched and installed
			[[ "$v" == "$want" || "$v" == "$want".* || "$v" == "$want"-* ||
			   "$v" == "$want"+* ]] || continue
			[[ "$v" == *-rt-* && "$want" != *rt* ]] && continue
			vm_modules_dir "$v" >/dev/null || continue
			best+="$v $f"$'\n'
		done
		best=$(printf %s "$best" | sort -s -V -k1,1 | tail -1)
		if [ -z "$best" ]; then
			echo "vmtest: no kernel $want with modules in /boot or $VM_KERNEL_CACHE" \
				"(scripts/vm_kernels.sh fetches Debian's)" >&2
			return 1
		fi
		VM_VERSION=${best%% *} VM_KERNEL=${best#* }
	fi
	VM_MODULES=$(vm_modules_dir "$VM_VERSION") ||
		{ echo "vmtest: no modules for $VM_VERSION" >&2; return 1; }
	VM_HAS_WG=
	grep -q '/wireguard\.ko' "$VM_MODULES/modules.builtin" 2>/dev/null && VM_HAS_WG=built-in
	grep -q '/wireguard\.ko[^:]*:' "$VM_MODULES/modules.dep" && VM_HAS_WG=module
	return 0
}

# vm_module_chain NAME: the module files NAME needs, dependencies first;
# nothing when it is built in.
vm_module_chain() {
	local name=$1 line deps i
	grep -q "/$name\.ko\(\.[a-z]*\)\?$" "$VM_MODULES/modules.builtin" 2>/dev/null && return 0
	line=$(grep -m1 "/$name\.ko\(\.[a-z]*\)\?:" "$VM_MODULES/modules.dep") ||
		{ echo "vmtest: $VM_VERSION has no module $name" >&2; return 1; }
	# modules.dep lists every dependency, the one to load first last.
	read -ra deps <<<"${line#*:}"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do echo "${deps[i]}"; done
	echo "${line%%:*}"
}

# vm_build_initramfs OUT: busybox, scripts/vm_init.sh as /init, and the
# modules for virtio, 9p and overlayfs, decompressed for busybox insmod.
vm_build_initramfs() {
	local out=$1 dir f base files
	# The initramfs has no libc: a dynamically linked busybox cannot start.
	if ! [ -x /bin/busybox ] || readelf -l /bin/busybox 2>/dev/null | grep -q INTERP; then
		echo "vmtest: /bin/busybox is missing or not static (apt install busybox-static)" >&2
		return 1
	fi
	dir=$(mktemp -d /tmp/warren-initramfs.XXXXXX)
	mkdir -p "$dir"/{bin,dev,proc,sys,modules}
	cp /bin/busybox "$dir/bin/busybox" || { rm -rf "$dir"; return 1; }
	install -m 0755 scripts/vm_init.sh "$dir/init"
	: >"$dir/modules.order"
	files=$(for m in virtio_pci 9pnet_virtio 9p overlay; do
		vm_module_chain "$m" || exit 1
	done | awk '!seen[$0]++') || { rm -rf "$dir"; return 1; }
	for f in $files; do
		base=${f##*/}; base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
		case "$f" in
		*.xz) xz -dc "$VM_MODULES/$f" ;;
		*.zst) zstd -qdc "$VM_MODULES/$f" ;;
		*.gz) gzip -dc "$VM_MODULES/$f" ;;
		*) cat "$VM_MODULES/$f" ;;
		esac >"$dir/modules/$base" || { rm -rf "$dir"; return 1; }
		echo "$base" >>"$dir/modules.order"
	done
	(cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	local rc=$?
	rm -rf "$dir"
	return $rc
}

# vm_qemu ACCEL CPUS MEMORY JOBDIR EXTRA_APPEND STAGE2: run the VM in the
# foreground; the guest's console is our stdout.
vm_qemu() {
	local accel=$1 cpus=$2 mem=$3 job=$4 extra=$5 stage2=$6 args append
	args=(-nodefaults -no-user-config -display none -no-reboot -serial stdio
	      -smp "$cpus" -m "$mem" -kernel "$VM_KERNEL" -initrd "$job/initramfs.cpio.gz")
	if [ "$accel" = kvm ]; then
		args+=(-M pc -accel kvm -cpu host)
	else
		args+=(-M pc -accel tcg,thread=multi -cpu max)
	fi
	# qboot jumps straight to the kernel: seconds faster than SeaBIOS.
	[ -f /usr/share/qemu/qboot.rom ] && args+=(-bios /usr/share/qemu/qboot.rom)
	args+=(-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
	       -device virtio-9p-pci,fsdev=root,mount_tag=root
	       -fsdev local,id=job,path="$job",security_model=none,multidevs=remap
	       -device virtio-9p-pci,fsdev=job,mount_tag=job)
	# Boot-time cuts for TCG: no self-tests, no mitigations, one UART, no
	# keyboard controller probing, no console chatter.
	append="console=ttyS0 panic=-1 mitigations=off cryptomgr.notests tsc=reliable"
	append+=" 8250.nr_uarts=1 i8042.noaux i8042.nokbd quiet loglevel=1"
	append+=" rdinit=/init warren.stage2=$stage2"
	[ -n "$VM_MODROOT" ] && append+=" warren.modroot=$VM_MODROOT"
	[ -n "$extra" ] && append+=" $extra"
	exec qemu-system-x86_64 "${args[@]}" -append "$append" </dev/null
}

# vm_wait PID SECONDS: wait for the VM, kill it after SECONDS.
vm_wait() {
	local pid=$1 limit=$2 t=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$t" -ge $((limit * 5)) ]; then
			echo "vmtest: the VM ran past --timeout $limit s; killed" >&2
			kill -9 "$pid" 2>/dev/null
			break
		fi
		sleep 0.2
		t=$((t + 1))
	done
	wait "$pid" 2>/dev/null
}

# vm_kvm_works INITRAMFS: boot the guest once under KVM until that
# initramfs reports in. On some hosts /dev/kvm exists but every guest dies of emulation
# failures, so only a boot proves it.
vm_kvm_works() {
	local initramfs=$1 probe pid t=0 ok=1
	[ -w /dev/kvm ] || { echo "# vmtest: no usable /dev/kvm: TCG"; return 1; }
	probe=$(mktemp -d /tmp/warren-vm-probe.XXXXXX)
	cp "$initramfs" "$probe/initramfs.cpio.gz"
	vm_qemu kvm 1 512M "$probe" warren.probe=1 /bin/true >"$probe/log" 2>&1 &
	pid=$!
	# A guest that boots under KVM does so in about a second; 20 s bounds
	# it. (Silenced: bash reports an aborted qemu when it reaps it.)
	{
		while kill -0 "$pid" && [ "$t" -lt 100 ]; do
			grep -q "KVM internal error" "$probe/log" && break
			sleep 0.2
			t=$((t + 1))
		done
		kill -9 "$pid"
		wait "$pid"
	} 2>/dev/null
	[ -s "$probe/status" ] && ok=0
	if [ "$ok" = 0 ]; then
		echo "# vmtest: KVM boots a guest: KVM"
	else
		echo "# vmtest: KVM did not boot a guest ($(grep -m1 -i 'error\|failed' "$probe/log" ||
			echo "no sign of life in $((t / 5)) s")): TCG"
	fi
	rm -rf "$probe"
	return $ok
}
