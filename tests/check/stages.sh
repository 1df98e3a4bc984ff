# shellcheck shell=bash disable=SC2016,SC2030,SC2031,SC2153
# The host stages that need no kernel, each on recorded inputs in
# tests/check/fixtures/: patch (a toy tree and series), rootfs (its
# listing), report (summary.txt), export (junit.xml, metadata.json),
# bisect's exit-code mapping and make mutants' verdicts.

# The pipeline's functions, as run.sh has them, in a subshell's caller.
stages_load() {
	local f
	RIG_TOP=$TOP
	for f in common ktap results parse parse_kselftest parse_known report export tree source patch kselftest rootfs; do
		# shellcheck source=/dev/null
		. "$TOP/tests/pipeline/$f.sh"
	done
}

# patch_fixture SERIES STATE: the toy tree as a packaged source whose
# state file says STATE ("pristine" or what a run left), the series
# applied; prints the patched file.
patch_fixture() (
	stages_load
	local src=$CHECK_LOGS/patch-tree/linux-fixture rev="package fixture"
	BUILD_DIR=$CHECK_LOGS/patch-build RUN_DIR=$CHECK_LOGS/patch-run
	SERIES=$FIXTURES/series/series-$1
	mkdir -p "$BUILD_DIR" "$RUN_DIR"
	# what the source stage records
	rm -f "$RUN_DIR/facts.json"
	fact_put src "$src"
	fact_put src_kind packaged
	fact_put src_id fixture
	fact_put source "$rev"
	if [ ! -d "$src" ]; then
		mkdir -p "$src" && cp -r "$FIXTURES/tree/." "$src/"
		echo "$rev $(series_pristine_hash)" >"$src.applied"
	fi
	patch_stage
	cat "$(fact "$RUN_DIR" tree)/mm/memcontrol.c"
)

# Applies; a second series goes on the pristine tree, not on the first
# (both change the same line); a patch that does not apply is one line
# naming the file and hunk, exit 125, and the tree is never left
# half-patched as if it were whole.
patch_checks() {
	rm -rf "$CHECK_LOGS/patch-tree"
	check patch_applies eval '[ "$(patch_fixture b20 | sed -n 2p)" = "int b = 20;" ]'
	check patch_reapplied_from_pristine eval '[ "$(patch_fixture b30 | sed -n 2p)" = "int b = 30;" ]'
	expect patch_does_not_apply 125 '^rig: error: patch stale.patch does not apply: mm/memcontrol.c Hunk #1 FAILED at 1; refresh it against 6.99.0-fixture ' -- \
		bash -c '. "$0/tests/check/stages.sh"; TOP=$0 FIXTURES=$1 CHECK_LOGS=$2; patch_fixture stale' \
		"$TOP" "$FIXTURES" "$CHECK_LOGS"
	check patch_failed_tree_dirty grep -qx 'dirty' "$CHECK_LOGS/patch-tree/linux-fixture.applied"
}

# The cpio listing: init, the suite, busybox and its applets, the
# cgroup-tools with their libraries, every host file it names present.
rootfs_listing() (
	stages_load
	local spec
	spec=$(SUITES=rig rootfs_spec /BIN)
	printf '%s\n' "$spec" | grep -qx 'file /init /BIN/init 0755 0 0' &&
		printf '%s\n' "$spec" | grep -qx 'file /bin/kmemcg-suite /BIN/kmemcg-suite 0755 0 0' &&
		printf '%s\n' "$spec" | grep -qx 'slink /bin/sh busybox 0777 0 0' &&
		printf '%s\n' "$spec" | grep -q '^file /bin/cgcreate ' || return 1
	printf '%s\n' "$spec" | awk '$1 == "file" && $3 !~ /^\/BIN\// { print $3 }' |
		while read -r f; do [ -e "$f" ] || { echo "missing: $f"; exit 1; }; done
)

# A recorded failing run folder (the parse check's) through report and
# export: summary.txt names the failure with its diagnostics, junit.xml
# is valid XML that counts what results.txt holds, metadata.json says fail.
# fixture_run DIR: the failing fixture log parsed into a run folder, with
# the request and facts the earlier stages would have written.
fixture_run() {
	RUN_DIR=$1
	rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
	"$TOP/run.sh" parse "$FIXTURES/fail.log" 1 "$RUN_DIR" >/dev/null 2>&1 || true
	cp "$FIXTURES/fail.log" "$RUN_DIR/console.log"
	jq -n --arg series "$TOP/patches/series" '{ arch: "um", kernel: "6.12", kernel_src: "",
		series: $series, cgroup: "v2", debug: 0, suites: "rig", tests: "" }' >"$RUN_DIR/request.json"
	fact_put source "package fixture"
	fact_put series_hash 0123
	fact_put config_hash 4567
	fact_put kernel_release 6.12.0-fixture
	printf 'boot        1.0\nsuite       2.0\n' >"$RUN_DIR/timings.txt"
}

report_export_fixture() (
	stages_load
	fixture_run "$CHECK_LOGS/report-run"
	report_stage >/dev/null 2>&1 || true
	export_stage 1
)

# ./run.sh report DIR: the same summary, junit.xml and metadata.json again
# from the run folder's files alone.
report_alone() {
	local d=$CHECK_LOGS/report-run f rc=0
	for f in summary.txt junit.xml metadata.json; do cp "$d/$f" "$d/$f.first"; done
	"$TOP/run.sh" report "$d" >"$d/report-alone.txt" 2>&1 || rc=$?
	[ "$rc" = 1 ] || { echo "run.sh report: exit $rc, expected 1 (a failed run)"; return 1; }
	diff "$d/summary.txt.first" "$d/summary.txt" &&
		diff <(sed 's/ timestamp="[^"]*"//' "$d/junit.xml.first") <(sed 's/ timestamp="[^"]*"//' "$d/junit.xml") &&
		diff <(jq -S 'del(.reproduce)' "$d/metadata.json.first") <(jq -S 'del(.reproduce)' "$d/metadata.json")
}

# flaky_fixture LISTED: the failing fixture folder with a rerun that
# passed (flaky.txt), its known failures listing the test as flaky or not:
# report_stage's exit, closing line and summary.
flaky_fixture() (
	stages_load
	fixture_run "$CHECK_LOGS/flaky-$1"
	echo reparent_slab >"$RUN_DIR/flaky.txt"
	[ "$1" = unlisted ] || printf 'flaky:reparent_slab\tcg_wait_gone:still-dying\tlisted with its rate\n' >"$RUN_DIR/known.txt"
	report_stage
)

report_checks() {
	check report_export_run report_export_fixture
	check report_summary_names_failure grep -qE '^not ok [0-9]+ [a-z_]+' "$CHECK_LOGS/report-run/summary.txt"
	check report_summary_has_diagnostics grep -q '^    # ' "$CHECK_LOGS/report-run/summary.txt"
	check export_junit_valid xmllint --noout "$CHECK_LOGS/report-run/junit.xml"
	check export_junit_counts eval '[ "$(xmllint --xpath "count(//testcase)" "$CHECK_LOGS/report-run/junit.xml")" = "$(wc -l <"$CHECK_LOGS/report-run/results.txt")" ] &&
		[ "$(xmllint --xpath "count(//testcase/failure)" "$CHECK_LOGS/report-run/junit.xml")" = 1 ]'
	check export_metadata_valid jq -e '.verdict == "fail" and .failed == 1 and .arch == "um" and (.reproduce | test("run.sh"))' \
		"$CHECK_LOGS/report-run/metadata.json"
	check report_alone_on_run_folder report_alone
	expect flaky_unlisted_fails_report 1 '^2 passed, 0 failed, 0 skipped, 1 flaky$' -- flaky_fixture unlisted
	check flaky_unlisted_named grep -q 'FLAKY is a failure: reparent_slab not listed' "$CHECK_LOGS/flaky_unlisted_fails_report.log"
	check flaky_in_summary grep -q '^reparent_slab  *FLAKY' "$CHECK_LOGS/flaky-unlisted/summary.txt"
	expect flaky_listed_passes 0 '^2 passed, 0 failed, 0 skipped, 1 flaky$' -- flaky_fixture listed
}

# bisect-step's mapping of a run's exit code to git bisect run's: a stub
# run.sh exits with the codes in $STUB_CODES, one per call.
bisect_mapping() (
	local dir=$CHECK_LOGS/bisect-map want=$1 got=0 calls
	shift
	rm -rf "$dir" && mkdir -p "$dir/rig" "$dir/linux"
	git -C "$dir/linux" init -q && git -C "$dir/linux" -c user.name=c -c user.email=c@c commit -q --allow-empty -m one
	printf '%s\n' "$@" >"$dir/codes"
	cat >"$dir/rig/run.sh" <<'STUB'
#!/bin/sh
n=$(($(cat "$(dirname "$0")/calls" 2>/dev/null || echo 0) + 1))
echo "$n" >"$(dirname "$0")/calls"
echo "$*" >>"$(dirname "$0")/args"
exit "$(sed -n "${n}p" "$(dirname "$0")/../codes")"
STUB
	chmod +x "$dir/rig/run.sh"
	(
		stages_load
		# shellcheck source=tests/commands/bisect.sh
		. "$TOP/tests/commands/bisect.sh"
		RIG_TOP=$dir/rig KERNEL_SRC=$dir/linux RESULTS_DIR=$dir/results REPEAT=1
		BISECT_VERDICTS=$dir/verdicts ARCH=um CGROUP=v2
		bisect_step
	) >/dev/null 2>&1 || got=$?
	calls=$(cat "$dir/rig/calls")
	[ "$got" = "$want" ] || { echo "codes $*: exit $got, expected $want"; return 1; }
	# a repeat boots the kernel the first run built (./run.sh boot DIR)
	if [ "$calls" -gt 1 ] && ! sed -n 2p "$dir/rig/args" | grep -q "^boot "; then
		echo "codes $*: the repeat ran \"$(sed -n 2p "$dir/rig/args")\", expected boot DIR"
		return 1
	fi
	echo "codes $*: exit $got after $calls run(s)"
)

bisect_mapping_checks() {
	check bisect_map_pass bisect_mapping 0 0
	check bisect_map_fail bisect_mapping 1 1 1
	check bisect_map_flaky_skips bisect_mapping 125 1 0
	check bisect_map_cannot_test bisect_mapping 125 125
	check bisect_map_rig_error bisect_mapping 128 2
}

# make mutants' verdict from what each boot showed: a stub mutant_boot
# sets what mutants.sh's would, from "$MUT_CASE".
mutants_verdict() (
	local want=$1
	# shellcheck source=tests/commands/mutants.sh
	MUTANTS_LIB=1 . "$TOP/tests/commands/mutants.sh"
	mutant_boot() {
		case "$MUT_CASE" in
		killed) FAILED=",reparent_slab" ;;
		survived) PASSED=",reparent_slab" ;;
		# a test that could not look on this kernel is no kill
		skipped) SKIPPED=",tmpfs_xattr" ;;
		partly) FAILED=",reparent_slab" SKIPPED=",tmpfs_xattr" ;;
		broken) BROKEN="no boot"; return 1 ;;
		esac
		KSFT_RAN=$KSFT_N KSFT_FAILED=$KSFT_F
	}
	verdict no-drain-at-offline
	[ "$VERDICT" = "$want" ] || { echo "$MUT_CASE ksft=$KSFT_F: $VERDICT, expected $want"; return 1; }
)

mutants_table_checks() {
	check mutants_killed_by_both env MUT_CASE=killed KSFT_N=3 KSFT_F=,test_kmem.x bash -c '. "$0/tests/check/stages.sh"; TOP=$0; mutants_verdict "killed by both"' "$TOP"
	check mutants_killed_by_rig env MUT_CASE=killed KSFT_N=3 KSFT_F= bash -c '. "$0/tests/check/stages.sh"; TOP=$0; mutants_verdict "killed by rig"' "$TOP"
	check mutants_kselftest_alone env MUT_CASE=survived KSFT_N=3 KSFT_F=,test_kmem.x bash -c '. "$0/tests/check/stages.sh"; TOP=$0; mutants_verdict "killed by kselftest alone: the rig misses it"' "$TOP"
	check mutants_survived env MUT_CASE=survived KSFT_N=0 KSFT_F= bash -c '. "$0/tests/check/stages.sh"; TOP=$0; mutants_verdict survived' "$TOP"
	check mutants_skipped_is_no_kill env MUT_CASE=skipped KSFT_N=0 KSFT_F= bash -c '. "$0/tests/check/stages.sh"; TOP=$0; mutants_verdict broken' "$TOP"
	check mutants_killed_beside_a_skip env MUT_CASE=partly KSFT_N=0 KSFT_F= bash -c '. "$0/tests/check/stages.sh"; TOP=$0; mutants_verdict "killed by rig"' "$TOP"
	check mutants_broken env MUT_CASE=broken KSFT_N=0 KSFT_F= bash -c '. "$0/tests/check/stages.sh"; TOP=$0; mutants_verdict broken' "$TOP"
}

stage_checks() {
	patch_checks
	check rootfs_listing rootfs_listing
	check config_unmet_dependency config_deps_fixture
	rerun_checks
	report_checks
	bisect_mapping_checks
	mutants_table_checks
}

# rerun_fixture CASE: rerun_stage on the failing fixture folder with a
# stub run.sh that records its calls. pass: the failed test is booted
# again from the run folder, alone, and becomes flaky; still: it fails
# again and nothing is flaky; unbootable: the kernel cannot be booted
# again (exit 2), tried once of three, the failure stands; problem,
# splat: never rerun.
rerun_fixture() (
	local d=$CHECK_LOGS/rerun-$1 stub=$CHECK_LOGS/rerun-$1-rig rc=0
	stages_load
	. "$TOP/tests/pipeline/rerun.sh"
	fixture_run "$d"
	rm -f "$stub/called"
	mkdir -p "$stub" && printf '#!/bin/sh\necho "$*" >>"%s/called"\nexit %s\n' \
		"$stub" "$(case $1 in still) echo 1 ;; unbootable) echo 2 ;; *) echo 0 ;; esac)" >"$stub/run.sh" && chmod +x "$stub/run.sh"
	case "$1" in
	problem) echo "the guest stopped" >"$d/problem.txt" ;;
	splat) echo "kernel_log fail oops: Oops" >>"$d/results.txt" ;;
	esac
	RIG_TOP=$stub rerun_stage "$d" 3 2>/dev/null || rc=$?
	[ "$rc" = 0 ] || { echo "rerun_stage exit $rc"; return 1; }
	case "$1" in
	pass) [ "$(cat "$stub/called")" = "boot $d RERUN=0 SUITES=rig TESTS=reparent_slab RESULTS_DIR=$d/rerun" ] && [ "$(cat "$d/flaky.txt")" = reparent_slab ] ;;
	still) [ "$(grep -c . "$stub/called")" = 3 ] && [ ! -e "$d/flaky.txt" ] ;;
	unbootable) [ "$(grep -c . "$stub/called")" = 1 ] && [ ! -e "$d/flaky.txt" ] ;;
	*) [ ! -e "$stub/called" ] && [ ! -e "$d/flaky.txt" ] ;;
	esac
)

rerun_checks() {
	local c
	for c in pass still unbootable problem splat; do
		check "rerun_$c" rerun_fixture "$c"
	done
}

# The config stage's dependency rule on a toy Kconfig: ZRAM depends on
# ZSMALLOC (off in the .config, so named) and on BLOCK (on), not on
# !EXPERT (a negation), the way 5.4's drivers/block/zram/Kconfig reads.
config_deps_fixture() (
	local d=$CHECK_LOGS/config-deps
	stages_load
	. "$TOP/tests/pipeline/config.sh"
	rm -rf "$d" && mkdir -p "$d/tree/drivers" "$d/out"
	printf 'config ZRAM\n\ttristate "zram"\n\tdepends on BLOCK && ZSMALLOC && !EXPERT\n\tselect CRYPTO_LZO\n\nconfig ZSMALLOC\n\ttristate "zsmalloc"\n' \
		>"$d/tree/drivers/Kconfig"
	printf 'CONFIG_BLOCK=y\n# CONFIG_ZSMALLOC is not set\n' >"$d/out/.config"
	TREE=$d/tree O=$d/out
	[ "$(config_unmet_deps ZRAM)" = "ZRAM ZSMALLOC" ]
)
