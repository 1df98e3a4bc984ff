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

# tree_era DIR: what the tree's kmem accounting is built on, from its own
# Kconfig (never its version): "per-memcg-caches" (each memcg its own
# slab caches, SLUB_MEMCG_SYSFS_ON: 3.x to 5.8) or "obj_cgroup" (5.9 on).
# Mutations name the era whose code they break (Era:).
tree_era() {
	if grep -q '^config SLUB_MEMCG_SYSFS_ON' "$1/init/Kconfig" 2>/dev/null; then
		echo per-memcg-caches
	else
		echo obj_cgroup
	fi
}
