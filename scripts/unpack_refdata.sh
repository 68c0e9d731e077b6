#!/usr/bin/env bash
# Unpacks the A30 Qwen2-7B reference case the repository carries
# (pkg/artifacts/refdata/testdata/a30-qwen2-7b: real A30 operator timings
# and Python Vidur's run on them; origin and licence in the README there)
# into DIR, uncompressing the .gz files: DIR/vidur-profiles is then a
# profiling bundle root and DIR/vidur-reference the reference run.
#   scripts/unpack_refdata.sh DIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: scripts/unpack_refdata.sh DIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)/pkg/artifacts/refdata/testdata/a30-qwen2-7b
mkdir -p "$1"
cp -r "$src"/. "$1"/
find "$1" -name '*.gz' -exec gunzip -f {} +
