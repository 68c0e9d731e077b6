package profile

// Plan is every point a profile measures, in measurement order. The
// measurement loops iterate over its lists and the progress bar counts
// them, so the two cannot drift apart.
type Plan struct {
	Tokens     []int    // mlp.csv num_tokens: one prefill chunk of n tokens each
	Sequences  []int    // decode batch sizes timing the per-sequence tail (LM head…)
	Prefills   [][2]int // attention (chunk, kv_cache_size) prefill points
	Decodes    [][2]int // attention (batch_size, kv_cache_size) decode points
	CPUBatches []int    // cpu_overheads.csv batch sizes
	IdleGaps   []float64
	Jitter     bool // measure step_jitter.csv

	// The grids the points come from, as profile_meta.json records them.
	Chunks, KVs, Batches []int
}

// NewPlan lays out the grids of s.
func NewPlan(s Settings) Plan {
	p := Plan{
		Tokens:    TokenGrid(s.MaxTokens, s.GridStep),
		Sequences: BatchGrid(s.MaxBatchSize, 4),
		Chunks:    TokenGrid(min(s.MaxTokens, s.MaxKVCacheSize), s.GridStep*2),
		KVs:       LengthGrid(s.MaxKVCacheSize+1, s.GridStep),
		Batches:   BatchGrid(s.MaxBatchSize, 4),
		IdleGaps:  s.IdleGaps,
		Jitter:    s.JitterSteps > 0,
	}
	for _, c := range p.Chunks {
		for _, kv := range append([]int{0}, p.KVs...) {
			if c+kv <= s.MaxKVCacheSize {
				p.Prefills = append(p.Prefills, [2]int{c, kv})
			}
		}
	}
	for _, b := range p.Batches {
		for _, kv := range p.KVs {
			p.Decodes = append(p.Decodes, [2]int{b, kv})
		}
	}
	p.CPUBatches = p.Batches
	return p
}

// Points is how many progress steps the plan takes: one per measured
// point, two per idle gap (a decode and a prefill step after it), one for
// the jitter run.
func (p Plan) Points() int {
	n := len(p.Tokens) + len(p.Sequences) + len(p.Prefills) + len(p.Decodes) + len(p.CPUBatches) + 2*len(p.IdleGaps)
	if p.Jitter {
		n++
	}
	return n
}
