package sim

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
)

// qwen2_7B is the model of the A30 bundle (refdata's testdata/README.md).
var qwen2_7B = sched.Arch{NumLayers: 28, NumQHeads: 28, NumKVHeads: 4, EmbeddingDim: 3584,
	MLPHiddenDim: 18944, VocabSize: 151936, GatedMLP: true, PostAttnNorm: true}

// referenceConfig is the setting of the A30 reference run (its
// README and config.json): A30 24 GB, margin 0.1, sarathi chunk 512.
func referenceConfig(m predict.Model) Config {
	return Config{
		Sched: sched.Config{Kind: sched.Sarathi, BatchSizeCap: 128, BlockSize: 16, ChunkSize: 512,
			MaxTokensInBatch: 4096, WatermarkFraction: 0.01, MaxWaitingIters: 10, MaxTokens: 4096},
		Plan:        sched.Plan{Arch: qwen2_7B, TP: 1, PP: 1, MemoryGB: 24, MarginFraction: 0.1, MaxTokens: 4096},
		NumReplicas: 1, Global: sched.RoundRobin, Seed: 42, VidurTimes: true,
		Predictor: &predict.Predictor{M: m, S: predict.Settings{LayersPerStage: 28, PP: 1, TP: 1, GQA: true,
			PostAttnNorm: true, KVGranularity: 64, DecodeOverhead: 0.1, PrefillOverhd: 0.1, NCCLLaunchMs: 0.02}},
	}
}

type vidurObs struct {
	rows map[int][]float64
	prev map[int]float64 // inter-arrival by id
}

func (o *vidurObs) RequestDone(r *entity.Request)                        { o.rows[r.ID] = VidurRow(r, o.prev[r.ID]) }
func (o *vidurObs) BatchDone(*entity.Batch)                              {}
func (o *vidurObs) StageDone(int, int, *entity.Batch, des.Time, float64) {}

// TestSpec4_7_ReferenceVidurTable runs the A30 reference case in
// vidur_table mode and compares every column of Python Vidur's
// request_metrics.csv, float-exactly.
func TestSpec4_7_ReferenceVidurTable(t *testing.T) {
	ref := filepath.Join(refdata.A30(t), refdata.Reference)
	tabs, err := predict.LoadTables(filepath.Join(ref, "predictions"), false, false)
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := artifacts.ReadTraceReplayFile(filepath.Join(ref, "trace_2000.csv"))
	if err != nil {
		t.Fatal(err)
	}
	obs := &vidurObs{rows: map[int][]float64{}, prev: map[int]float64{}}
	for i, r := range reqs {
		obs.prev[r.RequestID] = math.NaN()
		if i > 0 {
			obs.prev[r.RequestID] = r.ArrivedAt - reqs[i-1].ArrivedAt
		}
	}
	s, err := New(referenceConfig(tabs), reqs, obs)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	// README: "The simulation ended at 682.8271023664315 s".
	if got := float64(s.Now()); got != 682.8271023664315 {
		t.Errorf("simulation ended at %v, Vidur at 682.8271023664315", got)
	}
	f, err := os.Open(filepath.Join(ref, "request_metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tb, err := artifacts.NewTable(f.Name(), f, append([]string{artifacts.VidurRequestID}, VidurColumns...)...)
	if err != nil {
		t.Fatal(err)
	}
	var maxAbs, maxRel float64
	n, mismatches := 0, 0
	for tb.Next() {
		id := tb.Int(artifacts.VidurRequestID)
		got, ok := obs.rows[id]
		if !ok {
			t.Fatalf("request %d did not complete", id)
		}
		for i, c := range VidurColumns {
			s := tb.String(c)
			want := math.NaN()
			if s != "" {
				want, err = strconv.ParseFloat(s, 64)
				if err != nil {
					t.Fatal(err)
				}
			}
			g := got[i]
			if math.IsNaN(want) && math.IsNaN(g) {
				continue
			}
			d := math.Abs(g - want)
			if d > maxAbs {
				maxAbs = d
			}
			if want != 0 && d/math.Abs(want) > maxRel {
				maxRel = d / math.Abs(want)
			}
			if g != want && !(math.IsNaN(want) && math.IsNaN(g)) {
				if mismatches < 5 {
					t.Errorf("request %d %s: got %v, Vidur %v", id, c, g, want)
				}
				mismatches++
			}
		}
		n++
	}
	if tb.Err() != nil {
		t.Fatal(tb.Err())
	}
	if n != len(reqs) || len(obs.rows) != len(reqs) {
		t.Errorf("compared %d rows, %d requests, %d completed", n, len(reqs), len(obs.rows))
	}
	t.Logf("%d requests × %d columns: %d differ; max abs diff %g, max rel diff %g", n, len(VidurColumns), mismatches, maxAbs, maxRel)
}
