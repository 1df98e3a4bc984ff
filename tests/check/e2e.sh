# shellcheck shell=bash
# The real thing: build and boot the UML kernel, then make it fail in
# every way the rig must report (crash, hang, panic), and check that it
# says so with the right code and leaves no process behind.

no_guest_left() {
	! pgrep -f "$TOP/build/um-[^ ]*/linux" >/dev/null
}

warm_build_compiled_nothing() {
	! grep -qE '^ +(CC|LD|AR) ' "$RESULTS_DIR/latest/build.log"
}

e2e_pass() {
	expect make_test 0 '^3 passed, 0 failed, 0 skipped$' -- make -C "$TOP" test
	expect make_test_warm 0 '^3 passed, 0 failed, 0 skipped$' -- make -C "$TOP" test
	check warm_rebuilds_nothing warm_build_compiled_nothing
}

e2e_failures() {
	expect test_crash_and_hang 1 'crashed: signal 11.*' -- \
		env TESTS=selftest_crash,selftest_hang \
		RIG_CMDLINE=RIG_TEST_TIMEOUT=2 "$TOP/run.sh" test
	check test_hang_reported grep -q 'selftest_hang # timed out after 2 s' \
		"$CHECK_LOGS/test_crash_and_hang.log"
	expect kernel_panics 1 'the kernel panicked: Kernel panic' -- \
		env RIG_CMDLINE=rdinit=/nonexistent "$TOP/run.sh" test
	expect kernel_hangs 1 'did not power off within 5 s' -- \
		env TIMEOUT=5 RIG_CMDLINE=rdinit=/bin/init "$TOP/run.sh" test
	check hang_leaves_no_process no_guest_left
}

# After failed patches and builds, the pristine tree is back.
e2e_restored() {
	expect pristine_again 0 '^2 passed, 0 failed, 0 skipped$' -- \
		env TESTS=reparent_slab "$TOP/run.sh" test
}
