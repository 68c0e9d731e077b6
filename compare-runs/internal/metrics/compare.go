package metrics

import (
	"fmt"
	"math"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Metric is one latency the comparison reports.
type Metric struct {
	Key   string // tolerance.<Key>, table and figure names
	Label string
	// Vidur is the column name in Vidur's and the run's request_metrics.csv.
	Vidur string
	// Token metrics come from token rows (token_index >= 1); the others
	// from artifacts.RequestRecord.Metrics.
	Token bool
	Get   func(artifacts.RequestMetrics) float64
}

// All lists the reported metrics in table order.
var All = []Metric{
	{Key: "ttft", Label: "TTFT", Vidur: "prefill_e2e_time", Get: func(m artifacts.RequestMetrics) float64 { return m.TTFT }},
	{Key: "tbt", Label: "TBT (per token)", Vidur: "decode_token_execution_plus_preemption_time", Token: true},
	{Key: "tpot", Label: "TPOT (per request)", Vidur: "tpot", Get: func(m artifacts.RequestMetrics) float64 { return m.TPOT }},
	{Key: "e2e", Label: "E2E", Vidur: "request_e2e_time", Get: func(m artifacts.RequestMetrics) float64 { return m.E2E }},
	{Key: "e2e_normalized", Label: "E2E / output token", Vidur: "request_e2e_time_normalized", Get: func(m artifacts.RequestMetrics) float64 { return m.E2ENormalized }},
	{Key: "scheduling_delay", Label: "scheduling delay", Vidur: "request_scheduling_delay", Get: func(m artifacts.RequestMetrics) float64 { return m.SchedulingDelay }},
}

// Paired statistics and distances, after DistStats in the tables.
var PairStats = []string{"mape", "median_abs_error", "ks", "wasserstein"}

// Samples returns the metric's paired values: real[i] and sim[i] belong
// to the same request (or token). Pairs where either side is NaN (not
// measured, or TPOT of a one-token request) are left out.
func Samples(p *align.Pairing, m Metric) (real, sim []float64) {
	for i := range p.Pairs {
		pr := &p.Pairs[i]
		if pr.Status != align.Paired {
			continue
		}
		if m.Token {
			for _, t := range pr.Tokens {
				if t.Index >= 1 { // token 0's latency is the TTFT
					real = append(real, t.Ref.Latency)
					sim = append(sim, t.Other.Latency)
				}
			}
			continue
		}
		r, s := m.Get(pr.Ref), m.Get(pr.Other)
		if !math.IsNaN(r) && !math.IsNaN(s) {
			real = append(real, r)
			sim = append(sim, s)
		}
	}
	return real, sim
}

// Result is one simulated run compared with the real runs.
type Result struct {
	Sim       *align.Run
	Pairings  []*align.Pairing // one per real run, in order
	Rows      []artifacts.SummaryRow
	Notes     []string // metrics that could not be compared, and why
	NumPaired map[string]int
	// Serving are the `vllm bench serve` figures of the simulated run
	// against the first real run's (ServingRows), after Rows in
	// tables/summary.csv.
	Serving []artifacts.SummaryRow
}

// Compare computes every figure of sim against the real runs. With
// several real runs the real sample pools them all, each paired with the
// simulated run, and noise carries the real-vs-real figures.
func Compare(reals []*align.Run, sim *align.Run, noise *Noise, tol map[string]float64) *Result {
	res := &Result{Sim: sim, NumPaired: map[string]int{}}
	for _, r := range reals {
		res.Pairings = append(res.Pairings, align.PairRuns(r, sim))
	}
	for _, m := range All {
		var real, simv []float64
		perRun := make([]map[string]float64, len(reals))
		for i, p := range res.Pairings {
			r, s := Samples(p, m)
			real = append(real, r...)
			simv = append(simv, s...)
			perRun[i] = Describe(r)
		}
		res.NumPaired[m.Key] = len(real)
		if len(real) == 0 {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: no paired values (%s)", m.Label, why(reals, sim, m)))
		}
		dr, ds := Describe(real), Describe(simv)
		t := tol[m.Key]
		for _, s := range DistStats {
			row := artifacts.SummaryRow{Metric: m.Key, Statistic: s, Real: dr[s], Sim: ds[s],
				RelError: RelError(dr[s], ds[s]), NoiseFloor: math.NaN(), Tolerance: math.NaN()}
			if s != "count" {
				row.NoiseFloor = spread(perRun, s)
				judge(&row, t)
			}
			res.Rows = append(res.Rows, row)
		}
		nf := noise.Floors(m.Key)
		for _, s := range PairStats {
			row := artifacts.SummaryRow{Metric: m.Key, Statistic: s, Real: math.NaN(), Tolerance: math.NaN(), NoiseFloor: nf[s]}
			row.Sim, row.RelError = pairFigure(s, real, simv, dr)
			if s != "ks" {
				judge(&row, t)
			}
			res.Rows = append(res.Rows, row)
		}
	}
	return res
}

// pairFigure returns a paired statistic's raw value and its unitless
// form: MAPE is already relative; the median absolute error is divided
// by the real p50 and the Wasserstein distance by the real mean; the KS
// statistic is a fraction of requests.
func pairFigure(s string, real, sim []float64, dr map[string]float64) (raw, rel float64) {
	switch s {
	case "mape":
		v := MAPE(real, sim)
		return v, v
	case "median_abs_error":
		v := MedianAbsError(real, sim)
		return v, ratio(v, dr["p50"])
	case "ks":
		v := KS(real, sim)
		return v, v
	default: // wasserstein
		v := Wasserstein1(real, sim)
		return v, ratio(v, dr["mean"])
	}
}

func ratio(v, d float64) float64 {
	if d == 0 || math.IsNaN(d) {
		return math.NaN()
	}
	return v / math.Abs(d)
}

// judge sets the verdict: pass when |rel_error| <= tolerance. No
// tolerance (0) or no relative error (real is 0, or nothing paired)
// leaves it empty.
func judge(row *artifacts.SummaryRow, tol float64) {
	if tol <= 0 || math.IsNaN(row.RelError) {
		return
	}
	row.Tolerance = tol
	row.Verdict = "fail"
	if math.Abs(row.RelError) <= tol {
		row.Verdict = "pass"
	}
}

// spread is the noise floor of one statistic (NoiseFloor of the real
// runs' values of it).
func spread(perRun []map[string]float64, s string) float64 {
	values := make([]float64, len(perRun))
	for i := range perRun {
		values[i] = perRun[i][s]
	}
	return NoiseFloor(values)
}

// NoiseFloor is the run-to-run noise floor of one figure given each real
// run's value of it: the largest relative difference between two runs'
// values, max |x_j − x_i| / |x_i| over ordered pairs, i.e. the error one
// real run makes "predicting" another. NaN with fewer than two values.
func NoiseFloor(values []float64) float64 {
	out := math.NaN()
	for i := range values {
		for j := range values {
			if i == j {
				continue
			}
			if e := math.Abs(RelError(values[i], values[j])); !math.IsNaN(e) && (math.IsNaN(out) || e > out) {
				out = e
			}
		}
	}
	return out
}

func why(reals []*align.Run, sim *align.Run, m Metric) string {
	if m.Token {
		for _, r := range reals {
			if !r.HasTokens() {
				return r.Label + " has no token_metrics.csv"
			}
		}
		if !sim.HasTokens() {
			if sim.Kind == align.KindVidur {
				return sim.Label + " is Python Vidur output, request level only"
			}
			return sim.Label + " has no token_metrics.csv"
		}
	}
	if m.Key == "scheduling_delay" {
		return "scheduled_at is not recorded on at least one side (an external server cannot see it)"
	}
	return "no request completed on both sides"
}

// Noise holds the real-vs-real paired figures: for each metric and
// paired statistic, the largest unitless value over ordered pairs of
// real runs.
type Noise struct {
	floors map[string]map[string]float64
}

// NewNoise pairs every ordered pair of real runs.
func NewNoise(reals []*align.Run) *Noise {
	n := &Noise{floors: map[string]map[string]float64{}}
	for _, m := range All {
		f := map[string]float64{}
		for _, s := range PairStats {
			f[s] = math.NaN()
		}
		for i, a := range reals {
			for j, b := range reals {
				if i == j {
					continue
				}
				r, s := Samples(align.PairRuns(a, b), m)
				dr := Describe(r)
				for _, st := range PairStats {
					if _, v := pairFigure(st, r, s, dr); !math.IsNaN(v) && (math.IsNaN(f[st]) || v > f[st]) {
						f[st] = v
					}
				}
			}
		}
		n.floors[m.Key] = f
	}
	return n
}

// Floors returns the noise floors of a metric's paired statistics.
func (n *Noise) Floors(metric string) map[string]float64 {
	if f, ok := n.floors[metric]; ok {
		return f
	}
	nan := math.NaN()
	return map[string]float64{"mape": nan, "median_abs_error": nan, "ks": nan, "wasserstein": nan}
}
