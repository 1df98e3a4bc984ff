#!/usr/bin/env bash
# kmemcg-rig: source -> patches -> config -> build -> rootfs -> boot ->
# parse -> [rerun] -> report. Each stage lives in
# tests/pipeline/<stage>.sh; the user commands beside make test (bisect,
# nightly, soak, known, releases) in tests/commands/.
#
# Usage: ./run.sh [test|shell|build|era|bisect|bisect-step|nightly|nightly-list|index|
#                 soak|deps|list|parse LOG STATUS DIR|rerun RUN_DIR|report RUN_DIR|boot RUN_DIR|
#                 figures RUN_DIR...|known [write|markdown]|releases] [VAR=value...]
# Exit: 0 pass, 1 a test failed, 2 usage or missing dependency,
#       125 cannot test (patch, config, build, or no boot to /init),
#       128 the rig itself broke.
set -eu

RIG_TOP=$(cd "$(dirname "$0")" && pwd)
for stage in common deps tree source patch config build kselftest rootfs guest boot ktap results parse parse_kselftest parse_known rerun report export index cells; do
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/pipeline/$stage.sh"
done
for command in measured bisect nightly soak known releases; do
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/commands/$command.sh"
done

usage() {
	sed -n '2,12s/^# \{0,1\}//p' "$0"
	cat <<'USAGE'

Variables (also as make variables): ARCH="um x86_64" KERNEL=6.12|6.1|5.4|6.12.N|6.1.N
KERNEL_SRC=/path SERIES=patches/series DEBUG=0|1 CGROUP=v2|v1
SUITES=rig|kselftest|rig,kselftest KSFT_PROGRAMS=test_kmem,... TESTS=name,name TIMEOUT=300 MEM=1G CPUS=2 NODES=2 PREEMPT=none|voluntary|full ACCEL=kvm|tcg JOBS=<nproc>
KCONFIG_ADD=frag.config RERUN=0
bisect: KERNEL_SRC=/path/to/linux GOOD=<rev> BAD=<rev> REPEAT=1 (ARCH=um)
nightly: MATRIX="arch=um kernel=6.12,6.1 cgroup=v2 debug=0,1" SHARD=i/N RERUN=1
soak: N=20 (runs per arch)
releases: RELEASES=6.12.107,6.1.170 (default: the oldest and newest of each line; ARCH=um)
USAGE
}

defaults() {
	# git bisect run calls us from the top of the tree it bisects.
	if [ -z "${KERNEL_SRC:-}" ] && [ "$PWD" != "$RIG_TOP" ] && is_kernel_tree "$PWD"; then
		KERNEL_SRC=$PWD
	fi
	case "$MODE" in bisect* | releases) ARCH=${ARCH:-um} ;; esac
	ARCH=${ARCH:-um x86_64}
	ARCH=${ARCH//,/ }
	KERNEL=${KERNEL:-6.12}
	KERNEL_SRC=${KERNEL_SRC:-}
	SERIES=${SERIES:-$RIG_TOP/patches/series}
	DEBUG=${DEBUG:-0}
	CGROUP=${CGROUP:-v2}
	case "$MODE" in nightly | rerun) RERUN=${RERUN:-1} ;; esac
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
	# Upstream's test_memcg_min and _low need A's 200M limit to be the only
	# pressure: in 256M, kswapd (global reclaim, where A/B's protection is
	# bounded by A's, 0) took 68 MB of A/B's protected page cache.
	MEM=${MEM:-1G}
	CPUS=${CPUS:-2}
	NODES=${NODES:-2}
	# empty: the arch's own default (load_arch)
	PREEMPT=${PREEMPT:-}
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
	[ -n "$KERNEL_SRC" ] || source_kernel_check
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
	case "$PREEMPT" in '' | none | voluntary | full) ;; *) die "$EXIT_USAGE" "PREEMPT must be none, voluntary or full (the boot's preempt=), not '$PREEMPT'" ;; esac
	case "$MEM" in *[!0-9MmGg]* | [!0-9]*) die "$EXIT_USAGE" "MEM must be a size such as 256M or 1G, not '$MEM'" ;; esac
	case "$SERIES" in /*) ;; *) SERIES=$PWD/$SERIES ;; esac
	# Before set-up and unpacking: a wrong path costs no install.
	series_check
	ksft_check_programs
}

# NAME is one of the variables a user gives the rig (one list, the
# Makefile's too); any other is a typo, refused rather than ignored.
var_listed() {
	awk -v v="$1" '$1 == v { f = 1 } END { exit !f }' "$RIG_TOP/tests/pipeline/variables.list"
}

var_known() {
	local hint=
	var_listed "$1" && return 0
	! var_listed "${1}S" || hint=" (did you mean ${1}S?)"
	die "$EXIT_USAGE" "unknown variable $1$hint: the rig reads those of tests/pipeline/variables.list (see ./run.sh --help)"
}

parse_args() {
	MODE="test"
	ARGS=()
	while [ $# -gt 0 ]; do
		case "$1" in
		test | shell | build | era | bisect | bisect-step | nightly | nightly-list | index | deps | list | parse | report | rerun | boot | soak | figures | known | releases) MODE=$1 ;;
		-h | --help) usage; exit 0 ;;
		[A-Z]*=*)
			var_known "${1%%=*}"
			export "${1?}"
			GIVEN_VARS="${GIVEN_VARS:-} ${1%%=*}"
			;;
		-*) die "$EXIT_USAGE" "unknown option '$1' (see ./run.sh --help)" ;;
		*)
			case "$MODE" in parse | report | rerun | boot | figures | known) ;; *) false ;; esac ||
				die "$EXIT_USAGE" "unknown argument '$1' (see ./run.sh --help)"
			ARGS+=("$1")
			;;
		esac
		shift
	done
}

# results/<UTC time>-<arch>-<cgroup>[-debug], never reused: made first, so
# that every stage, unpacking the source included, leaves its record and
# its error there. The kernel's release is a fact of the build
# (facts.json: kernel_release), as index.html and the summary show it.
new_run_dir() {
	local base n=1
	base=$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ)-$ARCH-$CGROUP
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
	run_mark_latest "$RUN_DIR"
}

# What was asked, written once at the start of the run: request.json.
run_request() {
	local v
	local -a args=()
	for v in $(request_vars run local); do
		args+=(--arg "${v,,}" "${!v:-}")
	done
	# numbers as numbers (debug, cpus, timeout...), the rest as given
	jq -n "${args[@]}" '$ARGS.named | map_values(if test("^[0-9]+$") then tonumber else . end)' \
		>"$RUN_DIR/request.json"
}

# The suite binary runs on the host too: it checks TESTS before a boot.
suite_build() {
	rootfs_programs "$(rootfs_bin)" >/dev/null ||
		die "$EXIT_RIG" "the test programs did not build (make -C tests)"
}

check_tests() {
	[ -n "$TESTS" ] || return 0
	suite_build
	"$(rootfs_bin)/kmemcg-suite" --list >"$BUILD_DIR/tests.list"
	"$(rootfs_bin)/kmemcg-suite" --check "$TESTS" 2>/dev/null ||
		die "$EXIT_USAGE" "TESTS=$TESTS names a test that does not exist; tests: $(tr '\n' ' ' <"$BUILD_DIR/tests.list")"
}

prepare_kernel() {
	new_run_dir
	run_request
	phase_begin unpack
	source_prepare
	phase_end
	source_record
	local O
	O=$BUILD_DIR/$ARCH-$(fact "$RUN_DIR" src_id)
	[ "$DEBUG" = 0 ] || O=$O-debug
	fact_put obj_dir "$O"
	phase_begin patch
	patch_stage
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

# boot_snapshot [IMAGE ROOTFS]: what boots is the run's own copy of what
# was built (or of IMAGE and ROOTFS) in DIR/boot/, under the names
# facts.json records, removed when the run ends.
boot_snapshot() {
	local dir=$RUN_DIR/boot img=${1:-} rootfs=${2:-}
	[ -n "$img" ] || img=$(fact "$RUN_DIR" kernel_image)
	[ -n "$rootfs" ] || rootfs=$(fact "$RUN_DIR" rootfs)
	{ mkdir -p "$dir" && cp "$img" "$rootfs" "$dir/"; } ||
		die "$EXIT_RIG" "cannot copy the kernel and rootfs into $dir (disk full?)"
}

run_test() {
	trap 'run_exit $?' EXIT
	cell_wait_turn
	run_lock
	prepare_kernel
	boot_snapshot
	run_unlock
	cell_pass_turn
	boot_and_judge
}

# ./run.sh boot DIR: what DIR records, booted again into a run folder of
# its own (kunit.py's exec): DIR's own copies while its run lasts (a
# rerun), else the kernel image and rootfs its build left, checked
# against DIR's hashes, and DIR's request (variables given on the
# command line win: TIMEOUT=600, RERUN=1).
boot_again() {
	local from=$1 img rootfs
	trap 'run_exit $?' EXIT
	run_lock
	img=$(boot_again_same "$from" kernel_image image_sha256 "kernel image") || exit
	rootfs=$(boot_again_same "$from" rootfs rootfs_sha256 rootfs) || exit
	new_run_dir
	run_request
	cp "$from/config" "$from/series" "$from/image.sha256" "$RUN_DIR/" ||
		die "$EXIT_RIG" "cannot copy $from's config and series into $RUN_DIR"
	jq --arg from "$from" '{ source, src, src_id, src_kind, tree, obj_dir, series_hash, config_hash,
		kernel_release, image_sha256, kernel_image, rootfs, rootfs_sha256, ksft_bin,
		booted_again_from: $from } | with_entries(select(.value != null))' \
		"$from/facts.json" >"$RUN_DIR/facts.json" ||
		die "$EXIT_RIG" "cannot read $from/facts.json"
	boot_snapshot "$img" "$rootfs"
	run_unlock
	boot_and_judge
}

# boot_request DIR: ./run.sh boot's folder (BOOT_FROM) and its request's
# variables, each unless the command line gave it (not the environment:
# make exports its variables, set or not).
boot_request() {
	local v
	[ $# = 1 ] || die "$EXIT_USAGE" "usage: run.sh boot RUN_DIR"
	BOOT_FROM=$(cd "$1" 2>/dev/null && pwd -P) || BOOT_FROM=$1
	if [ ! -f "$BOOT_FROM/request.json" ] || [ ! -f "$BOOT_FROM/facts.json" ]; then
		die "$EXIT_USAGE" "$1 is not a run folder with request.json and facts.json: give results/<run>"
	fi
	for v in $(request_vars run local); do
		case " ${GIVEN_VARS:-} " in *" $v "*) ;; *) export "$v=$(request "$BOOT_FROM" "${v,,}")" ;; esac
	done
}

# boot_again_same FROM FILE_KEY HASH_KEY WHAT: the path of the file FROM
# booted, unchanged: FROM's own copy (boot/, while its run lasts: another
# run may rebuild the shared one meanwhile), else the file it recorded.
boot_again_same() {
	local file want f
	file=$(fact "$1" "$2")
	want=$(fact "$1" "$3")
	if [ -z "$file" ] || [ -z "$want" ]; then
		die "$EXIT_USAGE" "$1 records no $4 to boot again (a run from before ./run.sh boot, or one that never built): run ./run.sh test again"
	fi
	for f in "$1/boot/$(basename "$file")" "$file"; do
		if [ -f "$f" ] && [ "$(sha256sum <"$f" | cut -d" " -f1)" = "$want" ]; then
			echo "$f"
			return 0
		fi
	done
	die "$EXIT_USAGE" "the $4 $1 booted ($file) was rebuilt or removed since: run ./run.sh test again"
}

# From the run's copy of kernel and rootfs to its verdict.
boot_and_judge() {
	local rc=0
	boot_lock
	note "booting $(fact "$RUN_DIR" kernel_release) ($ARCH, cgroup $CGROUP, timeout ${TIMEOUT}s)"
	phase_begin boot
	boot_stage
	phase_end
	boot_unlock
	boot_split_phases
	phase_begin parse
	parse_stage "$(run_console "$RUN_DIR")" "$RUN_DIR" "$(cat "$RUN_DIR/guest-status")" \
		"$(fact "$RUN_DIR" timed_out)"
	phase_end
	rerun_stage "$RUN_DIR" "$RERUN"
	report_stage || rc=$?
	# results/latest: the run that finished last
	run_mark_latest "$RUN_DIR"
	return "$rc"
}

# Whatever ends the run, its folder gets junit.xml and metadata.json; a
# failure while writing them must not change the exit code.
run_exit() {
	local rc=$1
	set +e
	# the run's copies go, unless a caller boots them again (RIG_KEEP_BOOT)
	[ -n "${RIG_KEEP_BOOT:-}" ] || run_drop_copies "${RUN_DIR:-}"
	export_stage "$rc"
	exit "$rc"
}

# A recorded run folder for ./run.sh report|rerun DIR: those stages read
# everything else from its files.
load_run_dir() {
	if ! run_has_results "$1" || [ ! -f "$1/request.json" ]; then
		die "$EXIT_USAGE" "$1 is not a run folder with its verdicts ($RUN_RESULTS) and request.json: give results/<run>"
	fi
	RUN_DIR=$1
}

load_arch() {
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/pipeline/arch/$ARCH.sh"
	PREEMPT=${PREEMPT:-$ARCH_PREEMPT}
	case " $ARCH_PREEMPT_MODELS " in
	*" $PREEMPT "*) ;;
	*) die "$EXIT_USAGE" "PREEMPT=$PREEMPT: $ARCH boots only $ARCH_PREEMPT_MODELS: use PREEMPT=$ARCH_PREEMPT, or ARCH=x86_64" ;;
	esac
}

# make test over several arches or hierarchies.
test_cells() {
	local a g
	# shellcheck disable=SC2034 # run_cells (cells.sh) reads it
	CELLS=$(for a in $ARCH; do for g in $CGROUP; do
		echo "$a ${KERNEL_SRC:-$KERNEL} $g $DEBUG - -"
	done; done)
	run_cells
}

main() {
	local rc=0
	parse_args "$@"
	[ "$MODE" != boot ] || boot_request "${ARGS[@]}"
	defaults
	validate
	mkdir -p "$BUILD_DIR" || die "$EXIT_RIG" "cannot create $BUILD_DIR"
	case "$MODE" in
	deps) deps "${RIG_DEPS_FOR:-}" ;;
	list) suite_build; "$(rootfs_bin)/kmemcg-suite" --list ;;
	parse)
		[ ${#ARGS[@]} = 3 ] || die "$EXIT_USAGE" "usage: run.sh parse CONSOLE_LOG GUEST_STATUS OUT_DIR"
		RUN_DIR=${ARGS[2]}
		mkdir -p "$RUN_DIR"
		parse_stage "${ARGS[0]}" "$RUN_DIR" "${ARGS[1]}" "${RIG_TIMED_OUT:-0}"
		[ ! -s "$RUN_DIR/problem.txt" ] || note "$(cat "$RUN_DIR/problem.txt")"
		report_closing
		[ "$(counts_get "$RUN_DIR" failed)" = 0 ] || exit "$EXIT_FAIL"
		;;
	report | rerun)
		[ ${#ARGS[@]} = 1 ] || die "$EXIT_USAGE" "usage: run.sh $MODE RUN_DIR"
		load_run_dir "$(cd "${ARGS[0]}" 2>/dev/null && pwd -P || echo "${ARGS[0]}")"
		[ "$MODE" != rerun ] || rerun_stage "$RUN_DIR" "$RERUN"
		rc=0
		report_stage || rc=$?
		export_stage "$rc"
		exit "$rc"
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
	boot)
		deps
		load_arch
		boot_again "$BOOT_FROM"
		;;
	build)
		deps
		ARCH=${ARCH%% *}
		load_arch
		run_lock
		prepare_kernel
		echo "$(fact "$RUN_DIR" kernel_image) $(fact "$RUN_DIR" image_sha256)"
		# make sweep reads the tree it mutates and the objects it compares.
		echo "tree $(fact "$RUN_DIR" tree) $(fact "$RUN_DIR" obj_dir)"
		;;
	era)
		deps
		source_prepare
		tree_era "$(source_tree)"
		# make mutants ports a mutation to the source it reads here.
		[ -z "${RIG_ERA_SRC:-}" ] || source_tree >"$RIG_ERA_SRC"
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
	releases)
		deps
		releases_main
		;;
	figures) soak_tables "${ARGS[@]}" ;;
	known) known_main "${ARGS[@]}" ;;
	index)
		index_stage "$RESULTS_DIR"
		echo "$RESULTS_DIR/index.html"
		;;
	esac
}

main "$@"
