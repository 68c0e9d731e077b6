package cpu

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// TestMatMulPackedMatchesReference: bf16 weights uploaded in the panel
// layout (from bf16 and from fp32 host data), multiplied by 1 to 33 activation rows (every row-block size of
// the kernels and a remainder), 1 to 25 panels (every panel-group size)
// and k from 2 to 1026, against a float64 product of the same bf16-rounded
// operands; and Embed reads the packed rows back exactly.
func TestMatMulPackedMatchesReference(t *testing.T) {
	if !haveBF16 {
		t.Skip("no AVX512_BF16: weights are not packed on this CPU")
	}
	c, err := New(backend.Options{WeightDType: "BF16"})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 10))
	// 1552 outputs are 97 panels, 33 groups: enough for a worker to go
	// on to a next group, so full row blocks fetch its weights ahead.
	for _, n := range []int{16, 32, 48, 80, 400, 1552} {
		for _, k := range []int{2, 30, 64, 1026} {
			wb := bfSlice(r, n*k, false)
			host := backend.HostTensor{Name: "w", Rows: n, Cols: k, BF16: wb}
			if n == 80 {
				// From fp32 host data that bf16 holds exactly, as an
				// fp32 checkpoint loaded as bf16 is.
				host = backend.HostTensor{Name: "w", Rows: n, Cols: k, F32: make([]float32, n*k)}
				for i, h := range wb {
					host.F32[i] = FromBF16(h)
				}
			}
			wt, err := c.Upload(host)
			if err != nil {
				t.Fatal(err)
			}
			W := wt.(*Tensor)
			if W.pk == nil || W.bf16 != nil {
				t.Fatalf("n=%d k=%d: weight not packed", n, k)
			}
			// What the kernels multiply: bf16 values, subnormals as zero.
			we := make([]float64, n*k)
			wf := make([]float32, n*k)
			for i, h := range wb {
				we[i], wf[i] = float64(widenDAZ(h)), FromBF16(h)
			}
			for _, m := range []int{1, 2, 3, 5, 7, 8, 9, 16, 33} {
				x := c.NewTensor(m, k)
				xv := randSlice(r, m*k)
				c.Write(x, xv)
				y := c.NewTensor(m, n)
				c.MatMul(y, x, wt)
				xe := make([]float64, m*k)
				for i, v := range xv {
					xe[i] = float64(widenDAZ(roundBF16(v)))
				}
				checkProduct(t, y.(*Tensor).f32, xe, we, m, n, k)
			}
			checkEmbed(t, c, wt, wf, n, k)
		}
	}
}

// TestMatMulPacked32MatchesReference: fp32 weights uploaded in the panel
// layout (from fp32 and from bf16 host data), multiplied by 1 to 33
// activation rows (every row-block size of the kernels and a remainder),
// 1 to 97 panels (every panel-group size) and k from 1 to 1025, against a
// float64 product; a row's result is the same whatever block it is
// computed in; and Embed reads the packed rows back exactly.
func TestMatMulPacked32MatchesReference(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512: fp32 weights are not packed on this CPU")
	}
	c, err := New(backend.Options{WeightDType: "F32"})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{16, 32, 48, 80, 400, 1552} {
		for _, k := range []int{1, 30, 64, 1025} {
			wv := randSlice(r, n*k)
			host := backend.HostTensor{Name: "w", Rows: n, Cols: k, F32: wv}
			if n == 80 {
				// From bf16 host data, as a bf16 checkpoint loaded as
				// fp32 is.
				wb := bfSlice(r, n*k, false)
				for i, h := range wb {
					wv[i] = FromBF16(h)
				}
				host = backend.HostTensor{Name: "w", Rows: n, Cols: k, BF16: wb}
			}
			wt, err := c.Upload(host)
			if err != nil {
				t.Fatal(err)
			}
			if W := wt.(*Tensor); W.pk32 == nil || W.f32 != nil {
				t.Fatalf("n=%d k=%d: weight not packed", n, k)
			}
			we := widen(wv)
			var alone, xRow0 []float32 // row 0's outputs computed by itself, and its inputs
			for _, m := range []int{1, 2, 3, 5, 7, 8, 9, 16, 33} {
				x := c.NewTensor(m, k)
				xv := randSlice(r, m*k)
				if alone != nil {
					copy(xv[(m-1)*k:], xRow0)
				}
				c.Write(x, xv)
				y := c.NewTensor(m, n)
				c.MatMul(y, x, wt)
				got := y.(*Tensor).f32
				checkProduct(t, got, widen(xv), we, m, n, k)
				if alone == nil {
					alone = append([]float32(nil), got[:n]...)
					xRow0 = xv[:k]
					continue
				}
				// The last row repeats the first run's row: bit for bit.
				for j := range n {
					if got[(m-1)*n+j] != alone[j] {
						t.Fatalf("n=%d k=%d m=%d: last row's output %d = %g, alone %g", n, k, m, j, got[(m-1)*n+j], alone[j])
					}
				}
			}
			checkEmbed(t, c, wt, wv, n, k)
		}
	}
}

// checkProduct fails t unless every output of got (m×n) is within
// k·u·Σ|products| of the float64 product of x (m×k) and w (n×k), the
// operands as the kernels multiply them.
func checkProduct(t *testing.T, got []float32, x, w []float64, m, n, k int) {
	t.Helper()
	for i := range m {
		for j := range n {
			var ref, abs float64
			for l := range k {
				p := x[i*k+l] * w[j*k+l]
				ref += p
				abs += math.Abs(p)
			}
			if d := math.Abs(float64(got[i*n+j]) - ref); d > float64(k)*u*abs+1e-30 {
				t.Fatalf("n=%d k=%d m=%d: y[%d][%d] = %g, float64 %g (|Δ| %g, bound %g)", n, k, m, i, j, got[i*n+j], ref, d, float64(k)*u*abs)
			}
		}
	}
}

// checkEmbed fails t unless Embed reads rows 0, n-1 and n/2 of the packed
// n×k matrix wt back as exactly the values want (n×k, row-major).
func checkEmbed(t *testing.T, c *CPU, wt backend.Tensor, want []float32, n, k int) {
	t.Helper()
	e := c.NewTensor(3, k)
	ids := []int32{0, int32(n - 1), int32(n / 2)}
	c.Embed(e, wt, ids)
	for i, id := range ids {
		for l := range k {
			if got := e.(*Tensor).f32[i*k+l]; got != want[int(id)*k+l] {
				t.Fatalf("n=%d k=%d: Embed row %d col %d = %g, want %g", n, k, id, l, got, want[int(id)*k+l])
			}
		}
	}
}

// widen is x in float64.
func widen(x []float32) []float64 {
	w := make([]float64, len(x))
	for i, v := range x {
		w[i] = float64(v)
	}
	return w
}

// TestPacked32AssemblyIsGenerated: matmul_packed32_amd64.s is what
// gen_packed32.go writes (an edit by hand would be lost to go generate).
func TestPacked32AssemblyIsGenerated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gen.s")
	cmd := exec.Command("go", "run", "gen_packed32.go", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen_packed32.go: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("matmul_packed32_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("matmul_packed32_amd64.s differs from gen_packed32.go's output: run go generate in pkg/engine/backend/cpu")
	}
}
