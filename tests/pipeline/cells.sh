# shellcheck shell=bash
# The driver's scheduling, apart from the pipeline it drives: locks (one
# run per build directory, one guest at a time) and cells (several arches,
# kernels or hierarchies in one make test, pipelined: the next builds while
# this one boots, each cell's output shown whole and in order).

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

# Several cells (arch, kernel, cgroup, debug, preemption, CPUs): one
# run.sh per cell; the closing line and the exit code cover them all. A
# failed test (1) wins over "cannot test" (125); usage and rig errors stop
# at once.
# CELLS: lines "arch kernel cgroup debug preempt cpus [suites]" (kernel:
# 6.12, 6.1 or a path; preempt: a PREEMPT model, cpus: CPUS, each - for
# the run's default).
# CELL_NAMES=long names each cell in full (nightly), else by what varies.
# Cells are pipelined: the next one builds while this one boots (each
# starts building when the one before has built: cell_wait_turn); their
# guests take turns (the boot lock), so no guest's figures share the
# CPUs with another's. Each cell's output is shown whole and in order.
run_cells() {
	local a k g d pr c su i n=0 rc worst=0 p=0 f=0 s=0 x=0 xf=0 xp=0 cp cf cs cx cxf cxp run
	local -a names=()
	CELLS_DIR=$BUILD_DIR/cells.$$
	rm -rf "$CELLS_DIR"
	mkdir -p "$CELLS_DIR" || die "$EXIT_RIG" "cannot create $CELLS_DIR"
	trap 'cells_interrupt' INT TERM
	while read -r a k g d pr c su; do
		names[n]=$(cell_name "$a" "$k" "$g" "$d" "$pr" "$c")
		echo "$a $k $g $d $pr $c $su" >"$CELLS_DIR/$n.cell"
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
	counts_line "$p" "$f" "$s" "$xf" "$xp" "$x"
	return "$worst"
}

# cells_start I: cell I in a process group of its own (so Ctrl-C reaches
# it through cells_interrupt, and a background job's ignored SIGINT is
# not inherited), its output into CELLS_DIR; it builds after cell I-1.
cells_start() {
	local a k g d pr c su i=$1 dir=$CELLS_DIR
	read -r a k g d pr c su <"$dir/$i.cell"
	[ "$i" != 0 ] || : >"$dir/0.go"
	: >"$dir/$i.out"
	: >"$dir/$i.err"
	set -m
	cell_run "$a" "$k" "$g" "$d" "$pr" "$c" "$su" RIG_ARCH_PREFIX="$(cell_name "$a" "$k" "$g" "$d" "$pr" "$c"): " \
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
# and, when the cell names them, preemption model and suites.
cell_run() {
	local a=$1 k=$2 g=$3 d=$4 p=$5 c=$6 s=$7
	shift 7
	[ -z "$s" ] || set -- "$@" SUITES="$s"
	[ "$p" = - ] || set -- "$@" PREEMPT="$p"
	[ "$c" = - ] || set -- "$@" CPUS="$c"
	case "$k" in
	*/*) env "$@" ARCH="$a" KERNEL_SRC="$k" CGROUP="$g" DEBUG="$d" "$0" test ;;
	*) env "$@" ARCH="$a" KERNEL="$k" KERNEL_SRC= CGROUP="$g" DEBUG="$d" "$0" test ;;
	esac
}

# cell_name ARCH KERNEL CGROUP DEBUG [PREEMPT [CPUS]]: x86_64-6.12-v2-debug0,
# and -none (or another model), -cpus4, when the cell asks for one.
cell_name() {
	local k=$2 p='' c=''
	case "$k" in */*) k=ext-$(basename "$k") ;; esac
	case "${5:--}" in -) ;; *) p=-$5 ;; esac
	case "${6:--}" in -) ;; *) c=-cpus$6 ;; esac
	if [ "${CELL_NAMES:-}" = long ]; then
		echo "$1-$k-$3-debug$4$p$c"
	elif [ "$CGROUP" = v2 ]; then
		echo "$1$p$c"
	else
		echo "$1-$3$p$c"
	fi
}
