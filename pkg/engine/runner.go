package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/simcheck/simcheck/pkg/engine/model"
	"github.com/simcheck/simcheck/pkg/engine/sched"
)

// Request is one generation request.
type Request struct {
	ID           int64
	Prompt       []int32
	MaxNewTokens int
}

// Config configures a Runner.
type Config struct {
	Sched    sched.Settings
	Sampling model.Sampling
	Seed     uint64 // seeds the sampling RNG (PCG)
	// StopAtEOS ends a request when it samples one of the EOS tokens;
	// benchmarks leave it off so every request produces exactly
	// MaxNewTokens tokens.
	StopAtEOS bool
	EOS       []int32
	// Clock returns the time; real-bench passes time.Now (monotonic),
	// tests a fake clock.
	Clock func() time.Time
}

// ItemReport is one request's part of a step.
type ItemReport struct {
	ID             int64
	PrefillTokens  int  // prompt (or recompute) tokens processed this step
	Decode         bool // this step was a decode for it
	FirstScheduled bool // first time this request ran
	Produced       bool // a token was sampled for it
	TokenIndex     int  // 0 = the first output token (end of prefill)
	TokenID        int32
	TokenTime      time.Time // when the step's sampling finished
	Completed      bool      // its last token was produced
	Restarts       int       // restarts so far
}

// StepReport describes one iteration.
type StepReport struct {
	BatchID   int64
	Scheduled time.Time // before scheduling
	Completed time.Time // after bookkeeping
	Items     []ItemReport
	// Preempted lists requests restarted while building this batch (they
	// are not in Items unless re-admitted in the same step).
	Preempted []int64
}

// Runner drives a model with a scheduler one iteration at a time. It is not
// safe for concurrent use.
type Runner struct {
	m       *model.Model
	cfg     Config
	sch     sched.Scheduler
	rng     *rand.Rand
	arrival int64
	batchID int64
	seqs    map[int64]*sched.Seq
}

// NewRunner builds a runner over m, whose KV cache the scheduler manages.
func NewRunner(m *model.Model, cfg Config) (*Runner, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s, err := sched.New(cfg.Sched, m.Cache)
	if err != nil {
		return nil, err
	}
	return &Runner{m: m, cfg: cfg, sch: s, seqs: map[int64]*sched.Seq{},
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed))}, nil
}

// Add queues a request (it arrives now). It fails for duplicate ids and for
// requests that can never fit the KV cache.
func (r *Runner) Add(req Request) error {
	if _, dup := r.seqs[req.ID]; dup {
		return fmt.Errorf("request %d added twice", req.ID)
	}
	for _, t := range req.Prompt {
		if t < 0 || int(t) >= r.m.Arch.VocabSize {
			return fmt.Errorf("request %d: token id %d outside vocabulary of %d", req.ID, t, r.m.Arch.VocabSize)
		}
	}
	s := &sched.Seq{ID: req.ID, Arrival: r.arrival, Tokens: append([]int32(nil), req.Prompt...),
		PromptLen: len(req.Prompt), MaxNew: req.MaxNewTokens}
	if err := r.sch.Add(s); err != nil {
		return err
	}
	r.arrival++
	r.seqs[req.ID] = s
	return nil
}

// Idle reports whether no request is waiting or running.
func (r *Runner) Idle() bool { return len(r.seqs) == 0 }

// Step runs one iteration: schedule, forward, sample, bookkeeping. A step
// with nothing to run returns an empty report.
func (r *Runner) Step() (StepReport, error) {
	rep := StepReport{BatchID: r.batchID, Scheduled: r.cfg.Clock()}
	b := r.sch.Schedule()
	for _, p := range b.Preempted {
		rep.Preempted = append(rep.Preempted, p.ID)
	}
	if len(b.Items) == 0 {
		rep.Completed = r.cfg.Clock()
		if r.sch.Running() == 0 && r.sch.Waiting() > 0 {
			// Nothing runs and the next request cannot be admitted into
			// an empty cache (the free-block watermark): waiting cannot
			// help, so say so instead of spinning.
			return rep, fmt.Errorf("step %d: %d waiting requests and none can be admitted into the KV cache of %d blocks", rep.BatchID, r.sch.Waiting(), r.m.Cache.NumBlocks())
		}
		return rep, nil
	}
	r.batchID++
	chunks := make([]model.Chunk, len(b.Items))
	for i, it := range b.Items {
		s := it.Seq
		rep.Items = append(rep.Items, ItemReport{ID: s.ID, FirstScheduled: s.Processed == 0 && s.Restarts == 0 && s.Generated == 0,
			Decode: s.Decoding(), Restarts: s.Restarts})
		if !rep.Items[i].Decode {
			rep.Items[i].PrefillTokens = it.N
		}
		chunks[i] = model.Chunk{Seq: kvID(s), Tokens: s.Tokens[s.Processed : s.Processed+it.N], Logits: it.Logits}
	}
	logits, err := r.m.ForwardTransient(chunks)
	if err != nil {
		return rep, fmt.Errorf("step %d: %w", rep.BatchID, err)
	}
	toks := r.m.SampleAll(logits, r.cfg.Sampling, r.rng)
	now := r.cfg.Clock()
	for i, it := range b.Items {
		s, ir := it.Seq, &rep.Items[i]
		s.Processed += it.N
		if !it.Logits {
			continue
		}
		ir.Produced, ir.TokenIndex, ir.TokenID, ir.TokenTime = true, s.Generated, toks[i], now
		s.Tokens = append(s.Tokens, toks[i])
		s.Generated++
		if s.Generated >= s.MaxNew || (r.cfg.StopAtEOS && slices.Contains(r.cfg.EOS, toks[i])) {
			ir.Completed = true
			r.sch.Done(s)
			delete(r.seqs, s.ID)
		}
	}
	rep.Completed = r.cfg.Clock()
	return rep, nil
}
