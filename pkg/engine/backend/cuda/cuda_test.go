//go:build cuda || cudaemu

package cuda_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/backend/backendtest"
	"github.com/simcheck/simcheck/pkg/engine/backend/cuda"
)

// newOrSkip builds the backend, skipping the test when this machine has no
// usable driver or device: the suite then runs wherever a GPU is present
// and says why it did not elsewhere. Any other failure (PTX, cuBLAS) fails.
func newOrSkip(t *testing.T, o backend.Options) *cuda.CUDA {
	t.Helper()
	b, err := cuda.New(o)
	if errors.Is(err, cuda.ErrNoDriver) || errors.Is(err, cuda.ErrNoDevice) {
		t.Skipf("no GPU to run on: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	t.Logf("device: %s", b.Describe())
	return b
}

func TestConformance(t *testing.T) {
	for _, dt := range []string{"", "F32", "BF16"} {
		t.Run("weights="+dt, func(t *testing.T) {
			b := newOrSkip(t, backend.Options{WeightDType: dt})
			backendtest.Run(t, func() (backend.Backend, error) { return b, nil })
		})
	}
}

// TestMatMulBF16Activations checks the SIMCHECK_CUDA_GEMM=bf16 path, which
// backendtest's fp32 tolerance does not cover: activations rounded to bf16
// (relative error up to 2^-9) times exact bf16 weights, summed in fp32.
func TestMatMulBF16Activations(t *testing.T) {
	t.Setenv("SIMCHECK_CUDA_GEMM", "bf16")
	b := newOrSkip(t, backend.Options{WeightDType: "BF16"})
	r := rand.New(rand.NewPCG(3, 4))
	const m, n, k = 37, 70, 256 // m above the row kernel's limit
	xv, wv := make([]float32, m*k), make([]float32, n*k)
	for i := range xv {
		xv[i] = float32(r.NormFloat64())
	}
	for i := range wv {
		// bf16-exact, so only the activations' rounding is measured.
		wv[i] = math.Float32frombits(math.Float32bits(float32(r.NormFloat64())) &^ 0xffff)
	}
	x := b.NewTensor(m, k)
	b.Write(x, xv)
	w, err := b.Upload(backend.HostTensor{Name: "w", Rows: n, Cols: k, F32: wv})
	if err != nil {
		t.Fatal(err)
	}
	y := b.NewTensor(m, n)
	b.MatMul(y, x, w)
	got := make([]float32, m*n)
	b.Read(y, got)
	// Each product carries up to 2·2^-9 relative error from the two
	// roundings; over k N(0,1) terms that is ~2^-8·sqrt(k) absolute, and
	// 4× that bounds it with margin.
	tol := 4 * math.Sqrt(k) / 256
	for i := range m {
		for j := range n {
			var want float64
			for l := range k {
				want += float64(xv[i*k+l]) * float64(wv[j*k+l])
			}
			if d := math.Abs(float64(got[i*n+j]) - want); d > tol {
				t.Fatalf("y[%d][%d] = %g, want %g (tolerance %g)", i, j, got[i*n+j], want, tol)
			}
		}
	}
}

// TestRegistered checks that the tagged build registers the real backend:
// its error, if any, is a device check, never the stub's ErrNotBuilt.
func TestRegistered(t *testing.T) {
	_, err := backend.New("cuda", backend.Options{})
	if errors.Is(err, backend.ErrNotBuilt) {
		t.Fatalf("built with -tags cuda but got the stub: %v", err)
	}
	if err != nil && !errors.Is(err, cuda.ErrNoDriver) && !errors.Is(err, cuda.ErrNoDevice) {
		t.Fatalf("unexpected error: %v", err)
	}
	if !cuda.Built {
		t.Fatal("cuda.Built is false in a -tags cuda build")
	}
	t.Logf("backend.New(\"cuda\"): %v", err)
}
