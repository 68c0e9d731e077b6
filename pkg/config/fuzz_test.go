package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzOverride: any command-line argument either loads or fails with a
// one-line *UsageError (exit status 2); it never panics, and a loaded
// configuration prints and hashes.
func FuzzOverride(f *testing.F) {
	for _, s := range []string{"bench.iters=1e3", "bench.sizes=[1,2]", "bench.tags=[0010, 'a b']", "model=qwen3_tiny",
		"+extra=5", "+bench.x={a: 1}", "model.arch=3", "bench.label=\"q\"", "bench.sizes=[[1]]", "=", "bench.seed=1e30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		var c benchCfg
		cfg, err := Load(benchSchema(&c), []string{arg}, Options{})
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: %T %v is not a UsageError", arg, err, err)
			}
			if strings.Contains(err.Error(), "\n") && !strings.Contains(arg, "\n") {
				t.Fatalf("%q: error is not one line: %q", arg, err)
			}
			return
		}
		if len(cfg.YAML()) == 0 || len(cfg.Hash()) != 8 {
			t.Fatalf("%q: empty YAML or bad hash", arg)
		}
	})
}
