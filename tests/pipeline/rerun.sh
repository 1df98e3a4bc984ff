# shellcheck shell=bash
# Stage 7d, RERUN=n: the rig's failed tests run again, alone, up to n times
# in fresh boots of the very kernel and rootfs the run booted (./run.sh
# boot DIR; runs in DIR/rerun/). Tests that then pass are FLAKY: written
# to DIR/flaky.txt, which results_read and counts_get apply and report
# judges (a race fails the run unless tests/known-failures lists it). A
# kernel_log splat, an upstream failure or a run with a problem (panic,
# hang, early stop) is never retried away, and neither is a failure whose
# kernel can no longer be booted (rebuilt since): it stands.
# Reads: DIR/request.json and facts.json (what to boot), results.txt,
# problem.txt. Writes: DIR/flaky.txt, DIR/rerun/. Alone: ./run.sh rerun
# DIR RERUN=n.

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
		RIG_ATTEMPT=$((n + 1)) RIG_ARCH_PREFIX="${RIG_ARCH_PREFIX:-}rerun: " RIG_COUNTS='' \
			"$RIG_TOP/run.sh" boot "$dir" RERUN=0 SUITES=rig TESTS="$failed" \
			RESULTS_DIR="$dir/rerun" || rc=$?
		case "$rc" in
		0 | "$EXIT_FAIL") ;;
		*)
			note "rerun of $failed could not boot (exit $rc, log above): the failure stands"
			return 0
			;;
		esac
	done
	[ "$rc" = 0 ] || return 0
	tr ',' '\n' <<<"$failed" >"$dir/flaky.txt"
	note "FLAKY: ${failed//,/ } failed, then passed on rerun (logs: $dir/rerun)"
}
