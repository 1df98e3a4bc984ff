# shellcheck shell=bash
# The real thing: build and boot the UML and x86_64 kernels, then make them fail in
# every way the rig must report (crash, hang, panic), and check that it
# says so with the right code and leaves no process behind.

# A test run boots from its run folder's copy (boot/linux, boot/bzImage),
# make shell from build/.
GUEST_PATTERN="$TOP/build/(um|x86_64)-[^ ]*/(linux|arch)|/boot/(linux|bzImage)( |\$)"

no_guest_left() {
	! pgrep -f "$GUEST_PATTERN" >/dev/null
}

warm_build_compiled_nothing() {
	! grep -qE '^ +(CC|LD|AR) ' "$RESULTS_DIR/latest/build.log"
}

# A file of the tree touched after the last build: make runs and
# compiles it (the build stamp does not hide it).
build_after_edit() {
	touch "$TOP/build/src/linux-6.12/mm/slub.c" &&
		env ARCH=um "$TOP/run.sh" build &&
		cat "$RESULTS_DIR/latest/build.log"
}

# release_runs RELEASE: the run folders of RESULTS_DIR whose kernel is that
# release (facts.json: folders are named by time and arch).
release_runs() {
	local d
	for d in "$RESULTS_DIR"/*/; do
		d=${d%/}
		[ ! -L "$d" ] || continue
		case "$(jq -r '.kernel_release // ""' "$d/facts.json" 2>/dev/null)" in "$1".*) echo "$d" ;; esac
	done
}

e2e_pass() {
	# Both arches, UML first: one closing line each, then the total.
	# Both suites: upstream's cgroup selftests pass or are known failures.
	expect make_test 0 '^[0-9]+ passed, 0 failed, [0-9]+ skipped(, [0-9]+ xfail)?(, [0-9]+ xpass)?$' -- \
		make -C "$TOP" test SUITES=rig,kselftest
	check make_test_per_arch grep -qE '^x86_64: [0-9]+ passed, 0 failed' \
		"$CHECK_LOGS/make_test.log"
	check make_test_cells_whole cells_shown_whole
	# shellcheck disable=SC2046 # the two arches' runs
	check figures_4_times_tolerance figures_stand_out $(release_runs 6.12 | sed 's|$|/ktap.txt|')
	check kselftest_ran kselftest_ran
	check x86_64_has_2_cpus grep -q '^rig: cpus 2' "$RESULTS_DIR/latest/console.log"
	check x86_64_smp_test_ran grep -q '^reparent_slab_smp pass' "$RESULTS_DIR/latest/results.txt"
	check x86_64_has_2_nodes grep -q '^rig: nodes 2' "$RESULTS_DIR/latest/console.log"
	check x86_64_numa_test_ran grep -q '^numa_reclaim pass' "$RESULTS_DIR/latest/results.txt"
	expect make_test_warm 0 '^[0-9]+ passed, 0 failed, [0-9]+ skipped(, [0-9]+ xfail)?(, [0-9]+ xpass)?$' -- make -C "$TOP" test ARCH=um
	check warm_rebuilds_nothing warm_build_compiled_nothing
	# The warm build skips make only while nothing in the tree changed.
	expect build_sees_an_edit 0 "^  CC  *mm/slub.o\$" -- build_after_edit
	expect cgroup_v1 0 '^[0-9]+ passed, 0 failed' -- env ARCH=um CGROUP=v1 "$TOP/run.sh" test
	# v1 runs the same flows on its own ledgers; it skips only what it cannot show.
	check v1_chain_on_kmem_counter grep -q "^# figure C's memory.kmem.usage_in_bytes after rmdir G" \
		"$RESULTS_DIR/latest/ktap.txt"
	check v1_skips_only_percpu v1_skips_only_percpu
	# Booted with kmem accounting off: the kmem tests are declared skips,
	# the others (sockets) still run and pass. (With no kmem charge to
	# replace it, a UML stock may keep the dead C of sock_reparent:
	# rig:memcg-held-by-refilled-stock, listed, fixed in patches/fixes/.)
	expect nokmem_declared_skip 0 '^[0-9]+ passed, 0 failed, 1 skipped(, [0-9]+ xfail)?$' -- \
		env ARCH=um TESTS=reparent_slab,sock_reparent KERNEL_ARGS=cgroup.memory=nokmem "$TOP/run.sh" test
	check nokmem_skip_said grep -q '^reparent_slab skip kmem accounting off' "$RESULTS_DIR/latest/results.txt"
	check nokmem_sockets_ran grep -q '^sock_reparent pass' "$RESULTS_DIR/latest/results.txt"
	# ./run.sh boot DIR: what a run folder records, booted again, judged the same.
	expect boot_source_run 0 '^3 passed, 0 failed' -- \
		env ARCH=um TESTS=reparent_slab,pipe_pages "$TOP/run.sh" test
	check boot_again_same_verdicts boot_again_same_verdicts
	expect boot_again_rebuilt 2 'rootfs .* was rebuilt or removed since: run ./run.sh test again' -- \
		"$TOP/run.sh" boot "$CHECK_LOGS/boot-changed"
}

# The latest run booted again (./run.sh boot) gets a run folder of its own
# with the same verdicts; a copy of it whose rootfs changed is left in
# CHECK_LOGS/boot-changed for boot_again_rebuilt.
boot_again_same_verdicts() {
	local from again log=$CHECK_LOGS/boot_again.log
	from=$(readlink -f "$RESULTS_DIR/latest")
	"$TOP/run.sh" boot "$from" >"$log" 2>&1 ||
		{ echo "./run.sh boot $from failed (log: $log)"; return 1; }
	again=$(readlink -f "$RESULTS_DIR/latest")
	[ "$again" != "$from" ] || { echo "no new run folder after ./run.sh boot (log: $log)"; return 1; }
	diff <(cut -d' ' -f1,2 "$from/results.txt") <(cut -d' ' -f1,2 "$again/results.txt") ||
		{ echo "verdicts differ: $from, $again"; return 1; }
	rm -rf "$CHECK_LOGS/boot-changed" && cp -r "$from" "$CHECK_LOGS/boot-changed" &&
		jq '.rootfs_sha256 = "0"' "$from/facts.json" >"$CHECK_LOGS/boot-changed/facts.json"
}

# figures_stand_out KTAP...: every figure whose expected value is not 0
# is at least 4 times its tolerance (FIGURE_RATIO, lib/outlive.h): a
# kernel that lost the charge stands far outside it.
figures_stand_out() {
	[ $# -gt 0 ] || { echo "no KTAP to read"; return 1; }
	(
		# shellcheck source=tests/pipeline/ktap.sh
		. "$TOP/tests/pipeline/ktap.sh"
		ktap_figures "$@" | awk -F'\t' '$6 != "" && $6 + 0 < 4 { print $1 ": " $2 ": ratio " $6; bad = 1 } END { exit bad }'
	)
}

e2e_failures() {
	expect test_crash_and_hang 1 'crashed: signal 11.*' -- \
		env ARCH=um TESTS=selftest_crash,selftest_hang \
		RIG_CMDLINE=RIG_TEST_TIMEOUT=2 "$TOP/run.sh" test
	check test_hang_reported grep -q 'selftest_hang # timed out after 2 s' \
		"$CHECK_LOGS/test_crash_and_hang.log"
	# Fails, then passes alone: a race, which fails the run unless
	# tests/known-failures lists it as flaky (here: an empty list).
	expect flaky_unlisted_fails 1 'FLAKY is a failure: selftest_flaky not listed' -- \
		env ARCH=um RERUN=1 TESTS=selftest_flaky RIG_KNOWN_FAILURES=/dev/null "$TOP/run.sh" test
	# Every selected test skipped: nothing was tested, which is not a pass.
	expect nothing_tested 125 'nothing was tested: every selected test skipped' -- \
		env ARCH=um TESTS=reparent_slab_smp "$TOP/run.sh" test
	expect kernel_panics 125 'did not reach /init: the kernel panicked: Kernel panic' -- \
		env ARCH=um RIG_CMDLINE=rdinit=/nonexistent "$TOP/run.sh" test
	expect kernel_hangs_at_boot 125 'did not reach /init: the guest did not power off within 5 s' -- \
		env ARCH=um TIMEOUT=5 RIG_CMDLINE=rdinit=/bin/init "$TOP/run.sh" test
	# Past /init, a hang is a failed run (1), not "cannot test".
	expect kernel_hangs_in_suite 1 'did not power off within 8 s' -- \
		env ARCH=um TIMEOUT=8 TESTS=selftest_hang RIG_CMDLINE=RIG_TEST_TIMEOUT=60 "$TOP/run.sh" test
	check hang_leaves_no_process no_guest_left
	expect x86_64_panics 125 'did not reach /init: the kernel panicked: Kernel panic' -- \
		env ARCH=x86_64 RIG_CMDLINE=rdinit=/nonexistent "$TOP/run.sh" test
	check x86_64_panic_in_summary grep -q 'Kernel panic - not syncing' \
		"$RESULTS_DIR/latest/summary.txt"
	expect x86_64_hangs 125 'did not power off within 10 s' -- \
		env ARCH=x86_64 TIMEOUT=10 RIG_CMDLINE=rdinit=/bin/init "$TOP/run.sh" test
	check x86_64_hang_last_lines grep -q 'last 20 console lines' \
		"$RESULTS_DIR/latest/summary.txt"
	check x86_64_hang_leaves_no_qemu no_guest_left
}

# After failed patches and builds, the pristine tree is back.
e2e_restored() {
	expect pristine_again 0 '^2 passed, 0 failed, 0 skipped$' -- \
		env ARCH=um TESTS=reparent_slab "$TOP/run.sh" test
}

# Upstream's programs ran whole on x86_64 (the last run), each under its
# name; a listed one that passed is xpass.
kselftest_ran() {
	local res=$RESULTS_DIR/latest/results.txt p
	for p in test_kmem.test_kmem_dead_cgroups test_memcontrol.test_memcg_max \
		test_core.test_cgcore_destroy test_freezer.test_cgfreezer_simple test_kill.test_cgkill_simple; do
		grep -qE "^kselftest.cgroup.$p x?pass" "$res" || return 1
	done
}

# On UML's one CPU and one node, v1 may skip what v2 skips there (zswap,
# THP), percpu, memory.high, memory.min and memory.low.
v1_skips_only_percpu() {
	! awk '$2 == "skip" { print $1 }' "$RESULTS_DIR/latest/results.txt" |
		grep -vxE '(reparent_slab_smp|hotplug_stock|limit_high_reclaim|limit_stock_drain|drain_scope|numa_reclaim|percpu|release_remainders|slab_memcg_cache_names|swap_zswap_reparent|protection_min|protection_low|thp_deferred_split|task_pagetables|task_fdtable)'
}

# make test pipelines its cells (x86_64 builds while UML boots) but shows
# each whole, in order: UML's closing line before x86_64's build.
cells_shown_whole() {
	awk '/^um: [0-9]+ passed/ { u = NR } /building x86_64 kernel/ { x = NR }
		END { exit !(u && x && u < x) }' "$CHECK_LOGS/make_test.log"
}
