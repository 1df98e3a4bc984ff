# shellcheck shell=bash
# Kernels of another era: vanilla 5.4 (per-memcg slab caches) built as UML
# and judged by what it promises, probed in the guest; its own mutation
# (a cache name from a reused css id, the seed's patch 12) must be killed
# there. Without the 5.4 tarball (KERNEL_TARBALLS) the checks say so and
# skip.

era_tarball() {
	find "${KERNEL_TARBALLS:-$TOP/../shared/kernels}" -maxdepth 1 -name 'linux-5.4.*.tar.xz' 2>/dev/null | grep -q .
}

# The 5.4 cell has a build directory of its own, built from the start of
# make check by a niced background run: its compiling fills the core that
# UML runs leave idle (a guest is one host thread), and era_checks find
# the kernel built. Its own results folder: no check reads its "latest".
ERA_BUILD_DIR=$TOP/build/era

era_prebuild_start() {
	era_tarball || return 0
	mkdir -p "$ERA_BUILD_DIR"
	# setsid: a process group of its own, stopped whole when make check ends.
	env BUILD_DIR="$ERA_BUILD_DIR" RESULTS_DIR="$CHECK_LOGS/era-prebuild" KERNEL=5.4 ARCH=um \
		setsid nice -n 19 "$TOP/run.sh" build >"$CHECK_LOGS/era_prebuild.log" 2>&1 &
	ERA_PREBUILD=$!
}

# If it failed, make_test_5_4 builds again and says why.
era_prebuild_wait() {
	[ -n "${ERA_PREBUILD:-}" ] || return 0
	wait "$ERA_PREBUILD" || true
	ERA_PREBUILD=
}

era_prebuild_stop() {
	[ -n "${ERA_PREBUILD:-}" ] || return 0
	kill -TERM -- "-$ERA_PREBUILD" 2>/dev/null || true
}

era_checks() {
	if ! era_tarball; then
		skip_check make_test_5_4 "no linux-5.4.*.tar.xz in ${KERNEL_TARBALLS:-$TOP/../shared/kernels}"
		return 0
	fi
	era_prebuild_wait
	expect make_test_5_4 0 '^[0-9]+ passed, 0 failed, [0-9]+ skipped(, [0-9]+ xfail)?(, [0-9]+ xpass)?$' -- \
		env BUILD_DIR="$ERA_BUILD_DIR" make -C "$TOP" test KERNEL=5.4 ARCH=um
	check era_5_4_figures_4_times_tolerance figures_stand_out "$RESULTS_DIR/latest/ktap.txt"
	check era_5_4_probed grep -q '^# era: per-memcg caches slab accounting' \
		"$RESULTS_DIR/latest/ktap.txt"
	check era_5_4_names_ran grep -q '^slab_memcg_cache_names pass' \
		"$RESULTS_DIR/latest/results.txt"
	# Every skip says what the kernel does not show or account.
	check era_5_4_skips_named era_skips_named
	# Two of the era's mutations (its table proves the rest) and one of
	# obj_cgroup's, which this tree must turn away.
	expect mutants_5_4 0 '^2 passed, 0 failed$' -- \
		env BUILD_DIR="$ERA_BUILD_DIR" KERNEL=5.4 MUT_SUITES=rig MUT_KSFT=- \
		MUTANTS=memcg-caches-not-reparented,memcg-cache-name-reused-id,reparent-to-root \
		"$TOP/tests/commands/mutants.sh"
	check mutants_5_4_era_only grep -q 'breaks obj_cgroup code, not this per-memcg-caches tree' \
		"$CHECK_LOGS/mutants_5_4.log"
}

# 5.4 UML skips what its era or UML lacks (one CPU and node, zswap, THP).
era_skips_named() {
	! awk '$2 == "skip" && $0 !~ /(CPU|NUMA node|tmpfs refuses|not charged to memcgs|no obj_cgroup|no zswap in this kernel|no transparent huge pages|memory.stat has no (pagetables|vmalloc))/' \
		"$RESULTS_DIR/latest/results.txt" | grep .
}
