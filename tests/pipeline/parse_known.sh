# shellcheck shell=bash disable=SC2034
# Stage 7c: known failures (tests/known-failures), measured on a clean
# kernel: an upstream test that fails there, or a kernel-log splat that is
# that kernel's own bug (kernel_log:<splat id>). A listed failure is
# xfail: shown, counted and explained, never hidden; anything not listed
# still fails the run.

# RIG_KNOWN_FAILURES: another list, for the rig's own checks.
KNOWN_FAILURES=${RIG_KNOWN_FAILURES:-$RIG_TOP/tests/known-failures}

# parse_known LOG: "id TAB reason" for each entry that holds for the
# log's kernel (major.minor, from "rig: kernel", or its slab era as the
# suite probed it: era:per-memcg-caches or era:obj_cgroup), arch ("rig:
# arch") and DEBUG (RIG_DEBUG=1 on the kernel's command line).
parse_known() {
	local kernel arch debug=0 era=obj_cgroup
	[ -f "$KNOWN_FAILURES" ] || return 0
	kernel=$(sed -n 's/^rig: kernel \([0-9]*\.[0-9]*\).*/\1/p' "$1" | head -n 1)
	arch=$(sed -n 's/^rig: arch //p' "$1" | tr -d '\r' | head -n 1)
	! grep -q 'Kernel command line:.* RIG_DEBUG=1' "$1" || debug=1
	! grep -q "^# era: per-memcg caches" "$1" || era=per-memcg-caches
	awk -F'\t' -v k="$kernel" -v e="era:$era" -v a="$arch" -v d="$debug" '
		function has(list, x) { return list == "*" || index("," list ",", "," x ",") }
		/^[[:space:]]*(#|$)/ { next }
		(has($2, k) || has($2, e)) && has($3, a) && has($4, d) { print $1 "\t" $5 }' "$KNOWN_FAILURES"
}

# parse_kernel_log_result DIR KNOWN: the kernel_log line of results.txt
# from DIR/kernel-log.txt and DIR/splats.txt. Splats that are all listed
# make it xfail; any other splat fails it, named first.
parse_kernel_log_result() {
	local dir=$1 known=$2
	if [ ! -s "$dir/kernel-log.txt" ]; then
		echo "kernel_log pass "
		return
	fi
	printf '%s\n' "$known" | awk -F'\t' -v first="$(head -n 1 "$dir/kernel-log.txt")" '
		NR == FNR { if (sub(/^kernel_log:/, "", $1)) why[$1] = $2; next }
		{ ids = ids sep $1; sep = " " }
		$1 in why { reasons = reasons rsep why[$1]; rsep = "; "; next }
		{ bad = bad bsep $1; bsep = " "; if (line == "") line = $3 }
		END {
			if (ids != "" && bad == "") print "kernel_log xfail " ids ": " reasons
			else if (bad != "") print "kernel_log fail " bad ": " line
			else print "kernel_log fail unnamed: " first
		}' - "$dir/splats.txt"
}

# parse_xfail KNOWN: the results on stdin, with the known failures
# applied: a listed test that fails or skips becomes xfail with the listed
# reason; one that passes is xpass, counted apart (a listing that may be
# stale). An id ending in ".*" lists a whole program (a race all its tests share).
parse_xfail() {
	local known=$1
	awk -F'\t' '
		function why(id,   p) {
			if (id in known)
				return known[id]
			for (p in prog)
				if (index(id, p) == 1)
					return prog[p]
			return ""
		}
		NR == FNR {
			if ($1 ~ /\.\*$/) prog[substr($1, 1, length($1) - 1)] = $2
			else if ($1 != "") known[$1] = $2
			next
		}
		{ split($0, w, " "); r = why(w[1]) }
		r != "" && (w[2] == "fail" || w[2] == "skip") { print w[1], "xfail", r; next }
		r != "" && w[2] == "pass" { print w[1], "xpass", "passed, but listed as a known failure in tests/known-failures: " r; next }
		{ print }' <(printf '%s\n' "$known") -
}
