package predict

import (
	"fmt"
	"github.com/simcheck/simcheck/vidur-sim/internal/bundle"
	"math"
	"os"
	"strings"
	"testing"
)

// TestNativeHoldoutA30 trains the native predictor on the shared A30
// bundle and checks every operation's hold-out error.
func TestNativeHoldoutA30(t *testing.T) {
	b, err := bundle.Load(a30Paths(t), a30Dims, false, false)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Train(b, 42, a30Dims.EmbeddingDim)
	if err != nil {
		t.Fatal(err)
	}
	for _, note := range n.Notes {
		t.Log("note:", note)
	}
	for _, r := range n.Reports {
		t.Logf("%-26s %-6s rows %4d dropped %3d holdout %4d MAPE %6.2f%% (alt %s %6.2f%%)", r.Op, r.Method, r.Rows, r.Dropped, r.HoldoutN, r.MAPE, r.AltMethod, r.AltMAPE)
		// 25 %: far above what the fits reach on this bundle; a
		// regression in the fitting code, not noise, would cross it.
		if !(r.MAPE < 25) {
			t.Errorf("%s: hold-out MAPE %.2f%%", r.Op, r.MAPE)
		}
	}
	if v, _ := n.Prefill(8192, 4096); math.IsNaN(v) || v <= 0 {
		t.Errorf("extrapolated prefill %v", v)
	}
	if len(n.Warnings()) == 0 {
		t.Error("no extrapolation warning")
	}
}

// TestNativeTrainDeterministic trains twice with one seed on a bundle
// whose CPU-overhead columns keep different numbers of rows (so each fit
// draws a different amount from the hold-out generator): every operation
// must get the same method and hold-out errors, whatever Go's map order
// is in each run.
func TestNativeTrainDeterministic(t *testing.T) {
	p := writeBundle(t)
	var c strings.Builder
	c.WriteString("model_name,batch_size,tensor_parallel_degree,schedule_mean,schedule_median,sampler_e2e_mean,sampler_e2e_median,prepare_inputs_e2e_mean,prepare_inputs_e2e_median,process_model_outputs_mean,process_model_outputs_median,ray_comm_time_mean\n")
	for bs := 1; bs <= 24; bs++ {
		cell := func(col int) string {
			if bs%(col+2) == 0 { // column col misses every (col+2)th row
				return ""
			}
			return fmt.Sprintf("%g", 0.1*float64(col+1)+0.01*float64(bs)+0.003*float64((bs*7+col)%5))
		}
		fmt.Fprintf(&c, "org/m,%d,2,0,%s,0,%s,0,%s,0,%s,%s\n", bs, cell(0), cell(1), cell(2), cell(3), cell(4))
	}
	if err := os.WriteFile(p.CPUOverheads, []byte(c.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Load(p, bundle.ModelDims{NumQHeads: 8, NumKVHeads: 2, EmbeddingDim: 512, MLPHiddenDim: 1024, TP: 2, BlockSize: 16, ModelID: "org/m"}, true, false)
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	first, err := Train(b, 7, 512)
	if err != nil {
		t.Fatal(err)
	}
	for range 30 {
		again, err := Train(b, 7, 512)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Reports) != len(first.Reports) {
			t.Fatalf("%d reports, then %d", len(first.Reports), len(again.Reports))
		}
		for i, r := range again.Reports {
			f := first.Reports[i]
			if r.Op != f.Op || r.Method != f.Method || r.HoldoutN != f.HoldoutN || !same(r.MAPE, f.MAPE) || !same(r.AltMAPE, f.AltMAPE) {
				t.Fatalf("report %d: %+v, then %+v", i, f, r)
			}
		}
	}
}
