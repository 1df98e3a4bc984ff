# shellcheck shell=bash
# The one KTAP reader. The rig's suite, upstream's kselftest TAP and what
# is built on them (parse, report, export, soak, make check) read KTAP
# through ktap_read only, which prints one tab-separated record per line
# of input, in order:
#   R <name> <verdict> <number> <reason>  a result: "[not ]ok N [name][ # ...]";
#                                         name is empty in kselftest's
#                                         "ok N # SKIP msg" form
#   D <name> <line>                       a "#" diagnostic, named after the
#                                         result it comes before (the suite
#                                         prints them first); "" after the last
#   P <plan> <line>                       "1..N", and the line whole
#   O <line>                              anything else
# Verdicts: pass, fail, skip ("ok ... # SKIP"), xfail ("# XFAIL"); a
# "# error" result and "not ok ... # SKIP" are fail.
ktap_read() {
	awk '
	function flush(name,   i) {
		for (i = 1; i <= nb; i++)
			print (buf[i] ~ /^#/ ? "D\t" name "\t" : "") buf[i]
		nb = 0
	}
	{ sub(/\r$/, "") }
	/^(not )?ok [0-9]+( |$)/ {
		ok = $1 == "ok"; rest = $0; sub(/^(not )?ok /, "", rest)
		num = rest + 0; sub(/^[0-9]+ */, "", rest)
		name = ""; d = ""; dir = ""
		if (rest ~ /^#( |$)/) {
			d = rest; sub(/^# */, "", d)
		} else {
			name = rest; sub(/ .*/, "", name)
			i = index(rest, " # ")
			if (i) d = substr(rest, i + 3)
		}
		if (d ~ /^(SKIP|XFAIL|TODO|error)( |$)/) {
			dir = d; sub(/ .*/, "", dir); sub(/^[A-Za-z]+ */, "", d)
		}
		verdict = dir == "SKIP" ? (ok ? "skip" : "fail") : dir == "XFAIL" ? "xfail" : \
			  dir == "error" ? "fail" : (ok ? "pass" : "fail")
		flush(name)
		print "R\t" name "\t" verdict "\t" num "\t" d
		next
	}
	/^1\.\.[0-9]+/ { p = $1; sub(/^1\.\./, "", p); buf[++nb] = "P\t" p "\t" $0; next }
	/^#/ { buf[++nb] = $0; next }
	{ buf[++nb] = "O\t" $0 }
	END { flush("") }' "$@"
}

# ktap_read_run DIR: the records of a run folder's rig and upstream KTAP,
# whichever it has.
ktap_read_run() {
	local t
	local -a f=()
	for t in ktap kselftest; do [ ! -f "$1/$t.txt" ] || f+=("$1/$t.txt"); done
	[ ${#f[@]} = 0 ] || ktap_read "${f[@]}"
}

# ktap_figures KTAP...: each "# figure NAME: key=value..." line (the
# guest's grammar, tests/guest/README.md) as "test TAB name TAB measured
# TAB expected TAB tolerance TAB ratio TAB low TAB high", a field empty
# where the line has none; the test is the result the line comes before.
ktap_figures() {
	ktap_read "$@" | awk -F'\t' '
	$1 == "D" {
		line = substr($0, length($2) + 4)
		i = index(line, ": measured=")
		if (line !~ /^# figure / || !i)
			next
		name = substr(line, 10, i - 10)
		n = split(substr(line, i + 2), kv, " ")
		split("", f)
		for (j = 1; j <= n; j++) {
			e = index(kv[j], "=")
			if (e)
				f[substr(kv[j], 1, e - 1)] = substr(kv[j], e + 1)
		}
		pend[++np] = name "\t" f["measured"] "\t" f["expected"] "\t" f["tolerance"] "\t" f["ratio"] "\t" f["low"] "\t" f["high"]
		next
	}
	$1 == "R" {
		for (j = 1; j <= np; j++)
			print $2 "\t" pend[j]
		np = 0
	}'
}
