package model

import (
	"fmt"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/kvcache"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

type layer struct {
	qkv, qkvBias, qNorm, kNorm backend.Tensor
	o, gateUp, down            backend.Tensor
	inNorm, postNorm           backend.Tensor
}

// Model is a decoder bound to a backend and a paged KV cache.
type Model struct {
	Arch  arch.Arch
	B     backend.Backend
	Cache *kvcache.Cache  // block bookkeeping
	KV    backend.KVStore // the K/V data
	Timer OpTimer         // optional

	layers              []layer
	embed, lmHead, norm backend.Tensor
	qkvL                backend.QKV
	ws                  workspace
}

// New uploads bound weights to a backend and allocates a KV cache of
// kvBlocks blocks of blockSize tokens. q/k/v and gate/up are concatenated
// into one weight each so a projection is one backend call.
func New(a arch.Arch, w *weights.Model, b backend.Backend, kvBlocks, blockSize int) (*Model, error) {
	m := &Model{Arch: a, B: b, qkvL: backend.QKV{NumHeads: a.NumAttentionHeads, NumKVHeads: a.NumKeyValueHeads, HeadDim: a.HeadDim}}
	var err error
	up := func(h backend.HostTensor) backend.Tensor {
		if err != nil || (h.F32 == nil && h.BF16 == nil) {
			return nil
		}
		var t backend.Tensor
		t, err = b.Upload(h)
		return t
	}
	m.embed, m.norm = up(w.Embed), up(w.Norm)
	m.lmHead = m.embed
	if !sameData(w.LMHead, w.Embed) {
		m.lmHead = up(w.LMHead)
	}
	for _, L := range w.Layers {
		ly := layer{
			qkv:      up(concatRows("qkv", L.Q, L.K, L.V)),
			o:        up(L.O),
			gateUp:   up(concatRows("gate_up", L.Gate, L.Up)),
			down:     up(L.Down),
			inNorm:   up(L.InputNorm),
			postNorm: up(L.PostNorm),
			qNorm:    up(L.QNorm),
			kNorm:    up(L.KNorm),
		}
		if a.QKVBias {
			bias := concatRows("qkv_bias", flat(L.QBias), flat(L.KBias), flat(L.VBias))
			bias.Rows, bias.Cols = 1, bias.Rows // a vector again: uploaded as fp32
			ly.qkvBias = up(bias)
		}
		m.layers = append(m.layers, ly)
	}
	if err != nil {
		return nil, fmt.Errorf("model: upload: %w", err)
	}
	if m.Cache, err = kvcache.New(kvBlocks, blockSize); err != nil {
		return nil, err
	}
	if m.KV, err = b.NewKVStore(a.NumHiddenLayers, kvBlocks, blockSize, m.qkvL); err != nil {
		return nil, err
	}
	return m, nil
}

func sameData(a, b backend.HostTensor) bool {
	switch {
	case len(a.F32) > 0 && len(b.F32) > 0:
		return &a.F32[0] == &b.F32[0]
	case len(a.BF16) > 0 && len(b.BF16) > 0:
		return &a.BF16[0] == &b.BF16[0]
	}
	return false
}

// flat turns a bias vector [1][n] into n rows of 1 so concatRows stacks it.
func flat(h backend.HostTensor) backend.HostTensor {
	h.Rows, h.Cols = h.Cols, 1
	return h
}

// concatRows stacks weights with equal column counts. Same-dtype inputs stay
// in their dtype; mixed ones become fp32.
func concatRows(name string, ts ...backend.HostTensor) backend.HostTensor {
	out := backend.HostTensor{Name: name, Cols: ts[0].Cols, Owned: true}
	allBF := true
	for _, t := range ts {
		out.Rows += t.Rows
		allBF = allBF && t.BF16 != nil
	}
	if allBF {
		for _, t := range ts {
			out.BF16 = append(out.BF16, t.BF16...)
		}
		return out
	}
	out.F32 = make([]float32, 0, out.Rows*out.Cols)
	for _, t := range ts {
		if t.F32 != nil {
			out.F32 = append(out.F32, t.F32...)
			continue
		}
		for _, h := range t.BF16 {
			out.F32 = append(out.F32, bf16(h))
		}
	}
	return out
}
