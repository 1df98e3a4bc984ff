# shellcheck shell=bash
# Bad input: each gives one "rig: error:" line naming the problem and
# the fix, and the contract's exit code.

# A series whose one patch is made by the caller.
make_series() {
	local dir=$CHECK_LOGS/series-$1
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "$1.patch" >"$dir/series"
	cat >"$dir/$1.patch"
	echo "$dir/series"
}

inputs_cheap() {
	expect unknown_option 2 "unknown option '--frobnicate'" -- "$TOP/run.sh" --frobnicate
	# A variable the rig does not read is a typo, not a default run.
	expect unknown_variable 2 "unknown variable TEST \(did you mean TESTS\?\)" -- "$TOP/run.sh" test TEST=reparent_slab
	expect unknown_make_variable 2 "unknown variable TEST \(did you mean TESTS\?\)" -- \
		make -s -C "$TOP" test TEST=reparent_slab
	expect unknown_kernel 2 "unknown KERNEL '4.2'" -- env KERNEL=4.2 "$TOP/run.sh" test
	# A point release apt does not know: said before any download.
	expect unknown_point_release 2 "KERNEL=6.12.9999: apt knows no linux-source-6.12 version 6.12.9999-" -- \
		env KERNEL=6.12.9999 BUILD_DIR="$CHECK_LOGS/point" "$TOP/run.sh" test
	expect unknown_arch 2 "unknown ARCH 'sparc'" -- env ARCH=sparc "$TOP/run.sh" test
	expect unknown_preempt 2 "PREEMPT must be none, voluntary or full" -- env PREEMPT=lazy "$TOP/run.sh" test
	expect preempt_on_uml 2 "PREEMPT=full: um boots only none" -- env ARCH=um PREEMPT=full "$TOP/run.sh" test
	# its own build folder: no wait for the lock of a run going on
	expect not_a_tree 2 "KERNEL_SRC=/tmp is not a kernel tree" -- \
		env KERNEL_SRC=/tmp BUILD_DIR="$CHECK_LOGS/not-a-tree" "$TOP/run.sh" test
	expect unknown_test 2 "TESTS=no_such_test names a test that does not exist" -- \
		env TESTS=no_such_test "$TOP/run.sh" test
	expect missing_series 2 "SERIES=/nonexistent/series does not exist" -- \
		env SERIES=/nonexistent/series "$TOP/run.sh" test
	check config_keyed_on_kconfig config_keyed_on_kconfig
	# Not root: the exact apt-get line and exit 2.
	expect missing_package 2 "install them with: sudo apt-get install -y rig-no-such-package" -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		env RIG_DEPS_EXTRA=rig-no-such-package BUILD_DIR="$CHECK_LOGS" "$TOP/run.sh" deps
}

inputs_kernel() {
	local series
	series=$(make_series stale <<'EOF_PATCH'
--- a/mm/memcontrol.c
+++ b/mm/memcontrol.c
@@ -1,3 +1,4 @@
 this line is not in memcontrol.c
+so the hunk cannot apply
 nor is this one
 or this one
EOF_PATCH
)
	expect patch_does_not_apply 125 "patch stale.patch does not apply: mm/memcontrol.c Hunk #1 FAILED" -- \
		env ARCH=um SERIES="$series" "$TOP/run.sh" test
	printf 'CONFIG_BOGUS_NO_SUCH_OPTION=y\n' >"$CHECK_LOGS/bogus.config"
	expect config_not_landed 125 "not in the final .config: CONFIG_BOGUS_NO_SUCH_OPTION=y" -- \
		env ARCH=um KCONFIG_ADD="$CHECK_LOGS/bogus.config" "$TOP/run.sh" test
	series=$(make_series broken <<'EOF_PATCH'
--- a/mm/memcontrol.c
+++ b/mm/memcontrol.c
@@ -1,2 +1,3 @@
 // SPDX-License-Identifier: GPL-2.0-or-later
+#error rig check: this kernel must not build
 /* memcontrol.c - Memory Controller
EOF_PATCH
)
	expect build_fails 125 "the kernel did not build.*build.log" -- \
		env ARCH=um SERIES="$series" "$TOP/run.sh" test
	check build_log_kept grep -q 'rig check: this kernel must not build' \
		"$RESULTS_DIR/latest/build.log"
}

# The config stage keys on what olddefconfig reads: a change to a .c
# file (a mutation, most bisect steps) keeps the key, one to a Kconfig
# file changes it; .git is not read.
config_key_of() {
	TREE=$1 bash -c '. "$0/tests/pipeline/config.sh"; config_key' "$TOP"
}

config_keyed_on_kconfig() {
	local t=$CHECK_LOGS/kconfig-tree k0 kc kk
	rm -rf "$t"
	mkdir -p "$t/init" "$t/mm" "$t/.git"
	echo 'config MEMCG' >"$t/init/Kconfig"
	echo 'int x;' >"$t/mm/memcontrol.c"
	k0=$(config_key_of "$t")
	echo 'int y;' >"$t/mm/memcontrol.c"
	echo 'config X' >"$t/.git/Kconfig"
	kc=$(config_key_of "$t")
	echo 'config MEMCG_KMEM' >>"$t/init/Kconfig"
	kk=$(config_key_of "$t")
	echo "keys: tree $k0, .c changed $kc, Kconfig changed $kk"
	[ "$kc" = "$k0" ] && [ "$kk" != "$k0" ]
}
