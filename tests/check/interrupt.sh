# shellcheck shell=bash
# Two runs at once on one checkout, and Ctrl-C during a build and during a
# boot: nothing collides, no process is left behind, and the next run
# passes.

# A UML run of reparent_slab, the cheapest real verdict.
quick_run() {
	env ARCH=um TESTS=reparent_slab "$TOP/run.sh" test
}

# The second run waits for the first and says so; both pass, each in a
# results folder of its own.
two_runs_at_once() {
	local a=$CHECK_LOGS/two-runs-a.log b=$CHECK_LOGS/two-runs-b.log pa ra=0 rb=0 n0 n1
	n0=$(find "$RESULTS_DIR" -mindepth 1 -maxdepth 1 -type d -name '*-um-*' | wc -l)
	quick_run >"$a" 2>&1 &
	pa=$!
	sleep 1
	quick_run >"$b" 2>&1 || rb=$?
	wait "$pa" || ra=$?
	n1=$(find "$RESULTS_DIR" -mindepth 1 -maxdepth 1 -type d -name '*-um-*' | wc -l)
	echo "exit codes: $ra $rb; run folders: $n0 -> $n1"
	[ "$ra" = 0 ] && [ "$rb" = 0 ] && grep -q 'waiting for another run' "$a" "$b" &&
		[ "$n1" = $((n0 + 2)) ]
}

# A shell started as a background job of a script inherits SIGINT
# ignored, which no trap can undo: its runs never see a Ctrl-C.
sigint_ignored() {
	local mask
	mask=$(awk '/^SigIgn:/ { print $2 }' /proc/self/status)
	[ $((0x$mask & 2)) != 0 ]
}

# interrupted LOG PATTERN CMD...: CMD in a process group of its own (as a
# terminal runs it); once LOG shows PATTERN, SIGINT to the group, as
# Ctrl-C sends it. True if CMD then ended.
interrupted() {
	local log=$1 pattern=$2 pid n=0
	shift 2
	if sigint_ignored; then
		echo "SIGINT is ignored in this shell (make check started as a script's background job): Ctrl-C cannot reach the run; run make check in the foreground"
		return 1
	fi
	set -m
	"$@" >"$log" 2>&1 &
	pid=$!
	set +m
	while ! grep -q "$pattern" "$log" && [ "$n" -lt 600 ]; do
		sleep 0.5
		n=$((n + 1))
	done
	sleep 2
	kill -INT -- "-$pid" 2>/dev/null
	n=0
	while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 60 ]; do
		sleep 0.5
		n=$((n + 1))
	done
	! kill -0 "$pid" 2>/dev/null
}

# Nothing of the rig's left running: no guest, no make of ours (build/era,
# make check's 5.4 build, is not the interrupted run's), nothing
# holding the build lock (a timer left behind would).
nothing_left() {
	sleep 1
	no_guest_left &&
		! pgrep -f "make .*O=$TOP/build/[a-z0-9_]+-" >/dev/null &&
		flock -n "$TOP/build/.lock" true
}

ctrl_c_in_build() {
	touch "$TOP/build/src/linux-6.12/mm/memcontrol.c"
	interrupted "$CHECK_LOGS/ctrl-c-build.run.log" 'building um kernel' quick_run && nothing_left
}

ctrl_c_in_boot() {
	interrupted "$CHECK_LOGS/ctrl-c-boot.run.log" 'rig: booting' \
		env ARCH=um TESTS=selftest_hang RIG_CMDLINE=RIG_TEST_TIMEOUT=60 "$TOP/run.sh" test &&
		nothing_left
}

ctrl_c_in_cells() {
	interrupted "$CHECK_LOGS/ctrl-c-cells.run.log" 'rig: booting' \
		env ARCH="um x86_64" TESTS=selftest_hang RIG_CMDLINE=RIG_TEST_TIMEOUT=60 "$TOP/run.sh" test &&
		nothing_left && [ -z "$(find "$TOP/build" -maxdepth 1 -name 'cells.*')" ]
}

interrupt_checks() {
	check two_runs_at_once two_runs_at_once
	check ctrl_c_in_build ctrl_c_in_build
	expect after_ctrl_c_in_build 0 '^2 passed, 0 failed, 0 skipped$' -- quick_run
	check ctrl_c_in_boot ctrl_c_in_boot
	# Both arches: the cell that boots and the one that builds beside it.
	check ctrl_c_in_cells ctrl_c_in_cells
	expect after_ctrl_c_in_boot 0 '^2 passed, 0 failed, 0 skipped$' -- quick_run
}
