package predict

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// FuzzMLPRows: the column view of whatever mlp.csv pkg/artifacts reads
// has one value per row in every column, and filtering and dropping
// duplicates never panic. (The file's parser has its own fuzz target.)
func FuzzMLPRows(f *testing.F) {
	const head = "num_tokens,n_head,n_kv_head,n_embd,n_expanded_embd,num_tensor_parallel_workers,time_stats.attn_pre_proj.median,time_stats.attn_post_proj.median,time_stats.attn_rope.median,time_stats.mlp_up_proj.median,time_stats.mlp_down_proj.median,time_stats.mlp_act.median"
	f.Add([]byte(head + ",use_gated_mlp,time_stats.add.median\n1,16,8,1024,3072,1,0.5,0.5,0.5,0.5,0.5,0.5,True,0.1\n1,16,8,1024,3072,1,0.5,0.5,0.5,0.5,0.5,0.5,True,0.1\n2,16,8,1024,3072,1,,,,,,,False,\n"))
	f.Add([]byte(head + "\n1,16,8,1024,3072,1,abc,,,,,\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := artifacts.ReadMLP("mlp.csv", bytes.NewReader(data))
		if err != nil {
			return
		}
		r := mlpRows(tab)
		for c, col := range r.cols {
			if len(col) != r.n || len(r.lines) != r.n {
				t.Fatalf("column %s has %d values, %d lines for %d rows", c, len(col), len(r.lines), r.n)
			}
		}
		r.dedupe()
		r.filter(map[string]float64{"num_tokens": 1})
	})
}

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
