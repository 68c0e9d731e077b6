package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// TestArgmaxRowMatchesScan: the lane scan returns what one scan returns
// (the first index of the largest value; NaN never wins, and a NaN at
// index 0 gives 0) at every length up to 300 and at a vocabulary's, over
// few distinct values (many ties), NaNs, infinities and both zeros.
func TestArgmaxRowMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pool := []float32{0, float32(math.Copysign(0, -1)), 1, 2, -3, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	lengths := []int{151936, 64*7 + 15}
	for n := range 301 {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for trial := range 30 {
			x := make([]float32, n)
			k := 1 + r.IntN(len(pool)) // the first k of pool: some trials without NaN or Inf
			for i := range x {
				x[i] = pool[r.IntN(k)]
				if trial%3 == 0 {
					x[i] = float32(r.NormFloat64())
				}
			}
			if trial%5 == 4 && n > 0 {
				x[0] = float32(math.NaN())
			}
			if got, want := argmaxRow(x), argmaxGo(x); got != want {
				t.Fatalf("n=%d trial %d: argmaxRow = %d (%v), the scan says %d (%v)", n, trial, got, x[got], want, x[want])
			}
		}
	}
}

// TestArgmaxRows: every row with logits gets its argmax; a nil row leaves
// its output as it was.
func TestArgmaxRows(t *testing.T) {
	c, err := New(backend.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	rows := make([][]float32, 9)
	want := make([]int32, len(rows))
	for i := range rows {
		if i == 4 {
			want[i] = -7
			continue
		}
		rows[i] = make([]float32, 1000+i)
		for j := range rows[i] {
			rows[i][j] = float32(r.NormFloat64())
		}
		want[i] = int32(r.IntN(len(rows[i])))
		rows[i][want[i]] = 9
	}
	out := make([]int32, len(rows))
	out[4] = -7
	c.ArgmaxRows(out, rows)
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("row %d: %d, want %d", i, out[i], want[i])
		}
	}
}

func BenchmarkArgmaxRow(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 151936)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	for _, k := range []struct {
		name string
		f    func([]float32) int
	}{{"lanes", argmaxRow}, {"scan", argmaxGo}} {
		b.Run(k.name, func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for range b.N {
				_ = k.f(x)
			}
		})
	}
}
