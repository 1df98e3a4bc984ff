# shellcheck shell=bash
# Stage 7c: known failures (tests/known-failures), measured on a clean
# kernel. An entry spares one signature of one test, never a whole test:
# a rig test's FAIL line ("# FAIL <function>:<id>: ..."), upstream's
# verdict (not-ok, skip: upstream prints no ids), or a kernel-log splat
# id (test kernel_log). A failed test is xfail only when it printed at
# least one signature and every one is listed; anything else fails.

# RIG_KNOWN_FAILURES: another list, for the rig's own checks.
KNOWN_FAILURES=${RIG_KNOWN_FAILURES:-$RIG_TOP/tests/known-failures}

# parse_signatures KTAP...: "test TAB signature" for every FAIL line of
# the rig's tests, and not-ok or skip for upstream's results.
parse_signatures() {
	ktap_read "$@" | awk -F'\t' '
		$1 == "D" && $2 != "" && $3 ~ /^# FAIL [A-Za-z0-9_]+:[a-z0-9-]+: / {
			s = $3; sub(/^# FAIL /, "", s); sub(/: .*/, "", s); print $2 "\t" s }
		$1 == "R" && $2 ~ /^kselftest\./ && $3 == "fail" { print $2 "\tnot-ok" }
		$1 == "R" && $2 ~ /^kselftest\./ && $3 == "skip" { print $2 "\tskip" }' | sort -u
}

# known_holds KERNEL ERA ARCH CGROUP DEBUG [FILE [SERIES]]: the entries of FILE
# (tests/known-failures) that hold for that kernel, as "test TAB signature
# TAB reason (rate)".
known_holds() {
	known_scope "$@" | awk -F'\t' '{ print $2 "\t" $3 "\t" $9 " (measured: " $8 ")" }'
}

# known_scope KERNEL ERA ARCH CGROUP DEBUG [FILE [SERIES]]: the entries of
# FILE that hold for that kernel, each after its line number and a TAB.
# Kernels: major.minor, A-B (a range, both ends in), era:<era>, or *, and
# until:<patch>, a fix in patches/fixes/: the entry no longer holds on a
# run whose series (the run folder's series file, SERIES) applied it;
# arches, cgroups (v1, v2) and DEBUG (0, 1): a list or *.
known_scope() {
	awk -F'\t' -v k="$1" -v e="era:$2" -v a="$3" -v c="$4" -v d="$5" -v applied="${7:-}" '
		BEGIN {
			while (applied != "" && (getline line < applied) > 0)
				if (line ~ /^[0-9a-f]+ [^ ]+$/) { split(line, w, " "); sub(/.*\//, "", w[2]); fixed[w[2]] = 1 }
		}
		function cured(list,   i, n, w) {
			n = split(list, w, ",")
			for (i = 1; i <= n; i++)
				if (w[i] ~ /^until:/ && (substr(w[i], 7) in fixed)) return 1
			return 0
		}
		function ver(s,   w) { split(s, w, "."); return w[1] * 1000 + w[2] }
		function kin(list, x,   i, n, r, w) {
			if (list == "*") return 1
			n = split(list, w, ",")
			for (i = 1; i <= n; i++) {
				if (w[i] == "*" || w[i] == x || w[i] == e) return 1
				if (w[i] ~ /^[0-9]+\.[0-9]+-[0-9]+\.[0-9]+$/ && x != "") {
					split(w[i], r, "-")
					if (ver(x) >= ver(r[1]) && ver(x) <= ver(r[2])) return 1
				}
			}
			return 0
		}
		function has(list, x) { return list == "*" || index("," list ",", "," x ",") }
		/^[[:space:]]*(#|$)/ { next }
		kin($3, k) && !cured($3) && has($4, a) && has($5, c) && has($6, d) { print NR "\t" $0 }' "${6:-$KNOWN_FAILURES}"
}

# guest_facts LOG: what the guest was, as the init and the suite said it,
# separated by |: kernel (major.minor), era (obj_cgroup or
# per-memcg-caches, as the suite probed it), arch, cgroup, DEBUG, CPUs
# online and NUMA nodes.
guest_facts() {
	awk '
		{ sub(/\r$/, "") }
		/^rig: kernel [0-9]+\.[0-9]+/ && k == "" { split($3, v, "."); k = v[1] "." v[2] }
		/^rig: arch / && a == "" { a = $3 }
		/^rig: cgroup / && c == "" { c = $3 }
		/^rig: cpus / && n == "" { n = $3 }
		/^rig: nodes / && nn == "" { nn = $3 }
		/Kernel command line:.* RIG_DEBUG=1/ { d = 1 }
		/^# era: per-memcg caches/ { e = "per-memcg-caches" }
		END { printf "%s|%s|%s|%s|%d|%s|%s\n", k, e == "" ? "obj_cgroup" : e, a, c == "" ? "v2" : c, d, n, nn }' "$1"
}

# parse_known LOG [SERIES]: the entries that hold for the guest of LOG,
# built with SERIES (the run folder's series file: the patches applied).
parse_known() {
	local kernel era arch cgroup debug
	[ -f "$KNOWN_FAILURES" ] || return 0
	IFS='|' read -r kernel era arch cgroup debug _ < <(guest_facts "$1")
	known_holds "$kernel" "$era" "$arch" "$cgroup" "$debug" "$KNOWN_FAILURES" "${2:-}"
}

# parse_kernel_log_result DIR KNOWN: the kernel_log line of results.txt
# from DIR/kernel-log.txt and DIR/splats.txt. Splats that are all listed
# make it xfail; any other splat fails it, named first. An unnamed line
# (a scan hit no id rule knows, "unnamed:...") is never listed.
parse_kernel_log_result() {
	local dir=$1 known=$2
	if [ ! -s "$dir/kernel-log.txt" ]; then
		echo "kernel_log pass "
		return
	fi
	printf '%s\n' "$known" | awk -F'\t' -v first="$(head -n 1 "$dir/kernel-log.txt")" '
		NR == FNR { if ($1 == "kernel_log") why[$2] = $3; next }
		{ ids = ids sep $1; sep = " " }
		($1 in why) && $1 !~ /^unnamed/ { reasons = reasons rsep why[$1]; rsep = "; "; next }
		{ bad = bad bsep $1; bsep = " "; if (line == "") line = $3 }
		END {
			if (ids != "" && bad == "") print "kernel_log xfail " ids ": " reasons
			else if (bad != "") print "kernel_log fail " bad ": " line
			else print "kernel_log fail unnamed: " first
		}' - "$dir/splats.txt"
}

# parse_xfail KNOWN SIGNATURES: the results on stdin, with the known
# failures applied. A test that failed (or upstream's, skipped) becomes
# xfail when every signature it printed is listed, with the listed
# reasons; one with an unlisted signature, or none, stays as it was, its
# unlisted signatures named. A listed test that passes is xpass.
parse_xfail() {
	awk -F'\t' '
		FILENAME == ARGV[1] { if (NF >= 3) { known[$1 SUBSEP $2] = $3; listed[$1] = 1 }; next }
		FILENAME == ARGV[2] { sigs[$1] = sigs[$1] " " $2; next }
		{ split($0, w, " "); t = w[1] }
		t == "kernel_log" { print; next }
		(w[2] == "fail" || w[2] == "skip") && (t in sigs) {
			n = split(substr(sigs[t], 2), s, " "); why = ""; bad = ""
			for (i = 1; i <= n; i++)
				if ((t SUBSEP s[i]) in known) why = why (why == "" ? "" : "; ") s[i] ": " known[t, s[i]]
				else bad = bad " " s[i]
			if (bad == "") { print t, "xfail", why; next }
			if (t in listed) $0 = $0 " [not listed:" bad "]"
			print; next
		}
		w[2] == "pass" && (t in listed) { print t, "xpass", "passed, but listed as a known failure in tests/known-failures"; next }
		{ print }' <(printf '%s\n' "$1") "$2" -
}

# Declared skips (tests/expected-skips): a test may skip only where an
# entry declares it, by the kernel (major.minor or era), arch, cgroup,
# CPUs and NUMA nodes the guest had, with the start of the reason it
# gives. Any other skip fails: a kernel that broke what a test probes
# must not turn its test into a skip.
EXPECTED_SKIPS=${RIG_EXPECTED_SKIPS:-$RIG_TOP/tests/expected-skips}

# parse_skips LOG: the results on stdin, each undeclared skip a fail.
parse_skips() {
	local kernel era arch cgroup cpus nodes
	[ -f "$EXPECTED_SKIPS" ] || { cat; return; }
	IFS='|' read -r kernel era arch cgroup _ cpus nodes < <(guest_facts "$1")
	awk -F'\t' -v k="$kernel" -v e="era:$era" -v a="$arch" -v c="$cgroup" -v n="$cpus" -v nn="$nodes" '
		function has(list, x) { return list == "*" || index("," list ",", "," x ",") }
		FILENAME == ARGV[1] {
			if ($0 ~ /^[[:space:]]*(#|$)/) next
			if ((has($2, k) || has($2, e)) && has($3, a) && has($4, c) && has($5, n) && has($6, nn))
				why[$1] = why[$1] SUBSEP $7
			next
		}
		# t: a test, or a prefix ending in ".*" (kselftest.cgroup.*)
		function declared(t, reason,   i, m, w, p, all) {
			all = why[t] why["*"]
			for (p in why)
				if (p ~ /\.\*$/ && index(t, substr(p, 1, length(p) - 1)) == 1)
					all = all why[p]
			m = split(substr(all, 2), w, SUBSEP)
			for (i = 1; i <= m; i++)
				if (index(reason, w[i]) == 1) return 1
			return 0
		}
		{ split($0, f, " "); t = f[1] }
		f[2] == "skip" {
			r = $0; sub(/^[^ ]+ skip ?/, "", r)
			if (!declared(t, r)) { print t, "fail", "undeclared skip (tests/expected-skips): " r; next }
		}
		{ print }' "$EXPECTED_SKIPS" -
}
