# shellcheck shell=bash
# The parser and the exit-code mapping, on recorded console logs.

parse_case() {
	local name=$1 fixture=$2 status=$3 code=$4 regex=$5 timed_out=${6:-0}
	expect "parse_$name" "$code" "$regex" -- \
		env RIG_TIMED_OUT="$timed_out" "$TOP/run.sh" parse \
		"$FIXTURES/$fixture.log" "$status" "$CHECK_LOGS/parse-$name"
}

parse_checks() {
	parse_case pass pass 0 0 '^3 passed, 0 failed, 0 skipped$'
	parse_case fail fail 1 1 '^2 passed, 1 failed, 0 skipped$'
	parse_case panic panic 134 1 '^0 passed, 1 failed'
	parse_case hang hang 137 1 '^1 passed, 1 failed' 1
	parse_case warn warn 0 1 '^2 passed, 1 failed, 0 skipped$'
	parse_case died died 134 1 '^2 passed, 1 failed'
	# UML crashing after power-off keeps the init's status; the crash is a
	# listed splat on 6.12 UML (a death before power-off, "died", fails).
	parse_case uml_abort uml-abort-after-power-off 134 0 '^1 passed, 0 failed, 0 skipped, 1 xfail$'
	check parse_uml_abort_named grep -q '^kernel_log xfail rig:uml-abort-after-power-off: uml-bug: UML' \
		"$CHECK_LOGS/parse-uml_abort/results.txt"
	parse_case splats splats 0 1 '^1 passed, 1 failed'
	check parse_splat_ids splat_ids_stable
	# A splat listed in tests/known-failures for that kernel and arch is
	# xfail; any other splat beside it still fails kernel_log, named first.
	parse_case known_splat known-splat 0 0 '^1 passed, 0 failed, 0 skipped, 1 xfail$'
	check parse_known_splat_reason grep -q '^kernel_log xfail rcu-usage:lib/maple_tree.c: uml-bug: lockdep' \
		"$CHECK_LOGS/parse-known_splat/results.txt"
	check parse_known_splat_debug_only known_splat_needs_debug
	check parse_known_kselftest known_kselftest_listed
	check parse_cpus_short cpus_short_fails
	check parse_nodes_short nodes_short_fails
	check parse_preempt_other preempt_other_fails
	check boot_status_decoding boot_status_decoding
	check x86_64_numa_argv x86_64_numa_argv
	check parse_oom_without_kill oom_without_kill_scanned
	check parse_held_by_stock held_by_stock_listed
	check parse_oom_before_drain oom_before_drain_listed
	check parse_unnamed_beside_listed unnamed_beside_listed
	check parse_kmsg_rest kmsg_rest_scanned
	check parse_skips_declared skips_declared
	check parse_rig_test_listed rig_test_listed
	check parse_known_until_fix known_until_fix
	parse_case known_splat_other known-splat-other 0 1 '^1 passed, 1 failed, 0 skipped$'
	check parse_known_splat_other_named grep -q '^kernel_log fail WARNING:memcg_reparent_objcgs: WARNING: CPU: 0' \
		"$CHECK_LOGS/parse-known_splat_other/results.txt"
	check soak_figures_table soak_table_right
	check soak_records_full_only soak_full_only
	check figure_grammar figure_grammar_read
	check index_cell_per_series index_keys_series
	# A guest whose status says pass while KTAP says fail, and the reverse.
	parse_case status_0_ktap_fail fail 0 1 '^2 passed, 1 failed'
	parse_case status_1_ktap_pass pass 1 1 '^3 passed, 1 failed'
	# KTAP is checked, not just counted: each number 1..plan once, in order.
	parse_case ktap_duplicate ktap-duplicate 0 1 'KTAP result 1 where 2 was expected'
	parse_case ktap_gap ktap-gap 0 1 'KTAP result 3 where 2 was expected'
	parse_case ktap_extra ktap-extra 0 1 'KTAP result 3 past the plan 1..2'
	# The kselftest suite: results under their own names, a known failure
	# as xfail, an OOM report is no splat, a deadline, a numbering error,
	# a whole-program skip; a guest that stops inside a program.
	# its two skips declared (fixtures/kselftest.skips); undeclared, they fail
	expect parse_kselftest 1 '^8 passed, 3 failed, 2 skipped, 1 xfail$' -- \
		env RIG_EXPECTED_SKIPS="$FIXTURES/kselftest.skips" "$TOP/run.sh" parse \
		"$FIXTURES/kselftest.log" 0 "$CHECK_LOGS/parse-kselftest"
	parse_case kselftest_skips_undeclared kselftest 0 1 '^8 passed, 5 failed, 0 skipped, 1 xfail$'
	check parse_kselftest_skip_undeclared grep -q "^kselftest.cgroup.test_core fail undeclared skip (tests/expected-skips): cgroup v2 isn't mounted" \
		"$CHECK_LOGS/parse-kselftest_skips_undeclared/results.txt"
	check parse_kselftest_verdicts kselftest_verdicts_right
	parse_case kselftest_stopped kselftest-stopped 134 1 'the kernel panicked'
	parse_case kselftest_only kselftest-only 0 0 '^2 passed, 0 failed, 0 skipped$'
	check parse_fail_diagnostics grep -q 'expected 0' \
		"$CHECK_LOGS/parse-fail/ktap.txt"
	check parse_warn_quoted grep -q 'WARNING: CPU: 0 PID: 27 at mm/memcontrol.c' \
		"$CHECK_LOGS/parse-warn/kernel-log.txt"
}

KSFT_VERDICTS='reparent_slab pass
kselftest.cgroup.test_kmem.test_kmem_basic pass
kselftest.cgroup.test_kmem.test_percpu_basic xfail
kselftest.cgroup.test_memcontrol.test_memcg_subtree_control pass
kselftest.cgroup.test_memcontrol.test_memcg_max pass
kselftest.cgroup.test_memcontrol.test_memcg_oom_events fail
kselftest.cgroup.test_memcontrol.test_memcg_sock skip
kselftest.cgroup.test_freezer.test_cgfreezer_simple pass
kselftest.cgroup.test_freezer.test_cgfreezer_tree pass
kselftest.cgroup.test_freezer fail
kselftest.cgroup.test_kill.test_cgkill_simple pass
kselftest.cgroup.test_kill fail
kselftest.cgroup.test_core skip
kernel_log pass'

kselftest_verdicts_right() {
	cut -d' ' -f1,2 "$CHECK_LOGS/parse-kselftest/results.txt" | diff - <(echo "$KSFT_VERDICTS") &&
		grep -q '^kselftest.cgroup.test_kill fail upstream test_kill hit its deadline of 180 s' \
			"$CHECK_LOGS/parse-kselftest/results.txt" &&
		grep -q '^# memory.current 1000 expected 2000' "$CHECK_LOGS/parse-kselftest/kselftest.txt"
}

# The same bug is one id whatever its addresses, line numbers or CPU.
SPLAT_IDS='KASAN:slab-use-after-free:obj_cgroup_release 1
WARNING:memcg_reparent_objcgs 2
sysfs-duplicate:/kernel/slab/:A-0000192 1
BUG:mm/slub.c 1
lockdep:possible circular locking dependency detected 1
hung-task:kworker/uN:N 1
rcu-stall 1
UBSAN:shift-out-of-bounds:mm/memcontrol.c 1
slub:kmalloc-cg-64:Right Redzone overwritten 1
list-corruption:list_del 1
bad-page-state 1
refcount:underflow 1
WARNING:refcount_warn_saturate 1
rcu-usage:lib/maple_tree.c 1
slub:kmalloc-64:Poison overwritten 1
page-allocation-failure 1
percpu-allocation-failure 1
lockdep:non-static-key 1
rcu-stall-expedited 1
kobject-add-failed::a-N 1
rcu-usage:kernel/sched/core.c 1'

splat_ids_stable() {
	[ "$(cut -f1,2 "$CHECK_LOGS/parse-splats/splats.txt" | tr '\t' ' ')" = "$SPLAT_IDS" ]
}

# make soak's table, on two recorded runs: failures counted per test, each
# figure's error spread and tolerance, each test's worst error per ledger,
# each test's slowest settle, and upstream's tests that did not pass every
# run (a fail and an xfail of one test; an xfail and an xpass of another).
SOAK_TABLE='reparent_slab 2 1 120 400
thread_stacks 2 0 0 0
reparent_slab 2 -6256 -5000 10784 C'"'"'s memory.stat slab rise (3000 tmpfs files)
reparent_slab 2 768 11000 10784 P'"'"'s memory.current after rmdir C (3000 tmpfs files held)
thread_stacks 2 0 0 0 C'"'"'s memory.stat kernel_stack rise for one thread
reparent_slab 6256 / 10784 11000 / 10784
thread_stacks 0 / 0 0 / 0
suite (s) over 2 runs: min 10.0, median 10.0, max 12.0
upstream test (not passed every run, or listed) runs fails xfail xpass
kselftest.cgroup.test_freezer.test_cgfreezer_ptrace 2 1 1 0
kselftest.cgroup.test_memcontrol.test_memcg_min 2 0 1 1
1 other upstream tests passed every run
reparent_slab expect_near:p-s-memory-current-after-rmdir-c-tmpfs-files-held 2 1'

# The guest's figure lines (tests/guest/README.md's grammar) as the one
# reader gives them: two-sided, near with its ratio, one-sided either way,
# a tolerance of 0; a diagnostic that is no figure is not read.
FIGURES_READ="reparent_slab|C's memory.stat slab rise (3000 tmpfs files)|2585744|2592000|10784|240.4||
reparent_slab|C's memory.current rise (3000 tmpfs files)|2621440||||2581216|2864928
cycle_leaks|P's memory.stat slab kept after the cycles|0|||||4096
cycle_leaks|P's memory.stat kernel_stack at least|16384||||16384|
cycle_leaks|P's memory.stat percpu change|0|0|0|||"

figure_grammar_read() {
	(
		# shellcheck source=tests/pipeline/ktap.sh
		. "$TOP/tests/pipeline/ktap.sh"
		ktap_figures "$FIXTURES/figures.ktap" | tr '\t' '|' | diff - <(echo "$FIGURES_READ")
	)
}

soak_table_right() {
	"$TOP/run.sh" figures "$FIXTURES/soak/run1" "$FIXTURES/soak/run2" |
		awk 'NF && $1 != "test" { $1 = $1; print }' | diff - <(echo "$SOAK_TABLE")
}

# Only a soak of the whole rig suite (and all of upstream's programs, if
# any) replaces tests/measured/soak-*.txt: one of test_memcontrol alone
# once overwrote the fixes soak; and only one that ran every suite the
# recorded one did (a rig-only soak once dropped upstream's rows).
soak_full_only() {
	(
		# shellcheck source=tests/commands/soak.sh
		. "$TOP/tests/commands/soak.sh"
		TESTS='' KSFT_PROGRAMS='' SUITES=rig soak_full 20 &&
			TESTS='' KSFT_PROGRAMS='' SUITES=rig,kselftest soak_full 20 &&
			! TESTS='' KSFT_PROGRAMS=test_memcontrol SUITES=rig,kselftest soak_full 20 &&
			! TESTS='' KSFT_PROGRAMS='' SUITES=kselftest soak_full 20 &&
			! TESTS=pins KSFT_PROGRAMS='' SUITES=rig soak_full 20 &&
			! TESTS='' KSFT_PROGRAMS='' SUITES=rig soak_full 19 || exit 1
		# a rig-only soak does not replace one that also ran upstream's suite
		recorded=$CHECK_LOGS/soak-suites.txt
		printf 'guest suites: rig,kselftest\n' >"$recorded"
		SUITES=rig,kselftest soak_keeps_coverage "$recorded" &&
			! SUITES=rig soak_keeps_coverage "$recorded" 2>/dev/null &&
			SUITES=rig soak_keeps_coverage "$CHECK_LOGS/no-such-soak.txt"
	)
}

# index.html keys a cell by what was tested: a run of another series is
# not filed with the plain kernel's.
INDEX_RUNS='20261126T000000Z-um-6.12.117 um-6.12.117-v2-debug0 pass 3.1 15.2
20261126T010000Z-um-6.12.117 um-6.12.117-v2-debug0-series:build_mutants_reparent-to-root_series@0123456789abcdef fail 12.5 3'

index_keys_series() {
	(
		# shellcheck source=/dev/null
		. "$TOP/tests/pipeline/index.sh"
		index_runs "$FIXTURES/index" | diff - <(echo "$INDEX_RUNS")
	)
}

# The listed splat is listed for DEBUG=1 boots only: the same log from a
# boot without RIG_DEBUG=1 fails kernel_log.
known_splat_needs_debug() {
	local log=$CHECK_LOGS/known-splat-nodebug.log out=$CHECK_LOGS/parse-known_splat_nodebug
	sed 's/ RIG_DEBUG=1//' "$FIXTURES/known-splat.log" >"$log"
	! "$TOP/run.sh" parse "$log" 0 "$out" && grep -q '^kernel_log fail rcu-usage:lib/maple_tree.c' "$out/results.txt"
}

# An upstream test is listed by its verdict (not-ok) for x86_64: there it
# is xfail, while an unlisted test of the same program and another
# program's failure still fail; the same log from UML fails on it too.
known_kselftest_listed() {
	local log=$CHECK_LOGS/kselftest-freezer.log out=$CHECK_LOGS/parse-known_program
	awk '/test_kmem begin/ {
		print "rig: kselftest-cgroup test_freezer begin"
		print "not ok 1 test_cgfreezer_simple"
		print "not ok 2 test_cgfreezer_stopped"
		print "rig: kselftest-cgroup test_freezer exit 1"
		print; print "not ok 1 test_kmem_basic"; print "rig: kselftest-cgroup test_kmem exit 1"
		skip = 1; next }
		skip && /test_kmem exit/ { skip = 0; next }
		!skip' "$FIXTURES/kselftest-only.log" >"$log.um"
	sed 's/^rig: arch um$/rig: arch x86_64/' "$log.um" >"$log"
	! "$TOP/run.sh" parse "$log" 0 "$out" >"$out.txt" &&
		grep -qx 'kselftest.cgroup.test_freezer.test_cgfreezer_stopped xfail not-ok: selftest-bug: as test_cgfreezer_ptrace.*' "$out/results.txt" &&
		grep -qx 'kselftest.cgroup.test_freezer.test_cgfreezer_simple fail.*' "$out/results.txt" &&
		grep -q ', 1 xfail$' "$out.txt" &&
		grep -qx 'kselftest.cgroup.test_kmem.test_kmem_basic fail.*' "$out/results.txt" &&
		! "$TOP/run.sh" parse "$log.um" 0 "$out.um" >/dev/null &&
		grep -qx 'kselftest.cgroup.test_freezer.test_cgfreezer_stopped fail.*' "$out.um/results.txt"
}

# guest_short NAME VAR LINE SAID: a guest that shows 1 where VAR (RIG_CPUS,
# RIG_NODES) asked for 2 (CPUs online, NUMA nodes) fails the run with the reason SAID;
# showing 2, the same log passes.
guest_short() {
	local log=$CHECK_LOGS/$1.log out=$CHECK_LOGS/parse-$1
	sed -e "s/^\\(.*Kernel command line:.*\\)\$/\\1 RIG_$2=2/" \
		-e '/^rig: cpus /d' -e "s/^\\(rig: page size .*\\)\$/rig: cpus 2\\nrig: $3 2\\n\\1/" \
		"$FIXTURES/pass.log" >"$log.2"
	sed "s/^rig: $3 2/rig: $3 1/" "$log.2" >"$log"
	"$TOP/run.sh" parse "$log.2" 0 "$out.2" >/dev/null &&
		! "$TOP/run.sh" parse "$log" 0 "$out" >"$out.txt" 2>&1 &&
		grep -q "the guest has 1 $4 where $2=2 were asked" "$out.txt"
}

cpus_short_fails() { guest_short cpus_short CPUS cpus 'CPU(s) online'; }
nodes_short_fails() { guest_short nodes_short NODES nodes 'NUMA node(s)'; }

# A guest asked for preempt=full whose kernel says "Dynamic Preempt: none"
# (or whose banner, before 5.12, shows no PREEMPT) fails the run; the
# same log saying full passes.
preempt_other_fails() {
	local log=$CHECK_LOGS/preempt_other.log out=$CHECK_LOGS/parse-preempt_other
	sed -e 's/^\(.*Kernel command line:.*\)$/\1 preempt=full/' \
		-e 's/^\(\[[ 0-9.]*\] Linux version .*\) #1 \(.*\)$/\1 #1 SMP PREEMPT_DYNAMIC \2\n[    0.000000] Dynamic Preempt: full/' \
		"$FIXTURES/pass.log" >"$log.full"
	sed 's/Dynamic Preempt: full/Dynamic Preempt: none/' "$log.full" >"$log"
	sed -e '/Dynamic Preempt:/d' -e 's/ SMP PREEMPT_DYNAMIC / SMP /' "$log.full" >"$log.old"
	"$TOP/run.sh" parse "$log.full" 0 "$out.full" >/dev/null &&
		! "$TOP/run.sh" parse "$log" 0 "$out" >"$out.txt" 2>&1 &&
		grep -q "the kernel runs preemption model none where PREEMPT=full was asked" "$out.txt" &&
		! "$TOP/run.sh" parse "$log.old" 0 "$out.old" >"$out.old.txt" 2>&1 &&
		grep -q "preemption model none where PREEMPT=full" "$out.old.txt"
}

# An OOM report with no kill line (the victim already exiting) hides its
# own Call Trace from the scan, not the WARNING that follows it.
oom_without_kill_scanned() {
	local log=$CHECK_LOGS/oom-no-kill.log out=$CHECK_LOGS/parse-oom_no_kill
	awk '/WARNING: CPU/ {
		print "[    3.100000] rig_worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0"
		print "[    3.100001] Call Trace:"
		print "[    3.100002]  dump_header+0x4a/0x1f0" }
		{ print }' "$FIXTURES/warn.log" >"$log"
	! "$TOP/run.sh" parse "$log" 0 "$out" >/dev/null &&
		grep -q '^kernel_log fail WARNING:obj_cgroup_release' "$out/results.txt" &&
		! grep -q 'Call Trace' "$out/kernel-log.txt"
}

# A removed memcg only the rig's stock kick freed is a kernel-log splat
# of the rig's own: refilled-stock is listed for 6.12 (xfail, a kernel
# bug until its fix), skipped-stock is not (a failure).
held_by_stock_listed() {
	local log=$CHECK_LOGS/held-by-stock.log out=$CHECK_LOGS/parse-held_by_stock
	awk '/^ok 1 / { print "[    3.000000] kmemcg-rig: memcg-held-by-skipped-stock: rmdir C: freed only by a stock kick 5 s after rmdir (4096 B of object bytes, 0 B of pre-charge given back)" }
		{ print }' "$FIXTURES/pass.log" >"$log"
	sed "s/memcg-held-by-skipped-stock: rmdir C/memcg-held-by-refilled-stock: C once its sockets closed/" \
		"$log" >"$log.refilled"
	"$TOP/run.sh" parse "$log.refilled" 0 "$out.refilled" >/dev/null &&
		grep -q '^kernel_log xfail rig:memcg-held-by-refilled-stock: kernel-bug: ' "$out.refilled/results.txt" &&
		! "$TOP/run.sh" parse "$log" 0 "$out" >/dev/null &&
		grep -q '^kernel_log fail rig:memcg-held-by-skipped-stock' "$out/results.txt"
}

# A scan hit no id rule names (here a bare Call Trace, a dump_stack left
# in, after the rig's own line: no kernel report owns it) is an unnamed
# splat: it fails kernel_log though that line is a listed splat
# (memcg-held-by-refilled-stock on 6.12 x86_64).
unnamed_beside_listed() {
	local log=$CHECK_LOGS/unnamed-beside-listed.log out=$CHECK_LOGS/parse-unnamed_beside_listed
	awk '/^ok 1 / { print "[    2.000000] kmemcg-rig: memcg-held-by-refilled-stock: C once its sockets closed: freed only by a stock kick 5 s after its last pin went"
			print "[    3.000000] Call Trace:" }
		{ print } /^rig: kernel / { print "rig: arch x86_64" }' "$FIXTURES/pass.log" >"$log"
	! "$TOP/run.sh" parse "$log" 0 "$out" >/dev/null &&
		grep -q '^kernel_log fail unnamed:Call Trace: ' "$out/results.txt"
}

# A record the console never showed, printed by the init from /dev/kmsg
# after the suite ("kmsg: ..."), is scanned like the console: a splat.
kmsg_rest_scanned() {
	local log=$CHECK_LOGS/kmsg-rest.log out=$CHECK_LOGS/parse-kmsg_rest
	awk '/^rig: status / { print "kmsg: WARNING: CPU: 0 PID: 1 at mm/memcontrol.c:10 memcg_offline_kmem+0x1/0x2" }
		{ print }' "$FIXTURES/pass.log" >"$log"
	! "$TOP/run.sh" parse "$log" 0 "$out" >/dev/null &&
		grep -q '^kernel_log fail WARNING:memcg_offline_kmem: kmsg: WARNING' "$out/results.txt" &&
		! grep -q kmsg "$out/ktap.txt"
}

# A skip tests/expected-skips declares for the guest it ran on stays a
# skip; the same skip where it is not declared (2 CPUs), or another
# reason, fails the run.
skips_declared() {
	local log=$CHECK_LOGS/skips.log out=$CHECK_LOGS/parse-skips
	sed "s/^ok 2 slab_sysfs_names/ok 2 reparent_slab_smp # SKIP 1 CPU: nothing to add to reparent_slab/" \
		"$FIXTURES/pass.log" >"$log"
	sed 's/^rig: cpus 1/rig: cpus 2/' "$log" >"$log.2"
	sed 's/# SKIP 1 CPU: nothing/# SKIP no reason at all: nothing/' "$log" >"$log.other"
	"$TOP/run.sh" parse "$log" 0 "$out" >/dev/null &&
		grep -q '^reparent_slab_smp skip 1 CPU' "$out/results.txt" &&
		! "$TOP/run.sh" parse "$log.2" 0 "$out.2" >/dev/null &&
		grep -q '^reparent_slab_smp fail undeclared skip (tests/expected-skips): 1 CPU' "$out.2/results.txt" &&
		! "$TOP/run.sh" parse "$log.other" 0 "$out.other" >/dev/null
}

# The limit that OOM-killed before its queued stock drain ran (x86_64
# limit_stock_drain): listed for x86_64 (xfail), a failure on UML, whose
# one CPU leaves no other CPU's stock to wait for.
oom_before_drain_listed() {
	local log=$CHECK_LOGS/oom-before-drain.log out=$CHECK_LOGS/parse-oom_before_drain
	awk '/^ok 1 / { print "[    3.000000] kmemcg-rig: oom-before-stock-drain: A charging 141312 B under the limit (16384 B free), a 249856 B stock on CPU 1 drained 40 ms after the kill" }
		{ print } /^rig: kernel / { print "rig: arch x86_64" }' "$FIXTURES/pass.log" >"$log"
	sed 's/^rig: arch x86_64/rig: arch um/' "$log" >"$log.um"
	"$TOP/run.sh" parse "$log" 0 "$out" >/dev/null &&
		grep -q '^kernel_log xfail rig:oom-before-stock-drain: ' "$out/results.txt" &&
		! "$TOP/run.sh" parse "$log.um" 0 "$out.um" >/dev/null &&
		grep -q '^kernel_log fail rig:oom-before-stock-drain' "$out.um/results.txt"
}

# A rig test's failure listed by its signature: failing with it, it is
# xfail and the guest's status 1 agrees with its "not ok"; passing, it is
# xpass, whose reason ("a known failure") is no failure. Listed by another
# signature, or failing with none, it still fails, the unlisted one named.
rig_test_listed() {
	local list=$CHECK_LOGS/known-rig.list out=$CHECK_LOGS/parse-rig_listed
	printf 'reparent_slab\tcg_wait_gone:still-dying\t*\t*\t*\t*\tmade up\ta made-up listing\n' >"$list"
	printf 'reparent_slab\tcheck_fall:other\t*\t*\t*\t*\tmade up\tanother\n' >"$list.other"
	RIG_KNOWN_FAILURES=$list "$TOP/run.sh" parse "$FIXTURES/fail.log" 1 "$out.fail" >"$out.fail.txt" &&
		grep -q '^reparent_slab xfail cg_wait_gone:still-dying: a made-up listing (measured: made up)' "$out.fail/results.txt" &&
		! RIG_KNOWN_FAILURES=$list.other "$TOP/run.sh" parse "$FIXTURES/fail.log" 1 "$out.other" >/dev/null &&
		grep -q '^reparent_slab fail .*\[not listed: cg_wait_gone:still-dying\]' "$out.other/results.txt" &&
		sed '/# FAIL cg_wait_gone/d' "$FIXTURES/fail.log" >"$out.nosig.log" &&
		! RIG_KNOWN_FAILURES=$list "$TOP/run.sh" parse "$out.nosig.log" 1 "$out.nosig" >/dev/null &&
		grep -q '^reparent_slab fail' "$out.nosig/results.txt" &&
		RIG_KNOWN_FAILURES=$list "$TOP/run.sh" parse "$FIXTURES/pass.log" 0 "$out.pass" >"$out.pass.txt" &&
		grep -q ', 1 xpass$' "$out.pass.txt"
}


# A listing whose kernels say until:<fix> holds until the run's series
# applied that fix (the run folder's series file): there the same failure
# fails the run.
known_until_fix() {
	local list=$CHECK_LOGS/known-until.list out=$CHECK_LOGS/parse-until
	printf 'reparent_slab\tcg_wait_gone:still-dying\t*,until:made-up-fix.patch\t*\t*\t*\tmade up\ta made-up bug\n' >"$list"
	RIG_KNOWN_FAILURES=$list "$TOP/run.sh" parse "$FIXTURES/fail.log" 1 "$out.unfixed" >/dev/null &&
		grep -q '^reparent_slab xfail cg_wait_gone:still-dying' "$out.unfixed/results.txt" &&
		mkdir -p "$out.fixed" &&
		printf '%s\n' '# series /x/patches/fixes/series hash 0 on made up' '0123456789abcdef /x/patches/fixes/made-up-fix.patch' >"$out.fixed/series" &&
		! RIG_KNOWN_FAILURES=$list "$TOP/run.sh" parse "$FIXTURES/fail.log" 1 "$out.fixed" >/dev/null &&
		grep -q '^reparent_slab fail' "$out.fixed/results.txt"
}

# The guest's status as each arch hands it over: UML's exit code is the
# status; QEMU's isa-debug-exit gives 129 + 2 x status, and 0 is a guest
# that rebooted on a panic (255).
boot_status_decoding() (
	# shellcheck source=tests/pipeline/arch/x86_64.sh
	. "$TOP/tests/pipeline/arch/x86_64.sh"
	[ "$(arch_guest_status 129)" = 0 ] && [ "$(arch_guest_status 131)" = 1 ] &&
		[ "$(arch_guest_status 137)" = 4 ] && [ "$(arch_guest_status 0)" = 255 ] &&
		[ "$(arch_guest_status 1)" = 1 ] || return 1
	# shellcheck source=tests/pipeline/arch/um.sh
	. "$TOP/tests/pipeline/arch/um.sh"
	[ "$(arch_guest_status 0)" = 0 ] && [ "$(arch_guest_status 4)" = 4 ]
)

# QEMU's NUMA arguments: NODES sockets of CPUS / NODES CPUs each, memory
# shared evenly; one node: none.
x86_64_numa_argv() (
	# shellcheck source=tests/pipeline/arch/x86_64.sh
	. "$TOP/tests/pipeline/arch/x86_64.sh"
	local got
	got=$(CPUS=4 NODES=2 MEM=1G numa_argv | paste -sd' ')
	[ "$got" = "-object memory-backend-ram,id=node0,size=512M -numa node,nodeid=0,memdev=node0,cpus=0-1 -object memory-backend-ram,id=node1,size=512M -numa node,nodeid=1,memdev=node1,cpus=2-3" ] ||
		{ echo "numa_argv: $got"; return 1; }
	[ -z "$(CPUS=2 NODES=1 MEM=256M numa_argv)" ]
)
