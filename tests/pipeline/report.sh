# shellcheck shell=bash
# Stage 8: the summary a human reads and the closing line CI reads.
# Reads: RUN_DIR's results.txt and flaky.txt (through results_read),
# counts.txt, problem.txt, known.txt, request.json, facts.json, timings.txt,
# console.log, ktap.txt and kselftest.txt. Writes: summary.txt;
# report_stage returns the exit code.

# Why the run failed beyond its tests (parse's problem.txt), or nothing.
report_problem() {
	cat "$RUN_DIR/problem.txt" 2>/dev/null || true
}

# report_failures DIR: each failed test of the run in DIR with the "# "
# diagnostics the guest printed before it. A listed known failure (xfail
# in results.txt) is not one; a failure with no result line of its own
# (an upstream program's deadline) is shown with its reason.
report_failures() {
	local dir=$1
	ktap_read_run "$dir" | awk -F'\t' 'FILENAME == ARGV[1] {
			split($0, w, " ")
			if (w[2] == "fail" && w[1] != "kernel_log") why[w[1]] = substr($0, length(w[1] w[2]) + 3)
			next
		}
		$1 == "D" { diag[$2] = diag[$2] "    " substr($0, length($2) + 4) "\n"; next }
		$1 == "R" && $3 == "fail" && ($2 in why) && !($2 in shown) {
			printf "not ok %s %s%s\n%s", $4, $2, $5 == "" ? "" : " # " $5, diag[$2]
			shown[$2] = 1
		}
		END { for (t in why) if (!(t in shown)) print "not ok " t " # " why[t] }' \
		<(results_read "$dir") -
}

report_body() {
	local d=$RUN_DIR accel
	accel=$(fact "$d" accel)
	echo "kmemcg-rig run $(basename "$d")"
	echo "kernel:  $(fact "$d" kernel_release | grep . || echo '?') from $(fact "$d" source)"
	echo "arch:    $(request "$d" arch), cgroup $(request "$d" cgroup), debug $(request "$d" debug)"
	echo "guest:   $(run_console_fact "$d" cpus | sed "s/^/cpus /")"
	[ -z "$accel" ] || echo "accel:   $accel"
	echo "series:  $(fact "$d" series_hash) ($(request "$d" series))"
	echo "config:  $(fact "$d" config_hash)"
	echo
	results_read "$d" |
		awk '{ printf "%-24s %s%s\n", $1, toupper($2), ($3 == "" ? "" : "  " substr($0, length($1 $2) + 3)) }'
	report_problems
	echo
	echo "phases (s):"
	sed 's/^/    /' "$d/timings.txt" 2>/dev/null
	echo "logs:    $d"
}

report_problems() {
	local problem
	problem=$(report_problem)
	if results_read "$RUN_DIR" | awk '$2 == "fail" && $1 != "kernel_log"' | grep -q .; then
		echo
		echo "failed tests and their diagnostics:"
		report_failures "$RUN_DIR"
	fi
	if [ -s "$RUN_DIR/kernel-log.txt" ]; then
		echo
		echo "kernel log (kernel_log failed on these lines):"
		sed 's/^/    /' "$RUN_DIR/kernel-log.txt"
	fi
	if [ -n "$problem" ]; then
		echo
		echo "problem: $problem"
		echo "last 20 console lines:"
		run_console_tail "$RUN_DIR" 20 | awk '{ print "    " $0 }'
	fi
}

report_closing() {
	echo "${RIG_ARCH_PREFIX:-}$(counts_closing "$RUN_DIR")"
}

# A guest that never reached the rig's /init (it prints "rig: kernel")
# tested nothing: that is "cannot test" (125), as git bisect run needs,
# not a failed test.
report_booted() {
	run_reached_init "$RUN_DIR"
}

# A run in which every selected test skipped tested nothing: not a pass
# (a bisect must skip such a commit, not call it good). An xfail counts
# only where the test ran and said "not ok": a listed test that skipped
# tested nothing either.
report_tested() {
	results_read "$RUN_DIR" | grep -v '^kernel_log ' | awk '$2 ~ /^(pass|fail|xpass|flaky)$/' | grep -q . && return 0
	ktap_read_run "$RUN_DIR" | awk -F'\t' 'FILENAME == ARGV[1] {
			split($0, w, " ")
			if (w[2] == "xfail" && w[1] != "kernel_log") listed[w[1]] = 1
			next
		}
		$1 == "R" && $3 == "fail" && ($2 in listed) { ran = 1 }
		END { exit !ran }' <(results_read "$RUN_DIR") -
}

# Flaky tests (the rerun stage's flaky.txt) whose first attempt printed a
# signature (parse's signatures.txt), or none, that tests/known-failures
# does not list as flaky:<test> for this kernel (parse's known.txt).
report_flaky_unlisted() {
	[ -s "$RUN_DIR/flaky.txt" ] || return 0
	awk -F'\t' 'FILENAME == ARGV[1] { if (sub(/^flaky:/, "", $1)) ok[$1, $2] = 1; next }
		FILENAME == ARGV[2] { sigs[$1] = sigs[$1] " " $2; next }
		{ n = split(sigs[$1], s, " "); bad = n == 0
		  for (i = 1; i <= n; i++) if (!(($1, s[i]) in ok)) bad = 1
		  if (bad) printf " %s", $1 }' <(cat "$RUN_DIR/known.txt" 2>/dev/null) \
		<(cat "$RUN_DIR/signatures.txt" 2>/dev/null) "$RUN_DIR/flaky.txt"
}

report_stage() {
	local problem unlisted
	problem=$(report_problem)
	report_body >"$RUN_DIR/summary.txt"
	report_closing >>"$RUN_DIR/summary.txt"
	if [ "$(counts_get "$RUN_DIR" failed)" != 0 ]; then
		report_problems >&2
		if ! report_booted; then
			error_line "$problem (log: $(run_console "$RUN_DIR")); fix the kernel or the series, this one cannot be tested"
			report_closing
			return "$EXIT_CANNOT_TEST"
		fi
		[ -z "$problem" ] || note "$problem (log: $(run_console "$RUN_DIR"))"
		report_closing
		return "$EXIT_FAIL"
	fi
	unlisted=$(report_flaky_unlisted)
	if [ -n "$unlisted" ]; then
		note "FLAKY is a failure:$unlisted not listed as flaky:<test> in tests/known-failures (a race in the kernel is a bug: list one only with its rate from make soak)"
		report_closing
		return "$EXIT_FAIL"
	fi
	if ! report_tested; then
		error_line "nothing was tested: every selected test skipped ($(results_read "$RUN_DIR" | awk '$2 == "skip" { $2 = ""; print }' | sed 's/  /: /' | paste -sd';' - | sed 's/;/; /g')); pick tests this kernel, arch and hierarchy can run (log: $RUN_DIR/ktap.txt)"
		report_closing
		return "$EXIT_CANNOT_TEST"
	fi
	report_closing
	return "$EXIT_PASS"
}

