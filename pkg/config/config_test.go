package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type testCfg struct {
	Common   `koanf:",squash"`
	Model    Model    `koanf:"model"`
	Hardware Hardware `koanf:"hardware"`
	Backend  Backend  `koanf:"backend"`
	Bench    struct {
		Iters  int       `koanf:"iters"`
		Rate   float64   `koanf:"rate"`
		Trace  bool      `koanf:"trace"`
		Name   string    `koanf:"name"`
		Sizes  []int     `koanf:"sizes"`
		Scales []float64 `koanf:"scales"`
	} `koanf:"bench"`
	Scheduler struct {
		Kind string `koanf:"kind"`
	} `koanf:"scheduler"`
}

const testDefaults = `
defaults:
  - model: qwen3_0_6b
  - hardware: cpu
  - backend: native
output_root: tmp
run_id: ""
overwrite: false
bench:
  iters: 10
  rate: 2.0
  trace: false
  name: x
  sizes: [1, 2]
  scales: [0.5]
scheduler:
  kind: sarathi
`

func load(t *testing.T, args ...string) (*testCfg, *Config, error) {
	t.Helper()
	var c testCfg
	cfg, err := Load(Schema{Tool: "t", Defaults: []byte(testDefaults), Target: &c}, args, Options{})
	return &c, cfg, err
}

func TestGroupsAndOverrides(t *testing.T) {
	c, cfg, err := load(t, "bench.iters=1e3", "model=qwen3_tiny", "bench.name=0010", "bench.rate=3", "bench.trace=true", "bench.sizes=[4,5,6]", "hardware=a30")
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Name != "qwen3_tiny" || c.Model.Arch.NumLayers != 2 || c.Hardware.MemoryGB != 24 {
		t.Errorf("groups not applied: %+v %+v", c.Model, c.Hardware)
	}
	if c.Bench.Iters != 1000 || c.Bench.Name != "0010" || c.Bench.Rate != 3 || !c.Bench.Trace || len(c.Bench.Sizes) != 3 {
		t.Errorf("overrides: %+v", c.Bench)
	}
	if cfg.Choice("model") != "qwen3_tiny" || cfg.Choice("backend") != "native" {
		t.Errorf("choices %+v", cfg.Groups)
	}
	y := string(cfg.YAML())
	if !strings.HasPrefix(y, "defaults:\n  - model: qwen3_tiny\n  - hardware: a30\n  - backend: native\n") || !strings.Contains(y, "name: \"0010\"") {
		t.Errorf("YAML:\n%s", y)
	}
	_, cfg2, _ := load(t, "hardware=a30", "bench.rate=3", "bench.sizes=[4,5,6]", "bench.trace=true", "bench.name=0010", "model=qwen3_tiny", "bench.iters=1000")
	if cfg.Hash() != cfg2.Hash() || string(cfg.YAML()) != string(cfg2.YAML()) {
		t.Error("the same settings in another order resolve differently")
	}
}

func TestGlobalPackageGroup(t *testing.T) {
	c, _, err := load(t, "backend=transformers")
	if err != nil {
		t.Fatal(err)
	}
	if c.Scheduler.Kind != "transformers" || c.Backend.Name != "transformers" {
		t.Errorf("_global_ group not merged at the root: %+v %+v", c.Scheduler, c.Backend)
	}
	// An override after the group wins over it.
	c, _, err = load(t, "scheduler.kind=vllm", "backend=transformers")
	if err != nil || c.Scheduler.Kind != "vllm" {
		t.Errorf("override vs group: %v %+v", err, c.Scheduler)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"bench.iter=3"}, `unknown key "bench.iter"; did you mean "bench.iters"?`},
		{[]string{"modle=qwen3_tiny"}, `did you mean "model"?`},
		{[]string{"model=qwen3_06b"}, `unknown model "qwen3_06b"; did you mean "qwen3_0_6b"?`},
		{[]string{"bench.iters=1.5"}, `expects an integer, got "1.5" (refusing to truncate)`},
		{[]string{"bench.trace=yes"}, "expects true or false"},
		{[]string{"bench.rate=fast"}, "expects a number"},
		{[]string{"model.arch=3"}, `"model.arch" is a section`},
		{[]string{"justaword"}, `bad argument "justaword": expected key=value`},
		{[]string{"bench.sizes=[1,2.5]"}, "item 1: expects an integer"},
	}
	for _, tc := range cases {
		_, _, err := load(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
		if _, ok := err.(*UsageError); !ok {
			t.Errorf("%v: error %T is not a UsageError (exit 2)", tc.args, err)
		}
	}
	var ue *UsageError
	_, _, err := load(t, "model=nosuch")
	if ue, _ = err.(*UsageError); ue == nil || !strings.Contains(ue.Hint, "qwen2_7b, qwen3_0_6b, qwen3_tiny") {
		t.Errorf("hint lists the options: %v", err)
	}
}

func TestAddKey(t *testing.T) {
	var c struct {
		testCfg `koanf:",squash"`
		Extra   int `koanf:"extra"`
	}
	_, err := Load(Schema{Tool: "t", Defaults: []byte(testDefaults), Target: &c}, []string{"+extra=5"}, Options{})
	if err != nil || c.Extra != 5 {
		t.Errorf("+key: %v %d", err, c.Extra)
	}
	_, _, err = load(t, "+bench.unknown=1")
	if err == nil || !strings.Contains(err.Error(), "invalid keys: unknown") {
		t.Errorf("+key the struct lacks: %v", err)
	}
}

func TestUserDirAndFile(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) string {
		p := filepath.Join(dir, rel)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("model/mine.yaml", "name: mine\narch:\n  num_layers: 3\n")
	write("hardware/cpu.yaml", "name: cpu\nkind: cpu\nmemory_gb: 4.0\n")
	write("model/typo.yaml", "name: typo\narch:\n  hiden_size: 3\n")
	var c testCfg
	s := Schema{Tool: "t", Defaults: []byte(testDefaults), Target: &c}
	if _, err := Load(s, []string{"model=mine"}, Options{UserDir: dir}); err != nil {
		t.Fatal(err)
	}
	// A user option adds to the group, and a user file replaces an
	// embedded option of the same name (hardware=cpu here).
	if c.Model.Name != "mine" || c.Model.Arch.NumLayers != 3 || c.Hardware.MemoryGB != 4 {
		t.Errorf("user options: %+v %+v", c.Model, c.Hardware)
	}
	_, err := Load(s, []string{"model=typo"}, Options{UserDir: dir})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "model", "typo.yaml")) || !strings.Contains(err.Error(), `did you mean "model.arch.hidden_size"`) {
		t.Errorf("bad user group file: %v", err)
	}
	f := write("run.yaml", "bench:\n  iters: 7\n")
	if _, err := Load(s, []string{"bench.rate=1"}, Options{File: f}); err != nil || c.Bench.Iters != 7 {
		t.Errorf("--config file: %v %+v", err, c.Bench)
	}
	if opts := GroupOptions("model", dir); strings.Join(opts, ",") != "mine,qwen2_7b,qwen3_0_6b,qwen3_tiny,typo" {
		t.Errorf("GroupOptions = %v", opts)
	}
}
