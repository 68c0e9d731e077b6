package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// benchCfg is a small tool schema of the tests' own: the shared groups,
// the common keys, and a section with one field of each kind.
type benchCfg struct {
	Common    `koanf:",squash"`
	Model     Model     `koanf:"model"`
	Hardware  Hardware  `koanf:"hardware"`
	Scheduler Scheduler `koanf:"scheduler"`
	SLO       SLO       `koanf:"slo"`
	Bench     struct {
		Iters  int       `koanf:"iters"`
		Seed   uint64    `koanf:"seed"`
		Rate   float64   `koanf:"rate"`
		Trace  bool      `koanf:"trace"`
		Label  string    `koanf:"label"`
		Sizes  []int     `koanf:"sizes"`
		Tags   []string  `koanf:"tags"`
		Scales []float64 `koanf:"scales"`
	} `koanf:"bench"`
	// Extra is in the struct but not in the defaults: only +extra= sets it.
	Extra int `koanf:"extra"`
}

const benchDefaults = `
defaults:
  - model: qwen3_0_6b
  - hardware: cpu
output_root: tmp
run_id: ""
overwrite: false
bench:
  iters: 10
  seed: 1
  rate: 2.0
  trace: false
  label: x
  sizes: [1, 2]
  tags: [a]
  scales: [0.5]
`

func benchSchema(c *benchCfg) Schema {
	return Schema{Tool: "bench", Defaults: []byte(benchDefaults), Target: c, Sections: []string{"scheduler", "slo"}}
}

func loadBench(t *testing.T, opt Options, args ...string) (*benchCfg, *Config, error) {
	t.Helper()
	var c benchCfg
	cfg, err := Load(benchSchema(&c), args, opt)
	return &c, cfg, err
}

// mustUsage fails unless err is a *UsageError (exit status 2) whose text
// contains every want, and returns it.
func mustUsage(t *testing.T, err error, want ...string) *UsageError {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("got %T %v, want a *UsageError", err, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	return ue
}

func TestDefaultsAndGroupSelection(t *testing.T) {
	t.Parallel()
	c, cfg, err := loadBench(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Model.Name != "qwen3_0_6b" || c.Model.Arch.NumLayers != 28 || c.Hardware.Name != "cpu" || c.Hardware.TokenRounding != 1 {
		t.Errorf("defaults: %+v %+v", c.Model, c.Hardware)
	}
	if c.OutputRoot != "tmp" || c.Bench.Iters != 10 || !reflect.DeepEqual(c.Bench.Sizes, []int{1, 2}) {
		t.Errorf("tool defaults: %+v %+v", c.Common, c.Bench)
	}
	c, cfg, err = loadBench(t, Options{}, "model=qwen3_tiny", "hardware=a30")
	if err != nil {
		t.Fatal(err)
	}
	// Values from conf/model/qwen3_tiny.yaml and conf/hardware/a30.yaml.
	if c.Model.Name != "qwen3_tiny" || c.Model.Arch.NumLayers != 2 || c.Model.Arch.HiddenSize != 64 || c.Model.DType != "fp32" {
		t.Errorf("model=qwen3_tiny: %+v", c.Model)
	}
	if c.Hardware.MemoryGB != 24 || c.Hardware.Device != "a30" || c.Hardware.TokenRounding != 8 {
		t.Errorf("hardware=a30: %+v", c.Hardware)
	}
	if cfg.Choice("model") != "qwen3_tiny" || cfg.Choice("hardware") != "a30" || cfg.Choice("backend") != "" {
		t.Errorf("choices %+v", cfg.Groups)
	}
	want := []GroupChoice{{"model", "qwen3_tiny", "embedded conf/model/qwen3_tiny.yaml"}, {"hardware", "a30", "embedded conf/hardware/a30.yaml"}}
	if !reflect.DeepEqual(cfg.Groups, want) {
		t.Errorf("Groups = %+v, want %+v", cfg.Groups, want)
	}
	if cfg.Get("model.arch.hidden_size") != 64 || cfg.Section("hardware")["device"] != "a30" || len(cfg.Section("nosuch")) != 0 {
		t.Errorf("Get/Section: %v %v", cfg.Get("model.arch.hidden_size"), cfg.Section("hardware"))
	}
}

// TestEveryShippedOption loads each embedded option of each group: the
// files decode strictly into the shared structs.
func TestEveryShippedOption(t *testing.T) {
	t.Parallel()
	for _, g := range []string{"model", "hardware"} {
		opts := GroupOptions(g, "")
		if len(opts) < 3 {
			t.Fatalf("%s: only %v", g, opts)
		}
		for _, o := range opts {
			c, _, err := loadBench(t, Options{}, g+"="+o)
			if err != nil {
				t.Errorf("%s=%s: %v", g, o, err)
				continue
			}
			if g == "model" && (c.Model.Name != o || c.Model.Arch.NumLayers == 0 || c.Model.Arch.HeadDim == 0) {
				t.Errorf("%s=%s: %+v", g, o, c.Model)
			}
			if g == "hardware" && (c.Hardware.Name != o || c.Hardware.TokenRounding < 1) {
				t.Errorf("%s=%s: %+v", g, o, c.Hardware)
			}
		}
	}
	if got := strings.Join(GroupOptions("backend", ""), ","); got != "native,openai,sarathi,transformers,vllm" {
		t.Errorf("backend options %s", got)
	}
}

// TestOverrideTyping checks docs/configuration.md's rule: values are typed by the schema's
// struct, never by guessing, and nothing is truncated.
func TestOverrideTyping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		arg   string
		check func(c *benchCfg) bool
	}{
		{"bench.iters=1e3", func(c *benchCfg) bool { return c.Bench.Iters == 1000 }},
		{"bench.iters=0010", func(c *benchCfg) bool { return c.Bench.Iters == 10 }},
		{"bench.iters=-3", func(c *benchCfg) bool { return c.Bench.Iters == -3 }},
		{"bench.seed=18446744073709551615", func(c *benchCfg) bool { return c.Bench.Seed == 1<<64-1 }},
		{"bench.rate=3", func(c *benchCfg) bool { return c.Bench.Rate == 3 }},
		{"bench.rate=0.25", func(c *benchCfg) bool { return c.Bench.Rate == 0.25 }},
		{"bench.label=0010", func(c *benchCfg) bool { return c.Bench.Label == "0010" }},
		{"bench.label=true", func(c *benchCfg) bool { return c.Bench.Label == "true" }},
		{"bench.label='a b'", func(c *benchCfg) bool { return c.Bench.Label == "a b" }},
		{"bench.label=", func(c *benchCfg) bool { return c.Bench.Label == "" }},
		{"run_id=0010", func(c *benchCfg) bool { return c.RunID == "0010" }},
		{"bench.trace=true", func(c *benchCfg) bool { return c.Bench.Trace }},
		{"bench.trace=false", func(c *benchCfg) bool { return !c.Bench.Trace }},
		{"bench.sizes=[4,5,6]", func(c *benchCfg) bool { return reflect.DeepEqual(c.Bench.Sizes, []int{4, 5, 6}) }},
		{"bench.sizes=[]", func(c *benchCfg) bool { return len(c.Bench.Sizes) == 0 }},
		{"bench.sizes=[1e3, 0010]", func(c *benchCfg) bool { return reflect.DeepEqual(c.Bench.Sizes, []int{1000, 10}) }},
		{"bench.tags=[0010, 1.10, 'x,y', true]", func(c *benchCfg) bool {
			return reflect.DeepEqual(c.Bench.Tags, []string{"0010", "1.10", "x,y", "true"})
		}},
		{"bench.scales=[0.5, 2]", func(c *benchCfg) bool { return reflect.DeepEqual(c.Bench.Scales, []float64{0.5, 2}) }},
		{"model.arch.num_layers=3", func(c *benchCfg) bool { return c.Model.Arch.NumLayers == 3 }},
		{"+extra=5", func(c *benchCfg) bool { return c.Extra == 5 }},
	}
	for _, tc := range cases {
		t.Run(tc.arg, func(t *testing.T) {
			c, _, err := loadBench(t, Options{}, tc.arg)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("got %+v", c.Bench)
			}
		})
	}
}

// TestOverridesTogether: several overrides on one line all apply; a key
// given twice keeps the later value, as when they applied one by one.
func TestOverridesTogether(t *testing.T) {
	t.Parallel()
	c, cfg, err := loadBench(t, Options{}, "bench.iters=3", "bench.rate=0.5", "run_id=x", "model.arch.num_layers=7", "+extra=2")
	if err != nil {
		t.Fatal(err)
	}
	if c.Bench.Iters != 3 || c.Bench.Rate != 0.5 || c.RunID != "x" || c.Model.Arch.NumLayers != 7 || c.Extra != 2 || c.Bench.Seed != 1 {
		t.Errorf("got %+v, run_id %q, layers %d, extra %d", c.Bench, c.RunID, c.Model.Arch.NumLayers, c.Extra)
	}
	if cfg.Given("bench.rate") != "command line" || cfg.Given("bench.seed") != "" {
		t.Errorf("given: rate %q, seed %q", cfg.Given("bench.rate"), cfg.Given("bench.seed"))
	}
	c, _, err = loadBench(t, Options{}, "bench.iters=3", "bench.label=y", "bench.iters=4")
	if err != nil {
		t.Fatal(err)
	}
	if c.Bench.Iters != 4 || c.Bench.Label != "y" {
		t.Errorf("repeated key: got %+v, want iters 4, label y", c.Bench)
	}
}

func TestOverrideErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		want string // the whole error text
		hint string
	}{
		{[]string{"bench.iter=3"}, `override bench.iter=3: unknown key "bench.iter"; did you mean "bench.iters"?`, "every key is listed by --print-config"},
		{[]string{"modle=qwen3_tiny"}, `override modle=qwen3_tiny: unknown key "modle"; did you mean "model"?`, "every key is listed by --print-config"},
		{[]string{"completely_different=1"}, `override completely_different=1: unknown key "completely_different"`, "every key is listed by --print-config"},
		{[]string{"model=qwen3_06b"}, `unknown model "qwen3_06b"; did you mean "qwen3_0_6b"?`, "available: qwen2_7b, qwen3_0_6b, qwen3_tiny"},
		{[]string{"hardware=tpu"}, `unknown hardware "tpu"; did you mean "cpu"?`, "available: a100, a30, cpu, h100"},
		{[]string{"model=../x"}, `bad model option "../x"`, ""},
		{[]string{"model="}, `bad model option ""`, ""},
		{[]string{"bench.iters=1.5"}, `override bench.iters=1.5: expects an integer, got "1.5" (refusing to truncate)`, ""},
		{[]string{"bench.iters=ten"}, `override bench.iters=ten: expects an integer, got "ten"`, ""},
		{[]string{"bench.seed=-1"}, `override bench.seed=-1: expects a non-negative integer, got "-1"`, ""},
		{[]string{"bench.trace=yes"}, `override bench.trace=yes: expects true or false, got "yes"`, ""},
		{[]string{"bench.rate=fast"}, `override bench.rate=fast: expects a number, got "fast"`, ""},
		{[]string{"bench.rate=inf"}, `override bench.rate=inf: expects a number, got "inf"`, ""},
		{[]string{"bench.sizes=3"}, `override bench.sizes=3: expects a list such as [1,2,3], got "3"`, ""},
		{[]string{"bench.sizes=[1,2.5]"}, `override bench.sizes=[1,2.5]: item 1: expects an integer, got "2.5" (refusing to truncate)`, ""},
		{[]string{"model.arch=3"}, `override model.arch=3: "model.arch" is a section; set one of its keys, e.g. model.arch.attention_bias=...`, ""},
		{[]string{"+model.arch=3"}, `override model.arch=3: is a section; set one of its keys`, ""},
		{[]string{"justaword"}, `bad argument "justaword": expected key=value`, "overrides are key=value, e.g. workload.num_requests=64"},
		{[]string{"=3"}, `bad argument "=3": expected key=value`, "overrides are key=value, e.g. workload.num_requests=64"},
		{[]string{"+bench.nosuch=1"}, `config: 'bench' has invalid keys: nosuch`, "every key is listed by --print-config"},
		{[]string{"+nosuch=1"}, `config: the top level has invalid keys: nosuch`, "every key is listed by --print-config"},
		// The YAML decoder's error spans two lines; the message stays one
		// (found by FuzzOverride).
		{[]string{"+bench.x={X, X}"}, `override bench.x={X, X}: yaml: unmarshal errors: line 1: mapping key "X" already defined at line 1`, ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := loadBench(t, Options{}, tc.args...)
			ue := mustUsage(t, err)
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
			if ue.Hint != tc.hint {
				t.Errorf("hint %q, want %q", ue.Hint, tc.hint)
			}
		})
	}
}

// TestGlobalPackageGroup: a group file starting with `# @package
// _global_` merges at the root, so backend=transformers also sets the
// scheduler.
func TestGlobalPackageGroup(t *testing.T) {
	t.Parallel()
	type cfgT struct {
		Backend   Backend `koanf:"backend"`
		Scheduler struct {
			Kind string `koanf:"kind"`
		} `koanf:"scheduler"`
	}
	defaults := "defaults:\n  - backend: native\nscheduler:\n  kind: sarathi\n"
	load := func(args ...string) (cfgT, error) {
		var c cfgT
		_, err := Load(Schema{Tool: "t", Defaults: []byte(defaults), Target: &c}, args, Options{})
		return c, err
	}
	c, err := load()
	if err != nil || c.Backend.Kind != "native" || c.Scheduler.Kind != "sarathi" {
		t.Errorf("default: %v %+v", err, c)
	}
	c, err = load("backend=transformers")
	if err != nil || c.Backend.Name != "transformers" || c.Backend.Kind != "native" || c.Scheduler.Kind != "transformers" {
		t.Errorf("backend=transformers: %v %+v", err, c)
	}
	// An override wins over the group wherever it stands.
	c, err = load("scheduler.kind=vllm", "backend=transformers")
	if err != nil || c.Scheduler.Kind != "vllm" {
		t.Errorf("override vs _global_ group: %v %+v", err, c)
	}
	// A tool without scheduler.kind cannot take a group that sets it.
	var bare struct {
		Backend Backend `koanf:"backend"`
	}
	_, err = Load(Schema{Tool: "t", Defaults: []byte("defaults:\n  - backend: native\n"), Target: &bare}, []string{"backend=transformers"}, Options{})
	mustUsage(t, err, "embedded conf/backend/transformers.yaml", `unknown key "scheduler.kind"`)
}

func writeFile(t *testing.T, dir, rel, body string) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUserConfigDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "model/mine.yaml", "name: mine\narch:\n  num_layers: 3\n")
	writeFile(t, dir, "hardware/cpu.yaml", "name: cpu\nkind: cpu\nmemory_gb: 4.0\n")
	writeFile(t, dir, "model/typo.yaml", "name: typo\narch:\n  hiden_size: 3\n")
	writeFile(t, dir, "model/half.yaml", "name: half\narch:\n  num_layers: 2.5\n")
	writeFile(t, dir, "model/broken.yaml", "name: [\n")
	writeFile(t, dir, "model/notes.txt", "not an option\n")
	opt := Options{UserDir: dir}

	t.Run("adds an option", func(t *testing.T) {
		c, cfg, err := loadBench(t, opt, "model=mine")
		if err != nil {
			t.Fatal(err)
		}
		// Keys the user file leaves out are zero, not the default option's.
		if c.Model.Name != "mine" || c.Model.Arch.NumLayers != 3 || c.Model.Arch.HiddenSize != 0 {
			t.Errorf("model=mine: %+v", c.Model)
		}
		if cfg.Groups[0].Source != filepath.Join(dir, "model", "mine.yaml") {
			t.Errorf("source %q", cfg.Groups[0].Source)
		}
	})
	t.Run("replaces an embedded option", func(t *testing.T) {
		c, _, err := loadBench(t, opt)
		if err != nil {
			t.Fatal(err)
		}
		if c.Hardware.MemoryGB != 4 || c.Hardware.Device != "" {
			t.Errorf("user hardware/cpu.yaml not used: %+v", c.Hardware)
		}
	})
	t.Run("unknown key names the file", func(t *testing.T) {
		_, _, err := loadBench(t, opt, "model=typo")
		mustUsage(t, err, filepath.Join(dir, "model", "typo.yaml")+`: unknown key "model.arch.hiden_size"; did you mean "model.arch.hidden_size"?`)
	})
	t.Run("non-integral int in a file", func(t *testing.T) {
		_, _, err := loadBench(t, opt, "model=half")
		mustUsage(t, err, "2.5 is not an integer")
	})
	t.Run("bad YAML names the file", func(t *testing.T) {
		_, _, err := loadBench(t, opt, "model=broken")
		mustUsage(t, err, filepath.Join(dir, "model", "broken.yaml"))
	})
	t.Run("options listed", func(t *testing.T) {
		got := strings.Join(GroupOptions("model", dir), ",")
		if got != "broken,half,mine,qwen2_7b,qwen3_0_6b,qwen3_tiny,typo" {
			t.Errorf("GroupOptions = %s", got)
		}
		_, _, err := loadBench(t, opt, "model=mien")
		ue := mustUsage(t, err, `unknown model "mien"; did you mean "mine"?`)
		if !strings.Contains(ue.Hint, "mine, qwen2_7b") {
			t.Errorf("hint %q lacks the user options", ue.Hint)
		}
	})
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("merged after groups, before overrides", func(t *testing.T) {
		f := writeFile(t, dir, "run.yaml", "bench:\n  iters: 7\n  rate: 9\nmodel:\n  arch:\n    num_layers: 4\n")
		c, _, err := loadBench(t, Options{File: f}, "bench.rate=1", "model=qwen3_tiny")
		if err != nil {
			t.Fatal(err)
		}
		if c.Bench.Iters != 7 || c.Bench.Rate != 1 || c.Model.Arch.NumLayers != 4 || c.Model.Name != "qwen3_tiny" {
			t.Errorf("got %+v %+v", c.Bench, c.Model)
		}
	})
	t.Run("unknown key names the file", func(t *testing.T) {
		f := writeFile(t, dir, "typo.yaml", "bench:\n  iter: 7\n")
		_, _, err := loadBench(t, Options{File: f})
		mustUsage(t, err, f+`: unknown key "bench.iter"; did you mean "bench.iters"?`)
	})
	t.Run("missing file", func(t *testing.T) {
		_, _, err := loadBench(t, Options{File: filepath.Join(dir, "nope.yaml")})
		mustUsage(t, err, "config file: open ", "nope.yaml")
	})
	t.Run("a saved config.yaml reproduces the run", func(t *testing.T) {
		_, first, err := loadBench(t, Options{}, "model=qwen3_tiny", "bench.label=0010", "bench.tags=[0010]", "bench.iters=3")
		if err != nil {
			t.Fatal(err)
		}
		f := writeFile(t, dir, "config.yaml", string(first.YAML()))
		c, again, err := loadBench(t, Options{File: f})
		if err != nil {
			t.Fatal(err)
		}
		if again.Hash() != first.Hash() || c.Model.Name != "qwen3_tiny" || c.Bench.Label != "0010" || c.Bench.Iters != 3 {
			t.Errorf("config.yaml does not reproduce the run:\n%s\nvs\n%s", first.YAML(), again.YAML())
		}
		// Switching a group on the command line drops the file's keys of
		// that group, which belong to the old option.
		c, _, err = loadBench(t, Options{File: f}, "model=qwen2_7b")
		if err != nil || c.Model.Name != "qwen2_7b" || c.Model.Arch.NumLayers != 28 || c.Bench.Iters != 3 {
			t.Errorf("model=qwen2_7b over config.yaml: %v %+v", err, c.Model)
		}
	})
	t.Run("unknown group in the file's defaults", func(t *testing.T) {
		f := writeFile(t, dir, "groups.yaml", "defaults:\n  - hardwar: a30\n")
		_, _, err := loadBench(t, Options{File: f})
		mustUsage(t, err, `defaults: unknown group "hardwar"; did you mean "hardware"?`)
	})
}

// TestYAMLAndHash: the resolved configuration prints deterministically
// (sorted keys, the group choices first) and its hash depends on the
// settings, not on the order they were given in.
func TestYAMLAndHash(t *testing.T) {
	t.Parallel()
	args := []string{"hardware=a30", "bench.rate=3", "bench.sizes=[4,5,6]", "bench.trace=true", "bench.label=0010", "model=qwen3_tiny", "bench.iters=1000"}
	_, a, err := loadBench(t, Options{}, args...)
	if err != nil {
		t.Fatal(err)
	}
	rev := append([]string(nil), args...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	_, b, err := loadBench(t, Options{}, rev...)
	if err != nil {
		t.Fatal(err)
	}
	y := string(a.YAML())
	if y != string(b.YAML()) || y != string(a.YAML()) {
		t.Errorf("YAML differs between orders or calls:\n%s\nvs\n%s", y, b.YAML())
	}
	if !strings.HasPrefix(y, "defaults:\n  - model: qwen3_tiny\n  - hardware: a30\nbench:\n") {
		t.Errorf("YAML does not start with the choices then sorted keys:\n%s", y)
	}
	for _, want := range []string{"label: \"0010\"\n", "iters: 1000\n", "output_root: tmp\n", "run_id: \"\"\n"} {
		if !strings.Contains(y, want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	if a.Hash() != b.Hash() || !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(a.Hash()) {
		t.Errorf("Hash %q vs %q", a.Hash(), b.Hash())
	}
	_, c, err := loadBench(t, Options{}, append(args, "bench.iters=1001")...)
	if err != nil || c.Hash() == a.Hash() {
		t.Errorf("a changed setting kept the hash: %v", err)
	}
}

// TestDecodeStrict: Decode refuses keys its target lacks and never
// converts between kinds.
func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	_, cfg, err := loadBench(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var narrow struct {
		Bench struct {
			Iters int `koanf:"iters"`
		} `koanf:"bench"`
	}
	mustUsage(t, cfg.Decode(&narrow), "has invalid keys")
	var wrongType struct {
		benchCfg `koanf:",squash"`
		Model    struct {
			Name int `koanf:"name"`
		} `koanf:"model"`
	}
	mustUsage(t, cfg.Decode(&wrongType), "model.name")
	var c benchCfg
	if err := cfg.Decode(&c); err != nil || c.Model.Name != "qwen3_0_6b" {
		t.Errorf("Decode into the schema's own type: %v", err)
	}
	if err := cfg.Decode(nil); err != nil {
		t.Errorf("Decode(nil): %v", err)
	}
}

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	cands := []string{"bench.iters", "bench.rate", "model"}
	cases := []struct{ in, want string }{
		{"bench.iter", `; did you mean "bench.iters"?`},
		{"bench.rat", `; did you mean "bench.rate"?`},
		{"mdl", `; did you mean "model"?`},
		{"zzzzzzzzzz", ""},
	}
	for _, tc := range cases {
		if got := didYouMean(tc.in, cands); got != tc.want {
			t.Errorf("didYouMean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestHFConfigJSON: the model group's arch comes out under Hugging Face's
// config.json names with its values, the form the engine parses.
func TestHFConfigJSON(t *testing.T) {
	c, _, err := loadBench(t, Options{}, "model=qwen3_0_6b")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(c.Model.Arch.HFConfigJSON(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"model_type": "qwen3", "num_hidden_layers": 28.0, "hidden_size": 1024.0,
		"num_attention_heads": 16.0, "num_key_value_heads": 8.0, "head_dim": 128.0, "intermediate_size": 3072.0,
		"vocab_size": 151936.0, "rope_theta": 1e6, "rms_norm_eps": 1e-6, "attention_bias": false,
		"tie_word_embeddings": true, "max_position_embeddings": 40960.0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config.json form\n got %v\nwant %v", got, want)
	}
}

// TestSharedSections: the scheduler and slo sections come from their one
// file, the hardware group sets the scheduler defaults of its hardware, an
// override wins, and Given tells an explicit key from a default.
func TestSharedSections(t *testing.T) {
	c, cfg, err := loadBench(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Scheduler{Kind: "transformers", MaxBatchSize: 8, ChunkSize: 256, NumKVBlocks: 1024, BlockSize: 16,
		MaxTokensInBatch: 4096, WatermarkBlocksFraction: 0.01}
	if c.Scheduler != want {
		t.Errorf("hardware=cpu scheduler %+v, want %+v", c.Scheduler, want)
	}
	if c.SLO != (SLO{Quantile: 0.9}) {
		t.Errorf("slo defaults %+v", c.SLO)
	}
	if g := cfg.Given("scheduler.kind"); g != "" {
		t.Errorf("Given(scheduler.kind) = %q for a default", g)
	}
	c, cfg, err = loadBench(t, Options{}, "hardware=a100", "scheduler.chunk_size=128")
	if err != nil {
		t.Fatal(err)
	}
	want = Scheduler{Kind: "sarathi", MaxBatchSize: 128, ChunkSize: 128, BlockSize: 16, MaxTokensInBatch: 4096, WatermarkBlocksFraction: 0.01}
	if c.Scheduler != want {
		t.Errorf("hardware=a100 scheduler.chunk_size=128: %+v, want %+v", c.Scheduler, want)
	}
	if g := cfg.Given("scheduler.chunk_size"); g != "command line" {
		t.Errorf("Given(scheduler.chunk_size) = %q, want command line", g)
	}
	var none struct{}
	if _, err := Load(Schema{Tool: "t", Defaults: []byte("a: 1\n"), Target: &none, Sections: []string{"nosuch"}}, nil, Options{}); err == nil {
		t.Error("an unknown shared section was accepted")
	}
}

// TestKVBlocks: the capacity in blocks is num_kv_blocks when set, else
// what kv_cache_gb holds of the engine's fp32 KV, else 0.
func TestKVBlocks(t *testing.T) {
	// Qwen3-0.6B: 28 layers × 2 × 8 KV heads × 128 × 4 B = 229,376 B a
	// token, 3,670,016 B a 16-token block; 2 GB holds 544 blocks.
	a := Arch{NumLayers: 28, NumQHeads: 16, NumKVHeads: 8, HeadDim: 128, HiddenSize: 1024}
	for _, tc := range []struct {
		s    Scheduler
		want int
	}{
		{Scheduler{NumKVBlocks: 100, KVCacheGB: 2, BlockSize: 16}, 100},
		{Scheduler{KVCacheGB: 2, BlockSize: 16}, 544},
		{Scheduler{BlockSize: 16}, 0},
	} {
		if got := tc.s.KVBlocks(a); got != tc.want {
			t.Errorf("%+v: %d blocks, want %d", tc.s, got, tc.want)
		}
	}
	// head_dim absent: hidden / heads.
	a.HeadDim = 0
	a.HiddenSize = 2048
	if got := (Scheduler{KVCacheGB: 2, BlockSize: 16}).KVBlocks(a); got != 544 {
		t.Errorf("derived head_dim: %d blocks, want 544", got)
	}
}
