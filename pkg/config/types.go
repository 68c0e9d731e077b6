package config

import (
	"encoding/json"

	"errors"
	"fmt"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Model is the model group (model=...): which model, where its reference
// files live, and its architecture.
type Model struct {
	Name         string `koanf:"name"`
	HFName       string `koanf:"hf_name"`
	VidurModelID string `koanf:"vidur_model_id"`
	// ModelID is what a server that real-bench starts loads: a local
	// Hugging Face snapshot directory or a hub id ("" = HFName).
	ModelID string `koanf:"model_id"`
	// Path is the directory holding config.json and tokenizer.json (a
	// Hugging Face snapshot, or what scripts/bootstrap_model.sh writes).
	Path        string `koanf:"path"`
	Weights     string `koanf:"weights"` // synthetic | safetensors
	WeightsSeed uint64 `koanf:"weights_seed"`
	DType       string `koanf:"dtype"`
	Arch        Arch   `koanf:"arch"`
}

// Arch is a decoder's shape, the numbers a simulator and an engine need.
type Arch struct {
	ModelType             string  `koanf:"model_type"`
	NumLayers             int     `koanf:"num_layers"`
	HiddenSize            int     `koanf:"hidden_size"`
	NumQHeads             int     `koanf:"num_q_heads"`
	NumKVHeads            int     `koanf:"num_kv_heads"`
	HeadDim               int     `koanf:"head_dim"`
	IntermediateSize      int     `koanf:"intermediate_size"`
	VocabSize             int     `koanf:"vocab_size"`
	RopeTheta             float64 `koanf:"rope_theta"`
	RMSNormEps            float64 `koanf:"rms_norm_eps"`
	QKNorm                bool    `koanf:"qk_norm"`
	AttentionBias         bool    `koanf:"attention_bias"`
	TieWordEmbeddings     bool    `koanf:"tie_word_embeddings"`
	MaxPositionEmbeddings int     `koanf:"max_position_embeddings"`
}

// Hardware is the hardware group (hardware=...).
type Hardware struct {
	Name          string  `koanf:"name"`
	Kind          string  `koanf:"kind"`           // cpu | cuda
	Device        string  `koanf:"device"`         // Vidur's compute/<device> directory
	NetworkDevice string  `koanf:"network_device"` // Vidur's network/<network_device> directory
	MemoryGB      float64 `koanf:"memory_gb"`
	FP16TFLOPS    float64 `koanf:"fp16_tflops"`
	NumThreads    int     `koanf:"num_threads"` // 0 = all cores
	// TokenRounding: simulators look batches up at their token count
	// rounded up to this multiple (8 on GPUs as in Vidur, 1 on CPUs).
	TokenRounding int `koanf:"token_rounding"`
}

// EngineBackend is the engine backend that runs on this hardware: cuda for
// the GPU groups, cpu otherwise.
func (h Hardware) EngineBackend() string {
	if h.Kind == "cuda" {
		return "cuda"
	}
	return "cpu"
}

// Backend is the backend group (backend=...) of real-bench.
type Backend struct {
	Name    string `koanf:"name"`
	Kind    string `koanf:"kind"`    // native | openai
	Profile string `koanf:"profile"` // none | sarathi | vllm | generic
}

// Common holds the keys every tool that writes a directory has.
type Common struct {
	OutputRoot string `koanf:"output_root"`
	RunID      string `koanf:"run_id"`
	Overwrite  bool   `koanf:"overwrite"`
}

// HFConfigJSON writes the architecture as a Hugging Face config.json, the
// form the engine reads, so a synthetic-weights run and a checkpoint run
// build their model through the same parser.
func (a Arch) HFConfigJSON() []byte {
	b, err := json.Marshal(map[string]any{
		"model_type": a.ModelType, "num_hidden_layers": a.NumLayers, "hidden_size": a.HiddenSize,
		"num_attention_heads": a.NumQHeads, "num_key_value_heads": a.NumKVHeads, "head_dim": a.HeadDim,
		"intermediate_size": a.IntermediateSize, "vocab_size": a.VocabSize, "rope_theta": a.RopeTheta,
		"rms_norm_eps": a.RMSNormEps, "attention_bias": a.AttentionBias, "tie_word_embeddings": a.TieWordEmbeddings,
		"max_position_embeddings": a.MaxPositionEmbeddings,
	})
	if err != nil {
		panic(err) // a map of numbers, strings and bools always encodes
	}
	return b
}

// SLO is the slo section: service-level objectives in milliseconds (0 =
// not given) and the quantile that capacity definitions test.
type SLO struct {
	TTFTms   float64 `koanf:"ttft_ms"`
	TPOTms   float64 `koanf:"tpot_ms"`
	E2Ems    float64 `koanf:"e2e_ms"`
	TBTms    float64 `koanf:"tbt_ms"`
	Quantile float64 `koanf:"quantile"`
}

// Artifacts is the per-request part, as the serving metrics take it.
func (s SLO) Artifacts() artifacts.SLO {
	return artifacts.SLO{TTFTms: s.TTFTms, TPOTms: s.TPOTms, E2Ems: s.E2Ems}
}

// Validate checks the objectives are non-negative and the quantile is in
// (0, 1].
func (s SLO) Validate() error {
	for _, v := range []struct {
		k string
		v float64
	}{{"slo.ttft_ms", s.TTFTms}, {"slo.tpot_ms", s.TPOTms}, {"slo.e2e_ms", s.E2Ems}, {"slo.tbt_ms", s.TBTms}} {
		if v.v < 0 {
			return fmt.Errorf("%s=%g must not be negative (0 leaves it out)", v.k, v.v)
		}
	}
	if s.Quantile <= 0 || s.Quantile > 1 {
		return fmt.Errorf("slo.quantile=%g must be in (0, 1]", s.Quantile)
	}
	return nil
}

// Scheduler is the shared scheduler section: the settings a real engine
// and a simulation must agree on to be compared. A tool with settings of
// its own under scheduler.* embeds it with `koanf:",squash"`.
type Scheduler struct {
	Kind         string `koanf:"kind"`
	MaxBatchSize int    `koanf:"max_batch_size"`
	ChunkSize    int    `koanf:"chunk_size"`
	// NumKVBlocks is the KV capacity in blocks; 0 derives it from
	// KVCacheGB (see KVBlocks).
	NumKVBlocks             int     `koanf:"num_kv_blocks"`
	KVCacheGB               float64 `koanf:"kv_cache_gb"`
	BlockSize               int     `koanf:"block_size"`
	MaxTokensInBatch        int     `koanf:"max_tokens_in_batch"`
	WatermarkBlocksFraction float64 `koanf:"watermark_blocks_fraction"`
}

// KVBytesPerToken is the KV cache's size per token of this model in the
// engine: keys and values of every layer, stored as fp32.
func (a Arch) KVBytesPerToken() int64 {
	const fp32 = 4
	hd := a.HeadDim
	if hd == 0 && a.NumQHeads > 0 {
		hd = a.HiddenSize / a.NumQHeads
	}
	return int64(a.NumLayers) * 2 * int64(a.NumKVHeads*hd) * fp32
}

// KVBlocks is the KV capacity in blocks: num_kv_blocks when set, else as
// many blocks as kv_cache_gb holds for the model, else 0 (the caller's
// own sizing: the simulator's memory planner).
func (s Scheduler) KVBlocks(a Arch) int {
	if s.NumKVBlocks > 0 {
		return s.NumKVBlocks
	}
	per := a.KVBytesPerToken() * int64(s.BlockSize)
	if s.KVCacheGB <= 0 || per <= 0 {
		return 0
	}
	return int(int64(s.KVCacheGB*1e9) / per)
}

// Validate checks the settings every scheduler needs; which kinds a tool
// runs is the tool's to check.
func (s Scheduler) Validate() error {
	var errs []error
	for _, p := range []struct {
		k string
		v int
	}{{"max_batch_size", s.MaxBatchSize}, {"chunk_size", s.ChunkSize}, {"block_size", s.BlockSize}, {"max_tokens_in_batch", s.MaxTokensInBatch}} {
		if p.v < 1 {
			errs = append(errs, fmt.Errorf("scheduler.%s=%d must be at least 1", p.k, p.v))
		}
	}
	if s.NumKVBlocks < 0 {
		errs = append(errs, fmt.Errorf("scheduler.num_kv_blocks=%d must not be negative (0 sizes the cache from scheduler.kv_cache_gb)", s.NumKVBlocks))
	}
	if s.KVCacheGB < 0 {
		errs = append(errs, fmt.Errorf("scheduler.kv_cache_gb=%g must not be negative", s.KVCacheGB))
	}
	if w := s.WatermarkBlocksFraction; w < 0 || w >= 1 {
		errs = append(errs, fmt.Errorf("scheduler.watermark_blocks_fraction=%g must be in [0, 1)", w))
	}
	return errors.Join(errs...)
}

// Meta is the settings as run_meta.json's scheduler object records them
// (artifacts.SchedulerKeys), with the capacity actually allocated.
func (s Scheduler) Meta(numKVBlocks int) map[string]any {
	return map[string]any{"kind": s.Kind, "max_batch_size": s.MaxBatchSize, "chunk_size": s.ChunkSize,
		"num_kv_blocks": numKVBlocks, "block_size": s.BlockSize, "max_tokens_in_batch": s.MaxTokensInBatch,
		"watermark_blocks_fraction": s.WatermarkBlocksFraction}
}
