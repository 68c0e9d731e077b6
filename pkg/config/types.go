package config

import "encoding/json"

// Model is the model group (model=...): which model, where its reference
// files live, and its architecture.
type Model struct {
	Name         string `koanf:"name"`
	HFName       string `koanf:"hf_name"`
	VidurModelID string `koanf:"vidur_model_id"`
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
