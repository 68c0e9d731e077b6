package capacity

import (
	"math"
	"testing"

	"github.com/simcheck/simcheck/vidur-sim/internal/des"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// done feeds c a finished request that arrived at a, finished its
// prefill at pre and produced tokens at times (s).
func done(c *Collector, a, pre float64, times ...float64) {
	r := entity.NewRequest(0, des.Time(a), 10, len(times))
	r.PrefillCompletedAt, r.TokenTimes = des.Time(pre), times
	c.RequestDone(r)
}

func TestMeasureQuantiles(t *testing.T) {
	c := &Collector{}
	// TTFTs 100..1000 ms; gaps 10, 20 ms (request 0) and 30 ms (request 1).
	done(c, 0, 0.1, 0.1, 0.11, 0.13)
	done(c, 1, 1.2, 1.2, 1.23)
	for i := 3; i <= 10; i++ {
		done(c, 2, 2+float64(i)/10, 2+float64(i)/10)
	}
	p := c.Measure(4, 10, SLO{TTFTms: 1000, TBTms: 30, Quantile: 0.9})
	// numpy.percentile([100..1000], 90) = 910; of [10, 20, 30] = 28.
	if math.Abs(p.TTFTms-910) > 1e-9 || math.Abs(p.TBTms-28) > 1e-9 || !p.Meets || p.Completed != 10 {
		t.Errorf("%+v", p)
	}
	p = c.Measure(4, 10, SLO{TTFTms: 900, TBTms: 27, Quantile: 0.9})
	// TTFT is over by 1.1%, TBT by 3.7%: TBT binds.
	if p.Meets || len(p.Misses) != 2 || p.Binding() != TBT {
		t.Errorf("%+v binding %q", p, p.Binding())
	}
	p = c.Measure(4, 10, SLO{TTFTms: 800, TBTms: 27, Quantile: 0.9})
	if p.Binding() != TTFT {
		t.Errorf("TTFT over by 14%%: binding %q", p.Binding())
	}
}

func TestMeasureUnfinishedNeverMeets(t *testing.T) {
	c := &Collector{}
	done(c, 0, 0.001, 0.001)
	p := c.Measure(1, 2, SLO{TTFTms: 1e9, Quantile: 0.9})
	if p.Meets || p.Binding() != Unfinished || p.Completed != 1 {
		t.Errorf("%+v", p)
	}
}

// TestMeasureNoGaps: requests of one output token have no gaps; a TBT
// objective is then met, and the quantile is NaN (null in capacity.json).
func TestMeasureNoGaps(t *testing.T) {
	c := &Collector{}
	done(c, 0, 0.05, 0.05)
	p := c.Measure(1, 1, SLO{TBTms: 1, Quantile: 0.5})
	if !p.Meets || !math.IsNaN(p.TBTms) || p.TTFTms != 50 {
		t.Errorf("%+v", p)
	}
}

func TestSLOValidate(t *testing.T) {
	if err := (SLO{Quantile: 0.9}).Validate(); err == nil {
		t.Error("no objective accepted")
	}
	if err := (SLO{TBTms: 5, Quantile: 0}).Validate(); err == nil {
		t.Error("quantile 0 accepted")
	}
	if got := QuantileName(0.999); got != "p99.9" {
		t.Errorf("QuantileName(0.999) = %q", got)
	}
	if got := TTFT.Label(0.9); got != "TTFT p90" {
		t.Errorf("label %q", got)
	}
}
