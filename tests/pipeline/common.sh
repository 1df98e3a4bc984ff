# shellcheck shell=bash
# Shared by every stage: exit codes, messages, timing, hashing.
# The exit codes are the rig's contract with make, CI and git bisect run.

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
	# the run folder keeps it, for export (error.txt)
	[ -z "${RUN_DIR:-}" ] || [ ! -d "$RUN_DIR" ] || printf '%s\n' "$*" >"$RUN_DIR/error.txt"
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

# request DIR KEY: what the run was asked (request.json).
request() {
	jq -r --arg k "$2" '.[$k] // "" | tostring' "$1/request.json" 2>/dev/null || true
}
