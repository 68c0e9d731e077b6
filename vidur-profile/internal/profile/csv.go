package profile

import (
	"io"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// MLPOps are the operators of Vidur's mlp.csv, in its column order
// (vidur-spec §5.2).
var MLPOps = []string{"emb", "input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj",
	"post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add"}

// ExtraOps are measured beyond Vidur, as extra mlp.csv columns keyed by
// the row's num_tokens read as a number of sequences (final norm, LM head
// and sampling run once per sequence that needs logits), plus Qwen3's
// per-head q/k norm, which Vidur's models lack.
var ExtraOps = []string{"attn_qk_norm", "norm", "lm_head", "sample"}

var statNames = []string{"min", "max", "mean", "median", "std"}

// ModelCols are the model-description columns Vidur filters rows by.
type ModelCols struct {
	NumQHeads, NumKVHeads, Embd, ExpandedEmbd, VocabSize, TP int
	GatedMLP                                                 bool
	BlockSize, MaxModelLen                                   int
}

// MLPRow is one num_tokens point.
type MLPRow struct {
	NumTokens int
	Ops       map[string]Stats // by operator name
}

// WriteMLP writes mlp.csv: Vidur's 58 columns, then the extra operators.
func WriteMLP(w io.Writer, m ModelCols, rows []MLPRow) error {
	var header []string
	for _, op := range append(append([]string(nil), MLPOps...), ExtraOps...) {
		if isExtra(op) {
			continue
		}
		header = append(header, statCols(op)...)
	}
	header = append(header, "n_head", "n_kv_head", "n_embd", "n_expanded_embd", "vocab_size", "use_gated_mlp",
		"num_tokens", "num_tensor_parallel_workers")
	for _, op := range ExtraOps {
		header = append(header, statCols(op)...)
	}
	cw := artifacts.NewCSVWriter(w, header...)
	for _, r := range rows {
		var f []string
		for _, op := range MLPOps {
			f = append(f, statFields(opStats(r.Ops, op))...)
		}
		f = append(f, artifacts.Int(m.NumQHeads), artifacts.Int(m.NumKVHeads), artifacts.Int(m.Embd),
			artifacts.Int(m.ExpandedEmbd), artifacts.Int(m.VocabSize), pyBool(m.GatedMLP),
			artifacts.Int(r.NumTokens), artifacts.Int(m.TP))
		for _, op := range ExtraOps {
			f = append(f, statFields(opStats(r.Ops, op))...)
		}
		cw.Write(f...)
	}
	return cw.Flush()
}

// opStats returns an operator's stats, or empty cells (NaN) when the
// row did not measure it: a zero would read as a real 0 ms timing.
func opStats(ops map[string]Stats, op string) Stats {
	if s, ok := ops[op]; ok {
		return s
	}
	return Summarise(nil)
}

func isExtra(op string) bool {
	for _, e := range ExtraOps {
		if e == op {
			return true
		}
	}
	return false
}

// AttnRow is one attention point: a decode batch (PrefillChunk 0) or a
// prefill chunk over an existing KV cache.
type AttnRow struct {
	BatchSize    int
	PrefillChunk int
	KVCacheSize  int
	Prefill      Stats // attn_prefill (empty for decode rows)
	Decode       Stats // attn_decode (empty for prefill rows)
	KVSave       Stats // attn_kv_cache_save
}

// WriteAttention writes attention.csv in Vidur's column layout
// (vidur-spec §5.3), plus attn_kv_cache_save, which Vidur's reader
// creates as zeros when absent.
func WriteAttention(w io.Writer, m ModelCols, backend string, rows []AttnRow) error {
	var header []string
	for _, op := range []string{"attn_input_reshape", "attn_decode", "attn_output_reshape", "attn_prefill"} {
		header = append(header, statCols(op)...)
	}
	header = append(header, "n_embd", "n_q_head", "n_kv_head", "block_size", "num_tensor_parallel_workers",
		"max_model_len", "batch_size", "prefill_chunk_size", "kv_cache_size", "is_prefill", "attention_backend")
	header = append(header, statCols("attn_kv_cache_save")...)
	cw := artifacts.NewCSVWriter(w, header...)
	zero := Stats{}
	for _, r := range rows {
		var f []string
		isPrefill := r.PrefillChunk > 0
		dec, pre := r.Decode, r.Prefill
		if isPrefill {
			dec = Summarise(nil)
		} else {
			pre = Summarise(nil)
		}
		// The engine has no separate reshape kernels: they are zero, as
		// in Vidur's own rows for backends that fuse them.
		f = append(f, statFields(zero)...)
		f = append(f, statFields(dec)...)
		f = append(f, statFields(zero)...)
		f = append(f, statFields(pre)...)
		f = append(f, artifacts.Int(m.Embd), artifacts.Int(m.NumQHeads), artifacts.Int(m.NumKVHeads), artifacts.Int(m.BlockSize),
			artifacts.Int(m.TP), artifacts.Int(m.MaxModelLen), artifacts.Int(r.BatchSize), artifacts.Int(r.PrefillChunk),
			artifacts.Int(r.KVCacheSize), pyBool(isPrefill), backend)
		f = append(f, statFields(r.KVSave)...)
		cw.Write(f...)
	}
	return cw.Flush()
}

func statCols(op string) []string {
	out := make([]string, len(statNames))
	for i, s := range statNames {
		out[i] = "time_stats." + op + "." + s
	}
	return out
}

func statFields(s Stats) []string {
	return []string{artifacts.Float(s.Min), artifacts.Float(s.Max), artifacts.Float(s.Mean), artifacts.Float(s.Median), artifacts.Float(s.Std)}
}

// pyBool writes a boolean as pandas does, which Vidur compares against.
func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// CPUOps are the CPU-side step costs in Vidur's cpu_overheads.csv
// (vidur-spec §5.5); ray_comm_time is written as its _mean only, as
// Vidur reads it.
var CPUOps = []string{"schedule", "sampler_e2e", "prepare_inputs_e2e", "process_model_outputs"}

// CPURow is the CPU overhead of one batch size.
type CPURow struct {
	BatchSize int
	Ops       map[string]Stats
	RayComm   float64 // ms; always 0 in-process, kept for Vidur's reader
}

// WriteCPUOverheads writes cpu_overheads.csv.
func WriteCPUOverheads(w io.Writer, modelName string, tp int, rows []CPURow) error {
	header := []string{"model_name", "batch_size", "tensor_parallel_degree"}
	for _, op := range CPUOps {
		header = append(header, op+"_mean", op+"_median")
	}
	header = append(header, "ray_comm_time_mean")
	cw := artifacts.NewCSVWriter(w, header...)
	for _, r := range rows {
		f := []string{modelName, artifacts.Int(r.BatchSize), artifacts.Int(tp)}
		for _, op := range CPUOps {
			s := r.Ops[op]
			f = append(f, artifacts.Float(s.Mean), artifacts.Float(s.Median))
		}
		f = append(f, artifacts.Float(r.RayComm))
		cw.Write(f...)
	}
	return cw.Flush()
}
