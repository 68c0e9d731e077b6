#!/usr/bin/env bash
# Installs the JS reference tokenizer (@lenml/tokenizers 3.7.2, pinned by
# package-lock.json) into node_modules/ here. Needed only to regenerate
# pkg/tokenizer/testdata/parity.jsonl; the Go tests do not need node.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "tokenizer-reference: error: npm not found; install Node.js 20 and npm" >&2; exit 1; }
npm ci --no-audit --no-fund --silent
