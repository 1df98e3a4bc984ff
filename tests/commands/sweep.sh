#!/usr/bin/env bash
# make sweep: mutants nobody chose. For each function of SWEEP_FUNCS
# (tests/sweep/functions), sweep_gen.awk makes its mutants from the tree
# under test (KERNEL_SRC, or the packaged source with the series): each
# statement made empty, each condition negated, operators swapped,
# integer constants moved, a memcg argument replaced by its parent or the
# root. Each is built; one whose object is the pristine object
# (RIG_PRISTINE, checked by the build) is equivalent and never booted, one
# that does not compile is broken. The rest boot on UML, cgroup v2,
# stopping at the first failing test (RIG_FAIL_FAST); a survivor boots
# again on v1, on x86_64 (two CPUs, two nodes, PREEMPT=full), then with
# DEBUG=1 (lockdep, KASAN). Killed: a test failed (a rig verdict in the
# kernel log counts).
# Crashed: the kernel panicked, hung or stopped the guest, at boot or in
# the suite (kunit.py's CRASHED): the default verdict fails, as for a
# kill. Killed by the log: only the kernel's own log (WARN, BUG, KASAN)
# told, at DEBUG=0. Killed with DEBUG=1: only the DEBUG boot told, which
# the default verdict does not run. Hidden by known-failures: a test
# failed and a listing spared it, so the verdict passed; it counts as
# survived. Survived: nothing did. SWEEP_ONLY=fn[:a-b]
# sweeps one function (its mutants a to b); SWEEP_DEBUG=0 skips the DEBUG
# boot; SWEEP_JOBS mutants at a time.
set -eu

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/pipeline/results.sh
. "$TOP/tests/pipeline/results.sh"
BUILD_DIR=${BUILD_DIR:-$TOP/build}
RESULTS_DIR=${RESULTS_DIR:-$TOP/results}
export BUILD_DIR RESULTS_DIR
ARCH=um
# A user's tree (KERNEL_SRC) is mutated in a private copy, the pristine
# build included, so that both compile from one path and compare alike.
export RIG_TREE_COPY=private
SWEEP_FUNCS=${SWEEP_FUNCS:-$TOP/tests/sweep/functions}
SWEEP_ONLY=${SWEEP_ONLY:-}
SWEEP_DEBUG=${SWEEP_DEBUG:-1}
SWEEP_X86=${SWEEP_X86:-1}
# A boot's limit: the whole suite takes 8 to 18 s a boot (UML, DEBUG=1
# the slowest), x86_64 under TCG about a minute; a hung mutant costs this.
SWEEP_TIMEOUT=${SWEEP_TIMEOUT:-150}
# As make mutants: a mutated kernel's guest mostly sleeps in polls.
SWEEP_JOBS=${SWEEP_JOBS:-$(($(nproc) + 1))}
SERIES=${SERIES:-$TOP/patches/series}
# Absolute: the per-mutant series name its patches by their paths.
case "$SERIES" in /*) ;; *) SERIES=$PWD/$SERIES ;; esac
OUT=${SWEEP_OUT:-$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ)-sweep-$ARCH}
TAB=$(printf '\t')

say() { echo "sweep: $*" >&2; }

# The pristine build: the tree to read and the objects to compare.
sweep_prepare() {
	local line
	# The guest programs, built once: every boot of the sweep runs these.
	RIG_ROOTFS_BIN=$OUT/rootfs "$TOP/run.sh" list >/dev/null 2>"$OUT/rootfs.log" ||
		{ say "the guest programs did not build: $(tail -n 1 "$OUT/rootfs.log")"; exit 125; }
	export RIG_ROOTFS_BIN=$OUT/rootfs
	line=$(env ARCH=$ARCH RESULTS_DIR="$OUT/runs/pristine" "$TOP/run.sh" build 2>"$OUT/pristine.log" | grep '^tree ') ||
		{ say "the pristine kernel did not build: $(tail -n 1 "$OUT/pristine.log")"; exit 125; }
	read -r _ TREE OBJ <<<"$line"
}

# Functions to sweep, "file<tab>function<tab>flags<tab>first<tab>last".
sweep_list() {
	local fn=${SWEEP_ONLY%%:*} range=${SWEEP_ONLY#*:}
	[ "$range" != "$SWEEP_ONLY" ] || range=
	sed 's/#.*//' "$SWEEP_FUNCS" | awk -F'\t' -v only="$fn" -v range="$range" '
		NF >= 2 && (only == "" || $2 == only) {
			split(range, r, "-")
			printf "%s\t%s\t%s\t%s\t%s\n", $1, $2, $3 == "" ? "-" : $3, r[1] ? r[1] : 1, r[2] ? r[2] : 1000000
			n++
		}
		END { exit !n }'
}

# sweep_patch FILE LINE TEXT: the one-line change as a patch for the tree.
sweep_patch() {
	local file=$1 line=$2 new
	new=$(mktemp)
	NEW=$3 awk -v l="$line" 'FNR == l { print ENVIRON["NEW"]; next } { print }' \
		"$TREE/$file" >"$new"
	diff -u --label "a/$file" --label "b/$file" "$TREE/$file" "$new" || true
	rm -f "$new"
}

# The mutants of every function: OUT/mutants.tsv, one a line,
# "id<tab>file<tab>function<tab>flags<tab>line<tab>kind", and OUT/<id>.patch.
sweep_generate() {
	local file fn flags first last n row line kind text id
	: >"$OUT/mutants.tsv"
	while IFS=$TAB read -r file fn flags first last; do
		if [ ! -f "$TREE/$file" ] || ! awk -v fname="$fn" -f "$TOP/tests/commands/sweep_gen.awk" \
			"$TREE/$file" >"$OUT/$fn.gen" 2>/dev/null; then
			say "$fn: not in this tree's $file, left out"
			echo "$fn" >>"$OUT/absent.txt"
			continue
		fi
		# Split by hand: the text's own leading tabs must survive read.
		while IFS= read -r row; do
			n=${row%%"$TAB"*} row=${row#*"$TAB"}
			line=${row%%"$TAB"*} row=${row#*"$TAB"}
			kind=${row%%"$TAB"*} text=${row#*"$TAB"}
			id=$fn-$n
			sweep_patch "$file" "$line" "$text" >"$OUT/patches/$id.patch"
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$file" "$fn" "$flags" "$line" "$kind" >>"$OUT/mutants.tsv"
		done < <(sweep_numbered "$fn" "$first" "$last")
		say "$fn: $(wc -l <"$OUT/$fn.gen") mutants in $file"
	done < <(sweep_list)
}

# FN's generated mutants [FIRST, LAST] as "n<tab>line<tab>kind<tab>text",
# n its number among all of FN's (its id). SWEEP_PICK=file: only those it
# names, a line each: function <tab> kind <tab> an ERE on the line as it
# is (make check's sample: chosen by what they change, so that no line
# number is stored).
sweep_numbered() {
	awk -F"$TAB" -v fn="$1" -v first="$2" -v last="$3" -v pick="${SWEEP_PICK:-}" '
		FILENAME == pick { if ($1 == fn) { pk[++np] = $2; pre[np] = $3 }; next }
		{
			n = FNR
			if (n < first || n > last) next
			if (pick != "") {
				for (i = 1; i <= np; i++) if (pk[i] == $2 && $3 ~ pre[i]) break
				if (i > np) next
			}
			t = $0
			sub(/^[^\t]*\t[^\t]*\t[^\t]*\t/, "", t)
			print n "\t" $1 "\t" $2 "\t" t
		}' ${SWEEP_PICK:+"$SWEEP_PICK"} "$OUT/$1.gen"
}

# The normal series, then the mutant, as absolute paths.
sweep_series() {
	local p
	sed 's/#.*//' "$SERIES" | awk 'NF { print $1 }' | while read -r p; do
		case "$p" in /*) echo "$p" ;; *) echo "$(dirname "$SERIES")/$p" ;; esac
	done
	echo "$OUT/patches/$1.patch"
}

# sweep_results RUNS: the latest run's folder (folder) and verdicts (res).
sweep_results() {
	folder=$(run_latest "$1") || folder=
	res=
	if [ -n "$folder" ] && run_has_results "$folder"; then
		res=$(results_read "$folder")
	fi
}

# sweep_boot ID STAGE ENV...: one run of the mutant; sets HOW (equivalent,
# broken, killed, crashed, log, hidden, pass) and WHY.
sweep_boot() {
	local id=$1 stage=$2 runs=$OUT/runs/$1/$2 log=$OUT/runs/$1/$2.log rc=0 res='' fails folder
	shift 2
	mkdir -p "$runs"
	env TIMEOUT="$SWEEP_TIMEOUT" "$@" SERIES="$OUT/series/$id" SUITES=rig RESULTS_DIR="$runs" \
		RIG_CMDLINE="RIG_FAIL_FAST=1" "$TOP/run.sh" test >"$log" 2>&1 </dev/null || rc=$?
	sweep_results "$runs"
	# A known failure (tests/known-failures: the run passes) stopped the
	# guest's fail-fast: what came after it never ran. Boot again whole.
	if [ "$rc" = 0 ] && grep -q 'not run: RIG_FAIL_FAST' <<<"$res"; then
		env TIMEOUT="$SWEEP_TIMEOUT" "$@" SERIES="$OUT/series/$id" SUITES=rig RESULTS_DIR="$runs" \
			"$TOP/run.sh" test >>"$log" 2>&1 </dev/null || rc=$?
		sweep_results "$runs"
	fi
	WHY=$(run_error "$folder" | cut -c1-160)
	case $rc in
	0)
		# The verdict passed; a failure a listing spared is no kill.
		WHY=$(awk '$2 == "xfail" { printf "%s%s", s, $1; s = "," }' <<<"$res") || WHY=
		HOW=pass
		[ -z "$WHY" ] || HOW=hidden
		return ;;
	125)
		case "$WHY" in
		equivalent:*) HOW=equivalent WHY=${WHY#equivalent: } ;;
		*"did not build"*) HOW=broken ;;
		*) HOW=crashed ;;	# panicked or hung before /init
		esac
		return ;;
	1) ;;
	*) HOW=broken WHY="the rig exited $rc: $WHY"; return ;;
	esac
	# A failed rig test, or a verdict a rig test wrote to the kernel log.
	fails=$(awk '$2 == "fail" && $1 != "kernel_log" { printf "%s%s", s, $1; s = "," }
		$1 == "kernel_log" && $2 == "fail" && $3 ~ /^rig:/ { printf "%skernel_log(%s)", s, $3; s = "," }' <<<"$res") || true
	if [ -n "$fails" ]; then
		HOW=killed WHY=$fails
	elif grep -qE 'panicked|did not power off|stopped' "$folder/problem.txt" 2>/dev/null; then
		HOW=crashed WHY=$(head -n 1 "$folder/problem.txt" | cut -c1-160)
	else
		HOW=log
		WHY=$(awk '$1 == "kernel_log" { $1 = $2 = ""; print substr($0, 3) }' <<<"$res" | cut -c1-160)
		[ -n "$WHY" ] || WHY=$(tail -n 1 "$log" | cut -c1-160)
		! grep -q "did not power off" "$log" - <<<"$res" 2>/dev/null ||
			WHY="hung: no power-off within $SWEEP_TIMEOUT s"
	fi
}

# One mutant's row: id, function, file:line, kind, verdict, stage, why.
sweep_one() {
	local id=$1 file=$2 fn=$3 line=$5 kind=$6 stage verdict="" hidden=""
	sweep_series "$id" >"$OUT/series/$id"
	# shellcheck disable=SC2086 # RIG_PRISTINE's words
	sweep_boot "$id" um-v2 ARCH=um CGROUP=v2 RIG_PRISTINE="$(sweep_pristine "$file")"
	stage=um-v2
	[ "$HOW" != hidden ] || { hidden="$stage: $WHY" HOW=pass; }
	if [ "$HOW" = pass ]; then
		for stage in um-v1 x86_64-v2 um-debug; do
			case $stage in
			um-v1) sweep_boot "$id" $stage ARCH=um CGROUP=v1 ;;
			x86_64-v2)
				# Two CPUs, two nodes and preemption (PREEMPT=full): what
				# UML cannot run, and the race a dropped lock or RCU
				# read section opens.
				[ "$SWEEP_X86" = 1 ] || continue
				sweep_boot "$id" $stage ARCH=x86_64 CGROUP=v2 ;;
			um-debug)
				[ "$SWEEP_DEBUG" = 1 ] || continue
				sweep_boot "$id" $stage ARCH=um CGROUP=v2 DEBUG=1 ;;
			esac
			[ "$HOW" != hidden ] || { hidden=${hidden:-"$stage: $WHY"} HOW=pass; }
			[ "$HOW" = pass ] || break
		done
	fi
	case $HOW in
	pass) verdict=survived ;;
	log) verdict="killed by the log" ;;
	*) verdict=$HOW ;;
	esac
	case $HOW:$stage in
	killed:um-debug | log:um-debug | crashed:um-debug) verdict="killed with DEBUG=1" ;;
	pass:*) [ -z "$hidden" ] || { verdict="hidden by known-failures" WHY=$hidden; } ;;
	esac
	printf '%s\t%s\t%s:%s\t%s\t%s\t%s\t%s\n' "$id" "$fn" "$file" "$line" "$kind" \
		"$verdict" "$stage" "${WHY:--}" >"$OUT/rows/$id"
	say "$id ($kind, $file:$line): $verdict${WHY:+: $WHY}"
}

# "file.o=<sha256>" of the pristine build.
sweep_pristine() {
	local o=${1%.c}.o
	echo "$o=$(sha256sum <"$OUT/pristine/$o" | cut -d' ' -f1)"
}

sweep_keep_pristine() {
	local file o
	cut -f2 "$OUT/mutants.tsv" | sort -u | while read -r file; do
		o=${file%.c}.o
		mkdir -p "$(dirname "$OUT/pristine/$o")"
		cp "$OBJ/$o" "$OUT/pristine/$o"
	done
}

# Every survivor and log-only kill with its diff and its reason, from
# SWEEP_REASONS (tests/sweep/survivors: function <tab> kind <tab> an ERE
# on the line as it is <tab> why no test can see it, with the evidence),
# matched by what the mutant changes, never by its line number.
sweep_survivors() {
	awk -F"$TAB" -v patches="$OUT/patches" '
		FILENAME != ARGV[ARGC - 1] { if (NF >= 4) { rf[++nr] = $1; rk[nr] = $2; re[nr] = $3; rw[nr] = $4 }; next }
		$5 == "survived" || $5 == "killed by the log" || $5 == "killed with DEBUG=1" || $5 == "hidden by known-failures" {
			printf "%s (%s, %s): %s%s\n", $1, $4, $3, $5, $7 == "-" ? "" : ": " $7
			p = patches "/" $1 ".patch"; hunk = 0; orig = ""
			while ((getline l < p) > 0) {
				if (l ~ /^@@/) hunk = 1
				if (!hunk) continue
				print "    " l
				if (orig == "" && l ~ /^-/) { orig = substr(l, 2); sub(/^[ \t]+/, "", orig) }
			}
			close(p)
			for (i = 1; i <= nr; i++)
				if (rf[i] == $2 && rk[i] == $4 && orig ~ re[i]) break
			print i <= nr ? "    reason: " rw[i] : "    no reason yet: a test that kills it, or a line in tests/sweep/survivors"
		}' "${SWEEP_REASONS:-$TOP/tests/sweep/survivors}" "$OUT/verdicts.tsv"
}

# The table per function, the survivors with their diffs, and the page.
sweep_report() {
	local id
	cut -f1 "$OUT/mutants.tsv" | while read -r id; do
		[ -s "$OUT/rows/$id" ] || printf '%s\t%s\t-\t-\tbroken\t-\tno row: the mutant run died\n' \
			"$id" "$(awk -F'\t' -v i="$id" '$1 == i { print $3 }' "$OUT/mutants.tsv")" >"$OUT/rows/$id"
		cat "$OUT/rows/$id"
	done >"$OUT/verdicts.tsv"
	# The kill rate is the default verdict's (make test, DEBUG=0): a test
	# failed, the kernel crashed, or its log fails the run.
	awk -F'\t' '
		function row(name, a, e, b, k, cr, l, d, h, s,   live) {
			live = a - e - b
			printf "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", name, a, e, b, k, cr, l, d, h, s,
				live ? sprintf("%d%%", 100 * (k + cr + l) / live) : "-"
		}
		{ f = $2; if (!(f in all)) order[++n] = f; all[f]++; c[f, $5]++ }
		END {
			printf "function\tmutants\tequivalent\tbroken\tkilled\tcrashed\tkilled by the log\tkilled with DEBUG=1\thidden by known-failures\tsurvived\tkill rate\n"
			for (i = 1; i <= n; i++) {
				f = order[i]
				row(f, all[f], c[f, "equivalent"], c[f, "broken"], c[f, "killed"], c[f, "crashed"],
					c[f, "killed by the log"], c[f, "killed with DEBUG=1"], c[f, "hidden by known-failures"], c[f, "survived"])
				for (k in c) if (index(k, f SUBSEP) == 1) tot[substr(k, length(f) + 2)] += c[k]
				total += all[f]
			}
			row("all", total, tot["equivalent"], tot["broken"], tot["killed"], tot["crashed"],
				tot["killed by the log"], tot["killed with DEBUG=1"], tot["hidden by known-failures"], tot["survived"])
		}' "$OUT/verdicts.tsv" >"$OUT/table.tsv"
	column -t -s "$TAB" "$OUT/table.tsv" >"$OUT/table.txt"
	sweep_survivors >"$OUT/survivors.txt"
	echo "$(grep -c '^    reason:' "$OUT/survivors.txt") of $(grep -c '^[^ ]' "$OUT/survivors.txt") survivors and log-only kills have a reason (tests/sweep/survivors)" >"$OUT/reasons.txt"
	sweep_page >"$OUT/sweep.html"
}

sweep_page() {
	local esc='s/&/\&amp;/g; s/</\&lt;/g'
	echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>kmemcg-rig sweep</title></head><body>'
	echo "<h1>Sweep of $(cut -f3 "$OUT/mutants.tsv" | sort -u | paste -sd' ') on $ARCH</h1>"
	echo "<p>Tree: $(sed "$esc" "$OUT/tree.txt")</p><h2>Per function</h2><pre>"
	sed "$esc" "$OUT/table.txt"
	sed "$esc" "$OUT/reasons.txt"
	echo '</pre><h2>Survivors and log-only kills, with their diffs</h2><pre>'
	sed "$esc" "$OUT/survivors.txt"
	echo '</pre><h2>Every mutant</h2><pre>'
	column -t -s "$TAB" "$OUT/verdicts.tsv" | sed "$esc"
	echo '</pre></body></html>'
}

main() {
	local id file fn flags line kind
	mkdir -p "$OUT/patches" "$OUT/rows" "$OUT/series" "$OUT/runs"
	sweep_list >/dev/null || { say "SWEEP_ONLY=$SWEEP_ONLY names no function of $SWEEP_FUNCS"; exit 2; }
	sweep_prepare
	echo "$TREE ($(git -C "$TREE" describe --always --dirty 2>/dev/null || echo "not git"))" >"$OUT/tree.txt"
	sweep_generate
	[ -s "$OUT/mutants.tsv" ] || { say "no mutants: no function of $SWEEP_FUNCS is in $TREE"; exit 125; }
	sweep_keep_pristine
	say "$(wc -l <"$OUT/mutants.tsv") mutants, $SWEEP_JOBS at a time; results in $OUT"
	while IFS=$TAB read -r id file fn flags line kind; do
		while [ "$(jobs -rp | wc -l)" -ge "$SWEEP_JOBS" ]; do wait -n || true; done
		sweep_one "$id" "$file" "$fn" "$flags" "$line" "$kind" &
	done <"$OUT/mutants.tsv"
	wait
	sweep_report
	cat "$OUT/table.txt" "$OUT/reasons.txt"
	echo "survivors: $OUT/survivors.txt"
	echo "page: $OUT/sweep.html"
	sweep_record
}

# The full default sweep's table goes to tests/measured/.
sweep_record() {
	[ -z "$SWEEP_ONLY" ] && [ "$SWEEP_FUNCS" = "$TOP/tests/sweep/functions" ] || return 0
	local file
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	file=$(measured_name sweep "$ARCH") || return 0
	{ cat "$OUT/table.txt"; echo; cat "$OUT/survivors.txt"; } >"$OUT/measured.txt"
	measured_write "$TOP/tests/measured/$file" "$OUT/measured.txt" \
		"make sweep KERNEL=${KERNEL:-6.12} on $(date -u +%Y-%m-%d): $(wc -l <"$OUT/mutants.tsv") mutants in $((SECONDS / 60)) min"
}

# make sweep-keep MUTANT=<sweep folder>/patches/<id>.patch NAME=<name>
# TESTS=<the tests that now kill it>: a survivor becomes a shipped mutation,
# so that the test that kills it and its proof (make mutants) land together.
sweep_keep() {
	local m=${MUTANT:-} name=${NAME:-} dest
	if [ ! -f "$m" ] || [ -z "$name" ] || [ -z "${TESTS:-}" ]; then
		say "usage: make sweep-keep MUTANT=results/<time>-sweep-um/patches/<id>.patch NAME=<name> TESTS=<tests that kill it>"
		exit 2
	fi
	dest=${SWEEP_KEEP_DIR:-$TOP/patches/mutations}/$name.patch
	[ ! -e "$dest" ] || { say "$dest exists: choose another NAME"; exit 2; }
	{
		echo "Mutation: $(basename "$m" .patch), made by make sweep ($(grep -m 1 "^@@" "$m")): say"
		echo "what it breaks and why the tests named below see it."
		echo
		echo "Expect-fail: ${TESTS//,/, }"
		echo
		cat "$m"
	} >"$dest"
	echo "$dest: edit its first lines, then prove it: make mutants MUTANTS=$name"
}

case "${1:-}" in
keep) sweep_keep ;;
*) [ -n "${SWEEP_LIB:-}" ] || main "$@" ;;
esac
