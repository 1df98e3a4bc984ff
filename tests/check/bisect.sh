# shellcheck shell=bash
# The bisect drill, across eras. There is no kernel history on these
# machines, so make one from the packaged trees' rig-pristine commits
# (recorded when a series was first applied): vanilla 5.4 (per-memcg slab
# caches) with a harmless commit, then a commit that takes the tree to
# 6.12 (obj_cgroup), then harmless commits, a regression taken from
# patches/mutations/ and a commit that does not build. make bisect from 5.4 must
# name the regression, not the era change, list the unbuildable commit as
# skipped, and leave the history's checkout as it was. Without the 5.4
# tarball the history starts at 6.12.

DRILL=$CHECK_LOGS/drill/linux
DRILL_MUTATION=reparent-to-root

drill_commit() {
	git -C "$DRILL" -c user.name=drill -c user.email=drill@localhost \
		commit -qam "$1"
}

# DIR's pristine commit, recorded in git if no series was applied yet.
drill_pristine() {
	local src=$1
	git -C "$src" rev-parse -q --verify rig-pristine >/dev/null && return 0
	# -f: Debian's packaged .gitignore ignores the whole top level.
	git -C "$src" init -q && git -C "$src" add -Af . &&
		git -C "$src" -c user.name=rig -c user.email=rig@localhost commit -qm pristine &&
		git -C "$src" tag rig-pristine
}

# The history starts at 5.4 where it is unpacked (era_checks ran), at
# 6.12 otherwise; 6.12's tree comes in as one commit, the era change.
drill_history() {
	local src=${BUILD_DIR:-$TOP/build}/src old=$ERA_BUILD_DIR/src/linux-5.4 tree
	[ -d "$old" ] || old=$src/linux-6.12
	rm -rf "$DRILL"
	mkdir -p "$(dirname "$DRILL")"
	drill_pristine "$old" && drill_pristine "$src/linux-6.12" &&
		git clone -q --shared --no-checkout "$old" "$DRILL" &&
		git -C "$DRILL" checkout -q -b drill rig-pristine || return 1
	(
		set -e
		cd "$DRILL"
		sed -i '1a /* drill: an unrelated driver change on the first tree */' drivers/net/dummy.c
		drill_commit "net: dummy: an unrelated change on the first tree"
		if [ "$old" = "$src/linux-6.12" ]; then
			# the same shape of history, with no era change in it
			echo >>MAINTAINERS
			drill_commit "MAINTAINERS: a trailing line"
		else
			# 6.12's objects are borrowed, not copied (alternates).
			echo "$src/linux-6.12/.git/objects" >>.git/objects/info/alternates
			tree=$(git -C "$src/linux-6.12" rev-parse 'rig-pristine^{tree}')
			git reset -q --hard "$(git -c user.name=drill -c user.email=drill@localhost \
				commit-tree "$tree" -p HEAD -m "the era change: the tree becomes 6.12 (obj_cgroup)")"
		fi
		sed -i '0,/Memory Controller/s//Memory Controller (drill)/' mm/memcontrol.c
		drill_commit "mm: memcontrol: reword the header comment"
		sed -i '1a /* drill: an unrelated driver change */' drivers/net/dummy.c
		drill_commit "net: dummy: an unrelated change"
		git apply "$TOP/patches/mutations/$DRILL_MUTATION.patch"
		drill_commit "mm: memcontrol: the regression ($DRILL_MUTATION)"
		# after the regression, where the bisect lands on it
		sed -i '1a #error drill: this commit does not build' mm/memcontrol.c
		drill_commit "mm: memcontrol: a commit that does not build"
		sed -i '/#error drill/d' mm/memcontrol.c
		drill_commit "mm: memcontrol: fix the build"
		echo >>Documentation/admin-guide/cgroup-v2.rst
		drill_commit "docs: cgroup-v2: a trailing line"
	)
}

drill_sha() {
	git -C "$DRILL" log --format=%H --grep="$1" -1 drill
}

# The drill's checkout is where it was: on branch drill, nothing changed.
drill_untouched() {
	[ "$(git -C "$DRILL" symbolic-ref HEAD)" = refs/heads/drill ] &&
		[ -z "$(git -C "$DRILL" status --porcelain)" ] &&
		[ ! -e "$DRILL/.git/BISECT_LOG" ]
}

bisect_checks() {
	local summary
	check bisect_drill_history drill_history
	check bisect_stale_lock_cleared stale_lock_cleared
	# From the top of a kernel tree, that tree is KERNEL_SRC (git bisect run).
	expect bisect_src_from_cwd 2 "make bisect needs GOOD=" -- \
		env -u KERNEL_SRC -C "$DRILL" "$TOP/run.sh" bisect
	expect bisect_drill 0 "^first bad commit: $(drill_sha 'the regression')\$" -- \
		make -C "$TOP" bisect KERNEL_SRC="$DRILL" GOOD=rig-pristine BAD=drill \
		ARCH=um TESTS=reparent_slab
	summary=$RESULTS_DIR/latest/summary.txt
	check bisect_skips_unbuildable grep -qE \
		"^skipped: $(drill_sha 'does not build' | cut -c1-7)[0-9a-f]* .*\\(skip, exit 125" "$summary"
	check bisect_culprit_not_suspect grep -q '^image: *differs from its parent' "$summary"
	check bisect_good_on_both_eras drill_good_on_both_eras
	check bisect_tree_untouched drill_untouched
}

bisect_inputs() {
	expect bisect_needs_src 2 "make bisect needs KERNEL_SRC" -- \
		env -u KERNEL_SRC "$TOP/run.sh" bisect GOOD=a BAD=b
	expect bisect_bad_rev 2 "GOOD=no-such-rev is not a commit" -- \
		"$TOP/run.sh" bisect KERNEL_SRC="$TOP/build/src/linux-6.12" GOOD=no-such-rev BAD=HEAD
}

# The history's good commits were judged on both eras: 5.4 (the GOOD end)
# and 6.12 after the era change, which a verdict on the era's assumptions
# would call bad. Without 5.4 the history has 6.12 alone.
drill_good_on_both_eras() {
	local v=$RESULTS_DIR/latest/verdicts.txt
	drill_good_releases "$v" | grep -q "^6\.12\." || return 1
	[ ! -d "$ERA_BUILD_DIR/src/linux-5.4" ] ||
		drill_good_releases "$v" | grep -q "^5\.4\."
}

# drill_good_releases VERDICTS: the kernel release of each good run (its
# facts.json: run folders are named by time and arch, not by release).
drill_good_releases() {
	local run
	awk '$2 == "good" { print $4 }' "$1" | while read -r run; do
		jq -r '.kernel_release // ""' "$run/facts.json" 2>/dev/null || true
	done
}

# A checkout killed midway (an interrupted bisect) leaves .git/index.lock
# in the rig's clone; the next bisect, under its lock, clears it rather
# than stopping at "index.lock: File exists".
stale_lock_cleared() {
	local d=$CHECK_LOGS/stale-lock
	rm -rf "$d" && mkdir -p "$d/src" || return 1
	git -C "$d/src" init -q &&
		git -C "$d/src" -c user.email=rig@localhost -c user.name=rig commit -q --allow-empty -m one || return 1
	(
		# shellcheck source=tests/pipeline/common.sh
		. "$TOP/tests/pipeline/common.sh"
		# shellcheck source=tests/commands/bisect.sh
		. "$TOP/tests/commands/bisect.sh"
		bisect_clone "$d/src" "$d/clone" && : >"$d/clone/.git/index.lock" &&
			bisect_clone "$d/src" "$d/clone"
	) && [ ! -e "$d/clone/.git/index.lock" ] && git -C "$d/clone" checkout -q HEAD
}
