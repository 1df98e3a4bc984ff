# shellcheck shell=bash
# x86_64 under QEMU, SMP. The init's status leaves through isa-debug-exit:
# the guest writes 0x40 | status, QEMU exits with (v << 1) | 1, so 129 +
# 2 x status; QEMU's own errors (1) and a guest that rebooted on a panic
# (0, with -no-reboot) cannot be mistaken for a status.

# shellcheck disable=SC2034 # config and build read them
{
	ARCH_KARCH=x86_64
	ARCH_IMAGE=arch/x86/boot/bzImage
}
# PREEMPT: the models a PREEMPT_DYNAMIC kernel boots into (preempt=), and
# the default, full, as distributions boot them.
# shellcheck disable=SC2034 # load_arch reads them
{
	ARCH_PREEMPT=full
	ARCH_PREEMPT_MODELS="none voluntary full"
}
# Long enough for a KVM guest to reach init many times over; a hung KVM
# costs no more than this once per machine.
ACCEL_PROBE_TIMEOUT=15

arch_prepare() {
	[ $((CPUS % NODES)) = 0 ] ||
		die "$EXIT_USAGE" "CPUS=$CPUS cannot be shared by NODES=$NODES nodes: use a multiple of NODES, or NODES=1"
	command -v qemu-system-x86_64 >/dev/null ||
		die "$EXIT_USAGE" "qemu-system-x86_64 not found: apt-get install -y qemu-system-x86"
	accel_choose
}

arch_boot_argv() {
	printf '%s\n' qemu-system-x86_64 -nographic -no-reboot \
		-accel "$ACCEL_USED" -cpu max \
		-smp "$CPUS,sockets=$NODES,cores=$((CPUS / NODES)),threads=1" \
		-m "$(($(mem_mib) / NODES * NODES))M"
	numa_argv
	printf '%s\n' -kernel "$BOOT_IMAGE" -initrd "$BOOT_ROOTFS" -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -append
	# RIG_CPUS, RIG_NODES: what was asked, which parse holds the guest to.
	printf '%s\n' "console=ttyS0 panic=-1 RIG_CPUS=$CPUS RIG_NODES=$NODES preempt=$PREEMPT $(guest_cmdline "${1:-}")"
}

arch_guest_status() {
	if [ "$1" -ge 129 ] && [ $(($1 % 2)) = 1 ]; then
		echo $((($1 - 129) / 2))
	elif [ "$1" = 0 ]; then
		echo 255	# rebooted without a status: a panic with panic=-1
	else
		echo "$1"
	fi
}

# KVM only if /dev/kvm is usable and a probe boot reaches init quickly;
# the verdict is cached per machine.
accel_choose() {
	local cache
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/kmemcg-rig/accel-$(uname -n)
	case "${ACCEL:-auto}" in
	kvm | tcg)
		ACCEL_USED=$ACCEL
		ACCEL_WHY="forced with ACCEL=$ACCEL"
		;;
	auto)
		if [ -s "$cache" ]; then
			read -r ACCEL_USED ACCEL_WHY <"$cache"
			ACCEL_WHY="$ACCEL_WHY (cached in $cache)"
		else
			accel_probe
			mkdir -p "$(dirname "$cache")"
			echo "$ACCEL_USED $ACCEL_WHY" >"$cache"
		fi
		;;
	*) die "$EXIT_USAGE" "unknown ACCEL '$ACCEL': use kvm, tcg or leave it unset" ;;
	esac
	note "x86_64 accelerator: $ACCEL_USED, $ACCEL_WHY"
	fact_put accel "$ACCEL_USED, $ACCEL_WHY"
}

accel_probe() {
	local log=$RUN_DIR/kvm-probe.log t0 argv
	ACCEL_USED=tcg
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		ACCEL_WHY="/dev/kvm is missing or not usable by $(id -un)"
		return
	fi
	ACCEL_USED=kvm
	mapfile -t argv < <(RIG_CMDLINE="RIG_PROBE=1" arch_boot_argv test)
	ACCEL_USED=tcg
	t0=$(date +%s)
	guest_run "$log" "$ACCEL_PROBE_TIMEOUT" "${argv[@]}"
	if log_reached_init "$log"; then
		ACCEL_USED=kvm
		ACCEL_WHY="a KVM probe boot reached init in $(($(date +%s) - t0)) s"
	else
		ACCEL_WHY="a KVM probe boot did not reach init within ${ACCEL_PROBE_TIMEOUT} s"
	fi
}

# NODES nodes of equal memory, each a socket of CPUS / NODES CPUs (ACPI
# SRAT): CPUs of one node share no cache with another's, which the
# scheduler's topology check would warn about.
numa_argv() {
	local mb n per
	[ "$NODES" -gt 1 ] || return 0
	mb=$(mem_mib)
	per=$((CPUS / NODES))
	for n in $(seq 0 $((NODES - 1))); do
		printf '%s\n' -object "memory-backend-ram,id=node$n,size=$((mb / NODES))M" \
			-numa "node,nodeid=$n,memdev=node$n,cpus=$((n * per))-$(((n + 1) * per - 1))"
	done
}

# MEM in MiB (256M, 1G); the nodes share it evenly.
mem_mib() {
	case "$MEM" in
	*[Gg]) echo $((${MEM%?} * 1024)) ;;
	*[Mm]) echo "${MEM%?}" ;;
	*) echo "$MEM" ;;
	esac
}
