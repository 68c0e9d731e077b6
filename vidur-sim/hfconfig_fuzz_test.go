package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/config"
)

// FuzzReadHFConfig: sim.hf_config's reader never panics, and what it
// accepts is an architecture the simulator can size: positive layers,
// hidden size, heads and MLP width, and key-value heads. Seeds: the
// files under testdata/fuzz/FuzzReadHFConfig and the cases here.
func FuzzReadHFConfig(f *testing.F) {
	f.Add([]byte(`{"model_type":"qwen3","num_hidden_layers":28,"hidden_size":1024,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":128,"intermediate_size":3072,"vocab_size":151936}`))
	f.Add([]byte(`{"num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,"intermediate_size":128}`))
	f.Add([]byte(`{"num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,"num_key_value_heads":-1,"intermediate_size":128}`))
	f.Add([]byte(`{"num_hidden_layers":0}`))
	f.Add([]byte(`[]`))
	// One file, rewritten by each execution: cheaper than a directory each.
	path := filepath.Join(f.TempDir(), "config.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var a config.Arch
		if err := readHFConfig(path, &a); err != nil {
			return
		}
		if a.NumLayers <= 0 || a.HiddenSize <= 0 || a.NumQHeads <= 0 || a.IntermediateSize <= 0 || a.NumKVHeads <= 0 {
			t.Fatalf("accepted %+v", a)
		}
	})
}
