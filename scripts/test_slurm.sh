#!/usr/bin/env bash
# Runs a small vidur-sim grid on a one-node Slurm cluster started on this
# machine (as root, without systemd), once with launcher=slurm and once
# with launcher=local, and checks that every job's run_meta.json is the
# same both ways (started_at and run_id, a timestamp, aside). Not part of scripts/test.sh: it
# installs Debian's slurm-wlm and munge and starts daemons.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "test_slurm: run as root (it starts munged, slurmctld and slurmd)" >&2
	exit 2
fi
command -v slurmctld >/dev/null && command -v munged >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge >/dev/null
command -v jq >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y jq >/dev/null

T=$(mktemp -d /tmp/test_slurm.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# munge: a key of our own and a socket under $T.
mkdir -p "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$T/munge/munge.key"
MUNGE_SOCK="$T/munge/munge.socket"
munged --force --key-file="$T/munge/munge.key" --socket="$MUNGE_SOCK" \
	--pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" --seed-file="$T/munge/seed"
PIDS+=("$(cat "$T/munge/munged.pid")")

HOST=$(hostname -s)
MEM=$(awk '/MemTotal/ {print int($2 / 1024) - 512}' /proc/meminfo)
mkdir -p "$T/state" "$T/spool" "$T/log"
export SLURM_CONF="$T/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=simcheck
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
NodeName=$HOST CPUs=2 RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
start() { # daemon: start it and keep its pid for the trap
	"$1" -f "$SLURM_CONF"
	for _ in $(seq 30); do
		[ -s "$T/$1.pid" ] && break
		sleep 1
	done
	[ -s "$T/$1.pid" ] || { echo "test_slurm: $1 did not start; see $T/log/$1.log" >&2; exit 1; }
	PIDS+=("$(cat "$T/$1.pid")")
}
start slurmctld
start slurmd
for _ in $(seq 30); do
	sinfo -h -o %T 2>/dev/null | grep -q idle && break
	sleep 1
done
sinfo -h -o %T | grep -q idle || { echo "test_slurm: the node never became idle; see $T/log" >&2; exit 1; }

mkdir -p bin
go build -o bin/vidur-sim ./vidur-sim
go build -o bin/vidur-profile ./vidur-profile
go run ./vidur-sim/internal/cmd/gentrace -n 40 -qps 4 >"$T/trace.csv"
PROF="$T/profile"
bin/vidur-profile model=qwen3_tiny hardware=cpu vidur.profiling.root="$PROF" \
	profile.idle_gaps=[] profile.jitter_steps=0 output_root="$T/out" >/dev/null

grid() { # launcher, output root
	bin/vidur-sim -m launcher="$1" model=qwen3_tiny hardware=cpu scheduler.kind=sarathi,vllm \
		scheduler.max_batch_size=4,8 vidur.profiling.root="$PROF" workload.trace_replay_file="$T/trace.csv" \
		output_root="$2" --sweep-id=grid
}
mapfile -t SLURM_RUNS < <(grid slurm "$T/slurm")
mapfile -t LOCAL_RUNS < <(grid local "$T/local")
[ "${#SLURM_RUNS[@]}" = 4 ] && [ "${#LOCAL_RUNS[@]}" = 4 ] || {
	echo "test_slurm: ${#SLURM_RUNS[@]} slurm and ${#LOCAL_RUNS[@]} local output directories, want 4 each" >&2
	exit 1
}
for i in 0 1 2 3; do
	a=$(jq -S 'del(.started_at, .run_id)' "${SLURM_RUNS[$i]}/run_meta.json")
	b=$(jq -S 'del(.started_at, .run_id)' "${LOCAL_RUNS[$i]}/run_meta.json" | sed "s#$T/local#$T/slurm#g")
	if [ "$a" != "$b" ]; then
		echo "test_slurm: job $i differs:" >&2
		diff <(echo "$a") <(echo "$b") >&2 || true
		exit 1
	fi
done
grep -q 'slurm_job:' "$T/slurm/multirun/grid/multirun.yaml"
echo "test_slurm: 4 jobs under Slurm match launcher=local ($T)"
