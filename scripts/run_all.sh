#!/usr/bin/env bash
# The whole pipeline on the CPU defaults: bootstrap the model reference,
# build the tools, then workload-spec → real-bench → vidur-profile →
# vidur-sim → compare-runs. Extra key=value arguments go to every stage
# whose tool knows the key (e.g. model=qwen3_tiny for a quick run, or
# sim.predictor=native for vidur-sim alone); one that no stage knows is an
# error.
#
# Environment: OUT (default tmp) is the output root; WORKLOAD_ARGS,
# BENCH_ARGS, PROFILE_ARGS, SIM_ARGS, COMPARE_ARGS add per-stage overrides;
# SCHED picks the scheduler (sarathi); REPROFILE=1 measures the bundle
# again; REAL_RUNS=n replays the workload n times, and compare-runs pools
# them and reports their run-to-run spread as the noise floor.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-tmp}
MODEL=${MODEL:-qwen3_0_6b}

say() { printf '\n== %s\n' "$*" >&2; }

say "bootstrap: model reference"
scripts/bootstrap_model.sh

say "build"
mkdir -p bin
for t in workload-spec real-bench vidur-profile vidur-sim compare-runs; do
	(cd "$t" && go build -o ../bin/"$t" .)
done

# Each extra argument goes to the stages that accept it: a tool's
# --print-config refuses a key it does not have.
EXTRA=("$@")
for a in "${EXTRA[@]}"; do
	case $a in model=*) MODEL=${a#model=} ;; esac
done
declare -A TAKES
for a in "${EXTRA[@]}"; do
	known=
	for t in workload-spec real-bench vidur-profile vidur-sim compare-runs; do
		if bin/"$t" "$a" --print-config >/dev/null 2>&1; then
			TAKES[$t]+="$a"$'\n'
			known=1
		fi
	done
	if [ -z "$known" ]; then
		echo "run_all: error: no stage accepts $a (try bin/<tool> --help)" >&2
		exit 2
	fi
done
# extra TOOL: the extra arguments TOOL accepts, one per line.
extra() { printf '%s' "${TAKES[$1]:-}"; }

say "1/5 workload-spec"
# The default workload is sized for a 2-core CPU: 16 requests, Poisson
# arrivals at 0.2 qps, 32–160 tokens each.
mapfile -t X < <(extra workload-spec)
WL=$(bin/workload-spec model="$MODEL" output_root="$OUT" overwrite=true \
	workload.num_requests=16 workload.arrival.qps=0.2 \
	workload.length.min_tokens=32 workload.length.max_tokens=160 "${X[@]}" ${WORKLOAD_ARGS:-})
echo "workload: $WL"

# The real engine and the simulator run the same scheduler: the hardware
# group's defaults (hardware=cpu: batch cap 8, chunk 256, 1,024 KV blocks)
# with SCHED's kind; KV_BLOCKS changes the KV capacity; vidur-sim takes
# every setting from the first real run (scheduler.from_run).
SCHED=${SCHED:-sarathi}
KV=()
if [ -n "${KV_BLOCKS:-}" ]; then KV=(scheduler.num_kv_blocks="$KV_BLOCKS"); fi

# A stage that fails has said why on stderr; the pipeline stops there.
stage() {
	local name=$1
	shift
	if ! out=$("$@"); then
		echo "run_all: stopped at $name (see the error above)" >&2
		exit 1
	fi
	echo "$out"
}

REAL_RUNS=${REAL_RUNS:-1}
RUNS=()
for i in $(seq "$REAL_RUNS"); do
	say "2/5 real-bench (run $i of $REAL_RUNS)"
	mapfile -t X < <(extra real-bench)
	RUN=$(stage real-bench bin/real-bench model="$MODEL" hardware=cpu backend=native scheduler.kind="$SCHED" "${KV[@]}" \
		output_root="$OUT" workload.workload_dir="$WL" "${X[@]}" ${BENCH_ARGS:-})
	echo "real run: $RUN"
	RUNS+=("$RUN")
done

say "3/5 vidur-profile"
PROF="$OUT/vidur_profiling/cpu/$MODEL"
if [ -f "$PROF/profile_meta.json" ] && [ -z "${REPROFILE:-}" ]; then
	echo "reusing the bundle in $PROF (REPROFILE=1 measures again)" >&2
else
	# The profiler holds the real run's KV cache: the idle wake-up it
	# measures grows with the process's resident memory (docs/fidelity.md).
	mapfile -t X < <(extra vidur-profile)
	stage vidur-profile bin/vidur-profile model="$MODEL" hardware=cpu vidur.profiling.root="$PROF" \
		"${KV[@]}" output_root="$OUT" overwrite=true "${X[@]}" ${PROFILE_ARGS:-} >/dev/null
fi
echo "profile: $PROF"

say "4/5 vidur-sim"
mapfile -t X < <(extra vidur-sim)
SIM=$(stage vidur-sim bin/vidur-sim model="$MODEL" hardware=cpu scheduler.from_run="${RUNS[0]}" \
	vidur.profiling.root="$PROF" workload.workload_dir="$WL" output_root="$OUT" "${X[@]}" ${SIM_ARGS:-})
echo "sim run: $SIM"

say "5/5 compare-runs"
scripts/bootstrap_echarts.sh >/dev/null
MORE=$(IFS=,; echo "${RUNS[*]:1}")
mapfile -t X < <(extra compare-runs)
CMP=$(stage compare-runs bin/compare-runs real_run_dir="${RUNS[0]}" real_run_dirs="[$MORE]" sim_run_dir="$SIM" output_root="$OUT" \
	echarts_js=tmp/assets/echarts-5.4.3/echarts.min.js "${X[@]}" ${COMPARE_ARGS:-})
echo "comparison: $CMP"
echo "open $CMP/summary.md"
