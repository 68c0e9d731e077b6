package llm

import (
	"errors"
	"fmt"
	"slices"
)

// SchedulerConfig configures iteration-level scheduling.
//
//   - transformers: one request at a time, whole prefill then decode to
//     the end, like Hugging Face generate().
//   - sarathi: a token budget of ChunkSize per step; running decodes
//     first, then partial prefills continue, then new requests are
//     admitted FIFO while the budget, MaxBatchSize and KV blocks allow
//     (chunked prefill, Sarathi-Serve's policy).
//   - vllm: prefill-first: when waiting requests fit, a step of whole
//     prefills (at most MaxTokensInBatch tokens), else a decode step;
//     never mixed.
//
// When a running decode needs a KV block and none is free, the most
// recently admitted running request is preempted by restart: its blocks
// are freed and it later re-prefills its prompt and the tokens it had
// generated.
type SchedulerConfig struct {
	Kind                                                              string
	MaxBatchSize, ChunkSize, BlockSize, NumKVBlocks, MaxTokensInBatch int
}

// Request is one generation request.
type Request struct {
	ID           int
	Prompt       []int
	MaxNewTokens int
	StopAtEOS    bool
	EOS          []int
}

// StepReport is what one iteration did.
type StepReport struct {
	BatchID                  int
	ScheduledAt, CompletedAt float64
	Entries                  []StepEntry
}

// StepEntry is one request's part of an iteration.
type StepEntry struct {
	RequestID      int
	PrefillTokens  int  // prompt tokens processed in this step
	Decode         bool // one generated token fed back
	FirstScheduled bool
	TokenIndex     int // output token produced (0 = made at the end of the prefill); -1 if none
	Token          int
	Done           bool
	Restarted      bool // preempted by restart in this step
}

type seq struct {
	req       Request
	tokens    []int // prompt, then generated tokens
	generated int
	processed int // positions whose KV is cached
	table     []int
	started   bool
	restarts  int
}

func (s *seq) decoding() bool { return s.generated > 0 && s.processed == len(s.tokens)-1 }

// Runner schedules and runs requests one iteration at a time.
type Runner struct {
	m       *Model
	sc      SchedulerConfig
	clock   func() float64
	cache   *kvCache
	waiting []*seq
	running []*seq
	batchID int
}

// NewRunner makes a runner with its own KV cache.
func NewRunner(m *Model, sc SchedulerConfig, clock func() float64, seed uint64) (*Runner, error) {
	switch sc.Kind {
	case "transformers", "sarathi", "vllm":
	default:
		return nil, fmt.Errorf("llm: unknown scheduler %q (transformers, sarathi, vllm)", sc.Kind)
	}
	if sc.MaxBatchSize < 1 || sc.ChunkSize < 1 || sc.BlockSize < 1 || sc.NumKVBlocks < 1 || sc.MaxTokensInBatch < 1 {
		return nil, fmt.Errorf("llm: scheduler settings must be positive: %+v", sc)
	}
	_ = seed // sampling is greedy; the seed is kept for temperature sampling
	return &Runner{m: m, sc: sc, clock: clock, cache: newKVCache(m.a, sc.BlockSize, sc.NumKVBlocks)}, nil
}

// Add queues a request.
func (r *Runner) Add(q Request) error {
	if len(q.Prompt) == 0 || q.MaxNewTokens < 1 {
		return fmt.Errorf("request %d: needs a prompt and at least one output token", q.ID)
	}
	for _, t := range q.Prompt {
		if t < 0 || t >= r.m.a.Vocab {
			return fmt.Errorf("request %d: token %d outside the vocabulary of %d", q.ID, t, r.m.a.Vocab)
		}
	}
	need := (len(q.Prompt) + q.MaxNewTokens + r.sc.BlockSize - 1) / r.sc.BlockSize
	if need > r.sc.NumKVBlocks {
		return fmt.Errorf("request %d: %d prompt + %d output tokens need %d KV blocks, the cache has %d",
			q.ID, len(q.Prompt), q.MaxNewTokens, need, r.sc.NumKVBlocks)
	}
	r.waiting = append(r.waiting, &seq{req: q, tokens: slices.Clone(q.Prompt)})
	return nil
}

// Busy reports whether any request is waiting or running.
func (r *Runner) Busy() bool { return len(r.waiting)+len(r.running) > 0 }

type planned struct {
	s *seq
	n int
}

// Step runs one iteration. It returns nil when there is nothing to do.
func (r *Runner) Step() (*StepReport, error) {
	if !r.Busy() {
		return nil, nil
	}
	rep := &StepReport{BatchID: r.batchID, ScheduledAt: r.clock()}
	plan := r.schedule(rep)
	// Prefills that hold blocks but cannot grow would wait forever:
	// restart the newest until something fits.
	for len(plan) == 0 && len(r.running) > 0 {
		r.preempt(nil, rep)
		plan = r.schedule(rep)
	}
	if len(plan) == 0 {
		if len(rep.Entries) > 0 {
			rep.CompletedAt = r.clock()
			return rep, nil
		}
		return nil, errors.New("llm: scheduler made no progress (KV cache too small for any waiting request)")
	}
	r.batchID++
	batch := make([]chunk, len(plan))
	for i, p := range plan {
		s := p.s
		end := s.processed + p.n
		batch[i] = chunk{tokens: s.tokens[s.processed:end], start: s.processed, table: s.table,
			logits: end == len(s.tokens), decode: s.decoding() && p.n == 1}
	}
	sampled := r.m.forward(r.cache, batch)
	k := 0
	for i, p := range plan {
		s := p.s
		e := StepEntry{RequestID: s.req.ID, TokenIndex: -1, FirstScheduled: !s.started}
		s.started = true
		if batch[i].decode {
			e.Decode = true
		} else {
			e.PrefillTokens = p.n
		}
		s.processed += p.n
		if batch[i].logits {
			tok := sampled[k]
			k++
			s.tokens = append(s.tokens, tok)
			e.TokenIndex, e.Token = s.generated, tok
			s.generated++
			if s.generated == s.req.MaxNewTokens || (s.req.StopAtEOS && slices.Contains(s.req.EOS, tok)) {
				e.Done = true
				r.finish(s)
			}
		}
		rep.Entries = append(rep.Entries, e)
	}
	rep.CompletedAt = r.clock()
	return rep, nil
}

func (r *Runner) finish(s *seq) {
	r.cache.release(s.table)
	s.table = nil
	r.running = slices.DeleteFunc(r.running, func(x *seq) bool { return x == s })
}

// preempt restarts the most recently admitted running request other
// than keep (or keep itself when it is the only one).
func (r *Runner) preempt(keep *seq, rep *StepReport) *seq {
	if len(r.running) == 0 {
		return nil
	}
	v := r.running[len(r.running)-1]
	if v == keep && len(r.running) > 1 {
		v = r.running[len(r.running)-2]
	}
	r.running = slices.DeleteFunc(r.running, func(x *seq) bool { return x == v })
	r.cache.release(v.table)
	v.table, v.processed = nil, 0
	v.restarts++
	r.waiting = append([]*seq{v}, r.waiting...)
	rep.Entries = append(rep.Entries, StepEntry{RequestID: v.req.ID, TokenIndex: -1, Restarted: true})
	return v
}

// reserve grows s's blocks to cover n more tokens.
func (r *Runner) reserve(s *seq, n int) bool {
	t, err := r.cache.grow(s.table, s.processed+n)
	if err != nil {
		return false
	}
	s.table = t
	return true
}

// reserveDecodes makes room for one more token of every running decode,
// preempting the newest requests when blocks run out.
func (r *Runner) reserveDecodes(rep *StepReport) []*seq {
	var out []*seq
	for i := 0; i < len(r.running); i++ {
		s := r.running[i]
		if !s.decoding() {
			continue
		}
		for !r.reserve(s, 1) {
			v := r.preempt(s, rep)
			if v == s || v == nil {
				s = nil
				break
			}
		}
		if s == nil {
			break
		}
		out = append(out, s)
	}
	// A preemption may have removed requests already collected.
	return slices.DeleteFunc(out, func(x *seq) bool { return !slices.Contains(r.running, x) })
}

func (r *Runner) schedule(rep *StepReport) []planned {
	switch r.sc.Kind {
	case "transformers":
		return r.scheduleOne(rep)
	case "vllm":
		return r.scheduleVLLM(rep)
	}
	return r.scheduleSarathi(rep)
}

func (r *Runner) scheduleOne(rep *StepReport) []planned {
	if len(r.running) == 0 {
		s := r.waiting[0]
		if !r.reserve(s, len(s.tokens)) {
			return nil
		}
		r.waiting = r.waiting[1:]
		r.running = append(r.running, s)
		return []planned{{s, len(s.tokens)}}
	}
	s := r.running[0]
	if !r.reserve(s, len(s.tokens)-s.processed) {
		r.preempt(nil, rep)
		return nil
	}
	return []planned{{s, len(s.tokens) - s.processed}}
}

func (r *Runner) scheduleSarathi(rep *StepReport) []planned {
	budget := r.sc.ChunkSize
	var plan []planned
	for _, s := range r.reserveDecodes(rep) {
		if len(plan) == r.sc.MaxBatchSize || budget == 0 {
			break
		}
		plan = append(plan, planned{s, 1})
		budget--
	}
	for _, s := range r.running {
		if s.decoding() || budget == 0 || len(plan) == r.sc.MaxBatchSize {
			continue
		}
		n := min(len(s.tokens)-s.processed, budget)
		if !r.reserve(s, n) {
			continue
		}
		plan = append(plan, planned{s, n})
		budget -= n
	}
	for len(r.waiting) > 0 && budget > 0 && len(plan) < r.sc.MaxBatchSize && len(r.running) < r.sc.MaxBatchSize {
		s := r.waiting[0]
		n := min(len(s.tokens)-s.processed, budget)
		if !r.reserve(s, n) {
			break
		}
		r.waiting = r.waiting[1:]
		r.running = append(r.running, s)
		plan = append(plan, planned{s, n})
		budget -= n
	}
	return plan
}

func (r *Runner) scheduleVLLM(rep *StepReport) []planned {
	var plan []planned
	tokens := 0
	for len(r.waiting) > 0 && len(r.running) < r.sc.MaxBatchSize {
		s := r.waiting[0]
		n := len(s.tokens)
		if tokens+n > r.sc.MaxTokensInBatch && len(plan) > 0 {
			break
		}
		if !r.reserve(s, n) {
			break
		}
		r.waiting = r.waiting[1:]
		r.running = append(r.running, s)
		plan = append(plan, planned{s, n})
		tokens += n
	}
	if len(plan) > 0 {
		return plan
	}
	for _, s := range r.reserveDecodes(rep) {
		if len(plan) == r.sc.MaxBatchSize {
			break
		}
		plan = append(plan, planned{s, 1})
	}
	return plan
}
