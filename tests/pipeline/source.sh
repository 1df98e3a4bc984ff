# shellcheck shell=bash disable=SC2034
# Stage 1: the kernel source. Sets SRC (the tree to build), SRC_ID (its
# name in build/), SRC_REV (what exactly it is, for stamps and records)
# SRC_KIND (packaged, git or tree) and, packaged, SRC_TARBALL.

source_prepare() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		source_external
	else
		source_packaged
	fi
}

source_packaged() {
	local pkg=linux-source-$KERNEL tarball version
	case "$KERNEL" in
	6.12 | 6.1) ;;
	*) die "$EXIT_USAGE" "unknown KERNEL '$KERNEL': use KERNEL=6.12 or KERNEL=6.1, or KERNEL_SRC=/path/to/linux" ;;
	esac
	tarball=$(dpkg -L "$pkg" 2>/dev/null | grep -m1 '\.tar\.xz$') ||
		die "$EXIT_USAGE" "package $pkg has no source tarball: apt-get install --reinstall $pkg"
	version=$(dpkg-query -W -f='${Version}' "$pkg")
	SRC=$BUILD_DIR/src/linux-$KERNEL
	SRC_ID=$KERNEL
	SRC_KIND=packaged
	SRC_REV="$pkg $version"
	SRC_TARBALL=$tarball
	[ "$(cat "$SRC.unpacked" 2>/dev/null)" = "$SRC_REV" ] ||
		tree_unpack "$tarball" "$SRC" "$SRC_REV"
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
	if [ "$(git -C "$abs" rev-parse --show-toplevel 2>/dev/null)" = "$abs" ]; then
		SRC_KIND=git
		SRC_REV="git $(git -C "$abs" rev-parse HEAD)"
		dirty=$(git -C "$abs" diff HEAD --binary | sha256sum | cut -c1-16)
		[ -z "$(git -C "$abs" status --porcelain -uno)" ] ||
			SRC_REV="$SRC_REV+dirty-$dirty"
	else
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
