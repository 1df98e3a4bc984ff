#!/usr/bin/env bash
# kmemcg-rig: source -> patches -> config -> build -> rootfs -> boot ->
# parse -> report. Each stage lives in tests/harness/<stage>.sh.
#
# Usage: ./run.sh [test|shell|deps|list|parse LOG STATUS DIR] [VAR=value...]
# Exit: 0 pass, 1 a test failed, 2 usage or missing dependency,
#       125 cannot test (patch, config or build), 128 the rig itself broke.
set -eu

RIG_TOP=$(cd "$(dirname "$0")" && pwd)
for stage in common deps source patch config build rootfs boot parse report; do
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/harness/$stage.sh"
done

usage() {
	sed -n '2,8s/^# \{0,1\}//p' "$0"
	cat <<'USAGE'

Variables (also as make variables): ARCH="um x86_64" KERNEL=6.12|6.1
KERNEL_SRC=/path SERIES=patches/series DEBUG=0|1 CGROUP=v2|v1
TESTS=name,name TIMEOUT=300 MEM=256M CPUS=2 ACCEL=kvm|tcg JOBS=<nproc>
KCONFIG_ADD=frag.config
USAGE
}

defaults() {
	ARCH=${ARCH:-um x86_64}
	ARCH=${ARCH//,/ }
	KERNEL=${KERNEL:-6.12}
	KERNEL_SRC=${KERNEL_SRC:-}
	SERIES=${SERIES:-$RIG_TOP/patches/series}
	DEBUG=${DEBUG:-0}
	CGROUP=${CGROUP:-v2}
	[ "$CGROUP" != both ] || CGROUP="v2 v1"
	TESTS=${TESTS:-}
	TIMEOUT=${TIMEOUT:-300}
	MEM=${MEM:-256M}
	CPUS=${CPUS:-2}
	ACCEL=${ACCEL:-}
	JOBS=${JOBS:-$(nproc)}
	BUILD_DIR=${BUILD_DIR:-$RIG_TOP/build}
	RESULTS_DIR=${RESULTS_DIR:-$RIG_TOP/results}
}

validate() {
	local a
	for a in $ARCH; do
		[ -f "$RIG_TOP/tests/harness/arch/$a.sh" ] ||
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
	case "$TIMEOUT" in '' | *[!0-9]*) die "$EXIT_USAGE" "TIMEOUT must be seconds, not '$TIMEOUT'" ;; esac
	case "$CPUS" in '' | *[!0-9]* | 0) die "$EXIT_USAGE" "CPUS must be a number of CPUs, not '$CPUS'" ;; esac
	case "$SERIES" in /*) ;; *) SERIES=$PWD/$SERIES ;; esac
}

parse_args() {
	MODE="test"
	ARGS=()
	while [ $# -gt 0 ]; do
		case "$1" in
		test | shell | deps | list | parse) MODE=$1 ;;
		-h | --help) usage; exit 0 ;;
		[A-Z]*=*) export "${1?}" ;;
		-*) die "$EXIT_USAGE" "unknown option '$1' (see ./run.sh --help)" ;;
		*)
			[ "$MODE" = parse ] ||
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
	RUN_DIR=$base
	mkdir -p "$RESULTS_DIR" || die "$EXIT_RIG" "cannot create $RESULTS_DIR"
	while ! mkdir "$RUN_DIR" 2>/dev/null; do
		RUN_DIR=$base.$n
		n=$((n + 1))
	done
	ln -sfn "$(basename "$RUN_DIR")" "$RESULTS_DIR/latest"
}

# The suite binary runs on the host too: it checks TESTS before a boot.
suite_build() {
	make -s -C "$RIG_TOP/tests" O="$BUILD_DIR/rootfs" >/dev/null ||
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

run_test() {
	prepare_kernel
	note "booting $KERNEL_RELEASE ($ARCH, cgroup $CGROUP, timeout ${TIMEOUT}s)"
	phase_begin boot
	boot_stage
	phase_end
	boot_split_phases
	phase_begin parse
	parse_stage "$RUN_DIR/console.log" "$RUN_DIR" "$BOOT_STATUS" "$BOOT_TIMED_OUT"
	phase_end
	report_stage
}

load_arch() {
	# shellcheck source=/dev/null
	. "$RIG_TOP/tests/harness/arch/$ARCH.sh"
}

# Several arches (the default, "um x86_64") or hierarchies (CGROUP=both):
# one run per cell, UML first; the closing line and the exit code cover
# them all. A failed test (1) wins over "cannot test" (125); usage and
# rig errors stop at once.
run_cells() {
	local a g cell rc worst=0 counts p=0 f=0 s=0 cp cf cs
	for cell in $(for a in $ARCH; do for g in $CGROUP; do echo "$a:$g"; done; done); do
		a=${cell%%:*} g=${cell#*:}
		counts=$BUILD_DIR/counts-$a-$g
		rm -f "$counts"
		rc=0
		cell=$a
		[ "$CGROUP" = v2 ] || cell=$a-$g
		ARCH=$a CGROUP=$g RIG_ARCH_PREFIX="$cell: " RIG_COUNTS=$counts "$0" test || rc=$?
		case $rc in
		0) ;;
		1) worst=1 ;;
		125) [ $worst = 1 ] || worst=125 ;;
		*) exit "$rc" ;;
		esac
		if [ -s "$counts" ]; then
			read -r cp cf cs <"$counts"
		else
			cp=0 cf=1 cs=0
		fi
		p=$((p + cp)) f=$((f + cf)) s=$((s + cs))
	done
	echo "$p passed, $f failed, $s skipped"
	exit "$worst"
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
		report_closing
		[ "$PARSE_FAILED" = 0 ] && [ -z "$PARSE_PROBLEM" ] || exit "$EXIT_FAIL"
		;;
	test | shell)
		deps
		check_tests
		if [ "$MODE" = shell ]; then
			ARCH=${ARCH%% *}
			load_arch
			prepare_kernel
			boot_shell
		fi
		if [ "$ARCH" != "${ARCH%% *}" ] || [ "$CGROUP" != "${CGROUP%% *}" ]; then
			run_cells
		else
			load_arch
			run_test
		fi
		;;
	esac
}

main "$@"
