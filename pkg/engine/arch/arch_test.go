package arch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQwen3_0_6BParams(t *testing.T) {
	// Qwen3-0.6B: 596,049,920 parameters, tied embedding counted once.
	if got := Qwen3_0_6B().Params(); got != 596049920 {
		t.Errorf("Params = %d, want 596049920", got)
	}
	if b, _ := Qwen3_0_6B().WeightBytes("BF16"); b != 2*596049920 {
		t.Errorf("BF16 bytes = %d", b)
	}
}

func TestLoadFamiliesAndDefaults(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		json            string
		qkNorm, qkvBias bool
		headDim         int
	}{
		{`{"model_type":"qwen3","num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":32,"intermediate_size":128,"vocab_size":10,"eos_token_id":[5,6]}`, true, false, 32},
		{`{"model_type":"qwen2","num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,"intermediate_size":128,"vocab_size":10}`, false, true, 16},
		{`{"model_type":"llama","num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,"intermediate_size":128,"vocab_size":10,"attention_bias":true}`, false, true, 16},
	}
	for i, c := range cases {
		p := filepath.Join(dir, "config.json")
		os.WriteFile(p, []byte(c.json), 0o644)
		a, err := Load(p)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if a.QKNorm != c.qkNorm || a.QKVBias != c.qkvBias || a.HeadDim != c.headDim || a.NumKeyValueHeads == 0 {
			t.Errorf("case %d: %+v", i, a)
		}
	}
}

func TestLoadErrorsNameFileAndField(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "config.json")
	os.WriteFile(p, []byte(`{"model_type":"qwen3","num_hidden_layers":0,"hidden_size":64,"num_attention_heads":3,"num_key_value_heads":2,"intermediate_size":128,"vocab_size":10}`), 0o644)
	_, err := Load(p)
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{p, "num_hidden_layers must be > 0", "multiple of num_key_value_heads"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"model_type":"qwen3","num_hidden_layers":2,"hidden_size":64,"num_attention_heads":4,"intermediate_size":128,"vocab_size":10}`))
	f.Add([]byte(`{"num_attention_heads":0,"hidden_size":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data)
		if err == nil && (a.HeadDim <= 0 || a.NumAttentionHeads%a.NumKeyValueHeads != 0) {
			t.Fatalf("accepted an unusable config: %+v", a)
		}
	})
}
