package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/compare-runs/internal/figs"
	"github.com/simcheck/simcheck/compare-runs/internal/metrics"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

// Summary is what summary.md shows.
type Summary struct {
	ComparisonID string
	Reals        []*align.Run
	Results      []*metrics.Result
	WorkloadID   string
	// WorkloadNote says how the workloads were checked.
	WorkloadNote string
	Warnings     []string
	// ConfigWarnings are the scheduler settings on which a simulated run
	// differs from a real one; summary.md opens with them.
	ConfigWarnings []string
	// Settings are the configuration table's columns, reals then sims.
	Settings []RunSettings
	// Steps are the step times by batch shape (metrics.Steps).
	Steps   []metrics.StepRow
	Figures figs.Written
}

// headlineStats are the statistics of the headline table.
var headlineStats = []string{"p50", "p90", "p99"}

// WriteSummary writes summary.md.
func WriteSummary(w io.Writer, s *Summary) error {
	var b strings.Builder
	configWarnings(&b, s)
	fmt.Fprintf(&b, "# Comparison %s\n\n", s.ComparisonID)
	b.WriteString("Real timing against simulation, request by request, on the same workload. ")
	b.WriteString("Latencies in ms; error = (sim − real) / real, signed; a verdict passes when |error| ≤ the metric's tolerance.\n\n")

	b.WriteString("## Runs\n\n| role | run | kind | source | workload | requests (ok/failed) | directory |\n|---|---|---|---|---|---|---|\n")
	for _, r := range s.Reals {
		runRow(&b, "real", r)
	}
	for _, res := range s.Results {
		runRow(&b, "sim", res.Sim)
	}
	fmt.Fprintf(&b, "\nWorkload: `%s`. %s\n\n", orDash(s.WorkloadID), s.WorkloadNote)
	b.WriteString("## Configuration\n\n")
	configTable(&b, s)
	b.WriteString("\n")

	b.WriteString("## Headline\n\n")
	headline(&b, s)
	b.WriteString("\n## Paired errors and distribution distances\n\n")
	distances(&b, s)
	b.WriteString("\n## Serving metrics\n\n")
	serving(&b, s)
	b.WriteString("\n## Step times by batch shape\n\n")
	stepTimes(&b, s)
	b.WriteString("\n## Noise floor\n\n")
	if len(s.Reals) < 2 {
		b.WriteString("One real run: no run-to-run noise floor. Give several real runs of the workload (`real_run_dirs=[a,b,c]`) to judge a simulator's error against the real system's own variation.\n")
	} else {
		fmt.Fprintf(&b, "%d real runs. The noise floor of a figure is the largest relative difference between two real runs' values of it (for MAPE, KS and Wasserstein: the largest real-vs-real value). A simulator error below it is within run-to-run noise. Shown in the headline table's last column; every statistic's floor is in `tables/summary.csv`.\n", len(s.Reals))
	}
	b.WriteString("\n## Requests\n\n")
	counts(&b, s)
	b.WriteString("\n## Warnings\n\n")
	if len(s.Warnings) == 0 {
		b.WriteString("None.\n")
	}
	for _, wmsg := range s.Warnings {
		fmt.Fprintf(&b, "- %s\n", wmsg)
	}
	b.WriteString("\n## Figures\n\n")
	figures(&b, s)
	b.WriteString("\n## Files\n\n")
	b.WriteString("- `tables/summary.csv`: every statistic of every metric and simulated run (count, mean, p50, p90, p95, p99, max, mape, median_abs_error, ks, wasserstein), in seconds, then the serving figures (metric `serving`, in the unit each key names).\n")
	b.WriteString("- `tables/paired_requests.csv`: every request id with its pairing status and each side's latencies.\n")
	b.WriteString("- `tables/tokens.csv`: every output token both sides produced, with its latency on each side.\n")
	b.WriteString("- `tables/steps.csv`: step times by batch shape, per run and pooled over the real runs, in seconds.\n")
	b.WriteString("- `comparison_meta.json`, `config.yaml`: what was compared and how.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func runRow(b *strings.Builder, role string, r *align.Run) {
	ok, failed := 0, 0
	for _, q := range r.Requests {
		if q.Status == artifacts.StatusOK {
			ok++
		} else {
			failed++
		}
	}
	fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %d/%d | `%s` |\n", role, r.Label, r.Kind, r.Source(), orDash(r.WorkloadID()), ok, failed, r.Dir)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// row finds one figure of a result.
func row(res *metrics.Result, metric, stat string) artifacts.SummaryRow {
	for _, r := range res.Rows {
		if r.Metric == metric && r.Statistic == stat {
			return r
		}
	}
	nan := math.NaN()
	return artifacts.SummaryRow{Metric: metric, Statistic: stat, Real: nan, Sim: nan, RelError: nan, NoiseFloor: nan, Tolerance: nan}
}

func headline(b *strings.Builder, s *Summary) {
	b.WriteString("| metric | stat | real")
	sep := "|---|---|---:"
	for _, res := range s.Results {
		fmt.Fprintf(b, " | %s | error | verdict", res.Sim.Label)
		sep += "|---:|---:|---"
	}
	if len(s.Reals) > 1 {
		b.WriteString(" | noise floor")
		sep += "|---:"
	}
	b.WriteString(" |\n" + sep + "|\n")
	var differ []string
	for _, m := range metrics.All {
		for _, st := range headlineStats {
			first := row(s.Results[0], m.Key, st)
			fmt.Fprintf(b, "| %s | %s | %s", m.Label, st, ms(first.Real))
			for i, res := range s.Results {
				r := row(res, m.Key, st)
				if i > 0 && !same(r.Real, first.Real) && st == "p50" {
					differ = append(differ, fmt.Sprintf("%s (%s)", res.Sim.Label, m.Label))
				}
				fmt.Fprintf(b, " | %s | %s | %s", ms(r.Sim), pct(r.RelError), verdict(r))
			}
			if len(s.Reals) > 1 {
				fmt.Fprintf(b, " | %s", pct(first.NoiseFloor))
			}
			b.WriteString(" |\n")
		}
	}
	if len(differ) > 0 {
		fmt.Fprintf(b, "\nThe real column is over the requests paired with %s; %s paired a different set of requests, so its errors are against its own real figures (tables/summary.csv).\n",
			s.Results[0].Sim.Label, strings.Join(differ, ", "))
	}
	for _, res := range s.Results {
		for _, n := range res.Notes {
			fmt.Fprintf(b, "\n- %s: %s", res.Sim.Label, n)
		}
	}
	b.WriteString("\n")
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func distances(b *strings.Builder, s *Summary) {
	b.WriteString("MAPE: mean |sim − real| / real over paired requests (tokens for TBT). Median |error| in ms. KS: largest gap between the two CDFs (0 = same distribution). W1: Wasserstein-1 distance in ms (the mean shift needed to turn one distribution into the other). Verdicts apply the tolerance to MAPE.\n\n")
	b.WriteString("| metric | sim | pairs | MAPE | median abs error | KS | W1 | verdict |\n|---|---|---:|---:|---:|---:|---:|---|\n")
	for _, m := range metrics.All {
		for _, res := range s.Results {
			mape := row(res, m.Key, "mape")
			fmt.Fprintf(b, "| %s | %s | %d | %s | %s | %s | %s | %s |\n", m.Label, res.Sim.Label, res.NumPaired[m.Key],
				unsignedPct(mape.Sim), ms(row(res, m.Key, "median_abs_error").Sim), num(row(res, m.Key, "ks").Sim),
				ms(row(res, m.Key, "wasserstein").Sim), verdict(mape))
		}
	}
}

// stepTimes is the table of step times by batch shape: the per-step
// prediction error, apart from scheduling, and the real runs' own drift.
func stepTimes(b *strings.Builder, s *Summary) {
	if len(s.Steps) == 0 {
		b.WriteString("No run has batch_metrics.csv (Python Vidur output and external servers have none): no step times to compare.\n")
		return
	}
	b.WriteString("Each batch's time (completed_at − scheduled_at, batch_metrics.csv) grouped by shape: decode-only batches by size, batches with prefill tokens by their token count. ")
	b.WriteString("Where the schedules agree, the error here is the per-step prediction's, apart from queueing. ")
	if len(s.Reals) > 1 {
		b.WriteString("The real figures pool the real runs; *real runs p50* is the range of each run's own p50, the host's drift from run to run. ")
	}
	b.WriteString("A simulated batch that starts after idle includes the wake-up penalty, which a real run shows partly as scheduling delay. Times in ms.\n\n")
	b.WriteString("| shape | real batches | real p50 | real p90")
	sep := "|---|---:|---:|---:"
	if len(s.Reals) > 1 {
		b.WriteString(" | real runs p50")
		sep += "|---:"
	}
	for _, res := range s.Results {
		fmt.Fprintf(b, " | %s batches | p50 | error | p90 | error", res.Sim.Label)
		sep += "|---:|---:|---:|---:|---:"
	}
	b.WriteString(" |\n" + sep + "|\n")
	for _, r := range s.Steps {
		fmt.Fprintf(b, "| %s | %d | %s | %s", r.Shape, r.Real.Count, ms(r.Real.P50), ms(r.Real.P90))
		if len(s.Reals) > 1 {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, p := range r.PerReal {
				if p.Count > 0 {
					lo, hi = min(lo, p.P50), max(hi, p.P50)
				}
			}
			if lo > hi {
				b.WriteString(" | —")
			} else {
				fmt.Fprintf(b, " | %s–%s", ms(lo), ms(hi))
			}
		}
		for _, sim := range r.Sims {
			fmt.Fprintf(b, " | %d | %s | %s | %s | %s", sim.Count, ms(sim.P50), pct(metrics.RelError(r.Real.P50, sim.P50)),
				ms(sim.P90), pct(metrics.RelError(r.Real.P90, sim.P90)))
		}
		b.WriteString(" |\n")
	}
}

func counts(b *strings.Builder, s *Summary) {
	b.WriteString("Requests are paired by id. Failed and missing requests are counted here and left out of every figure.\n\n")
	b.WriteString("| real | sim | paired | failed (real) | failed (sim) | missing (real) | missing (sim) | sim truncated to real output |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range s.Results {
		for _, p := range res.Pairings {
			c := p.Counts
			fmt.Fprintf(b, "| %s | %s | %d | %d | %d | %d | %d | %d |\n", p.Ref.Label, p.Other.Label,
				c.Paired, c.FailedRef, c.FailedOther, c.MissingRef, c.MissingOther, c.Truncated)
		}
	}
}

func figures(b *strings.Builder, s *Summary) {
	s.Figures.Markdown(b, "Interactive pages (open in a browser; they work offline, `figs/echarts.min.js` sits beside them):")
}

// ms formats seconds as milliseconds with 4 significant digits.
func ms(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.4g", v*1e3)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%+.1f%%", v*100)
}

func unsignedPct(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", v*100)
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.3f", v)
}

func verdict(r artifacts.SummaryRow) string {
	switch r.Verdict {
	case "pass":
		return fmt.Sprintf("pass (±%g%%)", r.Tolerance*100)
	case "fail":
		return fmt.Sprintf("**FAIL** (±%g%%)", r.Tolerance*100)
	}
	return "—"
}
