package sched

import "testing"

// TestSpec3_1_MemoryPlannerReference checks the planner against the
// reference values of vidur-semantics.md §3.1 (A100 80 GB, margin 0.1, max_tokens
// 4096, block 16), which use Vidur's sizing (compat) for PP > 1.
func TestSpec3_1_MemoryPlannerReference(t *testing.T) {
	llama7 := Arch{NumLayers: 32, NumQHeads: 32, NumKVHeads: 32, EmbeddingDim: 4096, MLPHiddenDim: 11008, GatedMLP: true}
	llama3 := Arch{NumLayers: 32, NumQHeads: 32, NumKVHeads: 8, EmbeddingDim: 4096, MLPHiddenDim: 14336, GatedMLP: true}
	llama70 := Arch{NumLayers: 80, NumQHeads: 64, NumKVHeads: 8, EmbeddingDim: 8192, MLPHiddenDim: 28672, GatedMLP: true}
	code34 := Arch{NumLayers: 48, NumQHeads: 64, NumKVHeads: 8, EmbeddingDim: 8192, MLPHiddenDim: 22016, GatedMLP: true}
	qwen72 := Arch{NumLayers: 80, NumQHeads: 64, NumKVHeads: 64, EmbeddingDim: 8192, MLPHiddenDim: 24576, GatedMLP: true}
	phi2 := Arch{NumLayers: 32, NumQHeads: 32, NumKVHeads: 32, EmbeddingDim: 2560, MLPHiddenDim: 10240}
	intern := Arch{NumLayers: 60, NumQHeads: 40, NumKVHeads: 40, EmbeddingDim: 5120, MLPHiddenDim: 13824, GatedMLP: true}
	cases := []struct {
		name          string
		a             Arch
		tp, pp        int
		batch, blocks int
	}{
		{"Llama-2-7b", llama7, 1, 1, 29, 7424},
		{"Llama-2-7b PP2", llama7, 1, 2, 32, 16384},
		{"Meta-Llama-3-8B", llama3, 1, 1, 118, 30208},
		{"Llama-2-70b TP4", llama70, 4, 1, 128, 32768},
		{"Llama-2-70b TP2 PP2", llama70, 2, 2, 64, 32768},
		{"CodeLlama-34b TP2", code34, 2, 1, 109, 27904},
		{"Qwen-72B TP4", qwen72, 4, 1, 15, 3840},
		{"phi-2", phi2, 1, 1, 53, 13568},
		{"internlm-20b TP2", intern, 2, 1, 23, 5888},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Plan{Arch: tc.a, TP: tc.tp, PP: tc.pp, MemoryGB: 80, MarginFraction: 0.1, MaxTokens: 4096, Compat: true}
			n, err := p.MaxBatchSize()
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.batch {
				t.Errorf("max batch size %d, want %d", n, tc.batch)
			}
			var id int
			r, err := New(Config{Kind: Sarathi, BatchSizeCap: 128, BlockSize: 16, ChunkSize: 512, NumStages: tc.pp, MaxTokens: 4096}, 0, n, &id)
			if err != nil {
				t.Fatal(err)
			}
			if _, total, _ := r.Stats(); total != tc.blocks {
				t.Errorf("num_blocks %d, want %d", total, tc.blocks)
			}
		})
	}
}

// TestSpec10_3_PlannerPerStageKV checks the corrected sizing: with PP the
// KV of a stage covers its own layers only, so more requests fit.
func TestSpec10_3_PlannerPerStageKV(t *testing.T) {
	a := Arch{NumLayers: 32, NumQHeads: 32, NumKVHeads: 32, EmbeddingDim: 4096, MLPHiddenDim: 11008, GatedMLP: true}
	vidur := Plan{Arch: a, TP: 1, PP: 2, MemoryGB: 80, MarginFraction: 0.1, MaxTokens: 4096, Compat: true}
	fixed := vidur
	fixed.Compat = false
	nv, _ := vidur.MaxBatchSize()
	nf, _ := fixed.MaxBatchSize()
	// (77.3e9 B − 6.48e9 B of weights) / 1.07e9 B of KV per request
	// (2·2·128·32·4096 over 16 layers) = 65.97.
	if nv != 32 || nf != 65 {
		t.Errorf("compat %d (want 32), corrected %d (want 65)", nv, nf)
	}
}

// TestReferenceA30Planner: the shared reference README says the planner
// allows 43 requests, 11,008 blocks.
func TestReferenceA30Planner(t *testing.T) {
	a := Arch{NumLayers: 28, NumQHeads: 28, NumKVHeads: 4, EmbeddingDim: 3584, MLPHiddenDim: 18944, GatedMLP: true}
	n, err := Plan{Arch: a, TP: 1, PP: 1, MemoryGB: 24, MarginFraction: 0.1, MaxTokens: 4096}.MaxBatchSize()
	if err != nil || n != 43 {
		t.Fatalf("got %d, %v; want 43", n, err)
	}
}

func TestPlannerTooSmall(t *testing.T) {
	a := Arch{NumLayers: 28, NumQHeads: 28, NumKVHeads: 4, EmbeddingDim: 3584, MLPHiddenDim: 18944, GatedMLP: true}
	if _, err := (Plan{Arch: a, TP: 1, PP: 1, MemoryGB: 8, MarginFraction: 0.1, MaxTokens: 4096}).MaxBatchSize(); err == nil {
		t.Fatal("no error for a model larger than the device")
	}
}
