package profile

import (
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/engine"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
)

// tinyModel is a two-layer synthetic Qwen3 with a 32-block cache.
func tinyModel(t *testing.T) *model.Model {
	t.Helper()
	cfg := []byte(`{"model_type":"qwen3","num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,
		"num_key_value_heads":2,"head_dim":16,"intermediate_size":128,"vocab_size":256,"tie_word_embeddings":true}`)
	m, _, err := engine.Build(engine.Spec{ConfigJSON: cfg, Weights: "synthetic"}, sched.Settings{Kind: "sarathi", NumKVBlocks: 32})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestWakeupRows: one row per (gap, step) with the repeats as samples, the
// busy step time as step_ms, and the sleeps asked for in order.
func TestWakeupRows(t *testing.T) {
	p := New(tinyModel(t), Settings{BlockSize: 16})
	var slept []time.Duration
	calls := 0
	rows, err := p.Wakeup([]float64{0.25, 2}, 24, 2, func(d time.Duration) { slept = append(slept, d) }, func() { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || calls != 4 {
		t.Fatalf("%d rows, %d progress calls, want 4 and 4: %+v", len(rows), calls, rows)
	}
	for i, r := range rows {
		if want := []float64{0.25, 2}[i%2]; r.IdleS != want || r.Samples != 2 || !(r.StepMs > 0) {
			t.Errorf("row %d: %+v, want idle_s %g, 2 samples, a positive step_ms", i, r, want)
		}
	}
	if rows[0].StepMs != rows[1].StepMs || rows[2].StepMs != rows[3].StepMs {
		t.Errorf("step_ms: the decode's busy time for both gaps, then the prefill's for both: %+v", rows)
	}
	want := []time.Duration{250 * time.Millisecond, 250 * time.Millisecond, 2 * time.Second, 2 * time.Second}
	if len(slept) != 8 || slept[0] != want[0] || slept[2] != want[2] || slept[4] != want[0] {
		t.Errorf("sleeps %v", slept)
	}
}

// TestWakeupLateness: a sleep that ends 20 ms after it was due shows as
// late_ms, and the penalty includes it.
func TestWakeupLateness(t *testing.T) {
	p := New(tinyModel(t), Settings{BlockSize: 16})
	rows, err := p.Wakeup([]float64{0.001}, 24, 1, func(d time.Duration) { time.Sleep(d + 20*time.Millisecond) }, func() {})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.LateMs < 20 || r.LateMs > 2000 || r.PenaltyMs < r.LateMs-r.StepMs {
			t.Errorf("%+v: want late_ms ≥ 20 and inside the penalty", r)
		}
	}
}
