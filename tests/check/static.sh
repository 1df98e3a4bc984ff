# shellcheck shell=bash
# Static checks: shellcheck, the C code built with -Werror, checkpatch.

shell_scripts() {
	git -C "$TOP" ls-files | while read -r f; do
		case "$f" in
		*.sh | .ci/run) echo "$TOP/$f" ;;
		esac
	done
}

# SC2034 (a variable nobody reads) is never off for a whole file: a
# variable one file sets for another says so where it is set.
check_shellcheck() {
	# shellcheck disable=SC2046
	shellcheck -x $(shell_scripts) &&
		! grep -n "^# shellcheck shell=.*SC2034" $(shell_scripts)
}

check_c_werror() {
	local out=$CHECK_LOGS/c-build
	rm -rf "$out"
	make -C "$TOP/tests/guest" O="$out" && make -C "$TOP/rootfs" O="$out"
}

# Userspace has no compiler_attributes.h: __printf is ours, so the
# "prefer __printf" advice does not apply. A file checkpatch passed is
# not checked again while it and checkpatch (its script, spelling and
# const lists) stay the same: build/check-cache keeps one empty file per
# (checkpatch, file) hash pair, so a run after an edit rechecks only the
# edited files (a fresh clone checks them all).
check_checkpatch() {
	local src=$TOP/build/src/linux-6.12 cache=$TOP/build/check-cache/checkpatch tool f h
	local -a todo=() done=()
	tool=$(cat "$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
		"$src/scripts/const_structs.checkpatch" | sha256sum | cut -c1-16)
	mkdir -p "$cache"
	while read -r h f; do
		if [ -e "$cache/$tool-${h:0:32}" ]; then
			done+=("$f")
		else
			todo+=("$f")
		fi
	done < <(sha256sum "$TOP"/tests/guest/*.[ch] "$TOP"/tests/guest/lib/*.[ch] "$TOP"/rootfs/*.c)
	echo "checkpatch: ${#todo[@]} files to check, ${#done[@]} unchanged since they passed"
	[ ${#todo[@]} -gt 0 ] || return 0
	perl "$src/scripts/checkpatch.pl" --no-tree --terse --quiet \
		--ignore PREFER_DEFINED_ATTRIBUTE_MACRO -f "${todo[@]}" || return 1
	sha256sum "${todo[@]}" | while read -r h f; do : >"$cache/$tool-${h:0:32}"; done
}

static_checks() {
	check_start shellcheck check_shellcheck
	check_start c_werror check_c_werror
	check tests_can_fail check_tests_can_fail
	check measured_files_intact check_measured_files
	check measured_edit_caught check_measured_edit
	check generated_tables_written check_generated_tables
	check one_ktap_reader check_one_ktap_reader
	check one_results_reader check_one_results_reader
	check guest_lib_layered check_guest_lib_layered
	check tests_where_named check_tests_where_named
	check rig_variables_documented check_rig_variables
	check user_variables_documented check_user_variables
	check stages_call_one_way check_stages_one_way
	check stage_variables_one_owner check_stage_variables
	check stage_reads_records check_stage_reads
	check known_failures_exact check_known_entries
	check known_rates_from_soaks check_known_rates
	check known_rates_states check_known_rates_states
	check mutants_tables_current check_mutants_tables
	check mutants_table_short_caught check_mutants_table_short
	check mutants_stale_merge check_mutants_stale_merge
	check mutants_series_changed check_mutants_series_changed
	check_end shellcheck
	check_end c_werror
	# the suite binary c_werror built reads recorded counters
	check counter_reads check_counter_reads
}

# Every entry whose rate is "soak" was seen by the recorded soaks of its
# kernel, arch, cgroup and debug (make known).
check_known_rates() {
	"$TOP/run.sh" known
}

# make known on a recorded soak: an entry it saw is measured, one it could
# see and did not is stale, one no soak covers is unmeasured.
check_known_rates_states() {
	local d=$CHECK_LOGS/known-states out
	mkdir -p "$d/measured"
	printf '%s\n' '# Written by make soak N=20 ARCH=um on 2026-12-06: 3 of 20 runs failed; kernel 6.12.118. Do not edit.' \
		'# body sha256 0' 'guest kernel|era|arch|cgroup|debug|cpus|nodes: 6.12|obj_cgroup|um|v2|0|1|1' '' \
		'test                     signature                                                 runs  hits' \
		'limit_max_reclaim        check_pressure:oom-killed-then-reclaimed                    20     3' >"$d/measured/soak-um.txt"
	printf 'limit_max_reclaim\tcheck_pressure:oom-killed-then-reclaimed\t6.12\t*\t*\t*\tsoak\tseen\n' >"$d/known"
	printf 'pins\tcg_wait_gone:still-dying\t6.12\tum\t*\t*\tsoak\tnot seen\n' >>"$d/known"
	printf 'pins\tcg_wait_gone:still-dying\t6.1\tum\t*\t*\tsoak\tno soak\n' >>"$d/known"
	out=$(RIG_KNOWN_FAILURES=$d/known KNOWN_SOAKS=$d/measured "$TOP/run.sh" known) && return 1
	printf '%s\n' "$out"
	printf '%s\n' "$out" | grep -q '^measured   limit_max_reclaim .*: 3 of 20 soak runs (soak-um.txt 3/20)$' &&
		printf '%s\n' "$out" | grep -q '^stale      pins cg_wait_gone:still-dying: 0 of 20' &&
		printf '%s\n' "$out" | grep -q '^unmeasured pins cg_wait_gone:still-dying: no soak'
}

# make check runs a few mutations; the recorded tables of make mutants
# prove the rest. Each holds a killed row for every shipped mutation of
# its arch and era, with its Expect-fail lines as they are now.
check_mutants_tables() {
	local f bad=0
	for f in "$TOP"/tests/measured/mutants-*.txt; do
		mutants_covered "$f" || bad=1
	done
	return "$bad"
}

# mutants_covered TABLE [names], from mutants.sh (which sets its own TOP and -e).
mutants_covered() {
	MUTANTS_LIB=1 bash -c '. "$0"; set +e; mutants_covered "$@"' "$TOP/tests/commands/mutants.sh" "$@"
}

# A table that lacks a row fails that check.
check_mutants_table_short() {
	local short=$CHECK_LOGS/mutants-short.txt out
	head -n 4 "$TOP/tests/measured/mutants-um.txt" >"$short"
	out=$(mutants_covered "$short") && return 1
	printf '%s\n' "$out" | grep -q 'no row for xattr-unaccounted (expect-fail tmpfs_xattr): rerun make mutants-stale ARCH=um KERNEL=6.12$'
}

# make mutants-stale on a table short of its last three rows: the stale names are the
# missing rows; rows for them, merged, make the table current again and
# leave the measured rows as they were.
check_mutants_stale_merge() {
	local d=$CHECK_LOGS/mutants-stale t names
	rm -rf "$d" && mkdir -p "$d/rows"
	t=$d/mutants-um.txt
	head -n -3 "$TOP/tests/measured/mutants-um.txt" >"$t"
	names=$(mutants_covered "$t" names) && return 1
	# the three rows taken away are among them
	[ "$(tail -n 3 "$TOP/tests/measured/mutants-um.txt" | cut -d" " -f1 | grep -cxF -f - <(printf '%s\n' "$names"))" = 3 ] ||
		{ echo "stale names: $names"; return 1; }
	ARCH=um MUTANTS_LIB=1 bash -c '. "$0"; set +e
		for n in $1; do
			printf "%s\t%s\tkilled\tnot run\tkilled by rig\n" "$n" "$(expected_all "$MUT_DIR/$n.patch")" >"$2/rows/$n"
		done
		OUT=$2 ROWS=$2/rows MUT_MERGE=$3 MUTANTS=$(echo $1 | tr " " ,) mutants_merge' \
		"$TOP/tests/commands/mutants.sh" "$names" "$d" "$t" || return 1
	mutants_covered "$t" || return 1
	head -n 1 "$t" | grep -q ': [0-9]* of [0-9]* killed by the rig; .*; rows .* rerun on ' || { head -n 1 "$t"; return 1; }
	diff <(sed -n 5p "$TOP/tests/measured/mutants-um.txt" | tr -s ' ') <(grep "^$(sed -n '5s/ .*//p' "$t") " "$t" | tr -s ' ')
}


# A table measured with a series whose kernel patches changed since (a
# fix added) is stale as a whole; one whose series changed only in its
# selftest hunks or commit messages is not.
check_mutants_series_changed() {
	local d=$CHECK_LOGS/mutants-series t out
	rm -rf "$d" && mkdir -p "$d/s"
	t=$d/mutants-um-s.txt
	printf 'series-kernel.patch\n' >"$d/s/series"
	printf 'From: x\nSubject: a message\n---\n--- a/mm/memcontrol.c\n+++ b/mm/memcontrol.c\n@@ -1 +1 @@\n-a\n+b\n' >"$d/s/series-kernel.patch"
	sed "1s|; series series|; series $d/s/series; patches $(series_digest_of "$d/s/series")|" "$TOP/tests/measured/mutants-um.txt" >"$t"
	mutants_covered "$t" >/dev/null || { mutants_covered "$t"; return 1; }
	# a selftest hunk and a new message leave it current
	printf 'From: x\nSubject: another message\n---\n--- a/mm/memcontrol.c\n+++ b/mm/memcontrol.c\n@@ -1 +1 @@\n-a\n+b\n--- a/tools/testing/selftests/cgroup/t.c\n+++ b/tools/testing/selftests/cgroup/t.c\n@@ -1 +1 @@\n-c\n+d\n' >"$d/s/series-kernel.patch"
	mutants_covered "$t" >/dev/null || { mutants_covered "$t"; return 1; }
	# a kernel hunk changed makes it stale
	sed -i 's/^+b$/+e/' "$d/s/series-kernel.patch"
	out=$(mutants_covered "$t") && return 1
	printf '%s\n' "$out" | grep -q "the patches of $d/s/series changed since it was measured"
}

series_digest_of() {
	MUTANTS_LIB=1 bash -c '. "$0"; series_patch_digest "$1" rig' "$TOP/tests/commands/mutants.sh" "$1"
}
# tests/measured/ is written by make soak, mutants and bench, never by hand:
# each file's body must still match the hash in its header.
check_measured_files() {
	local f
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	for f in "$TOP"/tests/measured/*.txt; do
		[ -f "$f" ] || continue
		measured_intact "$f" || { echo "$f was edited by hand: rerun $(sed -n '1s/^# Written by \(make [a-z]*\).*/\1/p' "$f")"; return 1; }
	done
}

# The generated tables hold what their commands would write from the
# recorded files now (make releases: tests/measured/releases.md from
# releases-*.txt; make known: tests/known-failures.md from
# tests/known-failures and the soaks).
check_generated_tables() {
	# shellcheck disable=SC2034 # the commands' functions read it
	local RIG_TOP=$TOP
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	# shellcheck source=tests/commands/releases.sh
	. "$TOP/tests/commands/releases.sh"
	diff -u "$TOP/tests/measured/releases.md" <(releases_markdown) ||
		{ echo "tests/measured/releases.md is not what make releases wrote: rerun make releases"; return 1; }
	diff -u <(tail -n +3 "$TOP/tests/known-failures.md") <("$TOP/run.sh" known markdown) ||
		{ echo "tests/known-failures.md is not what make known writes now: run make known"; return 1; }
}

# The driver calls stages, stages call helpers (common, tree, guest, ktap,
# cells), never another stage: no function of one stage's files is named
# in another's code. Files of one stage: rootfs with kselftest, boot with
# arch/, parse with parse_kselftest and parse_known, report with export.
check_stages_one_way() {
	local d=$TOP/tests/pipeline g f
	local -a groups=(source patch config build "rootfs kselftest" "boot arch/um arch/x86_64"
		"parse parse_kselftest parse_known" rerun "report export" index)
	# One pass: each file's group, then every definition and every word
	# (outside comments) of each group.
	for g in "${groups[@]}"; do
		for f in $g; do printf '%s\t%s\n' "$d/$f.sh" "$g"; done
	done >"$CHECK_LOGS/stage-groups"
	# shellcheck disable=SC2046 # the files, one word each
	awk -F'\t' 'NR == FNR { grp[$1] = $2; next }
		FNR == 1 { g = grp[FILENAME]; seen[g] = 1; f = FILENAME; sub(/.*\//, "", f) }
		/^[a-z_0-9]+\(\) \{/ { n = $0; sub(/\(.*/, "", n); def[n] = g; file[n] = f }
		/^[ \t]*#/ { next }
		{ s = $0; gsub(/[^A-Za-z0-9_]+/, " ", s); k = split(s, w, " "); for (i = 1; i <= k; i++) used[g SUBSEP w[i]] = 1 }
		END {
			for (n in def) for (h in seen) if (h != def[n] && ((h SUBSEP n) in used)) { print n " (" file[n] ") is called from " h; bad = 1 }
			exit bad
		}' "$CHECK_LOGS/stage-groups" $(cut -f1 "$CHECK_LOGS/stage-groups")
}

# KTAP results are read in tests/pipeline/ktap.sh only: no other stage or
# command matches a result line itself.
check_one_ktap_reader() {
	! git -C "$TOP" grep -nE '\^\(not \)\?ok|\^not ok|\^ok ' -- run.sh tests/pipeline tests/commands ':!tests/pipeline/ktap.sh'
}

# A run folder is read through tests/pipeline/results.sh only: no other
# stage or command names results.txt, console.log or results/latest in its
# code (comments may).
check_one_results_reader() {
	! git -C "$TOP" grep -nE 'results\.txt|console\.log|[/ "]latest\b' -- \
		run.sh tests/pipeline tests/commands ':!tests/pipeline/results.sh' ':!*.md' |
		grep -vE '^[^:]+:[0-9]+:[[:space:]]*#'
}

# A test lives in the file named for it, or for a group whose name each
# of its tests starts with (reparent.c: reparent_slab, reparent_chain).
check_tests_where_named() {
	grep -H "^int test_[a-z0-9_]*(void)" "$TOP"/tests/guest/*.c |
		sed "s|.*/||; s|\.c:int test_| |; s|(void).*||" |
		awk '$2 != $1 && index($2, $1 "_") != 1 { print "test " $2 " lives in " $1 ".c: put it in " $2 ".c or a file its group names"; bad = 1 } END { exit bad }'
}

# Every variable of tests/pipeline/variables.list (what make and run.sh
# accept) is in README.md, and every row of README's Options table names
# only variables of the list.
check_user_variables() {
	local list=$TOP/tests/pipeline/variables.list v bad=0
	while read -r v _; do
		grep -qw "$v" "$TOP/README.md" || { echo "$v ($list) is not in README.md"; bad=1; }
	done < <(sed "s/#.*//; /^$/d" "$list")
	for v in $(sed -n "/^## Options/,/^## /s/^| \\([A-Z][A-Z0-9_, ]*[A-Z0-9]\\) *|.*/\\1/p" "$TOP/README.md" | tr -d ,); do
		awk -v v="$v" '$1 == v { f = 1 } END { exit !f }' "$list" || { echo "README.md's Options name $v, which is not in $list"; bad=1; }
	done
	return "$bad"
}

# Every RIG_* variable the shell code names or the guest reads (getenv) is
# in common.sh's table of them, which says who sets it, who reads it
# and why it must cross a process.
check_rig_variables() {
	{
		git -C "$TOP" grep -ohE "\bRIG_[A-Z_]+\b" -- run.sh tests/pipeline tests/commands
		# and every one anything under tests/ sets (grep -rn 'RIG_[A-Z_]*=')
		git -C "$TOP" grep -ohE "RIG_[A-Z_]*=" -- run.sh tests | sed 's/=$//'
		git -C "$TOP" grep -ohE "getenv\(\"RIG_[A-Z_]+|setenv\(\"RIG_[A-Z_]+" -- rootfs tests/guest | sed "s/.*\"//"
	} | sort -u | while read -r v; do
		grep -qE "^#   (.* )?$v( |$)" "$TOP/tests/pipeline/common.sh" ||
			echo "$v is not in tests/pipeline/common.sh's table of RIG_* variables"
	done | grep . && return 1
	return 0
}

# lib_include_edges DIR: "module module-it-includes" for the guest
# library's files (x.c and x.h are module x).
lib_include_edges() {
	local f m
	for f in "$1"/*.[ch]; do
		m=${f##*/}
		m=${m%.?}
		sed -n 's/^#include "\(.*\)\.h"$/\1/p' "$f" | awk -v m="$m" '$1 != m { print m, $1 }'
	done
}

# The guest library is layered (poll below cg below era and ledger below
# wait below outlive): its includes have no loop, and a loop put into a
# copy (cg including wait) is found.
check_guest_lib_layered() {
	local lib=$TOP/tests/guest/lib copy=$CHECK_LOGS/lib-loop
	lib_include_edges "$lib" | tsort >/dev/null || return 1
	rm -rf "$copy" && cp -r "$lib" "$copy" && echo '#include "wait.h"' >>"$copy/cg.c"
	if lib_include_edges "$copy" | tsort >/dev/null 2>&1; then
		echo "a loop (cg.c including wait.h) was not found"
		return 1
	fi
}

# A line changed by hand in a copy of a recorded file must be caught.
check_measured_edit() {
	local f copy=$CHECK_LOGS/measured-edited.txt
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	for f in "$TOP"/tests/measured/*.txt; do
		sed '$s/$/ edited/' "$f" >"$copy"
		cmp -s "$f" "$copy" && { echo "$f: the edit changed nothing"; return 1; }
		if measured_intact "$copy"; then
			echo "$f edited by hand (last line) was taken as intact"
			return 1
		fi
	done
}

# Every rig test is named by a mutation's Expect-fail line (one that
# shows it can fail), or tests/unmutated says why none can.
check_tests_can_fail() {
	local t bad=0
	while read -r t; do
		grep -qE "^Expect-fail[^:]*:.*\b$t\b" "$TOP"/patches/mutations/*.patch ||
			grep -q "^$t	." "$TOP/tests/unmutated" || {
			echo "$t: no mutation's Expect-fail names it and tests/unmutated gives no reason"
			bad=1
		}
	done < <(sed -n 's/^\tT(\([a-z_0-9]*\)),*$/\1/p' "$TOP/tests/guest/suite.c")
	return "$bad"
}

# A figure read wrong must fail, never count as 0 or as "absent": the
# suite's own reader on recorded files (good, empty, not a number, no
# such file, a key with no value, a key that is not there).
check_counter_reads() {
	local suite=$CHECK_LOGS/c-build/kmemcg-suite dir=$FIXTURES/counters
	[ "$("$suite" --read "$dir" memory.current)" = 8192 ] &&
		[ "$("$suite" --read "$dir" memory.stat slab)" = 1024 ] || return 1
	for bad in memory.empty memory.garbage memory.missing \
		"memory.stat kernel" "memory.stat percpu" "memory.stat sock"; do
		# shellcheck disable=SC2086
		if "$suite" --read "$dir" $bad; then
			echo "read $bad: expected a failure"
			return 1
		fi
	done
}

# The pipeline's files by stage (run.sh is the driver): the groups
# check_stage_variables and check_stage_reads judge.
stage_groups() {
	printf '%s\n' run.sh source patch config build "rootfs kselftest" "boot guest arch/um arch/x86_64" \
		"parse parse_kselftest parse_known" rerun "report export" index
}

# stage_group_files GROUP [DIR]: the group's files.
stage_group_files() {
	local f
	for f in $1; do
		case "$f" in run.sh) echo "$TOP/run.sh" ;; *) echo "${2:-$TOP/tests/pipeline}/$f.sh" ;; esac
	done
}

# Each global has one owner: no two stages (nor a stage and the driver,
# run.sh) assign the same variable. Statement lines that only assign
# count; "local" ones and VAR=value before a command do not.
check_stage_variables() {
	local g f
	stage_groups | while read -r g; do
		for f in $(stage_group_files "$g"); do
			stage_assigned "$f"
		done | sort -u | sed "s|^|${g// /+} |"
	done | awk '{ owner[$2] = owner[$2] " " $1; n[$2]++ }
		END { for (v in n) if (n[v] > 1) { print v " is assigned by" owner[v]; bad = 1 } exit bad }'
}

# No stage reads another stage's variable: a stage reads the records of
# the stages before it from the run folder (facts.json, facts_read), and
# the driver's globals (what was asked: the request) and the arch's
# description (ARCH_*) only. A name a file declares local is its own.
# Prints "GROUP reads VAR of OWNER" for each offence. [DIR]: another copy
# of tests/pipeline (the check's own test).
stage_reads_foreign() {
	local g f
	{
		stage_groups | while read -r g; do
			for f in $(stage_group_files "$g" "${1:-}"); do stage_assigned "$f"; done |
				sort -u | sed "s|^|A ${g// /+} |"
		done
		stage_groups | while read -r g; do
			for f in $(stage_group_files "$g" "${1:-}"); do stage_read "$f"; done |
				sort -u | sed "s|^|R ${g// /+} |"
		done
	} | awk '$1 == "A" { own[$3] = $2; next }
		($3 in own) && own[$3] != $2 && own[$3] != "run.sh" && $3 !~ /^ARCH_/ { print $2 " reads " $3 " of " own[$3] }'
}

# stage_read FILE: the globals FILE's code reads (outside comments), less
# the names it declares local.
stage_read() {
	grep -v '^[[:space:]]*#' "$1" | grep -oE '\$\{?[A-Z][A-Z0-9_]*' | sed 's/^\$[{]\{0,1\}//' | sort -u |
		grep -vxF -f <(stage_locals "$1"; echo '#')
}

stage_locals() {
	grep -E '^[[:space:]]*local[[:space:]]' "$1" | tr -s ' \t' '\n' |
		sed -n 's/^\([A-Z][A-Z0-9_]*\)\(=.*\)\{0,1\}$/\1/p' | sort -u
}

check_stage_reads() {
	local bad d=$CHECK_LOGS/stage-reads
	bad=$(stage_reads_foreign)
	[ -z "$bad" ] || { printf '%s\n' "$bad"; return 1; }
	# and it sees one: the build stage reading the patch stage's SERIES_HASH
	# shellcheck disable=SC2016 # the line, as the stage would have it
	rm -rf "$d" && cp -r "$TOP/tests/pipeline" "$d" && echo ': "$SERIES_HASH"' >>"$d/build.sh"
	[ "$(stage_reads_foreign "$d")" = "build reads SERIES_HASH of patch" ] ||
		{ echo "a build stage reading SERIES_HASH went unseen: $(stage_reads_foreign "$d")"; return 1; }
}

# stage_assigned FILE: the globals FILE's statements assign.
stage_assigned() {
	grep -E '^[[:space:]]*([A-Z][A-Z0-9_]*=("[^"]*"|\$\([^)]*\)|[^[:space:]]*)[[:space:]]*)+$' "$1" |
		awk '{
			sub(/^[[:space:]]*/, "")
			while (match($0, /^[A-Z][A-Z0-9_]*=("[^"]*"|\$\([^)]*\)|[^[:space:]]*)[[:space:]]*/)) {
				print substr($0, 1, index($0, "=") - 1)
				$0 = substr($0, RLENGTH + 1)
			}
		}'
}

# known_entries_exact [FILE]: every entry of tests/known-failures names a
# signature (never *, never a whole test or program, never an unnamed
# splat), its kernels, arches, cgroup and debug, and a measured rate; an
# unknown signature form is refused. Prints the bad entries.
known_entries_exact() {
	awk -F'\t' '
		/^[[:space:]]*(#|$)/ { next }
		{ bad = "" }
		NF != 8 { bad = NF " columns, expected 8" }
		bad == "" && ($1 == "" || $1 ~ /\*/) { bad = "no test" }
		bad == "" && ($2 == "" || $2 ~ /\*/ || $2 ~ /^unnamed/) { bad = "no signature" }
		bad == "" && $1 ~ /^kselftest\./ && $2 !~ /^(not-ok|skip)$/ { bad = "upstream signature not not-ok or skip" }
		bad == "" && $1 !~ /^(kselftest\.|kernel_log$)/ && $2 !~ /^[A-Za-z0-9_]+:[a-z0-9-]+$/ { bad = "rig signature not function:id" }
		bad == "" && ($3 == "" || $4 == "" || $5 == "" || $6 == "") { bad = "kernels, arches, cgroup or debug empty" }
		bad == "" && $7 != "soak" && $7 !~ /^unsoaked: .*[0-9]/ && !($7 ~ /^design: / && $1 ~ /selftest_/) { bad = "no measured rate (soak, or unsoaked: where it was measured)" }
		bad == "" && $8 !~ /^(kernel-bug|uml-bug|selftest-bug|era|rig|open): ./ { bad = "reason does not start with its class (kernel-bug, uml-bug, selftest-bug, era, rig or open)" }
		bad == "" && $8 ~ /^kernel-bug: / && $3 !~ /(^|,)until:/ { bad = "a kernel-bug entry ends at its fix (until:<patch> in kernels)" }
		bad == "" && $3 ~ /(^|,)until:/ && $8 !~ /^(kernel-bug|selftest-bug): / { bad = "only a kernel-bug or selftest-bug entry has a fix (until:)" }
		bad != "" { printf "line %d: %s: %s\n", NR, bad, $1 }' "${1:-$TOP/tests/known-failures}"
}

check_known_entries() {
	local bad
	bad=$(known_entries_exact) || return 1
	[ -z "$bad" ] || { printf '%s\n' "$bad"; return 1; }
	# an entry ends at a fix the repo has
	bad=$(grep -v '^[[:space:]]*#' "$TOP/tests/known-failures" | cut -f3 | tr ',' '\n' | sed -n 's/^until://p' |
		while read -r p; do [ -n "$(find "$TOP/patches/fixes" -name "$p")" ] || echo "until:$p: no such patch in patches/fixes/"; done)
	[ -z "$bad" ] || { printf '%s\n' "$bad"; return 1; }
	# and the check itself refuses a whole-test entry
	bad=$(known_entries_exact <(printf 'limit_max_reclaim\t*\t6.12\t*\t*\t*\t1 of 2\twhole\n'))
	[ -n "$bad" ]
}
