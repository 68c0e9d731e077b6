#!/usr/bin/env bash
# Browser test of compare-runs' figures: builds a synthetic comparison, a
# load report and a search report (of the fixture grid under
# compare-runs/testdata/search), opens each go-echarts page in headless
# Chromium with no network (--no-sandbox --disable-gpu
# --disable-background-networking), and fails when a page loads a script
# from anywhere but its own directory, a chart area is blank in the
# screenshot or the page logged a script error. Installs nothing: it needs Debian's `chromium` package and
# the ECharts script from scripts/bootstrap_echarts.sh.
#
#   scripts/bootstrap_echarts.sh && scripts/test_browser.sh
#
# SIMCHECK_BROWSER_OUT=<dir> keeps the screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${CHROMIUM:-}
if [ -z "$bin" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null; then bin=$(command -v "$c"); break; fi
	done
fi
if [ -z "$bin" ]; then
	echo "test_browser: error: chromium not found; install it (Debian: apt-get install chromium) or set CHROMIUM=<path>" >&2
	exit 1
fi
js=${SIMCHECK_ECHARTS_JS:-$PWD/tmp/assets/echarts-5.4.3/echarts.min.js}
if [ ! -s "$js" ]; then
	echo "test_browser: error: $js not found; run scripts/bootstrap_echarts.sh first" >&2
	exit 1
fi
echo "== browser test with $("$bin" --version 2>/dev/null || echo "$bin")" >&2
cd compare-runs
CHROMIUM=$bin SIMCHECK_ECHARTS_JS=$js SIMCHECK_BROWSER=1 go test -count=1 -run 'TestBrowser' -v .
