package main

import (
	"fmt"

	"github.com/simcheck/simcheck/pkg/config"
	"github.com/simcheck/simcheck/pkg/engine/arch"
)

// readHFConfig replaces a with the architecture of a Hugging Face
// config.json. The file is parsed and validated by the engine's parser,
// the one reader of config.json in the project, so the simulator accepts
// exactly the shapes real-bench and vidur-profile run.
func readHFConfig(path string, a *config.Arch) error {
	h, err := arch.Load(path)
	if err != nil {
		return fmt.Errorf("sim.hf_config: %w", err)
	}
	*a = config.Arch{ModelType: h.ModelType, NumLayers: h.NumHiddenLayers, HiddenSize: h.HiddenSize,
		NumQHeads: h.NumAttentionHeads, NumKVHeads: h.NumKeyValueHeads, HeadDim: h.HeadDim,
		IntermediateSize: h.IntermediateSize, VocabSize: h.VocabSize, RopeTheta: h.RopeTheta, RMSNormEps: h.RMSNormEps,
		QKNorm: h.QKNorm, AttentionBias: h.AttentionBias, TieWordEmbeddings: h.TieWordEmbeddings,
		MaxPositionEmbeddings: h.MaxPositionEmbeddings}
	return nil
}
