package weights

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/engine/arch"
)

func tiny() arch.Arch {
	a := arch.Arch{ModelType: "qwen2", NumHiddenLayers: 1, HiddenSize: 8, NumAttentionHeads: 2,
		NumKeyValueHeads: 1, IntermediateSize: 16, VocabSize: 11}
	if err := a.Validate(); err != nil {
		panic(err)
	}
	return a
}

// write serialises src as one safetensors file in dtype (F32 or BF16 for
// matrices; vectors F32), the layout HF writes.
func write(t *testing.T, path string, src Source, names []string, dtype string) {
	t.Helper()
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data []byte
	for _, n := range names {
		h := src[n]
		shape := []int{h.Rows, h.Cols}
		if h.Rows == 1 {
			shape = []int{h.Cols}
		}
		start := len(data)
		dt := "F32"
		if dtype == "BF16" && h.Rows > 1 {
			dt = "BF16"
			for _, v := range h.F32 {
				data = binary.LittleEndian.AppendUint16(data, toBF16(v))
			}
		} else {
			for _, v := range h.F32 {
				data = binary.LittleEndian.AppendUint32(data, mathFloat32bits(v))
			}
		}
		header[n] = map[string]any{"dtype": dt, "shape": shape, "data_offsets": []int{start, len(data)}}
	}
	hj, _ := json.Marshal(header)
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	out = append(append(out, hj...), data...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRoundTripSingleAndSharded: synthetic weights written as one file and
// as two shards with an index load back bit for bit (F32) and bind.
func TestRoundTripSingleAndSharded(t *testing.T) {
	a := tiny()
	src := Synthetic(a, 3, "F32")
	names := Names(a)
	one := t.TempDir()
	write(t, filepath.Join(one, "model.safetensors"), src, names, "F32")
	sharded := t.TempDir()
	write(t, filepath.Join(sharded, "a.safetensors"), src, names[:5], "F32")
	write(t, filepath.Join(sharded, "b.safetensors"), src, names[5:], "BF16")
	wm := map[string]string{}
	for i, n := range names {
		wm[n] = map[bool]string{true: "a.safetensors", false: "b.safetensors"}[i < 5]
	}
	idx, _ := json.Marshal(map[string]any{"weight_map": wm})
	os.WriteFile(filepath.Join(sharded, "model.safetensors.index.json"), idx, 0o644)
	for _, dir := range []string{one, sharded} {
		got, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Bind(got, a); err != nil {
			t.Fatal(err)
		}
		e := got["model.embed_tokens.weight"]
		if dir == one && e.F32[7] != src["model.embed_tokens.weight"].F32[7] {
			t.Error("F32 value changed in the round trip")
		}
	}
}

func TestBindErrorsNameTensors(t *testing.T) {
	a := tiny()
	src := Synthetic(a, 3, "F32")
	delete(src, "model.layers.0.self_attn.k_proj.bias")
	q := src["model.layers.0.self_attn.q_proj.weight"]
	q.Rows = 3
	src["model.layers.0.self_attn.q_proj.weight"] = q
	_, err := Bind(src, a)
	if err == nil {
		t.Fatal("bad checkpoint bound")
	}
	for _, want := range []string{"missing tensor model.layers.0.self_attn.k_proj.bias", "model.layers.0.self_attn.q_proj.weight has shape [3 8], want [8 8]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestSyntheticIsDeterministic(t *testing.T) {
	a := tiny()
	x, y := Synthetic(a, 5, "F32"), Synthetic(a, 5, "F32")
	z := Synthetic(a, 6, "F32")
	n := "model.layers.0.mlp.up_proj.weight"
	if x[n].F32[3] != y[n].F32[3] || x[n].F32[3] == z[n].F32[3] {
		t.Error("synthetic weights not a function of the seed")
	}
	if x["model.norm.weight"].F32[0] != 1 {
		t.Error("norm weights must be 1")
	}
}

func FuzzParseHeader(f *testing.F) {
	ok := binary.LittleEndian.AppendUint64(nil, 60)
	ok = append(ok, []byte(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}       `)...)
	ok = append(ok, make([]byte, 8)...)
	f.Add(ok)
	f.Add([]byte{1, 2, 3})
	f.Add(append(binary.LittleEndian.AppendUint64(nil, 1<<62), '{'))
	f.Fuzz(func(t *testing.T, data []byte) {
		infos, start, err := ParseHeader(data)
		if err != nil {
			return
		}
		for name, ti := range infos {
			if start+ti.Offsets[1] > int64(len(data)) {
				t.Fatalf("%s: accepted offsets past the end", name)
			}
			if _, err := hostTensor(name, ti, data[start+ti.Offsets[0]:start+ti.Offsets[1]]); err != nil {
				return
			}
		}
	})
}
