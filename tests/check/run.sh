#!/usr/bin/env bash
# make check: the rig's own tests. Static checks, the parser on recorded
# console logs, bad input, and real UML and x86_64 runs. Ends with
# "N passed, N failed". With "quick" (make check-quick): only what needs
# no kernel, in under a minute, for use before every commit.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TIER=${1:-full}
export FIXTURES=$TOP/tests/check/fixtures
CHECK_LOGS=$TOP/build/check
[ "$TIER" = full ] || CHECK_LOGS=$TOP/build/check-$TIER
export RESULTS_DIR=$CHECK_LOGS/results
for f in lib static parse stages front inputs e2e era interrupt user bisect weaken nightly sweep; do
	# shellcheck source=/dev/null
	. "$TOP/tests/check/$f.sh"
done

# Set-up first: as for make test plus what the checks use, or for the quick
# tier only what its checks use (no kernel source, no browser).
export RIG_DEPS_FOR=check
[ "$TIER" != quick ] || RIG_DEPS_FOR=quick
"$TOP/run.sh" deps
rm -rf "$CHECK_LOGS"
mkdir -p "$CHECK_LOGS" "$RESULTS_DIR"
chmod 755 "$CHECK_LOGS"
check_clock_start deps

quick() {
	# checkpatch comes with a kernel tree; the quick tier uses one if unpacked.
	local lint=
	[ ! -d "$TOP/build/src/linux-6.12/scripts" ] || lint=1
	[ -z "$lint" ] || check_start checkpatch check_checkpatch
	# the parser's fixtures beside the rest: two CPUs, half the time
	check_group_start parse parse_checks
	static_checks
	[ -z "$lint" ] || check_end checkpatch
	stage_checks
	front_checks
	inputs_cheap
	nightly_matrix_checks
	sweep_quick_checks
	check_group_end parse
}

# kselftest_column MUTATION PROGRAM.TEST: make mutants' table (in
# mutants_killed's log) says upstream's TEST was among those that killed
# MUTATION, other upstream failures beside it or not. On a miss it shows
# the row and what upstream's PROGRAM printed in that boot.
kselftest_column() {
	local log=$CHECK_LOGS/mutants_killed.log prog=${2%%.*} row table boot
	row=$(grep -E "^$1 " "$log") || { echo "no row for $1 in $log"; return 1; }
	if echo "$row" | grep -qE "killed \\([^)]*${2//./\\.}[,) ].*killed by both"; then
		return 0
	fi
	echo "expected upstream's $2 among the kills of $1 (killed by both), measured: $row" | tr -s ' '
	table=$(sed -n 's/^table: //p' "$log")
	boot=$(dirname "$table")/$1-v2.log
	echo "upstream's lines in $boot:"
	sed -n "/kselftest-cgroup $prog begin/,/kselftest-cgroup $prog exit/p" "$boot"
	return 1
}

full() {
	era_prebuild_start
	trap era_prebuild_stop EXIT
	check_group_start parse parse_checks
	static_checks
	stage_checks
	front_checks
	inputs_cheap
	nightly_matrix_checks
	sweep_quick_checks
	check_group_end parse
	e2e_pass
	check checkpatch check_checkpatch
	e2e_failures
	interrupt_checks
	user_checks
	nightly_checks
	inputs_kernel
	# make mutants on two mutations, one path of its verdict each:
	# upstream's kmem program beside the rig, in the one mutation whose
	# upstream kill is certain (unaccounted stacks leave kernel_stack at 0;
	# test_kmem_dead_cgroups kills no-drain-at-offline only if nothing
	# charges on that CPU within its 5 s wait), and a v1 boot beside v2 in
	# the mutation a whole-test listing once spared (killed only by the
	# exit code). The tables of make mutants prove every other mutation,
	# and mutants_tables_current says when they are out of date.
	expect mutants_killed 0 '^2 passed, 0 failed$' -- \
		env KSFT_PROGRAMS=test_kmem MUT_KSFT=kernel-stack-unaccounted \
		MUTANTS=kernel-stack-unaccounted,limit-max-no-reclaim \
		"$TOP/tests/commands/mutants.sh"
	check mutants_kselftest_column kselftest_column kernel-stack-unaccounted test_kmem.test_kmem_kernel_stacks
	era_checks
	weaken_checks
	sweep_checks
	bisect_inputs
	bisect_checks
	e2e_restored
}

echo "KTAP version 1"
case "$TIER" in
quick) quick ;;
full) full ;;
*) echo "usage: $0 [quick]" >&2; exit 2 ;;
esac
check_failure_tails
check_times
echo "1..$CHECK_N"
echo "$CHECK_PASSED passed, $CHECK_FAILED failed"
[ "$CHECK_FAILED" = 0 ]
