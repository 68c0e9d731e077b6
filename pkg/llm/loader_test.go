package llm

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// hfTensor is one tensor in Hugging Face naming, fp32 values.
type hfTensor struct {
	shape []int64
	data  []float32
}

// hfTensors splits Weights back into Hugging Face tensors, the inverse of
// bindWeights, so a test can write a checkpoint from SyntheticWeights.
func hfTensors(a Arch, w *Weights) map[string]hfTensor {
	q, kv, h, in, d := a.QHeads*a.HeadDim, a.KVHeads*a.HeadDim, a.Hidden, a.Intermediate, a.HeadDim
	out := map[string]hfTensor{
		"model.embed_tokens.weight": {[]int64{int64(a.Vocab), int64(h)}, w.Embed},
		"model.norm.weight":         {[]int64{int64(h)}, w.Norm},
	}
	if !a.TiedEmbeddings {
		out["lm_head.weight"] = hfTensor{[]int64{int64(a.Vocab), int64(h)}, w.LMHead}
	}
	for i, l := range w.Layers {
		p := fmt.Sprintf("model.layers.%d.", i)
		out[p+"input_layernorm.weight"] = hfTensor{[]int64{int64(h)}, l.InNorm}
		out[p+"post_attention_layernorm.weight"] = hfTensor{[]int64{int64(h)}, l.PostNorm}
		out[p+"self_attn.q_proj.weight"] = hfTensor{[]int64{int64(q), int64(h)}, l.QKV[:q*h]}
		out[p+"self_attn.k_proj.weight"] = hfTensor{[]int64{int64(kv), int64(h)}, l.QKV[q*h : (q+kv)*h]}
		out[p+"self_attn.v_proj.weight"] = hfTensor{[]int64{int64(kv), int64(h)}, l.QKV[(q+kv)*h:]}
		if a.QKVBias {
			out[p+"self_attn.q_proj.bias"] = hfTensor{[]int64{int64(q)}, l.QKVBias[:q]}
			out[p+"self_attn.k_proj.bias"] = hfTensor{[]int64{int64(kv)}, l.QKVBias[q : q+kv]}
			out[p+"self_attn.v_proj.bias"] = hfTensor{[]int64{int64(kv)}, l.QKVBias[q+kv:]}
		}
		if a.QKNorm {
			out[p+"self_attn.q_norm.weight"] = hfTensor{[]int64{int64(d)}, l.QNorm}
			out[p+"self_attn.k_norm.weight"] = hfTensor{[]int64{int64(d)}, l.KNorm}
		}
		out[p+"self_attn.o_proj.weight"] = hfTensor{[]int64{int64(h), int64(q)}, l.O}
		out[p+"mlp.gate_proj.weight"] = hfTensor{[]int64{int64(in), int64(h)}, l.GateUp[:in*h]}
		out[p+"mlp.up_proj.weight"] = hfTensor{[]int64{int64(in), int64(h)}, l.GateUp[in*h:]}
		out[p+"mlp.down_proj.weight"] = hfTensor{[]int64{int64(h), int64(in)}, l.Down}
	}
	return out
}

// bf16 rounds to bfloat16 (nearest, ties to even) as PyTorch does.
func bf16(v float32) uint16 {
	b := math.Float32bits(v)
	return uint16((b + 0x7FFF + (b>>16)&1) >> 16)
}

// encodeSafetensors writes tensors in the safetensors layout: 8-byte LE
// header length, JSON header, data. Names are sorted so files are stable.
func encodeSafetensors(ts map[string]hfTensor, dtype string) []byte {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data bytes.Buffer
	for _, n := range names {
		t := ts[n]
		start := data.Len()
		for _, v := range t.data {
			switch dtype {
			case "F32":
				binary.Write(&data, binary.LittleEndian, v)
			case "BF16":
				binary.Write(&data, binary.LittleEndian, bf16(v))
			}
		}
		header[n] = map[string]any{"dtype": dtype, "shape": t.shape, "data_offsets": []int{start, data.Len()}}
	}
	h, _ := json.Marshal(header)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), data.Bytes()...)
}

func weightsEqual(t *testing.T, got, want *Weights, conv func(float32) float32) {
	t.Helper()
	cmp := func(name string, g, w []float32) {
		if len(g) != len(w) {
			t.Fatalf("%s: %d values, want %d", name, len(g), len(w))
		}
		for i := range w {
			if g[i] != conv(w[i]) {
				t.Fatalf("%s[%d] = %g, want %g", name, i, g[i], conv(w[i]))
			}
		}
	}
	cmp("embed", got.Embed, want.Embed)
	cmp("norm", got.Norm, want.Norm)
	cmp("lm_head", got.LMHead, want.LMHead)
	for i := range want.Layers {
		g, w := got.Layers[i], want.Layers[i]
		for _, p := range [][3]any{{"qkv", g.QKV, w.QKV}, {"qkv_bias", g.QKVBias, w.QKVBias}, {"q_norm", g.QNorm, w.QNorm},
			{"k_norm", g.KNorm, w.KNorm}, {"o", g.O, w.O}, {"gate_up", g.GateUp, w.GateUp}, {"down", g.Down, w.Down},
			{"in_norm", g.InNorm, w.InNorm}, {"post_norm", g.PostNorm, w.PostNorm}} {
			cmp(fmt.Sprintf("layer %d %s", i, p[0]), p[1].([]float32), p[2].([]float32))
		}
	}
}

// Writing SyntheticWeights as F32 or BF16 and loading them back gives the
// same values (BF16: exactly the bf16-rounded ones), for a Qwen3-style
// model in one file and a Qwen2-style (biases, untied head) sharded one.
func TestLoadSafetensorsRoundTrip(t *testing.T) {
	qwen2 := tiny
	qwen2.QKNorm, qwen2.QKVBias, qwen2.TiedEmbeddings = false, true, false
	for _, dtype := range []string{"F32", "BF16"} {
		conv := func(v float32) float32 { return v }
		if dtype == "BF16" {
			conv = func(v float32) float32 { return math.Float32frombits(uint32(bf16(v)) << 16) }
		}
		// One file, Qwen3-style.
		dir := t.TempDir()
		w := SyntheticWeights(tiny, 3)
		if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), encodeSafetensors(hfTensors(tiny, w), dtype), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := LoadSafetensors(dir, tiny)
		if err != nil {
			t.Fatalf("%s: %v", dtype, err)
		}
		weightsEqual(t, got, w, conv)
		if _, err := NewModel(tiny, got, Options{}); err != nil {
			t.Fatal(err)
		}
		// Sharded, Qwen2-style: layer 1 in the second shard.
		dir = t.TempDir()
		w = SyntheticWeights(qwen2, 4)
		all := hfTensors(qwen2, w)
		shards := []map[string]hfTensor{{}, {}}
		index := map[string]string{}
		for n, v := range all {
			s := 0
			if strings.HasPrefix(n, "model.layers.1.") || n == "lm_head.weight" {
				s = 1
			}
			shards[s][n] = v
			index[n] = fmt.Sprintf("model-%05d-of-00002.safetensors", s+1)
		}
		for s, ts := range shards {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("model-%05d-of-00002.safetensors", s+1)), encodeSafetensors(ts, dtype), 0o644)
		}
		ix, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": index})
		os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), ix, 0o644)
		if got, err = LoadSafetensors(dir, qwen2); err != nil {
			t.Fatalf("%s sharded: %v", dtype, err)
		}
		weightsEqual(t, got, w, conv)
	}
}

// A checkpoint that does not fit the architecture is an error naming the
// tensor (and, for a wrong shape, the file).
func TestLoadSafetensorsMismatch(t *testing.T) {
	dir := t.TempDir()
	ts := hfTensors(tiny, SyntheticWeights(tiny, 1))
	delete(ts, "model.layers.1.mlp.up_proj.weight")
	ts["model.norm.weight"] = hfTensor{[]int64{32}, make([]float32, 32)}
	path := filepath.Join(dir, "model.safetensors")
	os.WriteFile(path, encodeSafetensors(ts, "F32"), 0o644)
	_, err := LoadSafetensors(dir, tiny)
	if err == nil || !strings.Contains(err.Error(), "model.layers.1.mlp.up_proj.weight") ||
		!strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "model.norm.weight") {
		t.Errorf("error %v should name the missing tensor, the misshapen one and the file", err)
	}
	if _, err := LoadSafetensors(t.TempDir(), tiny); err == nil || !strings.Contains(err.Error(), "model.safetensors") {
		t.Errorf("empty directory: %v", err)
	}
}

// header builds a file from a raw JSON header and n data bytes.
func header(js string, n int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	return append(append(b, js...), make([]byte, n)...)
}

var badHeaders = map[string][]byte{
	"empty":            nil,
	"short":            {1, 2, 3},
	"length too large": binary.LittleEndian.AppendUint64(nil, 1<<40),
	"not json":         header("{nope", 0),
	"not an object":    header(`[1,2]`, 0),
	"tensor not obj":   header(`{"a":5}`, 0),
	"unknown dtype":    header(`{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}`, 2),
	"offsets past end": header(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4),
	"offsets reversed": header(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, 4),
	"one offset":       header(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, 4),
	"negative dim":     header(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4),
	"size mismatch":    header(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8),
	"huge shape":       header(`{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`, 0),
	"overflow to size": header(`{"a":{"dtype":"F32","shape":[4611686018427387905],"data_offsets":[0,4]}}`, 4),
}

func TestParseSafetensorsBadHeaders(t *testing.T) {
	for name, b := range badHeaders {
		if _, err := parseSafetensors("x.safetensors", b); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "x.safetensors") {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	ok := header(`{"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, 4)
	ts, err := parseSafetensors("x", ok)
	if err != nil || len(ts) != 1 || !slices.Equal(ts["a"].float32s(), []float32{0, 0}) {
		t.Errorf("valid header: %v %v", ts, err)
	}
}

// The header parser must reject, never panic on, arbitrary bytes; what it
// accepts must be convertible.
func FuzzParseSafetensors(f *testing.F) {
	for _, b := range badHeaders {
		f.Add(b)
	}
	f.Add(encodeSafetensors(map[string]hfTensor{"a": {[]int64{2, 2}, []float32{1, 2, 3, 4}}}, "BF16"))
	f.Add(header(`{"a":{"dtype":"F16","shape":[],"data_offsets":[0,2]}}`, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := parseSafetensors("fuzz", b)
		if err != nil {
			return
		}
		for _, x := range ts {
			x.float32s()
		}
	})
}

func TestLoadArch(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	// Qwen3-0.6B's config.json (the fields the engine reads, plus others).
	p := write("qwen3.json", `{"architectures":["Qwen3ForCausalLM"],"attention_bias":false,"head_dim":128,"hidden_size":1024,
		"intermediate_size":3072,"model_type":"qwen3","num_attention_heads":16,"num_hidden_layers":28,"num_key_value_heads":8,
		"rms_norm_eps":1e-06,"rope_theta":1000000,"tie_word_embeddings":true,"torch_dtype":"bfloat16","vocab_size":151936}`)
	a, err := LoadArch(p)
	want := Arch{NumLayers: 28, Hidden: 1024, QHeads: 16, KVHeads: 8, HeadDim: 128, Intermediate: 3072, Vocab: 151936,
		RopeTheta: 1e6, Eps: 1e-6, QKNorm: true, TiedEmbeddings: true}
	if err != nil || a != want {
		t.Fatalf("qwen3: %+v, %v", a, err)
	}
	// Qwen2: biases on by model type, head_dim derived.
	p = write("qwen2.json", `{"model_type":"qwen2","hidden_size":896,"intermediate_size":4864,"num_attention_heads":14,
		"num_hidden_layers":24,"num_key_value_heads":2,"vocab_size":151936,"tie_word_embeddings":true}`)
	if a, err = LoadArch(p); err != nil || !a.QKVBias || a.QKNorm || a.HeadDim != 64 {
		t.Fatalf("qwen2: %+v, %v", a, err)
	}
	for name, c := range map[string]struct{ body, mention string }{
		"missing.json": {"", "missing.json"},
		"bad.json":     {`{"hidden_size":`, "bad.json"},
		"type.json":    {`{"hidden_size":"big"}`, "hidden_size"},
		"field.json":   {`{"hidden_size":64}`, "num_hidden_layers"},
		"heads.json": {`{"hidden_size":64,"num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":3,
			"intermediate_size":8,"vocab_size":8}`, "num_kv_heads"},
	} {
		path := filepath.Join(dir, name)
		if c.body != "" {
			write(name, c.body)
		}
		_, err := LoadArch(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: error %v should name %s and %q", name, err, path, c.mention)
		}
	}
}
