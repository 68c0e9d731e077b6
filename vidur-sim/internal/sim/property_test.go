package sim

import (
	"fmt"
	"testing"

	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
	"github.com/simcheck/simcheck/vidur-sim/internal/sched"
)

type checkObs struct {
	t        *testing.T
	cfg      Config
	done     map[int]int
	restarts int
}

func (o *checkObs) RequestDone(r *entity.Request) {
	o.done[r.ID]++
	o.restarts += r.NumRestarts
	// Restarts conserve tokens: the request still totals what it asked
	// for, and produced every output token once.
	if r.PrefillTokens+r.DecodeTokens != r.OrigPrefill+r.OrigDecode {
		o.t.Errorf("request %d: %d+%d tokens after restarts, asked %d+%d", r.ID, r.PrefillTokens, r.DecodeTokens, r.OrigPrefill, r.OrigDecode)
	}
	if r.Emitted != r.OrigDecode || len(r.TokenTimes) != r.OrigDecode {
		o.t.Errorf("request %d: emitted %d tokens (%d times), asked %d", r.ID, r.Emitted, len(r.TokenTimes), r.OrigDecode)
	}
	for i := 1; i < len(r.TokenTimes); i++ {
		if r.TokenTimes[i] < r.TokenTimes[i-1] {
			o.t.Errorf("request %d: token %d before token %d", r.ID, i, i-1)
		}
	}
	if !(r.ArrivedAt <= r.ScheduledAt && r.ScheduledAt <= r.PrefillCompletedAt && r.PrefillCompletedAt <= r.CompletedAt) {
		o.t.Errorf("request %d: times out of order %v %v %v %v", r.ID, r.ArrivedAt, r.ScheduledAt, r.PrefillCompletedAt, r.CompletedAt)
	}
}

func (o *checkObs) BatchDone(b *entity.Batch) {
	s := o.cfg.Sched
	switch s.Kind {
	case sched.Sarathi:
		// The chunk budget caps prefill tokens; decodes cost 1 each.
		if b.PrefillTokens > 0 && b.TotalTokens > s.ChunkSize {
			o.t.Errorf("sarathi batch %d: %d tokens over the %d budget", b.ID, b.TotalTokens, s.ChunkSize)
		}
	case sched.VLLM:
		if b.PrefillTokens > 0 && b.DecodeTokens() > 0 {
			o.t.Errorf("vllm batch %d mixes prefill and decode", b.ID)
		}
	case sched.Transformers:
		if b.Size() != 1 {
			o.t.Errorf("transformers batch %d has %d requests", b.ID, b.Size())
		}
	}
}

func (o *checkObs) StageDone(int, int, *entity.Batch, des.Time, float64) {}

// TestPropertiesAllSchedulers runs random workloads through every
// scheduler, with pipeline stages, several replicas and tight memory, and
// checks the model's invariants: every arrival completes exactly once,
// time never goes back, blocks never exceed capacity, restarts conserve
// tokens, and all memory is returned at the end.
func TestPropertiesAllSchedulers(t *testing.T) {
	type tc struct {
		kind             string
		pp, reps, blocks int
		global           string
	}
	var cases []tc
	for _, k := range sched.Kinds {
		for _, pp := range []int{1, 2} {
			if k == sched.LightLLM && pp > 1 {
				continue
			}
			cases = append(cases, tc{k, pp, 1, 0, sched.RoundRobin}, tc{k, pp, 3, 0, sched.LOR})
		}
	}
	// Tight memory: forces restarts in the paged schedulers (each request
	// needs up to 64 blocks of 16 tokens).
	cases = append(cases, tc{sched.Sarathi, 1, 1, 200, sched.RoundRobin}, tc{sched.VLLM, 1, 1, 200, sched.RoundRobin},
		tc{sched.Sarathi, 2, 2, 200, sched.Random}, tc{sched.VLLM, 2, 2, 200, sched.Random})
	totalRestarts := 0
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s_pp%d_r%d_b%d_%s", c.kind, c.pp, c.reps, c.blocks, c.global), func(t *testing.T) {
			cfg := synthConfig(c.kind, c.pp, c.reps, c.blocks)
			cfg.Global = c.global
			cfg.TrackTokens = true
			reqs := randomTrace(11, 300, 40)
			obs := &checkObs{t: t, cfg: cfg, done: map[int]int{}}
			s, err := New(cfg, reqs, obs)
			if err != nil {
				t.Fatal(err)
			}
			prev := des.Time(0)
			for {
				ok, err := s.Step()
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				if s.Now() < prev {
					t.Fatalf("time went back from %v to %v", prev, s.Now())
				}
				prev = s.Now()
				for i, r := range s.Replicas() {
					if a, total, _ := r.Stats(); a > total || a < 0 {
						t.Fatalf("replica %d: %d of %d blocks allocated", i, a, total)
					}
				}
			}
			for _, r := range reqs {
				if obs.done[r.RequestID] != 1 {
					t.Errorf("request %d completed %d times", r.RequestID, obs.done[r.RequestID])
				}
			}
			if un := s.Unfinished(); len(un) != 0 {
				t.Errorf("%d requests unfinished", len(un))
			}
			for i, r := range s.Replicas() {
				if a, _, h := r.Stats(); a != 0 || h != 0 {
					t.Errorf("replica %d ends with %d blocks held by %d requests", i, a, h)
				}
			}
			totalRestarts += obs.restarts
		})
	}
	if totalRestarts == 0 {
		t.Error("no case exercised restarts")
	}
	t.Logf("restarts across cases: %d", totalRestarts)
}
