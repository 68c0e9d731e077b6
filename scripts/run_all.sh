#!/usr/bin/env bash
# The whole pipeline on the CPU defaults: bootstrap the model reference,
# build the tools, then workload-spec → real-bench → vidur-profile →
# vidur-sim → compare-runs. Extra key=value arguments go to every stage
# that accepts them (e.g. model=qwen3_tiny for a quick run).
#
# Environment: OUT (default tmp) is the output root; WORKLOAD_ARGS,
# BENCH_ARGS, PROFILE_ARGS, SIM_ARGS, COMPARE_ARGS add per-stage overrides.
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

say "1/5 workload-spec"
# The default workload is small enough for a CPU: 32 requests, Poisson
# arrivals at 0.5 qps, 64–256 token requests.
WL=$(bin/workload-spec model="$MODEL" output_root="$OUT" overwrite=true \
	workload.num_requests=32 workload.arrival.qps=0.5 \
	workload.length.min_tokens=64 workload.length.max_tokens=256 ${WORKLOAD_ARGS:-})
echo "workload: $WL"

# A stage that is not built yet says so and stops the pipeline there.
stage() {
	local name=$1
	shift
	if ! out=$("$@"); then
		echo "run_all: stopped at $name (see the error above)" >&2
		exit 1
	fi
	echo "$out"
}

say "2/5 real-bench"
RUN=$(stage real-bench bin/real-bench model="$MODEL" backend=native scheduler.kind=sarathi \
	output_root="$OUT" workload.workload_dir="$WL" ${BENCH_ARGS:-})
echo "real run: $RUN"

say "3/5 vidur-profile"
PROF="$OUT/vidur_profiling/cpu/$MODEL"
stage vidur-profile bin/vidur-profile model="$MODEL" hardware=cpu vidur.profiling.root="$PROF" \
	output_root="$OUT" overwrite=true ${PROFILE_ARGS:-} >/dev/null
echo "profile: $PROF"

say "4/5 vidur-sim"
SIM=$(stage vidur-sim bin/vidur-sim model="$MODEL" hardware=cpu scheduler.kind=sarathi \
	vidur.profiling.root="$PROF" workload.workload_dir="$WL" output_root="$OUT" ${SIM_ARGS:-})
echo "sim run: $SIM"

say "5/5 compare-runs"
CMP=$(stage compare-runs bin/compare-runs real_run_dir="$RUN" sim_run_dir="$SIM" output_root="$OUT" ${COMPARE_ARGS:-})
echo "comparison: $CMP"
echo "open $CMP/summary.md"
