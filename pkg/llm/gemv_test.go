package llm

import (
	"fmt"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"math"
	"testing"
)

func TestMatmulRowsMatchesGemm(t *testing.T) {
	for _, s := range [][3]int{{1, 100, 64}, {3, 37, 33}, {16, 65, 128}, {5, 33, 64}, {2, 7, 8}, {7, 1, 1024}} {
		m, n, k := s[0], s[1], s[2]
		x, w := make([]float32, m*k), make([]float32, n*k)
		fillNormal(x, 1, 1)
		fillNormal(w, 1, 2)
		a, b := make([]float32, m*n), make([]float32, m*n)
		matmulRows(a, x, w, m, n, k, 3)
		matmulT(b, x, w, m, n, k)
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5 {
				t.Fatalf("%v: [%d] %g vs %g", s, i, a[i], b[i])
			}
		}
	}
}

func BenchmarkMatmulSmall(b *testing.B) {
	for _, s := range [][3]int{{1, 6144, 1024}, {8, 6144, 1024}, {16, 6144, 1024}, {32, 6144, 1024}, {128, 6144, 1024}, {512, 6144, 1024}, {1, 151936, 1024}} {
		m, n, k := s[0], s[1], s[2]
		x, w, y := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
		fillNormal(w, 1, 2)
		for _, impl := range []string{"gonum", "rows"} {
			b.Run(fmt.Sprintf("%s/M%d_N%d", impl, m, n), func(b *testing.B) {
				for range b.N {
					if impl == "gonum" {
						matmulT(y, x, w, m, n, k)
					} else {
						matmulRows(y, x, w, m, n, k, 2)
					}
				}
				b.ReportMetric(float64(4*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}

// matmulT is gonum's Sgemm(NoTrans, Trans), the reference and the
// baseline matmulRows replaced.
func matmulT(y, x, w []float32, m, n, k int) {
	blas32.Gemm(blas.NoTrans, blas.Trans, 1,
		blas32.General{Rows: m, Cols: k, Stride: k, Data: x[:m*k]},
		blas32.General{Rows: n, Cols: k, Stride: k, Data: w[:n*k]},
		0, blas32.General{Rows: m, Cols: n, Stride: n, Data: y[:m*n]})
}

func TestExpNeg(t *testing.T) {
	for x := float32(-90); x <= 0; x += 0.001 {
		want := math.Exp(float64(x))
		got := float64(expNeg(x))
		if want > 1e-37 && math.Abs(got-want) > 1e-6*want {
			t.Fatalf("expNeg(%g) = %g, want %g", x, got, want)
		}
	}
}
