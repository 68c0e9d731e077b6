package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/simcheck/simcheck/compare-runs/internal/align"
)

// RunSettings is one column of the configuration table: a run's
// align.SettingKeys values ("unknown" where the run does not record one).
type RunSettings struct {
	Label  string
	Values map[string]string
}

// settingLabels name the configuration table's rows.
var settingLabels = map[string]string{"scheduler.kind": "scheduler kind"}

// configTable writes one column per run, reals first, one row per
// setting.
func configTable(b *strings.Builder, s *Summary) {
	b.WriteString("What each run was configured with (real runs: run_meta.json; Python Vidur: its config.json). ")
	b.WriteString("A value the run does not record is *unknown*. A simulated run whose scheduler settings differ from a real run's is warned about at the top of this page.\n\n")
	b.WriteString("| setting")
	sep := "|---"
	for _, c := range s.Settings {
		fmt.Fprintf(b, " | %s", c.Label)
		sep += "|---"
	}
	b.WriteString(" |\n" + sep + "|\n")
	for _, k := range align.SettingKeys {
		label := strings.TrimPrefix(k, "scheduler.")
		if l, ok := settingLabels[k]; ok {
			label = l
		}
		b.WriteString("| " + label)
		for _, c := range s.Settings {
			fmt.Fprintf(b, " | %s", c.Values[k])
		}
		b.WriteString(" |\n")
	}
}

// servingCounts are the serving figures that are counts.
var servingCounts = map[string]bool{"completed": true, "failed": true, "total_input_tokens": true, "total_output_tokens": true}

// serving writes the `vllm bench serve` figures of the first real run and
// each simulated run (metrics.ServingRows).
func serving(b *strings.Builder, s *Summary) {
	if len(s.Results) == 0 || len(s.Results[0].Serving) == 0 {
		return
	}
	fmt.Fprintf(b, "Each run's own summary as `vllm bench serve` computes it, over all its completed requests (no pairing; failed requests are counted, nothing else): the real column is %s. ", s.Reals[0].Label)
	b.WriteString("Throughputs divide by each run's `duration` in run_meta.json (Python Vidur output has none); latencies in ms; ITL needs token_metrics.csv; goodput needs an objective in `slo.*`. — = unavailable.\n\n")
	b.WriteString("| figure | real")
	sep := "|---|---:"
	for _, res := range s.Results {
		fmt.Fprintf(b, " | %s | error", res.Sim.Label)
		sep += "|---:|---:"
	}
	if len(s.Reals) > 1 {
		b.WriteString(" | noise floor")
		sep += "|---:"
	}
	b.WriteString(" |\n" + sep + "|\n")
	for i, first := range s.Results[0].Serving {
		fmt.Fprintf(b, "| %s | %s", first.Statistic, servingValue(first.Statistic, first.Real))
		for _, res := range s.Results {
			r := res.Serving[i]
			fmt.Fprintf(b, " | %s | %s", servingValue(r.Statistic, r.Sim), pct(r.RelError))
		}
		if len(s.Reals) > 1 {
			fmt.Fprintf(b, " | %s", unsignedPct(first.NoiseFloor))
		}
		b.WriteString(" |\n")
	}
}

func servingValue(key string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case servingCounts[key]:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// configWarnings opens summary.md with the settings that differ, so no
// one reads the figures below without seeing them.
func configWarnings(b *strings.Builder, s *Summary) {
	for _, w := range s.ConfigWarnings {
		fmt.Fprintf(b, "**Warning: %s**\n\n", w)
	}
}
