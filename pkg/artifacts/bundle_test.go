package artifacts

import (
	"bytes"
	"strings"
	"testing"
)

// Vidur's readers select columns by name: every one of them must be
// present, the first 58 of mlp.csv in Vidur's order, and unmeasured cells
// empty, not 0.
func TestBundleColumnsMatchVidur(t *testing.T) {
	m := BundleModel{NumQHeads: 16, NumKVHeads: 8, Embd: 1024, ExpandedEmbd: 3072, VocabSize: 151936, TP: 1, GatedMLP: true, BlockSize: 16, MaxModelLen: 1024}
	var b bytes.Buffer
	up := OpStats{1, 3, 2, 2, 0.816496580927726}
	if err := WriteMLP(&b, []MLPRow{{NumTokens: 8, Model: m, Ops: map[string]OpStats{OpMLPUpProj: up}}}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, op := range MLPOps {
		want = append(want, statColumns(op)...)
	}
	want = append(want, "n_head", "n_kv_head", "n_embd", "n_expanded_embd", "vocab_size", "use_gated_mlp", "num_tokens", "num_tensor_parallel_workers")
	if got := strings.Join(strings.Split(strings.SplitN(b.String(), "\n", 2)[0], ",")[:58], ","); got != strings.Join(want, ",") {
		t.Errorf("the first 58 columns are not Vidur's, in order:\n%s", got)
	}
	if !strings.Contains(b.String(), ",,") {
		t.Error("unmeasured operators must be empty cells")
	}
	tab, err := ReadMLP("mlp.csv", bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r := tab.Rows[0]; r.Ops[OpMLPUpProj] != up || r.Model != (BundleModel{NumQHeads: 16, NumKVHeads: 8, Embd: 1024, ExpandedEmbd: 3072, VocabSize: 151936, TP: 1, GatedMLP: true}) || r.NumTokens != 8 {
		t.Errorf("read back %+v", r)
	}

	b.Reset()
	decode := AttentionRow{Model: m, BatchSize: 2, KVCacheSize: 64, Backend: "go", Ops: map[string]OpStats{OpAttnDecode: {1, 1, 1, 1, 0}}}
	if err := WriteAttention(&b, []AttentionRow{decode}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTable("attention.csv", bytes.NewReader(b.Bytes()), "time_stats.attn_decode.median",
		"time_stats.attn_prefill.median", "n_embd", "n_q_head", "n_kv_head", "block_size", "num_tensor_parallel_workers",
		"max_model_len", "batch_size", "prefill_chunk_size", "kv_cache_size", "is_prefill", "attention_backend"); err != nil {
		t.Errorf("attention.csv: %v", err)
	}
	at, err := ReadAttention("attention.csv", bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r := at.Rows[0]; r.BatchSize != 2 || r.KVCacheSize != 64 || r.IsPrefill || r.Backend != "go" || r.Ops[OpAttnDecode].Median != 1 || r.Model.BlockSize != 16 {
		t.Errorf("read back %+v", r)
	}

	b.Reset()
	if err := WriteCPUOverheads(&b, []CPUOverheadRow{{ModelName: "m", BatchSize: 1, TP: 1, Ops: map[string]OpStats{OpCPUSchedule: {Mean: 0.5, Median: 0.5}}}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"model_name", "batch_size", "tensor_parallel_degree", "schedule_median", "sampler_e2e_median",
		"prepare_inputs_e2e_median", "process_model_outputs_median", "ray_comm_time_mean"} {
		if !strings.Contains(strings.SplitN(b.String(), "\n", 2)[0], c) {
			t.Errorf("cpu_overheads.csv lacks %s", c)
		}
	}
}
