# shellcheck shell=bash disable=SC2034
# Stage 4: the kernel build, out of tree in build/<arch>-<kernel>/,
# incremental, through ccache when it is installed. Kbuild decides what
# to rebuild; with nothing changed it compiles nothing.

# Trees the rig keeps (build/src/linux-6.12, a bisect step's clone) sit
# at the same place relative to their object directory: with ccache's
# base_dir, their compilations hash alike, so a bisect's first build of
# a tree that is mostly the packaged one comes from the cache. The
# prefix map keeps __FILE__ (WARN, BUG) as "mm/slub.c", not
# "../src/linux-6.12/mm/slub.c", when ccache hands gcc relative paths.
build_ccache() {
	local rel
	command -v ccache >/dev/null || return 0
	BUILD_CC="ccache gcc"
	case "$SRC" in "$BUILD_DIR"/*) ;; *) return 0 ;; esac
	# -s: a tree reached through a link (make check's unprivileged copy)
	# keeps the command lines, and so the objects, of the tree it links to.
	rel=$(realpath -m -s --relative-to="$O" "$SRC")
	export CCACHE_BASEDIR=$BUILD_DIR
	BUILD_KCFLAGS="-fmacro-prefix-map=$rel/="
}

build_stage() {
	local log=$RUN_DIR/build.log BUILD_CC=gcc BUILD_KCFLAGS=
	build_ccache
	# LOCALVERSION set (empty) keeps setlocalversion from adding "+".
	# A fixed timestamp, user, host and build number make the image a
	# function of the source and config alone: bisect compares images.
	if ! KBUILD_BUILD_TIMESTAMP="2000-01-01 00:00:00 UTC" \
		KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=kmemcg-rig KBUILD_BUILD_VERSION=1 \
		make -C "$SRC" O="$O" ARCH="$ARCH_KARCH" LOCALVERSION= CC="$BUILD_CC" \
		KCFLAGS="$BUILD_KCFLAGS" \
		-j"$JOBS" "$(basename "$ARCH_IMAGE")" >"$log" 2>&1; then
		grep -E 'error:|Error [0-9]+|undefined reference' "$log" | head -n 8 >&2
		die "$EXIT_CANNOT_TEST" "the kernel did not build (log: $log); fix the tree or the series"
	fi
	KERNEL_IMAGE=$O/$ARCH_IMAGE
	KERNEL_RELEASE=$(cat "$O/include/config/kernel.release")
	IMAGE_HASH=$(sha256sum <"$KERNEL_IMAGE" | cut -d" " -f1)
	echo "$IMAGE_HASH" >"$RUN_DIR/image.sha256"
}
