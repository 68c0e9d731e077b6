#!/usr/bin/env bash
# Fetches the ECharts script that compare-runs copies beside its pages, so
# the figures render with no network at view time (never from a CDN).
#
#   scripts/bootstrap_echarts.sh [OUTPUT_ROOT]     (default: tmp)
#
# Writes OUTPUT_ROOT/assets/echarts-5.4.3/echarts.min.js from the npm
# package `echarts` at the version go-echarts v2.6.7 is built against
# (its README badge; 6.x renders with another layout). `npm pack` checks
# the tarball against the registry's integrity hash. Idempotent: an
# existing file of the right version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.4.3
root=${1:-tmp}
dest="$root/assets/echarts-$version"
js="$dest/echarts.min.js"

if [ -s "$js" ] && grep -q "\"$version\"" "$js"; then
	echo "$js"
	exit 0
fi
command -v npm >/dev/null || { echo "bootstrap_echarts: error: npm not found (Debian: apt-get install npm)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@$version" >/dev/null)
tar -xzf "$work/echarts-$version.tgz" -C "$work" package/dist/echarts.min.js
grep -q "\"$version\"" "$work/package/dist/echarts.min.js" || {
	echo "bootstrap_echarts: error: the package's echarts.min.js does not name version $version" >&2
	exit 1
}
mkdir -p "$dest"
cp "$work/package/dist/echarts.min.js" "$js.tmp"
mv "$js.tmp" "$js"
echo "$js"
