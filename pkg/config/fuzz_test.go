package config

import (
	"errors"
	"os"
	"path/filepath"
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

// addYAMLSeeds adds every file matching the globs, relative to the
// package directory.
func addYAMLSeeds(f *testing.F, globs ...string) {
	f.Helper()
	n := 0
	for _, g := range globs {
		paths, err := filepath.Glob(g)
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seeds match %v", globs)
	}
}

// FuzzConfigFile: any file passed with --config either loads or fails
// with a one-line *UsageError naming the file; it never panics, and a
// loaded configuration prints, hashes, and loads again from what it
// printed (a saved config.yaml reproduces the run).
func FuzzConfigFile(f *testing.F) {
	addYAMLSeeds(f, "testdata/file/*.yaml", "conf/*/*.yaml", "conf/_sections/*.yaml")
	// One file, rewritten by each execution: a temporary directory per
	// execution would cost more than the load.
	dir := f.TempDir()
	path := filepath.Join(dir, "run.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var c benchCfg
		cfg, err := Load(benchSchema(&c), nil, Options{File: path})
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("%T %v is not a UsageError", err, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if len(cfg.YAML()) == 0 || len(cfg.Hash()) != 8 {
			t.Fatal("empty YAML or bad hash")
		}
		saved := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(saved, cfg.YAML(), 0o644); err != nil {
			t.Fatal(err)
		}
		var c2 benchCfg
		again, err := Load(benchSchema(&c2), nil, Options{File: saved})
		if err != nil {
			t.Fatalf("the printed configuration does not load: %v\n%s", err, cfg.YAML())
		}
		if again.Hash() != cfg.Hash() {
			t.Fatalf("hash %s, reloaded %s:\n%s\n%s", cfg.Hash(), again.Hash(), cfg.YAML(), again.YAML())
		}
	})
}

// FuzzDefaults: a tool's defaults YAML (the file each tool embeds) either
// loads or fails with an error; it never panics.
func FuzzDefaults(f *testing.F) {
	f.Add([]byte(benchDefaults))
	addYAMLSeeds(f, "testdata/file/*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		var c benchCfg
		s := benchSchema(&c)
		s.Defaults = data
		cfg, err := Load(s, nil, Options{})
		if err == nil && len(cfg.Hash()) != 8 {
			t.Fatal("bad hash")
		}
	})
}
