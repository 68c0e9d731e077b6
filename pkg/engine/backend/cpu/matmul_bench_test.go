package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// BenchmarkMatMulBF16 times one Qwen3-0.6B-sized projection (K=1024,
// N=3072, bf16 weights) on both paths, to choose bf16MinRows. Each call
// takes the next of 16 weight matrices (96 MiB in all, more than the L3),
// uploaded as the model's are (huge pages),
// so the weights come from memory as they do in a forward pass:
//
//	go test -run XXX -bench MatMulBF16 -benchtime 20x ./pkg/engine/backend/cpu
func BenchmarkMatMulBF16(b *testing.B) {
	const k, n = 1024, 3072
	c, err := New(backend.Options{WeightDType: "BF16"})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	ws := make([]*Tensor, 16)
	for i := range ws {
		// Through Upload, as the model's weights: in huge pages.
		t, err := c.Upload(backend.HostTensor{Name: "w", Rows: n, Cols: k, BF16: bfSlice(r, n*k, false)})
		if err != nil {
			b.Fatal(err)
		}
		ws[i] = t.(*Tensor)
	}
	for _, m := range []int{1, 4, 8, 16, 24, 32, 64, 512} {
		x := &Tensor{rows: m, cols: k, f32: randSlice(r, m*k)}
		y := &Tensor{rows: m, cols: n, f32: make([]float32, m*n)}
		for _, path := range []string{"f32act", "bf16act"} {
			if path == "bf16act" && !haveBF16 || path == "f32act" && ws[0].bf16 == nil {
				continue // no AVX512_BF16; or weights packed, which only the bf16 path reads
			}
			b.Run(fmt.Sprintf("m%d/%s", m, path), func(b *testing.B) {
				best := time.Duration(math.MaxInt64)
				for i := range b.N {
					w := ws[i%len(ws)]
					t0 := time.Now()
					if path == "bf16act" {
						c.matmulBF16(y, x, w)
					} else {
						c.parallel(n, c.grain(n), func(_, lo, hi int) {
							matmulRange(y.f32, n, x.f32, k, wrow{bf16: w.bf16}, k, m, lo, hi, k)
						})
					}
					best = min(best, time.Since(t0))
				}
				// The best call, not the mean: the machine's two cores are
				// shared, and the best is the one a neighbour least slowed.
				b.ReportMetric(2*float64(m*n*k)/best.Seconds()/1e9, "best-GFLOP/s")
				b.ReportMetric(2*float64(n*k)/best.Seconds()/1e9, "best-weight-GB/s")
			})
		}
	}
}
