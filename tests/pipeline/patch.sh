# shellcheck shell=bash
# Stage 2: the patch series (quilt's format: one patch per line, '#'
# comments, patches found beside the series file). Always applied to a
# pristine tree; a state file says what the tree holds, so a changed
# series or source is re-applied from pristine and an interrupted apply
# is never built. Patches apply with no fuzz: a hunk that only fits
# loosely is a patch to refresh, not to guess at.

series_patches() {
	sed 's/#.*//' "$SERIES" | awk 'NF { print $1 }'
}

# A patch named in the series: beside the series file, or an absolute path.
series_file() {
	case "$1" in
	/*) echo "$1" ;;
	*) echo "$(dirname "$SERIES")/$1" ;;
	esac
}

# The series' identity is its patches' names and contents, in order.
series_digest() {
	local p
	[ -n "$(series_patches)" ] || { series_pristine_hash; return; }
	series_patches | while read -r p; do
		printf '%s\n' "$p"
		cat "$(series_file "$p")"
	done | sha256sum | cut -c1-16
}

series_check() {
	local p
	[ -f "$SERIES" ] || die "$EXIT_USAGE" "SERIES=$SERIES does not exist: give a quilt series file"
	for p in $(series_patches); do
		[ -f "$(series_file "$p")" ] || die "$EXIT_USAGE" "patch '$p' listed in $SERIES does not exist: add it or remove the line"
	done
	SERIES_HASH=$(series_digest)
}

# series_record FILE TREE REV: the applied series, for the results: each
# patch with its hash, and the host-compat patches TREE took.
series_record() {
	local p
	{
		echo "# series $SERIES hash $SERIES_HASH on $3"
		[ ! -s "$2/.rig-compat" ] || sed "s/^/# host-compat: /" "$2/.rig-compat"
		for p in $(series_patches); do
			printf '%s %s\n' "$(hash_files "$(series_file "$p")")" "$p"
		done
	} >"$1"
}

# patches/compat/: host-compatibility fixes for old trees (an old UML on
# a newer host), applied before the series to a tree they apply to with
# no fuzz; a tree that has the fix, or other code, is left alone. None
# touches memcg code; the tree keeps their names (.rig-compat, which a
# restore from pristine removes) and the run's series file lists them.
compat_patches() {
	find "$RIG_TOP/patches/compat" -name "*.patch" 2>/dev/null | sort
}

compat_applies() {
	patch -d "$1" -p1 --batch --forward --fuzz=0 --dry-run -s -r - <"$2" >/dev/null 2>&1
}

compat_digest() {
	compat_patches | xargs -r cat | sha256sum | cut -c1-16
}

# compat_needed SRC: whether SRC, as it is, needs one (a user's tree is
# then copied).
compat_needed() {
	local p
	for p in $(compat_patches); do
		if compat_applies "$1" "$p"; then return 0; fi
	done
	return 1
}

compat_apply() {
	local tree=$1 p
	for p in $(compat_patches); do
		compat_applies "$tree" "$p" || continue
		patch -d "$tree" -p1 --batch --forward --fuzz=0 -s -r - <"$p" ||
			die "$EXIT_RIG" "compat patch $p passed --dry-run but failed to apply"
		note "applied host-compat $(basename "$p") ($(head -n1 "$p" | cut -c1-60)...)"
		basename "$p" >>"$tree/.rig-compat"
	done
}

# patch_stage: the tree the later stages build (facts.json: tree), the
# source with the series applied (the source itself, the user's, when there is no series to apply, unless
# RIG_TREE_COPY asks for a private copy: "private" (make sweep mutates it)
# or "named", laid out as the packaged tree of its version (bisect steps)).
patch_stage() {
	local tree want old SRC SRC_ID SRC_KIND SRC_REV SRC_TARBALL
	facts_read SRC=src SRC_ID=src_id SRC_KIND=src_kind SRC_REV=source SRC_TARBALL=src_tarball
	series_check
	fact_put series_hash "$SERIES_HASH"
	if [ -z "$(series_patches)" ] && [ "$SRC_KIND" != packaged ] && ! compat_needed "$SRC" &&
		[ -z "${RIG_TREE_COPY:-}" ]; then
		patch_record "$SRC"	# the user's tree, built out of tree as it is
		return 0
	fi
	tree=$SRC
	[ "$SRC_KIND" = packaged ] || tree=$BUILD_DIR/src/$SRC_ID
	want="$SRC_REV $SERIES_HASH host-compat:$(compat_digest)"
	old=$(cat "$tree.applied" 2>/dev/null || true)
	if [ "$SRC_KIND" = tree ] || [ "$old" != "$want" ]; then
		mkdir -p "$(dirname "$tree")"
		echo dirty >"$tree.applied"
		patch_restore "$tree" "$old"
		compat_apply "$tree"
		patch_apply_all "$tree"
		echo "$want" >"$tree.applied"
	fi
	patch_record "$tree"
}

# patch_record TREE: the patch stage's records: the tree the later stages
# build (facts.json: tree) and the applied series (DIR/series).
patch_record() {
	fact_put tree "$1"
	series_record "$RUN_DIR/series" "$1" "$SRC_REV"
}

patch_restore() {
	case "$SRC_KIND" in
	packaged) patch_restore_packaged "$1" "$2" ;;
	git) patch_restore_git "$1" ;;
	tree) patch_restore_tree "$1" ;;
	esac
}

# The unpacked tree becomes a git repository the first time a series is
# applied; git reset gives changed files a new mtime, so make rebuilds them.
patch_restore_packaged() {
	local tree=$1 old=$2
	# Without git, only a tree known to be pristine may become the base.
	if [ ! -d "$tree/.git" ] && [ "$old" != "$SRC_REV $(series_pristine_hash)" ]; then
		tree_unpack "$SRC_TARBALL" "$tree" "$SRC_REV"
	fi
	if [ ! -d "$tree/.git" ]; then
		note "recording the pristine tree in git (once)"
		# No automatic gc: it would detach holding the run's lock (fd 9) and
		# keep the next run waiting a minute.
		if ! { git -C "$tree" init -q &&
			git -C "$tree" config gc.auto 0 &&
			git -C "$tree" config maintenance.auto false &&
			git -C "$tree" add -Af . &&
			git -C "$tree" -c user.name=rig -c user.email=rig@localhost \
				commit -qm pristine &&
			git -C "$tree" tag rig-pristine; }; then
			die "$EXIT_RIG" "cannot record $tree in git; remove it and rerun"
		fi
	fi
	if ! { git -C "$tree" reset -q --hard rig-pristine &&
		git -C "$tree" clean -qfdx; }; then
		die "$EXIT_RIG" "cannot restore the pristine tree in $tree; remove it and rerun"
	fi
}

# A private clone sharing the user's objects; the user's repository and
# work tree are only read.
patch_restore_git() {
	local tree=$1 rev=${SRC_REV#git }
	rev=${rev%%+*}
	[ -d "$tree/.git" ] || git clone -q --shared --no-checkout "$SRC" "$tree" ||
		die "$EXIT_RIG" "cannot clone $SRC into $tree"
	if ! { git -C "$tree" checkout -qf --detach "$rev" &&
		git -C "$tree" clean -qfdx; }; then
		die "$EXIT_RIG" "cannot check out $rev in $tree; remove it and rerun"
	fi
	git -C "$SRC" diff HEAD --binary | git -C "$tree" apply --allow-empty ||
		die "$EXIT_CANNOT_TEST" "the uncommitted changes in $SRC do not apply to its HEAD"
}

patch_restore_tree() {
	mkdir -p "$1"
	rsync -rlc --delete --exclude=/.git "$SRC/" "$1/" ||
		die "$EXIT_RIG" "cannot copy $SRC into $1"
}

patch_apply_all() {
	local tree=$1 p out
	for p in $(series_patches); do
		if ! out=$(patch -d "$tree" -p1 --batch --forward --fuzz=0 --dry-run \
			-r - <"$(series_file "$p")" 2>&1); then
			printf '%s\n' "$out" >"${RUN_DIR:-$BUILD_DIR}/patch.log"
			die "$EXIT_CANNOT_TEST" "patch $p does not apply: $(patch_failure "$out"); refresh it against $(tree_version "$tree") or drop it from $SERIES (log: ${RUN_DIR:-$BUILD_DIR}/patch.log)"
		fi
		patch -d "$tree" -p1 --batch --forward --fuzz=0 -r - -s <"$(series_file "$p")" ||
			die "$EXIT_RIG" "patch $p passed --dry-run but failed to apply"
		note "applied $p"
	done
}

# "mm/memcontrol.c hunk #2 FAILED at 120" from patch's chatter.
patch_failure() {
	printf '%s\n' "$1" | awk '
		/^(patching|checking) file / { f = $3 }
		/^Hunk #[0-9]+ FAILED/ { sub(/\.$/, ""); printf "%s%s %s", sep, f, $0; sep = "; "; n++ }
		/can.t find file to patch/ { printf "%sa file it patches does not exist", sep; sep = "; "; n++ }
		/Reversed \(or previously applied\)/ { printf "%s%s is already applied", sep, f; sep = "; "; n++ }
		END { if (!n) printf "malformed patch" }'
}
