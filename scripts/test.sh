#!/usr/bin/env bash
# All tests: gofmt, go vet and go test in every module of the workspace,
# then each module built alone (GOWORK=off) and the tools built without cgo.
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

say "each module alone (GOWORK=off)"
for m in $mods; do
	(cd "$m" && GOWORK=off go build ./...) || { echo "GOWORK=off build failed in ${m#"$PWD"/}" >&2; status=1; }
done

say "tools without cgo"
for t in workload-spec real-bench vidur-profile vidur-sim compare-runs; do
	(cd "$t" && CGO_ENABLED=0 go build -o /dev/null .) || { echo "CGO_ENABLED=0 build failed: $t" >&2; status=1; }
done

if [ "$status" -ne 0 ]; then
	echo "FAILED" >&2
	exit 1
fi
say "all tests passed"
