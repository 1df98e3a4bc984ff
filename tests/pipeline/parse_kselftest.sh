# shellcheck shell=bash
# Stage 7b: the kselftest suite's verdicts. Each upstream program's TAP
# is framed by the guest's runner ("rig: kselftest-cgroup P begin" ...
# "rig: kselftest-cgroup P exit RC"); every result becomes
# kselftest.cgroup.P.<test>, and a program that hit its deadline, died,
# or printed results that do not add up fails as kselftest.cgroup.P.
# Known failures become xfail in parse_known.sh.

# parse_kselftest LOG DIR: prints the results (lines of results.txt), writes
# DIR/kselftest.txt (each program's TAP, result lines renamed to the full
# name so diagnostics can be found by it) and DIR/kselftest-problem.txt.
parse_kselftest() {
	local log=$1 dir=$2
	: >"$dir/kselftest.txt"
	: >"$dir/kselftest-problem.txt"
	ktap_read "$log" | awk -F'\t' -v tap="$dir/kselftest.txt" -v problem="$dir/kselftest-problem.txt" '
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
		$1 == "O" { line = substr($0, 3) }
		$1 == "O" && line ~ /^\[ *[0-9]+\.[0-9]+\]/ { next }
		$1 == "O" && line ~ /^rig: kselftest-cgroup setup failed/ { setup_failed = 1; sub(/^rig: kselftest-cgroup /, "", line); print "kselftest " line > problem; next }
		$1 == "O" && line ~ /^rig: kselftest-cgroup setup / { sub(/.* deadline /, "", line); deadline = line + 0; next }
		$1 == "O" && line ~ /^rig: kselftest-cgroup [^ ]+ begin$/ { split(line, w, " "); cur = w[3]; n = 0; plan = ""; badnum = ""; failed = 0; skipmsg = ""
			print "## upstream " cur > tap; next }
		$1 == "O" && line ~ /^rig: kselftest-cgroup [^ ]+ exit [0-9]+( after [0-9.]+s)?$/ { split(line, w, " "); if (cur == w[3]) finish(w[5] + 0); next }
		$1 == "O" && line ~ /^rig: kselftest-cgroup done$/ { done = 1; next }
		$1 == "O" && line ~ /^rig: suites / { split(line, w, " "); want = (w[3] ~ /(^|,)kselftest(,|$)/); next }
		$1 == "O" && line ~ /^rig: / || cur == "" { next }
		$1 == "P" { plan = $2 + 0; line = substr($0, length($2) + 4)
			if (line ~ / # SKIP /) { skipmsg = line; sub(/.* # SKIP */, "", skipmsg) }
			print line > tap; next }
		$1 == "R" {
			num = $4; verdict = $3; reason = $5; name = $2
			if (num != n + 1 && badnum == "") badnum = "numbered a result " num " where " (n + 1) " was expected"
			n++
			# "ok N # SKIP test_name", or a whole-program skip message.
			if (name == "" && reason ~ /^[A-Za-z0-9_.-]+$/) { name = reason; reason = "upstream gave no reason" }
			else if (name == "") {
				name = "result-" num
				if (n == 1 && verdict == "skip") skipmsg = reason
			}
			if (verdict == "fail") failed = 1
			result(cur "." name, verdict, reason)
			line = (verdict == "fail" ? "not ok " : "ok ") num " kselftest.cgroup." cur "." name
			if (verdict == "skip" || verdict == "xfail") line = line " # " toupper(verdict) " " reason
			print line > tap; next
		}
		$1 == "D" { print substr($0, length($2) + 4) > tap; next }
		{ print "# " line > tap }
		END {
			if (cur != "") print "the guest stopped during upstream'"'"'s " cur > problem
			else if (want && !done && !setup_failed) print "the kselftest suite did not finish" > problem
		}'
}
