# shellcheck shell=bash disable=SC2034
# Shared by every stage: exit codes, messages, timing, hashing.
# The exit codes are the rig's contract with make, CI and git bisect run.

EXIT_PASS=0
EXIT_FAIL=1
EXIT_USAGE=2
EXIT_CANNOT_TEST=125
EXIT_RIG=128

# One line, naming the problem and the fix; then exit with the code given.
die() {
	local code=$1
	shift
	RIG_ERROR=$*
	printf 'rig: error: %s\n' "$*" >&2
	exit "$code"
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
