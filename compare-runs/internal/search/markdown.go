package search

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/simcheck/simcheck/pkg/artifacts"
)

// MarkdownFile is the search report a researcher reads.
const MarkdownFile = "search.md"

// WriteMarkdown writes search.md.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	b.WriteString("# Capacity search report\n\n")
	intro(&b, r)
	b.WriteString("\n## Configurations\n\n")
	r.configurations(&b)
	b.WriteString("\n## Best configuration per SLO\n\n")
	r.best(&b)
	b.WriteString("\n## Pareto front: capacity against GPUs\n\n")
	r.fronts(&b)
	b.WriteString("\n## Failed or missing jobs\n\n")
	r.failed(&b)
	b.WriteString("\n## Warnings\n\n")
	if len(r.Warnings) == 0 {
		b.WriteString("None.\n")
	}
	for _, m := range r.Warnings {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	b.WriteString("\n## Figure\n\n")
	r.Figures.Markdown(&b, "Interactive page (hover a point for its configuration):")
	b.WriteString("\n## Files\n\n")
	b.WriteString("- `" + TableFile + "`: the configurations table, one row per job in job order, every number at full precision.\n")
	b.WriteString("- `config.yaml`: the configuration that produced this report.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func intro(b *strings.Builder, r *Report) {
	var sweeps []string
	for _, s := range r.Sweeps {
		sweeps = append(sweeps, "`"+s+"`")
	}
	noun := "Sweep"
	if len(sweeps) > 1 {
		noun = "Sweeps"
	}
	fmt.Fprintf(b, "%s %s: %d jobs (numbered as in multirun.yaml, from 0), %d with a capacity search to report. ", noun, strings.Join(sweeps, ", "), len(r.Rows), r.reported())
	b.WriteString("A configuration's capacity is the highest request rate at which its simulation met its SLO (`capacity.json` of vidur-sim `sim.mode=capacity`). ")
	b.WriteString("It is *met* when found inside the searched range, *never met* when even the bottom of the range missed (capacity 0), ")
	b.WriteString("and *met at the top of the range* when the top already met it: then the capacity shown (≥) is only a lower bound. ")
	b.WriteString("GPUs = replicas × TP × PP; req/s per GPU is the cost proxy. ")
	if len(r.Keys) > 0 {
		b.WriteString("The columns between job and capacity are the overrides that differ between jobs (empty: not set, the default applies).\n")
	} else {
		b.WriteString("No override differs between the jobs.\n")
	}
}

func (r *Report) reported() int {
	n := 0
	for i := range r.Rows {
		if r.Rows[i].OK() {
			n++
		}
	}
	return n
}

// configurations is the table of every job.
func (r *Report) configurations(b *strings.Builder) {
	cols := append(append([]string{"job"}, r.keyCols()...), "capacity (req/s)", "status", "binding SLO", "replicas", "TP", "PP", "GPUs", "req/s per GPU")
	if len(r.Groups) > 1 {
		cols = append(cols, "SLO")
	}
	header(b, cols)
	for i := range r.Rows {
		row := &r.Rows[i]
		cells := append([]string{r.jobName(row)}, r.keyCells(row)...)
		if !row.OK() {
			cells = append(cells, "—", row.Problem()+" (see below)", "—", "—", "—", "—", "—", "—")
			if len(r.Groups) > 1 {
				cells = append(cells, "—")
			}
			line(b, cells)
			continue
		}
		c, cl := row.Capacity, row.Cluster
		cells = append(cells, capacityText(row), statusText(c.Status), orDash(c.BindingSLO),
			strconv.Itoa(cl.Replicas), strconv.Itoa(cl.Tensor), strconv.Itoa(cl.Pipeline), strconv.Itoa(cl.GPUs()), perGPUText(row))
		if len(r.Groups) > 1 {
			cells = append(cells, SLOLabel(c.SLO))
		}
		line(b, cells)
	}
}

// best is each SLO group's best configuration.
func (r *Report) best(b *strings.Builder) {
	if len(r.Groups) == 0 {
		b.WriteString("No job has a capacity search to rank.\n")
		return
	}
	b.WriteString("The highest capacity at each SLO (jobs are grouped by their `slo` values; only capacities at one SLO compare); a tie goes to fewer GPUs, then to the earlier job.\n\n")
	header(b, append(append([]string{"SLO", "jobs", "best job"}, r.keyCols()...), "capacity (req/s)", "GPUs", "req/s per GPU"))
	for _, g := range r.Groups {
		cells := []string{SLOLabel(g.SLO), strconv.Itoa(len(g.Rows))}
		if g.Best < 0 {
			cells = append(cells, "none met the SLO")
			for range len(r.Keys) + 3 {
				cells = append(cells, "—")
			}
			line(b, cells)
			continue
		}
		row := &r.Rows[g.Best]
		cells = append(append(cells, r.jobName(row)), r.keyCells(row)...)
		line(b, append(cells, capacityText(row), strconv.Itoa(row.Cluster.GPUs()), perGPUText(row)))
	}
	for _, g := range r.Groups {
		for _, i := range g.Uncertain {
			row := &r.Rows[i]
			fmt.Fprintf(b, "\n%s met %s at the top of its range (≥ %s req/s), no more than the best's %s req/s: its true capacity may be higher; search it with a higher `capacity.qps_max`.\n",
				r.jobName(row), SLOLabel(g.SLO), num(row.Capacity.CapacityQPS), num(r.Rows[g.Best].Capacity.CapacityQPS))
		}
	}
}

// fronts is each SLO group's Pareto front.
func (r *Report) fronts(b *strings.Builder) {
	b.WriteString("The configurations that no other beats: none has as much capacity or more on as few GPUs or fewer, with strictly more of one or strictly fewer of the other. ")
	b.WriteString("Configurations that never met their SLO are left out. Ordered by GPUs.\n")
	for _, g := range r.Groups {
		fmt.Fprintf(b, "\n%s:\n\n", SLOLabel(g.SLO))
		if len(g.Front) == 0 {
			b.WriteString("No configuration met it.\n")
			continue
		}
		header(b, append(append([]string{"job"}, r.keyCols()...), "GPUs", "capacity (req/s)", "req/s per GPU"))
		for _, i := range g.Front {
			row := &r.Rows[i]
			cells := append([]string{r.jobName(row)}, r.keyCells(row)...)
			line(b, append(cells, strconv.Itoa(row.Cluster.GPUs()), capacityText(row), perGPUText(row)))
		}
	}
}

// failed lists the jobs without a capacity and why.
func (r *Report) failed(b *strings.Builder) {
	n := 0
	for i := range r.Rows {
		row := &r.Rows[i]
		if row.OK() {
			continue
		}
		n++
		fmt.Fprintf(b, "- %s (`%s`): %s: %s\n", r.jobName(row), strings.Join(row.Overrides, " "), row.Problem(), row.Err)
	}
	if n == 0 {
		b.WriteString("None.\n")
	}
}

// jobName is "job 3", or "<sweep> job 3" when the report has several sweeps.
func (r *Report) jobName(row *Row) string {
	if len(r.Sweeps) > 1 {
		return fmt.Sprintf("%s job %d", row.Sweep, row.Num)
	}
	return fmt.Sprintf("job %d", row.Num)
}

// label names a configuration in the figure: its job and varying overrides.
func (r *Report) label(row *Row) string {
	parts := []string{r.jobName(row)}
	for _, k := range r.Keys {
		if v := row.Value(k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

func (r *Report) keyCols() []string {
	out := make([]string, len(r.Keys))
	for i, k := range r.Keys {
		out[i] = "`" + k + "`"
	}
	return out
}

func (r *Report) keyCells(row *Row) []string {
	out := make([]string, len(r.Keys))
	for i, k := range r.Keys {
		out[i] = cell(row.Value(k))
	}
	return out
}

// SLOLabel is an SLO as a person reads it: "TTFT p90 ≤ 2000 ms, TBT p90 ≤ 100 ms".
func SLOLabel(s artifacts.CapacitySLO) string {
	q := "p" + strconv.FormatFloat(math.Round(s.Quantile*100*1e6)/1e6, 'f', -1, 64)
	var parts []string
	if s.TTFTms > 0 {
		parts = append(parts, fmt.Sprintf("TTFT %s ≤ %s ms", q, num(s.TTFTms)))
	}
	if s.TBTms > 0 {
		parts = append(parts, fmt.Sprintf("TBT %s ≤ %s ms", q, num(s.TBTms)))
	}
	return strings.Join(parts, ", ")
}

func statusText(s artifacts.CapacityStatus) string {
	switch s {
	case artifacts.CapacityFound:
		return "met"
	case artifacts.CapacityAboveRange:
		return "met at the top of the range"
	}
	return "never met"
}

// capacityText is the capacity, "≥" marking a lower bound.
func capacityText(row *Row) string {
	if row.Capacity.Status == artifacts.CapacityAboveRange {
		return "≥ " + num(row.Capacity.CapacityQPS)
	}
	return num(row.Capacity.CapacityQPS)
}

func perGPUText(row *Row) string {
	if row.Capacity.Status == artifacts.CapacityAboveRange {
		return "≥ " + num(row.QPSPerGPU())
	}
	return num(row.QPSPerGPU())
}

// num is v with three significant digits, none dropped left of the
// point (6.00, 0.0500, 1234), as vidur-sim's summaries give capacities.
func num(v float64) string {
	if !(v > 0) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', max(0, 2-int(math.Floor(math.Log10(v)))), 64)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cell escapes a table cell: a "|" would split it.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func header(b *strings.Builder, cols []string) {
	line(b, cols)
	b.WriteString("|" + strings.Repeat("---|", len(cols)) + "\n")
}

func line(b *strings.Builder, cells []string) {
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}
