# shellcheck shell=bash
# Stage 0: the Debian packages the rig needs. As root, install what is
# missing; otherwise print the exact command and exit 2.

DEPS_TEST="busybox-static gcc make flex bison bc libelf-dev libssl-dev cpio jq
libcgroup-dev cgroup-tools ccache patch git rsync qemu-system-x86"
DEPS_CHECK="shellcheck perl gnuplot-nox chromium"
# make check-quick: what the checks that need no kernel use, so that a fresh
# machine is set up in seconds, not with a kernel source and a browser.
DEPS_QUICK="busybox-static gcc make jq libcgroup-dev cgroup-tools cpio patch git shellcheck
perl"

deps_missing() {
	local pkg status
	for pkg in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || true
		case "$status" in
		*" installed") ;;
		*) printf '%s ' "$pkg" ;;
		esac
	done
}

# Which packages a run needs (set: test, check or quick; RIG_DEPS_FOR gives
# it to every stage of a run): the kernel source package is chosen by KERNEL.
deps_wanted() {
	local want=$DEPS_TEST
	if [ "${1:-}" = quick ]; then
		echo "$DEPS_QUICK ${RIG_DEPS_EXTRA:-}"
		return
	fi
	[ -n "${KERNEL_SRC:-}" ] || ! source_is_deb || want="$want linux-source-$KERNEL"
	[ "${1:-}" = check ] && want="$want $DEPS_CHECK"
	# RIG_DEPS_EXTRA: extra packages, used by the rig's own tests.
	echo "$want ${RIG_DEPS_EXTRA:-}"
}

deps() {
	local missing
	# shellcheck disable=SC2046
	missing=$(deps_missing $(deps_wanted "${1:-${RIG_DEPS_FOR:-}}"))
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		note "missing packages: $missing"
		die "$EXIT_USAGE" "install them with: sudo apt-get install -y ${missing% }"
	fi
	note "installing: $missing"
	# shellcheck disable=SC2086
	{ apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q $missing; } >"$BUILD_DIR/apt.log" 2>&1 ||
		die "$EXIT_USAGE" "apt-get install $missing failed (see $BUILD_DIR/apt.log); install them by hand"
}
