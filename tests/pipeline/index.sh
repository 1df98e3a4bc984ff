# shellcheck shell=bash
# results/index.html, made again from the run folders after each nightly
# (or with ./run.sh index): the latest verdict per cell, each linked to
# its summary and log; per cell, each test's verdicts over the last runs;
# build and suite durations over time, plotted by gnuplot as SVG.

INDEX_HISTORY=10

# One line per run, oldest first: dir cell verdict build suite. A cell is
# what was tested: arch, kernel, hierarchy, debug, preemption and CPUs
# other than 2 (x86_64) and, when it is not the rig's own, the series
# (runs of another series get rows of their own).
index_runs() {
	local root=$1 m dir
	for m in "$root"/*/metadata.json; do
		[ -f "$m" ] || continue
		dir=$(basename "$(dirname "$m")")
		! run_is_latest "$dir" || continue
		jq -r --arg dir "$dir" '[$dir,
			"\(.arch)-\(.kernel_release // "" | if . == "" then "unbuilt" else . end)-\(.cgroup)-debug\(.debug)"
			+ (if (.preempt // "") == "" or .arch == "um" then "" else "-" + .preempt end)
			+ (if .arch == "um" or (.cpus // 2) == 2 then "" else "-cpus\(.cpus)" end)
			+ (if (.series // "") == "" then "" else "-series:" + (.series | gsub("/"; "_")) end),
			.verdict, (.phases.build // ""), (.phases.suite // "")] | map(tostring) | join(" ")' "$m" 2>/dev/null
	done | sort
}

# The cells seen, one word each (names have no spaces).
index_cells() {
	awk '{ print $2 }' "$1" | sort -u | paste -sd" " -
}

index_matrix() {
	echo '<h2>Latest verdict per cell</h2>'
	echo '<table id="matrix"><tr><th>cell</th><th>verdict</th><th>run</th><th>logs</th></tr>'
	awk '{ last[$2] = $0 } END { for (c in last) print last[c] }' "$1" | sort -k2 |
		while read -r dir cell verdict _; do
			printf '<tr><td>%s</td><td class="%s">%s</td><td>%s</td>' "$cell" "$verdict" \
				"$(echo "$verdict" | tr "[:lower:]" "[:upper:]")" "$dir"
			printf '<td><a href="%s/summary.txt">summary</a> <a class="log" href="%s/%s">console log</a> <a href="%s/junit.xml">junit</a></td></tr>\n' \
				"$dir" "$dir" "$RUN_CONSOLE" "$dir"
		done
	echo '</table>'
}

# For each cell: tests down, its last runs across.
index_history() {
	local runs=$1 root=$2 cell dirs d
	echo '<h2>Per-test history (last runs per cell)</h2>'
	for cell in $(index_cells "$runs"); do
		dirs=$(awk -v c="$cell" '$2 == c { print $1 }' "$runs" | tail -n "$INDEX_HISTORY")
		printf '<h3>%s</h3>\n<table class="history"><tr><th>test</th>' "$cell"
		for d in $dirs; do printf '<th><a href="%s/summary.txt">%s</a></th>' "$d" "${d:4:11}"; done
		echo '</tr>'
		for d in $dirs; do ! run_has_results "$root/$d" || results_read "$root/$d"; done |
			awk '{ print $1 }' | awk '!seen[$0]++' | while read -r t; do
			printf '<tr><td>%s</td>' "$t"
			for d in $dirs; do
				v=$(! run_has_results "$root/$d" || results_read "$root/$d" | awk -v t="$t" '$1 == t { print $2 }')
				printf '<td class="%s">%s</td>' "${v:-none}" "${v:--}"
			done
			echo '</tr>'
		done
		echo '</table>'
	done
}

# build.svg and suite.svg: seconds per run, one line per cell.
index_plots() {
	local runs=$1 root=$2 what col cell data plot
	command -v gnuplot >/dev/null || { echo '<p>(gnuplot is not installed: no plots)</p>'; return; }
	echo '<h2>Durations</h2>'
	for what in build suite; do
		col=4
		[ "$what" = build ] || col=5
		plot=""
		for cell in $(index_cells "$runs"); do
			data=$root/.index-$what-$cell.dat
			awk -v c="$cell" -v k="$col" '$2 == c && $k != "" { print substr($1, 1, 15), $k }' "$runs" >"$data"
			[ -s "$data" ] && plot="$plot${plot:+, }'$data' using 1:2 with linespoints title '$cell'"
		done
		[ -n "$plot" ] || continue
		gnuplot <<PLOT 2>>"$root/.index-gnuplot.log" || continue
set terminal svg size 900,360 dynamic
set output '$root/$what.svg'
set xdata time
set timefmt '%Y%m%dT%H%M%S'
set format x '%m-%d %H:%M'
set ylabel 'seconds'
set title '$what duration per run'
set key outside right
plot $plot
PLOT
		printf '<p><img alt="%s durations" src="%s.svg"></p>\n' "$what" "$what"
	done
}

index_mutants() {
	local t a
	for a in um x86_64; do
		t=$(find "$1" -maxdepth 2 -path "*-mutants-$a/table.txt" | sort | tail -n 1)
		[ -n "$t" ] || continue
		echo "<h2>Latest mutation run, $a</h2>"
		printf '<p><a href="%s">%s</a></p>\n<pre>' "${t#"$1"/}" "${t#"$1"/}"
		sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' "$t"
		echo '</pre>'
	done
}

# The latest sweep: its table, and a link to its page.
index_sweep() {
	local t
	t=$(find "$1" -maxdepth 2 -path "*-sweep-*/sweep.html" | sort | tail -n 1)
	[ -n "$t" ] || return 0
	echo "<h2>Latest sweep</h2>"
	printf '<p><a href="%s">%s</a></p>\n<pre>' "${t#"$1"/}" "${t#"$1"/}"
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' "$(dirname "$t")/table.txt"
	echo '</pre>'
}

index_stage() {
	local root=$1 runs
	runs=$root/.index-runs.txt
	index_runs "$root" >"$runs"
	{
		cat <<'HEAD'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kmemcg-rig results</title>
<style>
body { font-family: sans-serif; margin: 1em 2em; }
table { border-collapse: collapse; margin-bottom: 1em; }
td, th { border: 1px solid #999; padding: 2px 8px; }
.pass { background: #b7e4b7; } .fail { background: #f4a3a3; }
.flaky { background: #f7e08a; } .skip { background: #ddd; } .xfail { background: #e8d8c0; } .xpass { background: #d8e8c0; }
.cannot-test, .rig-error, .usage-error { background: #c9b3e6; }
</style></head><body>
<h1>kmemcg-rig results</h1>
HEAD
		echo "<p>Made $(date -u '+%Y-%m-%d %H:%M UTC') from $(wc -l <"$runs") runs.</p>"
		index_matrix "$runs"
		index_history "$runs" "$root"
		index_plots "$runs" "$root"
		index_splats "$root"
		index_mutants "$root"
		index_sweep "$root"
		echo '</body></html>'
	} >"$root/index.html.new" && mv "$root/index.html.new" "$root/index.html"
}

# Splat ids across runs: the same bug counted once, with where it was seen.
index_splats() {
	local root=$1 f
	find "$root" -mindepth 2 -maxdepth 2 -name splats.txt -size +0 | sort | while read -r f; do
		cut -f1 "$f" | sed "s|^|$(basename "$(dirname "$f")") |"
	done | awk '{ run = $1; id = substr($0, length($1) + 2)
		  if (!(id in runs)) order[++n] = id
		  runs[id]++; last[id] = run }
		END { for (i = 1; i <= n; i++) { id = order[i]
			printf "<tr><td>%s</td><td>%d</td><td><a href=\"%s/kernel-log.txt\">%s</a></td></tr>\n",
				id, runs[id], last[id], last[id] } }' >"$root/.index-splats.html"
	[ -s "$root/.index-splats.html" ] || return 0
	echo '<h2>Kernel splats (stable ids)</h2>'
	echo '<table id="splats"><tr><th>id</th><th>runs</th><th>last seen</th></tr>'
	cat "$root/.index-splats.html"
	echo '</table>'
}
