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
		t.Run("weights="+dt, func(t *testing.T) {
			backendtest.Run(t, func() (backend.Backend, error) { return cpu.New(backend.Options{WeightDType: dt}) })
		})
	}
	// One thread takes the non-parallel paths of the same code.
	t.Run("threads=1", func(t *testing.T) {
		backendtest.Run(t, func() (backend.Backend, error) { return cpu.New(backend.Options{Threads: 1}) })
	})
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
