package engine

import (
	"fmt"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	_ "github.com/simcheck/simcheck/pkg/engine/backend/cpu"  // registers "cpu"
	_ "github.com/simcheck/simcheck/pkg/engine/backend/cuda" // registers "cuda" (a stub without -tags cuda)
	"github.com/simcheck/simcheck/pkg/engine/kvcache"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

func kvID(s *sched.Seq) kvcache.SeqID { return kvcache.SeqID(s.ID) }

// NewModel builds a model on the named backend with a KV cache sized by the
// scheduler settings (num_kv_blocks, or kv_memory_bytes).
func NewModel(a arch.Arch, w *weights.Model, backendName string, opt backend.Options, s sched.Settings) (*model.Model, error) {
	s, err := s.WithDefaults()
	if err != nil {
		return nil, err
	}
	blocks := s.NumKVBlocks
	if blocks == 0 {
		if s.KVMemoryBytes <= 0 {
			return nil, fmt.Errorf("scheduler settings: set num_kv_blocks or kv_memory_bytes")
		}
		blocks = kvcache.BlocksForBudget(s.KVMemoryBytes, a, s.BlockSize)
		if blocks == 0 {
			return nil, fmt.Errorf("kv_memory_bytes %d holds no block of %d tokens (%d bytes per token)", s.KVMemoryBytes, s.BlockSize, a.KVBytesPerToken())
		}
	}
	b, err := backend.New(backendName, opt)
	if err != nil {
		return nil, err
	}
	return model.New(a, w, b, blocks, s.BlockSize)
}

// LoadModelDir reads config.json and the safetensors weights of a Hugging
// Face model directory.
func LoadModelDir(dir string) (arch.Arch, *weights.Model, error) {
	a, err := arch.Load(dir + "/config.json")
	if err != nil {
		return a, nil, err
	}
	src, err := weights.LoadDir(dir)
	if err != nil {
		return a, nil, err
	}
	w, err := weights.Bind(src, a)
	if err != nil {
		return a, nil, fmt.Errorf("%s: %w", dir, err)
	}
	return a, w, nil
}
