# shellcheck shell=bash
# make soak: the warm suite N times per arch, then each test's failures
# and the spread of every figure it compares (the "# figure" lines of
# ktap.txt): this is where the tolerances' measured noise comes from.

# soak_figures RUN_DIR...: per test its runs, failures, slowest poll to
# settle (the measured side of WAIT_MS) and median duration; per test and figure: runs,
# the least and greatest error (measured - expected) and the tolerance.
soak_figures() {
	local dir
	for dir in "$@"; do
		[ -f "$dir/ktap.txt" ] || continue
		# figures with a tolerance (expect_near's), then the results
		ktap_figures "$dir/ktap.txt" | awk -F'\t' '$4 != "" && $5 != "" { print "F\t" $1 "\t" $2 "\t" $3 - $4 "\t" $5 }'
		ktap_read "$dir/ktap.txt"
	done | awk -F'\t' '
	$1 == "D" { line = substr($0, length($2) + 4) }
	$1 == "F" {
		k = $2 SUBSEP $3
		if (!(k in n)) {
			lo[k] = hi[k] = $4 + 0
			keys[++nk] = k
		}
		n[k]++
		if ($4 + 0 < lo[k]) lo[k] = $4 + 0
		if ($4 + 0 > hi[k]) hi[k] = $4 + 0
		if ($5 + 0 > tmax[k]) tmax[k] = $5 + 0
		next
	}
	$1 == "D" && line ~ /^# slowest settle: / { split(line, w, " "); settle = w[4] + 0; next }
	$1 == "D" && line ~ /^# duration: / { split(line, w, " "); dur = w[3] + 0; next }
	$1 == "R" {
		test = $2
		runs[test]++
		if ($3 == "fail")
			fails[test]++
		if (!(test in order))
			order[test] = ++nt
		if (settle > slow[test]) slow[test] = settle
		settle = 0
		durs[test, runs[test]] = dur
		dur = 0
	}
	function median(t, k,   i, j, v, a) {
		for (i = 1; i <= k; i++) {
			v = durs[t, i]
			for (j = i - 1; j >= 1 && a[j] > v; j--)
				a[j + 1] = a[j]
			a[j + 1] = v
		}
		return a[int((k + 1) / 2)]
	}
	END {
		if (!nt)
			exit
		printf "%-24s %5s %5s %11s %13s\n", "test", "runs", "fails", "settle (ms)", "median (ms)"
		for (t in order)
			row[order[t]] = sprintf("%-24s %5d %5d %11d %13d", t, runs[t], fails[t], slow[t], median(t, runs[t]))
		for (i = 1; i <= nt; i++)
			print row[i]
		printf "\n%-24s %6s %9s %9s %9s  %s\n", "test", "runs", "min err", "max err", "tolerance", "figure"
		for (i = 1; i <= nk; i++) {
			split(keys[i], tk, SUBSEP)
			printf "%-24s %6d %9d %9d %9d  %s\n", tk[1], n[keys[i]], lo[keys[i]], hi[keys[i]], tmax[keys[i]], tk[2]
		}
		# Per test and ledger: the largest error against the smallest tolerance.
		printf "\n%-24s %18s %18s\n", "test", "statistics", "page counter"
		for (i = 1; i <= nk; i++) {
			split(keys[i], tk, SUBSEP)
			l = tk[2] ~ /memory.current|usage_in_bytes|page counter/ ? "p" : "s"
			e = -lo[keys[i]] > hi[keys[i]] ? -lo[keys[i]] : hi[keys[i]]
			if (e > worst[tk[1], l]) worst[tk[1], l] = e
			if (!((tk[1], l) in least) || tmax[keys[i]] < least[tk[1], l]) least[tk[1], l] = tmax[keys[i]]
		}
		for (i = 1; i <= nt; i++) {
			split(row[i], tk, " ")
			if (!((tk[1], "s") in least) && !((tk[1], "p") in least))
				continue
			printf "%-24s %8d /%8d %8d /%8d\n", tk[1], worst[tk[1], "s"], least[tk[1], "s"], worst[tk[1], "p"], least[tk[1], "p"]
		}
	}'
}

# soak_upstream RUN_DIR...: upstream's tests (results.txt) that did not
# pass every run, or passed while listed (xpass), with their fails, xfails
# and xpasses: the measured side of tests/known-failures. Nothing if no
# run had upstream's.
soak_upstream() {
	local dir
	for dir in "$@"; do
		! run_has_results "$dir" || results_read "$dir"
	done | awk '
	$1 !~ /^kselftest\./ { next }
	{ runs[$1]++; if (!($1 in order)) order[$1] = ++n }
	$2 == "fail" { fails[$1]++ }
	$2 == "xfail" { xfails[$1]++ }
	$2 == "xpass" { xpasses[$1]++ }
	END {
		if (!n)
			exit
		printf "\n%-60s %5s %5s %5s %5s\n", "upstream test (not passed every run, or listed)", "runs", "fails", "xfail", "xpass"
		for (t in order)
			if (fails[t] || xfails[t] || xpasses[t])
				row[order[t]] = sprintf("%-60s %5d %5d %5d %5d", t, runs[t], fails[t], xfails[t], xpasses[t])
			else
				clean++
		for (i = 1; i <= n; i++)
			if (i in row)
				print row[i]
		printf "%d other upstream tests passed every run\n", clean
	}'
}

# soak_signatures RUN_DIR...: each failure signature (a rig test's FAIL id,
# upstream's not-ok or skip, a kernel-log splat) and in how many of the
# runs it showed: the rates tests/known-failures quotes.
soak_signatures() {
	local dir t
	for dir in "$@"; do
		echo "run"
		for t in ktap kselftest; do
			[ ! -f "$dir/$t.txt" ] || parse_signatures "$dir/$t.txt"
		done
		[ ! -f "$dir/splats.txt" ] || cut -f1 "$dir/splats.txt" | sed 's/^/kernel_log\t/'
	done | awk -F'\t' '
	$0 == "run" { runs++; delete seen; next }
	!(($1, $2) in seen) { seen[$1, $2] = 1; if (!(($1, $2) in hits)) order[++n] = $1 "\t" $2; hits[$1, $2]++ }
	END {
		if (!n)
			exit
		printf "\n%-24s %-56s %5s %5s\n", "test", "signature", "runs", "hits"
		for (i = 1; i <= n; i++) {
			split(order[i], k, "\t")
			printf "%-24s %-56s %5d %5d\n", k[1], k[2], runs, hits[k[1], k[2]]
		}
	}'
}

# soak_suite RUN_DIR...: the warm suite's time (timings.txt) over the runs.
soak_suite() {
	local dir
	for dir in "$@"; do
		awk '$1 == "suite" { print $2 }' "$dir/timings.txt" 2>/dev/null
	done | sort -n | awk '{ v[NR] = $1 }
		END { if (NR) printf "\nsuite (s) over %d runs: min %s, median %s, max %s\n", NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
}

# What make soak (and run.sh figures) prints for a set of runs.
soak_tables() {
	soak_figures "$@"
	soak_suite "$@"
	soak_upstream "$@"
	soak_signatures "$@"
}

# soak_why RUNS_DIR: the error of the run that stopped the soak, if it
# got a folder to keep it in.
soak_why() {
	local d
	d=$(run_latest "$1") || d=
	[ -z "$d" ] || [ ! -s "$d/error.txt" ] || { run_error "$d"; return; }
	echo "see the log"
}

soak_main() {
	local out a i rc first fails=0 n=${N:-20}
	case "$n" in '' | *[!0-9]* | 0) die "$EXIT_USAGE" "N must be a number of runs, not '$n'" ;; esac
	out=$RESULTS_DIR/$(date -u +%Y%m%dT%H%M%SZ)-soak
	mkdir -p "$out" || die "$EXIT_RIG" "cannot create $out"
	for a in $ARCH; do
		for i in $(seq "$n"); do
			rc=0
			# One build, then N - 1 boots of the very kernel and rootfs:
			# the first run's own copies, which no later build replaces.
			if [ "$i" = 1 ]; then
				env ARCH="$a" RESULTS_DIR="$out/runs-$a" RIG_KEEP_BOOT=1 "$0" test \
					>>"$out/soak-$a.log" 2>&1 || rc=$?
				first=$(run_latest "$out/runs-$a") || first=
			else
				"$0" boot "$first" RESULTS_DIR="$out/runs-$a" \
					>>"$out/soak-$a.log" 2>&1 || rc=$?
			fi
			note "soak $a $i/$n: exit $rc, $((SECONDS / 60)) min $((SECONDS % 60)) s in"
			case $rc in
			0) ;;
			1) fails=$((fails + 1)) ;;
			*)
				run_drop_copies "$first"
				die "$rc" "soak $a run $i of $n could not run (exit $rc): $(soak_why "$out/runs-$a") (log: $out/soak-$a.log)"
				;;
			esac
		done
		run_drop_copies "$first"
		# shellcheck disable=SC2046
		{
			soak_guest "$out/runs-$a"
			soak_tables $(find "$out/runs-$a" -mindepth 1 -maxdepth 1 -type d | sort)
		} | tee "$out/figures-$a.txt"
		soak_record "$out" "$a" "$n"
	done
	echo "soak: $out ($fails failed runs)"
	[ "$fails" = 0 ]
}

# The measured noise the README points at: tests/measured/soak-<arch>.txt,
# rewritten by every full soak (the whole rig suite, with all of upstream's
# programs if any, N >= 20) and never by hand: its header carries the
# body's hash, which make check verifies. A soak of some tests or programs
# (SUITES=kselftest KSFT_PROGRAMS=test_memcontrol) measures them alone and
# records nothing.
SOAK_RECORD_MIN=20
soak_full() {
	[ -z "$TESTS" ] && [ -z "${KSFT_PROGRAMS:-}" ] && [ "$1" -ge "$SOAK_RECORD_MIN" ] &&
		case ",$SUITES," in *,rig,*) true ;; *) false ;; esac
}

# soak_keeps_coverage FILE: a recorded soak is replaced only by one that
# ran every suite it did: a rig-only soak must not drop upstream's rows,
# whose rates tests/known-failures reads.
soak_keeps_coverage() {
	local had s
	[ -f "$1" ] || return 0
	had=$(sed -n 's/^guest suites: //p' "$1")
	for s in ${had//,/ }; do
		case ",$SUITES," in
		*",$s,"*) ;;
		*)
			note "soak: not recorded: $(basename "$1") holds suites $had, this soak ran $SUITES (SUITES=$had records)"
			return 1
			;;
		esac
	done
}

soak_record() {
	local out=$1 a=$2 n=$3 file
	soak_full "$n" || return 0
	file=$(measured_name soak "$a") || return 0
	soak_keeps_coverage "$RIG_TOP/tests/measured/$file" || return 0
	measured_write "$RIG_TOP/tests/measured/$file" "$out/figures-$a.txt" \
		"make soak N=$n ARCH=$a$([ "$SUITES" = rig ] || echo " SUITES=$SUITES") on $(date -u +%Y-%m-%d): $(soak_failed_runs "$out" "$a") of $n runs failed; kernel $(soak_kernel "$out" "$a")"
	# The rates tests/known-failures.md shows come from here.
	known_write
}

# soak_guest RUNS_DIR: what the guest was (guest_facts of the first run),
# the line that tells make known which entries the soak measured.
soak_guest() {
	local first
	first=$(soak_first_run "$1")
	[ -n "$first" ] || return 0
	echo "guest kernel|era|arch|cgroup|debug|cpus|nodes: $(guest_facts "$(run_console "$first")")"
	echo "guest suites: $(run_console_fact "$first" suites | cut -d' ' -f1)"
	echo
}

soak_failed_runs() {
	local d n=0
	for d in "$1/runs-$2"/*/; do
		d=${d%/}
		if run_is_latest "${d##*/}" || ! run_has_results "$d"; then
			continue
		fi
		results_read "$d" | awk '$2 == "fail" || $2 == "flaky" { bad = 1 } END { exit !bad }' && n=$((n + 1))
	done
	echo "$n"
}

soak_kernel() {
	run_console_fact "$(soak_first_run "$1/runs-$2")" kernel
}

# soak_first_run RUNS_DIR: the first run folder of a soak's arch.
soak_first_run() {
	find "$1" -mindepth 1 -maxdepth 1 -type d | sort | head -n 1
}
