# shellcheck shell=bash disable=SC2034
# Stage 8: the summary a human reads and the closing line CI reads;
# results/latest points at the newest run.

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
		"$dir/results.txt" -
}

report_body() {
	echo "kmemcg-rig run $(basename "$RUN_DIR")"
	echo "kernel:  ${KERNEL_RELEASE:-?} from $SRC_REV"
	echo "arch:    $ARCH, cgroup $CGROUP, debug $DEBUG"
	echo "guest:   $(sed -n 's/^rig: cpus /cpus /p' "$RUN_DIR/console.log" | head -n 1)"
	[ -z "${ACCEL_USED:-}" ] || echo "accel:   $ACCEL_USED, $ACCEL_WHY"
	echo "series:  $SERIES_HASH ($SERIES)"
	echo "config:  $CONFIG_HASH"
	echo
	awk '{ printf "%-24s %s%s\n", $1, toupper($2), ($3 == "" ? "" : "  " substr($0, length($1 $2) + 3)) }' \
		"$RUN_DIR/results.txt"
	report_problems
	echo
	echo "phases (s):"
	printf '%s' "$PHASES" | sed 's/^/    /'
	echo "logs:    $RUN_DIR"
}

report_problems() {
	if awk '$2 == "fail" && $1 != "kernel_log"' "$RUN_DIR/results.txt" | grep -q .; then
		echo
		echo "failed tests and their diagnostics:"
		report_failures "$RUN_DIR"
	fi
	if [ -s "$RUN_DIR/kernel-log.txt" ]; then
		echo
		echo "kernel log (kernel_log failed on these lines):"
		sed 's/^/    /' "$RUN_DIR/kernel-log.txt"
	fi
	if [ -n "$PARSE_PROBLEM" ]; then
		echo
		echo "problem: $PARSE_PROBLEM"
		echo "last 20 console lines:"
		tail -n 20 "$RUN_DIR/console.log" | awk '{ print "    " $0 }'
	fi
}

report_closing() {
	echo "${RIG_ARCH_PREFIX:-}$(counts_line "$PARSE_PASSED" "$PARSE_FAILED" "$PARSE_SKIPPED" \
		"${PARSE_XFAIL:-0}" "${PARSE_XPASS:-0}" "${PARSE_FLAKY:-0}")"
}

# A guest that never reached the rig's /init (it prints "rig: kernel")
# tested nothing: that is "cannot test" (125), as git bisect run needs,
# not a failed test.
report_booted() {
	grep -q "^rig: kernel " "$RUN_DIR/console.log"
}

# A run in which every selected test skipped tested nothing: not a pass
# (a bisect must skip such a commit, not call it good). An xfail counts
# only where the test ran and said "not ok": a listed test that skipped
# tested nothing either.
report_tested() {
	grep -v '^kernel_log ' "$RUN_DIR/results.txt" | awk '$2 ~ /^(pass|fail|xpass)$/' | grep -q . && return 0
	ktap_read_run "$RUN_DIR" | awk -F'\t' 'FILENAME == ARGV[1] {
			split($0, w, " ")
			if (w[2] == "xfail" && w[1] != "kernel_log") listed[w[1]] = 1
			next
		}
		$1 == "R" && $3 == "fail" && ($2 in listed) { ran = 1 }
		END { exit !ran }' "$RUN_DIR/results.txt" -
}

report_stage() {
	report_body >"$RUN_DIR/summary.txt"
	report_closing >>"$RUN_DIR/summary.txt"
	ln -sfn "$(basename "$RUN_DIR")" "$RESULTS_DIR/latest"
	if [ "$PARSE_FAILED" != 0 ] || [ -n "$PARSE_PROBLEM" ]; then
		report_problems >&2
		if ! report_booted; then
			printf 'rig: error: %s (log: %s); fix the kernel or the series, this one cannot be tested\n' \
				"$PARSE_PROBLEM" "$RUN_DIR/console.log" >&2
			report_closing
			return "$EXIT_CANNOT_TEST"
		fi
		[ -z "$PARSE_PROBLEM" ] || note "$PARSE_PROBLEM (log: $RUN_DIR/console.log)"
		report_closing
		return "$EXIT_FAIL"
	fi
	if ! report_tested; then
		printf 'rig: error: nothing was tested: every selected test skipped (%s); pick tests this kernel, arch and hierarchy can run (log: %s)\n' \
			"$(awk '$2 == "skip" { $2 = ""; print }' "$RUN_DIR/results.txt" | sed 's/  /: /' | paste -sd';' - | sed 's/;/; /g')" \
			"$RUN_DIR/ktap.txt" >&2
		report_closing
		return "$EXIT_CANNOT_TEST"
	fi
	report_closing
	return "$EXIT_PASS"
}

# Tests that failed, then passed when rerun alone: FLAKY, counted apart.
report_flaky() {
	local t n=0
	for t in $1; do
		echo "$t"
		n=$((n + 1))
	done >"$RUN_DIR/flaky.txt"
	awk 'NR == FNR { f[$1] = 1; next } ($1 in f) && $2 == "fail" { $2 = "flaky" } { print }' \
		"$RUN_DIR/flaky.txt" "$RUN_DIR/results.txt" >"$RUN_DIR/results.txt.new" &&
		mv "$RUN_DIR/results.txt.new" "$RUN_DIR/results.txt"
	counts_write "$RUN_DIR" "$(counts_get "$RUN_DIR" missing)"
	PARSE_FAILED=$((PARSE_FAILED - n))
	PARSE_FLAKY=$n
	note "FLAKY: $1 failed, then passed on rerun (logs: $RUN_DIR/rerun)"
	report_body >"$RUN_DIR/summary.txt"
	report_closing >>"$RUN_DIR/summary.txt"
	report_closing
}

# report_load DIR: what report and export need, from a recorded run
# folder's files alone (./run.sh report DIR): request.json, metadata.json,
# counts.txt, problem.txt and timings.txt.
report_load() {
	local m=$1/metadata.json r=$1/request.json
	if [ ! -f "$m" ] || [ ! -f "$1/results.txt" ]; then
		die "$EXIT_USAGE" "$1 is not a run folder with results.txt and metadata.json: give results/<run>"
	fi
	RUN_DIR=$1
	ARCH=$(jq -r .arch "$m") CGROUP=$(jq -r .cgroup "$m") DEBUG=$(jq -r .debug "$m")
	KERNEL_RELEASE=$(jq -r .kernel_release "$m") SRC_REV=$(jq -r .source "$m")
	SERIES_HASH=$(jq -r .series_hash "$m") CONFIG_HASH=$(jq -r .config_hash "$m")
	IMAGE_HASH=$(jq -r .image_sha256 "$m") SUITES=$(jq -r .suites "$m")
	ACCEL_USED=$(jq -r '(.accel | split(", ")[0]) // ""' "$m") ACCEL_WHY=$(jq -r '.accel | split(", ")[1:] | join(", ")' "$m")
	SERIES=$RIG_TOP/patches/series
	[ ! -f "$r" ] || SERIES=$(jq -r .series "$r")
	PHASES=$(cat "$1/timings.txt" 2>/dev/null)
	PHASES=${PHASES:+$PHASES
}
	PARSE_PASSED=$(counts_get "$1" pass) PARSE_SKIPPED=$(counts_get "$1" skip)
	PARSE_XFAIL=$(counts_get "$1" xfail) PARSE_XPASS=$(counts_get "$1" xpass)
	PARSE_FLAKY=$(counts_get "$1" flaky)
	PARSE_FAILED=$(($(counts_get "$1" fail) + $(counts_get "$1" missing)))
	PARSE_PROBLEM=$(cat "$1/problem.txt" 2>/dev/null || true)
	[ -z "$PARSE_PROBLEM" ] || [ "$PARSE_FAILED" != 0 ] || PARSE_FAILED=1
	REPORT_EXIT=$(jq -r .exit "$m")
}
