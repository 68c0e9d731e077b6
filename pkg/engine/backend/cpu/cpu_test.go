package cpu_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/backend/backendtest"
	"github.com/simcheck/simcheck/pkg/engine/backend/cpu"
	_ "github.com/simcheck/simcheck/pkg/engine/backend/cuda"
)

func TestConformance(t *testing.T) {
	for _, dt := range []string{"", "BF16"} {
		for _, kv := range []string{"F32", "BF16"} {
			t.Run("weights="+dt+"/kv="+kv, func(t *testing.T) {
				backendtest.Run(t, func() (backend.Backend, error) { return cpu.New(backend.Options{WeightDType: dt, KVDType: kv}) })
			})
		}
	}
	// One thread takes the non-parallel paths of the same code.
	for _, kv := range []string{"F32", "BF16"} {
		t.Run("threads=1/kv="+kv, func(t *testing.T) {
			backendtest.Run(t, func() (backend.Backend, error) { return cpu.New(backend.Options{Threads: 1, KVDType: kv}) })
		})
	}
}

// TestKVDTypeDefault: with no KVDType the cache follows the weights, bf16
// once a matrix is stored in bf16 and fp32 otherwise; an unknown dtype is
// refused.
func TestKVDTypeDefault(t *testing.T) {
	l := backend.QKV{NumHeads: 2, NumKVHeads: 1, HeadDim: 4}
	dtype := func(b backend.Backend) string {
		kv, err := b.NewKVStore(1, 2, 16, l)
		if err != nil {
			t.Fatal(err)
		}
		return kv.(backend.KVDTyper).DType()
	}
	for _, tc := range []struct {
		weights string
		bf16    bool // upload a bf16 matrix (else fp32, which WeightDType BF16 rounds)
		want    string
	}{{"", false, "F32"}, {"", true, "BF16"}, {"BF16", false, "BF16"}, {"F32", true, "F32"}} {
		b, err := cpu.New(backend.Options{WeightDType: tc.weights})
		if err != nil {
			t.Fatal(err)
		}
		h := backend.HostTensor{Name: "w", Rows: 2, Cols: 2, F32: []float32{1, 2, 3, 4}}
		if tc.bf16 {
			h.F32, h.BF16 = nil, []uint16{0x3f80, 0x4000, 0x4040, 0x4080}
		}
		if _, err := b.Upload(h); err != nil {
			t.Fatal(err)
		}
		if got := dtype(b); got != tc.want {
			t.Errorf("weights %q, bf16 matrix %v: KV cache %s, want %s", tc.weights, tc.bf16, got, tc.want)
		}
	}
	if _, err := cpu.New(backend.Options{KVDType: "FP8"}); err == nil || !strings.Contains(err.Error(), `KV dtype "FP8"`) {
		t.Errorf("KVDType FP8: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	if _, err := backend.New("cpu", backend.Options{}); err != nil {
		t.Fatal(err)
	}
	_, err := backend.New("tpu", backend.Options{})
	if err == nil || !strings.Contains(err.Error(), "registered: cpu, cuda") {
		t.Errorf("unknown backend error %v should list the registered names", err)
	}
	_, err = backend.New("cuda", backend.Options{})
	if !errors.Is(err, backend.ErrNotBuilt) || !strings.Contains(err.Error(), "rebuild with -tags cuda") {
		t.Errorf("cuda without the tag: %v", err)
	}
}
