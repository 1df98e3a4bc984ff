# shellcheck shell=bash
# Running a guest, for the boot stage and the arch fragments (arch/) alike:
# the kernel command line the init reads and the timed runner that kills
# the guest's whole session at its deadline.

# Kernel command line words the init reads (NAME=value reaches init's
# environment).
guest_cmdline() {
	printf '%s' "printk.time=1 RIG_CGROUP=$CGROUP RIG_SUITES=${SUITES:-rig}"
	[ -z "${TESTS:-}" ] || printf ' RIG_TESTS=%s' "$TESTS"
	[ -z "${KSFT_PROGRAMS:-}" ] || printf ' RIG_KSFT_PROGRAMS=%s' "$KSFT_PROGRAMS"
	[ -z "${RIG_ATTEMPT:-}" ] || printf ' RIG_ATTEMPT=%s' "$RIG_ATTEMPT"
	[ "${1:-}" != shell ] || printf ' RIG_SHELL=1'
	# Read back by the parser (known failures per DEBUG) from the kernel's
	# "Kernel command line:" line.
	[ "${DEBUG:-0}" = 0 ] || printf ' RIG_DEBUG=1'
	# DEBUG boots: SLUB's own consistency, red-zone, poison and owner
	# checks, beside KASAN where the arch allows it (ARCH_SLUB_DEBUG_KASAN).
	if [ "${DEBUG:-0}" = 1 ] && { [ "${ARCH_SLUB_DEBUG_KASAN:-1}" = 1 ] ||
		! grep -qx 'CONFIG_KASAN=y' "${RUN_DIR:-}/config" 2>/dev/null; }; then
		printf ' slub_debug=FZPU'
	fi
	# A kernel of per-memcg slab caches (before 5.9; its Kconfig has
	# SLUB_MEMCG_SYSFS_ON) shows them in sysfs only when asked: the
	# pre-5.9 name checks need them.
	if grep -q 'SLUB_MEMCG_SYSFS_ON' "${RUN_DIR:-}/config" 2>/dev/null; then
		printf ' slub_memcg_sysfs=1'
	fi
	guest_compat_words
	[ -z "${KERNEL_ARGS:-}" ] || printf ' %s' "$KERNEL_ARGS"
	[ -z "${RIG_CMDLINE:-}" ] || printf ' %s' "$RIG_CMDLINE"
}

# What the host-compat patches applied to this kernel ask of its boot
# ("Boot-append-<arch>:" lines), read from the run's series file.
guest_compat_words() {
	local name
	sed -n "s/^# host-compat: //p" "${RUN_DIR:-}/series" 2>/dev/null | while read -r name; do
		sed -n "s/^Boot-append-$ARCH: */ /p" "$RIG_TOP/patches/compat/$name" | tr -d "\n"
	done
}

# Kill every process of the guest's session, whatever its process group.
guest_kill() {
	kill -KILL -- "-$1" 2>/dev/null || true
	pkill -KILL -s "$1" 2>/dev/null || true
}

# guest_run LOG TIMEOUT ARGV...: run the guest, its output in LOG. Sets
# BOOT_RC (its exit code) and BOOT_TIMED_OUT. With BOOT_FOLLOW=1 the
# guest's own lines are shown as they come.
guest_run() {
	local log=$1 timeout=$2 pidfile=$1.pid pid waiter timer
	shift 2
	rm -f "$pidfile" "$log.timed-out"
	# The guest leads a session of its own (its pid is the session id);
	# the subshell reaps it, so a guest that dies of a signal (UML aborts
	# on panic; no core file) is reported by us, not by bash.
	# Neither the guest nor the timer holds the run's locks (fd 9, 8): nothing
	# that outlives the run can keep the next one waiting.
	(
		ulimit -c 0
		setsid "$@" </dev/null >"$log" 2>&1 9>&- 8>&- &
		echo $! >"$pidfile"
		wait $!
	) 2>/dev/null 9>&- 8>&- &
	waiter=$!
	while [ ! -s "$pidfile" ]; do sleep 0.01; done
	pid=$(cat "$pidfile")
	(
		trap 'kill $s 2>/dev/null; exit 0' TERM
		sleep "$timeout" &
		s=$!
		wait $s
		touch "$log.timed-out"
		guest_kill "$pid"
	) 9>&- 8>&- &
	timer=$!
	# Background jobs of a script ignore SIGINT: on Ctrl-C the timer (and
	# its sleep) must be stopped by hand, as the guest is.
	# shellcheck disable=SC2064
	trap "kill $timer 2>/dev/null; guest_kill $pid; note 'interrupted: guest killed, logs kept in $(dirname "$log")'; exit 130" INT TERM
	[ "${BOOT_FOLLOW:-0}" = 0 ] || guest_follow "$log" "$pid" &
	# shellcheck disable=SC2034 # boot_stage and the KVM probe read it
	BOOT_RC=0
	# shellcheck disable=SC2034
	wait "$waiter" || BOOT_RC=$?
	kill "$timer" 2>/dev/null || true
	guest_kill "$pid"
	wait
	trap - INT TERM
	# shellcheck disable=SC2034 # boot_stage records it for parse
	BOOT_TIMED_OUT=0
	# shellcheck disable=SC2034
	[ ! -f "$log.timed-out" ] || BOOT_TIMED_OUT=1
	rm -f "$pidfile" "$log.timed-out"
}

# Stream the guest's own lines (not the kernel's timestamped ones) live.
guest_follow() {
	tail -n +1 -s 0.2 -f --pid="$2" "$1" 2>/dev/null |
		awk '{ sub(/\r$/, "") } /^rig: / { on = 1 }
			on && !/^\[ *[0-9]+\.[0-9]+\]/ && !/^rig: status/ { print; fflush() }' || true
}
