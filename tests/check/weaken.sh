# shellcheck shell=bash
# Mutations prove the tests; this proves the proof. A copy of the rig
# with one assertion taken out of a test (the pins check that a socket
# keeps its cgroup dying) must let that test's mutation survive, and
# make mutants must say so and fail. The same copy without thread_stacks'
# check lets kernel-stack-unaccounted through the rig while upstream's
# test_kmem_kernel_stacks still kills it: make mutants must say the rig
# misses it, and fail. The copy shares build/, so its
# kernel build is incremental; the guest programs are rebuilt for it and
# again for the next normal run (rootfs_programs compares their sources).

WEAK=$CHECK_LOGS/weak-rig

weak_rig() {
	rm -rf "$WEAK"
	rsync -a --exclude=/build --exclude=/results --exclude=/.git "$TOP/" "$WEAK/" &&
		sed -i 's/if (cg_dying(b->h\[i\].p) < b->h\[i\].depth)/if (0 \&\& cg_dying(b->h[i].p) < b->h[i].depth)/' "$WEAK/tests/guest/pins.c" &&
		! cmp -s "$TOP/tests/guest/pins.c" "$WEAK/tests/guest/pins.c" &&
		sed -i 's/if (pid > 0 \&\& !stack_steps(c, \&empty, slab0, pid))/if (pid > 0 \&\& (stack_steps(c, \&empty, slab0, pid) || 1))/' \
			"$WEAK/tests/guest/thread_stacks.c" &&
		! cmp -s "$TOP/tests/guest/thread_stacks.c" "$WEAK/tests/guest/thread_stacks.c"
}

weaken_checks() {
	check weakened_copy weak_rig
	expect weakened_test_survives 1 '^socket-no-pin .*survived \(pins passed\)' -- \
		env BUILD_DIR="$TOP/build" MUTANTS=socket-no-pin MUT_SUITES=rig "$WEAK/tests/commands/mutants.sh"
	check weakened_says_failed grep -qx '0 passed, 1 failed' "$CHECK_LOGS/weakened_test_survives.log"
	expect kselftest_alone_fails 1 '^kernel-stack-unaccounted .*killed by kselftest alone: the rig misses it' -- \
		env BUILD_DIR="$TOP/build" MUTANTS=kernel-stack-unaccounted KSFT_PROGRAMS=test_kmem \
		"$WEAK/tests/commands/mutants.sh"
}
