package metrics

import (
	"math"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// ServingMetric is the metric column of the serving rows in
// tables/summary.csv; their statistic is the `vllm bench serve` key.
const ServingMetric = "serving"

// ServingOf recomputes a run's `vllm bench serve` summary from its own
// records (never from run_meta.json's serving field, which older runs
// lack): every completed request, unpaired and untruncated, as the run
// served it. The duration is run_meta.json's; Python Vidur output has
// none, so its throughputs are unavailable.
func ServingOf(r *align.Run, slo artifacts.SLO) artifacts.ServingMetrics {
	duration := 0.0
	if r.Meta != nil {
		duration = r.Meta.Duration
	}
	var toks []artifacts.TokenRow
	if r.HasTokens() {
		toks = []artifacts.TokenRow{}
		for _, q := range r.Requests {
			toks = append(toks, r.Tokens[q.RequestID]...)
		}
	}
	return artifacts.ComputeServing(r.Requests, toks, duration, slo)
}

// ServingRows compares a simulated run's serving figures with the first
// real run's; with several real runs the noise floor is the largest
// relative difference between two real runs' values of a figure. There
// are no tolerances: these figures are reported, not judged.
func ServingRows(reals []artifacts.ServingMetrics, sim artifacts.ServingMetrics) []artifacts.SummaryRow {
	perReal := make([]map[string]float64, len(reals))
	for i, r := range reals {
		perReal[i] = map[string]float64{}
		for _, f := range r.Figures() {
			perReal[i][f.Key] = f.Value
		}
	}
	var rows []artifacts.SummaryRow
	for _, f := range sim.Figures() {
		real := perReal[0][f.Key]
		rows = append(rows, artifacts.SummaryRow{Metric: ServingMetric, Statistic: f.Key, Real: real, Sim: f.Value,
			RelError: RelError(real, f.Value), NoiseFloor: spread(perReal, f.Key), Tolerance: math.NaN()})
	}
	return rows
}
