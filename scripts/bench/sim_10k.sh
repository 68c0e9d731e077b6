#!/usr/bin/env bash
# vidur-sim's per-run cost at 10,000 requests (docs/performance.md): sarathi
# on the A30 Qwen2-7B reference bundle (scripts/unpack_refdata.sh), native predictor, one process per run,
# set-up included. Four cases, each REPS times (default 5), median wall and
# median user+sys CPU, with the load average before and after:
#   all outputs   request, token and batch metrics CSVs
#   requests only sim.token_metrics=false sim.batch_metrics=false
# each with a cold predictor cache (emptied before every run) and a warm
# one (filled by one untimed run first).
#
# With VIDUR_DIR=<a Python Vidur checkout that knows the a30 device and
# Qwen/Qwen-2-7B> (scripts/bench/vidur/README.md: a patch and stand-ins for
# modules Debian lacks), the same trace is then run by Python Vidur
# (sarathi, chunk 512, batch cap 128, trace replay, the linear-regression
# predictor trained on the same bundle, plots off), in the same script run,
# so the two are timed under the same load. VIDUR_PYTHON picks the
# interpreter (default python3), VIDUR_ARGS adds flags.
#
# Needs GNU time at /usr/bin/time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
reps=${REPS:-5}
work=${TMPDIR:-/tmp}/sim_10k
[ -x /usr/bin/time ] || { echo "sim_10k.sh: needs GNU time at /usr/bin/time" >&2; exit 1; }
mkdir -p "$work"
data=$work/refdata
"$root/scripts/unpack_refdata.sh" "$data"
bundle=$data/vidur-profiles

cd "$root/vidur-sim"
go build -o "$work/vidur-sim" .
go build -o "$work/gentrace" ./internal/cmd/gentrace
"$work/gentrace" -n 10000 -qps 3 -seed 1 >"$work/t10k.csv"
trace=$work/t10k.csv

load() { cut -d' ' -f1-3 /proc/loadavg; }

# median of the numbers on stdin
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# timed <file> <command...>: appends "wall cpu" (s) of one run to file.
# The wall time is bash's microsecond clock around the run (GNU time's
# own is in hundredths, too coarse for a 0.1 s run); the CPU time is GNU
# time's.
timed() {
	local out=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	/usr/bin/time -f "%U %S" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" ||
		{ cat "$work/stderr.txt" >&2; exit 1; }
	t1=$EPOCHREALTIME
	awk -v t0="$t0" -v t1="$t1" '{printf "%.4f %.3f\n", t1 - t0, $1 + $2}' "$work/time.txt" >>"$out"
}

report() { # label, file
	printf "%-34s wall %6.4f s   CPU (user+sys) %6.3f s   (median of %d; load before %s, after %s)\n" "$1" \
		"$(cut -d' ' -f1 "$2" | median)" "$(cut -d' ' -f2 "$2" | median)" "$(wc -l <"$2")" "$3" "$(load)"
}

sim=("$work/vidur-sim" model=qwen2_7b hardware=a30 vidur.profiling.root="$bundle" workload.trace_replay_file="$trace"
	output_root="$work/out" overwrite=true run_id=bench sim.cache_dir="$work/cache")

echo "vidur-sim, 10,000 requests, $(go version | cut -d' ' -f3), $(nproc) CPUs, $reps runs per case"
for outputs in all requests_only; do
	keys=()
	[ $outputs = requests_only ] && keys=(sim.token_metrics=false sim.batch_metrics=false)
	for cache in cold warm; do
		f=$work/$outputs.$cache.txt
		: >"$f"
		before=$(load)
		if [ $cache = warm ]; then
			rm -rf "$work/cache"
			"${sim[@]}" "${keys[@]}" >/dev/null 2>&1
		fi
		for _ in $(seq "$reps"); do
			[ $cache = cold ] && rm -rf "$work/cache"
			timed "$f" "${sim[@]}" "${keys[@]}"
		done
		report "$outputs, $cache cache" "$f" "$before"
	done
done

if [ -z "${VIDUR_DIR:-}" ]; then
	echo "Python Vidur was not timed: set VIDUR_DIR=<Python Vidur checkout> (with the a30 device and"
	echo "Qwen/Qwen-2-7B model entries) to run it on the same trace in this script run."
	exit 0
fi
py=${VIDUR_PYTHON:-python3}
# A stand-in only for a module this interpreter cannot import.
standins=$work/vidur-standins
rm -rf "$standins"
mkdir -p "$standins"
for m in wandb ddsketch plotly_express; do
	if ! "$py" -c "import $m" 2>/dev/null; then
		ln -s "$root/scripts/bench/vidur/standins/$m" "$standins/$m"
		echo "Python Vidur: using simcheck's stand-in for $m (scripts/bench/vidur/README.md)"
	fi
done
export PYTHONPATH=$standins${PYTHONPATH:+:$PYTHONPATH}
lr=--linear_regression_execution_time_predictor_config
model_dir=$bundle/compute/a30/Qwen/Qwen-2-7B
vidur=(env -C "$VIDUR_DIR" "$py" -m vidur.main
		--replica_config_device a30 --replica_config_network_device a30_single_gpu
		--replica_config_model_name Qwen/Qwen-2-7B --replica_config_memory_margin_fraction 0.1
		--cluster_config_num_replicas 1
		--replica_scheduler_config_type sarathi
		--sarathi_scheduler_config_chunk_size 512 --sarathi_scheduler_config_batch_size_cap 128
		--request_generator_config_type trace_replay
		--trace_request_generator_config_trace_file "$trace"
		--trace_request_generator_config_max_tokens 4096
		--metrics_config_output_dir "$work/vidur_out" --no-metrics_config_store_plots
		--execution_time_predictor_config_type linear_regression
		"${lr}_compute_input_file" "$model_dir/mlp.csv" "${lr}_attention_input_file" "$model_dir/attention.csv"
		"${lr}_all_reduce_input_file" "$bundle/network/a30_single_gpu/all_reduce.csv"
		"${lr}_send_recv_input_file" "$bundle/network/a30_single_gpu/send_recv.csv")
# VIDUR_ARGS is split on spaces, as flags are written on a command line.
read -r -a extra <<<"${VIDUR_ARGS:-}"
vidur+=("${extra[@]}")
echo "Python Vidur ($VIDUR_DIR, $("$py" --version 2>&1)), same trace"
f=$work/vidur.first.txt
: >"$f"
before=$(load)
timed "$f" "${vidur[@]}"
report "Python Vidur, first run" "$f" "$before"
f=$work/vidur.txt
: >"$f"
before=$(load)
for _ in $(seq "$reps"); do timed "$f" "${vidur[@]}"; done
report "Python Vidur, later runs" "$f" "$before"
