package arch

import (
	"errors"
	"fmt"
)

// Family selects the small per-architecture differences; everything else is
// shared by Qwen3, Qwen2 and Llama-style decoders.
type Family string

const (
	Qwen3 Family = "qwen3" // per-head RMSNorm on q and k, no biases
	Qwen2 Family = "qwen2" // q/k/v biases, no q/k norm
	Llama Family = "llama" // no biases, no q/k norm, usually an untied head
)

// Arch is a model's shape. JSON names follow Hugging Face config.json so a
// checkpoint's file can be read as is.
type Arch struct {
	ModelType             string  `json:"model_type"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	HiddenSize            int     `json:"hidden_size"`
	NumAttentionHeads     int     `json:"num_attention_heads"`
	NumKeyValueHeads      int     `json:"num_key_value_heads"`
	HeadDim               int     `json:"head_dim"`
	IntermediateSize      int     `json:"intermediate_size"`
	VocabSize             int     `json:"vocab_size"`
	RopeTheta             float64 `json:"rope_theta"`
	RMSNormEps            float64 `json:"rms_norm_eps"`
	TieWordEmbeddings     bool    `json:"tie_word_embeddings"`
	AttentionBias         bool    `json:"attention_bias"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	// InitializerRange is the std of synthetic weights (HF's init scale).
	InitializerRange float64 `json:"initializer_range"`
	// EOSTokenID is informational; benchmarks usually ignore EOS.
	EOSTokenID int `json:"-"`

	// QKNorm and QKVBias are derived from ModelType (and attention_bias) by
	// Validate; they are the flags the model code branches on.
	QKNorm  bool `json:"-"`
	QKVBias bool `json:"-"`
}

// Family reports the architecture family from model_type.
func (a Arch) Family() Family {
	switch a.ModelType {
	case "qwen3", "qwen3_moe":
		return Qwen3
	case "qwen2":
		return Qwen2
	default:
		return Llama
	}
}

// Validate fills defaults (head_dim, eps, theta, init range), derives the
// family flags and rejects shapes the engine cannot run. It is the only
// place the fields are checked.
func (a *Arch) Validate() error {
	if a.HeadDim == 0 && a.NumAttentionHeads > 0 {
		a.HeadDim = a.HiddenSize / a.NumAttentionHeads
	}
	if a.NumKeyValueHeads == 0 {
		a.NumKeyValueHeads = a.NumAttentionHeads // HF's default: plain MHA
	}
	if a.RMSNormEps == 0 {
		a.RMSNormEps = 1e-6
	}
	if a.RopeTheta == 0 {
		a.RopeTheta = 10000 // HF's LlamaConfig default
	}
	if a.InitializerRange == 0 {
		a.InitializerRange = 0.02 // HF's PretrainedConfig default
	}
	var errs []error
	pos := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be > 0, got %d", name, v))
		}
	}
	pos("num_hidden_layers", a.NumHiddenLayers)
	pos("hidden_size", a.HiddenSize)
	pos("num_attention_heads", a.NumAttentionHeads)
	pos("num_key_value_heads", a.NumKeyValueHeads)
	pos("head_dim", a.HeadDim)
	pos("intermediate_size", a.IntermediateSize)
	pos("vocab_size", a.VocabSize)
	if a.NumKeyValueHeads > 0 && a.NumAttentionHeads%a.NumKeyValueHeads != 0 {
		errs = append(errs, fmt.Errorf("num_attention_heads (%d) must be a multiple of num_key_value_heads (%d)", a.NumAttentionHeads, a.NumKeyValueHeads))
	}
	if a.HeadDim%2 != 0 {
		errs = append(errs, fmt.Errorf("head_dim must be even for rotary embeddings, got %d", a.HeadDim))
	}
	if a.RopeTheta < 0 || a.RMSNormEps < 0 || a.InitializerRange < 0 {
		errs = append(errs, fmt.Errorf("rope_theta, rms_norm_eps and initializer_range must be >= 0"))
	}
	if a.MaxPositionEmbeddings < 0 {
		errs = append(errs, fmt.Errorf("max_position_embeddings must be >= 0, got %d", a.MaxPositionEmbeddings))
	}
	switch a.Family() {
	case Qwen3:
		a.QKNorm, a.QKVBias = true, a.AttentionBias
	case Qwen2:
		a.QKNorm, a.QKVBias = false, true // Qwen2 always has q/k/v biases
	default:
		a.QKNorm, a.QKVBias = false, a.AttentionBias
	}
	return errors.Join(errs...)
}

// QDim, KVDim and QKVDim are the widths of the fused projection's parts.
func (a Arch) QDim() int   { return a.NumAttentionHeads * a.HeadDim }
func (a Arch) KVDim() int  { return a.NumKeyValueHeads * a.HeadDim }
func (a Arch) QKVDim() int { return a.QDim() + 2*a.KVDim() }

// LayerParams counts one decoder layer's parameters.
func (a Arch) LayerParams() int64 {
	h, i := int64(a.HiddenSize), int64(a.IntermediateSize)
	n := h*int64(a.QKVDim()) + int64(a.QDim())*h // q,k,v,o
	n += 3 * h * i                               // gate, up, down
	n += 2 * h                                   // two RMSNorms
	if a.QKNorm {
		n += 2 * int64(a.HeadDim)
	}
	if a.QKVBias {
		n += int64(a.QKVDim())
	}
	return n
}

// Params counts all parameters, the tied embedding once.
func (a Arch) Params() int64 {
	emb := int64(a.VocabSize) * int64(a.HiddenSize)
	n := emb + int64(a.NumHiddenLayers)*a.LayerParams() + int64(a.HiddenSize)
	if !a.TieWordEmbeddings {
		n += emb
	}
	return n
}

// WeightBytes is the weights' size in a dtype ("F32", "F16", "BF16").
func (a Arch) WeightBytes(dtype string) (int64, error) {
	switch dtype {
	case "F32":
		return 4 * a.Params(), nil
	case "F16", "BF16":
		return 2 * a.Params(), nil
	}
	return 0, fmt.Errorf("unknown dtype %q (want F32, F16 or BF16)", dtype)
}

// KVBytesPerToken is the KV cache's size per token in fp32 over all layers.
func (a Arch) KVBytesPerToken() int64 {
	return int64(a.NumHiddenLayers) * 2 * int64(a.KVDim()) * 4
}

// Qwen3_0_6B is Qwen/Qwen3-0.6B's config.json, for benchmarks and tests that
// need the real shape without the checkpoint.
func Qwen3_0_6B() Arch {
	a := Arch{ModelType: "qwen3", NumHiddenLayers: 28, HiddenSize: 1024,
		NumAttentionHeads: 16, NumKeyValueHeads: 8, HeadDim: 128,
		IntermediateSize: 3072, VocabSize: 151936, RopeTheta: 1e6,
		RMSNormEps: 1e-6, TieWordEmbeddings: true, MaxPositionEmbeddings: 40960,
		InitializerRange: 0.02, EOSTokenID: 151645}
	if err := a.Validate(); err != nil {
		panic(err) // a constant shape; cannot fail
	}
	return a
}
