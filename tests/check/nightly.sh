# shellcheck shell=bash
# Nightly: sharding covers the matrix exactly; a four-cell nightly writes
# junit.xml and metadata.json per cell and reports a test that fails only
# on its first try as FLAKY; index.html renders in headless Chromium and a
# failed cell links to its log. The workflow file calls the same targets.

NIGHTLY_RESULTS=$CHECK_LOGS/nightly-results

shards_cover_matrix() {
	local i all union
	all=$(make -s -C "$TOP" nightly-list MATRIX= SHARD=) || return 1
	union=$(for i in 1 2 3; do make -s -C "$TOP" nightly-list MATRIX= SHARD="$i/3" || echo FAILED; done)
	echo "full: $(echo "$all" | wc -l) cells; shards: $(echo "$union" | wc -l)"
	[ "$(echo "$all" | sort)" = "$(echo "$union" | sort)" ] &&
		[ -z "$(echo "$union" | sort | uniq -d)" ] && [ "$(echo "$all" | wc -l)" = 44 ]
}

# Every cell has both files, and each says FLAKY for selftest_flaky.
cells_have_exports() {
	local dir n=0
	while read -r dir; do
		[ -s "$dir/junit.xml" ] && [ -s "$dir/metadata.json" ] || return 1
		grep -q '"verdict": "flaky"' "$dir/metadata.json" || return 1
		grep -q '<testcase classname="[^"]*" name="selftest_flaky">' "$dir/junit.xml" || return 1
		n=$((n + 1))
	done < <(awk '$1 !~ /^(mutants|soak)/ { print $3 }' "$NIGHTLY_RESULTS"/nightly-*/cells.txt)
	echo "$n cells"
	[ "$n" = 4 ]
}

workflow_in_step() {
	local wf=$TOP/.github/workflows/nightly.yml n
	n=$(sed -n 's/.*shard: *\[\(.*\)\].*/\1/p' "$wf" | tr ',' '\n' | grep -c .)
	grep -q "make nightly SHARD=\${{ matrix.shard }}/$n" "$wf" &&
		grep -q 'path: results/' "$wf"
}

# headless Chromium renders index.html; the failed cell's log link
# resolves to a file that exists.
index_renders() {
	local dom=$CHECK_LOGS/index-dom.html href
	chromium --headless --no-sandbox --disable-gpu --dump-dom \
		"file://$NIGHTLY_RESULTS/index.html" >"$dom" 2>"$CHECK_LOGS/chromium.log" || return 1
	grep -q '<table id="matrix">' "$dom" || return 1
	grep -q '<img alt="build durations" src="build.svg">' "$dom" || return 1
	href=$(grep -o '<td class="fail">FAIL</td><td>[^<]*</td><td>.*class="log" href="[^"]*"' "$dom" |
		sed 's/.*class="log" href="\([^"]*\)"/\1/' | head -n 1)
	echo "failed cell's log: $href"
	[ -n "$href" ] && [ -s "$NIGHTLY_RESULTS/$href" ]
}

# Host-only: the matrix, its shards and the workflow file.
nightly_matrix_checks() {
	check nightly_shards_cover_matrix shards_cover_matrix
	check nightly_workflow_in_step workflow_in_step
	check nightly_debug_cells_rig_alone debug_cells_rig_alone
	expect nightly_bad_matrix 2 "MATRIX: cannot use 'arch=sparc'" -- \
		make -s -C "$TOP" nightly-list MATRIX=arch=sparc
}

nightly_checks() {
	rm -rf "$NIGHTLY_RESULTS"
	expect nightly_four_cells 0 '^[0-9]+ passed, 0 failed, [0-9]+ skipped, 4 flaky$' -- \
		make -C "$TOP" nightly RESULTS_DIR="$NIGHTLY_RESULTS" SUITES=rig \
		MATRIX="arch=um,x86_64 kernel=6.12 cgroup=v2,v1 debug=0 preempt=full cpus=2" TESTS=reparent_slab,selftest_flaky
	check nightly_cells_have_exports cells_have_exports
	# run.sh, not make: make turns every failure into 2.
	expect nightly_failed_cell 1 '^1 passed, 1 failed' -- \
		env RESULTS_DIR="$NIGHTLY_RESULTS" RERUN=0 SUITES=rig "$TOP/run.sh" nightly \
		MATRIX=um-6.12-v2-debug0 TESTS=selftest_flaky
	check nightly_index_renders index_renders
}

# A DEBUG cell runs the rig's suite alone, unless SUITES was given.
debug_cells_rig_alone() {
	(
		# shellcheck source=/dev/null
		. "$TOP/tests/commands/nightly.sh"
		[ "$(printf 'um 6.12 v2 0 -\nx86_64 6.12 v2 1 none\n' | SUITES_GIVEN='' nightly_suites)" = \
			"$(printf 'um 6.12 v2 0 -\nx86_64 6.12 v2 1 none rig\n')" ] &&
			[ "$(echo 'um 6.12 v2 1 -' | SUITES_GIVEN=1 nightly_suites)" = 'um 6.12 v2 1 -' ]
	)
}
