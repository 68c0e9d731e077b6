package report

import (
	"io"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/compare-runs/internal/metrics"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// SimRunColumn is appended to artifacts.SummaryColumns in
// tables/summary.csv so several simulated runs share one table; readers
// of the schema ignore extra columns (artifacts.ReadSummaryTable).
const SimRunColumn = "sim_run"

// WriteSummaryTable writes tables/summary.csv: every figure of every
// simulated run, the latency statistics first, then the serving figures
// (metric "serving", statistic a `vllm bench serve` key, in that key's
// unit).
func WriteSummaryTable(w io.Writer, results []*metrics.Result) error {
	cw := artifacts.NewCSVWriter(w, append(append([]string(nil), artifacts.SummaryColumns...), SimRunColumn)...)
	for _, res := range results {
		for _, r := range append(append([]artifacts.SummaryRow(nil), res.Rows...), res.Serving...) {
			cw.Write(r.Metric, r.Statistic, artifacts.Float(r.Real), artifacts.Float(r.Sim), artifacts.Float(r.RelError),
				artifacts.Float(r.NoiseFloor), artifacts.Float(r.Tolerance), r.Verdict, res.Sim.Label)
		}
	}
	return cw.Flush()
}

// WriteStepTable writes tables/steps.csv: per batch shape, the step
// times of each run and of the real runs pooled (run "real").
func WriteStepTable(w io.Writer, reals, sims []*align.Run, rows []metrics.StepRow) error {
	cw := artifacts.NewCSVWriter(w, "shape", "run", "kind", "batches", "p50", "p90")
	for _, r := range rows {
		put := func(run, kind string, st metrics.StepStats) {
			cw.Write(r.Shape, run, kind, artifacts.Int(st.Count), artifacts.Float(st.P50), artifacts.Float(st.P90))
		}
		if len(reals) > 1 {
			put("real", "pooled", r.Real)
		}
		for i, st := range r.PerReal {
			put(reals[i].Label, "real", st)
		}
		for i, st := range r.Sims {
			put(sims[i].Label, "sim", st)
		}
	}
	return cw.Flush()
}

// requestMetrics are the per-request metrics (TBT is per token).
func requestMetrics() []metrics.Metric {
	var out []metrics.Metric
	for _, m := range metrics.All {
		if !m.Token {
			out = append(out, m)
		}
	}
	return out
}

// WritePairedTable writes tables/paired_requests.csv: one row per request
// id and (real, sim) pair, including the failed and missing ones with
// their status, so nothing is dropped silently.
func WritePairedTable(w io.Writer, results []*metrics.Result) error {
	head := []string{"request_id", "real_run", "sim_run", "status", "truncated_to"}
	ms := requestMetrics()
	for _, m := range ms {
		head = append(head, m.Key+"_real", m.Key+"_sim", m.Key+"_rel_error")
	}
	cw := artifacts.NewCSVWriter(w, head...)
	for _, res := range results {
		for _, p := range res.Pairings {
			for _, pr := range p.Pairs {
				row := []string{artifacts.Int(pr.RequestID), p.Ref.Label, p.Other.Label, pr.Status, ""}
				if pr.TruncatedTo > 0 {
					row[4] = artifacts.Int(pr.TruncatedTo)
				}
				for _, m := range ms {
					r, s := m.Get(pr.Ref), m.Get(pr.Other)
					row = append(row, artifacts.Float(r), artifacts.Float(s), artifacts.Float(metrics.RelError(r, s)))
				}
				cw.Write(row...)
			}
		}
	}
	return cw.Flush()
}

// WriteTokenTable writes tables/tokens.csv: every output token both sides
// produced (after truncation), with its latency on each side.
func WriteTokenTable(w io.Writer, results []*metrics.Result) error {
	cw := artifacts.NewCSVWriter(w, "request_id", "token_index", "real_run", "sim_run",
		"real_completed_at", "sim_completed_at", "real_latency", "sim_latency", "latency_rel_error")
	for _, res := range results {
		for _, p := range res.Pairings {
			for _, pr := range p.Pairs {
				if pr.Status != align.Paired {
					continue
				}
				for _, t := range pr.Tokens {
					cw.Write(artifacts.Int(pr.RequestID), artifacts.Int(t.Index), p.Ref.Label, p.Other.Label,
						artifacts.Float(t.Ref.CompletedAt), artifacts.Float(t.Other.CompletedAt),
						artifacts.Float(t.Ref.Latency), artifacts.Float(t.Other.Latency),
						artifacts.Float(metrics.RelError(t.Ref.Latency, t.Other.Latency)))
				}
			}
		}
	}
	return cw.Flush()
}
