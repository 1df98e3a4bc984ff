# shellcheck shell=bash
# UML needs no root, and keeps needing none: a short `make test` as an
# unprivileged user (nobody) on a copy of the rig. The packages are there
# already; the copy reuses root's unpacked tree (read-only, through a
# link) and a copy of its UML build: only UML's embedded config is
# compiled again (arch/um/kernel/config.o), a few seconds.

USER_RIG=$CHECK_LOGS/user-rig

user_rig() {
	local b=$USER_RIG/build
	rm -rf "$USER_RIG"
	rsync -a --exclude=/build --exclude=/results --exclude=/.git "$TOP/" "$USER_RIG/" &&
		mkdir -p "$b/src" "$USER_RIG/home" &&
		ln -s "$TOP/build/src/linux-6.12" "$b/src/linux-6.12" &&
		cp "$TOP/build/src/linux-6.12.unpacked" "$TOP/build/src/linux-6.12.applied" "$b/src/" &&
		cp -a "$TOP/build/um-6.12" "$b/" &&
		chown -R nobody:nogroup "$USER_RIG"
}

user_run() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env HOME="$USER_RIG/home" CCACHE_DIR="$USER_RIG/home/ccache" \
		RESULTS_DIR="$USER_RIG/results" ARCH=um TESTS=reparent_slab \
		"$USER_RIG/run.sh" test
}

user_checks() {
	check user_rig_copied user_rig
	expect uml_as_normal_user 0 '^2 passed, 0 failed, 0 skipped$' -- user_run
}
