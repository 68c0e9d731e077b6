#!/usr/bin/env bash
# Runs every fuzz target of the workspace, one at a time, for FUZZTIME each
# (30s unless set; the first argument, or the FUZZTIME environment
# variable, e.g. `scripts/fuzz.sh 20s`), and prints a table: target,
# package, executions, new interesting inputs, result.
#
# A second argument limits the run to the targets whose name matches it
# as a regular expression (`scripts/fuzz.sh 1m Journal`).
#
# A crash leaves the failing input under <package>/testdata/fuzz/<target>/;
# `go test -run '<target>/<file>'` in that package replays it. Keep the file
# with the fix: from then on it is a regression test that plain `go test`
# runs. The script exits 1 when any target failed. A bare "context deadline
# exceeded" with no failing input is Go 1.26's fuzzing coordinator missing
# its own stop deadline (fixed in Go 1.27); it is reported, not failed.
#
# Not part of scripts/test.sh: fuzzing takes minutes and finds new inputs
# only over time. Targets run with one worker (-parallel 1) so that each
# gets the same share of a small machine, and new inputs are minimized for
# at most FUZZMINIMIZE (5s): the fuzzer's default of one minute per input
# can take a whole run when a target's seeds are long.
set -uo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-${FUZZTIME:-30s}}
filter=${2:-.}
minimize=${FUZZMINIMIZE:-5s}

# Every `func FuzzX(f *testing.F)` in a test file of a workspace module, as
# "dir target" lines.
list_targets() {
	git ls-files -co --exclude-standard '*_test.go' |
		xargs -r grep -H -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' |
		sed -E 's#^(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+).*#\1 \2#' |
		sort -u
}

targets=$(list_targets | awk -v re="$filter" '$2 ~ re')
if [ -z "$targets" ]; then
	echo "fuzz.sh: error: no fuzz target matches $filter" >&2
	exit 2
fi
n=$(printf '%s\n' "$targets" | wc -l)
echo "fuzz.sh: $n targets, $fuzztime each" >&2

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
rows=()
status=0
i=0
while read -r dir target; do
	i=$((i + 1))
	log="$logdir/$target.log"
	printf '[%d/%d] %s (%s)\n' "$i" "$n" "$target" "$dir" >&2
	(cd "$dir" && go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" \
		-fuzzminimizetime "$minimize" -parallel 1 .) </dev/null >"$log" 2>&1
	rc=$?
	# The last progress line holds the totals: "execs: N (...), new interesting: M (total: T)".
	last=$(grep -E '^fuzz: elapsed: .*execs: ' "$log" | tail -1)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	newin=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	input=$(sed -nE 's/.*Failing input written to (.*)$/\1/p' "$log" | head -1)
	if [ "$rc" -eq 0 ]; then
		result=ok
	elif [ -z "$input" ] && grep -qx '[[:space:]]*context deadline exceeded' "$log" &&
		! grep -qE 'panic:|fuzz_test|_test\.go:[0-9]+:' "$log"; then
		# Go 1.26's fuzzing coordinator can miss its own stop deadline at
		# the end of -fuzztime on a loaded machine and report it as a
		# failure (fixed in Go 1.27): no input failed, nothing to keep.
		result="ok (go test reported its own stop deadline)"
	else
		status=1
		result="FAIL${input:+: $dir/$input}"
		sed 's/^/    /' "$log" | tail -30 >&2
	fi
	rows+=("$(printf '%-28s %-36s %12s %6s  %s' "$target" "$dir" "${execs:-0}" "${newin:-0}" "$result")")
done <<<"$targets"

printf '%-28s %-36s %12s %6s  %s\n' target package execs new result
printf '%s\n' "${rows[@]}"
exit $status
