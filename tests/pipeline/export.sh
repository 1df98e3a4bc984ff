# shellcheck shell=bash
# Stage 8, for machines: junit.xml (one testcase per KTAP test, failures
# with their diagnostics) and metadata.json (what was built from what, how
# long each phase took, the verdict, and the command that reproduces the
# run). Written on every exit once a run folder exists, so a run that
# stopped at the build still says why.

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

# The one line that runs this cell again, from request.json.
export_reproduce() {
	local v k val w=""
	for v in $(request_vars run); do
		k=${v,,}
		val=$(request "$RUN_DIR" "$k")
		[ -n "$val" ] || continue
		# a tree given by path is the kernel: KERNEL would only mislead
		[ "$v" != KERNEL ] || [ -z "$(request "$RUN_DIR" kernel_src)" ] || continue
		case "$val" in
		*[!A-Za-z0-9_./,=:+-]*) w="$w $v=$(printf '%q' "$val")" ;;
		*) w="$w $v=$val" ;;
		esac
	done
	printf '%s' "cd $(printf '%q' "$RIG_TOP") && git checkout $(git -C "$RIG_TOP" rev-parse --short HEAD 2>/dev/null || echo '?') && ./run.sh test$w"
}

# What the series is called in metadata.json and in index.html's cells:
# "" for the rig's own patches/series, else its path (under the rig's
# top, relative to it) with its hash, so runs of another series get cells
# of their own.
export_series_name() {
	local s h
	s=$(request "$RUN_DIR" series) h=$(fact "$RUN_DIR" series_hash)
	[ -n "$s" ] && [ "$s" != "$RIG_TOP/patches/series" ] || return 0
	printf '%s@%s' "${s#"$RIG_TOP"/}" "${h:-?}"
}

# timings.txt ("name seconds" lines) as one JSON object.
export_phases() {
	[ -f "$RUN_DIR/timings.txt" ] || { echo '{}'; return; }
	jq -Rn '[inputs | split(" ") | map(select(. != ""))
		| select(length == 2) | {(.[0]): (.[1] | tonumber)}] | add // {}' <"$RUN_DIR/timings.txt"
}

export_metadata() {
	local rc=$1 qemu="" d=$RUN_DIR debug
	debug=$(request "$d" debug)
	[ "$(request "$d" arch)" != x86_64 ] || qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)
	jq -n --arg run "$(basename "$d")" --arg arch "$(request "$d" arch)" --arg cgroup "$(request "$d" cgroup)" \
		--argjson debug "${debug:-0}" --arg release "$(fact "$d" kernel_release)" \
		--arg source "$(fact "$d" source)" --arg series "$(export_series_name)" \
		--arg series_hash "$(fact "$d" series_hash)" --arg config_hash "$(fact "$d" config_hash)" \
		--arg image "$(fact "$d" image_sha256)" --arg compiler "$(gcc --version 2>/dev/null | head -n 1)" \
		--arg qemu "$qemu" --arg accel "$(fact "$d" accel)" --arg preempt "$(request "$d" preempt)" \
		--argjson phases "$(export_phases)" --argjson exit "$rc" \
		--arg verdict "$(export_verdict "$rc")" --argjson passed "$(counts_get "$RUN_DIR" pass)" \
		--argjson failed "$(counts_get "$RUN_DIR" failed)" --argjson skipped "$(counts_get "$RUN_DIR" skip)" \
		--argjson flaky "$(counts_get "$RUN_DIR" flaky)" --argjson xfail "$(counts_get "$RUN_DIR" xfail)" \
		--argjson xpass "$(counts_get "$RUN_DIR" xpass)" \
		--arg suites "$(request "$d" suites)" \
		--arg cpus "$(request "$d" cpus)" \
		--rawfile splats <(cut -f1 "$RUN_DIR/splats.txt" 2>/dev/null) \
		--arg error "$(cat "$d/error.txt" 2>/dev/null)" --arg reproduce "$(export_reproduce)" '{
		run: $run, arch: $arch, cgroup: $cgroup, debug: $debug, preempt: $preempt,
		cpus: ($cpus | tonumber? // null),
		kernel_release: $release, source: $source, series: $series,
		series_hash: $series_hash, config_hash: $config_hash,
		image_sha256: $image, compiler: $compiler, qemu: $qemu,
		accel: $accel, phases: $phases, exit: $exit, verdict: $verdict,
		passed: $passed, failed: $failed, skipped: $skipped,
		flaky: $flaky, xfail: $xfail, xpass: $xpass, suites: $suites, splats: ($splats | split("\n") | map(select(. != ""))),
		error: $error, reproduce: $reproduce }'
}

# The diagnostics a test printed before its result line.
export_diags() {
	ktap_read_run "$RUN_DIR" |
		awk -F'\t' -v t="$1" '$1 == "R" && $2 == t { done = 1 }
			$1 == "D" && $2 == t && !done { print substr($0, length($2) + 4) }'
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
			report_problem | xml_esc
			run_console_tail "$RUN_DIR" 20 | xml_esc
		fi
		printf '</failure>\n'
		;;
	flaky)
		printf '      <system-out>FLAKY: failed, then passed on rerun: %s</system-out>\n' \
			"$(printf '%s' "$reason" | xml_esc)"
		;;
	skip) printf '      <skipped message="%s"/>\n' "$(printf '%s' "$reason" | xml_esc)" ;;
	xpass) printf '      <system-out>XPASS: %s</system-out>\n' "$(printf '%s' "$reason" | xml_esc)" ;;
	# Known failures are not hidden: skipped, with the listed reason.
	xfail) printf '      <skipped message="XFAIL: %s"/>\n' "$(printf '%s' "$reason" | xml_esc)" ;;
	esac
	printf '    </testcase>\n'
}

# junit.xml's suite: kmemcg-rig.<arch>.<release>.cgroup-<v>.debug-<d>.
export_class() {
	local release
	release=$(fact "$RUN_DIR" kernel_release)
	printf 'kmemcg-rig.%s.%s.cgroup-%s.debug-%s' "$(request "$RUN_DIR" arch)" "${release:-unbuilt}" \
		"$(request "$RUN_DIR" cgroup)" "$(request "$RUN_DIR" debug)"
}

export_junit() {
	local class name verdict reason n f s problem
	problem=$(report_problem)
	class=$(export_class)
	n=0 f=0 s=0
	if run_has_results "$RUN_DIR"; then
		n=$(counts_get "$RUN_DIR" results)
		f=$(counts_get "$RUN_DIR" fail)
		s=$(($(counts_get "$RUN_DIR" skip) + $(counts_get "$RUN_DIR" xfail)))
	fi
	# The extra "run" testcase: nothing ran, or a panic, hang or early stop.
	if [ "$n" = 0 ] || [ -n "$problem" ]; then
		n=$((n + 1)) f=$((f + 1))
	fi
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo "<testsuites name=\"kmemcg-rig\">"
	printf '  <testsuite name="%s" tests="%s" failures="%s" skipped="%s" timestamp="%s">\n' \
		"$class" "$n" "$f" "$s" "$(date -u +%Y-%m-%dT%H:%M:%S)"
	if run_has_results "$RUN_DIR"; then
		while read -r name verdict reason; do
			export_testcase "$name" "$verdict" "$reason" "$class"
		done < <(results_read "$RUN_DIR")
		# A panic, hang or early stop is a failure of its own.
		[ -z "$problem" ] || export_testcase run fail "$problem" "$class"
	else
		# Nothing ran: one testcase says why (patch, config, build, boot).
		export_testcase run fail "$(cat "$RUN_DIR/error.txt" 2>/dev/null || echo 'the run stopped before the suite')" "$class"
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
	# A run that stopped before parse counts as one failure.
	[ -z "${RIG_COUNTS:-}" ] || export_counts >"$RIG_COUNTS"
}

export_counts() {
	local failed=1
	[ ! -f "$RUN_DIR/counts.txt" ] || failed=$(counts_get "$RUN_DIR" failed)
	echo "$(counts_get "$RUN_DIR" pass) $failed $(counts_get "$RUN_DIR" skip) $(counts_get "$RUN_DIR" flaky) $(counts_get "$RUN_DIR" xfail) $(counts_get "$RUN_DIR" xpass) $RUN_DIR"
}
