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
}

func (o *stageLog) StageDone(_, _ int, _ *entity.Batch, start des.Time, exec float64) {
	o.starts = append(o.starts, start)
	o.execs = append(o.execs, exec)
}

// TestIdleWakeup: with a wake-up table the first batch after an idle
// period (the first of all, and the first after a long gap) takes the
// penalty longer; batches that follow one another do not.
func TestIdleWakeup(t *testing.T) {
	reqs := []artifacts.Request{{RequestID: 0, ArrivedAt: 1, NumPrefillTokens: 100, NumDecodeTokens: 3},
		{RequestID: 1, ArrivedAt: 50, NumPrefillTokens: 80, NumDecodeTokens: 2}}
	run := func(w *predict.Wakeup) *stageLog {
		cfg := synthConfig("sarathi", 1, 1, 0)
		cfg.Predictor.Wake = w
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
}
