package artifacts

import "math"

// Request status values.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// RequestRecord holds what a run measured of one request: raw timestamps
// (s since the run's time 0; NaN where the producer cannot know, e.g. the
// scheduling time of a request sent to an external server) and counts.
type RequestRecord struct {
	RequestID          int
	ArrivedAt          float64
	ScheduledAt        float64 // first time the request entered a batch
	PrefillCompletedAt float64 // first output token
	CompletedAt        float64 // last output token
	NumPrefillTokens   int     // requested
	NumDecodeTokens    int     // requested
	// NumDecodeTokensActual is how many output tokens were produced; it is
	// smaller than NumDecodeTokens when a request stopped early.
	NumDecodeTokensActual int
	NumRestarts           int
	Status                string
	// FailureReason says why a failed request failed; empty when ok.
	FailureReason string
}

// RequestMetrics are the derived per-request latencies, named as in Vidur.
// NaN means not measurable (a missing timestamp, a failed request, or a
// TPOT of a request with at most one output token).
type RequestMetrics struct {
	E2E             float64 // request_e2e_time = completed_at − arrived_at
	TTFT            float64 // prefill_e2e_time = prefill_completed_at − arrived_at
	SchedulingDelay float64 // request_scheduling_delay = scheduled_at − arrived_at
	// DecodeNormalized is decode_time_execution_plus_preemption_normalized:
	// (completed_at − prefill_completed_at) / output tokens, Vidur's divisor.
	DecodeNormalized float64
	// TPOT is (completed_at − prefill_completed_at) / (output tokens − 1),
	// the vLLM/GuideLLM definition: the mean gap between output tokens.
	TPOT          float64
	E2ENormalized float64 // request_e2e_time_normalized = E2E / output tokens
}

// Metrics derives the request's latencies. Every tool computes them here
// and nowhere else. Divisors use the actual output count: a request that
// stopped early is normalised by what it produced, not what it asked for.
func (r *RequestRecord) Metrics() RequestMetrics {
	nan := math.NaN()
	m := RequestMetrics{nan, nan, nan, nan, nan, nan}
	if r.Status != StatusOK {
		return m
	}
	m.E2E = r.CompletedAt - r.ArrivedAt
	m.TTFT = r.PrefillCompletedAt - r.ArrivedAt
	m.SchedulingDelay = r.ScheduledAt - r.ArrivedAt
	n := r.NumDecodeTokensActual
	if n > 0 {
		decode := r.CompletedAt - r.PrefillCompletedAt
		m.DecodeNormalized = decode / float64(n)
		m.E2ENormalized = m.E2E / float64(n)
		if n > 1 {
			m.TPOT = decode / float64(n-1)
		}
	}
	return m
}

// TokenLatencies returns each output token's latency: token 0 (made by the
// prefill) is measured from the request's arrival, token k from token k−1.
// times are the tokens' completion times in output order.
func TokenLatencies(arrivedAt float64, times []float64) []float64 {
	out := make([]float64, len(times))
	prev := arrivedAt
	for i, t := range times {
		out[i] = t - prev
		prev = t
	}
	return out
}
