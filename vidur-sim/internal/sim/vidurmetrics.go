package sim

import (
	"github.com/simcheck/simcheck/pkg/artifacts"
	"github.com/simcheck/simcheck/vidur-sim/internal/entity"
)

// VidurColumns are the columns of Python Vidur's request_metrics.csv after
// "Request Id", in its order: VidurRow's order.
var VidurColumns = artifacts.VidurRequestColumns

// VidurRow computes Vidur's per-request series for a completed request
// (its times need Config.VidurTimes),
// with Vidur's divisors (the post-restart counts, vidur-semantics.md §10.8) and float
// operations. interArrival is NaN for the first request.
func VidurRow(r *entity.Request, interArrival float64) []float64 {
	dec, pre := float64(r.DecodeTokens), float64(r.PrefillTokens)
	e2e := float64(r.CompletedAt - r.ArrivedAt)
	ep := r.ExecutionTime + r.PreemptedTime
	pce := float64(r.PrefillCompletedAt - r.ScheduledAt)
	return []float64{
		e2e, e2e / dec, r.ExecutionTime, r.ExecutionTime / dec, r.ModelExecutionTime, r.ModelExecutionTime / dec,
		r.PreemptedTime, float64(r.ScheduledAt - r.ArrivedAt), ep, ep / dec,
		float64(r.PrefillCompletedAt - r.ArrivedAt), pce, pce / pre,
		float64(r.CompletedAt-r.PrefillCompletedAt) / dec,
		interArrival,
		// Recorded at arrival, before any restart.
		float64(r.OrigPrefill + r.OrigDecode), float64(r.OrigPrefill), float64(r.OrigDecode),
		float64(r.OrigPrefill) / float64(r.OrigDecode), float64(r.NumRestarts),
	}
}
