package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts/refdata"
	"github.com/simcheck/simcheck/pkg/config/command/clitest"
)

// TestMain keeps every test's predictor cache out of the user's home, and
// unpacks the A30 reference case once: run outputs name the bundle's path,
// so two runs compared byte for byte must read the same copy. The CLI
// scripts run vidur-sim as a command.
func TestMain(m *testing.M) {
	clitest.Main(m, "vidur-sim", main, func() func() {
		dir, err := os.MkdirTemp("", "vidur-sim-cache-")
		if err != nil {
			panic(err)
		}
		os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
		a30Root = filepath.Join(dir, "a30")
		if err := refdata.Extract(a30Root); err != nil {
			panic(err)
		}
		return func() { os.RemoveAll(dir) }
	})
}

// runOutputs runs the A30 case and returns its stderr and the bytes of
// every output (run_meta.json without its wall-clock and path lines).
func runOutputs(t *testing.T, extra ...string) (string, map[string][]byte) {
	t.Helper()
	out := t.TempDir()
	stdout, stderr, st := runTool(t, append(append(a30Args(t, out), "run_id=c", "sim.chrome_trace=true"), extra...)...)
	if st != 0 {
		t.Fatalf("status %d: %s", st, stderr)
	}
	dir := strings.TrimSpace(stdout)
	files := map[string][]byte{}
	for _, f := range []string{"request_metrics.csv", "token_metrics.csv", "batch_metrics.csv", "chrome_trace.json", "run_meta.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "run_meta.json" {
			b = dropLines(b, "started_at", "output_root", "dir")
		}
		files[f] = b
	}
	return stderr, files
}

func sameOutputs(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	for f, b := range want {
		if !bytes.Equal(got[f], b) {
			t.Errorf("%s: %s differs from the run without the cache", what, f)
		}
	}
}

// cacheEntries lists the predictor cache's entries under dir.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "vidur-sim", "predictor-*.bin"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// cacheWarnings counts stderr's lines about the cache.
func cacheWarnings(stderr string) int {
	n := 0
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "predictor cache") {
			n++
		}
	}
	return n
}

// TestPredictorCacheSameOutputs: a run that fills the cache and a run
// that reads it write the same bytes as a run without it.
func TestPredictorCacheSameOutputs(t *testing.T) {
	_, want := runOutputs(t, "sim.cache=false")
	dir := t.TempDir()
	stderr, cold := runOutputs(t, "sim.cache_dir="+dir)
	if n := cacheWarnings(stderr); n != 0 {
		t.Fatalf("cold run warned about the cache: %s", stderr)
	}
	entries := cacheEntries(t, dir)
	if len(entries) != 1 {
		t.Fatalf("cache holds %v after one run", entries)
	}
	before, err := os.Stat(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	stderr, warm := runOutputs(t, "sim.cache_dir="+dir)
	if n := cacheWarnings(stderr); n != 0 {
		t.Fatalf("warm run warned about the cache: %s", stderr)
	}
	after, err := os.Stat(entries[0])
	if err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("the warm run rewrote its entry (%v): it did not read it", err)
	}
	sameOutputs(t, "cold cache", cold, want)
	sameOutputs(t, "warm cache", warm, want)
	// Another seed is another hold-out split: another entry.
	runOutputs(t, "sim.cache_dir="+dir, "sim.seed=7")
	if n := len(cacheEntries(t, dir)); n != 2 {
		t.Fatalf("%d entries after a run with another seed, want 2", n)
	}
}

// TestPredictorCacheDamagedEntry: a truncated, altered, foreign or
// garbage entry is reported once on stderr, ignored and rebuilt; the
// outputs do not change.
func TestPredictorCacheDamagedEntry(t *testing.T) {
	_, want := runOutputs(t, "sim.cache=false")
	dir := t.TempDir()
	runOutputs(t, "sim.cache_dir="+dir)
	entry := cacheEntries(t, dir)[0]
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x40
		return b
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)/2]},
		{"header_only", good[:len(cacheMagic)+64]},
		{"payload_byte_flipped", flip(len(good) - 10)},
		{"key_byte_flipped", flip(len(cacheMagic) + 3)},
		{"magic_byte_flipped", flip(2)},
		{"garbage", bytes.Repeat([]byte("x"), 5000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(entry, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			stderr, got := runOutputs(t, "sim.cache_dir="+dir)
			if n := cacheWarnings(stderr); n != 1 {
				t.Fatalf("%d cache warnings, want 1:\n%s", n, stderr)
			}
			sameOutputs(t, c.name, got, want)
			rebuilt, err := os.ReadFile(entry)
			if err != nil || !bytes.Equal(rebuilt, good) {
				t.Fatalf("entry not rebuilt (%v)", err)
			}
			if stderr, _ := runOutputs(t, "sim.cache_dir="+dir); cacheWarnings(stderr) != 0 {
				t.Fatalf("the rebuilt entry was refused:\n%s", stderr)
			}
		})
	}
}

// TestPredictorCacheUnwritable: a cache directory that cannot be created
// costs one warning, not the run.
func TestPredictorCacheUnwritable(t *testing.T) {
	_, want := runOutputs(t, "sim.cache=false")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	stderr, got := runOutputs(t, "sim.cache_dir="+filepath.Join(file, "below"))
	if n := cacheWarnings(stderr); n != 1 {
		t.Fatalf("%d cache warnings, want 1:\n%s", n, stderr)
	}
	sameOutputs(t, "unwritable cache", got, want)
}
