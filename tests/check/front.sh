# shellcheck shell=bash
# The front half of the pipeline on toy inputs, in check-quick: each stage
# is a function of the run folder (facts.json, request), so it runs alone
# on a folder made here. Source (the three kinds of tree), config (the
# stage's flow with merge_config.sh stood in for, a missing option,
# fragments that disagree), boot's command line and its timeout, and
# cells (the closing line and exit code of several runs).

front_load() {
	local f
	RIG_TOP=$TOP
	for f in common tree results source patch config guest cells; do
		# shellcheck source=/dev/null
		. "$TOP/tests/pipeline/$f.sh"
	done
}

# front_toy_tree DIR MAJOR.MINOR: a tree is_kernel_tree accepts, with a
# Kconfig where FOO depends on BAR.
front_toy_tree() {
	mkdir -p "$1/arch/um" "$1/init"
	printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = 999\nEXTRAVERSION =\nNAME = toy\n' \
		"${2%%.*}" "${2#*.}" >"$1/Makefile"
	printf 'config FOO\n\tbool "foo"\n\tdepends on BAR\n\nconfig BAR\n\tbool "bar"\n' >"$1/Kconfig"
}

# front_facts DIR KEY=VALUE...: facts.json holds each.
front_facts() {
	local d=$1 kv got
	shift
	for kv in "$@"; do
		got=$(fact "$d" "${kv%%=*}")
		# shellcheck disable=SC2254 # a glob: src_id=ext-tree-????????
		case "$got" in
		${kv#*=}) ;;
		*) echo "fact ${kv%%=*}: expected ${kv#*=}, measured '$got'"; return 1 ;;
		esac
	done
}

# front_source KIND: the source stage on a toy tree of that kind (packaged:
# a tarball in KERNEL_TARBALLS, unpacked once; tree; git, clean and
# dirty), its records in the run folder.
front_source() (
	local d=$CHECK_LOGS/front-source-$1 sha
	front_load
	rm -rf "$d" && mkdir -p "$d/run" "$d/build"
	# shellcheck disable=SC2034 # the source stage reads them
	RUN_DIR=$d/run BUILD_DIR=$d/build KERNEL=5.4 KERNEL_SRC=
	case $1 in
	packaged)
		front_toy_tree "$d/linux-5.4.999" 5.4
		tar -C "$d" -cJf "$d/linux-5.4.999.tar.xz" linux-5.4.999 || return 1
		# shellcheck disable=SC2034 # source_locate reads it
		KERNEL_TARBALLS=$d
		source_prepare 2>"$d/notes" && source_record || return 1
		front_facts "$RUN_DIR" src_kind=packaged src_id=5.4 "src=$BUILD_DIR/src/linux-5.4" \
			"source=linux-5.4.999 sha256:*" "src_tarball=$d/linux-5.4.999.tar.xz" || return 1
		[ "$(tree_version "$BUILD_DIR/src/linux-5.4")" = 5.4.999 ] || { echo "not unpacked"; return 1; }
		grep -q unpacking "$d/notes" || { echo "no unpacking said"; return 1; }
		source_prepare 2>"$d/notes2" || return 1
		! grep -q unpacking "$d/notes2" || { echo "unpacked twice"; return 1; }
		;;
	tree)
		front_toy_tree "$d/tree" 6.99
		KERNEL_SRC=$d/tree
		source_prepare && source_record || return 1
		front_facts "$RUN_DIR" src_kind=tree "src=$d/tree" "source=tree $d/tree" 'src_id=ext-tree-????????'
		;;
	git)
		front_toy_tree "$d/git" 6.99
		git -C "$d/git" init -q && git -C "$d/git" add -A &&
			git -C "$d/git" -c user.name=c -c user.email=c@c commit -qm toy || return 1
		sha=$(git -C "$d/git" rev-parse HEAD)
		# shellcheck disable=SC2034 # the source stage reads it
		KERNEL_SRC=$d/git
		source_prepare && source_record || return 1
		front_facts "$RUN_DIR" src_kind=git "source=git $sha" || return 1
		echo '# changed' >>"$d/git/Kconfig"
		source_prepare && source_record || return 1
		front_facts "$RUN_DIR" "source=git $sha+dirty-*"
		;;
	esac
)

# front_config CASE: the config stage on a toy tree, merge_config.sh stood
# in for by a copy of the .config it would make. ok: the .config lands in
# the run folder with its hash, and a second run reuses it without a merge;
# missing: an option the fragments ask for and the .config lacks is one
# line, exit 125, naming it; an optional one the tree does not have is
# not; conflict: fragments that disagree are refused (exit 2).
front_config() (
	local d=$CHECK_LOGS/front-config-$1 rc=0 out
	front_load
	rm -rf "$d" && mkdir -p "$d/run" "$d/obj" "$d/rig/kernel-config"
	front_toy_tree "$d/tree" 6.99
	# shellcheck disable=SC2034 # the config stage reads them
	RUN_DIR=$d/run RIG_TOP=$d/rig ARCH=um DEBUG=0 KCONFIG_ADD=
	fact_put tree "$d/tree"
	fact_put obj_dir "$d/obj"
	fact_put source "toy"
	fact_put src_kind packaged
	fact_put series_hash 0123
	printf 'CONFIG_FOO=y\nCONFIG_BAR=y\n' >"$d/rig/kernel-config/common.config"
	printf 'CONFIG_OPTIONAL_TOY=y\n' >"$d/rig/kernel-config/um.config"
	printf 'OPTIONAL_TOY\tnot in every tree\n' >"$d/rig/kernel-config/optional"
	case $1 in
	ok) printf 'CONFIG_FOO=y\nCONFIG_BAR=y\n' >"$d/made" ;;
	missing) printf 'CONFIG_BAR=y\n' >"$d/made" ;;
	conflict) printf '# CONFIG_BAR is not set\n' >"$d/rig/kernel-config/um.config" ;;
	esac
	# shellcheck disable=SC2317 # called by config_stage
	config_merge() {
		echo merge >>"$d/merges"
		cp "$d/made" "$O/.config"
	}
	out=$(config_stage 2>&1) || rc=$?
	case $1 in
	ok)
		if [ "$rc" != 0 ] || ! cmp -s "$d/made" "$RUN_DIR/config" ||
			[ -z "$(fact "$RUN_DIR" config_hash)" ]; then
			echo "exit $rc: $out"
			return 1
		fi
		config_stage || return 1
		[ "$(grep -c . "$d/merges")" = 1 ] || { echo "merged again for the same tree and fragments"; return 1; }
		;;
	missing)
		if [ "$rc" != 125 ] || ! grep -q "config options requested but not in the final .config: CONFIG_FOO=y (got: absent) ; fix" <<<"$out" ||
			grep -q OPTIONAL_TOY <<<"$out"; then
			echo "exit $rc: $out"
			return 1
		fi
		;;
	conflict)
		if [ "$rc" != 2 ] || ! grep -q "fragments disagree: CONFIG_BAR=y (common.config) vs n (um.config)" <<<"$out"; then
			echo "exit $rc: $out"
			return 1
		fi
		;;
	esac
)

# The guest's command line and UML's argv from a run folder's config and
# series and the request: each variable where the init reads it.
front_cmdline() (
	local d=$CHECK_LOGS/front-cmdline got want
	front_load
	# shellcheck source=tests/pipeline/arch/um.sh
	. "$TOP/tests/pipeline/arch/um.sh"
	rm -rf "$d" && mkdir -p "$d"
	# shellcheck disable=SC2034 # guest_cmdline and arch_boot_argv read them
	RUN_DIR=$d ARCH=um CGROUP=v1 SUITES=rig,kselftest TESTS=a,b KSFT_PROGRAMS=test_kmem DEBUG=1
	# shellcheck disable=SC2034
	KERNEL_ARGS=cgroup.memory=nokmem RIG_CMDLINE=RIG_FAIL_FAST=1 RIG_ATTEMPT=2 MEM=1G
	BOOT_IMAGE=/img BOOT_ROOTFS=/rootfs.cpio
	printf 'CONFIG_KASAN=y\nCONFIG_SLUB_MEMCG_SYSFS_ON=y\n' >"$d/config"
	printf '# series s hash 0 on toy\n# host-compat: um-xstate-partial.patch\n' >"$d/series"
	got=$(arch_boot_argv test | paste -sd' ')
	want="/img mem=1G initrd=/rootfs.cpio con=null con0=null,fd:1 printk.time=1 RIG_CGROUP=v1 RIG_SUITES=rig,kselftest RIG_TESTS=a,b RIG_KSFT_PROGRAMS=test_kmem RIG_ATTEMPT=2 RIG_DEBUG=1 slub_memcg_sysfs=1 GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-AVX,-AVX_Fast_Unaligned_Load cgroup.memory=nokmem RIG_FAIL_FAST=1"
	[ "$got" = "$want" ] || { printf 'expected: %s\nmeasured: %s\n' "$want" "$got"; return 1; }
	# without KASAN a DEBUG boot asks SLUB for its checks
	printf 'CONFIG_X=y\n' >"$d/config"
	arch_boot_argv test | grep -qx 'slub_debug=FZPU' || { echo "no slub_debug=FZPU without KASAN"; return 1; }
)

# guest_run's deadline: a guest that outlives it is killed whole (its
# children too) and said to have timed out; one that exits gives its code.
front_timeout() (
	local d=$CHECK_LOGS/front-timeout mark
	front_load
	rm -rf "$d" && mkdir -p "$d"
	mark=rig-front-timeout-$$
	guest_run "$d/hang.log" 1 bash -c "echo up; (exec -a $mark sleep 60) & exec -a $mark sleep 60" || return 1
	if [ "$BOOT_TIMED_OUT" != 1 ] || ! grep -qx up "$d/hang.log"; then
		echo "timed out $BOOT_TIMED_OUT: $(cat "$d/hang.log")"
		return 1
	fi
	! pgrep -f "$mark" >/dev/null || { echo "the guest outlived its deadline"; return 1; }
	guest_run "$d/exit.log" 5 sh -c 'exit 3' || return 1
	if [ "$BOOT_TIMED_OUT" != 0 ] || [ "$BOOT_RC" != 3 ]; then
		echo "exit: timed out $BOOT_TIMED_OUT, rc $BOOT_RC"
		return 1
	fi
)

# Cells: each runs ./run.sh test (here a stand-in that prints a closing
# line and writes its counts), in order, one guest at a time; the total
# adds their counts, and a failed test (1) wins over "cannot test" (125).
front_cells() {
	local d=$CHECK_LOGS/front-cells rc=0 out
	rm -rf "$d" && mkdir -p "$d"
	cat >"$d/driver" <<'EOF'
#!/usr/bin/env bash
set -eu
RIG_TOP=$FRONT_TOP
for f in common results cells; do . "$RIG_TOP/tests/pipeline/$f.sh"; done
if [ "${1:-}" = test ]; then
	# a cell: 2 passed; on v1 1 passed and 1 failed (exit 1), on x86_64
	# cannot test (125)
	cell_wait_turn
	cell_pass_turn
	boot_lock
	echo "$ARCH $CGROUP" >>"$BUILD_DIR/booted"
	boot_unlock
	if [ "$CGROUP" = v1 ]; then
		echo "${RIG_ARCH_PREFIX:-}1 passed, 1 failed, 0 skipped"
		echo "1 1 0 0 0 0 -" >"$RIG_COUNTS"
		exit 1
	fi
	echo "${RIG_ARCH_PREFIX:-}2 passed, 0 failed, 0 skipped"
	echo "2 0 0 0 0 0 -" >"$RIG_COUNTS"
	[ "$ARCH" = um ] || exit 125
	exit 0
fi
CGROUP="v2 v1"
CELLS="um 6.12 v1 0 - -
x86_64 6.12 v2 0 - -
um 6.12 v2 0 - -"
run_cells
EOF
	chmod +x "$d/driver"
	out=$(cd "$d" && FRONT_TOP=$TOP BUILD_DIR=$d ./driver 2>&1) || rc=$?
	[ "$rc" = 1 ] || { echo "exit $rc, expected 1: $out"; return 1; }
	[ "$(tail -n 1 <<<"$out")" = "5 passed, 1 failed, 0 skipped" ] || { echo "closing line: $out"; return 1; }
	[ "$(paste -sd, "$d/booted")" = "um v1,x86_64 v2,um v2" ] || { echo "booted: $(paste -sd, "$d/booted")"; return 1; }
	grep -q '^x86_64-v2: 2 passed' <<<"$out" || { echo "no x86_64 line: $out"; return 1; }
}

front_checks() {
	local k
	for k in packaged tree git; do check "front_source_$k" front_source "$k"; done
	for k in ok missing conflict; do check "front_config_$k" front_config "$k"; done
	check front_cmdline front_cmdline
	check front_timeout front_timeout
	check front_cells front_cells
}
