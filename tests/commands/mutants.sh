#!/usr/bin/env bash
# make mutants: prove that every test can fail. Each patch in
# patches/mutations/ breaks one behaviour and names, on an "Expect-fail:"
# line, the tests that must then fail. For each: the normal series plus
# the mutation, built incrementally, booted, those tests run. Killed: all
# of them failed and the kernel booted. Survived: one passed (a test that
# cannot see what it claims to check). Broken: no build or no boot (fix
# the mutation). The v2 boot also runs upstream's cgroup selftests
# (SUITES=rig,kselftest; KSFT_PROGRAMS=... for some of them, MUT_SUITES=rig
# for none, MUT_KSFT=a,b in those mutations only): the table says which
# suite killed each mutation, and one that upstream kills but the rig does
# not fails make mutants. MUT_JOBS mutations run at once. The next normal
# run re-applies the series from pristine (the tree's recorded series
# hash differs), so no mutated kernel is ever tested by accident, even
# after Ctrl-C.
# "mutants.sh stale" (make mutants-stale) reruns only the rows a recorded
# table lacks or holds stale, and merges them in (mutants_stale).
set -eu

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/pipeline/results.sh
. "$TOP/tests/pipeline/results.sh"
MUT_DIR=$TOP/patches/mutations
BUILD_DIR=${BUILD_DIR:-$TOP/build}
RESULTS_DIR=${RESULTS_DIR:-$TOP/results}
export BUILD_DIR RESULTS_DIR
ARCH=${ARCH:-um}
ARCH=${ARCH%% *}
MUT_SUITES=${MUT_SUITES:-rig,kselftest}
MUT_KSFT=${MUT_KSFT:-*}
# Mutations at a time: on UML one a CPU and one more, since a mutated
# kernel's guest mostly sleeps in polls that never settle (2 cores, make
# check's 18: 205 s at two, 169 s at three); on x86_64 one per two CPUs
# (two-CPU guests under TCG, busy).
if [ "$ARCH" = um ]; then
	MUT_JOBS=${MUT_JOBS:-$(($(nproc) + 1))}
else
	MUT_JOBS=${MUT_JOBS:-$((($(nproc) + 1) / 2))}
fi
SERIES=${SERIES:-$TOP/patches/series}
# Absolute: the per-mutant series name its patches by their paths.
case "$SERIES" in /*) ;; *) SERIES=$PWD/$SERIES ;; esac
# This run's folder, its own (out_make): two runs started in one second
# (UML 6.12 and 6.1 side by side) must not share ports and rows.
OUT=$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ)-mutants-$ARCH
ROWS=$OUT/rows

out_make() {
	local base=$OUT n=1
	mkdir -p "$RESULTS_DIR"
	while ! mkdir "$OUT" 2>/dev/null; do
		n=$((n + 1))
		OUT=$base-$n
	done
	ROWS=$OUT/rows
	mkdir -p "$ROWS"
}

# "Expect-fail:" names the tests that must fail on the default boot
# (cgroup v2); "Expect-fail-<arch>:" adds tests that only run on that
# arch (reparent_slab_smp needs SMP: x86_64); "Expect-fail-v1:" asks for
# a second boot on cgroup v1 where those tests must fail;
# "Expect-fail-debug:" adds tests that fail only on a DEBUG=1 kernel;
# "Boot-tests:" names what to run when kernel_log alone is expected;
# "Boot-cpus:" boots with that many CPUs (CPUS), for what two cannot show.
expected() {
	sed -n "s/^$2: *//p" "$1" | tr -d ' ' | paste -sd, -
}

# The era whose code a mutation breaks (tree_era).
mutant_era() {
	local e
	e=$(sed -n "s/^Era: *//p" "$1")
	echo "${e:-obj_cgroup}"
}

expected_all() {
	local v2 v1
	local -a keys=(Expect-fail "Expect-fail-$ARCH")
	# kmemleak and lockdep run on DEBUG=1 kernels alone
	[ "${DEBUG:-0}" = 0 ] || keys+=(Expect-fail-debug)
	v2=$(for k in "${keys[@]}"; do expected "$1" "$k"; done | grep . | paste -sd, -)
	v1=$(expected "$1" Expect-fail-v1)
	echo "$v2${v1:+ v1:$v1}"
}

# Upstream's suite runs in the v2 boot of the mutations MUT_KSFT names
# (all by default).
mutant_ksft() {
	[ "$1" = v2 ] || return 1
	case ",$MUT_KSFT," in ",*," | *",$2,"*) return 0 ;; esac
	return 1
}

# One boot of the mutated kernel: sets FAILED, PASSED and SKIPPED, or returns 1
# when the kernel did not build or boot.
mutant_boot() {
	local name=$1 cgroup=$2 want=$3 log=$OUT/$1-$2.log runs=$OUT/runs/$1 run rc=0 res='' folder t suites cpus
	# kernel_log is judged on the host: with nothing else named, run the
	# tests its "Boot-tests:" line names (a whole suite under TCG with
	# KASAN outlasts any timeout), else all.
	run=$(echo "$want" | tr ',' '\n' | grep -vx kernel_log | paste -sd, -) || true
	[ -n "$run" ] || run=$(expected "$MUT_DIR/$name.patch" Boot-tests)
	# Runs of mutated kernels stay in the mutation folder, out of index.html.
	suites=rig
	! mutant_ksft "$cgroup" "$name" || suites=$MUT_SUITES
	# "Boot-cpus:": a mutation only more CPUs than the default two show
	cpus=$(expected "$MUT_DIR/$name.patch" Boot-cpus)
	if [ "$cgroup" = v1 ] && [ -n "$MUT_V2_RUN" ]; then
		# the very kernel and rootfs the v2 boot ran, booted again
		"$TOP/run.sh" boot "$MUT_V2_RUN" CGROUP=v1 TESTS="$run" SUITES="$suites" \
			RESULTS_DIR="$runs" >"$log" 2>&1 || rc=$?
		run_drop_copies "$MUT_V2_RUN"
	else
		# with a v1 boot to come, the run keeps its copies for it
		env ARCH="$ARCH" CGROUP="$cgroup" SERIES="$(mutant_series "$name")" TESTS="$run" \
			SUITES="$suites" RESULTS_DIR="$runs" ${cpus:+CPUS="$cpus"} ${MUT_KEEP:+RIG_KEEP_BOOT=1} \
			"$TOP/run.sh" test >"$log" 2>&1 || rc=$?
	fi
	folder=$(run_latest "$runs") || true
	[ "$cgroup" != v2 ] || [ -z "$MUT_KEEP" ] || MUT_V2_RUN=$folder
	[ -z "$folder" ] || ! run_has_results "$folder" || res=$(results_read "$folder")
	if [ "$rc" = 125 ] || [ -z "$res" ] || ! run_reached_init "$folder"; then
		BROKEN="exit $rc, see $log"
		return 1
	fi
	# A test with no verdict (the guest stopped before it) neither
	# survived nor was killed: the mutation is broken for it.
	for t in ${want//,/ }; do
		# Killed only when the verdict fails: run.sh exits 1. A failure a
		# listing spared (xfail: the run passed) is hidden, a survivor.
		if grep -qE "^$t fail" <<<"$res" && [ "$rc" = 1 ]; then
			FAILED="$FAILED,$t"
		elif grep -qE "^$t (x?fail)" <<<"$res"; then
			HIDDEN="$HIDDEN,$t"
		elif grep -qE "^$t x?pass" <<<"$res"; then
			PASSED="$PASSED,$t"
		elif grep -qE "^$t skip" <<<"$res"; then
			# It could not look on this kernel (6.1's tmpfs takes no
			# user.* xattrs): neither a pass nor a kill.
			SKIPPED="$SKIPPED,$t"
		else
			BROKEN="no verdict for $t, see $log"
			return 1
		fi
	done
	# Upstream's tests that failed (known failures are xfail, not fail).
	KSFT_RAN=$((${KSFT_RAN:-0} + $(grep -c "^kselftest\\." <<<"$res" || true)))
	KSFT_FAILED=$KSFT_FAILED$(awk '$1 ~ /^kselftest\./ && $2 == "fail" { sub(/^kselftest\.cgroup\./, "", $1); printf ",%s", $1 }' <<<"$res")
}

# verdict NAME: sets RIG (killed, survived or broken, with the tests),
# KSFT (what upstream's suite did) and VERDICT.
verdict() {
	local name=$1 v2 v1
	FAILED="" PASSED="" HIDDEN="" SKIPPED="" BROKEN="" KSFT_RAN="" KSFT_FAILED=""
	rig_verdict "$name"
	KSFT="killed (${KSFT_FAILED#,} failed)"
	[ -n "$KSFT_FAILED" ] || KSFT=survived
	case "$KSFT_RAN" in "" | 0) KSFT="not run" ;; esac
	case "$RIG:$KSFT" in
	broken*) VERDICT=broken ;;
	killed*:killed*) VERDICT="killed by both" ;;
	killed*) VERDICT="killed by rig" ;;
	*:killed*) VERDICT="killed by kselftest alone: the rig misses it" ;;
	*) VERDICT=survived ;;
	esac
}

rig_verdict() {
	local name=$1 v2 v1
	v2=$(expected_all "$MUT_DIR/$name.patch")
	v1=${v2#* v1:}
	[ "$v1" != "$v2" ] || v1=""
	v2=${v2%% v1:*}
	[ -n "$v2$v1" ] || { RIG="broken (no Expect-fail line)"; return; }
	# v1 boots what v2 built (./run.sh boot), when both run
	MUT_V2_RUN='' MUT_KEEP=${v1:+${v2:+1}}
	if { [ -n "$v2" ] && ! mutant_boot "$name" v2 "$v2"; } ||
		{ [ -n "$v1" ] && ! mutant_boot "$name" v1 "$v1"; }; then
		BROKEN=${BROKEN:-?}
	fi
	# the copies v2 kept, also when it broke before v1 could boot them
	run_drop_copies "$MUT_V2_RUN"
	if [ -n "$BROKEN" ]; then
		RIG="broken ($BROKEN)"
	elif [ -n "$PASSED" ]; then
		RIG="survived (${PASSED#,} passed)"
	elif [ -n "$HIDDEN" ]; then
		RIG="survived (${HIDDEN#,} failed, hidden by known-failures)"
	elif [ -z "$FAILED" ]; then
		RIG="broken (every named test skipped here: ${SKIPPED#,})"
	elif [ -n "$SKIPPED" ]; then
		RIG="killed (${SKIPPED#,} skipped here)"
	else
		RIG=killed
	fi
}


# The tree's own pristine text of FILE: the packaged tree's git record
# (it may hold the last run's series), else the source as it is.
mut_pristine() {
	if git -C "$MUT_SRC" rev-parse -q --verify rig-pristine >/dev/null 2>&1; then
		git -C "$MUT_SRC" show "rig-pristine:$1"
	else
		cat "$MUT_SRC/$1"
	fi
}

# mutant_port NAME: the patch to apply to this tree. A mutation written
# against another release (6.12's line numbers and context) is ported when
# its hunks apply with fuzz and every line it removes (of more than a few
# characters) occurs once in the file, so that it cannot land elsewhere:
# the port is a new diff of this tree's own lines, in OUT/ported/.
mutant_port() {
	local m=$MUT_DIR/$1.patch dir=$OUT/ported/$1 f out=$OUT/ported/$1.patch
	# A release's own version of it, written by hand: patches/mutations/6.1/.
	if [ -f "$MUT_DIR/$MUT_RELEASE/$1.patch" ]; then
		echo "mutants: $1 as written for $MUT_RELEASE" >&2
		echo "$MUT_DIR/$MUT_RELEASE/$1.patch"
		return
	fi
	mkdir -p "$dir/a" "$dir/b"
	sed -n 's|^+++ b/||p' "$m" >"$dir.files"
	while read -r f; do
		mkdir -p "$(dirname "$dir/a/$f")" "$(dirname "$dir/b/$f")"
		mut_pristine "$f" >"$dir/a/$f" 2>/dev/null || { echo "$m"; return; }
		cp "$dir/a/$f" "$dir/b/$f"
	done <"$dir.files"
	if patch -d "$dir/b" -p1 --batch --forward --fuzz=0 --dry-run -s <"$m" >/dev/null 2>&1; then
		echo "$m"
		return
	fi
	if ! patch -d "$dir/b" -p1 --batch --forward --fuzz=3 -s --no-backup-if-mismatch <"$m" >/dev/null 2>&1 ||
		! mutant_removed_unique "$m" "$dir/a"; then
		echo "$m"	# as it is: the build stage says it does not apply
		return
	fi
	{
		sed -n '/^--- a\//q; /^diff --git /d; /^index [0-9a-f]*\.\./d; p' "$m"
		while read -r f; do
			(cd "$dir" && diff -u --label "a/$f" --label "b/$f" "a/$f" "b/$f") || true
		done <"$dir.files"
	} >"$out"
	echo "mutants: $1 ported to this tree ($(grep -m 1 '^@@' "$out"))" >&2
	echo "$out"
}

# A release that lacks the code a mutation breaks names it in
# patches/mutations/<release>/absent ("name<TAB>why"). It is then not
# run, if none of the lines it removes is in the tree; if one is, the
# claim is stale and the mutation runs (and fails to apply or is judged).
mutant_absent_why() {
	local f=$MUT_DIR/$2/absent
	[ -f "$f" ] && awk -F'\t' -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }' "$f"
}

mutant_here() {
	local why line f n=0
	why=$(mutant_absent_why "$1" "$MUT_RELEASE") || return 0
	while IFS= read -r line; do
		case "$line" in
		"+++ b/"*) f=${line#+++ b/} ;;
		-*) case "$line" in ---*) continue ;; esac
			line=${line#-}
			[ "$(printf '%s' "$line" | tr -d ' \t' | wc -c)" -gt 8 ] || continue
			if mut_pristine "$f" 2>/dev/null | grep -qxF -- "$line"; then n=$((n + 1)); fi ;;
		esac
	done <"$MUT_DIR/$1.patch"
	if [ "$n" -gt 0 ]; then
		echo "mutants: $1 is listed absent from $MUT_RELEASE ($why), yet $n of its lines are in this tree: it runs" >&2
		return 0
	fi
	echo "mutants: $1 breaks code $MUT_RELEASE does not have: $why" >&2
	return 1
}

# Every line a hunk removes, and the line after each run it adds (its
# anchor when it removes nothing), must occur once in the tree's file.
mutant_removed_unique() {
	local m=$1 a=$2 line f n after=0 anchors=0
	while IFS= read -r line; do
		case "$line" in
		"+++ b/"*) f=${line#+++ b/}; continue ;;
		"---"* | "@@"*) after=0; continue ;;
		+*) after=1; continue ;;
		-*) line=${line#-} ;;
		" "*) [ "$after" = 1 ] || continue; after=0; line=${line# } ;;
		*) continue ;;
		esac
		[ "$(printf '%s' "$line" | tr -d ' \t' | wc -c)" -gt 8 ] || continue
		n=$(grep -cxF -- "$line" "$a/$f" || true)
		[ "$n" = 1 ] || return 1
		anchors=$((anchors + 1))
	done <"$m"
	[ "$anchors" -gt 0 ]
}

# The normal series, then the mutation, as one series of absolute paths.
mutant_series() {
	local dir=$BUILD_DIR/mutants/$1 p
	mkdir -p "$dir"
	{
		sed 's/#.*//' "$SERIES" | awk 'NF { print $1 }' | while read -r p; do
			case "$p" in /*) echo "$p" ;; *) echo "$(dirname "$SERIES")/$p" ;; esac
		done
		echo "${MUT_PATCH:-$MUT_DIR/$1.patch}"
	} >"$dir/series"
	echo "$dir/series"
}

# One mutation's row of the table, into ROWS/<name>.
mutant_row() {
	MUT_PATCH=$(cat "$OUT/ported/$1.path")
	verdict "$1"
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$(expected_all "$MUT_DIR/$1.patch")" \
		"$RIG" "$KSFT" "$VERDICT" >"$ROWS/$1"
	tr '\t' '|' <"$ROWS/$1"
	echo "mutants: $(find "$ROWS" -type f | wc -l) of $MUT_TOTAL done, $((SECONDS / 60)) min $((SECONDS % 60)) s in" >&2
}

# series_patch_digest SERIES SUITES: what a series changes that a mutants
# table's verdicts rest on, hashed: its patches' hunks outside
# tools/testing/selftests, and inside it too when SUITES run upstream's
# selftests (a commit message edited changes nothing). A table records it;
# a kernel fix added to or changed in its series makes the table stale.
series_patch_digest() {
	local series=$1 suites=$2 dir p
	dir=$(dirname "$series")
	grep -v '^[[:space:]]*\(#.*\)\?$' "$series" | while read -r p _; do
		awk -v ksft="$(case ",$suites," in *,kselftest,*) echo 1 ;; esac)" '
			/^--- / { pend = $0; next }
			/^\+\+\+ / { keep = ksft || $2 !~ /(^|\/)tools\/testing\/selftests\//
				if (keep) print pend "\n" $0; next }
			/^(diff |Index: |-- $)/ { keep = 0; next }
			keep' "$dir/$p"
	done | sha256sum | cut -c1-16
}

# Every mutation: the table goes to tests/measured/, its header naming
# the suites that ran (x86_64 under TCG runs the rig's alone in time).
mutants_record() {
	[ -z "${MUTANTS:-}" ] && [ "$MUT_KSFT" = "*" ] || return 0
	local file
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	file=$(measured_name mutants "$ARCH") || return 0
	measured_write "$TOP/tests/measured/$file" "$OUT/table.txt" \
		"make mutants ARCH=$ARCH KERNEL=${KERNEL:-6.12}$([ "${DEBUG:-0}" != 1 ] || echo " DEBUG=1") on $(date -u +%Y-%m-%d): $1 of $MUT_TOTAL killed by the rig; suites $MUT_SUITES; series $(realpath -m --relative-to="$TOP" "$SERIES"); patches $(series_patch_digest "$SERIES" "$MUT_SUITES")"
}

main() {
	local m name killed=0 other=0 names=()
	out_make
	# The tree's era (from its Kconfig): a mutation breaks one era's code
	# ("Era:", obj_cgroup when absent) and is applied to trees of that era.
	TREE_ERA=$(RIG_ERA_SRC=$OUT/src "$TOP/run.sh" era) || exit
	MUT_SRC=$(cat "$OUT/src")
	MUT_RELEASE=$(awk '/^VERSION =/ { v = $3 } /^PATCHLEVEL =/ { p = $3 } END { print v "." p }' "$MUT_SRC/Makefile")
	for m in "$MUT_DIR"/*.patch; do
		name=$(basename "$m" .patch)
		case ",${MUTANTS:-$name}," in *",$name,"*) ;; *) continue ;; esac
		if [ "$(mutant_era "$m")" != "$TREE_ERA" ]; then
			echo "mutants: $name breaks $(mutant_era "$m") code, not this $TREE_ERA tree" >&2
			continue
		fi
		if ! mutant_here "$name"; then
			continue
		fi
		# Only tests of another arch can see it (Expect-fail-x86_64 alone).
		if [ -z "$(expected_all "$m")" ] && grep -q '^Expect-fail-[a-z0-9_]*:' "$m"; then
			echo "mutants: $name is for $(sed -n 's/^Expect-fail-\([a-z0-9_]*\):.*/\1/p' "$m" | paste -sd, -), not $ARCH" >&2
			continue
		fi
		# DEBUG=1 runs the mutations only a debug kernel sees: the DEBUG=0
		# tables prove the rest.
		if [ "${DEBUG:-0}" = 1 ] && [ -z "${MUTANTS:-}" ] && ! grep -q '^Expect-fail-debug:' "$m"; then
			continue
		fi
		names+=("$name")
	done
	[ ${#names[@]} -gt 0 ] || { echo "mutants: no mutation matches MUTANTS=${MUTANTS:-}" >&2; exit 2; }
	MUT_TOTAL=${#names[@]}
	# Which patch each applies to this tree, found once, in order.
	mkdir -p "$OUT/ported"
	for name in "${names[@]}"; do mutant_port "$name" >"$OUT/ported/$name.path"; done
	# MUT_JOBS mutations at a time: a run holds the build directory's lock
	# only until its kernel is built and copied, so one mutation builds
	# while another boots.
	for name in "${names[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$MUT_JOBS" ]; do wait -n || true; done
		mutant_row "$name" &
	done
	wait
	printf '%s\t%s\t%s\t%s\t%s\n' mutation expect-fail rig kselftest verdict >"$OUT/table.tsv"
	for name in "${names[@]}"; do
		[ -s "$ROWS/$name" ] || printf '%s\t-\tbroken (no row: the mutation run died)\t-\tbroken\n' "$name" >"$ROWS/$name"
		cat "$ROWS/$name" >>"$OUT/table.tsv"
		case "$(cut -f5 "$ROWS/$name")" in "killed by rig" | "killed by both") killed=$((killed + 1)) ;; *) other=$((other + 1)) ;; esac
	done
	column -t -s "$(printf '\t')" "$OUT/table.tsv" >"$OUT/table.txt"
	cat "$OUT/table.txt"
	echo "table: $OUT/table.txt"
	if [ -n "${MUT_MERGE:-}" ]; then mutants_merge; else mutants_record "$killed"; fi
	echo "$killed passed, $other failed"
	[ "$other" = 0 ]
}

# make mutants-stale: rerun only the mutations whose row in this arch's
# recorded table is missing, names other Expect-fail lines or was not
# killed (what make check's mutants_tables_current reports), and merge
# their rows into the table; rows of mutations no longer shipped go. The
# other rows keep their measurement, and the header says which rows were
# rerun when. A new mutation then costs its own boots, not a full table.
mutants_stale() {
	local file table names
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	file=$(measured_name mutants "$ARCH") || { echo "mutants: no recorded table for this KERNEL_SRC or SERIES: run make mutants" >&2; exit 2; }
	table=$TOP/tests/measured/$file
	[ -f "$table" ] || { echo "mutants: $table does not exist: run make mutants ARCH=$ARCH KERNEL=${KERNEL:-6.12} in full" >&2; exit 2; }
	names=$( (mutants_covered "$table" names || true) | sort | paste -sd, -)
	if [ -z "$names" ]; then
		mutants_covered "$table" >&2 || { echo "mutants: $table is stale beyond its rows: run make mutants in full" >&2; exit 1; }
		echo "mutants: every row of $table is current"
		return 0
	fi
	echo "mutants: rerunning $names for $table" >&2
	# The table's suites, so that merged rows were measured alike.
	MUT_SUITES=$(sed -n '1s/.*; suites \([^;]*\);.*/\1/p' "$table")
	MUTANTS=$names MUT_MERGE=$table main
}

# mutants_merge: this run's rows (ROWS) into MUT_MERGE's table.
mutants_merge() {
	local table=$MUT_MERGE head body=$OUT/merged.tsv killed total
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	head=$(sed -n '1s/^# Written by \(.*\)\. Do not edit\.$/\1/p' "$table")
	printf '%s\t%s\t%s\t%s\t%s\n' mutation expect-fail rig kselftest verdict >"$body"
	# Old rows (columns two spaces or more apart) whose mutation is still
	# shipped and was not rerun, then the new ones, in name order.
	tail -n +4 "$table" | sed 's/   */\t/g' | while IFS= read -r row; do
		[ -f "$MUT_DIR/${row%%	*}.patch" ] && [ ! -f "$ROWS/${row%%	*}" ] && printf '%s\n' "$row"
	done | cat - "$ROWS"/* | sort -t "$(printf '\t')" -k1,1 >>"$body"
	total=$(($(wc -l <"$body") - 1))
	killed=$(awk -F'\t' 'NR > 1 && ($5 == "killed by rig" || $5 == "killed by both")' "$body" | wc -l)
	column -t -s "$(printf '\t')" "$body" >"$OUT/table.txt"
	head=$(printf '%s' "$head" | sed "s/: [0-9]* of [0-9]* killed by the rig;/: $killed of $total killed by the rig;/")
	measured_write "$table" "$OUT/table.txt" "$head; rows ${MUTANTS//,/, } rerun on $(date -u +%Y-%m-%d)"
}

# mutants_covered TABLE: a recorded table (tests/measured/mutants-*.txt)
# holds a killed row for every shipped mutation of its arch and era (in a
# -debug table: every one with an Expect-fail-debug line), with that
# mutation's Expect-fail lines as they are now. make check
# runs a few mutations itself; this says when the tables that prove the
# rest are out of date: a mutation added or changed since asks for a rerun.
mutants_covered() {
	local table=$1 names=${2:-} cmd scmd series release absent debug suites digest now
	cmd=$(sed -n '1s/^# Written by \(make mutants[^:]*\) on .*/\1/p' "$table")
	series=$(sed -n '1s/.*; series \([^;.]*\)[;.].*/\1/p' "$table")
	case "${series:-series}" in series | patches/series) ;; *) cmd="$cmd SERIES=$series" ;; esac
	# the series' patches as the table was measured with them (no digest:
	# tables measured with an empty series, which it must still be)
	case "${series:-series}" in series) series=patches/series ;; esac
	suites=$(sed -n '1s/.*; suites \([^;]*\);.*/\1/p' "$table")
	digest=$(sed -n '1s/.*; patches \([0-9a-f]*\).*/\1/p' "$table")
	case "$series" in /*) now=$series ;; *) now=$TOP/$series ;; esac
	now=$(series_patch_digest "$now" "${suites:-rig}")
	if [ "$now" != "${digest:-$(printf '' | sha256sum | cut -c1-16)}" ]; then
		[ -n "$names" ] || echo "$table: the patches of $series changed since it was measured (digest ${digest:-none}, now $now): rerun $cmd"
		return 1
	fi
	# a row missing or stale: only those mutations again
	scmd=${cmd/make mutants/make mutants-stale}
	ARCH=$(echo "$cmd" | sed -n 's/.* ARCH=\([a-z0-9_]*\).*/\1/p')
	[ -n "$ARCH" ] || { echo "$table: no ARCH= in its header: rerun make mutants"; return 1; }
	release=$(echo "$cmd" | sed -n 's/.* KERNEL=\([0-9.]*\).*/\1/p')
	debug=0
	case "$table" in *-debug.txt) debug=1 ;; esac
	absent=$MUT_DIR/${release:-6.12}/absent
	[ -f "$absent" ] || absent=/dev/null
	# One pass over the mutations (each one's era and what it expects
	# here, as expected_all says it at DEBUG=0), the release's absent
	# list, then the table; the tree's era is that of its first row.
	# shellcheck disable=SC2016 # awk's own $
	awk -v arch="$ARCH" -v table="$table" -v cmd="$cmd" -v debug="$debug" -v names="$names" -v scmd="$scmd" '
		# names set: only the names of stale rows, one a line (make mutants-stale)
		function stale(n, msg) { print (names ? n : msg); bad = 1 }
		function flush() {
			if (name == "") return
			v2 = want[""]; if (want["-" arch] != "") v2 = v2 (v2 != "" ? "," : "") want["-" arch]
			if (debug && want["-debug"] != "") v2 = v2 (v2 != "" ? "," : "") want["-debug"]
			exp_[name] = v2 (want["-v1"] != "" ? " v1:" want["-v1"] : ""); era[name] = e
			# a DEBUG=1 table holds the mutations only a debug kernel sees
			if (debug && want["-debug"] == "") exp_[name] = ""
			delete want; e = "obj_cgroup"
		}
		FILENAME ~ /\.patch$/ && FNR == 1 { flush(); name = FILENAME; sub(/.*\//, "", name); sub(/\.patch$/, "", name); e = "obj_cgroup" }
		FILENAME ~ /\.patch$/ && /^Era: */ { e = $0; sub(/^Era: */, "", e) }
		FILENAME ~ /\.patch$/ && /^Expect-fail(-[a-z0-9_]+)?: */ {
			k = $0; sub(/:.*/, "", k); sub(/^Expect-fail/, "", k); v = $0; sub(/^[^:]*: */, "", v); gsub(/ /, "", v)
			want[k] = want[k] (want[k] != "" && v != "" ? "," : "") v }
		FILENAME ~ /absent$/ { flush(); split($0, f, "\t"); absent[f[1]] = 1; next }
		FILENAME == table && FNR == 1 { flush() }
		FILENAME == table && FNR == 4 { tera = era[$1]; if (!($1 in era)) { print table ": first row " $1 " is no mutation: rerun " cmd; bad = 1; exit 1 } }
		FILENAME == table && FNR > 3 { row[$1] = $0; if (!($1 in era)) { if (!names) print table ": row " $1 " is no shipped mutation: rerun " cmd; bad = 1 } }
		END {
			if (bad && tera == "") exit 1
			for (n in era) {
				if (era[n] != tera || (n in absent) || exp_[n] == "") continue
				if (!(n in row)) { stale(n, table ": no row for " n " (expect-fail " exp_[n] "): rerun " scmd); continue }
				r = row[n]; sub(/^[^ ]+ +/, "", r); sub(/  .*/, "", r)
				if (r != exp_[n]) stale(n, table ": " n "\047s row is for other Expect-fail lines than " exp_[n] ": rerun " scmd)
				else if (row[n] !~ /killed by (rig|both)$/) { r = row[n]; gsub(/ +/, " ", r); stale(n, table ": " n " was not killed: " r) }
			}
			exit bad
		}' "$MUT_DIR"/*.patch "$absent" "$table"
}

# Sourced by make check (MUTANTS_LIB=1) for its verdicts alone.
[ -z "${MUTANTS_LIB:-}" ] || return 0
case "${1:-}" in
stale) mutants_stale ;;
"") main ;;
*) echo "usage: $0 [stale]" >&2; exit 2 ;;
esac
