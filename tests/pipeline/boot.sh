# shellcheck shell=bash disable=SC2153
# Stage 6: boot the guest under a hard timeout. The guest's status comes
# back on a channel of its own, per arch (arch/<arch>.sh). The whole
# process tree is killed at the timeout and on Ctrl-C: the guest runs in
# a session of its own, killed as a whole.

# Sets BOOT_STATUS (the guest's status as the init reported it).
boot_stage() {
	local argv
	arch_prepare
	boot_record_cmdline >"$RUN_DIR/cmdline"
	mapfile -t argv < <(arch_boot_argv test)
	BOOT_FOLLOW=1 guest_run "$(run_console "$RUN_DIR")" "$TIMEOUT" "${argv[@]}"
	BOOT_STATUS=$(arch_guest_status "$BOOT_RC")
	echo "$BOOT_STATUS" >"$RUN_DIR/guest-status"
}

# make shell: the same kernel and rootfs, console on this terminal.
boot_shell() {
	local argv
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
	# shellcheck disable=SC2034 # arch_boot_argv reads them
	BOOT_IMAGE=$(fact "$RUN_DIR" kernel_image) BOOT_ROOTFS=$(fact "$RUN_DIR" rootfs)
	mapfile -t argv < <(arch_boot_argv test)
	printf '%q ' "${argv[@]}"
	echo
}
