package load

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
)

// MarkdownFile is the load report a researcher reads.
const MarkdownFile = "load.md"

// WriteMarkdown writes load.md.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Load report %s\n\n", r.ID)
	fmt.Fprintf(&b, "Real timing against simulation at %d offered loads: each load point is one simulated run against the real run(s) of one workload. ", len(r.Points))
	b.WriteString("Each point's figures are those a single comparison of its runs gives (requests paired by id; failed and missing requests left out). ")
	b.WriteString("Latencies in ms; error = (sim − real) / real, signed.\n\n")
	b.WriteString("## Capacity at the SLO\n\n")
	capacity(&b, r)
	b.WriteString("\n## Load points\n\n")
	points(&b, r)
	b.WriteString("\n## Figures by load\n\n")
	b.WriteString("With several real runs at a point, *real* pools them (all their paired requests; throughput: all completed requests over all durations; preemptions: the mean per run) and the noise floor is the largest relative difference between two real runs' values. ")
	b.WriteString("A latency passes when |error| ≤ its tolerance (`tolerance.<metric>`), or ≤ twice the noise floor when that is larger; the verdict names the rule. Throughput and preemptions have no tolerance key and get no verdict.\n")
	figures(&b, r)
	b.WriteString("\n## Warnings\n\n")
	if len(r.Warnings) == 0 {
		b.WriteString("None.\n")
	}
	for _, m := range r.Warnings {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	b.WriteString("\n## Curves\n\n")
	curves(&b, r)
	b.WriteString("\n## Files\n\n")
	b.WriteString("- `tables/load.csv`: every figure of every load point (metric, statistic, real, sim, error, noise floor, tolerance, verdict), latencies in s.\n")
	b.WriteString("- `config.yaml`: the configuration that produced this report.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func capacity(b *strings.Builder, r *Report) {
	if !r.Capacity.Asked {
		b.WriteString("Not asked for: set `slo.ttft_ms` and/or `slo.tbt_ms` (and `slo.quantile`, default 0.9) to find the highest load each side sustains within them.\n")
		return
	}
	var objs []string
	q := StatName(r.SLO.Quantile * 100)
	if r.SLO.TTFTms > 0 {
		objs = append(objs, fmt.Sprintf("%s TTFT ≤ %s ms", q, num(r.SLO.TTFTms)))
	}
	if r.SLO.TBTms > 0 {
		objs = append(objs, fmt.Sprintf("%s TBT ≤ %s ms", q, num(r.SLO.TBTms)))
	}
	fmt.Fprintf(b, "SLO: %s (`slo.quantile` = %s). ", strings.Join(objs, " and "), num(r.SLO.Quantile))
	b.WriteString("The capacity is the highest offered load at which every objective holds. From the lowest load up, the first load that violates an objective ends the search; ")
	b.WriteString("the load at which the violated objective crosses its limit is interpolated linearly between that load and the one before (with both violated, the lower crossing binds). ")
	b.WriteString("Nothing is extrapolated beyond the loads measured.\n\n")
	b.WriteString("| side | capacity | binding SLO | how |\n|---|---|---|---|\n")
	for _, s := range []struct {
		side string
		c    Capacity
	}{{"real", r.Capacity.Real}, {"sim", r.Capacity.Sim}} {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", s.side, capacityValue(s.c), orDash(strings.Join(s.c.Binding, " and ")), capacityHow(s.c))
	}
	fmt.Fprintf(b, "\nSimulated capacity error, (sim − real) / real: %s.\n", capacityError(r.Capacity))
	if n := len(r.Points) - len(r.Known()); n > 0 {
		fmt.Fprintf(b, "\n%d load point(s) with no known offered load are left out of the capacity and the curves.\n", n)
	}
}

func capacityValue(c Capacity) string {
	switch c.Status {
	case Interpolated:
		return fmt.Sprintf("%s QPS", num(c.QPS))
	case Below:
		return fmt.Sprintf("below the lowest load measured (< %s QPS)", num(c.QPS))
	case NotReached:
		return fmt.Sprintf("not reached within the sweep (≥ %s QPS)", num(c.QPS))
	}
	return "unknown"
}

func capacityHow(c Capacity) string {
	switch c.Status {
	case Interpolated:
		return fmt.Sprintf("interpolated between %s QPS (met) and %s QPS (violated)", num(c.Lo), num(c.Hi))
	case Below:
		return fmt.Sprintf("the lowest load, %s QPS, already violates it", num(c.QPS))
	case NotReached:
		return "every load measured meets the SLO"
	}
	return c.Reason
}

// capacityError is the sim's relative capacity error, or a bound on it
// when a side's capacity is itself a bound: a capacity beyond the sweep
// is at least the highest load, one below it less than the lowest.
func capacityError(c CapacityResult) string {
	if !math.IsNaN(c.RelError) {
		return pct(c.RelError)
	}
	if c.Real.Status == Unknown || c.Sim.Status == Unknown {
		return "not measurable: a side's capacity is unknown"
	}
	e := pct((c.Sim.QPS - c.Real.QPS) / c.Real.QPS)
	simUp, simDown := c.Sim.Status == NotReached, c.Sim.Status == Below
	realUp, realDown := c.Real.Status == NotReached, c.Real.Status == Below
	switch {
	case simUp && realUp:
		return "not measurable: both capacities lie beyond the sweep (the sides agree on that)"
	case simDown && realDown:
		return "not measurable: both capacities lie below the sweep (the sides agree on that)"
	case simUp || realDown:
		return "at least " + e + " (a capacity outside the sweep is a bound)"
	default: // simDown || realUp
		return "at most " + e + " (a capacity outside the sweep is a bound)"
	}
}

func points(b *strings.Builder, r *Report) {
	b.WriteString("| point | offered QPS | offered load from | workload | real runs | sim run |\n|---:|---:|---|---|---|---|\n")
	for i, p := range r.Points {
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s |\n", i+1, num(p.Offered.QPS), p.Offered.Note, orDash(p.WorkloadID), labels(p.Reals), p.Sim.Label)
	}
	b.WriteString("\nThe offered load is the workload's arrival rate (`workload_meta.json`, found through the first real run's `run_meta.json` `workload.dir`; divided by real-bench's `time_scale` where the run stretched its arrivals). Where the workload states none, it is the number of requests over the span of their arrival times, as the table says.\n")
}

func labels(rs []*align.Run) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Label)
	}
	return strings.Join(out, ", ")
}

// sections are the metrics of the figure tables, in order.
var sections = []struct{ key, title string }{
	{Throughput, "Request throughput (req/s, completed requests / run duration)"},
	{"ttft", "TTFT (ms)"},
	{"tbt", "TBT (ms, gaps between output tokens)"},
	{"e2e", "E2E (ms)"},
	{"scheduling_delay", "Scheduling delay (ms)"},
	{Preemptions, "Preemptions (num_restarts summed over a run's requests)"},
}

func figures(b *strings.Builder, r *Report) {
	for _, s := range sections {
		fmt.Fprintf(b, "\n### %s\n\n", s.title)
		b.WriteString("| point | offered QPS | stat | real | sim | error | noise floor | verdict |\n|---:|---:|---|---:|---:|---:|---:|---|\n")
		for i, p := range r.Points {
			for _, f := range p.Figures {
				if f.Metric != s.key {
					continue
				}
				fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s | %s |\n", i+1, num(p.Offered.QPS), f.Stat,
					value(f, f.Real), value(f, f.Sim), pct(f.RelError), unsignedPct(f.NoiseFloor), verdict(f))
			}
		}
	}
}

func curves(b *strings.Builder, r *Report) {
	r.Figures.Markdown(b, "Interactive page (open in a browser; it works offline, `figs/echarts.min.js` sits beside it):")
}

// value formats a figure in its report unit: latencies in ms.
func value(f Figure, v float64) string {
	if f.Unit == "s" && !math.IsNaN(v) {
		v *= 1e3
	}
	return num(v)
}

func verdict(f Figure) string {
	rule := ""
	if f.Rule == RuleNoise {
		rule = ", " + RuleNoise
	}
	switch f.Verdict {
	case "pass":
		return fmt.Sprintf("pass (±%s%s)", trimPct(f.Allowed), rule)
	case "fail":
		return fmt.Sprintf("**FAIL** (±%s%s)", trimPct(f.Allowed), rule)
	}
	return "—"
}

// num formats a number with 4 significant digits; NaN is a dash.
func num(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.4g", v)
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

// trimPct is a tolerance in percent without trailing zeros: 10%, 12.5%.
func trimPct(v float64) string { return fmt.Sprintf("%.4g%%", v*100) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
