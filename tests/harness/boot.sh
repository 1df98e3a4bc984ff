# shellcheck shell=bash disable=SC2034
# Stage 6: boot the guest under a hard timeout. The guest's status comes
# back on a channel of its own (UML: /proc/exitcode becomes the process's
# exit code). The whole process tree is killed at the timeout and on
# Ctrl-C: UML runs in a session of its own, killed as a whole.

boot_cmdline() {
	printf '%s' "printk.time=1 RIG_CGROUP=$CGROUP"
	[ -z "${TESTS:-}" ] || printf ' RIG_TESTS=%s' "$TESTS"
	[ "${1:-}" != shell ] || printf ' RIG_SHELL=1'
	[ -z "${RIG_CMDLINE:-}" ] || printf ' %s' "$RIG_CMDLINE"
}

boot_um_args() {
	local con="con0=null,fd:1"
	[ "${1:-}" != shell ] || con="con0=fd:0,fd:1"
	# shellcheck disable=SC2046
	printf '%s\n' "mem=$MEM" "initrd=$ROOTFS" con=null "$con" \
		$(boot_cmdline "${1:-}")
}

# Kill every process of the guest's session, whatever its process group.
boot_kill() {
	kill -KILL -- "-$1" 2>/dev/null || true
	pkill -KILL -s "$1" 2>/dev/null || true
}

# Runs the guest; sets BOOT_STATUS to its exit code and BOOT_TIMED_OUT.
boot_stage() {
	local log=$RUN_DIR/console.log pid waiter timer args
	mapfile -t args < <(boot_um_args)
	printf '%s %s\n' "$KERNEL_IMAGE" "${args[*]}" >"$RUN_DIR/cmdline"
	rm -f "$RUN_DIR/timed-out"
	# The guest leads a session of its own (its pid is the session id);
	# the subshell reaps it, so a panic (UML aborts, no core file) is
	# reported by us, not by bash.
	rm -f "$RUN_DIR/guest.pid"
	(
		ulimit -c 0
		setsid "$KERNEL_IMAGE" "${args[@]}" </dev/null >"$log" 2>&1 &
		echo $! >"$RUN_DIR/guest.pid"
		wait $!
	) 2>/dev/null &
	waiter=$!
	while [ ! -s "$RUN_DIR/guest.pid" ]; do sleep 0.01; done
	pid=$(cat "$RUN_DIR/guest.pid")
	# shellcheck disable=SC2064
	trap "boot_kill $pid; note 'interrupted: guest killed, logs kept in $RUN_DIR'; exit 130" INT TERM
	(
		trap 'kill $s 2>/dev/null; exit 0' TERM
		sleep "$TIMEOUT" &
		s=$!
		wait $s
		touch "$RUN_DIR/timed-out"
		boot_kill "$pid"
	) &
	timer=$!
	boot_follow "$log" "$pid" &
	BOOT_STATUS=0
	wait "$waiter" || BOOT_STATUS=$?
	kill "$timer" 2>/dev/null || true
	wait "$timer" 2>/dev/null || true
	boot_kill "$pid"
	wait
	trap - INT TERM
	BOOT_TIMED_OUT=0
	[ ! -f "$RUN_DIR/timed-out" ] || BOOT_TIMED_OUT=1
	echo "$BOOT_STATUS" >"$RUN_DIR/guest-status"
}

# Stream the guest's own lines (not the kernel's timestamped ones) live.
boot_follow() {
	tail -n +1 -s 0.2 -f --pid="$2" "$1" 2>/dev/null |
		awk '{ sub(/\r$/, "") } /^rig: / { on = 1 }
			on && !/^\[ *[0-9]+\.[0-9]+\]/ && !/^rig: status/ { print; fflush() }' || true
}

# make shell: the same kernel and rootfs, console on this terminal.
boot_shell() {
	local args
	mapfile -t args < <(boot_um_args shell)
	exec "$KERNEL_IMAGE" "${args[@]}"
}
