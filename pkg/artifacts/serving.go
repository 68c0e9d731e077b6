package artifacts

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// SLO holds per-request service-level objectives in milliseconds, as
// `vllm bench serve --goodput` takes them; 0 leaves an objective out.
type SLO struct {
	TTFTms, TPOTms, E2Ems float64
}

// given reports whether any objective is set.
func (s SLO) given() bool { return s.TTFTms > 0 || s.TPOTms > 0 || s.E2Ems > 0 }

// ServingMetrics is the end-of-run summary of `vllm bench serve`, under
// its result keys, so that a run's figures compare directly with vLLM's.
// Latencies are in ms. A nil figure is unavailable (no sample, no
// duration, no SLO) and is left out of JSON, where NaN cannot be written;
// vLLM would print 0 for an empty sample, which reads as a measurement.
type ServingMetrics struct {
	// Duration is the run's duration in s, as the caller gave it (a run's
	// run_meta.json duration); 0 when not known.
	Duration          float64 `json:"duration"`
	Completed         int     `json:"completed"`
	Failed            int     `json:"failed"`
	TotalInputTokens  int     `json:"total_input_tokens"`
	TotalOutputTokens int     `json:"total_output_tokens"`

	RequestThroughput    *float64 `json:"request_throughput,omitempty"`
	RequestGoodput       *float64 `json:"request_goodput,omitempty"`
	OutputThroughput     *float64 `json:"output_throughput,omitempty"`
	TotalTokenThroughput *float64 `json:"total_token_throughput,omitempty"`

	MeanTTFTms   *float64 `json:"mean_ttft_ms,omitempty"`
	MedianTTFTms *float64 `json:"median_ttft_ms,omitempty"`
	StdTTFTms    *float64 `json:"std_ttft_ms,omitempty"`
	P90TTFTms    *float64 `json:"p90_ttft_ms,omitempty"`
	P99TTFTms    *float64 `json:"p99_ttft_ms,omitempty"`

	MeanTPOTms   *float64 `json:"mean_tpot_ms,omitempty"`
	MedianTPOTms *float64 `json:"median_tpot_ms,omitempty"`
	StdTPOTms    *float64 `json:"std_tpot_ms,omitempty"`
	P90TPOTms    *float64 `json:"p90_tpot_ms,omitempty"`
	P99TPOTms    *float64 `json:"p99_tpot_ms,omitempty"`

	MeanITLms   *float64 `json:"mean_itl_ms,omitempty"`
	MedianITLms *float64 `json:"median_itl_ms,omitempty"`
	StdITLms    *float64 `json:"std_itl_ms,omitempty"`
	P90ITLms    *float64 `json:"p90_itl_ms,omitempty"`
	P99ITLms    *float64 `json:"p99_itl_ms,omitempty"`

	MeanE2ELms   *float64 `json:"mean_e2el_ms,omitempty"`
	MedianE2ELms *float64 `json:"median_e2el_ms,omitempty"`
	StdE2ELms    *float64 `json:"std_e2el_ms,omitempty"`
	P90E2ELms    *float64 `json:"p90_e2el_ms,omitempty"`
	P99E2ELms    *float64 `json:"p99_e2el_ms,omitempty"`
}

// ComputeServing summarises a run as `vllm bench serve` does. Failed
// requests are counted and nothing else: no latency, token or throughput
// figure includes them. duration is the run's duration in s (vLLM's is
// the benchmark's wall time; a run's is run_meta.json's duration); a
// duration that is not positive leaves the throughputs out. toks nil
// (no token_metrics.csv) leaves ITL out. Goodput is left out unless slo
// sets an objective.
func ComputeServing(reqs []RequestRecord, toks []TokenRow, duration float64, slo SLO) ServingMetrics {
	t := NewServingTally(len(reqs), toks != nil)
	for i := range reqs {
		t.Add(&reqs[i])
	}
	return t.Result(toks, duration, slo)
}

// ServingTally gathers what ComputeServing needs of each request record as
// the records are produced, so that a writer of many requests need not
// keep them all: three latencies per completed request (and its id, for
// the ITL of token rows, when asked).
type ServingTally struct {
	m                ServingMetrics // counts
	ttft, tpot, e2el []float64      // per completed request, in order; tpot may be NaN
	ids              []int          // completed request ids; nil without token rows
}

// NewServingTally returns a tally sized for n requests; withTokens keeps
// the ids that Result's token rows are matched against.
func NewServingTally(n int, withTokens bool) *ServingTally {
	t := &ServingTally{ttft: make([]float64, 0, n), tpot: make([]float64, 0, n), e2el: make([]float64, 0, n)}
	if withTokens {
		t.ids = make([]int, 0, n)
	}
	return t
}

// Grow makes room for n more requests.
func (t *ServingTally) Grow(n int) {
	t.ttft, t.tpot, t.e2el = slices.Grow(t.ttft, n), slices.Grow(t.tpot, n), slices.Grow(t.e2el, n)
	if t.ids != nil {
		t.ids = slices.Grow(t.ids, n)
	}
}

// Add counts one request record.
func (t *ServingTally) Add(r *RequestRecord) {
	if r.Status != StatusOK {
		t.m.Failed++
		return
	}
	if t.ids != nil {
		t.ids = append(t.ids, r.RequestID)
	}
	t.m.Completed++
	t.m.TotalInputTokens += r.NumPrefillTokens
	t.m.TotalOutputTokens += r.NumDecodeTokensActual
	x := r.Metrics()
	t.ttft, t.tpot, t.e2el = append(t.ttft, x.TTFT), append(t.tpot, x.TPOT), append(t.e2el, x.E2E)
}

// Result is ComputeServing's summary of the records added. It sorts the
// tally's latencies in place: call it once.
func (t *ServingTally) Result(toks []TokenRow, duration float64, slo SLO) ServingMetrics {
	m := t.m
	if duration > 0 && !math.IsInf(duration, 1) {
		m.Duration = duration
	}
	good := 0
	for i := range t.ttft {
		if slo.meets(RequestMetrics{TTFT: t.ttft[i], TPOT: t.tpot[i], E2E: t.e2el[i]}) {
			good++
		}
	}
	if m.Duration > 0 {
		m.RequestThroughput = per(m.Completed, m.Duration)
		m.OutputThroughput = per(m.TotalOutputTokens, m.Duration)
		m.TotalTokenThroughput = per(m.TotalInputTokens+m.TotalOutputTokens, m.Duration)
		if slo.given() {
			m.RequestGoodput = per(good, m.Duration)
		}
	}
	tpot := t.tpot[:0] // the measurable TPOTs, kept in order
	for _, v := range t.tpot {
		if !math.IsNaN(v) {
			tpot = append(tpot, v)
		}
	}
	m.MeanTTFTms, m.MedianTTFTms, m.StdTTFTms, m.P90TTFTms, m.P99TTFTms = describeSortedMs(t.ttft)
	m.MeanTPOTms, m.MedianTPOTms, m.StdTPOTms, m.P90TPOTms, m.P99TPOTms = describeSortedMs(tpot)
	m.MeanE2ELms, m.MedianE2ELms, m.StdE2ELms, m.P90E2ELms, m.P99E2ELms = describeSortedMs(t.e2el)
	if toks != nil {
		ok := make(map[int]bool, len(t.ids))
		for _, id := range t.ids {
			ok[id] = true
		}
		var itl []float64
		for _, tk := range toks {
			// Token 0's latency is the TTFT; the gaps start at token 1.
			if tk.TokenIndex >= 1 && ok[tk.RequestID] {
				itl = append(itl, tk.Latency)
			}
		}
		m.MeanITLms, m.MedianITLms, m.StdITLms, m.P90ITLms, m.P99ITLms = describeSortedMs(itl)
	}
	return m
}

// meets reports whether a completed request's latencies are within every
// objective given (≤). A request with one output token has no TPOT; like
// vLLM, which counts its TPOT as 0, it meets any TPOT objective.
func (s SLO) meets(x RequestMetrics) bool {
	within := func(v, ms float64) bool { return ms <= 0 || math.IsNaN(v) || v <= ms/1e3 }
	return within(x.TTFT, s.TTFTms) && within(x.TPOT, s.TPOTms) && within(x.E2E, s.E2Ems)
}

func per(n int, duration float64) *float64 {
	v := float64(n) / duration
	return &v
}

// describeSortedMs returns the mean, median, standard deviation
// (population, numpy's default ddof=0), p90 and p99 of xs (in s) in ms;
// all nil when xs is empty. It sorts xs in place.
func describeSortedMs(xs []float64) (mean, median, std, p90, p99 *float64) {
	if len(xs) == 0 {
		return nil, nil, nil, nil, nil
	}
	sort.Float64s(xs)
	st := summariseSorted(xs)
	ms := func(v float64) *float64 { v *= 1e3; return &v }
	return ms(st.Mean), ms(Percentile(xs, 50)), ms(st.Std), ms(Percentile(xs, 90)), ms(Percentile(xs, 99))
}

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted, a
// sample in ascending order, as numpy.percentile computes it by default
// (method "linear", Hyndman and Fan's type 7): the rank (n−1)·p/100,
// interpolated between its two neighbours. It is NaN for an empty sample.
// The arithmetic follows numpy's own step by step, so results agree to
// the last bit: the rank's fractional part t weights the upper neighbour,
// and for t ≥ 0.5 the value is computed from that neighbour down.
func Percentile(sorted []float64, p float64) float64 {
	return PercentileOf(len(sorted), func(i int) float64 { return sorted[i] }, p)
}

// PercentileOf is Percentile over n ascending values that at returns by
// index, for a sample kept in another form (value counts, say).
func PercentileOf(n int, at func(i int) float64, p float64) float64 {
	if n == 0 || math.IsNaN(p) {
		return math.NaN()
	}
	rank := float64(n-1) * (min(max(p, 0), 100) / 100)
	lo := math.Floor(rank)
	i := int(lo)
	if i >= n-1 {
		return at(n - 1)
	}
	a, b, t := at(i), at(i+1), rank-lo
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}

// ServingFigure is one figure of ServingMetrics under its JSON key; Value
// is NaN when the figure is unavailable.
type ServingFigure struct {
	Key   string
	Value float64
}

// Figures lists every figure in the order of the JSON document, counts
// included, read from the struct's own JSON tags so the keys can never
// drift from what run_meta.json holds.
func (m ServingMetrics) Figures() []ServingFigure {
	v := reflect.ValueOf(m)
	out := make([]ServingFigure, 0, v.NumField())
	for i := range v.NumField() {
		key, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		f := ServingFigure{Key: key, Value: math.NaN()}
		switch x := v.Field(i).Interface().(type) {
		case float64: // the duration: 0 when not known
			if x > 0 {
				f.Value = x
			}
		case int:
			f.Value = float64(x)
		case *float64:
			if x != nil {
				f.Value = *x
			}
		}
		out = append(out, f)
	}
	return out
}

// WriteText prints the summary as `vllm bench serve` prints its own at
// the end of a run: one aligned line per figure, unavailable figures
// shown as "n/a".
func (m ServingMetrics) WriteText(w io.Writer) error {
	var b strings.Builder
	rule := func(title string) {
		pad := 50 - len(title)
		fmt.Fprintf(&b, "%s%s%s\n", strings.Repeat("-", pad/2), title, strings.Repeat("-", pad-pad/2))
	}
	line := func(label, value string) { fmt.Fprintf(&b, "%-40s %s\n", label+":", value) }
	f := func(v *float64) string {
		if v == nil {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", *v)
	}
	b.WriteString("============ Serving Benchmark Result ============\n")
	line("Successful requests", fmt.Sprint(m.Completed))
	line("Failed requests", fmt.Sprint(m.Failed))
	dur := &m.Duration
	if m.Duration <= 0 {
		dur = nil
	}
	line("Benchmark duration (s)", f(dur))
	line("Total input tokens", fmt.Sprint(m.TotalInputTokens))
	line("Total generated tokens", fmt.Sprint(m.TotalOutputTokens))
	line("Request throughput (req/s)", f(m.RequestThroughput))
	if m.RequestGoodput != nil {
		line("Request goodput (req/s)", f(m.RequestGoodput))
	}
	line("Output token throughput (tok/s)", f(m.OutputThroughput))
	line("Total token throughput (tok/s)", f(m.TotalTokenThroughput))
	for _, s := range []struct {
		title, name                 string
		mean, median, std, p90, p99 *float64
	}{
		{"Time to First Token", "TTFT", m.MeanTTFTms, m.MedianTTFTms, m.StdTTFTms, m.P90TTFTms, m.P99TTFTms},
		{"Time per Output Token (excl. 1st token)", "TPOT", m.MeanTPOTms, m.MedianTPOTms, m.StdTPOTms, m.P90TPOTms, m.P99TPOTms},
		{"Inter-token Latency", "ITL", m.MeanITLms, m.MedianITLms, m.StdITLms, m.P90ITLms, m.P99ITLms},
		{"End-to-end Latency", "E2EL", m.MeanE2ELms, m.MedianE2ELms, m.StdE2ELms, m.P90E2ELms, m.P99E2ELms},
	} {
		rule(s.title)
		line("Mean "+s.name+" (ms)", f(s.mean))
		line("Median "+s.name+" (ms)", f(s.median))
		line("Std "+s.name+" (ms)", f(s.std))
		line("P90 "+s.name+" (ms)", f(s.p90))
		line("P99 "+s.name+" (ms)", f(s.p99))
	}
	b.WriteString(strings.Repeat("=", 50) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}
