# shellcheck shell=bash
# Stage 5b: upstream's cgroup selftests, the peer suite (SUITES=kselftest).
# Built from the tree under test (packaged, KERNEL_SRC or a bisect step's
# tree), statically, against that tree's UAPI headers, into
# $BUILD_DIR/kselftest-<tree>/; the rootfs puts them in
# /bin/kselftest-cgroup/ with the guest's runner.

KSFT_LIST=$RIG_TOP/tests/guest/kselftest/cgroup.list
KSFT_DIR_IN_TREE=tools/testing/selftests/cgroup

ksft_programs() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$KSFT_LIST"
}

# KSFT_PROGRAMS=a,b: some of the list only (make check's mutants).
ksft_check_programs() {
	local p
	for p in ${KSFT_PROGRAMS//,/ }; do
		ksft_programs | grep -qx "$p" ||
			die "$EXIT_USAGE" "KSFT_PROGRAMS names $p, which is not in $KSFT_LIST: use $(ksft_programs | paste -sd, -)"
	done
}

ksft_wanted() {
	case ",${SUITES:-rig}," in *,kselftest,*) return 0 ;; esac
	return 1
}

# What the programs are made of: their sources and the tree's UAPI
# headers (not the whole tree: a mutation of mm/ reuses them).
# ksft_inputs_hash TREE
ksft_inputs_hash() {
	{
		echo "$1"
		cat "$KSFT_LIST" "$RIG_TOP/tests/pipeline/kselftest.sh"
		(cd "$1" && find "$KSFT_DIR_IN_TREE" tools/testing/selftests/kselftest.h \
			tools/testing/selftests/clone3 tools/testing/selftests/pidfd \
			include/uapi arch/x86/include/uapi -type f 2>/dev/null | sort | xargs cat)
	} | sha256sum | cut -c1-16
}

# The tree's headers (make headers, x86_64: both arches run x86_64 user
# space) and the programs, rebuilt when what they are made of changed.
# ksft_build TREE SRC_ID: sets KSFT_BIN and records it (facts.json:
# ksft_bin).
ksft_build() {
	local tree=$1 out=$BUILD_DIR/kselftest-$2 dir=$1/$KSFT_DIR_IN_TREE stamp p
	KSFT_BIN=$out/bin
	fact_put ksft_bin "$KSFT_BIN"
	stamp=$(ksft_inputs_hash "$tree")
	[ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ] || return 0
	[ -d "$dir" ] ||
		die "$EXIT_CANNOT_TEST" "$tree has no $KSFT_DIR_IN_TREE: SUITES=kselftest needs a tree with upstream's cgroup selftests; use SUITES=rig"
	rm -rf "$out"
	mkdir -p "$KSFT_BIN"
	make -s -C "$tree" O="$out/headers" ARCH=x86_64 headers >"$out/build.log" 2>&1 ||
		die "$EXIT_CANNOT_TEST" "make headers failed in $tree (log: $out/build.log)"
	for p in $(ksft_programs); do
		[ -f "$dir/$p.c" ] ||
			die "$EXIT_USAGE" "$KSFT_LIST names $p, which $tree/$KSFT_DIR_IN_TREE does not have: remove it from the list"
		# As upstream's Makefile builds them: -Wall -pthread and no -O (at -O2
		# gcc drops alloc_anon()'s stores to memory it then frees, and no
		# OOM comes), plus -static.
		gcc -Wall -pthread -D_GNU_SOURCE= -static -isystem "$out/headers/usr/include" \
			-I"$tree/tools/testing/selftests" -o "$KSFT_BIN/$p" "$dir/$p.c" \
			"$dir/cgroup_util.c" >>"$out/build.log" 2>&1 ||
			die "$EXIT_CANNOT_TEST" "upstream's $p did not build from $tree (log: $out/build.log)"
	done
	echo "$stamp" >"$out/.stamp"
}

# gen_init_cpio lines: the programs and the guest's runner.
ksft_rootfs_spec() {
	local p
	echo "dir /bin/kselftest-cgroup 0755 0 0"
	echo "file /bin/kselftest-cgroup/run $RIG_TOP/tests/guest/kselftest/run 0755 0 0"
	echo "file /bin/kselftest-cgroup/list $KSFT_LIST 0644 0 0"
	for p in $(ksft_programs); do
		echo "file /bin/kselftest-cgroup/$p $KSFT_BIN/$p 0755 0 0"
	done
}
