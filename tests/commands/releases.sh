# shellcheck shell=bash
# make releases [ARCH=um] [RELEASES=6.12.107,6.1.170]: make test on
# Debian's point releases (KERNEL=6.12.107 works like KERNEL=6.12: the
# package at that version, from the archive), by default the oldest and
# newest of each line apt knows. The default run records its table in
# tests/measured/releases-<arch>.txt and tests/measured/releases.md.

# releases_default: the oldest and newest point release of each Debian
# line in apt's lists.
releases_default() {
	local line
	for line in $SOURCE_DEB_LINES; do
		apt-cache madison "linux-source-$line" 2>/dev/null |
			awk -F' *[|] *' '{ v = $2; sub(/-.*/, "", v); print v }' | sort -uV |
			awk 'NR == 1 { first = $0 } { last = $0 } END { if (NR) print first; if (NR > 1) print last }'
	done
}

# releases_row KERNEL EXIT RUNS_DIR: the table's line for one release:
# kernel, Debian package, exit, the closing line's counts, and each test
# that did not pass (verdict after the colon).
releases_row() {
	local folder pkg=- counts="no run folder" other=-
	folder=$(run_latest "$3") || true
	if [ -n "$folder" ]; then
		pkg=$(fact "$folder" source | awk '{ print $NF }')
		[ -n "$pkg" ] || pkg=-
	fi
	if [ -n "$folder" ] && run_has_results "$folder"; then
		counts=$(counts_closing "$folder")
		other=$(results_read "$folder" | awk '$2 ~ /^(fail|xfail|xpass|flaky)$/ { printf "%s%s:%s", s, $1, $2; s = " " }')
		[ -n "$other" ] || other=-
	elif [ "$2" = 125 ]; then
		counts="cannot test: $(run_error "$folder")"
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$pkg" "$2" "$counts" "$other"
}

releases_main() {
	local out list a r rc table
	list=${RELEASES:-$(releases_default)}
	[ -n "$list" ] ||
		die "$EXIT_USAGE" "apt knows no point release of linux-source-${SOURCE_DEB_LINES// /, -}: run apt-get update"
	out=$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ)-releases
	mkdir -p "$out" || die "$EXIT_RIG" "cannot create $out"
	for a in $ARCH; do
		table=$out/releases-$a.txt
		printf 'kernel\tpackage\texit\tverdict\tnot passed\n' >"$table"
		for r in ${list//,/ }; do
			rc=0
			env ARCH="$a" KERNEL="$r" RESULTS_DIR="$out/runs-$a-$r" "$0" test \
				>"$out/runs-$a-$r.log" 2>&1 || rc=$?
			note "releases $a $r: exit $rc, $((SECONDS / 60)) min in (log: $out/runs-$a-$r.log)"
			case $rc in 0 | 1 | 125) ;; *) die "$rc" "make test KERNEL=$r ARCH=$a stopped the rig (log: $out/runs-$a-$r.log)" ;; esac
			releases_row "$r" "$rc" "$out/runs-$a-$r" >>"$table"
		done
		column -t -s "$(printf '\t')" "$table"
		[ -n "${RELEASES:-}" ] || [ "$DEBUG" != 0 ] || [ "$CGROUP" != v2 ] || releases_record "$a" "$table"
	done
	echo "releases: $out"
}

# releases_record ARCH TABLE: tests/measured/releases-ARCH.txt, and
# tests/measured/releases.md, the table of every recorded arch the README
# points at.
releases_record() {
	measured_write "$RIG_TOP/tests/measured/releases-$1.txt" "$2" \
		"make releases ARCH=$1 on $(date -u +%Y-%m-%d): $(($(wc -l <"$2") - 1)) kernels in $((SECONDS / 60)) min"
	releases_markdown >"$RIG_TOP/tests/measured/releases.md"
}

RELEASES_TABLE_HEAD='<!-- make releases writes this file from tests/measured/releases-*.txt: do not edit -->'

# releases_markdown: the table of point releases, from
# tests/measured/releases-*.txt.
releases_markdown() {
	local f a
	echo "$RELEASES_TABLE_HEAD"
	echo
	echo "| arch | kernel | Debian package | exit | verdict | not passed |"
	echo "|---|---|---|---|---|---|"
	for f in "$RIG_TOP"/tests/measured/releases-*.txt; do
		[ -f "$f" ] || continue
		a=${f##*/releases-}
		tail -n +4 "$f" |
			awk -F'\t' -v a="${a%.txt}" '{ printf "| %s | %s | %s | %s | %s | %s |\n", a, $1, $2, $3, $4, $5 }'
	done
}
