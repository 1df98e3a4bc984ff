#!/usr/bin/env bash
# kmemcg-rig: source -> patches -> config -> build -> rootfs -> boot ->
# parse -> report. Each stage lives in tests/pipeline/<stage>.sh; the user
# commands beside make test (bisect, nightly, soak) in tests/commands/.
#
# Usage: ./run.sh [test|shell|build|bisect|bisect-step|nightly|nightly-list|index|
#                 soak|deps|list|parse LOG STATUS DIR|figures RUN_DIR...] [VAR=value...]
# Exit: 0 pass, 1 a test failed, 2 usage or missing dependency,
#       125 cannot test (patch, config, build, or no boot to /init),
#       128 the rig itself broke.
set -eu

RIG_TOP=$(cd "$(dirname "$0")" && pwd)
for stage in common deps source patch config build kselftest rootfs boot ktap parse parse_kselftest parse_known report export index; do
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/pipeline/$stage.sh"
done
for command in measured bisect nightly soak; do
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/commands/$command.sh"
done

usage() {
	sed -n '2,9s/^# \{0,1\}//p' "$0"
	cat <<'USAGE'

Variables (also as make variables): ARCH="um x86_64" KERNEL=6.12|6.1
KERNEL_SRC=/path SERIES=patches/series DEBUG=0|1 CGROUP=v2|v1
SUITES=rig|kselftest|rig,kselftest KSFT_PROGRAMS=test_kmem,... TESTS=name,name TIMEOUT=300 MEM=256M CPUS=2 NODES=2 ACCEL=kvm|tcg JOBS=<nproc>
KCONFIG_ADD=frag.config RERUN=0
bisect: KERNEL_SRC=/path/to/linux GOOD=<rev> BAD=<rev> REPEAT=1 (ARCH=um)
nightly: MATRIX="arch=um kernel=6.12,6.1 cgroup=v2 debug=0,1" SHARD=i/N RERUN=1
soak: N=20 (runs per arch)
USAGE
}

defaults() {
	# git bisect run calls us from the top of the tree it bisects.
	if [ -z "${KERNEL_SRC:-}" ] && [ "$PWD" != "$RIG_TOP" ] && is_kernel_tree "$PWD"; then
		KERNEL_SRC=$PWD
	fi
	case "$MODE" in bisect*) ARCH=${ARCH:-um} ;; esac
	ARCH=${ARCH:-um x86_64}
	ARCH=${ARCH//,/ }
	KERNEL=${KERNEL:-6.12}
	KERNEL_SRC=${KERNEL_SRC:-}
	SERIES=${SERIES:-$RIG_TOP/patches/series}
	DEBUG=${DEBUG:-0}
	CGROUP=${CGROUP:-v2}
	[ "$MODE" != nightly ] || RERUN=${RERUN:-1}
	RERUN=${RERUN:-0}
	[ "$CGROUP" != both ] || CGROUP="v2 v1"
	TESTS=${TESTS:-}
	# make shell offers both suites; nightly runs both (its DEBUG cells the
	# rig's alone, see nightly_suites).
	# shellcheck disable=SC2034 # nightly_suites reads it
	SUITES_GIVEN=${SUITES:+1}
	case "$MODE" in shell | nightly) SUITES=${SUITES:-rig,kselftest} ;; esac
	SUITES=${SUITES:-rig}
	KSFT_PROGRAMS=${KSFT_PROGRAMS:-}
	# Upstream's programs take minutes more, under TCG most of all.
	if ksft_wanted; then TIMEOUT=${TIMEOUT:-1200}; fi
	TIMEOUT=${TIMEOUT:-300}
	MEM=${MEM:-256M}
	CPUS=${CPUS:-2}
	NODES=${NODES:-2}
	ACCEL=${ACCEL:-}
	JOBS=${JOBS:-$(nproc)}
	BUILD_DIR=${BUILD_DIR:-$RIG_TOP/build}
	RESULTS_DIR=${RESULTS_DIR:-$RIG_TOP/results}
}

validate() {
	local a
	for a in $ARCH; do
		[ -f "$RIG_TOP/tests/pipeline/arch/$a.sh" ] ||
			die "$EXIT_USAGE" "unknown ARCH '$a': use ARCH=um, ARCH=x86_64 or both (the default)"
	done
	if [ -z "$KERNEL_SRC" ]; then
		case "$KERNEL" in
		6.12 | 6.1) ;;
		*) die "$EXIT_USAGE" "unknown KERNEL '$KERNEL': use KERNEL=6.12 or KERNEL=6.1, or KERNEL_SRC=/path/to/linux" ;;
		esac
	fi
	for a in $CGROUP; do
		case "$a" in v1 | v2) ;; *) die "$EXIT_USAGE" "unknown CGROUP '$a': use v2, v1 or both" ;; esac
	done
	case "$DEBUG" in 0 | 1) ;; *) die "$EXIT_USAGE" "DEBUG must be 0 or 1, not '$DEBUG'" ;; esac
	for a in ${SUITES//,/ }; do
		case "$a" in rig | kselftest) ;; *) die "$EXIT_USAGE" "unknown suite '$a' in SUITES: use rig, kselftest or rig,kselftest" ;; esac
	done
	case "$TIMEOUT" in '' | *[!0-9]*) die "$EXIT_USAGE" "TIMEOUT must be seconds, not '$TIMEOUT'" ;; esac
	case "$RERUN" in '' | *[!0-9]*) die "$EXIT_USAGE" "RERUN must be a number of reruns, not '$RERUN'" ;; esac
	case "$CPUS" in '' | *[!0-9]* | 0) die "$EXIT_USAGE" "CPUS must be a number of CPUs, not '$CPUS'" ;; esac
	case "$NODES" in '' | *[!0-9]* | 0) die "$EXIT_USAGE" "NODES must be a number of NUMA nodes (x86_64), not '$NODES'" ;; esac
	case "$MEM" in *[!0-9MmGg]* | [!0-9]*) die "$EXIT_USAGE" "MEM must be a size such as 256M or 1G, not '$MEM'" ;; esac
	case "$SERIES" in /*) ;; *) SERIES=$PWD/$SERIES ;; esac
	ksft_check_programs
}

parse_args() {
	MODE="test"
	ARGS=()
	while [ $# -gt 0 ]; do
		case "$1" in
		test | shell | build | bisect | bisect-step | nightly | nightly-list | index | deps | list | parse | soak | figures) MODE=$1 ;;
		-h | --help) usage; exit 0 ;;
		[A-Z]*=*) export "${1?}" ;;
		-*) die "$EXIT_USAGE" "unknown option '$1' (see ./run.sh --help)" ;;
		*)
			case "$MODE" in parse | figures) ;; *) false ;; esac ||
				die "$EXIT_USAGE" "unknown argument '$1' (see ./run.sh --help)"
			ARGS+=("$1")
			;;
		esac
		shift
	done
}

# results/<UTC time>-<arch>-<release>, never reused.
new_run_dir() {
	local base n=1
	base=$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ)-$ARCH-$1
	[ "$CGROUP" = v2 ] || base=$base-$CGROUP
	[ "$DEBUG" = 0 ] || base=$base-debug
	RUN_DIR=$base
	mkdir -p "$RESULTS_DIR" || die "$EXIT_RIG" "cannot create $RESULTS_DIR"
	while ! mkdir "$RUN_DIR" 2>/dev/null; do
		# Taken by a run in the same second: the next name; any other
		# failure (permissions, a full disk) is the rig's to report.
		[ -e "$RUN_DIR" ] ||
			die "$EXIT_RIG" "cannot create $RUN_DIR (is $RESULTS_DIR writable?)"
		RUN_DIR=$base.$n
		n=$((n + 1))
	done
	ln -sfn "$(basename "$RUN_DIR")" "$RESULTS_DIR/latest"
}

# The suite binary runs on the host too: it checks TESTS before a boot.
suite_build() {
	rootfs_programs "$BUILD_DIR/rootfs" >/dev/null ||
		die "$EXIT_RIG" "the test programs did not build (make -C tests)"
}

check_tests() {
	[ -n "$TESTS" ] || return 0
	suite_build
	"$BUILD_DIR/rootfs/kmemcg-suite" --list >"$BUILD_DIR/tests.list"
	"$BUILD_DIR/rootfs/kmemcg-suite" --check "$TESTS" 2>/dev/null ||
		die "$EXIT_USAGE" "TESTS=$TESTS names a test that does not exist; tests: $(tr '\n' ' ' <"$BUILD_DIR/tests.list")"
}

prepare_kernel() {
	phase_begin unpack
	source_prepare
	phase_end
	new_run_dir "$(source_version "$SRC")"
	printf '%s' "$PHASES" >"$RUN_DIR/timings.txt"
	O=$BUILD_DIR/$ARCH-$SRC_ID
	[ "$DEBUG" = 0 ] || O=$O-debug
	phase_begin patch
	patch_stage
	series_record "$RUN_DIR/series"
	phase_end
	phase_begin config
	config_stage
	phase_end
	phase_begin build
	note "building $ARCH kernel in $O"
	build_stage
	phase_end
	phase_begin rootfs
	rootfs_stage
	phase_end
}

# flock_or_wait FD WHY: the lock on FD; if another holds it, say WHY we
# wait, then wait.
flock_or_wait() {
	flock -n "$1" && return 0
	note "$2"
	flock "$1"
}

# One run at a time per build directory: a second `make test` in the same
# checkout waits for the first and says so (kernel builds, the source
# tree and the rootfs are shared). The lock is held until the kernel and
# rootfs are built and copied into the run folder: the boot runs from the
# copy, so the next run may patch and rebuild the tree while this one
# boots (make mutants overlaps its mutations so).
run_lock() {
	[ -z "${RIG_LOCK_HELD:-}" ] || return 0
	exec 9>"$BUILD_DIR/.lock"
	flock_or_wait 9 "waiting for another run that uses $BUILD_DIR (pid $(cat "$BUILD_DIR/.lock.pid" 2>/dev/null || echo ?))"
	echo "$$" >"$BUILD_DIR/.lock.pid"
	export RIG_LOCK_HELD=1
	RUN_LOCKED=1
}

run_unlock() {
	[ "${RUN_LOCKED:-0}" = 1 ] || return 0
	flock -u 9
	exec 9>&-
	unset RIG_LOCK_HELD
	RUN_LOCKED=0
}

# Cells of one make test take turns to boot (RIG_BOOT_LOCK, from
# run_cells): one builds while another boots, but no two guests share
# the CPUs, whose figures (and upstream's deadlines) would then move.
boot_lock() {
	[ -n "${RIG_BOOT_LOCK:-}" ] || return 0
	exec 8>"$RIG_BOOT_LOCK"
	flock_or_wait 8 "waiting for the previous cell's guest to finish"
}

boot_unlock() {
	[ -n "${RIG_BOOT_LOCK:-}" ] || return 0
	flock -u 8
	exec 8>&-
}

# Cells of one make test build in order (from run_cells): a cell waits
# for its go file (RIG_CELL_GO), which the cell before it writes once it
# has built (RIG_CELL_NEXT), so the next builds while it boots, or which
# run_cells writes when the cell before ended with a verdict.
cell_wait_turn() {
	[ -n "${RIG_CELL_GO:-}" ] || return 0
	while [ ! -e "$RIG_CELL_GO" ]; do
		kill -0 "$RIG_CELL_PARENT" 2>/dev/null || exit "$EXIT_RIG"
		sleep 0.2
	done
}

cell_pass_turn() {
	[ -z "${RIG_CELL_NEXT:-}" ] || : >"$RIG_CELL_NEXT"
}

# What boots is the run's own copy of what was built (removed when the
# run ends; image.sha256 and config record it).
boot_snapshot() {
	local dir=$RUN_DIR/boot
	{ mkdir -p "$dir" && cp "$KERNEL_IMAGE" "$ROOTFS" "$dir/"; } ||
		die "$EXIT_RIG" "cannot copy the kernel and rootfs into $dir (disk full?)"
	# shellcheck disable=SC2034 # boot_record_cmdline reads them
	BUILT_IMAGE=$KERNEL_IMAGE BUILT_ROOTFS=$ROOTFS
	KERNEL_IMAGE=$dir/$(basename "$KERNEL_IMAGE")
	ROOTFS=$dir/$(basename "$ROOTFS")
}

run_test() {
	local rc=0
	trap 'run_exit $?' EXIT
	cell_wait_turn
	run_lock
	prepare_kernel
	boot_snapshot
	run_unlock
	cell_pass_turn
	boot_lock
	note "booting $KERNEL_RELEASE ($ARCH, cgroup $CGROUP, timeout ${TIMEOUT}s)"
	phase_begin boot
	boot_stage
	phase_end
	boot_unlock
	boot_split_phases
	phase_begin parse
	parse_stage "$RUN_DIR/console.log" "$RUN_DIR" "$BOOT_STATUS" "$BOOT_TIMED_OUT"
	phase_end
	report_stage || rc=$?
	[ "$rc" != 1 ] || [ "$RERUN" = 0 ] || ! run_rerun || rc=0
	return "$rc"
}

# Whatever ends the run, its folder gets junit.xml and metadata.json; a
# failure while writing them must not change the exit code.
run_exit() {
	local rc=$1
	set +e
	[ -z "${RUN_DIR:-}" ] || rm -rf "${RUN_DIR:?}/boot"
	export_stage "$rc"
	exit "$rc"
}

# RERUN=n: failed tests run again, alone, up to n times in fresh boots;
# if they then pass they are FLAKY, reported and counted apart, not PASS,
# and the run still fails unless the test is listed as known-flaky.
# A kernel_log splat or a crashed guest is never retried away.
run_rerun() {
	local failed n=0 rc=1
	failed=$(awk '$2 == "fail" { print $1 }' "$RUN_DIR/results.txt" | paste -sd, -)
	# Upstream's programs run whole, in order: not one test alone.
	case ",$failed," in ",," | *,kernel_log,* | *,kselftest.*) return 1 ;; esac
	[ -z "$PARSE_PROBLEM" ] || return 1
	while [ "$rc" != 0 ] && [ "$n" -lt "$RERUN" ]; do
		n=$((n + 1))
		note "rerunning $failed (attempt $((n + 1)))"
		rc=0
		RERUN=0 SUITES=rig TESTS=$failed RIG_ATTEMPT=$((n + 1)) RESULTS_DIR=$RUN_DIR/rerun \
			RIG_ARCH_PREFIX="${RIG_ARCH_PREFIX:-}rerun: " RIG_COUNTS='' "$0" test || rc=$?
	done
	[ "$rc" = 0 ] || return 1
	report_flaky "${failed//,/ }"
	run_flaky_listed "${failed//,/ }"
}

# A test that fails, then passes, is a race: the run still fails unless
# tests/known-failures lists it as "flaky:<test>", with its measured rate.
run_flaky_listed() {
	local t known bad=
	known=$(parse_known "$RUN_DIR/console.log" | cut -f1)
	for t in $1; do
		grep -qx "flaky:$t" <<<"$known" || bad="$bad $t"
	done
	[ -z "$bad" ] && return 0
	note "FLAKY is a failure:$bad not listed as flaky:<test> in tests/known-failures (a race in the kernel is a bug: list one only with its rate from make soak)"
	return 1
}

load_arch() {
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/pipeline/arch/$ARCH.sh"
}

# Several cells (arch, kernel, cgroup, debug): one run.sh per cell; the
# closing line and the exit code cover them all. A failed test (1) wins
# over "cannot test" (125); usage and rig errors stop at once.
# CELLS: lines "arch kernel cgroup debug [suites]" (kernel: 6.12, 6.1 or
# a path). CELL_NAMES=long names each cell in full (nightly), else by
# what varies.
# Cells are pipelined: the next one builds while this one boots (each
# starts building when the one before has built: cell_wait_turn); their
# guests take turns (the boot lock), so no guest's figures share the
# CPUs with another's. Each cell's output is shown whole and in order.
run_cells() {
	local a k g d su i n=0 rc worst=0 p=0 f=0 s=0 x=0 xf=0 xp=0 cp cf cs cx cxf cxp run
	local -a names=()
	CELLS_DIR=$BUILD_DIR/cells.$$
	rm -rf "$CELLS_DIR"
	mkdir -p "$CELLS_DIR" || die "$EXIT_RIG" "cannot create $CELLS_DIR"
	trap 'cells_interrupt' INT TERM
	while read -r a k g d su; do
		names[n]=$(cell_name "$a" "$k" "$g" "$d")
		echo "$a $k $g $d $su" >"$CELLS_DIR/$n.cell"
		n=$((n + 1))
	done <<<"$CELLS"
	cells_start 0
	for ((i = 0; i < n; i++)); do
		[ $((i + 1)) = "$n" ] || cells_start $((i + 1))
		rc=0
		cells_follow "$i" || rc=$?
		case $rc in
		0) ;;
		1) worst=1 ;;
		125) [ $worst = 1 ] || worst=125 ;;
		*) cells_interrupt "$rc" ;;
		esac
		: >"$CELLS_DIR/$((i + 1)).go"
		cp=0 cf=1 cs=0 cx=0 cxf=0 cxp=0 run=-
		[ ! -s "$CELLS_DIR/$i.counts" ] || read -r cp cf cs cx cxf cxp run <"$CELLS_DIR/$i.counts"
		p=$((p + cp)) f=$((f + cf)) s=$((s + cs)) x=$((x + cx)) xf=$((xf + cxf)) xp=$((xp + cxp))
		[ -z "${CELLS_RECORD:-}" ] || echo "${names[i]} $rc $run" >>"$CELLS_RECORD"
	done
	trap - INT TERM
	rm -rf "$CELLS_DIR"
	report_counts "$p" "$f" "$s" "$xf" "$xp" "$x"
	return "$worst"
}

# cells_start I: cell I in a process group of its own (so Ctrl-C reaches
# it through cells_interrupt, and a background job's ignored SIGINT is
# not inherited), its output into CELLS_DIR; it builds after cell I-1.
cells_start() {
	local a k g d su i=$1 dir=$CELLS_DIR
	read -r a k g d su <"$dir/$i.cell"
	[ "$i" != 0 ] || : >"$dir/0.go"
	: >"$dir/$i.out"
	: >"$dir/$i.err"
	set -m
	cell_run "$a" "$k" "$g" "$d" "$su" RIG_ARCH_PREFIX="$(cell_name "$a" "$k" "$g" "$d"): " \
		RIG_COUNTS="$dir/$i.counts" RIG_BOOT_LOCK="$dir/boot.lock" \
		RIG_CELL_GO="$dir/$i.go" RIG_CELL_NEXT="$dir/$((i + 1)).go" RIG_CELL_PARENT=$$ \
		</dev/null >>"$dir/$i.out" 2>>"$dir/$i.err" &
	set +m
	echo $! >"$dir/$i.pid"
}

# cells_follow I: cell I's output, from its start, until it ends; its
# exit code. The tails ignore SIGINT: on Ctrl-C they still show the
# cell's last words (where its logs are kept).
cells_follow() {
	local pid t1 t2
	CELLS_CUR=$1
	pid=$(cat "$CELLS_DIR/$1.pid")
	(trap '' INT; exec tail -n +1 --pid="$pid" -f "$CELLS_DIR/$1.err") >&2 &
	t1=$!
	(trap '' INT; exec tail -n +1 --pid="$pid" -f "$CELLS_DIR/$1.out") &
	t2=$!
	wait "$t1" "$t2"
	wait "$pid"
}

# Ctrl-C (or a rig error in a cell): every cell still running gets
# SIGINT, as from a terminal, and the run ends once they have; what the
# next cell said is shown after the current one's.
cells_interrupt() {
	local f n=0
	cells_signal INT
	# A run started with SIGINT ignored (nohup, a background job of a
	# script) passes that on to its cells: TERM once INT had 2 s.
	while [ -n "$(jobs -rp)" ] && [ "$n" -lt 20 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	cells_signal TERM
	wait
	for f in "$CELLS_DIR"/*.pid; do
		f=${f%.pid}
		[ "${f##*/}" -le "${CELLS_CUR:-0}" ] || cat "$f.err" "$f.out" >&2
	done
	rm -rf "$CELLS_DIR"
	exit "${1:-130}"
}

# cells_signal SIG: to every cell's process group.
cells_signal() {
	local f
	for f in "$CELLS_DIR"/*.pid; do
		[ -e "$f" ] || continue
		kill -"$1" -- "-$(cat "$f")" 2>/dev/null || true
	done
}

# One cell: run.sh test with the cell's arch, kernel, hierarchy, debug
# and, when the cell names them, suites.
cell_run() {
	local a=$1 k=$2 g=$3 d=$4 s=$5
	shift 5
	[ -z "$s" ] || set -- "$@" SUITES="$s"
	case "$k" in
	*/*) env "$@" ARCH="$a" KERNEL_SRC="$k" CGROUP="$g" DEBUG="$d" "$0" test ;;
	*) env "$@" ARCH="$a" KERNEL="$k" KERNEL_SRC= CGROUP="$g" DEBUG="$d" "$0" test ;;
	esac
}

cell_name() {
	local k=$2
	case "$k" in */*) k=ext-$(basename "$k") ;; esac
	if [ "${CELL_NAMES:-}" = long ]; then
		echo "$1-$k-$3-debug$4"
	elif [ "$CGROUP" = v2 ]; then
		echo "$1"
	else
		echo "$1-$3"
	fi
}

# make test over several arches or hierarchies.
test_cells() {
	local a g
	CELLS=$(for a in $ARCH; do for g in $CGROUP; do
		echo "$a ${KERNEL_SRC:-$KERNEL} $g $DEBUG"
	done; done)
	run_cells
}

main() {
	parse_args "$@"
	defaults
	validate
	mkdir -p "$BUILD_DIR" || die "$EXIT_RIG" "cannot create $BUILD_DIR"
	case "$MODE" in
	deps) deps "${RIG_DEPS_FOR:-}" ;;
	list) suite_build; "$BUILD_DIR/rootfs/kmemcg-suite" --list ;;
	parse)
		[ ${#ARGS[@]} = 3 ] || die "$EXIT_USAGE" "usage: run.sh parse CONSOLE_LOG GUEST_STATUS OUT_DIR"
		RUN_DIR=${ARGS[2]}
		mkdir -p "$RUN_DIR"
		parse_stage "${ARGS[0]}" "$RUN_DIR" "${ARGS[1]}" "${RIG_TIMED_OUT:-0}"
		[ -z "$PARSE_PROBLEM" ] || note "$PARSE_PROBLEM"
		report_closing
		[ "$PARSE_FAILED" = 0 ] && [ -z "$PARSE_PROBLEM" ] || exit "$EXIT_FAIL"
		;;
	test | shell)
		deps
		check_tests
		if [ "$MODE" = shell ]; then
			ARCH=${ARCH%% *}
			load_arch
			run_lock
			prepare_kernel
			boot_shell
		fi
		if [ "$ARCH" != "${ARCH%% *}" ] || [ "$CGROUP" != "${CGROUP%% *}" ]; then
			test_cells
		else
			load_arch
			run_test
		fi
		;;
	build)
		deps
		ARCH=${ARCH%% *}
		load_arch
		run_lock
		prepare_kernel
		echo "$KERNEL_IMAGE $IMAGE_HASH"
		;;
	bisect)
		deps
		check_tests
		bisect_main
		;;
	bisect-step) bisect_step ;;
	nightly)
		deps
		check_tests
		nightly_main
		;;
	nightly-list) nightly_list ;;
	soak)
		deps
		soak_main
		;;
	figures) soak_tables "${ARGS[@]}" ;;
	index)
		index_stage "$RESULTS_DIR"
		echo "$RESULTS_DIR/index.html"
		;;
	esac
}

main "$@"
