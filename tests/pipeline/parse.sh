# shellcheck shell=bash
# Stage 7: from the console log to verdicts. The KTAP document is what
# the guest printed from "KTAP version" on, less the kernel's timestamped
# lines and the init's "kmsg:" lines (the kernel log's records the
# console did not show); both are scanned for splats; the guest's
# status, the plan and the results must agree, or the run failed.

# Kernel lines carry a printk timestamp (printk.time=1 on the cmdline).
KLINE='^\[ *[0-9]+\.[0-9]+\]'

parse_ktap() {
	awk '
		{ sub(/\r$/, "") }
		/^KTAP version/ { on = 1 }
		/^rig: kselftest-cgroup / { exit }
		!on || /^\[ *[0-9]+\.[0-9]+\]/ || /^(rig|kmsg): / { next }
		{ print }' "$1"
}

# One line per test: "<name> pass|fail|skip <reason>", in plan order.
parse_results() {
	ktap_read "$1" | awk -F'\t' '$1 == "R" { print $2 " " $3 " " $5 }'
}

parse_plan() {
	ktap_read "$1" | awk -F'\t' '$1 == "P" && !n++ { print $2 }'
}

# Patterns of kernel badness (KASAN and lockdep reports start with BUG:
# or WARNING:), after ktest.pl, rcutorture's
# console-badness.sh and LKP; one hit fails the run. The first is the
# rig's own, written to /dev/kmsg by the guest (kmsg_write()): its findings
# about the kernel, "kmemcg-rig: <id>: ...", splat rig:<id>.
SCAN_PATTERNS='kmemcg-rig: |BUG:|WARNING:|Oops|Call Trace|kernel BUG at|general protection fault|Kernel panic|unreferenced object|suspected memory leaks|possible circular locking|possible recursive locking|inconsistent lock state|cannot create duplicate filename|kobject_add_internal failed|Unable to add boot slab|list_add corruption|list_del corruption|INFO: task .* blocked|self-detected stall|detected stalls on CPUs|UBSAN:|BUG [^ ]+ \((Not t|T)ainted|refcount_t:|page allocation failure|percpu: allocation failed|trying to register non-static key|detected expedited stalls|suspicious RCU usage'

# An OOM kill's report carries a Call Trace by design: upstream's OOM
# tests cause them on purpose. Within one (from "invoked oom-killer" to
# its kill, to "no killable processes", to a victim "already exiting", or
# to the next line user space printed), its Call Trace is not a splat;
# any other splat line still is, and so is all that follows.
parse_drop_oom() {
	awk '/invoked oom-killer: / { oom = 1 }
		oom && /Call Trace/ { next }
		{ print }
		/Killed process [0-9]+|no killable processes|is already exiting|^(rig: |ok |not ok |# )/ { oom = 0 }' "$1"
}

parse_scan() {
	parse_drop_oom "$1" | grep -E "$SCAN_PATTERNS" | grep -Ev '^rig: |^# ' | head -n 40 || true
}

# Each splat as a stable id, type plus function (or name), so the same
# bug is one id across runs, builds and addresses: "WARNING:func",
# "KASAN:slab-use-after-free:func", "BUG:mm/slub.c", "panic:...".
# Output: id, count, first line; in order of first appearance.
parse_splats() {
	SCAN=$SCAN_PATTERNS awk '
		function fn(s) { sub(/\+0x.*/, "", s); sub(/.* /, "", s); return s }
		function norm(s) { gsub(/0x[0-9a-f]+|[0-9]+/, "N", s); sub(/[ :,.!]+$/, "", s); return s }
		# A report the kernel printed (not a line of the rig) may have a
		# Call Trace within the next lines.
		function add(id) {
			if (!(id in n)) { order[++k] = id; first[id] = $0 }
			n[id]++
			if (id !~ /^(rig|unnamed):/) traced = NR
		}
		{ sub(/\r$/, ""); sub(/^\[ *[0-9]+\.[0-9]+\] */, "") }
		/^rig: |^# / { next }
		match($0, /kmemcg-rig: [a-z0-9-]+: /) { add("rig:" substr($0, RSTART + 12, RLENGTH - 14)); next }
		/WARNING: CPU: [0-9]+ PID: [0-9]+ at / { add("WARNING:" fn($NF)); next }
		/BUG: KASAN: [a-z-]+ in / { match($0, /KASAN: [a-z-]+ in [^ ]+/)
			split(substr($0, RSTART, RLENGTH), w, " "); add("KASAN:" w[2] ":" fn(w[4])); next }
		/kernel BUG at / { s = $0; sub(/.*kernel BUG at /, "", s); sub(/:.*/, "", s); add("BUG:" s); next }
		/possible circular locking|possible recursive locking|inconsistent lock state/ {
			s = $0; sub(/.*WARNING: /, "", s); add("lockdep:" norm(s)); next }
		# lockdep-RCU: the WARNING line names nothing; the first "file:line"
		# after it names the report, whatever it says (rcu_dereference, an
		# illegal context switch, a lock held or not).
		/WARNING: suspicious RCU usage/ { rcu = 6; next }
		rcu && /[^ ]+:[0-9]+ [a-zA-Z]/ { s = $0; sub(/:[0-9]+ .*/, "", s); sub(/.* /, "", s)
			add("rcu-usage:" s); rcu = 0; next }
		rcu && !--rcu { add("rcu-usage:unknown") }
		/BUG: Bad page state/ { add("bad-page-state"); next }
		# SLUB: "BUG <cache> (Tainted: G    B   ): <what>", or Not tainted.
		/BUG [^ ]+ \((Not t|T)ainted[^)]*\): / { s = $0; sub(/.*BUG /, "", s); c = s; sub(/ .*/, "", c)
			sub(/^[^)]*\): /, "", s); add("slub:" c ":" norm(s)); next }
		/page allocation failure: / { add("page-allocation-failure"); next }
		/percpu: allocation failed/ { add("percpu-allocation-failure"); next }
		/trying to register non-static key/ { add("lockdep:non-static-key"); next }
		/detected expedited stalls/ { add("rcu-stall-expedited"); next }
		/kobject_add_internal failed for / { s = $0; sub(/.*failed for /, "", s); sub(/ .*/, "", s)
			add("kobject-add-failed:" norm(s)); next }
		/suspected memory leaks/ { add("kmemleak:suspected-leaks"); next }
		/UBSAN: [a-z-]+ in / { s = $0; sub(/.*UBSAN: /, "", s); split(s, w, " "); f = w[3]; sub(/:.*/, "", f)
			add("UBSAN:" w[1] ":" f); next }
		/refcount_t: / { s = $0; sub(/.*refcount_t: /, "", s); sub(/[;,.].*/, "", s); add("refcount:" s); next }
		/BUG: / { s = $0; sub(/.*BUG: /, "", s); sub(/[:,].*/, "", s); add("BUG:" norm(s)); next }
		/Kernel panic - not syncing: / { s = $0; sub(/.*not syncing: /, "", s); add("panic:" norm(s)); next }
		/unreferenced object/ { add("kmemleak:unreferenced-object"); next }
		/cannot create duplicate filename/ { s = $0; sub(/.*filename .?/, "", s); sub(/.$/, "", s)
			add("sysfs-duplicate:" s); next }
		/Unable to add boot slab/ { s = $0; sub(/.*boot slab (alias )?/, "", s); sub(/ .*/, "", s)
			add("slub-boot-sysfs:" s); next }
		/list_(add|del) corruption/ { match($0, /list_(add|del)/); add("list-corruption:" substr($0, RSTART, RLENGTH)); next }
		/INFO: task .* blocked/ { s = $0; sub(/.*INFO: task /, "", s); sub(/:[0-9]+ blocked.*/, "", s)
			add("hung-task:" norm(s)); next }
		/self-detected stall|detected stalls on CPUs/ { add("rcu-stall"); next }
		/general protection fault/ { add("general-protection-fault"); next }
		# Any other WARNING: or BUG: still gets an id, by its text.
		/WARNING: / { s = $0; sub(/.*WARNING: /, "", s); add("WARNING:" norm(s)); next }
		/Oops/ { add("oops"); next }
		# A Call Trace belongs to the report before it, if that is a kernel
		# report at most 400 lines up (lockdep reports are long); a bare one
		# (a dump_stack left in), or one after a line of the rig, is unnamed.
		/Call Trace/ && traced && NR - traced <= 400 { next }
		# Any other scan hit has no id rule: an unnamed splat, which no
		# listing spares (parse_kernel_log_result).
		$0 ~ ENVIRON["SCAN"] { add("unnamed:" norm($0)); next }
		END { for (i = 1; i <= k; i++) printf "%s\t%d\t%s\n", order[i], n[order[i]], first[order[i]] }
	' <(parse_drop_oom "$1")
}

# UML now and then crashes in its own exit path, after the kernel has
# powered off (5.4: halted): a timer signal still pending fires in main()'s
# unblock_signals() on the host's stack (a segv in irq_enter(), then
# panic_exit() and SIGABRT, exit 134; its panic text is lost with the
# console). The init printed its status before that, so the run keeps
# it, and the crash is a splat of its own (listable, never silent).
# parse_uml_abort LOG STATUS: the init's status, if that is what happened.
parse_uml_abort() {
	[ "$2" = 134 ] || return 0
	tail -n 1 "$1" | tr -d '\r' | grep -qE "$KLINE reboot: (Power down|System halted)$" || return 0
	sed -n 's/^rig: status \([0-9][0-9]*\)\r*$/\1/p' "$1" | tail -n 1
}

# parse_stage LOG DIR STATUS TIMED_OUT: reads the console log and the
# guest's status; writes into DIR ktap.txt, kselftest.txt, results.txt,
# counts.txt, kernel-log.txt, splats.txt, signatures.txt (each failed
# test's signatures), known.txt (the known failures that hold for this
# kernel) and problem.txt (why the run failed
# beyond its tests, empty if it did not).
parse_stage() {
	local log=$1 dir=$2 status=$3 timed_out=$4 plan got hits known rig ksft problem init
	parse_ktap "$log" >"$dir/ktap.txt"
	rig=$(parse_results "$dir/ktap.txt")
	got=$(printf '%s\n' "$rig" | grep -c . || true)
	hits=$(parse_scan "$log")
	printf '%s\n' "$hits" | sed '/^$/d' >"$dir/kernel-log.txt"
	parse_splats "$log" >"$dir/splats.txt"
	init=$(parse_uml_abort "$log" "$status")
	if [ -n "$init" ]; then
		status=$init
		init="UML died of SIGABRT (exit 134) after the kernel stopped (reboot: Power down or System halted), the init's status $init"
		echo "$init" >>"$dir/kernel-log.txt"
		printf 'rig:uml-abort-after-power-off\t1\t%s\n' "$init" >>"$dir/splats.txt"
	fi
	known=$(parse_known "$log" "$dir/series")
	ksft=$(parse_kselftest "$log" "$dir")
	parse_signatures "$dir/ktap.txt" "$dir/kselftest.txt" >"$dir/signatures.txt"
	printf '%s\n' "$known" | sed '/^$/d' >"$dir/known.txt"
	# results.txt, written once: the rig's, upstream's, the kernel log's.
	{
		[ -z "$rig" ] || printf '%s\n' "$rig"
		[ -z "$ksft" ] || printf '%s\n' "$ksft"
		parse_kernel_log_result "$dir" "$known"
	} | parse_xfail "$known" "$dir/signatures.txt" | parse_skips "$log" >"$(run_results_file "$dir")"
	plan=$(parse_plan "$dir/ktap.txt")
	counts_write "$dir" "$([ -n "$plan" ] && [ "$got" -lt "$plan" ] && echo $((plan - got)) || echo 0)"
	problem=$(parse_problem "$log" "$(run_results_file "$dir")" "$status" "$timed_out" "$plan" "$got")
	log_reached_init "$log" || problem="the kernel did not reach /init: $problem"
	printf '%s\n' "$problem" | sed '/^$/d' >"$dir/problem.txt"
}

# KTAP results must be numbered 1..plan, each once and in order: a
# duplicate, a gap or a result past the plan is a broken document.
parse_numbering() {
	ktap_read "$1" | awk -F'\t' -v plan="$2" '
		$1 == "R" && !bad {
			n = $4
			if (n != ++want) {
				printf "KTAP result %d where %d was expected (a duplicate, a gap or out of order)\n", n, want
				bad = 1
				next
			}
			if (plan != "" && n > plan) {
				printf "KTAP result %d past the plan 1..%d\n", n, plan
				bad = 1
			}
		}'
}

# The suites the guest said it runs ("rig: suites rig,kselftest"); logs
# from before that line existed ran the rig's suite alone.
parse_suite_wanted() {
	local suites
	suites=$(sed -n 's/^rig: suites \([a-z,]*\).*/\1/p' "$1" | head -n 1)
	case ",${suites:-rig}," in *,"$2",*) return 0 ;; esac
	return 1
}

parse_problem() {
	local log=$1 status=$3 timed_out=$4 plan=$5 got=$6 tfail=0 dir=${2%/*}
	local numbering short limit
	numbering=$(parse_numbering "$dir/ktap.txt" "$plan")
	short=$(parse_guest_short "$log")
	# The guest's status is its suite's: its own KTAP, before known failures
	# turn a "not ok" into xfail, must agree with it.
	ktap_read "$dir/ktap.txt" | awk -F'\t' '$1 == "R" && $3 == "fail" { f = 1 } END { exit !f }' && tfail=1
	if [ "$timed_out" = 1 ]; then
		# the deadline the run asked for (request.json; none for a log parsed alone)
		limit=$(request "$dir" timeout)
		if [ -n "$limit" ]; then limit="within $limit s"; else limit="before its deadline"; fi
		echo "the guest did not power off $limit and was killed"
	elif grep -q 'Kernel panic' "$log"; then
		echo "the kernel panicked: $(grep -m1 'Kernel panic' "$log" | sed -E "s/$KLINE *//")"
	elif ! parse_suite_wanted "$log" rig; then
		head -n 1 "$dir/kselftest-problem.txt"
	elif [ -z "$plan" ]; then
		echo "the guest stopped (status $status) before printing its KTAP plan"
	elif [ -n "$numbering" ]; then
		echo "$numbering"
	elif [ -n "$short" ]; then
		echo "$short"
	elif [ "$got" -lt "$plan" ]; then
		echo "the guest stopped (status $status) after $got of $plan tests"
	elif [ "$status" = 0 ] && [ $tfail = 1 ]; then
		echo "the guest reported status 0 but KTAP has failed tests"
	elif [ "$status" != 0 ] && [ $tfail = 0 ]; then
		echo "the guest reported status $status but every KTAP test passed"
	elif [ -s "$dir/kselftest-problem.txt" ]; then
		head -n 1 "$dir/kselftest-problem.txt"
	fi
}

# A guest with fewer CPUs online, or fewer NUMA nodes, than were asked
# (RIG_CPUS, RIG_NODES on its command line) did not test what the run
# promised: the SMP and NUMA tests would only skip. An error of the run,
# not a skip. Nor did a guest asked to boot preempt=MODEL that runs
# another. One pass over the log: asked (the first command line that
# names each), what the init saw ("rig: cpus N", "rig: nodes N") and the
# preemption model the kernel says it runs ("Dynamic Preempt: MODEL",
# 5.12 on, PREEMPT_DYNAMIC; else its banner's build: PREEMPT_RT, PREEMPT
# or neither, none).
parse_guest_short() {
	awk '
		function arg(name,   s) {
			if (!match($0, "Kernel command line:.* " name "=[0-9a-z]*")) return ""
			s = substr($0, RSTART, RLENGTH); sub(/.*=/, "", s); return s
		}
		{ sub(/\r$/, "") }
		/Kernel command line:/ {
			if (!hc && (v = arg("RIG_CPUS")) != "") { hc = 1; cpus = v }
			if (!hn && (v = arg("RIG_NODES")) != "") { hn = 1; nodes = v }
			if (!hp && (v = arg("preempt")) != "") { hp = 1; asked = v }
		}
		/^rig: cpus [0-9]/ && oc == "" { oc = $3 }
		/^rig: nodes [0-9]/ && on == "" { on = $3 }
		/Dynamic Preempt: / { d = $NF }
		/Linux version / && b == "" {
			b = "none"
			if ($0 ~ / PREEMPT_RT /) b = "rt"
			else if ($0 ~ / PREEMPT(_DYNAMIC)? /) b = "full"
		}
		END {
			if (cpus != "" && oc != "" && oc + 0 < cpus + 0)
				print "the guest has " oc " CPU(s) online where CPUS=" cpus " were asked: the kernel did not bring the others up (its config needs ACPI or MPTABLE, and SMP)"
			if (nodes != "" && on != "" && on + 0 < nodes + 0)
				print "the guest has " on " NUMA node(s) where NODES=" nodes " were asked: the kernel did not find the others (its config needs NUMA and X86_64_ACPI_NUMA)"
			model = d != "" ? d : b
			if (asked != "" && model != "" && model != asked)
				print "the kernel runs preemption model " model " where PREEMPT=" asked " was asked: its config needs PREEMPT_DYNAMIC (5.12 on; older kernels preempt as built)"
		}' "$1"
}
