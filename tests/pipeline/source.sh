# shellcheck shell=bash
# Stage 1: the kernel source. Sets SRC (the tree to build), SRC_ID (its
# name in build/), SRC_REV (what exactly it is, for stamps and records)
# SRC_KIND (packaged, git or tree) and, packaged, SRC_TARBALL.
#
# KERNEL names a packaged tree: 6.12 and 6.1 come from Debian's
# linux-source-N packages; 5.4 (vanilla upstream, the per-memcg cache era)
# from a tarball in KERNEL_TARBALLS (default: ../shared/kernels beside
# the rig), unpacked the same way.

SOURCE_KERNELS="6.12 6.1 5.4"

source_prepare() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		source_external
	else
		source_packaged
	fi
}

source_kernel_check() {
	case " $SOURCE_KERNELS " in
	*" $KERNEL "*) ;;
	*) die "$EXIT_USAGE" "unknown KERNEL '$KERNEL': use KERNEL=6.12, 6.1 or 5.4, or KERNEL_SRC=/path/to/linux" ;;
	esac
}

# source_is_deb: KERNEL comes from a Debian package (deps installs it).
source_is_deb() {
	case "$KERNEL" in 6.*) return 0 ;; esac
	return 1
}

# source_locate: prints "TARBALL<tab>REV" for KERNEL.
source_locate() {
	local pkg=linux-source-$KERNEL dir=${KERNEL_TARBALLS:-$RIG_TOP/../shared/kernels} tarball
	if source_is_deb; then
		tarball=$(dpkg -L "$pkg" 2>/dev/null | grep -m1 '\.tar\.xz$') ||
			die "$EXIT_USAGE" "package $pkg has no source tarball: apt-get install --reinstall $pkg"
		printf '%s\t%s\n' "$tarball" "$pkg $(dpkg-query -W -f='${Version}' "$pkg")"
		return
	fi
	tarball=$(find "$dir" -maxdepth 1 -name "linux-$KERNEL.*.tar.xz" 2>/dev/null | sort -V | tail -n1)
	[ -n "$tarball" ] ||
		die "$EXIT_USAGE" "KERNEL=$KERNEL needs linux-$KERNEL.N.tar.xz in $dir: put it there, or set KERNEL_TARBALLS=/dir/with/it"
	printf '%s\t%s\n' "$tarball" "$(basename "$tarball" .tar.xz) sha256:$(sha256sum "$tarball" | cut -c1-16)"
}

source_packaged() {
	local located
	source_kernel_check
	located=$(source_locate)
	SRC=$BUILD_DIR/src/linux-$KERNEL
	SRC_ID=$KERNEL
	SRC_KIND=packaged
	SRC_TARBALL=${located%%	*}
	SRC_REV=${located#*	}
	[ "$(cat "$SRC.unpacked" 2>/dev/null)" = "$SRC_REV" ] ||
		tree_unpack "$SRC_TARBALL" "$SRC" "$SRC_REV"
}

is_kernel_tree() {
	[ -f "$1/Makefile" ] && [ -f "$1/Kconfig" ] && [ -d "$1/arch/um" ] &&
		grep -q '^VERSION = ' "$1/Makefile"
}

source_external() {
	local abs dirty
	is_kernel_tree "$KERNEL_SRC" ||
		die "$EXIT_USAGE" "KERNEL_SRC=$KERNEL_SRC is not a kernel tree (no Makefile with VERSION, Kconfig, arch/um): point it at a linux source tree"
	abs=$(cd "$KERNEL_SRC" && pwd)
	SRC=$abs
	SRC_ID=ext-$(basename "$abs")-$(hash_text "$abs" | cut -c1-8)
	# A bisect step: named as the packaged tree of its version (bisect.sh).
	# shellcheck disable=SC2034 # build and config read the source's SRC_ID, SRC_KIND, SRC_REV
	[ "${RIG_TREE_COPY:-}" != named ] || SRC_ID=linux-$(tree_version "$abs" | cut -d. -f1,2)
	if [ "$(git -C "$abs" rev-parse --show-toplevel 2>/dev/null)" = "$abs" ]; then
		SRC_KIND=git
		SRC_REV="git $(git -C "$abs" rev-parse HEAD)"
		dirty=$(git -C "$abs" diff HEAD --binary | sha256sum | cut -c1-16)
		[ -z "$(git -C "$abs" status --porcelain -uno)" ] ||
			SRC_REV="$SRC_REV+dirty-$dirty"
	else
		# shellcheck disable=SC2034
		SRC_KIND=tree
		SRC_REV="tree $abs"
	fi
}

# VERSION.PATCHLEVEL.SUBLEVEL and EXTRAVERSION, read without running make.
# source_record: the source's fact, once the run folder exists (its name
# needs the tree's version, so the source comes first).
source_record() {
	fact_put source "$SRC_REV"
}
