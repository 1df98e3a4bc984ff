# shellcheck shell=bash
# Stage 7d, RERUN=n: the rig's failed tests run again, alone, up to n times
# in fresh boots (runs in DIR/rerun/). Tests that then pass are FLAKY:
# written to DIR/flaky.txt, which results_read and counts_get apply and
# report judges (a race fails the run unless tests/known-failures lists
# it). A kernel_log splat, an upstream failure or a run with a problem
# (panic, hang, early stop) is never retried away.
# Reads: DIR/request.json (the run to repeat), results.txt, problem.txt.
# Writes: DIR/flaky.txt, DIR/rerun/. Alone: ./run.sh rerun DIR RERUN=n.

# rerun_stage DIR RERUN
rerun_stage() {
	local dir=$1 tries=$2 failed n=0 rc=1
	[ "$tries" != 0 ] || return 0
	failed=$(run_tests "$dir" fail)
	# Upstream's programs run whole, in order: not one test alone.
	case ",$failed," in ",," | *,kernel_log,* | *,kselftest.*) return 0 ;; esac
	[ ! -s "$dir/problem.txt" ] || return 0
	while [ "$rc" != 0 ] && [ "$n" -lt "$tries" ]; do
		n=$((n + 1))
		note "rerunning $failed (attempt $((n + 1)))"
		rc=0
		rerun_env "$dir" RERUN=0 SUITES=rig TESTS="$failed" RIG_ATTEMPT=$((n + 1)) \
			RESULTS_DIR="$dir/rerun" RIG_ARCH_PREFIX="${RIG_ARCH_PREFIX:-}rerun: " RIG_COUNTS= \
			"$RIG_TOP/run.sh" test || rc=$?
	done
	[ "$rc" = 0 ] || return 0
	tr ',' '\n' <<<"$failed" >"$dir/flaky.txt"
	note "FLAKY: ${failed//,/ } failed, then passed on rerun (logs: $dir/rerun)"
}

# rerun_env DIR VAR=value... CMD...: CMD with the run's request
# (request.json) as its variables, then the given ones.
rerun_env() {
	local dir=$1 v k
	local -a vars=()
	shift
	for v in $(request_vars run local); do
		k=${v,,}
		vars+=("$v=$(request "$dir" "$k")")
	done
	env "${vars[@]}" "$@"
}
