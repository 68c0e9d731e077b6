package predict

import (
	"math"
	"testing"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

func TestJitterRatio(t *testing.T) {
	j := NewJitter([]artifacts.JitterRow{{Quantile: 0, Ratio: 0.8, StepMs: 40}, {Quantile: 0.5, Ratio: 1, StepMs: 50},
		{Quantile: 0.9, Ratio: 1.2, StepMs: 60}, {Quantile: 1, Ratio: 2, StepMs: 100}})
	for _, c := range []struct{ u, want float64 }{{0, 0.8}, {0.25, 0.9}, {0.5, 1}, {0.7, 1.1}, {0.9, 1.2}, {0.95, 1.6}, {0.999999, 2 - 8e-6}, {1, 2}} {
		if got := j.Ratio(c.u); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Ratio(%g) = %g, want %g", c.u, got, c.want)
		}
	}
}
