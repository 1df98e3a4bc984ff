# shellcheck shell=bash
# Stage 5: the guest's root: static busybox, the rig's init and test
# programs, packed as a newc cpio by the tree's gen_init_cpio from a list,
# so device nodes need no root.

rootfs_spec() {
	local bin=$1 applet
	cat <<SPEC
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/null 0666 0 0 c 1 3
dir /bin 0755 0 0
dir /sbin 0755 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /tmp 1777 0 0
dir /root 0700 0 0
dir /etc 0755 0 0
file /etc/hosts $RIG_TOP/rootfs/hosts 0644 0 0
file /init $bin/init 0755 0 0
file /bin/kmemcg-suite $bin/kmemcg-suite 0755 0 0
file /bin/busybox $(rootfs_busybox) 0755 0 0
SPEC
	for applet in $("$(rootfs_busybox)" --list); do
		[ "$applet" = busybox ] || echo "slink /bin/$applet busybox 0777 0 0"
	done
	rootfs_cgroup_tools
	! ksft_wanted || ksft_rootfs_spec
}

# cgroup-tools for debugging in make shell and for cgroup_tools_reparent:
# dynamic programs, so their libraries and loader come along, where ldd
# finds them on the host.
ROOTFS_TOOLS="cgcreate cgexec cgget cgset cgdelete lscgroup lssubsys"

rootfs_cgroup_tools() {
	local tool libs lib dir
	for tool in $ROOTFS_TOOLS; do
		if [ -x "/usr/bin/$tool" ]; then
			echo "file /bin/$tool /usr/bin/$tool 0755 0 0"
		fi
	done
	libs=$(for tool in $ROOTFS_TOOLS; do rootfs_libs "/usr/bin/$tool"; done | sort -u)
	# Every directory on the way, parents first.
	for dir in $(for lib in $libs; do rootfs_parents "$lib"; done | sort -u); do
		echo "dir $dir 0755 0 0"
	done
	for lib in $libs; do
		echo "file $lib $(readlink -f "$lib") 0755 0 0"
	done
}

rootfs_parents() {
	local d
	d=$(dirname "$1")
	while [ "$d" != / ]; do
		echo "$d"
		d=$(dirname "$d")
	done
}

rootfs_libs() {
	[ -x "$1" ] || return 0
	ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'
}

rootfs_busybox() {
	# busybox-static installs it here; a dynamic busybox would not run in
	# a guest without libc.
	echo /bin/busybox
}

# Where the guest programs are built: RIG_ROOTFS_BIN (make sweep's own,
# built once at its start and then used as they are, so that editing
# tests/guest during a sweep cannot change its verdicts), else the build
# directory's.
rootfs_bin() {
	echo "${RIG_ROOTFS_BIN:-$BUILD_DIR/rootfs}"
}

# The guest programs, rebuilt whenever their sources differ from the last
# build's, not only when newer: another copy of the rig, or an older
# checkout, sharing build/ must never leave its binaries behind.
# Runs at once (make mutants' jobs check TESTS before their run lock)
# build here one at a time: the next finds the programs current, and
# none runs a binary another is still writing.
rootfs_programs() {
	local bin=$1 want force='' rc=0
	if [ -n "${RIG_ROOTFS_BIN:-}" ] && [ -f "$bin/.programs" ]; then return 0; fi
	want="$RIG_TOP $(cd "$RIG_TOP" && hash_files tests/guest/*.[ch] tests/guest/lib/* tests/guest/Makefile rootfs/*)"
	mkdir -p "$bin"
	exec 7>"$bin/.lock"
	flock 7
	[ "$(cat "$bin/.programs" 2>/dev/null)" = "$want" ] || force=-B
	{ make -s $force -C "$RIG_TOP/tests/guest" O="$bin" &&
		make -s $force -C "$RIG_TOP/rootfs" O="$bin" &&
		echo "$want" >"$bin/.programs"; } || rc=$?
	flock -u 7
	exec 7>&-
	return "$rc"
}

# Both arches run x86_64 user space: one set of programs serves them.
# Reads the tree and source id (patch, source) from facts.json; records
# the rootfs and its hash (and kselftest's binaries, ksft_build).
rootfs_stage() {
	local bin spec rootfs TREE SRC_ID
	facts_read TREE=tree SRC_ID=src_id
	bin=$(rootfs_bin)
	if ! rootfs_programs "$bin" >"$RUN_DIR/rootfs.log" 2>&1; then
		die "$EXIT_RIG" "the guest programs did not build (log: $RUN_DIR/rootfs.log)"
	fi
	if ksft_wanted; then ksft_build "$TREE" "$SRC_ID"; fi
	[ "$bin/gen_init_cpio" -nt "$TREE/usr/gen_init_cpio.c" ] ||
		gcc -O2 -o "$bin/gen_init_cpio" "$TREE/usr/gen_init_cpio.c" ||
		die "$EXIT_RIG" "cannot build $TREE/usr/gen_init_cpio.c"
	spec=$(rootfs_spec "$bin")
	printf '%s\n' "$spec" >"$bin/rootfs.list"
	"$bin/gen_init_cpio" "$bin/rootfs.list" >"$bin/rootfs.cpio" ||
		die "$EXIT_RIG" "gen_init_cpio failed on $bin/rootfs.list"
	rootfs=$bin/rootfs.cpio
	# boot copies it; ./run.sh boot DIR boots it again, if it is still the same
	fact_put rootfs "$rootfs"
	fact_put rootfs_sha256 "$(sha256sum <"$rootfs" | cut -d" " -f1)"
}
