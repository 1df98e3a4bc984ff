# shellcheck shell=bash
# Stage 8, for machines: junit.xml (one testcase per KTAP test, failures
# with their diagnostics) and metadata.json (what was built from what, how
# long each phase took, the verdict, and the command that reproduces the
# run). Written on every exit once a run folder exists, so a run that
# stopped at the build still says why.

json_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' |
		tr -d '\000-\010\013-\037' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }')"
}

xml_esc() {
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' |
		tr -d '\000-\010\013-\037'
}

export_verdict() {
	case "$1" in
	0) [ -s "$RUN_DIR/flaky.txt" ] && echo flaky || echo pass ;;
	1) echo fail ;;
	125) echo cannot-test ;;
	2) echo usage-error ;;
	*) echo rig-error ;;
	esac
}

# The one line that runs this cell again.
export_reproduce() {
	local v w=""
	for v in ARCH KERNEL KERNEL_SRC CGROUP DEBUG TESTS SERIES KCONFIG_ADD; do
		[ -n "${!v:-}" ] || continue
		case "${!v}" in
		*[!A-Za-z0-9_./,=:+-]*) w="$w $v=$(printf '%q' "${!v}")" ;;
		*) w="$w $v=${!v}" ;;
		esac
	done
	[ -z "$KERNEL_SRC" ] || w=${w/ KERNEL=$KERNEL/}
	printf '%s' "cd $(printf '%q' "$RIG_TOP") && git checkout $(git -C "$RIG_TOP" rev-parse --short HEAD 2>/dev/null || echo '?') && ./run.sh test$w"
}

export_flaky_count() {
	if [ -f "$RUN_DIR/flaky.txt" ]; then wc -l <"$RUN_DIR/flaky.txt"; else echo 0; fi
}

export_phases() {
	printf '%s' "$PHASES" | awk 'NF == 2 { printf "%s\"%s\": %s", sep, $1, $2; sep = ", " }'
}

export_metadata() {
	local rc=$1 splats qemu=""
	splats=$(cut -f1 "$RUN_DIR/splats.txt" 2>/dev/null |
		while read -r s; do json_str "$s"; echo; done | paste -sd, -)
	[ "$ARCH" != x86_64 ] || qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)
	cat <<JSON
{
  "run": $(json_str "$(basename "$RUN_DIR")"),
  "arch": $(json_str "$ARCH"),
  "cgroup": $(json_str "$CGROUP"),
  "debug": $DEBUG,
  "kernel_release": $(json_str "${KERNEL_RELEASE:-}"),
  "source": $(json_str "${SRC_REV:-}"),
  "series_hash": $(json_str "${SERIES_HASH:-}"),
  "config_hash": $(json_str "${CONFIG_HASH:-}"),
  "image_sha256": $(json_str "${IMAGE_HASH:-}"),
  "compiler": $(json_str "$(gcc --version 2>/dev/null | head -n 1)"),
  "qemu": $(json_str "$qemu"),
  "accel": $(json_str "${ACCEL_USED:-}${ACCEL_WHY:+, $ACCEL_WHY}"),
  "phases": { $(export_phases) },
  "exit": $rc,
  "verdict": $(json_str "$(export_verdict "$rc")"),
  "passed": ${PARSE_PASSED:-0},
  "failed": ${PARSE_FAILED:-0},
  "skipped": ${PARSE_SKIPPED:-0},
  "flaky": $(export_flaky_count),
  "splats": [${splats}],
  "error": $(json_str "${RIG_ERROR:-}"),
  "reproduce": $(json_str "$(export_reproduce)")
}
JSON
}

# The diagnostics a test printed before its result line.
export_diags() {
	awk -v t="$1" '/^# / { d = d $0 "\n"; next }
		/^(not )?ok [0-9]+ / { if ($0 ~ "^(not )?ok [0-9]+ " t "( |$)") { printf "%s", d; exit } d = "" }' \
		"$RUN_DIR/ktap.txt"
}

export_testcase() {
	local name=$1 verdict=$2 reason=$3 class=$4
	printf '    <testcase classname="%s" name="%s">\n' "$class" "$name"
	case "$verdict" in
	fail)
		printf '      <failure message="%s">' "$(printf '%s' "$reason" | xml_esc)"
		if [ "$name" = kernel_log ]; then
			xml_esc <"$RUN_DIR/kernel-log.txt"
		else
			export_diags "$name" | xml_esc
			[ -z "${PARSE_PROBLEM:-}" ] || printf '%s\n' "$PARSE_PROBLEM" | xml_esc
			tail -n 20 "$RUN_DIR/console.log" 2>/dev/null | xml_esc
		fi
		printf '</failure>\n'
		;;
	flaky)
		printf '      <system-out>FLAKY: failed, then passed on rerun: %s</system-out>\n' \
			"$(printf '%s' "$reason" | xml_esc)"
		;;
	skip) printf '      <skipped message="%s"/>\n' "$(printf '%s' "$reason" | xml_esc)" ;;
	esac
	printf '    </testcase>\n'
}

export_junit() {
	local class name verdict reason n f s
	class="kmemcg-rig.$ARCH.${KERNEL_RELEASE:-unbuilt}.cgroup-$CGROUP.debug-$DEBUG"
	n=0 f=0 s=0
	if [ -f "$RUN_DIR/results.txt" ]; then
		n=$(wc -l <"$RUN_DIR/results.txt")
		f=$(awk '$2 == "fail"' "$RUN_DIR/results.txt" | wc -l)
		s=$(awk '$2 == "skip"' "$RUN_DIR/results.txt" | wc -l)
	fi
	# The extra "run" testcase: nothing ran, or a panic, hang or early stop.
	if [ "$n" = 0 ] || [ -n "${PARSE_PROBLEM:-}" ]; then
		n=$((n + 1)) f=$((f + 1))
	fi
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo "<testsuites name=\"kmemcg-rig\">"
	printf '  <testsuite name="%s" tests="%s" failures="%s" skipped="%s" timestamp="%s">\n' \
		"$class" "$n" "$f" "$s" "$(date -u +%Y-%m-%dT%H:%M:%S)"
	if [ -f "$RUN_DIR/results.txt" ]; then
		while read -r name verdict reason; do
			export_testcase "$name" "$verdict" "$reason" "$class"
		done <"$RUN_DIR/results.txt"
		# A panic, hang or early stop is a failure of its own.
		[ -z "${PARSE_PROBLEM:-}" ] || export_testcase run fail "$PARSE_PROBLEM" "$class"
	else
		# Nothing ran: one testcase says why (patch, config, build, boot).
		export_testcase run fail "${RIG_ERROR:-the run stopped before the suite}" "$class"
	fi
	echo '  </testsuite>'
	echo '</testsuites>'
}

export_stage() {
	local rc=$1
	[ -n "${RUN_DIR:-}" ] && [ -d "$RUN_DIR" ] || return 0
	export_metadata "$rc" >"$RUN_DIR/metadata.json"
	export_junit >"$RUN_DIR/junit.xml"
	# For run_cells: the counts and where this cell's run is.
	[ -z "${RIG_COUNTS:-}" ] ||
		echo "${PARSE_PASSED:-0} ${PARSE_FAILED:-1} ${PARSE_SKIPPED:-0} ${PARSE_FLAKY:-0} $RUN_DIR" >"$RIG_COUNTS"
}
