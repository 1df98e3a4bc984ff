# shellcheck shell=bash
# Helpers for the rig's own tests: each check prints one KTAP line, the
# run ends with "N passed, N failed". Logs go to build/check/<name>.log.

CHECK_N=0
CHECK_PASSED=0
CHECK_FAILED=0
CHECK_FAILED_NAMES=
CHECK_LAST=$SECONDS

check_result() {
	local name=$1 ok=$2 why=${3:-}
	# Each check's seconds, since the one before: where make check's time goes.
	echo "$name $((SECONDS - CHECK_LAST))" >>"$CHECK_LOGS/times.txt"
	CHECK_LAST=$SECONDS
	CHECK_N=$((CHECK_N + 1))
	if [ "$ok" = 1 ]; then
		CHECK_PASSED=$((CHECK_PASSED + 1))
		echo "ok $CHECK_N $name"
	else
		CHECK_FAILED=$((CHECK_FAILED + 1))
		CHECK_FAILED_NAMES="$CHECK_FAILED_NAMES $name"
		echo "not ok $CHECK_N $name # $why (log: $CHECK_LOGS/$name.log)"
	fi
}

# log_gist LOG: what a run that failed names first, its rig error or its
# first failed test, so that CI's one line says why.
log_gist() {
	awk '/^rig: error:/ { print; exit }
		/^failed tests and their diagnostics:$/ { f = 1; next }
		f && /^not ok / { print; exit }' "$1" | cut -c1-240 | sed 's/^/; first: /'
}

# expect NAME CODE REGEX -- CMD...: CMD exits with CODE and its output
# matches REGEX; an error must be one "rig: error:" line.
expect() {
	local name=$1 code=$2 regex=$3 log=$CHECK_LOGS/$1.log got=0 errs
	shift 4
	"$@" >"$log" 2>&1 </dev/null || got=$?
	errs=$(grep -c '^rig: error:' "$log" || true)
	if [ "$got" != "$code" ]; then
		check_result "$name" 0 "expected exit $code, got $got$(log_gist "$log")"
	elif ! grep -qE -- "$regex" "$log"; then
		check_result "$name" 0 "exit $got as expected, but no line matches /$regex/"
	elif [ "$code" = 2 ] || [ "$code" = 125 ] && [ "$errs" != 1 ]; then
		check_result "$name" 0 "expected one 'rig: error:' line, got $errs"
	else
		check_result "$name" 1
	fi
}

# check NAME CMD...: CMD succeeds. A grep that finds nothing prints
# nothing, so the failure quotes it instead.
check() {
	local name=$1 log=$CHECK_LOGS/$1.log why=failed
	shift
	if "$@" >"$log" 2>&1 </dev/null; then
		check_result "$name" 1
		return
	fi
	if [ "$1" = grep ]; then
		why="no line matches: $*"
		echo "$why" >>"$log"
	fi
	check_result "$name" 0 "$why"
}

# check_start NAME CMD...: a host-only check that needs no kernel (lint,
# the C build) runs beside the ones after it; check_end NAME reports it
# in its place. The quick tier's goal is under a minute on two CPUs.
check_start() {
	local name=$1
	shift
	# The status is written whatever it is: under set -e a failing check
	# would otherwise end the subshell first, and check_end wait for ever.
	( rc=0; "$@" >"$CHECK_LOGS/$name.log" 2>&1 </dev/null || rc=$?; echo "$rc" >"$CHECK_LOGS/$name.rc" ) &
}

check_end() {
	while [ ! -s "$CHECK_LOGS/$1.rc" ]; do sleep 0.1; done
	if [ "$(cat "$CHECK_LOGS/$1.rc")" = 0 ]; then
		check_result "$1" 1
	else
		check_result "$1" 0 failed
	fi
}

# check_group_start NAME FUNC: the checks FUNC makes run beside the ones
# after it, in a subshell with counters of its own (its KTAP lines wait
# in a file); check_group_end NAME prints them in its place, numbered on
# from there. For groups that share no files with what runs beside them:
# make check-quick's under-a-minute goal on two CPUs.
check_group_start() {
	( check_group_run "$@" ) &
	echo "$!" >"$CHECK_LOGS/group-$1.pid"
}

# In the group's subshell: its counters from 0, its counts in a file.
check_group_run() {
	local name=$1 rc=0
	shift
	CHECK_N=0 CHECK_PASSED=0 CHECK_FAILED=0 CHECK_FAILED_NAMES=
	"$@" >"$CHECK_LOGS/group-$name.ktap" 2>&1 || rc=$?
	printf '%s\n' "$rc" "$CHECK_N" "$CHECK_PASSED" "$CHECK_FAILED" "$CHECK_FAILED_NAMES" \
		>"$CHECK_LOGS/group-$name.counts.new"
	mv "$CHECK_LOGS/group-$name.counts.new" "$CHECK_LOGS/group-$name.counts"
}

check_group_end() {
	local name=$1 counts=$CHECK_LOGS/group-$1.counts rc n passed failed names
	wait "$(cat "$CHECK_LOGS/group-$name.pid")" || true
	if [ ! -s "$counts" ]; then
		check_result "group_$name" 0 "the group's subshell died before its counts"
		return
	fi
	{ read -r rc; read -r n; read -r passed; read -r failed; read -r names || true; } <"$counts"
	awk -v base="$CHECK_N" '
		match($0, /^(not )?ok [0-9]+/) {
			num = substr($0, 1, RLENGTH); sub(/.* /, "", num)
			pre = substr($0, 1, RLENGTH - length(num))
			print pre (num + base) substr($0, RLENGTH + 1); next
		}
		{ print }' "$CHECK_LOGS/group-$name.ktap"
	CHECK_N=$((CHECK_N + n))
	CHECK_PASSED=$((CHECK_PASSED + passed))
	CHECK_FAILED=$((CHECK_FAILED + failed))
	CHECK_FAILED_NAMES="$CHECK_FAILED_NAMES $names"
	CHECK_LAST=$SECONDS
	[ "$rc" = 0 ] || check_result "group_$name" 0 "the group's checks stopped early (exit $rc)"
}

# The end of each failed check's log, as KTAP diagnostics before the
# plan: CI may keep only the end of make check's output, and this is
# where a failure's cause is.
check_failure_tails() {
	local name
	for name in $CHECK_FAILED_NAMES; do
		echo "# --- $name: the last lines of $CHECK_LOGS/$name.log"
		tail -n 15 "$CHECK_LOGS/$name.log" 2>/dev/null | cut -c1-300 | sed 's/^/# /'
	done
}

# skip_check NAME REASON: a check that cannot run here, said as a skip.
skip_check() {
	echo "$1 $((SECONDS - CHECK_LAST))" >>"$CHECK_LOGS/times.txt"
	CHECK_LAST=$SECONDS
	CHECK_N=$((CHECK_N + 1))
	echo "ok $CHECK_N $1 # SKIP $2"
}

# check_clock_start NAME: the seconds so far go to NAME (the set-up).
check_clock_start() {
	echo "$1 $SECONDS" >"$CHECK_LOGS/times.txt"
	CHECK_LAST=$SECONDS
}

# One diagnostic line: the run's seconds and its slowest checks.
check_times() {
	[ -f "$CHECK_LOGS/times.txt" ] || return 0
	sort -k2,2nr "$CHECK_LOGS/times.txt" | awk -v total="$SECONDS" '
		NR <= 8 { slow = slow sep $1 " " $2 " s"; sep = ", " }
		END { print "# time: " total " s; slowest: " slow }'
}
