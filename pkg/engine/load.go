package engine

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

// Spec says which model the tools build: the architecture, where the
// weights come from, how they are stored and on which backend.
type Spec struct {
	// ConfigJSON is the architecture as a Hugging Face config.json; a
	// safetensors run reads Dir/config.json instead.
	ConfigJSON []byte
	// Weights is "synthetic" (drawn from Seed) or "safetensors" (from Dir).
	Weights string
	Dir     string
	Seed    uint64
	// DType stores the weights as "bf16" or "fp32" (any case; "" keeps a
	// checkpoint's and makes synthetic weights fp32).
	DType   string
	Backend string // "" means cpu
	Threads int    // 0 means GOMAXPROCS
	// KVDType stores the KV cache as "bf16" or "fp32" (any case); ""
	// follows the stored weights where the backend can (cpu), else fp32.
	KVDType string
}

// KVDType maps engine.kv_dtype (bf16, fp32, ...) to the backend's names;
// "" stays "" (the backend's default).
func KVDType(s string) (string, error) {
	switch strings.ToLower(s) {
	case "":
		return "", nil
	case "bf16", "bfloat16":
		return "BF16", nil
	case "fp32", "f32", "float32":
		return "F32", nil
	}
	return "", fmt.Errorf("kv_dtype %q is not bf16 or fp32", s)
}

// KVDTypeOf is the dtype the model's KV cache was built with, "bf16" or
// "fp32" (fp32 for a backend that does not say).
func KVDTypeOf(m *model.Model) string {
	if t, ok := m.KV.(backend.KVDTyper); ok && t.DType() == "BF16" {
		return "bf16"
	}
	return "fp32"
}

// WeightDType maps a model group's dtype (bf16, fp32, float32, ...) to
// the backend's names.
func WeightDType(s string) (string, error) {
	switch strings.ToLower(s) {
	case "":
		return "", nil
	case "bf16", "bfloat16":
		return "BF16", nil
	case "fp32", "f32", "float32":
		return "F32", nil
	case "fp16", "f16", "float16":
		// The cpu backend has no fp16 kernels; fp16 checkpoints are
		// widened on load, so fp32 is what runs.
		return "F32", nil
	}
	return "", fmt.Errorf("dtype %q is not bf16, fp16 or fp32", s)
}

// Build loads the architecture and weights of spec and builds the model
// on its backend with a KV cache sized by s. It returns the architecture
// actually used (a checkpoint's config.json wins over ConfigJSON).
func Build(spec Spec, s sched.Settings) (*model.Model, arch.Arch, error) {
	dt, err := WeightDType(spec.DType)
	if err != nil {
		return nil, arch.Arch{}, err
	}
	kvdt, err := KVDType(spec.KVDType)
	if err != nil {
		return nil, arch.Arch{}, err
	}
	var a arch.Arch
	var src weights.Source
	switch spec.Weights {
	case "synthetic":
		if a, err = arch.Parse(spec.ConfigJSON); err != nil {
			return nil, a, err
		}
		sd := dt
		if sd == "" {
			sd = "F32"
		}
		src = weights.Synthetic(a, spec.Seed, sd)
	case "safetensors":
		if a, err = arch.Load(filepath.Join(spec.Dir, "config.json")); err != nil {
			return nil, a, err
		}
		if src, err = weights.LoadDir(spec.Dir); err != nil {
			return nil, a, err
		}
	default:
		return nil, a, fmt.Errorf("weights %q is not synthetic or safetensors", spec.Weights)
	}
	w, err := weights.Bind(src, a)
	if err != nil {
		return nil, a, err
	}
	name := spec.Backend
	if name == "" {
		name = "cpu"
	}
	m, err := NewModel(a, w, name, backend.Options{Threads: spec.Threads, WeightDType: dt, KVDType: kvdt}, s)
	return m, a, err
}

// Describe is the backend's own description of its device (the GPU's name
// and memory for cuda), or "" for a backend that runs on the host CPU,
// which the tools describe themselves.
func Describe(m *model.Model) string {
	if d, ok := m.B.(interface{ Describe() string }); ok {
		return d.Describe()
	}
	return ""
}
