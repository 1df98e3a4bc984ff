# shellcheck shell=bash disable=SC2034
# Stage 7b: the kselftest suite's verdicts. Each upstream program's TAP
# is framed by the guest's runner ("rig: kselftest-cgroup P begin" ...
# "rig: kselftest-cgroup P exit RC"); every result becomes
# kselftest.cgroup.P.<test>, and a program that hit its deadline, died,
# or printed results that do not add up fails as kselftest.cgroup.P.
# Known failures become xfail in parse_known.sh.

# parse_kselftest LOG DIR: appends results to DIR/results.txt, writes
# DIR/kselftest.txt (each program's TAP, result lines renamed to the full
# name so diagnostics can be found by it) and DIR/kselftest-problem.txt.
parse_kselftest() {
	local log=$1 dir=$2
	: >"$dir/kselftest.txt"
	: >"$dir/kselftest-problem.txt"
	awk -v tap="$dir/kselftest.txt" -v problem="$dir/kselftest-problem.txt" '
		function result(name, verdict, reason) {
			print "kselftest.cgroup." name, verdict, reason
		}
		function finish(rc,   id, why) {
			id = cur; why = ""
			if (rc == 124 || rc == 143) why = "hit its deadline of " deadline " s after " n " results"
			else if (rc > 128) why = "killed by signal " (rc - 128) " after " n " results"
			else if (badnum != "") why = badnum
			else if (n == 0 && rc == 4) { result(id, "skip", skipmsg == "" ? "upstream skipped it" : skipmsg); cur = ""; return }
			else if (n == 0) why = "printed no results (exit " rc ")"
			else if (plan != "" && plan != n) why = "printed " n " results for its plan of " plan
			else if (rc == 1 && !failed) why = "exited 1 with no failed test"
			else if (rc != 0 && rc != 1 && rc != 4) why = "exited " rc
			if (why != "") result(id, "fail", "upstream " cur " " why)
			cur = ""
		}
		{ sub(/\r$/, "") }
		/^\[ *[0-9]+\.[0-9]+\]/ { next }
		/^rig: kselftest-cgroup setup failed/ { setup_failed = 1; sub(/^rig: kselftest-cgroup /, ""); print "kselftest " $0 > problem; next }
		/^rig: kselftest-cgroup setup / { sub(/.* deadline /, ""); deadline = $0 + 0; sub(/s$/, "", deadline); next }
		/^rig: kselftest-cgroup [^ ]+ begin$/ { cur = $3; n = 0; plan = ""; badnum = ""; failed = 0; skipmsg = ""
			print "## upstream " cur > tap; next }
		/^rig: kselftest-cgroup [^ ]+ exit [0-9]+( after [0-9.]+s)?$/ { if (cur == $3) finish($5 + 0); next }
		/^rig: kselftest-cgroup done$/ { done = 1; next }
		/^rig: suites / { want = ($3 ~ /(^|,)kselftest(,|$)/); next }
		/^rig: / || cur == "" { next }
		/^1\.\.[0-9]+/ { plan = $1; sub(/^1\.\./, "", plan); plan += 0
			if ($0 ~ / # SKIP /) { skipmsg = $0; sub(/.* # SKIP */, "", skipmsg) }
			print > tap; next }
		/^(not )?ok [0-9]+( |$)/ {
			ok = ($1 == "ok"); num = ok ? $2 : $3
			rest = $0; sub(/^(not )?ok [0-9]+ */, "", rest)
			if (num != n + 1 && badnum == "") badnum = "numbered a result " num " where " (n + 1) " was expected"
			n++
			verdict = ok ? "pass" : "fail"; reason = ""
			if (rest ~ /^# (SKIP|XFAIL|error)/) {
				d = rest; sub(/^# /, "", d); split(d, w, " "); sub(/^[A-Za-z]+ */, "", d)
				verdict = w[1] == "SKIP" ? "skip" : (w[1] == "XFAIL" ? "xfail" : "fail")
				# "ok N # SKIP test_name", or a whole-program skip message.
				if (d ~ /^[A-Za-z0-9_.-]+$/) { name = d; reason = "upstream gave no reason" }
				else { name = "result-" num; reason = d }
				if (n == 1 && verdict == "skip" && name ~ /^result-/) skipmsg = d
			} else {
				name = rest; sub(/ .*/, "", name)
				if (index(rest, " # ")) reason = substr(rest, index(rest, " # ") + 3)
			}
			if (verdict == "fail") failed = 1
			if (name == "") name = "result-" num
			result(cur "." name, verdict, reason)
			line = $0; sub(/ok [0-9]+ .*/, "ok " num " kselftest.cgroup." cur "." name, line)
			if (verdict == "skip" || verdict == "xfail") line = line " # " toupper(verdict) " " reason
			print line > tap; next
		}
		/^#/ { print > tap; next }
		{ print "# " $0 > tap }
		END {
			if (cur != "") print "the guest stopped during upstream'"'"'s " cur > problem
			else if (want && !done && !setup_failed) print "the kselftest suite did not finish" > problem
		}' "$log" >"$dir/kselftest-results.txt"
	cat "$dir/kselftest-results.txt" >>"$dir/results.txt"
	rm -f "$dir/kselftest-results.txt"
}
