#!/usr/bin/env bash
# A load sweep, real against simulated: profile once, then for every load
# generate the workload, replay it on the real engine (REAL_RUNS times, the
# repetitions interleaved so that the host's drift spreads over every
# load), simulate it with the real run's scheduler (scheduler.from_run), and
# finally write one load report per scheduler with compare-runs: latency
# against load, real and simulated, and the capacity at the SLO.
#
# Environment (defaults in brackets):
#   QPS           loads in requests/s                 ["0.25 0.5 1 2"]
#   SCHEDS        scheduler kinds, one report each   [sarathi]
#   MODEL         model group                         [qwen3_0_6b]
#   NUM_REQUESTS  requests per load                   [60]
#   REAL_RUNS     real runs per load (noise floor)    [2]
#   KV_BLOCKS     KV capacity in blocks (both sides)  [the hardware group's]
#   SLO_TTFT_MS, SLO_TBT_MS  the capacity SLO (p90)   [2000, 200]
#   OUT           output root                         [tmp]
#   REPROFILE=1   measure the bundle again
#   WORKLOAD_ARGS, BENCH_ARGS, PROFILE_ARGS, SIM_ARGS, COMPARE_ARGS
#                 per-stage overrides
# Prints the report directories on stdout, one per scheduler.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-tmp}
MODEL=${MODEL:-qwen3_0_6b}
QPS=${QPS:-0.25 0.5 1 2}
SCHEDS=${SCHEDS:-sarathi}
NUM_REQUESTS=${NUM_REQUESTS:-60}
REAL_RUNS=${REAL_RUNS:-2}
SLO_TTFT_MS=${SLO_TTFT_MS:-2000}
SLO_TBT_MS=${SLO_TBT_MS:-200}
KV=()
if [ -n "${KV_BLOCKS:-}" ]; then KV=(scheduler.num_kv_blocks="$KV_BLOCKS"); fi
t0=$(date +%s)

say() { printf '\n== %s\n' "$*" >&2; }

say "bootstrap and build"
scripts/bootstrap_model.sh >/dev/null
scripts/bootstrap_echarts.sh >/dev/null
mkdir -p bin
for t in workload-spec real-bench vidur-profile vidur-sim compare-runs; do
	(cd "$t" && go build -o ../bin/"$t" .)
done

say "workloads: $NUM_REQUESTS requests at each of $QPS req/s"
# One workload per load, the same seed and lengths: only the arrivals
# differ. workload-spec's sweep prints one directory per load, in order.
qps_list=$(echo "$QPS" | tr ' ' ',')
mapfile -t WLS < <(bin/workload-spec -m model="$MODEL" output_root="$OUT" overwrite=true \
	workload.num_requests="$NUM_REQUESTS" workload.arrival.kind=poisson workload.arrival.qps="$qps_list" \
	workload.length.min_tokens=32 workload.length.max_tokens=160 ${WORKLOAD_ARGS:-})
read -r -a LOADS <<<"$QPS"
if [ "${#WLS[@]}" -ne "${#LOADS[@]}" ]; then
	echo "load_sweep: workload-spec wrote ${#WLS[@]} workloads for ${#LOADS[@]} loads" >&2
	exit 1
fi

say "profile"
PROF="$OUT/vidur_profiling/cpu/$MODEL"
if [ -f "$PROF/profile_meta.json" ] && [ -z "${REPROFILE:-}" ]; then
	echo "reusing the bundle in $PROF (REPROFILE=1 measures again)" >&2
else
	bin/vidur-profile model="$MODEL" hardware=cpu vidur.profiling.root="$PROF" "${KV[@]}" \
		output_root="$OUT" overwrite=true ${PROFILE_ARGS:-} >/dev/null
fi

# REAL[sched,i,rep] is the real run of scheduler sched at load i.
declare -A REAL
for rep in $(seq "$REAL_RUNS"); do
	for i in "${!LOADS[@]}"; do
		for s in $SCHEDS; do
			say "real-bench: $s at ${LOADS[$i]} req/s (run $rep of $REAL_RUNS)"
			REAL[$s,$i,$rep]=$(bin/real-bench model="$MODEL" hardware=cpu backend=native scheduler.kind="$s" "${KV[@]}" \
				output_root="$OUT" workload.workload_dir="${WLS[$i]}" ${BENCH_ARGS:-})
		done
	done
done

for s in $SCHEDS; do
	pairs=()
	for i in "${!LOADS[@]}"; do
		say "vidur-sim: $s at ${LOADS[$i]} req/s"
		sim=$(bin/vidur-sim model="$MODEL" hardware=cpu scheduler.from_run="${REAL[$s,$i,1]}" \
			vidur.profiling.root="$PROF" workload.workload_dir="${WLS[$i]}" output_root="$OUT" ${SIM_ARGS:-})
		reals=()
		for rep in $(seq "$REAL_RUNS"); do reals+=("${REAL[$s,$i,$rep]}"); done
		pairs+=("{real: [$(IFS=,; echo "${reals[*]}")], sim: $sim}")
	done
	say "compare-runs: load report for $s"
	bin/compare-runs pairs="[$(IFS=,; echo "${pairs[*]}")]" slo.ttft_ms="$SLO_TTFT_MS" slo.tbt_ms="$SLO_TBT_MS" \
		output_root="$OUT" echarts_js=tmp/assets/echarts-5.4.3/echarts.min.js ${COMPARE_ARGS:-}
done
echo "load_sweep: $(($(date +%s) - t0)) s in all" >&2
