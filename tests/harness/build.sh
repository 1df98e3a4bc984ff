# shellcheck shell=bash disable=SC2034
# Stage 4: the kernel build, out of tree in build/<arch>-<kernel>/,
# incremental, through ccache when it is installed. Kbuild decides what
# to rebuild; with nothing changed it compiles nothing.

build_stage() {
	local cc=gcc log=$RUN_DIR/build.log
	command -v ccache >/dev/null && cc="ccache gcc"
	# LOCALVERSION set (empty) keeps setlocalversion from adding "+".
	# A fixed timestamp, user, host and build number make the image a
	# function of the source and config alone: bisect compares images.
	if ! KBUILD_BUILD_TIMESTAMP="2000-01-01 00:00:00 UTC" \
		KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=kmemcg-rig KBUILD_BUILD_VERSION=1 \
		make -C "$SRC" O="$O" ARCH="$ARCH_KARCH" LOCALVERSION= CC="$cc" \
		-j"$JOBS" "$(basename "$ARCH_IMAGE")" >"$log" 2>&1; then
		grep -E 'error:|Error [0-9]+|undefined reference' "$log" | head -n 8 >&2
		die "$EXIT_CANNOT_TEST" "the kernel did not build (log: $log); fix the tree or the series"
	fi
	KERNEL_IMAGE=$O/$ARCH_IMAGE
	KERNEL_RELEASE=$(cat "$O/include/config/kernel.release")
	IMAGE_HASH=$(sha256sum <"$KERNEL_IMAGE" | cut -d" " -f1)
	echo "$IMAGE_HASH" >"$RUN_DIR/image.sha256"
}
