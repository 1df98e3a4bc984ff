#!/usr/bin/env bash
# make bench: how long each phase takes, per arch: cold (fresh build dir,
# ccache off), warm (nothing changed) and incremental (mm/memcontrol.c
# touched). "init" is the kernel's own time to /init, "suite" the rest of
# the boot. Prints figures; asserts nothing, so it cannot flake.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$TOP/build/bench
ARCHES=${ARCH:-um x86_64}
export BUILD_DIR=$BENCH/build RESULTS_DIR=$BENCH/results
# shellcheck source=tests/pipeline/results.sh
. "$TOP/tests/pipeline/results.sh"

run_case() {
	local name=$1 t0 t1 last
	shift
	t0=$(date +%s.%N)
	env "$@" "$TOP/run.sh" test >"$BENCH/$name.log" 2>&1 ||
		{ echo "bench: the $name run failed (log: $BENCH/$name.log)" >&2; exit 1; }
	t1=$(date +%s.%N)
	last=$(run_latest "$RESULTS_DIR")
	cp "$last/timings.txt" "$BENCH/$name.timings"
	cp "$last/summary.txt" "$BENCH/$name.summary"
	printf 'total    %6.1f\n' "$(echo "$t1 - $t0" | bc)" >>"$BENCH/$name.timings"
}

table() {
	local a=$1 accel
	accel=$(sed -n "s/^accel: *//p" "$BENCH/$a-warm.summary" | cut -d, -f1)
	printf "%s (%s), seconds:\n" "$a" "${accel:-native}"
	printf '  %-8s %8s %8s %12s\n' phase cold warm incremental
	awk 'FNR == 1 { f++ } { v[f, $1] = $2; if (f == 1) order[++n] = $1 }
		END { for (i = 1; i <= n; i++) { k = order[i]
			printf "  %-8s %8s %8s %12s\n", k, v[1, k], v[2, k], v[3, k] } }' \
		"$BENCH/$a-cold.timings" "$BENCH/$a-warm.timings" "$BENCH/$a-incremental.timings"
}

# make test in a fresh build dir, ccache off, all arches at once (the
# pipelined cells: x86_64 builds while UML boots); each arch's cold
# phases come from its cell's run, its total being their sum.
bench_fresh() {
	local t0 t1 a dir
	t0=$(date +%s.%N)
	env ARCH="$ARCHES" CCACHE_DISABLE=1 "$TOP/run.sh" test >"$BENCH/fresh.log" 2>&1 ||
		{ echo "bench: the fresh run failed (log: $BENCH/fresh.log)" >&2; exit 1; }
	t1=$(date +%s.%N)
	FRESH_SECONDS=$(echo "$t1 - $t0" | bc)
	for a in $ARCHES; do
		dir=$(find "$RESULTS_DIR" -mindepth 1 -maxdepth 1 -type d -name "*-$a-*" | sort | tail -n 1)
		cp "$dir/timings.txt" "$BENCH/$a-cold.timings"
		awk '{ s += $2 } END { printf "total    %6.1f\n", s }' "$dir/timings.txt" >>"$BENCH/$a-cold.timings"
	done
}

"$TOP/run.sh" deps
rm -rf "$BENCH"
mkdir -p "$BENCH"
bench_fresh
for a in $ARCHES; do
	run_case "$a-warm" ARCH="$a"
	touch "$BUILD_DIR/src/linux-${KERNEL:-6.12}/mm/memcontrol.c"
	run_case "$a-incremental" ARCH="$a"
	# DEBUG=1 (lockdep, KASAN, kmemleak): its cold build, for nightly's
	# debug cells; BENCH_DEBUG=0 leaves it out.
	[ "${BENCH_DEBUG:-1}" = 0 ] || run_case "$a-debug-cold" ARCH="$a" DEBUG=1 CCACHE_DISABLE=1
done
REPORT=$BENCH/report.txt
echo "kmemcg-rig bench: KERNEL=${KERNEL:-6.12}, $(nproc) CPUs" | tee "$REPORT"
for a in $ARCHES; do
	table "$a" | tee -a "$REPORT"
done

# The bisect drill of make check (tests/check/bisect.sh), timed: a cold
# build of the drill's tree, then incremental steps.
bench_bisect() {
	local t0 t1 steps
	# shellcheck disable=SC2034 # read by bisect.sh
	CHECK_LOGS=$BENCH/drill
	# shellcheck source=/dev/null
	. "$TOP/tests/check/bisect.sh"
	drill_history >"$BENCH/drill.log" 2>&1 ||
		{ echo "bench: the drill history failed (log: $BENCH/drill.log)" >&2; exit 1; }
	t0=$(date +%s.%N)
	"$TOP/run.sh" bisect KERNEL_SRC="$DRILL" GOOD=rig-pristine BAD=drill ARCH=um \
		TESTS=reparent_slab >>"$BENCH/drill.log" 2>&1 ||
		{ echo "bench: the bisect drill failed (log: $BENCH/drill.log)" >&2; exit 1; }
	t1=$(date +%s.%N)
	steps=$(wc -l <"$(run_latest "$RESULTS_DIR")/verdicts.txt")
	DRILL_SECONDS=$(echo "$t1 - $t0" | bc)
	printf 'bisect drill (um): %.1f s for %s verdicts, cold build of the drill tree included\n' \
		"$DRILL_SECONDS" "$steps"
}

case " $ARCHES " in *" um "*) bench_bisect >"$BENCH/drill.txt"; tee -a "$REPORT" <"$BENCH/drill.txt" ;; esac

# One figure from a case's timings: the phase's seconds.
figure() {
	awk -v k="$2" '$1 == k { print $2 }' "$BENCH/$1.timings"
}

# The targets of issue 14, each with its goal and its ratio to the last
# figure recorded in results/bench-history.txt (then recorded there).
goals() {
	local hist=$TOP/results/bench-history.txt now row value goal prev
	now=$(date -u +%Y%m%dT%H%M%SZ)
	[ -f "$hist" ] || : >"$hist"
	echo "targets (seconds; ratio to the last run of make bench):"
	while IFS='|' read -r row value goal; do
		[ -n "$value" ] || continue
		prev=$(awk -F'|' -v r="$row" '$2 == r { v = $3 } END { print v }' "$hist" 2>/dev/null)
		printf '  %-44s %7.1f  goal %5s  %s\n' "$row" "$value" "$goal" \
			"$([ -z "$prev" ] || echo "x$(echo "scale=2; $value / $prev" | bc)")"
		echo "$now|$row|$value" >>"$hist"
	done <<ROWS
make test in a fresh build dir, both arches|${FRESH_SECONDS:-}|360
cold UML build|$(figure um-cold build 2>/dev/null)|120
cold x86_64 build|$(figure x86_64-cold build 2>/dev/null)|180
warm UML run (build check, boot, suite)|$(figure um-warm total 2>/dev/null)|10
warm x86_64 run under TCG|$(figure x86_64-warm total 2>/dev/null)|15
UML loop after touching mm/memcontrol.c|$(figure um-incremental total 2>/dev/null)|15
bisect drill, cold drill build included|${DRILL_SECONDS:-}|300
cold UML DEBUG=1 build|$(figure um-debug-cold build 2>/dev/null)|-
cold x86_64 DEBUG=1 build|$(figure x86_64-debug-cold build 2>/dev/null)|-
ROWS
}
goals >"$BENCH/goals.txt"
tee -a "$REPORT" <"$BENCH/goals.txt"
# Both arches, the debug builds too: the figures go to tests/measured/.
if [ "$ARCHES" = "um x86_64" ] && [ "${BENCH_DEBUG:-1}" = 1 ]; then
	# shellcheck source=tests/commands/measured.sh
	. "$TOP/tests/commands/measured.sh"
	measured_write "$TOP/tests/measured/bench.txt" "$REPORT" \
		"make bench on $(date -u +%Y-%m-%d)"
fi
