# shellcheck shell=bash
# Shared by every stage: exit codes, messages, timing, hashing.
# The exit codes are the rig's contract with make, CI and git bisect run.

# The RIG_* variables: RIG_TOP, run.sh's own; each other one crosses a
# process boundary, and none else exists (make check's
# rig_variables_documented). Set by -> read by: why.
#   RIG_TOP            run.sh -> the files it sources, rerun's run.sh: the checkout
#   RIG_LOCK_HELD      run_lock -> the child run.sh of a run: the build dir's lock is held
#   RIG_BOOT_LOCK      run_cells -> each cell's run.sh: one guest at a time
#   RIG_CELL_GO        run_cells -> a cell's run.sh: its turn to build
#   RIG_CELL_NEXT      run_cells -> a cell's run.sh: the next cell's turn, once built
#   RIG_CELL_PARENT    run_cells -> a cell's run.sh: a waiting cell ends with its parent
#   RIG_COUNTS         run_cells, rerun -> a cell's run.sh: where its counts go
#   RIG_ARCH_PREFIX    run_cells, rerun -> a cell's run.sh: what its messages start with
#   RIG_ATTEMPT        rerun -> its run.sh -> the guest: which attempt this is
#   RIG_KEEP_BOOT      make mutants, soak, bisect -> run.sh: keep the run's kernel and rootfs (boot/), booted again after it
#   RIG_TREE_COPY      make bisect, make sweep -> run.sh: how the source tree is copied
#   RIG_PRISTINE       make sweep -> run.sh: the pristine objects a mutant is compared with
#   RIG_ROOTFS_BIN     make sweep -> run.sh: a private build of the guest programs
#   RIG_ERA_SRC        make mutants -> run.sh era: where it writes the source it read
#   RIG_CMDLINE        make nightly, make sweep, make check -> the guest's command line
#   RIG_DEPS_FOR       make check -> run.sh deps: whose tools to install
#   RIG_DEPS_EXTRA     make check -> run.sh deps: a package that does not exist
#   RIG_TIMED_OUT      the user -> run.sh parse: the recorded run hit its deadline
#   RIG_KNOWN_FAILURES make check -> parse: another list of known failures
#   RIG_EXPECTED_SKIPS make check -> parse: another list of expected skips
# The guest's command line (guest_cmdline, arch_boot_argv), which the
# init hands to the suite and upstream's runner as its environment:
#   RIG_CGROUP RIG_SUITES RIG_TESTS RIG_KSFT_PROGRAMS RIG_SHELL RIG_DEBUG
#   RIG_CPUS RIG_NODES RIG_PROBE RIG_FAIL_FAST RIG_STRESS_SECONDS
#   RIG_TEST_TIMEOUT RIG_NR_FILES RIG_LEAK_CYCLES RIG_KSFT_DEADLINE
#   RIG_CGROUP_ROOT (the init's, for the suite)

# shellcheck disable=SC2034 # every stage and command reads them
{
	EXIT_PASS=0
	EXIT_FAIL=1
	EXIT_USAGE=2
	EXIT_CANNOT_TEST=125
	EXIT_RIG=128
}

# One line, naming the problem and the fix; then exit with the code given.
die() {
	local code=$1
	shift
	error_line "$*"
	exit "$code"
}

# error_line MESSAGE: the one-line error, on stderr and in the run folder
# (error.txt: export and run_error read it there, never from a log).
error_line() {
	[ -z "${RUN_DIR:-}" ] || [ ! -d "$RUN_DIR" ] || printf '%s\n' "$1" >"$RUN_DIR/error.txt"
	printf 'rig: error: %s\n' "$1" >&2
}

note() {
	printf 'rig: %s\n' "$*" >&2
}

# Phase timings, written to the run's timings.txt once it exists.
PHASES=""
phase_begin() {
	PHASE_NAME=$1
	PHASE_T0=$(date +%s.%N)
}

phase_end() {
	local t1
	t1=$(date +%s.%N)
	PHASE_LAST=$(echo "$t1 - $PHASE_T0" | bc)
	phase_add "$PHASE_NAME" "$PHASE_LAST"
}

phase_add() {
	PHASES="${PHASES}$(printf '%-8s %6.1f' "$1" "$2")
"
	if [ -n "${RUN_DIR:-}" ]; then
		printf '%s' "$PHASES" >"$RUN_DIR/timings.txt"
	fi
}

hash_files() {
	cat "$@" 2>/dev/null | sha256sum | cut -c1-16
}

hash_text() {
	printf '%s' "$1" | sha256sum | cut -c1-16
}

# fact_put KEY VALUE: one of a stage's results (kernel release, hashes,
# accelerator) in the run folder's facts.json, where report and export
# read them (fact DIR KEY): no stage reads another's variables.
fact_put() {
	[ -n "${RUN_DIR:-}" ] || return 0
	local f=$RUN_DIR/facts.json
	[ -s "$f" ] || echo '{}' >"$f"
	jq --arg k "$1" --arg v "$2" '.[$k] = $v' "$f" >"$f.new" && mv "$f.new" "$f"
}

fact() {
	jq -r --arg k "$2" '.[$k] // ""' "$1/facts.json" 2>/dev/null || true
}

# facts_read VAR=key...: a stage's inputs, the records of the stages before
# it, read from the run folder's facts.json into the caller's locals (the
# caller declares them local): a stage never reads another's variables.
facts_read() {
	local a v
	local -a keys=()
	for a in "$@"; do keys+=("${a#*=}"); done
	mapfile -t v < <(jq -r --args '. as $f | $ARGS.positional[] | $f[.] // ""' \
		"${keys[@]}" <"$RUN_DIR/facts.json" 2>/dev/null)
	[ "${#v[@]}" = "$#" ] ||
		die "$EXIT_RIG" "cannot read ${keys[*]} from $RUN_DIR/facts.json (an earlier stage did not record them)"
	for a in "$@"; do
		printf -v "${a%%=*}" '%s' "${v[0]}"
		v=("${v[@]:1}")
	done
}

# request DIR KEY: what the run was asked (request.json).
request() {
	jq -r --arg k "$2" '.[$k] // "" | tostring' "$1/request.json" 2>/dev/null || true
}

# request_vars KIND...: the user variables a run records in request.json
# (tests/pipeline/variables.list, second word "run" or "local"), one a
# line: the one list run_request writes, ./run.sh boot and reruns restore
# and the reproduce line names.
request_vars() {
	awk -v kinds=" $* " '!/^#/ && NF > 1 && index(kinds, " " $2 " ") { print $1 }' \
		"$(dirname "${BASH_SOURCE[0]}")/variables.list"
}
