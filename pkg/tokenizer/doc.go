// Package tokenizer is a byte-level BPE tokenizer that reads a Hugging
// Face tokenizer.json (Qwen2/Qwen3 and other GPT-2-style models) and
// encodes exactly as the Rust tokenizers library does: added tokens split
// out first, NFC normalisation, the model's split regex (with look-ahead,
// through github.com/dlclark/regexp2, since Go's RE2 has none), the
// byte-to-unicode mapping, then merges by rank.
//
// Why not github.com/sugarme/tokenizer: its pipeline panics on Qwen's
// regex, its ByteLevel step re-splits with the GPT-2 pattern, it skips
// NFC and drops added tokens (docs/tokenizer.md has the evidence).
package tokenizer
