#!/usr/bin/env bash
# tests/measured/: the tables make soak, make mutants and make bench write,
# never a hand. Line 1 names the command that wrote the file, line 2 holds
# the body's sha256, which make check verifies (measured_intact).

# measured_write DEST BODY HEADER: BODY's table into DEST under HEADER.
measured_write() {
	local dest=$1 body=$2
	mkdir -p "$(dirname "$dest")"
	{
		echo "# Written by $3. Do not edit."
		echo "# body sha256 $(sha256sum <"$body" | cut -d' ' -f1)"
		cat "$body"
	} >"$dest"
	echo "the table is recorded in $dest" >&2
}

measured_intact() {
	local want
	want=$(sed -n '2s/^# body sha256 //p' "$1")
	[ -n "$want" ] && [ "$(tail -n +3 "$1" | sha256sum | cut -d' ' -f1)" = "$want" ]
}

# measured_name KIND ARCH: the table's file for a packaged kernel (the
# default, 6.12, keeps the plain name; -v1, -debug and -fixes mark
# CGROUP=v1, DEBUG=1 and the series of patches/fixes/); nothing for
# KERNEL_SRC, whose tree is the user's, nor for another series.
measured_name() {
	local name=$1-$2 top=${RIG_TOP:-$TOP}
	[ -z "${KERNEL_SRC:-}" ] || return 1
	[ "${KERNEL:-6.12}" = 6.12 ] || name=$name-$KERNEL
	[ "${CGROUP:-v2}" != v1 ] || name=$name-v1
	[ "${DEBUG:-0}" != 1 ] || name=$name-debug
	case $(realpath -m --relative-to="$top" "${SERIES:-$top/patches/series}") in
	patches/series) ;;
	patches/fixes/series | patches/fixes/*/series) name=$name-fixes ;;
	*) return 1 ;;
	esac
	echo "$name.txt"
}

