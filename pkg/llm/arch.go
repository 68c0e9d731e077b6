package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Arch is the decoder shape. Qwen3 has QKNorm; Qwen2 has QKVBias and no
// QKNorm; Llama-style models have neither and an untied LM head.
type Arch struct {
	NumLayers, Hidden, QHeads, KVHeads, HeadDim, Intermediate, Vocab int
	RopeTheta, Eps                                                   float64
	QKNorm, QKVBias, TiedEmbeddings                                  bool
}

// Validate checks the shape once, so kernels can trust it.
func (a Arch) Validate() error {
	var errs []error
	for name, v := range map[string]int{"num_layers": a.NumLayers, "hidden_size": a.Hidden, "num_q_heads": a.QHeads,
		"num_kv_heads": a.KVHeads, "head_dim": a.HeadDim, "intermediate_size": a.Intermediate, "vocab_size": a.Vocab} {
		if v < 1 {
			errs = append(errs, fmt.Errorf("%s: %d must be at least 1", name, v))
		}
	}
	if a.KVHeads > 0 && a.QHeads%a.KVHeads != 0 {
		errs = append(errs, fmt.Errorf("num_q_heads %d is not a multiple of num_kv_heads %d", a.QHeads, a.KVHeads))
	}
	if a.HeadDim%2 != 0 {
		errs = append(errs, fmt.Errorf("head_dim %d must be even (rotary embedding)", a.HeadDim))
	}
	if a.RopeTheta <= 0 || a.Eps <= 0 {
		errs = append(errs, fmt.Errorf("rope_theta %g and rms_norm_eps %g must be > 0", a.RopeTheta, a.Eps))
	}
	return errors.Join(errs...)
}

// Params counts the parameters, the tied embedding once.
func (a Arch) Params() int64 {
	q, kv := int64(a.QHeads*a.HeadDim), int64(a.KVHeads*a.HeadDim)
	h, i := int64(a.Hidden), int64(a.Intermediate)
	layer := h*(q+2*kv) + q*h + 3*h*i + 2*h
	if a.QKNorm {
		layer += 2 * int64(a.HeadDim)
	}
	if a.QKVBias {
		layer += q + 2*kv
	}
	n := int64(a.NumLayers)*layer + int64(a.Vocab)*h + h
	if !a.TiedEmbeddings {
		n += int64(a.Vocab) * h
	}
	return n
}

type hfConfig struct {
	ModelType         string   `json:"model_type"`
	NumHiddenLayers   *int     `json:"num_hidden_layers"`
	HiddenSize        *int     `json:"hidden_size"`
	NumAttentionHeads *int     `json:"num_attention_heads"`
	NumKeyValueHeads  *int     `json:"num_key_value_heads"`
	HeadDim           *int     `json:"head_dim"`
	IntermediateSize  *int     `json:"intermediate_size"`
	VocabSize         *int     `json:"vocab_size"`
	RopeTheta         *float64 `json:"rope_theta"`
	RMSNormEps        *float64 `json:"rms_norm_eps"`
	TieWordEmbeddings *bool    `json:"tie_word_embeddings"`
	AttentionBias     *bool    `json:"attention_bias"`
}

// LoadArch reads a Hugging Face config.json.
func LoadArch(path string) (Arch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Arch{}, err
	}
	var c hfConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return Arch{}, fmt.Errorf("%s: %w", path, err)
	}
	need := func(name string, p *int) int {
		if p == nil {
			err = errors.Join(err, fmt.Errorf("%s: field %q is missing", path, name))
			return 0
		}
		return *p
	}
	a := Arch{
		NumLayers: need("num_hidden_layers", c.NumHiddenLayers), Hidden: need("hidden_size", c.HiddenSize),
		QHeads: need("num_attention_heads", c.NumAttentionHeads), Intermediate: need("intermediate_size", c.IntermediateSize),
		Vocab: need("vocab_size", c.VocabSize), RopeTheta: 10000, Eps: 1e-6,
	}
	if err != nil {
		return Arch{}, err
	}
	a.KVHeads = a.QHeads
	if c.NumKeyValueHeads != nil {
		a.KVHeads = *c.NumKeyValueHeads
	}
	if a.QHeads > 0 {
		a.HeadDim = a.Hidden / a.QHeads
	}
	if c.HeadDim != nil {
		a.HeadDim = *c.HeadDim
	}
	if c.RopeTheta != nil {
		a.RopeTheta = *c.RopeTheta
	}
	if c.RMSNormEps != nil {
		a.Eps = *c.RMSNormEps
	}
	switch c.ModelType {
	case "qwen3":
		a.QKNorm = true
	case "qwen2":
		a.QKVBias = true
	}
	if c.AttentionBias != nil {
		a.QKVBias = *c.AttentionBias
	}
	a.TiedEmbeddings = c.TieWordEmbeddings != nil && *c.TieWordEmbeddings
	if err := a.Validate(); err != nil {
		return Arch{}, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}
