# shellcheck shell=bash
# make known: each entry of tests/known-failures with the rate the recorded
# soaks measured. A soak's table (tests/measured/soak-*.txt) says what its
# guest was (the "guest ...:" line: which entries it could see) and how
# many of its runs showed each signature. An entry's rate column is
# "soak", read from there, or "unsoaked: <where it was seen>", a debt
# until a soak of its kernel, arch, cgroup and debug measures it.

KNOWN_SOAKS=${KNOWN_SOAKS:-$RIG_TOP/tests/measured}

# known_soak_hits SOAK_FILE: "line TAB file TAB runs TAB hits" for each
# entry of KNOWN_FAILURES in the soak's scope, 0 hits included: upstream's
# tests only where the soak ran upstream's suite ("guest suites:", rig
# where a soak does not say).
known_soak_hits() {
	local facts kernel era arch cgroup debug suites
	facts=$(sed -n 's/^guest kernel|era|arch|cgroup|debug|cpus|nodes: //p' "$1")
	[ -n "$facts" ] || return 0
	suites=$(sed -n 's/^guest suites: //p' "$1")
	IFS='|' read -r kernel era arch cgroup debug _ <<<"$facts"
	{
		sed -n '1s/.* N=\([0-9]*\) .*/N\t\1/p' "$1"
		awk '/^test +signature +runs +hits$/ { on = 1; next }
			on && NF == 4 { print "S\t" $1 "\t" $2 "\t" $4; next }
			on { on = 0 }' "$1"
		known_scope "$kernel" "$era" "$arch" "$cgroup" "$debug" | cut -f1-3 | sed 's/^/E\t/'
	} | awk -F'\t' -v f="${1##*/}" -v suites=",${suites:-rig}," '
		$1 == "N" { runs = $2 }
		$1 == "S" { hits[$2 "\t" $3] = $4 }
		$1 == "E" && ($3 !~ /^kselftest\./ || suites ~ /,kselftest,/) {
			print $2 "\t" f "\t" runs "\t" hits[$3 "\t" $4] + 0 }'
}

# known_rates: per entry "test TAB signature TAB state TAB rate", state
# measured, stale (its soaks never saw it), unmeasured (no soak of its
# kernel, arch, cgroup and debug), unsoaked (its rate column says so),
# design (the rig's own selftest_* checks, failing on purpose) or
# bad-rate (none of these).
known_rates() {
	local f
	{
		for f in "$KNOWN_SOAKS"/soak-*.txt; do
			# a soak with the fixes applied, where until: entries no longer hold
			case $f in *-fixes.txt) continue ;; esac
			[ ! -f "$f" ] || known_soak_hits "$f" | sed 's/^/H\t/'
		done
		awk -F'\t' '/^[[:space:]]*(#|$)/ { next } { print "K\t" NR "\t" $1 "\t" $2 "\t" $7 }' "$KNOWN_FAILURES"
	} | awk -F'\t' '
		$1 == "H" {
			hits[$2] += $5; runs[$2] += $4
			detail[$2] = detail[$2] (detail[$2] == "" ? "" : ", ") $3 " " $5 "/" $4
			next
		}
		{
			n = $2; rate = $5
			got = n in runs ? hits[n] " of " runs[n] " soak runs (" detail[n] ")" : "no soak of its kernel, arch, cgroup and debug"
			if (rate == "soak")
				state = !(n in runs) ? "unmeasured" : hits[n] ? "measured" : "stale"
			else if (rate ~ /^unsoaked: /)
				state = "unsoaked"
			else if (rate ~ /^design: / && $3 ~ /selftest_/)
				state = "design"
			else
				state = "bad-rate"
			if (state == "unsoaked" || state == "design")
				got = substr(rate, index(rate, ": ") + 2) "; " got
			print $3 "\t" $4 "\t" state "\t" got
		}'
}

# known_main [write|markdown]: the table, and exit 1 if an entry is
# stale, unmeasured or has no rate a soak can give; "write" also writes
# tests/known-failures.md (known_write), "markdown" prints only its table.
known_main() {
	local table
	case "${1:-}" in
	markdown) known_markdown; return ;;
	write) known_write ;;
	"") ;;
	*) die "$EXIT_USAGE" "unknown argument '$1' for known: use write or markdown" ;;
	esac
	table=$(known_rates)
	printf '%s\n' "$table" | awk -F'\t' '{ printf "%-10s %s %s: %s\n", $3, $1, $2, $4 }'
	! printf '%s\n' "$table" | cut -f3 | grep -qE '^(stale|unmeasured|bad-rate)$'
}

# known_markdown: the README's table of tests/known-failures: each entry's
# class, what it spares, where, the rate the soaks measured (or its debt)
# and, for a kernel bug, its fix and reproducer (a TESTS= its reason names).
known_markdown() {
	echo "| class | test | signature | kernels | arch, cgroup, debug | rate | fix, reproducer |"
	echo "|---|---|---|---|---|---|---|"
	known_rates | FIXES=$(cd "$RIG_TOP" && find patches/fixes -name '*.patch' | sort) awk -F'\t' '
		BEGIN { nf = split(ENVIRON["FIXES"], fixes, "\n") }
		FNR == NR { state[FNR] = $3; got[FNR] = $4; next }
		/^[[:space:]]*(#|$)/ { next }
		function all(s) { return s == "*" ? "all" : s }
		{
			n++
			class = $8; sub(/: .*/, "", class)
			kernels = $3; fix = "-"
			if (match(kernels, /(^|,)until:[^,]*/)) {
				name = substr(kernels, RSTART, RLENGTH); sub(/^,?until:/, "", name)
				fix = ""
				for (i = 1; i <= nf; i++)
					if (fixes[i] ~ ("/" name "$"))
						fix = fix (fix == "" ? "" : " and ") fixes[i]
				sub(/(^|,)until:[^,]*/, "", kernels)
			}
			if (match($8, /(TESTS|KSFT_PROGRAMS)=[a-z0-9_]+/))
				fix = fix ", `" substr($8, RSTART, RLENGTH) "`"
			rate = got[n]
			if (state[n] == "measured") sub(/ \(.*/, "", rate)
			else {
				sub(/; (no soak of .*|[0-9]+ of [0-9]+ soak runs \(.*\))$/, "", rate)
				rate = state[n] ": " rate
			}
			printf "| %s | %s | `%s` | %s | %s, %s, %s | %s | %s |\n", class, $1, $2, all(kernels),
				all($4), all($5), all($6), rate, fix
		}' - "$KNOWN_FAILURES"
}

# known_write: tests/known-failures.md, the table the README points at,
# rewritten by make known and make soak, never by hand (make check
# compares it with what known_markdown writes now).
KNOWN_TABLE_HEAD='<!-- make known writes this file from tests/known-failures and tests/measured/soak-*.txt: do not edit -->'
known_write() {
	{ echo "$KNOWN_TABLE_HEAD"; echo; known_markdown; } >"$RIG_TOP/tests/known-failures.md"
}
