# shellcheck shell=bash
# Stage 1: the kernel source. Sets SRC (the tree to build), SRC_ID (its
# name in build/), SRC_REV (what exactly it is, for stamps and records)
# SRC_KIND (packaged, git or tree) and, packaged, SRC_TARBALL, and records
# them in the run folder (source_record), where the later stages read them.
#
# KERNEL names a packaged tree: 6.12 and 6.1 come from Debian's
# linux-source-N packages; 5.4 (vanilla upstream, the per-memcg cache era)
# from a tarball in KERNEL_TARBALLS (default: ../shared/kernels beside
# the rig), unpacked the same way. A point release of a Debian line
# (KERNEL=6.12.107) is that package at that version, fetched from the
# archive with apt-get download into build/src/debs/.

SOURCE_KERNELS="6.12 6.1 5.4"
SOURCE_DEB_LINES="6.12 6.1"

source_prepare() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		source_external
	else
		source_packaged
	fi
}

source_kernel_check() {
	case " $SOURCE_KERNELS " in
	*" $KERNEL "*) return 0 ;;
	esac
	source_point_line >/dev/null ||
		die "$EXIT_USAGE" "unknown KERNEL '$KERNEL': use KERNEL=6.12, 6.1 or 5.4, a point release such as 6.12.107, or KERNEL_SRC=/path/to/linux"
}

# source_point_line: "6.12" when KERNEL is a point release of a Debian
# line (6.12.107), else fails.
source_point_line() {
	local line=${KERNEL%.*}
	case "$KERNEL" in *.*.*[!0-9]* | *.*.) return 1 ;; *.*.*) ;; *) return 1 ;; esac
	case " $SOURCE_DEB_LINES " in *" $line "*) echo "$line" ;; *) return 1 ;; esac
}

# source_is_deb: KERNEL is a Debian line whose package deps installs (a
# point release is downloaded instead: any version may be asked for).
source_is_deb() {
	case " $SOURCE_DEB_LINES " in *" $KERNEL "*) return 0 ;; esac
	return 1
}

# source_locate: prints "TARBALL<tab>REV" for KERNEL.
source_locate() {
	local pkg=linux-source-$KERNEL dir=${KERNEL_TARBALLS:-$RIG_TOP/../shared/kernels} tarball
	if source_point_line >/dev/null; then
		source_point_locate
		return
	fi
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

# source_point_locate: the point release's tarball, from the installed
# package when it is that version, else from its .deb (downloaded once
# into build/src/debs/ and unpacked there; apt's lists say which Debian
# versions exist).
source_point_locate() {
	local line pkg ver debs=$BUILD_DIR/src/debs x
	line=$(source_point_line)
	pkg=linux-source-$line
	ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	if [ "${ver%%-*}" = "$KERNEL" ]; then
		printf '%s\t%s\n' "$(dpkg -L "$pkg" | grep -m1 '\.tar\.xz$')" "$pkg $ver"
		return
	fi
	ver=$(apt-cache madison "$pkg" 2>/dev/null | awk -F' *[|] *' -v k="$KERNEL" 'index($2, k "-") == 1 { print $2; exit }')
	[ -n "$ver" ] ||
		die "$EXIT_USAGE" "KERNEL=$KERNEL: apt knows no $pkg version $KERNEL-*: 'apt-cache madison $pkg' lists the point releases (run apt-get update first)"
	x=$debs/$pkg-$ver
	[ -f "$x.done" ] || source_point_fetch "$pkg" "$ver" "$x"
	printf '%s\t%s\n' "$(find "$x/usr/src" -maxdepth 1 -name '*.tar.xz' | head -n 1)" "$pkg $ver"
}

# source_point_fetch PKG VERSION DIR: PKG's .deb at VERSION unpacked into
# DIR (the .deb itself is not kept: DIR.done says it is there).
source_point_fetch() {
	local debs=${3%/*} deb
	mkdir -p "$debs" || die "$EXIT_RIG" "cannot create $debs"
	note "downloading $1=$2"
	(cd "$debs" && apt-get download -q "$1=$2") >"$debs/download.log" 2>&1 ||
		die "$EXIT_CANNOT_TEST" "cannot download $1=$2 (log: $debs/download.log): check apt's sources"
	deb=$(find "$debs" -maxdepth 1 -name "${1}_*.deb" | head -n 1)
	{ rm -rf "$3" && mkdir -p "$3" && dpkg-deb -x "$deb" "$3" && rm -f "$deb"; } ||
		die "$EXIT_RIG" "cannot unpack $deb into $3 (disk full?)"
	touch "$3.done"
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
	[ "${RIG_TREE_COPY:-}" != named ] || SRC_ID=linux-$(tree_version "$abs" | cut -d. -f1,2)
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

# source_record: the source's records, which the later stages read
# (facts_read): source (SRC_REV), src, src_id, src_kind, src_tarball.
source_record() {
	fact_put source "$SRC_REV"
	fact_put src "$SRC"
	fact_put src_id "$SRC_ID"
	fact_put src_kind "$SRC_KIND"
	fact_put src_tarball "${SRC_TARBALL:-}"
}

# source_tree: the tree source_prepare found (run.sh era, which has no run
# folder).
source_tree() {
	echo "$SRC"
}
