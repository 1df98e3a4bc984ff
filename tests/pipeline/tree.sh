# shellcheck shell=bash
# Helpers on kernel trees, shared by the source and patch stages (and by
# bisect): a tree's version, the packaged tarball unpacked, and the hash
# that stands for "no series applied".

# tree_version DIR: "6.12.117" from DIR's top Makefile.
tree_version() {
	awk -F' = ' '/^VERSION =/ {v=$2} /^PATCHLEVEL =/ {p=$2}
		/^SUBLEVEL =/ {s=$2} /^EXTRAVERSION =/ {e=$2}
		/^NAME/ {exit} END {printf "%s.%s.%s%s\n", v, p, s, e}' "$1/Makefile"
}

series_pristine_hash() {
	hash_text ""
}

# tree_unpack TARBALL DIR REV: DIR holds TARBALL's tree, pristine, stamped
# with REV (DIR.unpacked) and recorded as carrying no series (DIR.applied).
tree_unpack() {
	local tarball=$1 dir=$2 rev=$3
	note "unpacking $tarball"
	rm -rf "$dir" "$dir.unpacked" "$dir.applied"
	mkdir -p "$dir"
	tar -xf "$tarball" -C "$dir" --strip-components=1 ||
		die "$EXIT_RIG" "cannot unpack $tarball into $dir (disk full?)"
	echo "$rev" >"$dir.unpacked"
	echo "$rev $(series_pristine_hash)" >"$dir.applied"
}
