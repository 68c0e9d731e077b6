package weights

import (
	"errors"
	"fmt"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
)

// Layer is one decoder layer's weights. Biases and q/k norms are set only
// when the architecture has them.
type Layer struct {
	Q, K, V, O          backend.HostTensor
	QBias, KBias, VBias backend.HostTensor
	QNorm, KNorm        backend.HostTensor
	Gate, Up, Down      backend.HostTensor
	InputNorm, PostNorm backend.HostTensor
}

// Model is a whole decoder's weights, bound and shape-checked.
type Model struct {
	Embed  backend.HostTensor // [vocab][hidden]
	LMHead backend.HostTensor // the embedding itself when tied
	Norm   backend.HostTensor
	Layers []Layer
}

// Bind picks the Hugging Face names the architecture needs out of src and
// checks each shape. All problems are reported together, naming each
// tensor. This is the only place that knows the checkpoint's names.
func Bind(src Source, a arch.Arch) (*Model, error) {
	var errs []error
	get := func(name string, rows, cols int) backend.HostTensor {
		t, ok := src[name]
		if !ok {
			errs = append(errs, fmt.Errorf("missing tensor %s", name))
			return t
		}
		if t.Rows != rows || t.Cols != cols {
			want := fmt.Sprintf("[%d %d]", rows, cols)
			if rows == 1 {
				want = fmt.Sprintf("[%d]", cols)
			}
			errs = append(errs, fmt.Errorf("tensor %s has shape [%d %d], want %s", name, t.Rows, t.Cols, want))
		}
		return t
	}
	h, d, i := a.HiddenSize, a.HeadDim, a.IntermediateSize
	m := &Model{
		Embed: get("model.embed_tokens.weight", a.VocabSize, h),
		Norm:  get("model.norm.weight", 1, h),
	}
	if a.TieWordEmbeddings {
		m.LMHead = m.Embed
		if t, ok := src["lm_head.weight"]; ok { // some tied checkpoints still ship it
			m.LMHead = t
			get("lm_head.weight", a.VocabSize, h)
		}
	} else {
		m.LMHead = get("lm_head.weight", a.VocabSize, h)
	}
	for l := range a.NumHiddenLayers {
		p := fmt.Sprintf("model.layers.%d.", l)
		L := Layer{
			Q:         get(p+"self_attn.q_proj.weight", a.QDim(), h),
			K:         get(p+"self_attn.k_proj.weight", a.KVDim(), h),
			V:         get(p+"self_attn.v_proj.weight", a.KVDim(), h),
			O:         get(p+"self_attn.o_proj.weight", h, a.QDim()),
			Gate:      get(p+"mlp.gate_proj.weight", i, h),
			Up:        get(p+"mlp.up_proj.weight", i, h),
			Down:      get(p+"mlp.down_proj.weight", h, i),
			InputNorm: get(p+"input_layernorm.weight", 1, h),
			PostNorm:  get(p+"post_attention_layernorm.weight", 1, h),
		}
		if a.QKVBias {
			L.QBias = get(p+"self_attn.q_proj.bias", 1, a.QDim())
			L.KBias = get(p+"self_attn.k_proj.bias", 1, a.KVDim())
			L.VBias = get(p+"self_attn.v_proj.bias", 1, a.KVDim())
		}
		if a.QKNorm {
			L.QNorm = get(p+"self_attn.q_norm.weight", 1, d)
			L.KNorm = get(p+"self_attn.k_norm.weight", 1, d)
		}
		m.Layers = append(m.Layers, L)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("checkpoint does not match %s config: %w", a.ModelType, errors.Join(errs...))
	}
	return m, nil
}

// Names lists every tensor name Bind reads for an architecture, in order
// (for writers of test checkpoints and for error hints).
func Names(a arch.Arch) []string {
	n := []string{"model.embed_tokens.weight"}
	for l := range a.NumHiddenLayers {
		p := fmt.Sprintf("model.layers.%d.", l)
		n = append(n, p+"input_layernorm.weight", p+"self_attn.q_proj.weight", p+"self_attn.k_proj.weight", p+"self_attn.v_proj.weight")
		if a.QKVBias {
			n = append(n, p+"self_attn.q_proj.bias", p+"self_attn.k_proj.bias", p+"self_attn.v_proj.bias")
		}
		if a.QKNorm {
			n = append(n, p+"self_attn.q_norm.weight", p+"self_attn.k_norm.weight")
		}
		n = append(n, p+"self_attn.o_proj.weight", p+"post_attention_layernorm.weight",
			p+"mlp.gate_proj.weight", p+"mlp.up_proj.weight", p+"mlp.down_proj.weight")
	}
	n = append(n, "model.norm.weight")
	if !a.TieWordEmbeddings {
		n = append(n, "lm_head.weight")
	}
	return n
}
