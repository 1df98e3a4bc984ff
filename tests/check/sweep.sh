# shellcheck shell=bash
# make sweep's checks. Quick: the generator on a recorded function, the
# report on recorded verdicts, sweep-keep. Full: a fixed sample of real
# mutants picked by what they change (fixtures/sweep/pick: an equivalent
# one, a broken one, two kills), each of which must get the verdict the
# pick names; and a copy of the rig whose classifier ignores equivalence
# must fail that same check.

SWEEP_FIX=$FIXTURES/sweep

sweep_gen_golden() {
	awk -v fname=reparent -f "$TOP/tests/commands/sweep_gen.awk" "$SWEEP_FIX/gen.c" |
		diff -u "$SWEEP_FIX/gen.expected" -
}

# The report stage alone, on a recorded sweep's rows.
sweep_report_recorded() {
	local out=$CHECK_LOGS/sweep-report
	rm -rf "$out" && cp -r "$SWEEP_FIX/run" "$out" &&
		SWEEP_LIB=1 SWEEP_OUT=$out bash -c '. "$1" && sweep_report' - "$TOP/tests/commands/sweep.sh" &&
		diff -u "$SWEEP_FIX/table.expected" "$out/table.txt" &&
		grep -q '^memcg_reparent_objcgs-3 (stmt, mm/memcontrol.c:201): survived$' "$out/survivors.txt" &&
		grep -q '^memcg_reparent_objcgs-8 (.*): killed with DEBUG=1: ' "$out/survivors.txt" &&
		grep -q '^memcg_reparent_objcgs-9 (.*): hidden by known-failures: um-v2: limit_max_reclaim$' "$out/survivors.txt" &&
		! grep -q '^memcg_reparent_objcgs-7 ' "$out/survivors.txt" &&
		grep -q '^    -	list_add(&objcg->list, &memcg->objcg_list);$' "$out/survivors.txt" &&
		grep -q 'sweep.html\|Survivors' "$out/sweep.html"
}

# sweep-keep: a survivor becomes a shipped mutation naming its tests.
sweep_keep_check() {
	local dir=$CHECK_LOGS/sweep-keep m=$SWEEP_FIX/run/patches/memcg_reparent_objcgs-3.patch
	rm -rf "$dir" && mkdir -p "$dir" &&
		SWEEP_KEEP_DIR=$dir MUTANT=$m NAME=objcg-not-listed TESTS=reparent_slab,pins \
			"$TOP/tests/commands/sweep.sh" keep &&
		grep -qx 'Expect-fail: reparent_slab, pins' "$dir/objcg-not-listed.patch" &&
		grep -q '^+	;$' "$dir/objcg-not-listed.patch" &&
		! SWEEP_KEEP_DIR=$dir MUTANT=$m NAME=objcg-not-listed TESTS=pins \
			"$TOP/tests/commands/sweep.sh" keep
}

sweep_quick_checks() {
	check sweep_gen_golden sweep_gen_golden
	check sweep_report_recorded sweep_report_recorded
	check sweep_keep sweep_keep_check
}

# sweep_sample_ok DIR: every picked mutant got the verdict its pick names.
sweep_sample_ok() {
	local dir=$1 fn kind want n bad=0
	[ -s "$dir/verdicts.tsv" ] || { echo "no verdicts in $dir"; return 1; }
	while IFS=$'\t' read -r fn kind _ want; do
		n=$(awk -F'\t' -v f="$fn" -v k="$kind" '$2 == f && $4 == k' "$dir/verdicts.tsv" | wc -l)
		[ "$n" -gt 0 ] || { echo "no $fn $kind mutant was swept"; bad=1; continue; }
		if awk -F'\t' -v f="$fn" -v k="$kind" -v w="$want" \
			'$2 == f && $4 == k && $5 != w { print "expected " w ": " $0; bad = 1 } END { exit !bad }' \
			"$dir/verdicts.tsv"; then
			bad=1
		fi
	done <"$SWEEP_FIX/pick"
	return "$bad"
}

sweep_last() {
	find "$RESULTS_DIR" -maxdepth 1 -type d -name '*-sweep-um' | sort | tail -n 1
}

# The same sample through a copy of the rig whose build check never
# says "equivalent": its equivalent mutant is booted (on one test, to be
# quick) and must then fail sweep_sample_ok.
# shellcheck disable=SC2016 # the line as build.sh has it
sweep_blind_copy() {
	local weak=$CHECK_LOGS/sweep-blind-rig
	rm -rf "$weak"
	rsync -a --exclude=/build --exclude=/results --exclude=/.git "$TOP/" "$weak/" &&
		sed -i 's/^\t\[ -n "\${RIG_PRISTINE:-}" \] || return 0$/\treturn 0/' "$weak/tests/pipeline/build.sh" &&
		! cmp -s "$TOP/tests/pipeline/build.sh" "$weak/tests/pipeline/build.sh" &&
		printf 'drain_all_stock\tstmt\t^migrate_disable\\(\\);$\tequivalent\n' >"$CHECK_LOGS/sweep-blind-pick" &&
		env BUILD_DIR="$TOP/build" SWEEP_FUNCS="$SWEEP_FIX/functions" SWEEP_PICK="$CHECK_LOGS/sweep-blind-pick" \
			SWEEP_DEBUG=0 SWEEP_X86=0 TESTS=reparent_slab "$weak/tests/commands/sweep.sh"
}

sweep_checks() {
	expect sweep_sample 0 '^all +4 +1 +1 +2 +0 +0 +0 +0 +0 +100%$' -- \
		env SWEEP_FUNCS="$SWEEP_FIX/functions" SWEEP_PICK="$SWEEP_FIX/pick" \
		SWEEP_DEBUG=0 SWEEP_X86=0 "$TOP/tests/commands/sweep.sh"
	check sweep_sample_classified sweep_sample_ok "$(sweep_last)"
	check sweep_page_indexed sweep_indexed
	check sweep_blind_classifier_runs sweep_blind_copy
	check sweep_blind_classifier_caught sweep_blind_caught
}

sweep_indexed() {
	"$TOP/run.sh" index >/dev/null && grep -q "sweep-um/sweep.html" "$RESULTS_DIR/index.html"
}

sweep_blind_caught() {
	! sweep_sample_ok "$(sweep_last)"
}
