package artifacts

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// servingRun is three completed requests and a failed one, with times in
// binary fractions of a second (ms values below are worked out by hand):
//
//	id  arrived  first token  last token  prompt  output  TTFT  TPOT  E2E   gaps (ms)
//	0   0        0.5          2.5         10      5       500   500   2500  250 750 500 500
//	1   1        1.25         3.25        20      3       250   1000  2250  1000 1000
//	2   2        3            3           30      1       1000  —     1000  —
//	3   3        failed                   40
func servingRun() ([]RequestRecord, []TokenRow) {
	nan := math.NaN()
	reqs := []RequestRecord{
		{RequestID: 0, ArrivedAt: 0, PrefillCompletedAt: 0.5, CompletedAt: 2.5, NumPrefillTokens: 10, NumDecodeTokens: 5, NumDecodeTokensActual: 5, Status: StatusOK},
		{RequestID: 1, ArrivedAt: 1, PrefillCompletedAt: 1.25, CompletedAt: 3.25, NumPrefillTokens: 20, NumDecodeTokens: 4, NumDecodeTokensActual: 3, Status: StatusOK},
		{RequestID: 2, ArrivedAt: 2, PrefillCompletedAt: 3, CompletedAt: 3, NumPrefillTokens: 30, NumDecodeTokens: 1, NumDecodeTokensActual: 1, Status: StatusOK},
		{RequestID: 3, ArrivedAt: 3, PrefillCompletedAt: nan, CompletedAt: nan, NumPrefillTokens: 40, NumDecodeTokens: 8, Status: StatusFailed},
	}
	var toks []TokenRow
	add := func(id int, arrived float64, times ...float64) {
		for i, l := range TokenLatencies(arrived, times) {
			toks = append(toks, TokenRow{RequestID: id, TokenIndex: i, CompletedAt: times[i], Latency: l})
		}
	}
	add(0, 0, 0.5, 0.75, 1.5, 2, 2.5)
	add(1, 1, 1.25, 2.25, 3.25)
	add(2, 2, 3)
	// A stray gap of the failed request must not reach ITL.
	toks = append(toks, TokenRow{RequestID: 3, TokenIndex: 1, CompletedAt: 12, Latency: 9})
	return reqs, toks
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func near(a, b float64) bool {
	return sameFloat(a, b) || math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

// TestServingMetricsByHand checks every figure of `vllm bench serve`'s
// summary on servingRun, duration 4 s.
func TestServingMetricsByHand(t *testing.T) {
	t.Parallel()
	reqs, toks := servingRun()
	m := ComputeServing(reqs, toks, 4, SLO{})
	if m.Duration != 4 || m.Completed != 3 || m.Failed != 1 || m.TotalInputTokens != 60 || m.TotalOutputTokens != 9 {
		t.Errorf("counts: %+v; want duration 4, 3 completed, 1 failed, 60 input (the failed request's 40 left out), 9 output", m)
	}
	want := map[string]float64{
		"request_throughput": 3.0 / 4, "output_throughput": 9.0 / 4, "total_token_throughput": 69.0 / 4,
		// TTFT 250, 500, 1000 ms: p90 at rank 1.8, p99 at rank 1.98.
		"mean_ttft_ms": 1750.0 / 3, "median_ttft_ms": 500, "std_ttft_ms": 1e3 * math.Sqrt(7.0/72),
		"p90_ttft_ms": 900, "p99_ttft_ms": 990,
		// TPOT 500, 1000 ms (request 2 has one token: no TPOT).
		"mean_tpot_ms": 750, "median_tpot_ms": 750, "std_tpot_ms": 250, "p90_tpot_ms": 950, "p99_tpot_ms": 995,
		// Gaps 250, 500, 500, 750, 1000, 1000 ms, pooled over requests.
		"mean_itl_ms": 4000.0 / 6, "median_itl_ms": 625, "std_itl_ms": 1e3 * math.Sqrt(11) / 12,
		"p90_itl_ms": 1000, "p99_itl_ms": 1000,
		// E2E 1000, 2250, 2500 ms.
		"mean_e2el_ms": 5750.0 / 3, "median_e2el_ms": 2250, "std_e2el_ms": 1e3 * math.Sqrt(62) / 12,
		"p90_e2el_ms": 2450, "p99_e2el_ms": 2495,
		// No SLO: no goodput (not the throughput).
		"request_goodput": math.NaN(),
		"duration":        4, "completed": 3, "failed": 1, "total_input_tokens": 60, "total_output_tokens": 9,
	}
	figs := m.Figures()
	if len(figs) != len(want) {
		t.Errorf("%d figures, want %d", len(figs), len(want))
	}
	for _, f := range figs {
		w, ok := want[f.Key]
		if !ok {
			t.Errorf("unexpected figure %s", f.Key)
			continue
		}
		if !near(f.Value, w) {
			t.Errorf("%s = %.12g, want %.12g", f.Key, f.Value, w)
		}
	}
}

// TestServingGoodput counts completed requests within every objective
// given: request 0 (TTFT 500, TPOT 500, E2E 2500 ms), 1 (250, 1000, 2250)
// and 2 (1000, none, 1000); the failed request 3 never counts.
func TestServingGoodput(t *testing.T) {
	t.Parallel()
	reqs, toks := servingRun()
	cases := []struct {
		name string
		slo  SLO
		good int
	}{
		{"TTFT only, equality meets it", SLO{TTFTms: 500}, 2},
		{"TTFT and TPOT", SLO{TTFTms: 600, TPOTms: 800}, 1},
		{"one-token request meets any TPOT", SLO{TPOTms: 1}, 1},
		{"all three", SLO{TTFTms: 1000, TPOTms: 1000, E2Ems: 2400}, 2},
		{"loose: every completed request, never the failed one", SLO{TTFTms: 1e9, TPOTms: 1e9, E2Ems: 1e9}, 3},
	}
	for _, c := range cases {
		m := ComputeServing(reqs, toks, 4, c.slo)
		if got := val(m.RequestGoodput); got != float64(c.good)/4 {
			t.Errorf("%s: goodput %g, want %d/4", c.name, got, c.good)
		}
	}
}

// TestServingDuration checks that the throughputs divide by the duration
// given, and are left out when it is unknown.
func TestServingDuration(t *testing.T) {
	t.Parallel()
	reqs, toks := servingRun()
	m := ComputeServing(reqs, toks, 8, SLO{TTFTms: 500})
	if val(m.RequestThroughput) != 3.0/8 || val(m.OutputThroughput) != 9.0/8 || val(m.TotalTokenThroughput) != 69.0/8 || val(m.RequestGoodput) != 2.0/8 {
		t.Errorf("duration 8: %v %v %v %v", val(m.RequestThroughput), val(m.OutputThroughput), val(m.TotalTokenThroughput), val(m.RequestGoodput))
	}
	for _, d := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		m := ComputeServing(reqs, toks, d, SLO{TTFTms: 500})
		if m.Duration != 0 || m.RequestThroughput != nil || m.OutputThroughput != nil || m.TotalTokenThroughput != nil || m.RequestGoodput != nil {
			t.Errorf("duration %g: %+v, want duration 0 and no throughput", d, m)
		}
		if m.MeanTTFTms == nil {
			t.Errorf("duration %g: latencies do not need a duration", d)
		}
	}
}

// TestServingUnavailable: no token rows, no ITL; no completed request, no
// latency; and nothing unavailable reaches JSON, which cannot hold NaN.
func TestServingUnavailable(t *testing.T) {
	t.Parallel()
	reqs, _ := servingRun()
	m := ComputeServing(reqs, nil, 4, SLO{})
	if m.MeanITLms != nil || m.P99ITLms != nil || m.MeanTTFTms == nil {
		t.Errorf("without token rows ITL must be absent and TTFT present: %+v", m)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, &RunMeta{RunID: "r", Serving: &m}); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, "itl") || strings.Contains(s, "goodput") || !strings.Contains(s, `"mean_ttft_ms"`) {
		t.Errorf("JSON must leave out ITL and goodput and keep TTFT:\n%s", s)
	}
	var back RunMeta
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Serving, &m) {
		t.Errorf("round trip changed the figures:\n%+v\n%+v", back.Serving, &m)
	}
	none := ComputeServing(reqs[3:], nil, 4, SLO{})
	if none.Completed != 0 || none.Failed != 1 || none.MeanE2ELms != nil || val(none.RequestThroughput) != 0 {
		t.Errorf("only a failed request: %+v", none)
	}
}

// TestPercentileMatchesNumpy: numpy.percentile(x, p) with the default
// linear method. The first cases are worked by hand, rank = p/100·(n−1);
// the 8-value sample's figures are numpy's own output, digit for digit.
func TestPercentileMatchesNumpy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{[]float64{1, 2, 3, 4}, 90, 3.7}, // rank 2.7: 3 + 0.7·(4 − 3)
		{[]float64{1, 2, 3, 4}, 50, 2.5},
		{[]float64{1, 2, 3, 4}, 25, 1.75},
		{[]float64{1, 2, 3, 4}, 0, 1},
		{[]float64{1, 2, 3, 4}, 100, 4},
		{[]float64{7}, 99, 7},
		{[]float64{3.5, 7, 15, 20, 35, 40, 50, 100}, 50, 27.5},
		{[]float64{3.5, 7, 15, 20, 35, 40, 50, 100}, 90, 64.99999999999999},
		{[]float64{3.5, 7, 15, 20, 35, 40, 50, 100}, 95, 82.49999999999997},
		{[]float64{3.5, 7, 15, 20, 35, 40, 50, 100}, 99, 96.49999999999999},
	}
	for _, c := range cases {
		if got := Percentile(c.xs, c.p); got != c.want {
			t.Errorf("Percentile(%v, %g) = %.17g, numpy gives %.17g", c.xs, c.p, got, c.want)
		}
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Error("an empty sample must give NaN")
	}
}

func TestServingText(t *testing.T) {
	t.Parallel()
	reqs, toks := servingRun()
	var b strings.Builder
	if err := ComputeServing(reqs, toks, 4, SLO{TTFTms: 500}).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Successful requests:                     3\n",
		"Failed requests:                         1\n",
		"Request goodput (req/s):                 0.50\n",
		"Total token throughput (tok/s):          17.25\n",
		"P90 TTFT (ms):                           900.00\n",
		"---------------Time to First Token----------------\n", // centred as Python centres
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	ComputeServing(reqs, nil, 0, SLO{}).WriteText(&b)
	if !strings.Contains(b.String(), "Mean ITL (ms):                           n/a\n") || strings.Contains(b.String(), "goodput") {
		t.Errorf("unavailable figures must read n/a, goodput be absent:\n%s", b.String())
	}
}
