# shellcheck shell=bash
# make nightly: the matrix ARCH x KERNEL x CGROUP x DEBUG (x PREEMPT x CPUS
# on x86_64; UML cannot preempt and has one CPU) plus the mutation
# run, narrowed by MATRIX and cut by SHARD=i/N so that a CI engine can
# spread it over machines. Each cell is a normal run (junit.xml and
# metadata.json in its folder) with RERUN=1: a test that fails, then
# passes alone, is FLAKY. results/index.html is remade at the end.

NIGHTLY_ARCH=um,x86_64
NIGHTLY_KERNEL=6.12,6.1,5.4
NIGHTLY_CGROUP=v2,v1
NIGHTLY_DEBUG=0,1
# x86_64 boots each model: a race a preemption opens, and the kernels that
# run without it.
NIGHTLY_PREEMPT=none,full
# x86_64 boots 4 CPUs too, where a fleet's kernels run (preempt=full, no
# debug checkers): percpu_charge_mutex contention, drains of several remote
# stocks, and the SMP tests' units spread over every CPU. 2 is the default.
NIGHTLY_CPUS=2,4
# A kernel booted with cgroup.memory=nokmem charges no kmem: every kmem
# test must say so as a declared skip (tests/expected-skips) and every
# other test still pass, told apart from a kernel that lost kmem charging.
NIGHTLY_NOKMEM_ARGS=cgroup.memory=nokmem
# The nightly soak: warm UML suites, each test's failures and figure spreads.
NIGHTLY_SOAK_N=${NIGHTLY_SOAK_N:-5}
# The quick suite stresses for 3 s; a nightly cell has the time for more.
NIGHTLY_STRESS_SECONDS=${NIGHTLY_STRESS_SECONDS:-30}

nightly_bad_word() {
	die "$EXIT_USAGE" "MATRIX: cannot use '$1': give arch=um,x86_64 kernel=6.12,6.1,5.4,/path cgroup=v2,v1 debug=0,1 preempt=none,voluntary,full cpus=2,4 (x86_64), cell names such as um-6.12-v2-debug0, x86_64-6.12-v2-debug0-none or x86_64-6.12-v2-debug0-full-cpus4, mutants (on UML), mutants-x86_64, mutants-5.4 (5.4's own mutations, UML), nokmem (UML booted with cgroup.memory=nokmem), soak or sweep"
}

nightly_check_value() {
	local dim=$1 v
	for v in ${2//,/ }; do
		case "$dim:$v" in
		arch:um | arch:x86_64 | kernel:6.12 | kernel:6.1 | kernel:5.4 | kernel:/* | cgroup:v1 | cgroup:v2 | debug:0 | debug:1 | preempt:none | preempt:voluntary | preempt:full | cpus:[1-9] | cpus:[1-9][0-9]) ;;
		*) nightly_bad_word "$dim=$v" ;;
		esac
	done
}

# A cell name (um-6.12-v2-debug0, x86_64-6.12-v2-debug0-none,
# x86_64-6.12-v2-debug0-full-cpus4) as "arch kernel cgroup debug preempt
# cpus" (-: the run's default).
nightly_cell_tuple() {
	local a k g d p c
	IFS=- read -r a k g d p c <<<"$1"
	case "$d" in debug?) ;; *) nightly_bad_word "$1" ;; esac
	nightly_check_value arch "$a"
	nightly_check_value kernel "$k"
	nightly_check_value cgroup "$g"
	nightly_check_value debug "${d#debug}"
	[ -z "$p" ] || nightly_check_value preempt "$p"
	case "$c" in "" | cpus?*) ;; *) nightly_bad_word "$1" ;; esac
	c=${c#cpus}
	[ -z "$c" ] || nightly_check_value cpus "$c"
	echo "$a $k $g ${d#debug} ${p:--} ${c:--}"
}

# Every cell of the matrix, in a fixed order: "arch kernel cgroup debug"
# lines, then "mutants", "mutants-x86_64" and "mutants-5.4" (the mutation runs; SMP-only
# tests such as reparent_slab_smp are killed only on x86_64), "nokmem"
# (UML booted with cgroup.memory=nokmem) and "soak"
# (NIGHTLY_SOAK_N warm UML suites) and "sweep" (make sweep, the default
# functions).
nightly_matrix() {
	local arch=$NIGHTLY_ARCH kernel=${KERNEL_SRC:-$NIGHTLY_KERNEL} cgroup=$NIGHTLY_CGROUP
	local debug=$NIGHTLY_DEBUG preempt=$NIGHTLY_PREEMPT cpus=$NIGHTLY_CPUS w named="" mutants="mutants mutants-x86_64 mutants-5.4 nokmem soak sweep" a k g d p c
	[ -z "${MATRIX:-}" ] || mutants=""
	for w in ${MATRIX:-}; do
		case "$w" in
		arch=* | kernel=* | cgroup=* | debug=* | preempt=* | cpus=*)
			nightly_check_value "${w%%=*}" "${w#*=}"
			printf -v "${w%%=*}" '%s' "${w#*=}"
			;;
		mutants | mutants-x86_64 | mutants-5.4 | nokmem | soak | sweep) mutants="$mutants $w" ;;
		*-*-*-*) named="$named $w" ;;
		*) nightly_bad_word "$w" ;;
		esac
	done
	if [ -n "$named" ]; then
		for w in $named; do nightly_cell_tuple "$w"; done
	else
		for a in ${arch//,/ }; do for k in ${kernel//,/ }; do
			for g in ${cgroup//,/ }; do for d in ${debug//,/ }; do
				if [ "$a" = x86_64 ]; then
					for p in ${preempt//,/ }; do for c in ${cpus//,/ }; do
						# 5.4 predates PREEMPT_DYNAMIC: it boots only as built (full)
						[ "$k" != 5.4 ] || [ "$p" = full ] || continue
						# more CPUs: a preemptible kernel without debug checkers
						[ "$c" = 2 ] || { [ "$p" = full ] && [ "$d" = 0 ]; } || continue
						if [ "$c" = 2 ]; then echo "$a $k $g $d $p -"; else echo "$a $k $g $d $p $c"; fi
					done; done
				else
					echo "$a $k $g $d - -"
				fi
			done; done
		done; done
	fi
	for w in $mutants; do echo "$w"; done
}

# SHARD=i/N: every N-th cell, starting at the i-th.
nightly_shard() {
	local i=${SHARD%/*} n=${SHARD#*/}
	case "$i/$n" in
	*[!0-9/]* | /* | */ | 0/* | */0) die "$EXIT_USAGE" "SHARD must be i/N with 1 <= i <= N, not '$SHARD'" ;;
	esac
	[ "$i" -le "$n" ] || die "$EXIT_USAGE" "SHARD must be i/N with 1 <= i <= N, not '$SHARD'"
	awk -v i="$i" -v n="$n" '(NR - 1) % n == i - 1'
}

nightly_cells() {
	local all
	all=$(nightly_matrix) || exit
	if [ -n "${SHARD:-}" ]; then
		nightly_shard <<<"$all"
	else
		echo "$all"
	fi
}

nightly_list() {
	local line cells
	cells=$(nightly_cells) || exit
	while read -r line; do
		case "$line" in mutants* | nokmem | soak | sweep) echo "$line"; continue ;; esac
		# shellcheck disable=SC2086
		CELL_NAMES=long cell_name $line
	done <<<"$cells"
}

# A DEBUG cell runs the rig's suite alone unless SUITES was given:
# upstream's memory-protection and kmem tests measure amounts that KASAN,
# slub_debug and kmemleak change (on 2026-11-27: test_memcg_min, _low and
# _reclaim and test_kmem_kernel_stacks failed there, and test_kmem ran past
# its 180 s deadline on x86_64 6.1 under TCG), and the debug checkers are
# there for the rig's workloads. Adds the suites column run_cells reads.
nightly_suites() {
	awk -v given="${SUITES_GIVEN:-}" '{ print $0 ($4 == 1 && given == "" ? " rig" : "") }'
}

# The nokmem cell: UML, the default kernel, the rig's suite, RERUN=1 as
# every cell; its run folder goes into cells.txt as a cell's does.
nightly_nokmem() {
	local out=$1 mrc=0
	env ARCH=um KERNEL="${KERNEL:-6.12}" KERNEL_ARGS="$NIGHTLY_NOKMEM_ARGS" RERUN=1 \
		"$0" test >"$out/nokmem.log" 2>&1 || mrc=$?
	echo "nokmem $mrc $(run_latest "$RESULTS_DIR" || echo -)" >>"$out/cells.txt"
	echo "nokmem: $(tail -n 1 "$out/nokmem.log")"
	return "$mrc"
}

nightly_main() {
	local cells out rc=0 mrc m kernel
	cells=$(nightly_cells) || exit
	out=$RESULTS_DIR/nightly-$(date -u +%Y%m%dT%H%M%SZ)${SHARD:+-shard-${SHARD/\//-of-}}
	mkdir -p "$out" || die "$EXIT_RIG" "cannot create $out"
	note "nightly: $(grep -c . <<<"$cells") cells${SHARD:+ (shard $SHARD)}, record in $out/cells.txt"
	export RIG_CMDLINE="RIG_STRESS_SECONDS=$NIGHTLY_STRESS_SECONDS${RIG_CMDLINE:+ $RIG_CMDLINE}"
	CELLS=$(grep -vE '^(mutants|nokmem|soak|sweep)' <<<"$cells" | nightly_suites || true)
	if [ -n "$CELLS" ]; then
		CELL_NAMES=long CELLS_RECORD=$out/cells.txt run_cells || rc=$?
	fi
	for m in $(grep '^mutants' <<<"$cells" || true); do
		mrc=0
		ARCH=um
		kernel=${KERNEL:-6.12}
		case "$m" in mutants-x86_64) ARCH=x86_64 ;; mutants-5.4) kernel=5.4 ;; esac
		ARCH=$ARCH KERNEL=$kernel "$RIG_TOP/tests/commands/mutants.sh" >"$out/$m.log" 2>&1 || mrc=$?
		echo "$m $mrc $(sed -n 's/^table: //p' "$out/$m.log" | xargs -r dirname)" >>"$out/cells.txt"
		echo "$m: $(tail -n 1 "$out/$m.log")"
		[ "$mrc" = 0 ] || rc=1
	done
	if grep -qx nokmem <<<"$cells"; then
		nightly_nokmem "$out" || rc=1
	fi
	if grep -qx soak <<<"$cells"; then
		mrc=0
		env N="$NIGHTLY_SOAK_N" ARCH=um "$0" soak >"$out/soak.log" 2>&1 || mrc=$?
		echo "soak $mrc $(sed -n 's/^soak: \(\S*\) .*/\1/p' "$out/soak.log")" >>"$out/cells.txt"
		echo "soak: $(tail -n 1 "$out/soak.log")"
		[ "$mrc" = 0 ] || rc=1
	fi
	if grep -qx sweep <<<"$cells"; then
		mrc=0
		KERNEL=${KERNEL:-6.12} "$RIG_TOP/tests/commands/sweep.sh" >"$out/sweep.log" 2>&1 || mrc=$?
		echo "sweep $mrc $(sed -n 's/^page: \(.*\)\/sweep.html/\1/p' "$out/sweep.log")" >>"$out/cells.txt"
		echo "sweep: $(grep -m 1 '^all ' "$out/sweep.log" || tail -n 1 "$out/sweep.log")"
		[ "$mrc" = 0 ] || rc=1
	fi
	index_stage "$RESULTS_DIR"
	echo "index: $RESULTS_DIR/index.html"
	return "$rc"
}
