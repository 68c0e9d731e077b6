// Package tokenizer is a byte-level BPE tokenizer that reads a Hugging
// Face tokenizer.json (Qwen2/Qwen3 and other GPT-2-style models) and
// encodes exactly as the Rust tokenizers library does: added tokens split
// out first, NFC normalisation, the model's split regex (with look-ahead,
// through github.com/dlclark/regexp2, since Go's RE2 has none), the
// byte-to-unicode mapping, then merges by rank.
//
//	tok, err := tokenizer.Load("tmp/models/qwen3-0.6b/source-data/tokenizer.json")
//	ids := tok.Encode("<|im_start|>user\nHello<|im_end|>") // [151644 872 198 9707 151645]
//	text, err := tok.Decode(ids)
//
// Parity with the reference is a test over 2,400 strings
// (testdata/parity.jsonl, made by scripts/reference/tokenizer/). Options of
// tokenizer.json it does not implement are load errors, never silent
// differences.
//
// Why not github.com/sugarme/tokenizer: its pipeline panics on Qwen's
// regex and drops added tokens, and even its BPE model alone, fed words
// pre-tokenized here, merges equal-rank pairs out of order (352 of the
// 2,400 strings wrong); docs/tokenizer.md has the evidence.
package tokenizer
