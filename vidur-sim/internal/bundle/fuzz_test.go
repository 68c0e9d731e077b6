package bundle

import (
	"bytes"
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
		for c, col := range r.Cols {
			if len(col) != r.N || len(r.Lines) != r.N {
				t.Fatalf("column %s has %d values, %d lines for %d rows", c, len(col), len(r.Lines), r.N)
			}
		}
		r.dedupe()
		r.filter(map[string]float64{"num_tokens": 1})
	})
}
