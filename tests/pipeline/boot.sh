# shellcheck shell=bash disable=SC2153
# Stage 6: boot the guest under a hard timeout. The guest's status comes
# back on a channel of its own, per arch (arch/<arch>.sh). The whole
# process tree is killed at the timeout and on Ctrl-C: the guest runs in
# a session of its own, killed as a whole.

# Records the guest's status as the init reported it (DIR/guest-status)
# and whether it hit its deadline (facts.json: timed_out), which parse
# reads. BOOT_IMAGE, BOOT_ROOTFS: the run's copies (boot_snapshot).
boot_stage() {
	local argv BOOT_IMAGE BOOT_ROOTFS
	facts_read BOOT_IMAGE=kernel_image BOOT_ROOTFS=rootfs
	BOOT_IMAGE=$RUN_DIR/boot/${BOOT_IMAGE##*/} BOOT_ROOTFS=$RUN_DIR/boot/${BOOT_ROOTFS##*/}
	arch_prepare
	boot_record_cmdline >"$RUN_DIR/cmdline"
	mapfile -t argv < <(arch_boot_argv test)
	BOOT_FOLLOW=1 guest_run "$(run_console "$RUN_DIR")" "$TIMEOUT" "${argv[@]}"
	arch_guest_status "$BOOT_RC" >"$RUN_DIR/guest-status"
	fact_put timed_out "$BOOT_TIMED_OUT"
}

# make shell: the same kernel and rootfs (as built), console on this terminal.
boot_shell() {
	local argv BOOT_IMAGE BOOT_ROOTFS
	facts_read BOOT_IMAGE=kernel_image BOOT_ROOTFS=rootfs
	arch_prepare
	mapfile -t argv < <(arch_boot_argv shell)
	exec "${argv[@]}"
}

# The boot phase split in two: the kernel's own time to /init (its printk
# stamp) and the suite with power-off, for make bench.
boot_split_phases() {
	local init
	init=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' \
		"$(run_console "$RUN_DIR")" | head -n 1)
	[ -n "$init" ] || return 0
	phase_add init "$init"
	phase_add suite "$(echo "$PHASE_LAST - $init" | bc)"
}

# The command as one would type it again: with the built kernel and
# rootfs, not the run's copies (removed when the run ends).
boot_record_cmdline() {
	local argv BOOT_IMAGE BOOT_ROOTFS
	facts_read BOOT_IMAGE=kernel_image BOOT_ROOTFS=rootfs
	mapfile -t argv < <(arch_boot_argv test)
	printf '%q ' "${argv[@]}"
	echo
}
