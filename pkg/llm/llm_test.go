package llm

import (
	"math"
	"slices"
	"testing"
	"time"
)

var tiny = Arch{NumLayers: 2, Hidden: 64, QHeads: 4, KVHeads: 2, HeadDim: 16, Intermediate: 128, Vocab: 512,
	RopeTheta: 1e6, Eps: 1e-6, QKNorm: true, TiedEmbeddings: true}

func newTiny(t testing.TB, a Arch) *Model {
	t.Helper()
	m, err := NewModel(a, SyntheticWeights(a, 7), Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	m.keepLogits = true
	return m
}

// refLogits is an independent float64 forward: full causal recompute of
// the whole sequence, no cache, no batching; logits of the last position.
func refLogits(a Arch, w *Weights, toks []int) []float64 {
	h, d, q, kv := a.Hidden, a.HeadDim, a.QHeads*a.HeadDim, a.KVHeads*a.HeadDim
	n := len(toks)
	f := func(s []float32) []float64 {
		o := make([]float64, len(s))
		for i, v := range s {
			o[i] = float64(v)
		}
		return o
	}
	norm := func(x []float64, wt []float32) []float64 {
		var ss float64
		for _, v := range x {
			ss += v * v
		}
		inv := 1 / math.Sqrt(ss/float64(len(x))+a.Eps)
		o := make([]float64, len(x))
		for i := range x {
			o[i] = x[i] * inv * float64(wt[i])
		}
		return o
	}
	mv := func(wt []float32, x []float64, out int) []float64 {
		o := make([]float64, out)
		for r := 0; r < out; r++ {
			var s float64
			for c := range x {
				s += float64(wt[r*len(x)+c]) * x[c]
			}
			o[r] = s
		}
		return o
	}
	rot := func(v []float64, pos int) {
		half := len(v) / 2
		for i := 0; i < half; i++ {
			th := float64(pos) / math.Pow(a.RopeTheta, float64(2*i)/float64(len(v)))
			x0, x1 := v[i], v[i+half]
			v[i], v[i+half] = x0*math.Cos(th)-x1*math.Sin(th), x1*math.Cos(th)+x0*math.Sin(th)
		}
	}
	x := make([][]float64, n)
	for i, t := range toks {
		x[i] = f(w.Embed[t*h : (t+1)*h])
	}
	for _, l := range w.Layers {
		Q, K, V := make([][]float64, n), make([][]float64, n), make([][]float64, n)
		for i := range x {
			qkv := mv(l.QKV, norm(x[i], l.InNorm), q+2*kv)
			for e := range l.QKVBias {
				qkv[e] += float64(l.QKVBias[e])
			}
			Q[i], K[i], V[i] = qkv[:q], qkv[q:q+kv], qkv[q+kv:]
			for hd := 0; hd < a.QHeads; hd++ {
				if a.QKNorm {
					copy(Q[i][hd*d:(hd+1)*d], norm(Q[i][hd*d:(hd+1)*d], l.QNorm))
				}
				rot(Q[i][hd*d:(hd+1)*d], i)
			}
			for hd := 0; hd < a.KVHeads; hd++ {
				if a.QKNorm {
					copy(K[i][hd*d:(hd+1)*d], norm(K[i][hd*d:(hd+1)*d], l.KNorm))
				}
				rot(K[i][hd*d:(hd+1)*d], i)
			}
		}
		for i := range x {
			att := make([]float64, q)
			for hd := 0; hd < a.QHeads; hd++ {
				g := hd / (a.QHeads / a.KVHeads)
				sc := make([]float64, i+1)
				mx := math.Inf(-1)
				for p := 0; p <= i; p++ {
					var s float64
					for e := 0; e < d; e++ {
						s += Q[i][hd*d+e] * K[p][g*d+e]
					}
					sc[p] = s / math.Sqrt(float64(d))
					mx = math.Max(mx, sc[p])
				}
				var sum float64
				for p := range sc {
					sc[p] = math.Exp(sc[p] - mx)
					sum += sc[p]
				}
				for p := range sc {
					for e := 0; e < d; e++ {
						att[hd*d+e] += sc[p] / sum * V[p][g*d+e]
					}
				}
			}
			o := mv(l.O, att, h)
			for e := range o {
				x[i][e] += o[e]
			}
			gu := mv(l.GateUp, norm(x[i], l.PostNorm), 2*a.Intermediate)
			act := make([]float64, a.Intermediate)
			for e := range act {
				g := gu[e]
				act[e] = g / (1 + math.Exp(-g)) * gu[a.Intermediate+e]
			}
			dn := mv(l.Down, act, h)
			for e := range dn {
				x[i][e] += dn[e]
			}
		}
	}
	head := w.LMHead
	if head == nil {
		head = w.Embed
	}
	return mv(head, norm(x[n-1], w.Norm), a.Vocab)
}

func maxDiff(a []float32, b []float64) float64 {
	m := 0.0
	for i := range b {
		m = math.Max(m, math.Abs(float64(a[i])-b[i]))
	}
	return m
}

// One forward with the cache against the float64 reference. Tolerance:
// fp32 accumulation over hidden 64 and 2 layers, logits of magnitude ~1:
// 1e-4 absolute leaves a wide margin over the ~1e-6 seen.
func TestForwardMatchesReference(t *testing.T) {
	for _, a := range []Arch{tiny, func() Arch { b := tiny; b.QKNorm, b.QKVBias, b.TiedEmbeddings = false, true, false; return b }()} {
		m := newTiny(t, a)
		toks := []int{5, 77, 300, 1, 511, 42, 8, 9, 10}
		c := newKVCache(a, 4, 16)
		table, _ := c.grow(nil, len(toks))
		m.forward(c, []chunk{{tokens: toks, table: table, logits: true}})
		ref := refLogits(a, m.w, toks)
		if d := maxDiff(m.lastLogits, ref); d > 1e-4 {
			t.Errorf("arch %+v: max |logit − reference| = %g", a, d)
		}
	}
}

// Decoding with the cache, chunked prefill, and batching must all give
// the logits of a full recompute.
func TestCacheChunkAndBatchInvariants(t *testing.T) {
	m := newTiny(t, tiny)
	toks := []int{3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46}
	ref := refLogits(tiny, m.w, toks)
	c := newKVCache(tiny, 4, 32)
	table, _ := c.grow(nil, len(toks))
	// Chunks of 4, 4, 2, then one decode-like step.
	for _, r := range [][2]int{{0, 4}, {4, 8}, {8, 10}, {10, 11}} {
		m.forward(c, []chunk{{tokens: toks[r[0]:r[1]], start: r[0], table: table, logits: r[1] == len(toks), decode: r[1]-r[0] == 1}})
	}
	if d := maxDiff(m.lastLogits, ref); d > 1e-4 {
		t.Errorf("chunked + cached decode: max diff %g", d)
	}
	// A batch of three sequences equals each run alone.
	other := []int{100, 200, 300}
	refOther := refLogits(tiny, m.w, other)
	c2 := newKVCache(tiny, 4, 32)
	t1, _ := c2.grow(nil, len(toks))
	t2, _ := c2.grow(nil, len(other))
	m.forward(c2, []chunk{{tokens: toks, table: t1, logits: true}, {tokens: other, table: t2, logits: true}})
	if d := maxDiff(m.lastLogits[:tiny.Vocab], ref); d > 1e-4 {
		t.Errorf("batched seq 0: %g", d)
	}
	if d := maxDiff(m.lastLogits[tiny.Vocab:], refOther); d > 1e-4 {
		t.Errorf("batched seq 1: %g", d)
	}
}

type fakeClock struct{ t float64 }

func (f *fakeClock) now() float64 { f.t += 0.001; return f.t }

func runAll(t *testing.T, sc SchedulerConfig, reqs []Request) (map[int][]int, []*StepReport) {
	t.Helper()
	m := newTiny(t, tiny)
	clk := &fakeClock{}
	r, err := NewRunner(m, sc, clk.now, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range reqs {
		if err := r.Add(q); err != nil {
			t.Fatal(err)
		}
	}
	got := map[int][]int{}
	var reps []*StepReport
	for steps := 0; r.Busy(); steps++ {
		if steps > 10000 {
			t.Fatal("no progress")
		}
		rep, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
		for _, e := range rep.Entries {
			if e.TokenIndex >= 0 {
				if e.TokenIndex != len(got[e.RequestID]) {
					t.Fatalf("request %d: token index %d after %d tokens", e.RequestID, e.TokenIndex, len(got[e.RequestID]))
				}
				got[e.RequestID] = append(got[e.RequestID], e.Token)
			}
		}
	}
	return got, reps
}

func requests(n int) []Request {
	var out []Request
	for i := 0; i < n; i++ {
		p := make([]int, 5+7*i%23)
		for j := range p {
			p[j] = (i*31 + j*7) % 512
		}
		out = append(out, Request{ID: i, Prompt: p, MaxNewTokens: 3 + i%4})
	}
	return out
}

func TestSchedulers(t *testing.T) {
	reqs := requests(6)
	var want map[int][]int
	for _, sc := range []SchedulerConfig{
		{Kind: "transformers", MaxBatchSize: 1, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 64},
		{Kind: "sarathi", MaxBatchSize: 4, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 64},
		{Kind: "vllm", MaxBatchSize: 4, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 40},
		{Kind: "sarathi", MaxBatchSize: 4, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 12, MaxTokensInBatch: 64}, // tight: restarts
		{Kind: "vllm", MaxBatchSize: 4, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 12, MaxTokensInBatch: 64},
	} {
		got, reps := runAll(t, sc, reqs)
		restarts := 0
		for _, rep := range reps {
			tokens, prefill, decode, size := 0, 0, 0, 0
			for _, e := range rep.Entries {
				if e.Restarted {
					restarts++
					continue
				}
				size++
				tokens += e.PrefillTokens
				if e.Decode {
					decode++
					tokens++
				} else {
					prefill++
				}
			}
			switch sc.Kind {
			case "transformers":
				if size > 1 {
					t.Fatalf("transformers ran %d requests in one step", size)
				}
			case "sarathi":
				if tokens > sc.ChunkSize || size > sc.MaxBatchSize {
					t.Fatalf("sarathi step over budget: %d tokens, %d requests", tokens, size)
				}
			case "vllm":
				if prefill > 0 && decode > 0 {
					t.Fatalf("vllm mixed %d prefills with %d decodes", prefill, decode)
				}
			}
		}
		for _, q := range reqs {
			if len(got[q.ID]) != q.MaxNewTokens {
				t.Fatalf("%s: request %d got %d tokens, want %d", sc.Kind, q.ID, len(got[q.ID]), q.MaxNewTokens)
			}
		}
		// Greedy decoding is deterministic: every schedule, with or
		// without restarts, gives the same tokens.
		if want == nil {
			want = got
		} else {
			for id := range want {
				if !slices.Equal(want[id], got[id]) {
					t.Errorf("%s (blocks %d): request %d tokens %v, transformers gave %v", sc.Kind, sc.NumKVBlocks, id, got[id], want[id])
				}
			}
		}
		if sc.NumKVBlocks == 12 && restarts == 0 {
			t.Errorf("%s with 12 blocks: expected restarts", sc.Kind)
		}
	}
}

func TestSarathiDecodesFirst(t *testing.T) {
	_, reps := runAll(t, SchedulerConfig{Kind: "sarathi", MaxBatchSize: 8, ChunkSize: 6, BlockSize: 4, NumKVBlocks: 64, MaxTokensInBatch: 64}, requests(4))
	for _, rep := range reps {
		seenPrefill := false
		for _, e := range rep.Entries {
			if e.Restarted {
				continue
			}
			if !e.Decode {
				seenPrefill = true
			} else if seenPrefill {
				t.Fatalf("batch %d: a decode after a prefill", rep.BatchID)
			}
		}
	}
}

func TestAddValidation(t *testing.T) {
	m := newTiny(t, tiny)
	r, _ := NewRunner(m, SchedulerConfig{Kind: "sarathi", MaxBatchSize: 2, ChunkSize: 8, BlockSize: 4, NumKVBlocks: 2, MaxTokensInBatch: 8}, func() float64 { return 0 }, 0)
	if err := r.Add(Request{ID: 1, Prompt: make([]int, 8), MaxNewTokens: 4}); err == nil {
		t.Error("a request larger than the cache was accepted")
	}
	if err := r.Add(Request{ID: 2, Prompt: []int{600}, MaxNewTokens: 1}); err == nil {
		t.Error("a token outside the vocabulary was accepted")
	}
	if _, err := NewRunner(m, SchedulerConfig{Kind: "fifo", MaxBatchSize: 1, ChunkSize: 1, BlockSize: 1, NumKVBlocks: 1, MaxTokensInBatch: 1}, nil, 0); err == nil {
		t.Error("unknown scheduler accepted")
	}
}

func TestProfileForwardTimesEveryOp(t *testing.T) {
	m := newTiny(t, tiny)
	seen := map[string]int{}
	m.SetOpTimer(func(op string, _ time.Duration) { seen[op]++ })
	if err := m.ProfileForward([][2]int{{5, 3}}, []int{7, 2}, 4); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"emb", "input_layernorm", "attn_pre_proj", "attn_qk_norm", "attn_rope", "attn_kv_cache_save",
		"attn_prefill", "attn_decode", "attn_post_proj", "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "norm", "lm_head", "sample"} {
		if seen[op] == 0 {
			t.Errorf("%s not timed", op)
		}
	}
	if seen["add"] != 2*tiny.NumLayers || seen["mlp_up_proj"] != tiny.NumLayers {
		t.Errorf("per-layer counts: add %d, mlp_up_proj %d", seen["add"], seen["mlp_up_proj"])
	}
}
