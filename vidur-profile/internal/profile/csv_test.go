package profile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Vidur's readers select columns by name (vidur-spec §5.2, §5.3, §5.5):
// every one of them must be present, and unmeasured cells empty, not 0.
func TestColumnsMatchVidur(t *testing.T) {
	var b bytes.Buffer
	cols := ModelCols{NumQHeads: 16, NumKVHeads: 8, Embd: 1024, ExpandedEmbd: 3072, VocabSize: 151936, TP: 1, GatedMLP: true, BlockSize: 16, MaxModelLen: 1024}
	rows := []MLPRow{{NumTokens: 8, Ops: map[string]Stats{"mlp_up_proj": Summarise([]float64{1, 2, 3})}}}
	if err := WriteMLP(&b, cols, rows); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, op := range MLPOps {
		want = append(want, statCols(op)...)
	}
	want = append(want, "n_head", "n_kv_head", "n_embd", "n_expanded_embd", "vocab_size", "use_gated_mlp", "num_tokens", "num_tensor_parallel_workers")
	if _, err := artifacts.NewTable("mlp.csv", bytes.NewReader(b.Bytes()), want...); err != nil {
		t.Fatalf("mlp.csv lacks Vidur's columns: %v", err)
	}
	nt, err := artifacts.ReadNumericTable("mlp.csv", bytes.NewReader(b.Bytes()), "num_tokens")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(strings.Split(strings.SplitN(b.String(), "\n", 2)[0], ",")[:58], ","); got != strings.Join(want, ",") {
		t.Errorf("the first 58 columns are not Vidur's, in order:\n%s", got)
	}
	if v := nt.Columns["time_stats.mlp_up_proj.median"][0]; v != 2 {
		t.Errorf("median %g", v)
	}
	if !strings.Contains(b.String(), ",,") {
		t.Error("unmeasured operators must be empty cells")
	}
	b.Reset()
	if err := WriteAttention(&b, cols, "go", []AttnRow{{BatchSize: 2, KVCacheSize: 64, Decode: Summarise([]float64{1})}}); err != nil {
		t.Fatal(err)
	}
	if _, err := artifacts.NewTable("attention.csv", bytes.NewReader(b.Bytes()), "time_stats.attn_decode.median",
		"time_stats.attn_prefill.median", "n_embd", "n_q_head", "n_kv_head", "block_size", "num_tensor_parallel_workers",
		"max_model_len", "batch_size", "prefill_chunk_size", "kv_cache_size", "is_prefill", "attention_backend"); err != nil {
		t.Errorf("attention.csv: %v", err)
	}
	b.Reset()
	if err := WriteCPUOverheads(&b, "m", 1, []CPURow{{BatchSize: 1, Ops: map[string]Stats{"schedule": Summarise([]float64{0.5})}}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"model_name", "batch_size", "tensor_parallel_degree", "schedule_median", "sampler_e2e_median",
		"prepare_inputs_e2e_median", "process_model_outputs_median", "ray_comm_time_mean"} {
		if !strings.Contains(strings.SplitN(b.String(), "\n", 2)[0], c) {
			t.Errorf("cpu_overheads.csv lacks %s", c)
		}
	}
}

func TestGridsAndStats(t *testing.T) {
	g := TokenGrid(512, 1)
	if g[0] != 1 || g[3] != 8 || g[len(g)-1] != 512 {
		t.Errorf("grid %v", g)
	}
	if g4 := TokenGrid(500, 4); g4[len(g4)-1] != 496 {
		t.Errorf("thinned grid must keep its largest point: %v", g4)
	}
	s := Summarise([]float64{4, 1, 3, 2})
	if s.Min != 1 || s.Max != 4 || s.Median != 2.5 || s.Mean != 2.5 || s.Std != 1.118033988749895 {
		t.Errorf("stats %+v", s)
	}
}
