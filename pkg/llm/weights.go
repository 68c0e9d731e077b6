package llm

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/x448/float16"
)

// Layer holds one decoder layer's weights, fp32, matrices [out][in].
type Layer struct {
	InNorm, PostNorm []float32 // [hidden]
	QKV              []float32 // [(q+2kv)·head_dim][hidden]: q rows, then k, then v
	QKVBias          []float32 // nil unless Arch.QKVBias
	QNorm, KNorm     []float32 // [head_dim], nil unless Arch.QKNorm
	O                []float32 // [hidden][q·head_dim]
	GateUp           []float32 // [2·intermediate][hidden]: gate rows, then up rows
	Down             []float32 // [hidden][intermediate]
}

// Weights are a model's parameters.
type Weights struct {
	Embed  []float32 // [vocab][hidden]
	Layers []Layer
	Norm   []float32 // [hidden]
	LMHead []float32 // [vocab][hidden]; nil when tied to Embed
}

// SyntheticWeights draws deterministic weights from a seed: matrices
// (and biases) N(0, 0.02²) (Qwen's initializer_range), norm weights 1. Timing does not depend on the values; this is what a
// timing study without a checkpoint runs. Generation is parallel, each
// tensor chunk from its own seeded stream, so the result does not depend
// on the thread count.
func SyntheticWeights(a Arch, seed uint64) *Weights {
	q, kv, h, in := a.QHeads*a.HeadDim, a.KVHeads*a.HeadDim, a.Hidden, a.Intermediate
	w := &Weights{Norm: ones(h)}
	var jobs []*[]float32
	mat := func(n int) []float32 { s := make([]float32, n); return s }
	w.Embed = mat(a.Vocab * h)
	jobs = append(jobs, &w.Embed)
	if !a.TiedEmbeddings {
		w.LMHead = mat(a.Vocab * h)
		jobs = append(jobs, &w.LMHead)
	}
	w.Layers = make([]Layer, a.NumLayers)
	for i := range w.Layers {
		l := &w.Layers[i]
		l.InNorm, l.PostNorm = ones(h), ones(h)
		l.QKV, l.O, l.GateUp, l.Down = mat((q+2*kv)*h), mat(h*q), mat(2*in*h), mat(h*in)
		jobs = append(jobs, &l.QKV, &l.O, &l.GateUp, &l.Down)
		if a.QKVBias {
			l.QKVBias = mat(q + 2*kv)
			jobs = append(jobs, &l.QKVBias)
		}
		if a.QKNorm {
			l.QNorm, l.KNorm = ones(a.HeadDim), ones(a.HeadDim)
		}
	}
	const chunk = 1 << 16
	type task struct {
		s    []float32
		t, c int
	}
	tasks := make(chan task, 64)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tk := range tasks {
				fillNormal(tk.s, seed, uint64(tk.t)<<32|uint64(tk.c))
			}
		}()
	}
	for t, p := range jobs {
		s := *p
		for c := 0; c*chunk < len(s); c++ {
			tasks <- task{s[c*chunk : min((c+1)*chunk, len(s))], t, c}
		}
	}
	close(tasks)
	wg.Wait()
	return w
}

// fillNormal fills s with N(0, 0.02²) draws (Qwen's initializer_range)
// from a PCG stream keyed by (seed, stream): each chunk has its own
// stream so parallel generation is deterministic. math/rand/v2's PCG and
// ziggurat NormFloat64 are cheap (~2 s for Qwen3-0.6B on 2 cores).
func fillNormal(s []float32, seed, stream uint64) {
	r := rand.New(rand.NewPCG(seed, stream))
	for i := range s {
		s[i] = float32(0.02 * r.NormFloat64())
	}
}

func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// tensor is one entry of a safetensors header.
type tensor struct {
	DType   string  `json:"dtype"`
	Shape   []int64 `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
	data    []byte
	file    string
}

// parseSafetensors splits a safetensors file into its tensors. It checks
// every size and offset, so a corrupt file is an error, never a panic.
func parseSafetensors(path string, b []byte) (map[string]tensor, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%s: too short for a safetensors header", path)
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n > uint64(len(b)-8) || n > 100<<20 {
		return nil, fmt.Errorf("%s: header length %d exceeds the file", path, n)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	data := b[8+n:]
	out := map[string]tensor{}
	for name, r := range raw {
		if name == "__metadata__" {
			continue
		}
		var t tensor
		if err := json.Unmarshal(r, &t); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: %w", path, name, err)
		}
		size, ok := dtypeSize[t.DType]
		if !ok {
			return nil, fmt.Errorf("%s: tensor %q: dtype %q is not supported (F32, F16, BF16)", path, name, t.DType)
		}
		if len(t.Offsets) != 2 || t.Offsets[0] < 0 || t.Offsets[1] < t.Offsets[0] || t.Offsets[1] > int64(len(data)) {
			return nil, fmt.Errorf("%s: tensor %q: data_offsets %v outside the %d data bytes", path, name, t.Offsets, len(data))
		}
		elems := int64(1)
		for _, d := range t.Shape {
			if d < 0 || (d > 0 && elems > math.MaxInt64/d) {
				return nil, fmt.Errorf("%s: tensor %q: bad shape %v", path, name, t.Shape)
			}
			elems *= d
		}
		// Compare by division first: elems·size can overflow int64.
		if n := t.Offsets[1] - t.Offsets[0]; n%size != 0 || elems != n/size {
			return nil, fmt.Errorf("%s: tensor %q: shape %v has %d elements of %s, data_offsets give %d bytes", path, name, t.Shape, elems, t.DType, t.Offsets[1]-t.Offsets[0])
		}
		t.data, t.file = data[t.Offsets[0]:t.Offsets[1]], path
		out[name] = t
	}
	return out, nil
}

var dtypeSize = map[string]int64{"F32": 4, "F16": 2, "BF16": 2}

// float32s converts a tensor's bytes to fp32.
func (t tensor) float32s() []float32 {
	n := len(t.data) / int(dtypeSize[t.DType])
	out := make([]float32, n)
	switch t.DType {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.data[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = float16.Frombits(binary.LittleEndian.Uint16(t.data[2*i:])).Float32()
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.data[2*i:])) << 16)
		}
	}
	return out
}

// LoadSafetensors loads a Hugging Face checkpoint directory:
// model.safetensors, or the shards named by model.safetensors.index.json.
func LoadSafetensors(dir string, a Arch) (*Weights, error) {
	files := []string{filepath.Join(dir, "model.safetensors")}
	if idx, err := os.ReadFile(filepath.Join(dir, "model.safetensors.index.json")); err == nil {
		var ix struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(idx, &ix); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "model.safetensors.index.json"), err)
		}
		set := map[string]bool{}
		for _, f := range ix.WeightMap {
			set[f] = true
		}
		files = files[:0]
		for f := range set {
			files = append(files, filepath.Join(dir, f))
		}
		sort.Strings(files)
	}
	all := map[string]tensor{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w (expected model.safetensors or model.safetensors.index.json)", dir, err)
		}
		ts, err := parseSafetensors(f, b)
		if err != nil {
			return nil, err
		}
		for k, v := range ts {
			all[k] = v
		}
	}
	w, err := bindWeights(all, a)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return w, nil
}

// bindWeights maps Hugging Face tensor names onto the model, in one
// place, checking every shape.
func bindWeights(ts map[string]tensor, a Arch) (*Weights, error) {
	var errs []error
	get := func(name string, shape ...int64) []float32 {
		t, ok := ts[name]
		if !ok {
			errs = append(errs, fmt.Errorf("tensor %q is missing", name))
			return nil
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(shape) {
			errs = append(errs, fmt.Errorf("%s: tensor %q has shape %v, the architecture needs %v", t.file, name, t.Shape, shape))
			return nil
		}
		return t.float32s()
	}
	q, kv, h, in, d := int64(a.QHeads*a.HeadDim), int64(a.KVHeads*a.HeadDim), int64(a.Hidden), int64(a.Intermediate), int64(a.HeadDim)
	w := &Weights{Embed: get("model.embed_tokens.weight", int64(a.Vocab), h), Norm: get("model.norm.weight", h)}
	if !a.TiedEmbeddings {
		w.LMHead = get("lm_head.weight", int64(a.Vocab), h)
	}
	w.Layers = make([]Layer, a.NumLayers)
	for i := range w.Layers {
		p := fmt.Sprintf("model.layers.%d.", i)
		l := &w.Layers[i]
		l.InNorm = get(p+"input_layernorm.weight", h)
		l.PostNorm = get(p+"post_attention_layernorm.weight", h)
		l.QKV = concat(get(p+"self_attn.q_proj.weight", q, h), get(p+"self_attn.k_proj.weight", kv, h), get(p+"self_attn.v_proj.weight", kv, h))
		if a.QKVBias {
			l.QKVBias = concat(get(p+"self_attn.q_proj.bias", q), get(p+"self_attn.k_proj.bias", kv), get(p+"self_attn.v_proj.bias", kv))
		}
		if a.QKNorm {
			l.QNorm, l.KNorm = get(p+"self_attn.q_norm.weight", d), get(p+"self_attn.k_norm.weight", d)
		}
		l.O = get(p+"self_attn.o_proj.weight", h, q)
		l.GateUp = concat(get(p+"mlp.gate_proj.weight", in, h), get(p+"mlp.up_proj.weight", in, h))
		l.Down = get(p+"mlp.down_proj.weight", h, in)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return w, nil
}

func concat(parts ...[]float32) []float32 {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]float32, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
