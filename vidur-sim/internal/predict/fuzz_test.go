package predict

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzTables: Vidur's prediction-table reader never panics.
func FuzzTables(f *testing.F) {
	f.Add([]byte("num_tokens,prediction\n1,0.5\n3,0.7\n"), []byte("kv_cache_size,prefill_chunk_size_squared,prediction\n0,1,0.1\n64,4,0.2\n"))
	f.Add([]byte("num_tokens,prediction\n-1,0.5\n"), []byte("kv_cache_size,prefill_chunk_size_squared,prediction\n0,2,0.1\n"))
	f.Add([]byte("num_tokens,prediction\n99999999999,1\n"), []byte("kv_cache_size,prefill_chunk_size_squared,prediction\n0,1,0.1\n5,1,1\n7,1,1\n"))
	// Scratch files made once and overwritten by each execution: a
	// temporary directory per execution cost more than the reads, and
	// left minimizing a new input no time to finish.
	dir := f.TempDir()
	p1 := filepath.Join(dir, "add.csv")
	p2 := filepath.Join(dir, "prefill.csv")
	f.Fuzz(func(t *testing.T, one, two []byte) {
		if err := os.WriteFile(p1, one, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p2, two, 0o644); err != nil {
			t.Fatal(err)
		}
		if tab, err := read1(p1, "num_tokens"); err == nil {
			for i := range tab {
				_ = tab[i]
			}
		}
		var g grid2
		if err := g.read(p2, "kv_cache_size", "prefill_chunk_size_squared", true); err == nil {
			if len(g.v) != g.nx*g.ny {
				t.Fatalf("grid %d×%d holds %d values", g.nx, g.ny, len(g.v))
			}
			g.at(0, 1)
			g.at(1<<40, 1<<40)
		}
	})
}
