package sim

import (
	"math"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
	"github.com/simcheck/simcheck/vidur-sim/internal/predict"
)

type stageLog struct {
	checkObs
	starts []des.Time
	execs  []float64
	sched  map[int]float64 // request id → scheduled_at
}

func (o *stageLog) RequestDone(r *entity.Request) {
	o.checkObs.RequestDone(r)
	if o.sched == nil {
		o.sched = map[int]float64{}
	}
	o.sched[r.ID] = float64(r.ScheduledAt)
}

func (o *stageLog) StageDone(_, _ int, _ *entity.Batch, start des.Time, exec float64) {
	o.starts = append(o.starts, start)
	o.execs = append(o.execs, exec)
}

// runLogged simulates reqs on one sarathi replica of the synthetic
// predictor, changed by set, and logs every stage.
func runLogged(t *testing.T, reqs []artifacts.Request, set func(*Config)) *stageLog {
	t.Helper()
	cfg := synthConfig("sarathi", 1, 1, 0)
	set(&cfg)
	cfg.TrackTokens = true
	obs := &stageLog{checkObs: checkObs{t: t, cfg: cfg, done: map[int]int{}}}
	s, err := New(cfg, reqs, obs)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	return obs
}

// TestIdleWakeup: with a wake-up table the first batch after an idle
// period (the first of all, and the first after a long gap) takes the
// penalty longer; batches that follow one another do not.
func TestIdleWakeup(t *testing.T) {
	reqs := []artifacts.Request{{RequestID: 0, ArrivedAt: 1, NumPrefillTokens: 100, NumDecodeTokens: 3},
		{RequestID: 1, ArrivedAt: 50, NumPrefillTokens: 80, NumDecodeTokens: 2}}
	run := func(w *predict.Wakeup) *stageLog {
		return runLogged(t, reqs, func(cfg *Config) { cfg.Predictor.Wake = w })
	}
	plain := run(nil)
	// A flat 100 ms for any step after ≥ 0.5 s idle.
	woken := run(predict.NewWakeup([]artifacts.WakeupRow{{IdleS: 0.5, StepMs: 1e-6, PenaltyMs: 100, Samples: 1},
		{IdleS: 0.5, StepMs: 1e6, PenaltyMs: 100, Samples: 1}}))
	if len(plain.execs) != 5 || len(woken.execs) != 5 {
		t.Fatalf("batches: %d and %d, want 5 (a prefill and 2 decodes, a prefill and 1 decode)", len(plain.execs), len(woken.execs))
	}
	for i := range plain.execs {
		want := 0.0
		if i == 0 || i == 3 {
			want = 0.1
		}
		if d := woken.execs[i] - plain.execs[i]; math.Abs(d-want) > 1e-12 {
			t.Errorf("batch %d (start %.4f s): %+.6f s with the wake-up table, want %+.1f", i, float64(woken.starts[i]), d, want)
		}
	}
	// The same 100 ms, 40 of them a late start: the first batch after
	// idle starts 40 ms after the arrival and runs 60 ms longer, so every
	// batch ends when it did with the penalty all in the step.
	lateRows := []artifacts.WakeupRow{{IdleS: 0.5, StepMs: 1e-6, PenaltyMs: 100, Samples: 1, LateMs: 40},
		{IdleS: 0.5, StepMs: 1e6, PenaltyMs: 100, Samples: 1, LateMs: 40}}
	late := runLogged(t, reqs, func(cfg *Config) { cfg.Predictor.Wake = predict.NewWakeup(lateRows) })
	if len(late.execs) != 5 {
		t.Fatalf("batches with a late start: %d, want 5", len(late.execs))
	}
	for i := range late.execs {
		shift, extra := 0.0, 0.0
		if i == 0 || i == 3 {
			shift, extra = 0.04, 0.06
		}
		if d := float64(late.starts[i] - woken.starts[i]); math.Abs(d-shift) > 1e-9 {
			t.Errorf("batch %d starts %+.6f s later with the late start, want %+.2f", i, d, shift)
		}
		if d := late.execs[i] - plain.execs[i]; math.Abs(d-extra) > 1e-9 {
			t.Errorf("batch %d runs %+.6f s longer than without the table, want %+.2f", i, d, extra)
		}
	}
	// The late start is scheduling delay: request 0 arrived at 1 s.
	if got := late.sched[0]; math.Abs(got-1.04) > 1e-9 {
		t.Errorf("request 0 scheduled at %.6f s, want 1.04", got)
	}
}

// TestStepJitter: with a jitter table every stage's time is scaled by a
// factor from the table, drawn from sim.seed: the same seed gives the
// same run, another seed another; a table of ratio 1 changes nothing.
// Both requests arrive at 0, so the batches do not depend on timing.
func TestStepJitter(t *testing.T) {
	reqs := []artifacts.Request{{RequestID: 0, ArrivedAt: 0, NumPrefillTokens: 100, NumDecodeTokens: 30},
		{RequestID: 1, ArrivedAt: 0, NumPrefillTokens: 80, NumDecodeTokens: 20}}
	run := func(j *predict.Jitter, seed uint64) *stageLog {
		return runLogged(t, reqs, func(cfg *Config) { cfg.Predictor.Jitter, cfg.Seed = j, seed })
	}
	plain := run(nil, 1)
	flat := run(predict.NewJitter([]artifacts.JitterRow{{Quantile: 0, Ratio: 1, StepMs: 1}, {Quantile: 1, Ratio: 1, StepMs: 1}}), 1)
	spread := predict.NewJitter([]artifacts.JitterRow{{Quantile: 0, Ratio: 0.5, StepMs: 1}, {Quantile: 1, Ratio: 2, StepMs: 4}})
	a, b, c := run(spread, 1), run(spread, 1), run(spread, 2)
	if len(plain.execs) < 20 || len(a.execs) != len(plain.execs) || len(c.execs) != len(plain.execs) {
		t.Fatalf("batches: %d plain, %d and %d jittered", len(plain.execs), len(a.execs), len(c.execs))
	}
	var differ, lo, hi int
	for i := range plain.execs {
		if flat.execs[i] != plain.execs[i] {
			t.Errorf("batch %d: %g s with ratio 1, %g s without", i, flat.execs[i], plain.execs[i])
		}
		if a.execs[i] != b.execs[i] {
			t.Errorf("batch %d: %g s and %g s with the same seed", i, a.execs[i], b.execs[i])
		}
		if a.execs[i] != c.execs[i] {
			differ++
		}
		f := a.execs[i] / plain.execs[i]
		if f < 0.5-1e-12 || f > 2+1e-12 {
			t.Errorf("batch %d: factor %g outside the table's [0.5, 2]", i, f)
		}
		if f < 1 {
			lo++
		} else {
			hi++
		}
	}
	if differ == 0 || lo == 0 || hi == 0 {
		t.Errorf("%d batches differ between seeds, %d factors below 1 and %d above", differ, lo, hi)
	}
}
