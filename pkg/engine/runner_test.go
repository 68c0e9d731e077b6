package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/simcheck/simcheck/pkg/engine/arch"
	"github.com/simcheck/simcheck/pkg/engine/backend"
	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
	"github.com/simcheck/simcheck/pkg/engine/weights"
)

// fakeClock advances 1 ms on every reading, so every timestamp is distinct
// and ordered.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { c.t = c.t.Add(time.Millisecond); return c.t }

func tinyRunner(t *testing.T, s sched.Settings) *Runner {
	t.Helper()
	a := arch.Arch{ModelType: "qwen3", NumHiddenLayers: 1, HiddenSize: 64, NumAttentionHeads: 2,
		NumKeyValueHeads: 1, HeadDim: 32, IntermediateSize: 64, VocabSize: 97, TieWordEmbeddings: true,
		InitializerRange: 0.5}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	w, err := weights.Bind(weights.Synthetic(a, 1, "F32"), a)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(a, w, "cpu", backend.Options{}, s)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Unix(0, 0)}
	r, err := NewRunner(m, Config{Sched: s, Seed: 1, Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type workload struct {
	at  int // step before which the request is added
	req Request
}

func makeWorkload() []workload {
	r := rand.New(rand.NewPCG(9, 9))
	var w []workload
	for i := range 8 {
		p := make([]int32, 3+r.IntN(24))
		for j := range p {
			p[j] = int32(r.IntN(97))
		}
		w = append(w, workload{at: []int{0, 0, 0, 2, 3, 3, 10, 25}[i], req: Request{ID: int64(100 + i), Prompt: p, MaxNewTokens: 4 + r.IntN(12)}})
	}
	return w
}

type outcome struct {
	tokens   map[int64][]int32
	restarts int
}

// run replays the workload and checks the rules every policy shares.
func run(t *testing.T, s sched.Settings, check func(StepReport)) outcome {
	t.Helper()
	r := tinyRunner(t, s)
	s, _ = s.WithDefaults()
	w := makeWorkload()
	out := outcome{tokens: map[int64][]int32{}}
	completed := map[int64]int{}
	started := map[int64]int{}
	maxNew := map[int64]int{}
	for _, x := range w {
		maxNew[x.req.ID] = x.req.MaxNewTokens
	}
	for step := 0; step < 2000; step++ {
		for _, x := range w {
			if x.at == step {
				if err := r.Add(x.req); err != nil {
					t.Fatal(err)
				}
			}
		}
		if r.Idle() && step > 25 {
			break
		}
		rep, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Items) > 0 && !rep.Scheduled.Before(rep.Completed) {
			t.Fatalf("step %d: scheduled %v not before completed %v", rep.BatchID, rep.Scheduled, rep.Completed)
		}
		if len(rep.Items) > s.MaxBatchSize {
			t.Errorf("step %d: %d items > max_batch_size %d", rep.BatchID, len(rep.Items), s.MaxBatchSize)
		}
		out.restarts += len(rep.Preempted)
		for _, it := range rep.Items {
			if it.FirstScheduled {
				started[it.ID]++
			}
			if it.Produced {
				if it.TokenTime.Before(rep.Scheduled) || it.TokenTime.After(rep.Completed) {
					t.Errorf("token time outside its step")
				}
				out.tokens[it.ID] = append(out.tokens[it.ID], it.TokenID)
				idx[it.ID] = append(idx[it.ID], it.TokenIndex)
			}
			if it.Completed {
				completed[it.ID]++
			}
		}
		if check != nil {
			check(rep)
		}
	}
	if !r.Idle() {
		t.Fatal("runner not idle after 2000 steps")
	}
	for id, n := range maxNew {
		if completed[id] != 1 || started[id] != 1 {
			t.Errorf("request %d: completed %d times, first-scheduled %d times", id, completed[id], started[id])
		}
		want := make([]int, n)
		for i := range want {
			want[i] = i
		}
		if !slices.Equal(idx[id], want) {
			t.Errorf("request %d: token indices %v, want 0..%d exactly once", id, idx[id], n-1)
		}
	}
	clear(idx)
	return out
}

var idx = map[int64][]int{}

// TestTransformersOneAtATime: HF generate semantics, one request per step,
// the whole prompt in its first step.
func TestTransformersOneAtATime(t *testing.T) {
	run(t, sched.Settings{Kind: "transformers", NumKVBlocks: 64, BlockSize: 4}, func(r StepReport) {
		if len(r.Items) > 1 {
			t.Errorf("step %d batches %d requests", r.BatchID, len(r.Items))
		}
		for _, it := range r.Items {
			if it.FirstScheduled && !it.Produced {
				t.Errorf("step %d: prefill of %d did not finish in one step", r.BatchID, it.ID)
			}
		}
	})
}

// TestSarathiBudgetAndDecodeFirst: each step's tokens fit chunk_size, and
// decodes come before any prefill in the batch (serving-semantics.md §5 1–3).
func TestSarathiBudgetAndDecodeFirst(t *testing.T) {
	chunked := false
	run(t, sched.Settings{Kind: "sarathi", ChunkSize: 16, MaxBatchSize: 4, NumKVBlocks: 64, BlockSize: 4}, func(r StepReport) {
		tokens, sawPrefill := 0, false
		for _, it := range r.Items {
			tokens += it.PrefillTokens
			if it.Decode {
				tokens++
				if sawPrefill {
					t.Errorf("step %d: decode of %d after a prefill", r.BatchID, it.ID)
				}
			} else {
				sawPrefill = true
				if !it.Produced {
					chunked = true
				}
			}
		}
		if tokens > 16 {
			t.Errorf("step %d: %d tokens > chunk_size 16", r.BatchID, tokens)
		}
	})
	if !chunked {
		t.Error("no prompt was split into chunks; the test does not exercise chunking")
	}
}

// TestVLLMNeverMixes: a step is all prefills or all decodes, and prefill
// batches respect max_tokens_in_batch.
func TestVLLMNeverMixes(t *testing.T) {
	run(t, sched.Settings{Kind: "vllm", MaxBatchSize: 4, MaxTokensInBatch: 64, NumKVBlocks: 64, BlockSize: 4}, func(r StepReport) {
		pre, dec, tokens := 0, 0, 0
		for _, it := range r.Items {
			tokens += it.PrefillTokens
			if it.Decode {
				dec++
			} else {
				pre++
				if !it.Produced {
					t.Errorf("step %d: vllm chunked the prompt of %d", r.BatchID, it.ID)
				}
			}
		}
		if pre > 0 && dec > 0 {
			t.Errorf("step %d mixes %d prefills and %d decodes", r.BatchID, pre, dec)
		}
		if tokens > 64 {
			t.Errorf("step %d: %d prefill tokens > 64", r.BatchID, tokens)
		}
	})
}

// TestRestartOnKVExhaustion: with a cache too small for every running
// request, sarathi and vllm preempt by restart, every request still gets
// exactly its tokens, and (greedy) the tokens equal the roomy run's:
// recompute conserves them.
func TestRestartOnKVExhaustion(t *testing.T) {
	for _, kind := range []string{"sarathi", "vllm"} {
		t.Run(kind, func(t *testing.T) {
			roomy := run(t, sched.Settings{Kind: kind, ChunkSize: 32, MaxBatchSize: 8, NumKVBlocks: 200, BlockSize: 4}, nil)
			tight := run(t, sched.Settings{Kind: kind, ChunkSize: 32, MaxBatchSize: 8, NumKVBlocks: 12, BlockSize: 4}, nil)
			if tight.restarts == 0 {
				t.Fatal("the tight cache caused no restart")
			}
			if roomy.restarts != 0 {
				t.Errorf("the roomy cache restarted %d times", roomy.restarts)
			}
			for id, toks := range roomy.tokens {
				if !slices.Equal(toks, tight.tokens[id]) {
					t.Errorf("request %d: tokens %v with restarts, %v without", id, tight.tokens[id], toks)
				}
			}
		})
	}
}

// TestPreemptWhenNoBlockIsFree: vLLM's block manager (and Vidur's model
// of it) lets a sequence decode only while a block is free, even when its
// next token fits its last block: with the cache full, the newest running
// sequence is restarted; a sequence running alone is never restarted for a
// block it does not need.
func TestPreemptWhenNoBlockIsFree(t *testing.T) {
	// Two 6-token prompts fill 4 blocks of 4; each first decode token (the
	// 7th) still fits its second block.
	r := tinyRunner(t, sched.Settings{Kind: "vllm", MaxBatchSize: 8, NumKVBlocks: 4, BlockSize: 4})
	for id := range int64(2) {
		if err := r.Add(Request{ID: id, Prompt: make([]int32, 6), MaxNewTokens: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if rep, err := r.Step(); err != nil || len(rep.Items) != 2 {
		t.Fatalf("prefill step: %v, %d items", err, len(rep.Items))
	}
	rep, err := r.Step()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Preempted) != 1 || rep.Preempted[0] != 1 || len(rep.Items) != 1 || rep.Items[0].ID != 0 {
		t.Fatalf("full cache: preempted %v, items %+v; want request 1 restarted and request 0 decoding", rep.Preempted, rep.Items)
	}
	// Request 0 now runs alone in a cache whose free blocks request 1's
	// restart (admitted back when it fits) may take: it finishes without
	// restarting itself.
	for !r.Idle() {
		rep, err := r.Step()
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range rep.Preempted {
			if id == 0 {
				t.Fatal("the oldest request was restarted")
			}
		}
	}
}

func TestAddRejectsImpossibleRequests(t *testing.T) {
	r := tinyRunner(t, sched.Settings{Kind: "sarathi", NumKVBlocks: 4, BlockSize: 4})
	for _, req := range []Request{
		{ID: 1, Prompt: make([]int32, 15), MaxNewTokens: 2}, // 17 tokens > 16 slots
		{ID: 2, Prompt: []int32{1}, MaxNewTokens: 0},
		{ID: 3, Prompt: []int32{1000}, MaxNewTokens: 1},
	} {
		if err := r.Add(req); err == nil {
			t.Errorf("request %d accepted", req.ID)
		}
	}
	if err := r.Add(Request{ID: 4, Prompt: []int32{1}, MaxNewTokens: 1}); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(Request{ID: 4, Prompt: []int32{1}, MaxNewTokens: 1}); err == nil {
		t.Error("duplicate id accepted")
	}
	if _, err := sched.New(sched.Settings{Kind: "orca"}, nil); err == nil {
		t.Error("unknown scheduler accepted")
	}
}

// TestSampledTokensFollowTheSeed: with temperature sampling, the same seed
// gives the same tokens and another seed other tokens; an EOS in the list
// ends a request early when StopAtEOS is set.
func TestSampledTokensFollowTheSeed(t *testing.T) {
	gen := func(seed uint64, stop bool, eos []int32) [][]int32 {
		r := tinyRunner(t, sched.Settings{Kind: "sarathi", NumKVBlocks: 64})
		r.cfg.Seed, r.cfg.Sampling, r.cfg.StopAtEOS, r.cfg.EOS = seed, model.Sampling{Temperature: 2, TopP: 0.95}, stop, eos
		r.rng = rand.New(rand.NewPCG(seed, 0x5eed))
		out := make([][]int32, 3)
		for i := range out {
			if err := r.Add(Request{ID: int64(i), Prompt: []int32{int32(5 + i), 7, 9}, MaxNewTokens: 24}); err != nil {
				t.Fatal(err)
			}
		}
		for !r.Idle() {
			rep, err := r.Step()
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range rep.Items {
				if it.Produced {
					out[it.ID] = append(out[it.ID], it.TokenID)
				}
			}
		}
		return out
	}
	a, b, c := gen(3, false, nil), gen(3, false, nil), gen(4, false, nil)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Fatalf("seed 3 twice: %v vs %v", a, b)
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Fatalf("seeds 3 and 4 sampled the same 72 tokens: %v", a)
	}
	// Stop at the 5th token of request 0 by naming it EOS.
	eos := a[0][4]
	d := gen(3, true, []int32{-1, eos})
	first := slices.Index(a[0], eos)
	if len(d[0]) != first+1 || d[0][first] != eos {
		t.Fatalf("EOS %d first sampled at index %d, but request 0 produced %v", eos, first, d[0])
	}
}
