# shellcheck shell=bash
# Stage 3: the kernel configuration. Fragments from kernel-config/ are
# merged onto allnoconfig with the tree's merge_config.sh, then
# olddefconfig; every option a fragment asks for must be in the final
# .config, or the run stops with exit 125 (as kunit.py and rcutorture's
# configcheck.sh do).

config_fragments() {
	local dir=$RIG_TOP/kernel-config f
	echo "$dir/common.config"
	echo "$dir/$ARCH.config"
	if [ "$DEBUG" = 1 ]; then
		echo "$dir/debug.config"
		[ ! -f "$dir/debug-$ARCH.config" ] || echo "$dir/debug-$ARCH.config"
	fi
	for f in ${KCONFIG_ADD:-}; do
		[ -f "$f" ] || die "$EXIT_USAGE" "KCONFIG_ADD fragment $f does not exist"
		echo "$f"
	done
}

# "CONFIG_FOO=y" and "# CONFIG_FOO is not set" lines, as SYM=VALUE
# (VALUE "n" for not set).
config_requests() {
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' "$@"
}

# Two fragments that disagree are a mistake, not an override.
config_conflicts() {
	local f
	for f in "$@"; do
		config_requests "$f" | sed "s|\$| $(basename "$f")|"
	done | awk '{ split($1, kv, "="); sym = kv[1]; val = substr($1, length(sym) + 2)
		if (sym in seen && seen[sym] != val)
			printf "%s%s=%s (%s) vs %s (%s)", sep, sym, seen[sym], from[sym], val, $2, sep = "; "
		seen[sym] = val; from[sym] = $2 }'
}

# Symbols listed in kernel-config/optional may be absent from a tree.
config_symbol_exists() {
	find "$TREE" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
		xargs -0 grep -qE "^[[:space:]]*(menu)?config[[:space:]]+$1\$"
}

# An optional symbol this arch cannot have on this tree: it depends on an
# arch capability (HAVE_*, which no user sets) that the .config lacks:
# KASAN on UML before 5.16. Said once in config.log and on stderr.
config_arch_lacks() {
	local dep
	dep=$(config_unmet_deps "$1" | awk '$2 ~ /^HAVE_/ { print $2; exit }')
	[ -n "$dep" ] || return 1
	note "CONFIG_$1 needs CONFIG_$dep, which $ARCH lacks in this tree: left out" 2>&1 | tee -a "$RUN_DIR/config.log" >&2
}

config_missing() {
	local req sym val have
	config_requests "$@" | sort -u | while read -r req; do
		sym=${req%%=*}
		val=${req#*=}
		have=$(grep -E "^($sym=|# $sym is not set)" "$O/.config" || true)
		case "$val:$have" in
		n: | "n:# $sym is not set") continue ;;
		*) [ "$have" = "$req" ] && continue ;;
		esac
		if grep -q "^${sym#CONFIG_}[[:space:]]" "$RIG_TOP/kernel-config/optional" &&
			{ ! config_symbol_exists "${sym#CONFIG_}" || config_arch_lacks "${sym#CONFIG_}"; }; then
			continue
		fi
		printf '%s (got: %s) ' "$req" "${have:-absent}"
	done
}

# What olddefconfig reads besides the fragments: the tree's Kconfig
# files, its kconfig tool and the compiler (Kconfig asks it what it
# supports). A bisect step or a mutation that leaves them alone keeps
# the .config and skips 5 s of merge_config.sh and olddefconfig; a
# changed Kconfig in any tree, git or not, is configured again.
config_key() {
	{
		find "$TREE" \( -name .git -prune \) -o -type f \
			\( -name 'Kconfig*' -o -path '*/scripts/kconfig/*' \) -print |
			LC_ALL=C sort | xargs -r -d '\n' cat
		gcc --version 2>/dev/null | head -n 1
	} | sha256sum | cut -c1-16
}

# config_record FRAGHASH: .rig-config, line 1 the exact build (revision,
# series, fragments), line 2 the key and fragments.
config_record() {
	printf '%s\n%s\n' "$SRC_REV $SERIES_HASH $1" "$CONFIG_KEY $1" >"$O/.rig-config"
}

# The .config is current when built from the same fragments for the
# same revision and series (line 1 of .rig-config, free to check) or,
# failing that, for the same config_key (line 2). A tree without a
# revision (SRC_KIND=tree) is always keyed by content.
config_current() {
	local fh=$1 exact="$SRC_REV $SERIES_HASH $1"
	[ -f "$O/.config" ] && [ -f "$O/.rig-config" ] || return 1
	if [ "$SRC_KIND" != tree ] && [ "$(sed -n 1p "$O/.rig-config")" = "$exact" ]; then
		return 0
	fi
	CONFIG_KEY=$(config_key)
	[ "$(sed -n 2p "$O/.rig-config")" = "$CONFIG_KEY $fh" ] || return 1
	config_record "$fh"
}

config_merge() {
	(cd "$TREE" && ARCH=$ARCH_KARCH scripts/kconfig/merge_config.sh -n -O "$O" \
		"$@" && make -s O="$O" ARCH="$ARCH_KARCH" olddefconfig) \
		>>"$RUN_DIR/config.log" 2>&1 ||
		die "$EXIT_CANNOT_TEST" "merge_config.sh failed on $TREE (log: $RUN_DIR/config.log)"
}

# config_unmet_deps SYM...: "SYM DEP" for each symbol DEP that SYM
# "depends on" in the tree's Kconfig and the .config has off (older trees
# make a user choose what newer ones select: 5.4's ZRAM needs ZSMALLOC).
config_unmet_deps() {
	local sym dep
	# shellcheck disable=SC2016 # awk's fields
	find "$TREE" -name 'Kconfig*' -not -path '*/.git/*' -print0 |
		xargs -0 awk -v want=" $* " '
		/^[ \t]*(menu)?config[ \t]+/ { cur = $2; in_block = index(want, " " cur " ") > 0; next }
		/^[ \t]*(choice|endchoice|menu|endmenu|if|endif|source|comment)([ \t]|$)/ { in_block = 0; next }
		in_block && /^[ \t]*depends on/ {
			e = $0; sub(/.*depends on/, "", e); gsub(/![ \t]*[A-Za-z0-9_]+/, "", e)
			n = split(e, w, /[^A-Za-z0-9_]+/)
			for (i = 1; i <= n; i++) if (w[i] ~ /^[A-Z][A-Z0-9_]*$/) print cur, w[i]
		}' | sort -u | while read -r sym dep; do
		grep -qE "^CONFIG_$dep=(y|m)$" "$O/.config" || echo "$sym $dep"
	done
}

# config_with_deps FRAGMENT...: what the fragments ask for and did not
# get; an option whose unmet "depends on" is a symbol a user can set gets
# it set too (build/<arch>-<kernel>/rig-deps.config, named in a note),
# at most three rounds. Prints what is still missing.
config_with_deps() {
	local extra=$O/rig-deps.config missing syms deps sym dep added round=0
	: >"$extra"
	while :; do
		missing=$(config_missing "$@")
		syms=$(grep -oE 'CONFIG_[A-Za-z0-9_]+=[ym] ' <<<"$missing" | sed 's/^CONFIG_//; s/=.*//' | tr '\n' ' ')
		if [ -z "$syms" ] || [ "$round" = 3 ]; then break; fi
		round=$((round + 1))
		# shellcheck disable=SC2086 # the symbols, one argument each
		deps=$(config_unmet_deps $syms)
		added=""
		while read -r sym dep; do
			if [ -z "$dep" ] || grep -qx "CONFIG_$dep=y" "$extra"; then continue; fi
			echo "CONFIG_$dep=y" >>"$extra"
			note "CONFIG_$sym depends on CONFIG_$dep in this tree's Kconfig: setting CONFIG_$dep=y too" 2>&1 | tee -a "$RUN_DIR/config.log" >&2
			added=1
		done <<<"$deps"
		[ -n "$added" ] || break
		config_merge "$@" "$extra"
	done
	printf '%s' "$missing"
}

# config_stage: reads the tree, its source and series (patch, source) and
# the object directory (run.sh) from facts.json; records config_hash.
config_stage() {
	local frags conflicts fh missing TREE O SRC_REV SRC_KIND SERIES_HASH CONFIG_KEY=
	facts_read TREE=tree O=obj_dir SRC_REV=source SRC_KIND=src_kind SERIES_HASH=series_hash
	mapfile -t frags < <(config_fragments)
	conflicts=$(config_conflicts "${frags[@]}")
	[ -z "$conflicts" ] || die "$EXIT_USAGE" "kernel-config fragments disagree: $conflicts; make them agree"
	mkdir -p "$O"
	fh=$(hash_files "${frags[@]}")
	if ! config_current "$fh"; then
		rm -f "$O/.rig-config"
		: >"$RUN_DIR/config.log"
		config_merge "${frags[@]}"
		missing=$(config_with_deps "${frags[@]}")
		[ -z "$missing" ] ||
			die "$EXIT_CANNOT_TEST" "config options requested but not in the final .config: $missing; fix their dependencies in kernel-config/ or use a kernel that has them ($O/.config)"
		[ -n "$CONFIG_KEY" ] || CONFIG_KEY=$(config_key)
		config_record "$fh"
	fi
	cp "$O/.config" "$RUN_DIR/config"
	fact_put config_hash "$(hash_files "$O/.config")"
}
