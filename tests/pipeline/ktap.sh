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

# results_read DIR: the run's verdicts, "name verdict [reason]" a line:
# parse's DIR/results.txt, with the tests the rerun stage found flaky
# (DIR/flaky.txt: failed, then passed alone) as flaky. Every consumer of
# verdicts reads them here.
results_read() {
	if [ -s "$1/flaky.txt" ]; then
		awk 'FILENAME == ARGV[1] { f[$1] = 1; next }
			($1 in f) && $2 == "fail" { $2 = "flaky" } { print }' \
			"$1/flaky.txt" "$1/results.txt"
	else
		cat "$1/results.txt"
	fi
}

# counts_write DIR [MISSING]: DIR/counts.txt, parse's: "<verdict> <n>" for
# each verdict of DIR/results.txt, "results <n>" and "missing <n>" (tests
# the plan promised that never reported). Every count anyone shows is read
# through counts_get.
counts_write() {
	awk -v missing="${2:-0}" '{ n[$2]++ }
		END {
			split("pass fail skip xfail xpass flaky", v, " ")
			for (i = 1; i <= 6; i++) print v[i], n[v[i]] + 0
			print "results", NR
			print "missing", missing
		}' "$1/results.txt" >"$1/counts.txt"
}

# counts_get DIR KEY: one count (0 when absent). "flaky" is the rerun
# stage's (lines of DIR/flaky.txt), taken out of "fail"; "failed" is what
# the closing line says failed: fail and missing, or 1 for a run with a
# problem (DIR/problem.txt) and no failed test of its own.
counts_get() {
	local n flaky=0
	[ ! -s "$1/flaky.txt" ] || flaky=$(grep -c . "$1/flaky.txt")
	case "$2" in
	flaky) echo "$flaky" ;;
	fail) echo $(($(counts_read "$1" fail) - flaky)) ;;
	failed)
		n=$(($(counts_read "$1" fail) - flaky + $(counts_read "$1" missing)))
		[ "$n" != 0 ] || [ ! -s "$1/problem.txt" ] || n=1
		echo "$n"
		;;
	*) counts_read "$1" "$2" ;;
	esac
}

counts_read() {
	awk -v k="$2" '$1 == k { n = $2 } END { print n + 0 }' "$1/counts.txt" 2>/dev/null || echo 0
}

# counts_closing DIR: the closing line's counts, from DIR's files.
counts_closing() {
	counts_line "$(counts_get "$1" pass)" "$(counts_get "$1" failed)" "$(counts_get "$1" skip)" \
		"$(counts_get "$1" xfail)" "$(counts_get "$1" xpass)" "$(counts_get "$1" flaky)"
}

# counts_line PASSED FAILED SKIPPED XFAIL XPASS FLAKY: the closing line's
# counts; the last three only when not 0.
counts_line() {
	local line="$1 passed, $2 failed, $3 skipped"
	[ "$4" = 0 ] || line="$line, $4 xfail"
	[ "$5" = 0 ] || line="$line, $5 xpass"
	[ "$6" = 0 ] || line="$line, $6 flaky"
	echo "$line"
}
