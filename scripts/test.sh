#!/usr/bin/env bash
# All tests: gofmt, go vet and go test in every module of the workspace,
# the goroutine packages under -race, the kernels' Go twins (-tags purego),
# the CLI scripts (testscript), then each module built alone (GOWORK=off), the tools built without cgo, the
# cuda-tagged engine vetted and built against CUDA 11.8 headers (scripts/cuda_check.sh)
# and the compare-runs figures checked in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '== %s\n' "$*" >&2; }

# The tokenizer tests and the end-to-end tests need the model reference.
say "model reference"
scripts/bootstrap_model.sh >/dev/null

say "gofmt"
unformatted=$(git ls-files -co --exclude-standard '*.go' | xargs -r gofmt -l)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

mods=$(go list -m -f '{{.Dir}}')
status=0
for m in $mods; do
	rel=${m#"$PWD"/}
	say "vet + test $rel"
	(cd "$m" && go vet ./... && go test -count=1 ./...) || status=1
done

# The packages that start goroutines (the engine's worker pool and
# weight loading, the sweep launchers, the serving client and replay, the
# simulator's token writer) run again under the race detector.
say "race detector"
if ! command -v gcc >/dev/null; then
	echo "test: error: the race detector needs cgo and a C compiler (Debian: sudo apt-get install gcc)" >&2
	status=1
fi
race() { (cd "$1" && shift && go test -race -count=1 "$@") || status=1; }
race pkg/engine ./backend/cpu/ ./model/ ./weights/
race pkg/config ./command/
race pkg/artifacts .
race real-bench . ./internal/launch/ ./internal/openai/
race vidur-sim ./internal/runout/

# The assembly kernels' Go twins (the only code on other CPUs) pass the
# same conformance suite with the assembly compiled out.
say "pure-Go kernels (-tags purego)"
(cd pkg/engine && go test -count=1 -tags purego ./...) || status=1

say "each module alone (GOWORK=off)"
for m in $mods; do
	(cd "$m" && GOWORK=off go build ./...) || { echo "GOWORK=off build failed in ${m#"$PWD"/}" >&2; status=1; }
done

say "tools without cgo"
for t in workload-spec real-bench vidur-profile vidur-sim compare-runs; do
	(cd "$t" && CGO_ENABLED=0 go build -o /dev/null .) || { echo "CGO_ENABLED=0 build failed: $t" >&2; status=1; }
done

say "cuda backend: vet and build -tags cuda against CUDA 11.8 headers, conformance on the emulator"
scripts/cuda_check.sh || status=1

say "browser test of compare-runs' figures (headless Chromium)"
if ! command -v chromium >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing Debian's chromium for the browser test"
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || status=1
	else
		echo "test: error: the browser test needs chromium (Debian: sudo apt-get install chromium)" >&2
		status=1
	fi
fi
if command -v chromium >/dev/null; then
	(scripts/bootstrap_echarts.sh >/dev/null && scripts/test_browser.sh) || status=1
fi

if [ "$status" -ne 0 ]; then
	echo "FAILED" >&2
	exit 1
fi
say "all tests passed"
