# shellcheck shell=bash
# make bisect: the first commit between GOOD (the suite passes) and BAD (it
# fails), found by `git bisect run` in a private clone of KERNEL_SRC under
# build/bisect/, so the user's checkout and refs are never touched. Each
# step is `run.sh bisect-step`: 0 good; 1 bad, once the failure was seen
# 1 + REPEAT times; 125 skip (no build, no boot, or a failure that did not
# repeat); 128 stops the bisect (the rig broke).

bisect_rev() {
	git -C "$1" rev-parse --verify -q "$2^{commit}" ||
		die "$EXIT_USAGE" "$3=$2 is not a commit in $1"
}

bisect_subject() {
	git -C "$1" log -1 --format='%h %s' "$2"
}

# One line per verdict, read back by the summary: SHA VERDICT EXIT RUN IMAGE.
bisect_record() {
	local run image=-
	run=$(run_latest "$RESULTS_DIR") || run=-
	[ ! -f "$run/image.sha256" ] || image=$(cat "$run/image.sha256")
	[ -z "${BISECT_VERDICTS:-}" ] ||
		echo "$1 $2 $3 $run $image" >>"$BISECT_VERDICTS"
	note "$(bisect_subject "$KERNEL_SRC" "$1"): $2 (exit $3, log: $RESULTS_DIR/step-$1.log)"
}

# The step git bisect run calls, in the clone, at the commit to judge.
bisect_step() {
	local sha rc=0 n=0 log first
	[ -n "$KERNEL_SRC" ] ||
		die "$EXIT_RIG" "bisect-step needs KERNEL_SRC, or to run from the top of a kernel tree"
	export ARCH CGROUP KERNEL_SRC
	mkdir -p "$RESULTS_DIR"
	sha=$(git -C "$KERNEL_SRC" rev-parse HEAD)
	log=$RESULTS_DIR/step-$sha.log
	# A failure repeats in boots of the very kernel it failed on: the
	# first run's own copies (kept), which no later build replaces.
	RIG_KEEP_BOOT=1 "$RIG_TOP/run.sh" test >"$log" 2>&1 || rc=$?
	first=$(run_latest "$RESULTS_DIR") || first=
	while [ "$rc" = 1 ] && [ "$n" -lt "${REPEAT:-1}" ]; do
		n=$((n + 1))
		rc=0
		"$RIG_TOP/run.sh" boot "$first" RESULTS_DIR="$RESULTS_DIR" >>"$log" 2>&1 || rc=$?
		[ "$rc" != 0 ] || { run_drop_copies "$first"; bisect_record "$sha" flaky 125; exit 125; }
	done
	run_drop_copies "$first"
	case "$rc" in
	0) bisect_record "$sha" good 0; exit 0 ;;
	1) bisect_record "$sha" bad 1; exit 1 ;;
	125) bisect_record "$sha" skip 125; exit 125 ;;
	*) bisect_record "$sha" rig-error "$rc"; exit 128 ;;
	esac
}

# GOOD must pass and BAD fail before bisecting, as ktest's BISECT_CHECK.
bisect_endpoint() {
	local tree=$1 rev=$2 name=$3 want=$4 rc=0 run
	note "checking $name=$(bisect_subject "$tree" "$rev")"
	git -C "$tree" checkout -qf --detach "$rev"
	"$RIG_TOP/run.sh" bisect-step || rc=$?
	run=$(awk -v s="$rev" '$1 == s { r = $4 } END { print r }' "$BISECT_VERDICTS")
	[ "$rc" = "$want" ] && return 0
	case "$rc" in
	0) die "$EXIT_USAGE" "$name=${!name} passes the suite, so there is nothing to bisect: choose a failing BAD or the failing TESTS (log: $run/summary.txt)" ;;
	1) die "$EXIT_USAGE" "$name=${!name} fails the suite too (log: $run/summary.txt): choose an older GOOD" ;;
	*) die "$EXIT_CANNOT_TEST" "$name=${!name} cannot be tested (exit $rc, log: $run): it must build and boot" ;;
	esac
}

bisect_clone() {
	local src=$1 tree=$2
	# A clone whose commits left its source (a rewritten history) starts again.
	if [ -d "$tree/.git" ] && ! git -C "$tree" rev-parse -q --verify 'HEAD^{commit}' >/dev/null; then
		rm -rf "$tree"
	fi
	if [ ! -d "$tree/.git" ]; then
		mkdir -p "$(dirname "$tree")"
		git clone -q --shared --no-checkout "$src" "$tree" ||
			die "$EXIT_RIG" "cannot clone $src into $tree"
	fi
	# Under the bisect lock no git runs in the clone: an index.lock there
	# is an interrupted bisect's (a checkout killed midway), which would
	# stop this one with "index.lock: File exists".
	rm -f "$tree/.git/index.lock"
	# A bisect interrupted earlier leaves its state in the clone; the branch
	# it started from may be gone since (a rewritten history): stay put.
	git -C "$tree" bisect reset -q >/dev/null 2>&1 ||
		git -C "$tree" bisect reset HEAD >/dev/null 2>&1 || true
}

bisect_main() {
	local src tree good bad out rc=0 pid
	[ -n "$KERNEL_SRC" ] || die "$EXIT_USAGE" "make bisect needs KERNEL_SRC=/path/to/linux, a git tree"
	src=$(cd "$KERNEL_SRC" 2>/dev/null && pwd) ||
		die "$EXIT_USAGE" "KERNEL_SRC=$KERNEL_SRC does not exist"
	[ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$src" ] ||
		die "$EXIT_USAGE" "KERNEL_SRC=$src is not the top of a git repository: bisect needs its history"
	if [ -z "${GOOD:-}" ] || [ -z "${BAD:-}" ]; then
		die "$EXIT_USAGE" "make bisect needs GOOD=<rev> (the suite passes) and BAD=<rev> (it fails)"
	fi
	if [ "$ARCH" != "${ARCH%% *}" ] || [ "$CGROUP" != "${CGROUP%% *}" ]; then
		die "$EXIT_USAGE" "make bisect runs one ARCH and one CGROUP, not '$ARCH' / '$CGROUP'"
	fi
	good=$(bisect_rev "$src" "$GOOD" GOOD)
	bad=$(bisect_rev "$src" "$BAD" BAD)
	git -C "$src" merge-base --is-ancestor "$good" "$bad" ||
		die "$EXIT_USAGE" "GOOD=$GOOD is not an ancestor of BAD=$BAD"
	# The clone and its builds get a build directory of their own. Each step
	# builds a private copy laid out as the main one (src/linux-<major.minor>
	# of the step's own version, <arch>-linux-...: RIG_TREE_COPY=named), so that
	# ccache serves the files it shares with the packaged tree (build.sh)
	# and each era of a history keeps its own incremental build.
	BUILD_DIR=$BUILD_DIR/bisect/$(hash_text "$src" | cut -c1-8)
	tree=$BUILD_DIR/clone/linux
	# One bisect of a source at a time: the clone is theirs to share.
	mkdir -p "$BUILD_DIR" || die "$EXIT_RIG" "cannot create $BUILD_DIR"
	exec 6>"$BUILD_DIR/.bisect.lock"
	flock_or_wait 6 "waiting for another bisect of $src ($BUILD_DIR)"
	out=$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ)-bisect-$ARCH
	mkdir -p "$out/steps" || die "$EXIT_RIG" "cannot create $out"
	run_mark_latest "$out"
	bisect_clone "$src" "$tree"
	export KERNEL_SRC=$tree RESULTS_DIR=$out/steps BISECT_VERDICTS=$out/verdicts.txt BUILD_DIR
	export RIG_TREE_COPY=named
	export REPEAT=${REPEAT:-1} ARCH CGROUP TESTS
	: >"$BISECT_VERDICTS"
	bisect_endpoint "$tree" "$good" GOOD 0
	bisect_endpoint "$tree" "$bad" BAD 1
	git -C "$tree" bisect start "$bad" "$good" >"$out/bisect-run.log" 2>&1 ||
		die "$EXIT_RIG" "git bisect start failed (log: $out/bisect-run.log)"
	# Progress: each verdict as it is recorded.
	(cd "$tree" && git bisect run "$RIG_TOP/run.sh" bisect-step) >>"$out/bisect-run.log" 2>&1 &
	pid=$!
	tail -n +3 -s 0.5 -f --pid="$pid" "$BISECT_VERDICTS" | while read -r sha v _; do
		note "bisect: $(bisect_subject "$tree" "$sha"): $v"
	done
	wait "$pid" || rc=$?
	git -C "$tree" bisect log >"$out/bisect.log" 2>&1 || true
	bisect_report "$tree" "$out" "$rc"
}

# The image a verdict recorded for SHA, or "" if none was built.
bisect_image() {
	awk -v s="$1" '$1 == s && $5 != "-" { i = $5 } END { print i }' "$BISECT_VERDICTS"
}

# A culprit whose kernel image equals its parent's cannot have changed
# the kernel: the failure is flaky or comes from elsewhere.
bisect_suspect() {
	local tree=$1 first=$2 parent fimg pimg
	parent=$(git -C "$tree" rev-parse --verify -q "$first^") || return 0
	fimg=$(bisect_image "$first")
	[ -n "$fimg" ] || return 0
	pimg=$(bisect_image "$parent")
	if [ -z "$pimg" ]; then
		git -C "$tree" checkout -qf --detach "$parent"
		"$RIG_TOP/run.sh" build >"$RESULTS_DIR/build-parent.log" 2>&1 || return 0
		pimg=$(cat "$(run_latest "$RESULTS_DIR")/image.sha256")
	fi
	if [ -n "$fimg" ] && [ "$fimg" = "$pimg" ]; then
		echo "SUSPECT: the kernel image built at this commit is identical to its parent's;"
		echo "         the failure is likely flaky (raise REPEAT) or not from this commit"
	else
		echo "image:   differs from its parent's (${pimg:0:12} -> ${fimg:0:12})"
	fi
}

bisect_summary() {
	local tree=$1 out=$2 first=$3 run
	if [ -z "$first" ]; then
		echo "no single first bad commit:"
		sed -n "/only 'skip'ped commits left/,\$p" "$out/bisect-run.log"
	else
		run=$(awk -v s="$first" '$1 == s && $2 == "bad" { r = $4 } END { print r }' "$BISECT_VERDICTS")
		echo "first bad commit: $(git -C "$tree" log -1 --format='%H' "$first")"
		echo "subject: $(git -C "$tree" log -1 --format='%s' "$first")"
		bisect_suspect "$tree" "$first"
		echo "failed there:"
		report_failures "$run" | sed 's/^/    /'
		results_read "$run" | grep '^kernel_log fail' | sed 's/^/    /' || true
		echo "log:     $(run_console "$run")"
	fi
	awk '$2 == "skip" || $2 == "flaky" || $2 == "rig-error" { print $1, $2, $3, $4 }' \
		"$BISECT_VERDICTS" | while read -r sha v rc run; do
		echo "skipped: $(bisect_subject "$tree" "$sha") ($v, exit $rc, $run)"
	done
	echo "bisect log: $out/bisect.log"
	echo "verdicts: $BISECT_VERDICTS"
}

bisect_report() {
	local tree=$1 out=$2 rc=$3 first
	first=$(sed -n 's/^# first bad commit: \[\([0-9a-f]*\)\].*/\1/p' "$out/bisect.log")
	git -C "$tree" bisect reset -q >/dev/null 2>&1 || true
	bisect_summary "$tree" "$out" "$first" | tee "$out/summary.txt"
	[ -n "$first" ] && exit "$EXIT_PASS"
	grep -q ' rig-error ' "$BISECT_VERDICTS" && exit "$EXIT_RIG"
	note "git bisect run ended with exit $rc and no single culprit (log: $out/bisect-run.log)"
	exit "$EXIT_CANNOT_TEST"
}
