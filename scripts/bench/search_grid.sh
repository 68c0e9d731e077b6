#!/usr/bin/env bash
# One capacity search on one core, then a 64-configuration capacity grid
# on the A30 Qwen2-7B bundle, run with
# launcher=local and again with launcher=parallel: prints each sweep's wall
# and CPU time (user + sys of the sweep and every job, GNU time), checks
# that the two give the same capacity and binding SLO for every job, and
# writes the grid's compare-runs search report.
#
#   scripts/bench/search_grid.sh <bundle root>
#   SIMCHECK_VIDUR_BUNDLE=<bundle root> scripts/bench/search_grid.sh
#
# The bundle root is the directory holding compute/a30/Qwen/Qwen-2-7B and
# network/a30_single_gpu (vidur.profiling.root). JOBS (default 2) is
# launcher.jobs for both sweeps; work files go to $TMPDIR/search_grid.
# The grid is scheduler.kind × max_batch_size × chunk_size ×
# cluster.num_replicas × parallel.pipeline (2×4×2×2×2); parallel.tensor
# is not swept because the bundle profiles one tensor-parallel worker
# only. chunk_size is a sarathi setting, so vllm's two chunk sizes are
# the same configuration twice.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bundle=${1:-${SIMCHECK_VIDUR_BUNDLE:-}}
if [ -z "$bundle" ]; then
	echo "search_grid.sh: error: give the bundle root: search_grid.sh <dir> or SIMCHECK_VIDUR_BUNDLE=<dir>" >&2
	exit 2
fi
if [ ! -d "$bundle/compute/a30/Qwen/Qwen-2-7B" ]; then
	echo "search_grid.sh: error: $bundle has no compute/a30/Qwen/Qwen-2-7B: not the A30 Qwen2-7B bundle root" >&2
	exit 1
fi
bundle=$(cd "$bundle" && pwd)
jobs=${JOBS:-2}
work=${TMPDIR:-/tmp}/search_grid
rm -rf "$work"
mkdir -p "$work/bin"

echo "== build (load: $(cut -d' ' -f1-3 /proc/loadavg))"
(cd "$root/vidur-sim" && go build -o "$work/bin/vidur-sim" . && go build -o "$work/bin/gentrace" ./internal/cmd/gentrace)
(cd "$root/compare-runs" && go build -o "$work/bin/compare-runs" .)
# The trace of docs/search.md, "Cost, measured".
"$work/bin/gentrace" -n 2000 -qps 3 -seed 1 >"$work/trace.csv"

# One configuration's capacity search (the defaults: sarathi), pinned to
# one core with taskset, SINGLE_REPS times (default 3): wall and CPU of
# each, its probes and its answer.
echo "== one capacity search on one core (taskset -c 0), ${SINGLE_REPS:-3} runs (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq "${SINGLE_REPS:-3}"); do
	/usr/bin/time -o "$work/single.time" -f "%e %U %S %M" taskset -c 0 \
		"$work/bin/vidur-sim" sim.mode=capacity model=qwen2_7b hardware=a30 vidur.profiling.root="$bundle" \
		workload.trace_replay_file="$work/trace.csv" slo.ttft_ms=2000 slo.tbt_ms=100 \
		output_root="$work/single" run_id=one overwrite=true >"$work/single.dir" 2>"$work/single.log" || {
		echo "search_grid.sh: error: the single capacity search failed; see $work/single.log" >&2
		exit 1
	}
	read -r wall user sys rss <"$work/single.time"
	printf 'run %d: wall %s s, user+sys %s s, max RSS %d MB, %s probes, capacity %s req/s (%s binds)\n' "$i" "$wall" \
		"$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((rss / 1024)) \
		"$(jq '.probes | length' "$(cat "$work/single.dir")/capacity.json")" \
		"$(jq -r '.capacity_qps' "$(cat "$work/single.dir")/capacity.json")" \
		"$(jq -r '.binding_slo' "$(cat "$work/single.dir")/capacity.json")"
done

# sweep <launcher>: runs the grid under $work/<launcher> and times it.
sweep() {
	local launcher=$1
	echo "== launcher=$launcher launcher.jobs=$jobs (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
	/usr/bin/time -o "$work/$launcher.time" -f "%e %U %S" \
		"$work/bin/vidur-sim" --multirun --sweep-id=grid launcher="$launcher" launcher.jobs="$jobs" \
		sim.mode=capacity model=qwen2_7b hardware=a30 vidur.profiling.root="$bundle" \
		workload.trace_replay_file="$work/trace.csv" slo.ttft_ms=2000 slo.tbt_ms=100 \
		capacity.qps_min=0.1 capacity.qps_max=100 \
		scheduler.kind=sarathi,vllm scheduler.max_batch_size=32,64,128,256 scheduler.chunk_size=256,512 \
		cluster.num_replicas=1,2 parallel.pipeline=1,2 \
		output_root="$work/$launcher" >"$work/$launcher.dirs" 2>"$work/$launcher.log" || {
		echo "search_grid.sh: error: the launcher=$launcher sweep failed; see $work/$launcher.log" >&2
		tail -5 "$work/$launcher.log" >&2
		exit 1
	}
	read -r wall user sys <"$work/$launcher.time"
	printf '%s: %d jobs, wall %s s, user %s s, sys %s s, user+sys %s s (load after: %s)\n' "$launcher" \
		"$(wc -l <"$work/$launcher.dirs")" "$wall" "$user" "$sys" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
sweep local
sweep parallel

# answers <launcher>: one line per job, in job order: capacity and binding SLO.
answers() {
	while read -r dir; do
		jq -r '"\(.capacity_qps) \(.binding_slo)"' "$dir/capacity.json"
	done <"$work/$1.dirs"
}
answers local >"$work/local.answers"
answers parallel >"$work/parallel.answers"
n=$(wc -l <"$work/local.answers")
if [ "$n" != 64 ] || ! diff -u "$work/local.answers" "$work/parallel.answers" >"$work/answers.diff"; then
	echo "search_grid.sh: error: $n local answers, or launcher=local and launcher=parallel differ (job by job):" >&2
	cat "$work/answers.diff" >&2
	exit 1
fi
paste -d' ' "$work/local.dirs" "$work/parallel.dirs" | while read -r a b; do
	cmp -s "$a/capacity.json" "$b/capacity.json" && echo same
done >"$work/identical"
same=$(wc -l <"$work/identical")
echo "answers: the 64 jobs' capacity_qps and binding_slo agree between the two launchers ($same of 64 capacity.json files byte for byte)"

js=$root/tmp/assets/echarts-5.4.3/echarts.min.js
figs=(figures=false)
[ -s "$js" ] && figs=(echarts_js="$js")
report=$("$work/bin/compare-runs" search="$work/local/multirun/grid" output_root="$work/report" comparison_id=grid "${figs[@]}" 2>"$work/report.log")
echo "report: $report/search.md"
sed -n '/^## Best/,/^## Pareto/p' "$report/search.md" | grep '^|' 
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
