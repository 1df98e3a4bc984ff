# shellcheck shell=bash
# Stage 7d, RERUN=n: the rig's failed tests run again, alone, up to n times
# in fresh boots (runs in DIR/rerun/). Tests that then pass are FLAKY:
# written to DIR/flaky.txt, which results_read and counts_get apply and
# report judges (a race fails the run unless tests/known-failures lists
# it). A kernel_log splat, an upstream failure or a run with a problem
# (panic, hang, early stop) is never retried away.
# Reads: DIR/results.txt, DIR/problem.txt. Writes: DIR/flaky.txt, DIR/rerun/.

# rerun_stage DIR RERUN
rerun_stage() {
	local dir=$1 tries=$2 failed n=0 rc=1
	[ "$tries" != 0 ] || return 0
	failed=$(awk '$2 == "fail" { print $1 }' "$dir/results.txt" | paste -sd, -)
	# Upstream's programs run whole, in order: not one test alone.
	case ",$failed," in ",," | *,kernel_log,* | *,kselftest.*) return 0 ;; esac
	[ ! -s "$dir/problem.txt" ] || return 0
	while [ "$rc" != 0 ] && [ "$n" -lt "$tries" ]; do
		n=$((n + 1))
		note "rerunning $failed (attempt $((n + 1)))"
		rc=0
		RERUN=0 SUITES=rig TESTS=$failed RIG_ATTEMPT=$((n + 1)) RESULTS_DIR=$dir/rerun \
			RIG_ARCH_PREFIX="${RIG_ARCH_PREFIX:-}rerun: " RIG_COUNTS='' "$RIG_TOP/run.sh" test || rc=$?
	done
	[ "$rc" = 0 ] || return 0
	tr ',' '\n' <<<"$failed" >"$dir/flaky.txt"
	note "FLAKY: ${failed//,/ } failed, then passed on rerun (logs: $dir/rerun)"
}
