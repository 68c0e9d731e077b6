package sim

import "github.com/simcheck/simcheck/vidur-sim/internal/entity"

// VidurColumns are the columns of Python Vidur's request_metrics.csv after
// "Request Id" (vidur-semantics.md §6.2), in its order.
var VidurColumns = []string{"request_e2e_time", "request_e2e_time_normalized", "request_execution_time",
	"request_execution_time_normalized", "request_model_execution_time", "request_model_execution_time_normalized",
	"request_preemption_time", "request_scheduling_delay", "request_execution_plus_preemption_time",
	"request_execution_plus_preemption_time_normalized", "prefill_e2e_time", "prefill_time_execution_plus_preemption",
	"prefill_time_execution_plus_preemption_normalized", "decode_time_execution_plus_preemption_normalized",
	"request_inter_arrival_delay", "request_num_tokens", "request_num_prefill_tokens", "request_num_decode_tokens",
	"request_pd_ratio", "request_num_restarts"}

// VidurRow computes Vidur's per-request series for a completed request,
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
