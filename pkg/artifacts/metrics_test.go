package artifacts

import (
	"math"
	"testing"
)

// sameFloat is == that also holds for NaN == NaN (NaN means "not
// measurable", which is part of the definition under test).
func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestRequestMetricsDefinitions checks docs/artifacts.md §2's derived columns
// against values worked out by hand. Times are binary fractions so the
// expected values are exact.
func TestRequestMetricsDefinitions(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	// arrived 1, scheduled 1.5, first token 2, last token 5: E2E 4, TTFT 1,
	// scheduling delay 0.5, decode span 3.
	base := RequestRecord{ArrivedAt: 1, ScheduledAt: 1.5, PrefillCompletedAt: 2, CompletedAt: 5, NumDecodeTokens: 8, Status: StatusOK}
	with := func(f func(r *RequestRecord)) RequestRecord { r := base; f(&r); return r }
	cases := []struct {
		name string
		rec  RequestRecord
		want RequestMetrics
	}{
		{"four output tokens", with(func(r *RequestRecord) { r.NumDecodeTokensActual = 4 }),
			// decode 3/4, TPOT 3/(4−1), E2E normalised 4/4.
			RequestMetrics{E2E: 4, TTFT: 1, SchedulingDelay: 0.5, DecodeNormalized: 0.75, TPOT: 1, E2ENormalized: 1}},
		{"two output tokens", with(func(r *RequestRecord) { r.NumDecodeTokensActual = 2 }),
			// one gap of 3 s between the two tokens.
			RequestMetrics{E2E: 4, TTFT: 1, SchedulingDelay: 0.5, DecodeNormalized: 1.5, TPOT: 3, E2ENormalized: 2}},
		{"one output token: TPOT undefined", with(func(r *RequestRecord) { r.NumDecodeTokensActual = 1; r.CompletedAt = 2 }),
			RequestMetrics{E2E: 1, TTFT: 1, SchedulingDelay: 0.5, DecodeNormalized: 0, TPOT: nan, E2ENormalized: 1}},
		{"no output token: nothing to normalise by", with(func(r *RequestRecord) { r.NumDecodeTokensActual = 0 }),
			RequestMetrics{E2E: 4, TTFT: 1, SchedulingDelay: 0.5, DecodeNormalized: nan, TPOT: nan, E2ENormalized: nan}},
		{"stopped early: divisors use the actual count", with(func(r *RequestRecord) { r.NumDecodeTokens = 100; r.NumDecodeTokensActual = 4 }),
			RequestMetrics{E2E: 4, TTFT: 1, SchedulingDelay: 0.5, DecodeNormalized: 0.75, TPOT: 1, E2ENormalized: 1}},
		{"unknown scheduling time (external server)", with(func(r *RequestRecord) { r.ScheduledAt = nan; r.NumDecodeTokensActual = 4 }),
			RequestMetrics{E2E: 4, TTFT: 1, SchedulingDelay: nan, DecodeNormalized: 0.75, TPOT: 1, E2ENormalized: 1}},
		{"failed: every metric NaN", with(func(r *RequestRecord) { r.Status = StatusFailed; r.NumDecodeTokensActual = 4 }),
			RequestMetrics{nan, nan, nan, nan, nan, nan}},
		{"unknown status counts as failed", with(func(r *RequestRecord) { r.Status = ""; r.NumDecodeTokensActual = 4 }),
			RequestMetrics{nan, nan, nan, nan, nan, nan}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.rec.Metrics()
			pairs := []struct {
				name      string
				got, want float64
			}{
				{"request_e2e_time", got.E2E, tc.want.E2E},
				{"prefill_e2e_time", got.TTFT, tc.want.TTFT},
				{"request_scheduling_delay", got.SchedulingDelay, tc.want.SchedulingDelay},
				{"decode_time_execution_plus_preemption_normalized", got.DecodeNormalized, tc.want.DecodeNormalized},
				{"tpot", got.TPOT, tc.want.TPOT},
				{"request_e2e_time_normalized", got.E2ENormalized, tc.want.E2ENormalized},
			}
			for _, p := range pairs {
				if !sameFloat(p.got, p.want) {
					t.Errorf("%s = %v, want %v", p.name, p.got, p.want)
				}
			}
		})
	}
}

// TestTokenLatencies checks docs/artifacts.md §2's token latency: token 0 from
// arrival (TTFT), token k from token k−1 (TBT).
func TestTokenLatencies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		arrived float64
		times   []float64
		want    []float64
	}{
		{"none", 1, nil, []float64{}},
		{"first token only", 1, []float64{1.5}, []float64{0.5}},
		{"gaps", 1, []float64{1.5, 1.75, 2.5}, []float64{0.5, 0.25, 0.75}},
		{"two tokens in one instant", 0, []float64{0.25, 0.25}, []float64{0.25, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := TokenLatencies(tc.arrived, tc.times)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("got %v, want %v", got, tc.want)
					break
				}
			}
		})
	}
}

// TestFloatCell checks the cell format: shortest round-trip text, NaN as
// the empty cell.
func TestFloatCell(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.30000000000000004, "0.30000000000000004"}, {1.0 / 3, "0.3333333333333333"}, {1e21, "1e+21"}, {-2.5e-7, "-2.5e-07"}, {math.NaN(), ""},
	}
	for _, tc := range cases {
		if got := Float(tc.v); got != tc.want {
			t.Errorf("Float(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
