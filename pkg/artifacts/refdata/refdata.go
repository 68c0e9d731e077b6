package refdata

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

//go:embed testdata/a30-qwen2-7b
var files embed.FS

const root = "testdata/a30-qwen2-7b"

// Case paths inside the directory A30 returns.
const (
	// Profiles is the bundle root: compute/a30/Qwen/Qwen-2-7B/{mlp,attention}.csv
	// and network/a30_single_gpu/{all_reduce,send_recv}.csv.
	Profiles = "vidur-profiles"
	// Reference is Python Vidur's run: trace_2000.csv, request_metrics.csv,
	// config.json and predictions/*.csv.
	Reference = "vidur-reference/a30-qwen2-7b-sarathi"
)

// A30 writes the reference case under a fresh temporary directory of t and
// returns that directory. Files stored as NAME.gz come back as NAME.
func A30(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	if err := Extract(dst); err != nil {
		t.Fatalf("refdata: %v", err)
	}
	return dst
}

// Extract writes the reference case under dst, for a TestMain that wants
// one copy for all its tests (a run's outputs name the bundle's path, so
// tests that compare two runs need the same copy).
func Extract(dst string) error {
	return fs.WalkDir(files, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		out := filepath.Join(dst, filepath.FromSlash(rel))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".gz") {
			out = strings.TrimSuffix(out, ".gz")
			if b, err = gunzip(b); err != nil {
				return err
			}
		}
		return os.WriteFile(out, b, 0o644)
	})
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}
