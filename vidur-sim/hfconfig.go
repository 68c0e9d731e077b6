package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/simcheck/simcheck/pkg/config"
)

// hfConfig is the part of a Hugging Face config.json the simulator needs.
type hfConfig struct {
	ModelType         string `json:"model_type"`
	NumHiddenLayers   int    `json:"num_hidden_layers"`
	HiddenSize        int    `json:"hidden_size"`
	NumAttentionHeads int    `json:"num_attention_heads"`
	NumKeyValueHeads  int    `json:"num_key_value_heads"`
	HeadDim           int    `json:"head_dim"`
	IntermediateSize  int    `json:"intermediate_size"`
	VocabSize         int    `json:"vocab_size"`
}

// readHFConfig replaces arch with a config.json's architecture.
func readHFConfig(path string, arch *config.Arch) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("sim.hf_config: %w", err)
	}
	var h hfConfig
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("sim.hf_config %s: %w", path, err)
	}
	if h.NumHiddenLayers <= 0 || h.HiddenSize <= 0 || h.NumAttentionHeads <= 0 || h.IntermediateSize <= 0 {
		return fmt.Errorf("sim.hf_config %s: num_hidden_layers, hidden_size, num_attention_heads and intermediate_size must be positive", path)
	}
	if h.NumKeyValueHeads < 0 || h.HeadDim < 0 || h.VocabSize < 0 {
		return fmt.Errorf("sim.hf_config %s: num_key_value_heads, head_dim and vocab_size must not be negative", path)
	}
	if h.NumKeyValueHeads == 0 {
		h.NumKeyValueHeads = h.NumAttentionHeads
	}
	*arch = config.Arch{ModelType: h.ModelType, NumLayers: h.NumHiddenLayers, HiddenSize: h.HiddenSize,
		NumQHeads: h.NumAttentionHeads, NumKVHeads: h.NumKeyValueHeads, HeadDim: h.HeadDim,
		IntermediateSize: h.IntermediateSize, VocabSize: h.VocabSize}
	return nil
}
