# shellcheck shell=bash
# The run folder's one reader: what a run's verdicts, counts, console and
# guest say, and which run is the latest. Every stage and command asks
# here; nothing else spells the names of results.txt, console.log or
# results/latest (make check's one_results_reader), so the folder's
# layout can change in one place.

RUN_CONSOLE=console.log
RUN_RESULTS=results.txt

# run_console DIR: the path of the run's console log (boot writes it,
# parse reads it).
run_console() {
	echo "$1/$RUN_CONSOLE"
}

# run_results_file DIR: where parse writes the run's verdicts.
run_results_file() {
	echo "$1/$RUN_RESULTS"
}

# run_has_results DIR: parse wrote the run's verdicts.
run_has_results() {
	[ -f "$1/$RUN_RESULTS" ]
}

# log_reached_init LOG: the guest reached /init (its first line, "rig:
# kernel", is on the console).
log_reached_init() {
	grep -q '^rig: kernel ' "$1" 2>/dev/null
}

run_reached_init() {
	log_reached_init "$1/$RUN_CONSOLE"
}

# run_console_fact DIR KEY: the rest of the first "rig: KEY ..." line
# the init printed (kernel, cpus, suites).
run_console_fact() {
	sed -n "s/^rig: $2 //p" "$1/$RUN_CONSOLE" 2>/dev/null | tr -d '\r' | head -n 1
}

# run_error DIR: the one-line error that stopped the rig in this run (die
# writes DIR/error.txt), if any.
run_error() {
	head -n 1 "$1/error.txt" 2>/dev/null || true
}

# run_console_tail DIR N: the console's last N lines.
run_console_tail() {
	tail -n "$2" "$1/$RUN_CONSOLE" 2>/dev/null
}

# run_tests DIR VERDICT [WORD]: the tests with that verdict (and WORD in
# their reason), comma-separated.
run_tests() {
	[ -f "$1/$RUN_RESULTS" ] || return 0
	results_read "$1" | awk -v v="$2" -v w="${3:-}" \
		'$2 == v && (w == "" || index($0, w)) { printf "%s%s", s, $1; s = "," }'
	echo
}

# run_drop_copies DIR: the run's own copies of its kernel and rootfs
# (DIR/boot/) removed: at its end, or once a caller that kept them
# (RIG_KEEP_BOOT) has booted them again. No DIR: nothing.
run_drop_copies() {
	[ -z "$1" ] || rm -rf "${1:?}/boot"
}

# run_mark_latest DIR: results/latest (beside DIR) points at it.
run_mark_latest() {
	ln -sfn "${1##*/}" "${1%/*}/latest"
}

# run_latest RESULTS_DIR: the run folder results/latest points at;
# nothing, and 1, when there is none.
run_latest() {
	[ -e "$1/latest" ] || return 1
	readlink -f "$1/latest"
}

# run_is_latest NAME: NAME is the latest link, not a run folder.
run_is_latest() {
	[ "$1" = latest ]
}

# results_read DIR: the run's verdicts, "name verdict [reason]" a line:
# parse's DIR/results.txt, with the tests the rerun stage found flaky
# (DIR/flaky.txt: failed, then passed alone) as flaky. Every consumer of
# verdicts reads them here.
results_read() {
	if [ -s "$1/flaky.txt" ]; then
		awk 'FILENAME == ARGV[1] { f[$1] = 1; next }
			($1 in f) && $2 == "fail" { $2 = "flaky" } { print }' \
			"$1/flaky.txt" "$1/$RUN_RESULTS"
	else
		cat "$1/$RUN_RESULTS"
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
		}' "$1/$RUN_RESULTS" >"$1/counts.txt"
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

# (read by the shell: a parse reads eight counts, and make check parses often)
counts_read() {
	local k v n=0
	if [ -f "$1/counts.txt" ]; then
		while read -r k v; do
			[ "$k" != "$2" ] || n=$v
		done <"$1/counts.txt"
	fi
	echo "$((n + 0))"
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
