# shellcheck shell=bash
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
	case "$TREE" in "$BUILD_DIR"/*) ;; *) return 0 ;; esac
	# -s: a tree reached through a link (make check's unprivileged copy)
	# keeps the command lines, and so the objects, of the tree it links to.
	rel=$(realpath -m -s --relative-to="$O" "$TREE")
	export CCACHE_BASEDIR=$BUILD_DIR
	BUILD_KCFLAGS="-fmacro-prefix-map=$rel/="
}

# build_stage: reads the tree (patch) and object directory (run.sh) from
# facts.json; records the kernel image, its hash and release.
build_stage() {
	local log=$RUN_DIR/build.log BUILD_CC=gcc BUILD_KCFLAGS='' mon TREE O image hash
	facts_read TREE=tree O=obj_dir
	build_ccache
	# Not the run's locks (fds 8, 9): a monitor outliving a Ctrl-C must not hold them.
	build_progress "$log" 8>&- 9>&- &
	mon=$!
	: >"$log"
	build_same_objects "$log" "$mon"
	if build_unchanged; then
		echo "nothing in $TREE changed since $O/$BUILD_STAMP, same .config, make line and compiler: make skipped" >>"$log"
	elif ! build_stamped_make "$(basename "$ARCH_IMAGE")" >>"$log" 2>&1; then
		build_progress_stop "$mon"
		grep -E 'error:|Error [0-9]+|undefined reference' "$log" | head -n 8 >&2
		die "$EXIT_CANNOT_TEST" "the kernel did not build (log: $log); fix the tree or the series"
	fi
	build_progress_stop "$mon"
	build_count_record "$log"
	image=$O/$ARCH_IMAGE
	hash=$(sha256sum <"$image" | cut -d" " -f1)
	echo "$hash" >"$RUN_DIR/image.sha256"
	fact_put kernel_release "$(cat "$O/include/config/kernel.release")"
	fact_put image_sha256 "$hash"
	fact_put kernel_image "$image"
}

# LOCALVERSION set (empty) keeps setlocalversion from adding "+".
# A fixed timestamp, user, host and build number make the image a
# function of the source and config alone: bisect compares images.
build_make() {
	KBUILD_BUILD_TIMESTAMP="2000-01-01 00:00:00 UTC" \
		KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=kmemcg-rig KBUILD_BUILD_VERSION=1 \
		make -C "$TREE" O="$O" ARCH="$ARCH_KARCH" LOCALVERSION= CC="$BUILD_CC" \
		KCFLAGS="$BUILD_KCFLAGS" -j"$JOBS" "$@"
}

# RIG_PRISTINE="mm/memcontrol.o=<sha256> ...": make sweep's equivalence
# test, made where the build holds its lock (a mutant built beside another
# cannot swap the object under it). Those objects are built first; if
# each is as the pristine tree built it, the mutation changed no
# instruction: nothing to boot, and no link spent on it.
build_same_objects() {
	local log=$1 mon=$2 o objs=
	[ -n "${RIG_PRISTINE:-}" ] || return 0
	for o in $RIG_PRISTINE; do objs="${objs:+$objs }${o%%=*}"; done
	# shellcheck disable=SC2086 # one word an object
	build_make $objs >>"$log" 2>&1 || return 0	# the whole build says why
	for o in $RIG_PRISTINE; do
		[ "$(sha256sum <"$O/${o%%=*}" | cut -d" " -f1)" = "${o#*=}" ] || return 0
	done
	build_progress_stop "$mon"
	die "$EXIT_CANNOT_TEST" "equivalent: $objs built as the pristine tree built it (RIG_PRISTINE), nothing to boot"
}

# Progress of a build that takes a while: the files compiled against
# those the last build from scratch of this arch compiled, and the time;
# on a terminal one line that updates, in a log a line every 30 s. A
# build that compiles nothing prints nothing. It runs beside make and
# ends when stopped or when the run that started it is gone.
BUILD_COUNT_FILE=.rig-compiled
build_progress() {
	local log=$1 t0=$SECONDS n total every=30 last=$SECONDS tty=0 shown=0
	[ -t 2 ] && tty=1 every=2
	total=$(cat "$O/$BUILD_COUNT_FILE" "$BUILD_DIR"/"$ARCH"-*/"$BUILD_COUNT_FILE" 2>/dev/null | head -n 1)
	trap '[ "$shown$tty" != 11 ] || printf "\n" >&2; exit 0' TERM
	while kill -0 "$$" 2>/dev/null; do
		sleep 1
		[ $((SECONDS - last)) -ge "$every" ] || continue
		last=$SECONDS
		n=$(grep -c '^  CC ' "$log" || true)
		[ "$n" -gt 0 ] || continue
		shown=1
		build_progress_line "$n" "${total:-?}" $((SECONDS - t0)) "$tty"
	done
}

build_progress_line() {
	local msg
	msg=$(printf 'building: %s of %s files compiled, %d min %02d s' \
		"$1" "$2" $(($3 / 60)) $(($3 % 60)))
	if [ "$4" = 1 ]; then
		printf '\rrig: %s' "$msg" >&2
	else
		note "$msg"
	fi
}

build_progress_stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# A build from scratch (at least as many files as recorded) sets what the
# next one of this arch expects.
build_count_record() {
	local n total
	n=$(grep -c '^  CC ' "$1" || true)
	total=$(cat "$O/$BUILD_COUNT_FILE" 2>/dev/null || echo 0)
	[ "$n" -lt "$total" ] || [ "$n" -lt 100 ] || echo "$n" >"$O/$BUILD_COUNT_FILE"
}

# A build whose inputs did not change since the last one in O: no file or
# directory of TREE is newer than that build's stamp, and .config, the make
# line and the compiler are the same. Kbuild would walk the whole tree to
# compile nothing (6 s on UML, 12 s on x86_64, in every warm run); the
# stamp tells the same in under a second. Anything that changes a file
# (an edit, a checkout, a series or mutation applied) gives it a new mtime
# and the next build runs make.
BUILD_STAMP=.rig-built
build_key() {
	printf '%s\n' "tree $TREE" "arch $ARCH_KARCH $ARCH_IMAGE" "cc $BUILD_CC" \
		"kcflags $BUILD_KCFLAGS" "gcc $(gcc --version | head -n 1)" \
		"config $(sha256sum <"$O/.config" | cut -d" " -f1)"
}

build_unchanged() {
	local stamp=$O/$BUILD_STAMP
	[ -f "$stamp" ] && [ -f "$O/$ARCH_IMAGE" ] || return 1
	[ "$(sed '$d' "$stamp")" = "$(build_key)" ] || return 1
	[ "$(tail -n 1 "$stamp")" = "image $(sha256sum <"$O/$ARCH_IMAGE" | cut -d" " -f1)" ] ||
		return 1
	[ -z "$(find "$TREE" -path "$TREE/.git" -prune -o -newer "$stamp" -print -quit)" ]
}

# make, then the stamp, dated from before make started: a file edited
# while make ran is newer than it.
build_stamped_make() {
	local mark=$O/$BUILD_STAMP.start
	rm -f "$O/$BUILD_STAMP"
	touch "$mark"
	build_make "$@" || return
	{ build_key && echo "image $(sha256sum <"$O/$ARCH_IMAGE" | cut -d" " -f1)"; } >"$mark.new" &&
		touch -r "$mark" "$mark.new" && mv "$mark.new" "$O/$BUILD_STAMP"
	rm -f "$mark" "$mark.new"
	return 0
}
