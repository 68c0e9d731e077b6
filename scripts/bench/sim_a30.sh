#!/usr/bin/env bash
# Reproduces the vidur-sim numbers of docs/vidur-sim.md § Performance:
# sarathi on the A30 Qwen2-7B reference bundle (scripts/unpack_refdata.sh) (native predictor, set-up
# included), 10,000 and 1,000,000 synthetic requests at 3 requests/s.
# Run on an idle machine:
# the script prints the load average before each measurement.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${TMPDIR:-/tmp}/sim_bench
mkdir -p "$work"
data=$work/refdata
"$root/scripts/unpack_refdata.sh" "$data"

cd "$root/vidur-sim"
go build -o "$work/vidur-sim" .
go build -o "$work/gentrace" ./internal/cmd/gentrace
"$work/gentrace" -n 10000 -qps 3 -seed 1 >"$work/t10k.csv"
"$work/gentrace" -n 1000000 -qps 3 -seed 1 >"$work/t1m.csv"

measure() { # name, extra args...
	local name=$1
	shift
	echo "== $name (load: $(cut -d' ' -f1-3 /proc/loadavg))"
	/usr/bin/time -f "wall %e s, max RSS %M KiB" "$work/vidur-sim" model=qwen2_7b hardware=a30 \
		vidur.profiling.root="$data/vidur-profiles" output_root="$work/out" overwrite=true run_id="$name" "$@" \
		2>&1 >/dev/null | grep -E "simulated|wall"
}
measure 10k_all_outputs workload.trace_replay_file="$work/t10k.csv"
measure 10k_no_tokens workload.trace_replay_file="$work/t10k.csv" sim.token_metrics=false
measure 1m_no_tokens workload.trace_replay_file="$work/t1m.csv" sim.token_metrics=false
measure 1m_requests_only workload.trace_replay_file="$work/t1m.csv" sim.token_metrics=false sim.batch_metrics=false

# Go benchmarks (same 10k trace, in-process).
SIM_TRACE_10K="$work/t10k.csv" go test -run XXX -bench 'SarathiA30_10k' -benchtime 5x -count 1 .
